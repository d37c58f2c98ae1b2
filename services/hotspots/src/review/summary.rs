//! The summary a commander reads in a minute: the week's thefts against the weeks before, the hot
//! cells, how many of them no camera sees and how many patrols miss at their theft hours, and the
//! three gaps that most need a patrol, in words.

use crate::review::figures::{BASELINE_WEEKS, GapCell, Review, WINDOW_WEEKS};
use crate::review::words::{count, hour_ranges, minutes, place, trend_label};
use quickclear_roster::LatLng;

/// Gaps described in full in the summary.
pub const TOP_GAPS: usize = 3;

/// Plain-text sentences (the page escapes them).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub points: Vec<String>,
    pub top_gaps: Vec<String>,
}

pub fn summary(review: &Review) -> Summary {
    let mut points = vec![theft_trend(
        review.thefts_this_week,
        review.baseline_per_week,
    )];
    let week = review.scope.week;
    let window = format!(
        "over the {WINDOW_WEEKS} weeks from {} to {}",
        week.start_weeks_before(WINDOW_WEEKS as i64 - 1)
            .format("%-d %b %Y"),
        (week.end() - chrono::TimeDelta::days(1)).format("%-d %b %Y"),
    );
    if let Some(note) = &review.note {
        points.push(format!("No hot-spot analysis {window}: {note}."));
        return Summary {
            points,
            top_gaps: Vec::new(),
        };
    }
    let hot = review.hot_cells as u64;
    if hot == 0 {
        points.push(format!(
            "No cell is a hot spot at 95 % confidence or more {window} ({} thefts).",
            review.window_thefts
        ));
    } else {
        points.push(format!(
            "{} {window} (Gi* at 95 % confidence or more, H3 resolution {}, {} thefts).",
            match hot {
                1 => "1 cell is a hot spot".to_owned(),
                n => format!("{n} cells are hot spots"),
            },
            review.scope.resolution.number(),
            review.window_thefts,
        ));
        points.push(cameras(review.blind_hot_cells as u64, hot));
        points.push(patrols(
            review.gaps.len() as u64,
            hot,
            review.scope.min_dwell_minutes,
        ));
    }
    let top_gaps = (review.gaps.iter().take(TOP_GAPS))
        .map(|gap| describe_gap(gap, review.area.station))
        .collect();
    Summary { points, top_gaps }
}

/// `142 thefts this week, 12 % more than the weekly average of the previous 4 weeks (126.8).`
pub fn theft_trend(this_week: u64, baseline: f64) -> String {
    let thefts = count(this_week, "theft", "thefts");
    if baseline <= 0.0 {
        return format!("{thefts} this week; none in the previous {BASELINE_WEEKS} weeks.");
    }
    let change = (this_week as f64 - baseline) / baseline * 100.0;
    let comparison = if change.abs() < 5.0 {
        "about the same as".to_owned()
    } else if change > 0.0 {
        format!("{change:.0} % more than")
    } else {
        format!("{:.0} % fewer than", -change)
    };
    format!(
        "{thefts} this week, {comparison} the weekly average of the previous {BASELINE_WEEKS} \
         weeks ({baseline:.1})."
    )
}

fn cameras(blind: u64, hot: u64) -> String {
    match (blind, hot) {
        (0, 1) => "A camera sees it.".into(),
        (0, _) => "Cameras see every one of them.".into(),
        (1, 1) => "No camera sees it.".into(),
        (b, h) if b == h => "No camera sees any of them.".into(),
        (b, h) => format!("{b} of the {h} are seen by no camera."),
    }
}

fn patrols(with_gaps: u64, hot: u64, threshold: f64) -> String {
    let gap = format!(
        "patrols spent under {} there at the hours its thefts happen",
        minutes(threshold)
    );
    match (with_gaps, hot) {
        (0, 1) => "Patrols were there at the hours its thefts happen.".into(),
        (0, _) => "Patrols were at every one of them at the hours their thefts happen.".into(),
        (1, 1) => format!("It has a patrol gap: {gap}."),
        (g, h) => format!(
            "{g} of the {h} {} a patrol gap: {}.",
            if g == 1 { "has" } else { "have" },
            gap.replace("its thefts", "their thefts")
        ),
    }
}

/// `Around 001XX W MADISON ST, 0.8 km NW of the station: 23 thefts in 8 weeks (4 this week), 19 of
/// them at hours patrols missed (most at 12:00–14:00), where patrols spent 2 min at those hours in
/// all; no camera sees it; trend: intensifying.`
pub fn describe_gap(gap: &GapCell, station: Option<LatLng>) -> String {
    let mut place = place(gap, station);
    if let Some(first) = place.get(..1) {
        place = first.to_uppercase() + &place[1..];
    }
    let cameras = if gap.covered {
        "a camera sees it"
    } else {
        "no camera sees it"
    };
    format!(
        "{place}: {} in {WINDOW_WEEKS} weeks ({} this week), {} of them at hours patrols missed \
         (most at {}), where patrols spent {} at those hours in all; {cameras}; trend: {}.",
        count(gap.thefts, "theft", "thefts"),
        gap.thefts_this_week,
        gap.gap_thefts(),
        hour_ranges(&busiest_gap_hours(gap, 2)),
        minutes(gap.dwell_at_gap_hours()),
        trend_label(gap.trend),
    )
}

/// The `n` gap hours with the most thefts (the earlier hour among equals), in hour order.
fn busiest_gap_hours(gap: &GapCell, n: usize) -> Vec<u8> {
    let mut hours: Vec<_> = gap.hours.iter().filter(|h| h.gap).collect();
    hours.sort_by(|a, b| b.thefts.cmp(&a.thefts).then(a.hour.cmp(&b.hour)));
    let mut busiest: Vec<u8> = hours.iter().take(n).map(|h| h.hour).collect();
    busiest.sort_unstable();
    busiest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cameras::CamerasNear;
    use crate::cells::{AnalysisResolution, cells_at};
    use crate::review::figures::HourFigure;
    use quickclear_analytics::{EmergingPattern, HotSpotClass};

    fn gap() -> GapCell {
        let cell = AnalysisResolution::NINE.of(&cells_at(41.8830, -87.6400).expect("cells"));
        let hour = |hour, thefts, dwell_minutes, gap| HourFigure {
            hour,
            thefts,
            dwell_minutes,
            gap,
        };
        GapCell {
            rank: 1,
            cell,
            centre: LatLng {
                lat: 41.8830,
                lng: -87.6400,
            },
            address: Some("001XX W MADISON ST".into()),
            class: HotSpotClass::Hot99,
            z: 5.2,
            thefts: 23,
            thefts_this_week: 4,
            hours: vec![
                hour(12, 9, 0.0, true),
                hour(13, 6, 2.0, true),
                hour(14, 4, 0.0, true),
                hour(20, 4, 45.0, false),
            ],
            patrol: [0.0; 24],
            trend: Some(EmergingPattern::Intensifying),
            covered: false,
            cameras: CamerasNear::default(),
        }
    }

    #[test]
    fn the_week_is_compared_with_the_weeks_before() {
        assert_eq!(
            theft_trend(142, 126.75),
            "142 thefts this week, 12 % more than the weekly average of the previous 4 weeks \
             (126.8)."
        );
        assert_eq!(
            theft_trend(90, 100.0),
            "90 thefts this week, 10 % fewer than the weekly average of the previous 4 weeks \
             (100.0)."
        );
        assert!(theft_trend(101, 100.0).contains("about the same as"));
        assert_eq!(
            theft_trend(1, 0.0),
            "1 theft this week; none in the previous 4 weeks."
        );
    }

    #[test]
    fn cameras_and_patrols_in_words() {
        assert_eq!(cameras(6, 9), "6 of the 9 are seen by no camera.");
        assert_eq!(cameras(0, 9), "Cameras see every one of them.");
        assert_eq!(cameras(1, 1), "No camera sees it.");
        assert_eq!(cameras(9, 9), "No camera sees any of them.");
        assert_eq!(
            patrols(7, 9, 10.0),
            "7 of the 9 have a patrol gap: patrols spent under 10 min there at the hours their \
             thefts happen."
        );
        assert!(patrols(1, 9, 10.0).starts_with("1 of the 9 has a patrol gap"));
        assert_eq!(
            patrols(1, 1, 10.0),
            "It has a patrol gap: patrols spent under 10 min there at the hours its thefts happen."
        );
    }

    #[test]
    fn a_gap_in_words() {
        let station = LatLng {
            lat: 41.8789,
            lng: -87.6300,
        };
        assert_eq!(
            describe_gap(&gap(), Some(station)),
            "Around 001XX W MADISON ST, 0.9 km NW of the station: 23 thefts in 8 weeks (4 this \
             week), 19 of them at hours patrols missed (most at 12:00–14:00), where patrols spent \
             2 min at those hours in all; no camera sees it; trend: intensifying."
        );
        let mut unnamed = gap();
        unnamed.address = None;
        unnamed.covered = true;
        let text = describe_gap(&unnamed, None);
        assert!(
            text.starts_with(&format!("Cell {}: 23 thefts", unnamed.cell)),
            "{text}"
        );
        assert!(text.contains("a camera sees it"), "{text}");
    }
}

//! A gap cell's day at a glance: a strip of 24 hours as inline SVG, thefts above (red at gap hours,
//! grey at patrolled ones, darker for more thefts) and patrol minutes below (green, fuller for more).

use crate::review::figures::GapCell;
use crate::review::words::minutes;
use std::fmt::Write;

const HOUR_WIDTH: f64 = 7.0;

/// The strip; `threshold` is the patrol minutes that close a gap (a full green bar).
pub fn hour_strip(gap: &GapCell, threshold: f64) -> String {
    let most = gap.hours.iter().map(|h| h.thefts).max().unwrap_or(1).max(1) as f64;
    let width = 24.0 * HOUR_WIDTH;
    let mut svg = format!(
        "<svg class=\"hours\" viewBox=\"0 0 {width} 26\" width=\"{width}\" height=\"26\" \
         role=\"img\" aria-label=\"thefts and patrol by hour\" font-size=\"7\" fill=\"#777\">"
    );
    for hour in 0..24u8 {
        let x = f64::from(hour) * HOUR_WIDTH;
        let patrol = gap.patrol[usize::from(hour)];
        let figure = gap.hours.iter().find(|h| h.hour == hour);
        let (fill, opacity) = match figure {
            Some(h) if h.gap => ("#d62f27", 0.35 + 0.65 * h.thefts as f64 / most),
            Some(h) => ("#555555", 0.25 + 0.5 * h.thefts as f64 / most),
            None => ("#eeeeee", 1.0),
        };
        let thefts = figure.map_or(0, |h| h.thefts);
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"0\" width=\"{:.1}\" height=\"10\" fill=\"{fill}\" \
             fill-opacity=\"{opacity:.2}\"><title>{hour:02}:00–{:02}:00: {thefts} thefts, {} \
             patrol</title></rect>",
            HOUR_WIDTH - 1.0,
            hour + 1,
            minutes(patrol),
        );
        if patrol >= 0.5 {
            let share = (patrol / threshold.max(1.0)).clamp(0.15, 1.0);
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#1a7f37\"/>",
                16.0 - 4.0 * share,
                HOUR_WIDTH - 1.0,
                4.0 * share,
            );
        }
    }
    for hour in [0u8, 6, 12, 18] {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"25\">{hour}</text>",
            f64::from(hour) * HOUR_WIDTH
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cameras::CamerasNear;
    use crate::review::figures::HourFigure;
    use quickclear_analytics::HotSpotClass;
    use quickclear_roster::LatLng;

    #[test]
    fn gap_hours_are_red_patrolled_ones_grey_and_patrol_green() {
        let hour = |hour, thefts, gap| HourFigure {
            hour,
            thefts,
            dwell_minutes: 0.0,
            gap,
        };
        let mut patrol = [0.0; 24];
        patrol[20] = 30.0;
        let gap = GapCell {
            rank: 1,
            cell: "8926641a9b3ffff".parse().expect("cell"),
            centre: LatLng { lat: 0.0, lng: 0.0 },
            address: None,
            class: HotSpotClass::Hot99,
            z: 3.0,
            thefts: 5,
            thefts_this_week: 1,
            hours: vec![hour(12, 4, true), hour(20, 1, false)],
            patrol,
            trend: None,
            covered: false,
            cameras: CamerasNear::default(),
        };
        let svg = hour_strip(&gap, 10.0);
        assert_eq!(svg.matches("height=\"10\"").count(), 24, "one box an hour");
        assert!(
            svg.contains("fill=\"#d62f27\" fill-opacity=\"1.00\"><title>12:00–13:00: 4 thefts")
        );
        assert!(svg.contains("fill=\"#555555\""), "a patrolled theft hour");
        assert_eq!(svg.matches("#1a7f37").count(), 1, "patrol at 20:00 only");
    }
}

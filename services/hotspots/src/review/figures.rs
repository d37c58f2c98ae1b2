//! The review's figures: the thefts of the [`WINDOW_WEEKS`] weeks up to and including the reviewed
//! week, Gi* over them, the hot cells' patrol gaps at the hours their thefts happen, each gap cell's
//! weekly trend (emerging hot spots) and the cameras near it.
//!
//! "Hot" here means hot at 95 % confidence or more (after the FDR correction); 90 % cells are shown
//! on the map but not reviewed.

use crate::answers::{analysis_problem, hot_spot_figures};
use crate::cameras::{CameraCoverage, CamerasNear};
use crate::cells::AnalysisResolution;
use crate::incidents::{IncidentTable, Selection};
use crate::review::IsoWeek;
use crate::trends::cell_trends;
use chrono::{DateTime, Utc};
use h3o::CellIndex;
use quickclear_analytics::{
    CellHotSpot, EmergingPattern, HotSpotClass, HourlyMinutes, PatrolGap, PatrolGapConfig,
    TemporalProfile, patrol_gaps,
};
use quickclear_platform::Problem;
use quickclear_roster::LatLng;
use quickclear_schemas::UnitId;
use std::collections::{BTreeMap, HashMap};

/// Weeks of thefts the hot spots and trends are computed over, the reviewed week last.
pub const WINDOW_WEEKS: usize = 8;
/// Weeks before the reviewed one its theft count is compared with.
pub const BASELINE_WEEKS: usize = 4;

/// What is reviewed.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    pub week: IsoWeek,
    pub resolution: AnalysisResolution,
    pub ring_size: u32,
    /// A theft hour with less patrol than this (summed over the window) is a gap.
    pub min_dwell_minutes: f64,
    /// `None` reviews every precinct together.
    pub precinct: Option<UnitId>,
}

impl Scope {
    /// The thefts of the window.
    pub fn window(&self) -> Selection {
        Selection {
            from: Some(self.week.start_weeks_before(WINDOW_WEEKS as i64 - 1)),
            to: Some(self.week.end()),
            offence: None,
            precinct: self.precinct.clone(),
        }
    }
}

/// Whether a class counts as hot in the review.
pub fn reviewed_hot(class: HotSpotClass) -> bool {
    matches!(class, HotSpotClass::Hot99 | HotSpotClass::Hot95)
}

/// The window's thefts, read from the table (under its lock) in one go.
#[derive(Debug)]
pub struct Thefts {
    pub spots: Vec<CellHotSpot>,
    /// Why Gi* could not run, when it could not.
    pub note: Option<String>,
    pub profiles: BTreeMap<CellIndex, TemporalProfile>,
    /// Thefts per cell in each week of the window, oldest first.
    pub weekly: Vec<BTreeMap<CellIndex, u64>>,
    /// The address most of a cell's thefts were reported at.
    pub addresses: HashMap<CellIndex, String>,
}

impl Thefts {
    pub fn read(table: &IncidentTable, scope: &Scope) -> Result<Self, Problem> {
        let window = scope.window();
        let figures = hot_spot_figures(table, scope.resolution, scope.ring_size, &window)?;
        let first_week = scope.week.start_weeks_before(WINDOW_WEEKS as i64 - 1);
        let weekly = table.weekly_counts(scope.resolution, &window, first_week, WINDOW_WEEKS);
        let mut at_address: HashMap<CellIndex, HashMap<&str, u64>> = HashMap::new();
        for incident in table.selected(&window) {
            if let Some(address) = incident.address.as_deref() {
                *at_address
                    .entry(incident.cell(scope.resolution))
                    .or_default()
                    .entry(address)
                    .or_default() += 1;
            }
        }
        let addresses = at_address
            .into_iter()
            .filter_map(|(cell, counts)| {
                // The most frequent address; the first in alphabetical order among equals.
                let (address, _) = counts
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))?;
                Some((cell, address.to_owned()))
            })
            .collect();
        Ok(Self {
            spots: figures.spots,
            note: figures.note,
            profiles: table.profiles(scope.resolution, &window),
            weekly,
            addresses,
        })
    }
}

/// The place reviewed: its name, its station and its outline (rings of `(lng, lat)`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Area {
    pub name: String,
    pub station: Option<LatLng>,
    pub outline: Vec<Vec<(f64, f64)>>,
}

/// One hour of the day at a gap cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HourFigure {
    pub hour: u8,
    pub thefts: u64,
    pub dwell_minutes: f64,
    /// Thefts happen then and patrols were there for less than the threshold.
    pub gap: bool,
}

/// A hot cell with a patrol gap at one or more of its theft hours.
#[derive(Clone, Debug, PartialEq)]
pub struct GapCell {
    /// 1 for the gap that most needs a patrol.
    pub rank: usize,
    pub cell: CellIndex,
    pub centre: LatLng,
    pub address: Option<String>,
    pub class: HotSpotClass,
    pub z: f64,
    /// Thefts in the window, and in the reviewed week.
    pub thefts: u64,
    pub thefts_this_week: u64,
    /// Every hour of the day with thefts in the window.
    pub hours: Vec<HourFigure>,
    /// Patrol minutes in the window at each hour of the day.
    pub patrol: HourlyMinutes,
    /// `None` when the trend could not be computed (too few cells).
    pub trend: Option<EmergingPattern>,
    /// A camera sees (part of) the cell.
    pub covered: bool,
    pub cameras: CamerasNear,
}

impl GapCell {
    /// Thefts at the gap hours.
    pub fn gap_thefts(&self) -> u64 {
        self.hours.iter().filter(|h| h.gap).map(|h| h.thefts).sum()
    }

    /// Patrol minutes at the hours thefts happen.
    pub fn dwell_at_theft_hours(&self) -> f64 {
        self.hours.iter().map(|h| h.dwell_minutes).sum()
    }

    /// Patrol minutes at the gap hours.
    pub fn dwell_at_gap_hours(&self) -> f64 {
        self.hours
            .iter()
            .filter(|h| h.gap)
            .map(|h| h.dwell_minutes)
            .sum()
    }

    pub fn gap_hours(&self) -> Vec<u8> {
        self.hours
            .iter()
            .filter(|h| h.gap)
            .map(|h| h.hour)
            .collect()
    }
}

/// One cell of the map: a cell with thefts (its Gi* class), or one patrols visited without thefts.
#[derive(Clone, Debug, PartialEq)]
pub struct MapCell {
    pub cell: CellIndex,
    pub class: Option<HotSpotClass>,
    pub thefts: u64,
    pub covered: bool,
    /// Patrol minutes in the window, all hours.
    pub dwell_minutes: f64,
    pub gap_rank: Option<usize>,
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub scope: Scope,
    pub area: Area,
    pub generated_at: DateTime<Utc>,
    pub thefts_this_week: u64,
    /// Thefts per week over the [`BASELINE_WEEKS`] before the reviewed one.
    pub baseline_per_week: f64,
    pub window_thefts: u64,
    pub hot_cells: usize,
    /// Hot cells no camera sees.
    pub blind_hot_cells: usize,
    /// Ranked, the most thefts at gap hours first.
    pub gaps: Vec<GapCell>,
    pub map: Vec<MapCell>,
    pub cameras: usize,
    pub camera_range_m: f64,
    pub note: Option<String>,
}

/// What a review is assembled from, besides the cameras.
pub struct Inputs {
    pub scope: Scope,
    pub area: Area,
    pub thefts: Thefts,
    /// Patrol dwell per cell and hour over the window.
    pub dwell: BTreeMap<CellIndex, HourlyMinutes>,
    pub generated_at: DateTime<Utc>,
}

impl Review {
    /// Puts the figures together; `inside` says whether a cell patrols visited belongs on the map.
    pub fn assemble(
        inputs: Inputs,
        cameras: &CameraCoverage,
        inside: impl Fn(CellIndex) -> bool,
    ) -> Result<Self, Problem> {
        let Inputs {
            scope,
            area,
            thefts,
            dwell,
            generated_at,
        } = inputs;
        let resolution = scope.resolution;
        let covered = cameras.covered(resolution);
        let hot: Vec<CellHotSpot> = (thefts.spots.iter())
            .filter(|s| reviewed_hot(s.class))
            .cloned()
            .collect();
        let config = PatrolGapConfig {
            min_incidents_in_hour: 1,
            min_dwell_minutes: scope.min_dwell_minutes,
        };
        let gaps =
            patrol_gaps(&hot, &thefts.profiles, &dwell, &config).map_err(analysis_problem)?;
        let trends: HashMap<CellIndex, EmergingPattern> =
            cell_trends(&thefts.weekly, scope.ring_size)?
                .into_iter()
                .map(|t| (t.cell, t.pattern))
                .collect();
        let this_week = &thefts.weekly[WINDOW_WEEKS - 1];
        let mut gap_cells = gap_cells(&hot, &gaps, &thefts, &dwell, this_week);
        for gap in &mut gap_cells {
            gap.trend = trends.get(&gap.cell).copied();
            gap.covered = covered.contains(&gap.cell);
            gap.cameras = cameras.near(gap.cell, resolution);
        }
        let rank_of: HashMap<CellIndex, usize> =
            gap_cells.iter().map(|g| (g.cell, g.rank)).collect();
        let total = |cell: &CellIndex| dwell.get(cell).map_or(0.0, |m| m.iter().sum::<f64>());
        let mut map: Vec<MapCell> = (thefts.spots.iter())
            .map(|spot| MapCell {
                cell: spot.cell,
                class: Some(spot.class),
                thefts: spot.count,
                covered: covered.contains(&spot.cell),
                dwell_minutes: total(&spot.cell),
                gap_rank: rank_of.get(&spot.cell).copied(),
            })
            .collect();
        let with_thefts: std::collections::HashSet<CellIndex> =
            map.iter().map(|c| c.cell).collect();
        map.extend(
            (dwell.keys())
                .filter(|cell| !with_thefts.contains(cell) && total(cell) > 0.0 && inside(**cell))
                .map(|&cell| MapCell {
                    cell,
                    class: None,
                    thefts: 0,
                    covered: covered.contains(&cell),
                    dwell_minutes: total(&cell),
                    gap_rank: None,
                }),
        );
        let weekly_total = |week: &BTreeMap<CellIndex, u64>| week.values().sum::<u64>();
        let baseline = &thefts.weekly[WINDOW_WEEKS - 1 - BASELINE_WEEKS..WINDOW_WEEKS - 1];
        Ok(Self {
            thefts_this_week: weekly_total(this_week),
            baseline_per_week: baseline.iter().map(weekly_total).sum::<u64>() as f64
                / BASELINE_WEEKS as f64,
            window_thefts: thefts.weekly.iter().map(weekly_total).sum(),
            hot_cells: hot.len(),
            blind_hot_cells: hot.iter().filter(|s| !covered.contains(&s.cell)).count(),
            gaps: gap_cells,
            map,
            cameras: cameras.cameras,
            camera_range_m: cameras.range_m,
            note: thefts.note,
            scope,
            area,
            generated_at,
        })
    }
}

/// The hot cells with gaps, ranked: most thefts at gap hours, then most thefts, then highest z.
/// Trend and cameras are filled in by the caller.
fn gap_cells(
    hot: &[CellHotSpot],
    gaps: &[PatrolGap],
    thefts: &Thefts,
    dwell: &BTreeMap<CellIndex, HourlyMinutes>,
    this_week: &BTreeMap<CellIndex, u64>,
) -> Vec<GapCell> {
    let mut cells: Vec<GapCell> = hot
        .iter()
        .filter(|spot| gaps.iter().any(|g| g.cell == spot.cell))
        .map(|spot| {
            let profile = thefts.profiles.get(&spot.cell).copied().unwrap_or_default();
            let minutes = dwell.get(&spot.cell).copied().unwrap_or([0.0; 24]);
            let hours = (0..24u8)
                .filter(|&h| profile.by_hour[usize::from(h)] > 0)
                .map(|hour| HourFigure {
                    hour,
                    thefts: profile.by_hour[usize::from(hour)],
                    dwell_minutes: minutes[usize::from(hour)],
                    gap: gaps.iter().any(|g| g.cell == spot.cell && g.hour == hour),
                })
                .collect();
            let centre = h3o::LatLng::from(spot.cell);
            GapCell {
                rank: 0,
                cell: spot.cell,
                centre: LatLng {
                    lat: centre.lat(),
                    lng: centre.lng(),
                },
                address: thefts.addresses.get(&spot.cell).cloned(),
                class: spot.class,
                z: spot.z,
                thefts: spot.count,
                thefts_this_week: this_week.get(&spot.cell).copied().unwrap_or(0),
                hours,
                patrol: minutes,
                trend: None,
                covered: false,
                cameras: CamerasNear::default(),
            }
        })
        .collect();
    cells.sort_by(|a, b| {
        (b.gap_thefts().cmp(&a.gap_thefts()))
            .then(b.thefts.cmp(&a.thefts))
            .then(b.z.total_cmp(&a.z))
            .then(a.cell.cmp(&b.cell))
    });
    for (index, cell) in cells.iter_mut().enumerate() {
        cell.rank = index + 1;
    }
    cells
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cameras::RegisteredCamera;
    use crate::cells::cells_at;
    use crate::incidents::tests::theft;
    use quickclear_analytics::Camera;
    use quickclear_schemas::report::Offence;

    const WACKER: (f64, f64) = (41.8789, -87.6359);
    /// One theft each, far apart (no two in neighbouring resolution-9 cells).
    const ELSEWHERE: [(f64, f64); 8] = [
        (41.9250, -87.6779),
        (41.9529, -87.7866),
        (41.7508, -87.6050),
        (41.8500, -87.7000),
        (41.9000, -87.7500),
        (41.7800, -87.6700),
        (41.9700, -87.6600),
        (41.8100, -87.6200),
    ];

    fn scope() -> Scope {
        Scope {
            week: IsoWeek::parse("2016-W23").expect("week"),
            resolution: AnalysisResolution::NINE,
            ring_size: 1,
            min_dwell_minutes: 10.0,
            precinct: None,
        }
    }

    /// Two thefts a week at Wacker Dr at 10:xx for the 8 weeks to 2016-W23 (one more in W23), one
    /// at each other place, and one theft before the window that must not count.
    fn table() -> IncidentTable {
        let mut table = IncidentTable::default();
        let mut add = |(lat, lng): (f64, f64), at: String| {
            let mut incident = theft(lat, lng, &at, Offence::Pickpocketing, "D001");
            incident.address = Some("2XX S WACKER DR".into());
            table.add(incident);
        };
        for week in 0..8 {
            // Mondays from 2016-04-18 (2016-W16).
            let monday = chrono::NaiveDate::from_ymd_opt(2016, 4, 18).expect("date")
                + chrono::TimeDelta::weeks(week);
            add(WACKER, format!("{monday} 10:15"));
            add(
                WACKER,
                format!("{} 10:40", monday + chrono::TimeDelta::days(2)),
            );
        }
        add(WACKER, "2016-06-12 10:05".into());
        add(WACKER, "2016-04-17 10:00".into());
        for (i, place) in ELSEWHERE.into_iter().enumerate() {
            add(place, format!("2016-05-{:02} 15:00", 10 + i));
        }
        table
    }

    pub(crate) fn review(
        dwell: BTreeMap<CellIndex, HourlyMinutes>,
        cameras: &CameraCoverage,
    ) -> Review {
        let scope = scope();
        let thefts = Thefts::read(&table(), &scope).expect("thefts");
        let inputs = Inputs {
            scope,
            area: Area::default(),
            thefts,
            dwell,
            generated_at: "2016-06-13T08:00:00Z".parse().expect("time"),
        };
        Review::assemble(inputs, cameras, |_| true).expect("review")
    }

    pub(crate) fn wacker_cell() -> CellIndex {
        AnalysisResolution::NINE.of(&cells_at(WACKER.0, WACKER.1).expect("cells"))
    }

    #[test]
    fn a_hot_cell_without_patrol_is_a_gap_at_its_theft_hour() {
        let review = review(BTreeMap::new(), &CameraCoverage::default());
        assert_eq!(review.window_thefts, 17 + ELSEWHERE.len() as u64);
        assert_eq!(review.thefts_this_week, 3);
        assert!((review.baseline_per_week - (2.0 + 8.0 / 4.0)).abs() < 1e-12);
        assert_eq!((review.hot_cells, review.blind_hot_cells), (1, 1));
        assert_eq!(review.gaps.len(), 1);
        let gap = &review.gaps[0];
        assert_eq!((gap.rank, gap.cell), (1, wacker_cell()));
        assert_eq!((gap.thefts, gap.thefts_this_week), (17, 3));
        assert_eq!(gap.gap_hours(), [10]);
        assert_eq!(gap.gap_thefts(), 17);
        assert_eq!(gap.address.as_deref(), Some("2XX S WACKER DR"));
        assert!(gap.trend.is_some());
        assert_eq!(review.map.len(), 1 + ELSEWHERE.len());
        let marked = review
            .map
            .iter()
            .find(|c| c.cell == gap.cell)
            .expect("on the map");
        assert_eq!(marked.gap_rank, Some(1));
    }

    #[test]
    fn patrol_at_the_theft_hour_closes_the_gap_and_a_camera_is_named() {
        let mut minutes = [0.0; 24];
        minutes[10] = 30.0;
        let patrolled = wacker_cell().grid_disk::<Vec<CellIndex>>(1)[1];
        let dwell = BTreeMap::from([(wacker_cell(), minutes), (patrolled, [1.0; 24])]);
        let camera = RegisteredCamera {
            id: "RL-Wacker".into(),
            camera: Camera {
                lat: WACKER.0,
                lng: WACKER.1,
                range_m: 100.0,
                field_of_view: None,
            },
        };
        let cameras = CameraCoverage::compute(&[camera], 100.0).expect("coverage");
        let review = review(dwell.clone(), &cameras);
        assert!(review.gaps.is_empty());
        assert_eq!((review.hot_cells, review.blind_hot_cells), (1, 0));
        let visited = review
            .map
            .iter()
            .find(|c| c.cell == patrolled)
            .expect("patrolled cell");
        assert_eq!((visited.class, visited.dwell_minutes), (None, 24.0));

        let mut scope = scope();
        scope.min_dwell_minutes = 45.0;
        let inputs = Inputs {
            thefts: Thefts::read(&table(), &scope).expect("thefts"),
            scope,
            area: Area::default(),
            dwell,
            generated_at: "2016-06-13T08:00:00Z".parse().expect("time"),
        };
        let stricter = Review::assemble(inputs, &cameras, |_| true).expect("review");
        let gap = &stricter.gaps[0];
        assert!((gap.dwell_at_gap_hours() - 30.0).abs() < 1e-12);
        assert!(gap.covered);
        assert_eq!(gap.cameras.in_cell, ["RL-Wacker"]);
    }
}

//! Emerging hot spot patterns on synthetic weekly counts with a known story, and a run on the
//! Chicago 2016 thefts by week.

mod common;

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use h3o::{CellIndex, LatLng, Resolution};
use quickclear_analytics::{
    EmergingConfig, EmergingPattern, IncidentFilter, IncidentIndex, TimeBins, emerging_hot_spots,
};

const WEEKS: usize = 12;

struct Scenario {
    area: Vec<CellIndex>,
    cluster_centre: CellIndex,
    quiet_cell: CellIndex,
}

/// 127 cells (a 6-ring around downtown Chicago at resolution 9), and a 7-cell cluster 3 rings out.
fn scenario() -> Scenario {
    let centre = LatLng::new(41.8781, -87.6298)
        .expect("valid")
        .to_cell(Resolution::Nine);
    let area: Vec<CellIndex> = centre.grid_disk(6);
    let cluster_centre = centre.grid_ring::<Vec<CellIndex>>(3)[0];
    let quiet_cell = area
        .iter()
        .copied()
        .max_by_key(|cell| cluster_centre.grid_distance(*cell).unwrap_or(0))
        .expect("cells");
    Scenario {
        area,
        cluster_centre,
        quiet_cell,
    }
}

/// Background of 1–3 incidents per cell and week from a fixed pseudo-random sequence, plus
/// `cluster(week)` incidents in each cell of the cluster (its centre and first ring).
fn weekly_counts(
    scenario: &Scenario,
    cluster: impl Fn(usize) -> u64,
) -> Vec<BTreeMap<CellIndex, u64>> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let cluster_cells: Vec<CellIndex> = scenario.cluster_centre.grid_disk(1);
    (0..WEEKS)
        .map(|week| {
            scenario
                .area
                .iter()
                .map(|&cell| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let background = 1 + (state >> 33) % 3;
                    let extra = if cluster_cells.contains(&cell) {
                        cluster(week)
                    } else {
                        0
                    };
                    (cell, background + extra)
                })
                .collect()
        })
        .collect()
}

fn pattern_of(scenario: &Scenario, cluster: impl Fn(usize) -> u64) -> EmergingPattern {
    let trends = emerging_hot_spots(
        &weekly_counts(scenario, cluster),
        &EmergingConfig::default(),
    )
    .expect("valid bins");
    assert_eq!(trends.len(), scenario.area.len());
    let quiet = trends
        .iter()
        .find(|trend| trend.cell == scenario.quiet_cell)
        .expect("quiet cell");
    assert_eq!(
        quiet.pattern,
        EmergingPattern::NoPattern,
        "background cell far from the cluster"
    );
    let centre = trends
        .iter()
        .find(|trend| trend.cell == scenario.cluster_centre)
        .expect("cluster cell");
    centre.pattern
}

#[test]
fn synthetic_stories_get_their_pattern() {
    let scenario = scenario();
    assert_eq!(pattern_of(&scenario, |_| 6), EmergingPattern::Persistent);
    assert_eq!(
        pattern_of(&scenario, |week| 3 + week as u64),
        EmergingPattern::Intensifying
    );
    assert_eq!(
        pattern_of(&scenario, |week| 14 - week as u64),
        EmergingPattern::Diminishing
    );
    assert_eq!(
        pattern_of(&scenario, |week| if week == WEEKS - 1 { 8 } else { 0 }),
        EmergingPattern::New
    );
    assert_eq!(
        pattern_of(&scenario, |week| if week % 4 == 1 { 8 } else { 0 }),
        EmergingPattern::Sporadic
    );
    assert_eq!(pattern_of(&scenario, |_| 0), EmergingPattern::NoPattern);
}

#[test]
fn chicago_weekly_thefts() {
    let mut index = IncidentIndex::new();
    for theft in common::chicago_thefts() {
        if let Some((lat, lng)) = theft.location {
            index
                .push(lat, lng, theft.occurred_at, &theft.description)
                .expect("valid coordinates");
        }
    }
    let start = NaiveDate::from_ymd_opt(2016, 1, 4)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .expect("date");
    let bins = TimeBins {
        start,
        width: TimeDelta::weeks(1),
        count: 52,
    };
    let weekly = index
        .binned_counts(Resolution::Eight, &IncidentFilter::default(), &bins)
        .expect("valid bins");
    let trends = emerging_hot_spots(&weekly, &EmergingConfig::default()).expect("valid bins");
    let occupied = index
        .counts(
            Resolution::Eight,
            &IncidentFilter {
                from: Some(start),
                to: Some(start + TimeDelta::weeks(52)),
                offences: None,
            },
        )
        .expect("supported");
    assert_eq!(
        trends.len(),
        occupied.len(),
        "study area: cells with a theft in any week"
    );
    let persistent = trends
        .iter()
        .filter(|trend| trend.pattern == EmergingPattern::Persistent)
        .count();
    assert!(
        persistent > 0,
        "downtown Chicago thefts are a persistent hot spot"
    );
    for trend in &trends {
        assert_eq!(trend.z_series.len(), 52);
        if trend.pattern == EmergingPattern::Persistent {
            assert!(trend.hot_bins >= 47, "{trend:?}");
        }
    }
}

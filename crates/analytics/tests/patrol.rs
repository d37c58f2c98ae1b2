//! Patrol dwell from pings and patrol gaps at hot cells' theft hours.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use h3o::{CellIndex, LatLng, Resolution};
use quickclear_analytics::{
    AnalyticsError, CellHotSpot, DwellConfig, HotSpotClass, PatrolGap, PatrolGapConfig, Ping,
    TemporalProfile, dwell_by_cell_hour, patrol_gaps,
};

const HERE: (f64, f64) = (41.8781, -87.6298);
const THERE: (f64, f64) = (41.9000, -87.7000);

fn at(hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2016, 6, 1)
        .and_then(|day| day.and_hms_opt(hour, minute, 0))
        .expect("valid time")
}

fn ping(unit: &str, time: NaiveDateTime, (lat, lng): (f64, f64)) -> Ping {
    Ping {
        unit: unit.to_owned(),
        at: time,
        lat,
        lng,
    }
}

fn cell((lat, lng): (f64, f64)) -> CellIndex {
    LatLng::new(lat, lng)
        .expect("finite")
        .to_cell(Resolution::Nine)
}

fn assert_minutes(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{actual} vs {expected} minutes"
    );
}

#[test]
fn dwell_is_time_to_the_next_ping_capped_and_split_by_hour() {
    // Unit A: every 5 minutes from 14:00 to 15:00 in one cell → 60 minutes in hour 14
    // (the 15:00 ping is its last: no known dwell).
    let mut pings = Vec::new();
    for step in 0..=12 {
        pings.push(ping("A", at(14, 0) + TimeDelta::minutes(5 * step), HERE));
    }
    // Unit B, given out of order: 13:55 → 14:03 spans the hour (5 + 3 minutes); then a 2-hour
    // silence from 14:03 credits only the 10-minute cap; the 16:03 ping is B's last.
    pings.push(ping("B", at(16, 3), THERE));
    pings.push(ping("B", at(13, 55), THERE));
    pings.push(ping("B", at(14, 3), THERE));
    let dwell = dwell_by_cell_hour(&pings, &DwellConfig::default()).expect("valid pings");
    assert_eq!(dwell.len(), 2);
    let here = dwell[&cell(HERE)];
    assert_minutes(here[14], 60.0);
    assert_minutes(here.iter().sum(), 60.0);
    let there = dwell[&cell(THERE)];
    assert_minutes(there[13], 5.0);
    assert_minutes(there[14], 3.0 + 10.0);
    assert_minutes(there.iter().sum(), 18.0);
}

#[test]
fn invalid_pings_and_settings_are_rejected() {
    let bad = [
        ping("A", at(1, 0), (f64::NAN, 0.0)),
        ping("A", at(1, 5), HERE),
    ];
    assert!(matches!(
        dwell_by_cell_hour(&bad, &DwellConfig::default()),
        Err(AnalyticsError::InvalidCoordinates { .. })
    ));
    let no_gap = DwellConfig {
        max_gap: TimeDelta::zero(),
        ..DwellConfig::default()
    };
    assert!(matches!(
        dwell_by_cell_hour(&[], &no_gap),
        Err(AnalyticsError::InvalidParameter(_))
    ));
}

fn spot(cell: CellIndex, class: HotSpotClass) -> CellHotSpot {
    CellHotSpot {
        cell,
        count: 10,
        z: 3.0,
        p: 0.001,
        neighbours_incl_self: 7,
        class,
    }
}

#[test]
fn gaps_are_hot_cells_at_theft_hours_with_little_dwell() {
    let (hot, cold) = (cell(HERE), cell(THERE));
    let mut theft_hours = TemporalProfile::default();
    theft_hours.by_hour[14] = 3;
    theft_hours.by_hour[22] = 5;
    theft_hours.by_hour[3] = 1;
    let profiles = BTreeMap::from([(hot, theft_hours), (cold, theft_hours)]);
    let mut minutes = [0.0; 24];
    minutes[14] = 45.0;
    minutes[22] = 4.0;
    let dwell = BTreeMap::from([(hot, minutes)]);
    let spots = [
        spot(hot, HotSpotClass::Hot95),
        spot(cold, HotSpotClass::NotSignificant),
    ];
    let config = PatrolGapConfig {
        min_incidents_in_hour: 2,
        min_dwell_minutes: 30.0,
    };
    let gaps = patrol_gaps(&spots, &profiles, &dwell, &config).expect("one resolution");
    // Hour 14 is patrolled enough, hour 3 has too few thefts, the other cell is not hot.
    assert_eq!(
        gaps,
        vec![PatrolGap {
            cell: hot,
            hour: 22,
            incidents: 5,
            dwell_minutes: 4.0
        }]
    );

    let unpatrolled =
        patrol_gaps(&spots, &profiles, &BTreeMap::new(), &config).expect("one resolution");
    assert_eq!(
        unpatrolled.iter().map(|gap| gap.hour).collect::<Vec<_>>(),
        vec![14, 22]
    );

    let coarse = BTreeMap::from([(hot.parent(Resolution::Eight).expect("parent"), minutes)]);
    assert!(matches!(
        patrol_gaps(&spots, &profiles, &coarse, &config),
        Err(AnalyticsError::MixedResolutions(..))
    ));
}

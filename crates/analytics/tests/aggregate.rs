//! Cell aggregation on the Chicago 2016 thefts, checked against direct counts from the raw rows.

mod common;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};
use h3o::{CellIndex, LatLng, Resolution};
use quickclear_analytics::{AnalyticsError, IncidentFilter, IncidentIndex, TimeBins};

fn at(date: (i32, u32, u32), hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(date.0, date.1, date.2)
        .and_then(|day| day.and_hms_opt(hour, 0, 0))
        .expect("valid date")
}

fn located(thefts: &[common::Theft]) -> impl Iterator<Item = (&common::Theft, (f64, f64))> {
    thefts
        .iter()
        .filter_map(|theft| theft.location.map(|location| (theft, location)))
}

fn index_of(thefts: &[common::Theft]) -> IncidentIndex {
    let mut index = IncidentIndex::new();
    for (theft, (lat, lng)) in located(thefts) {
        index
            .push(lat, lng, theft.occurred_at, &theft.description)
            .expect("valid coordinates");
    }
    index
}

fn direct_cell((lat, lng): (f64, f64), resolution: Resolution) -> CellIndex {
    LatLng::new(lat, lng)
        .expect("finite coordinates")
        .to_cell(resolution)
}

#[test]
fn filtered_counts_equal_direct_counts_from_the_rows() {
    let thefts = common::chicago_thefts();
    let index = index_of(&thefts);
    let (from, to) = (at((2016, 3, 1), 0), at((2016, 4, 1), 0));
    let offence = "$500 AND UNDER";
    let filter = IncidentFilter {
        from: Some(from),
        to: Some(to),
        offences: Some(vec![offence.to_owned()]),
    };
    for resolution in [Resolution::Six, Resolution::Seven, Resolution::Ten] {
        let mut expected: BTreeMap<CellIndex, u64> = BTreeMap::new();
        for (theft, location) in located(&thefts) {
            if theft.occurred_at >= from && theft.occurred_at < to && theft.description == offence {
                *expected
                    .entry(direct_cell(location, resolution))
                    .or_default() += 1;
            }
        }
        assert!(
            expected.values().sum::<u64>() > 1_000,
            "a month of small thefts"
        );
        assert_eq!(
            index
                .counts(resolution, &filter)
                .expect("supported resolution"),
            expected
        );
    }
    let everything = index
        .counts(Resolution::Eight, &IncidentFilter::default())
        .expect("supported");
    assert_eq!(
        everything.values().sum::<u64>(),
        located(&thefts).count() as u64
    );
    let unknown_offence = IncidentFilter {
        offences: Some(vec!["ARSON".into()]),
        ..IncidentFilter::default()
    };
    assert!(
        index
            .counts(Resolution::Eight, &unknown_offence)
            .expect("supported")
            .is_empty()
    );
}

#[test]
fn profiles_count_hours_and_weekdays_per_cell() {
    let thefts = common::chicago_thefts();
    let index = index_of(&thefts);
    let resolution = Resolution::Nine;
    let profiles = index
        .temporal_profiles(resolution, &IncidentFilter::default())
        .expect("supported");
    let counts = index
        .counts(resolution, &IncidentFilter::default())
        .expect("supported");
    assert_eq!(profiles.len(), counts.len());
    for (cell, profile) in &profiles {
        assert_eq!(profile.by_hour.iter().sum::<u64>(), counts[cell]);
        assert_eq!(profile.by_weekday.iter().sum::<u64>(), counts[cell]);
    }
    let (&busiest, _) = counts
        .iter()
        .max_by_key(|&(_, &count)| count)
        .expect("cells");
    let (mut by_hour, mut by_weekday) = ([0u64; 24], [0u64; 7]);
    for (theft, location) in located(&thefts) {
        if direct_cell(location, resolution) == busiest {
            by_hour[theft.occurred_at.hour() as usize] += 1;
            by_weekday[theft.occurred_at.weekday().num_days_from_monday() as usize] += 1;
        }
    }
    assert_eq!(profiles[&busiest].by_hour, by_hour);
    assert_eq!(profiles[&busiest].by_weekday, by_weekday);
}

#[test]
fn weekly_bins_partition_the_window() {
    let thefts = common::chicago_thefts();
    let index = index_of(&thefts);
    let start = at((2016, 1, 4), 0); // a Monday
    let bins = TimeBins {
        start,
        width: TimeDelta::weeks(1),
        count: 52,
    };
    let weekly = index
        .binned_counts(Resolution::Eight, &IncidentFilter::default(), &bins)
        .expect("valid bins");
    assert_eq!(weekly.len(), 52);
    let window = IncidentFilter {
        from: Some(start),
        to: Some(start + TimeDelta::weeks(52)),
        offences: None,
    };
    let mut summed: BTreeMap<CellIndex, u64> = BTreeMap::new();
    for week in &weekly {
        for (&cell, &count) in week {
            *summed.entry(cell).or_default() += count;
        }
    }
    assert_eq!(
        summed,
        index.counts(Resolution::Eight, &window).expect("supported")
    );
    let third_week = IncidentFilter {
        from: Some(start + TimeDelta::weeks(2)),
        to: Some(start + TimeDelta::weeks(3)),
        offences: None,
    };
    assert_eq!(
        weekly[2],
        index
            .counts(Resolution::Eight, &third_week)
            .expect("supported")
    );
}

#[test]
fn small_hand_made_index() {
    let mut index = IncidentIndex::new();
    let monday_9 = at((2016, 1, 4), 9);
    index
        .push(41.8781, -87.6298, monday_9, "THEFT")
        .expect("valid");
    index
        .push(41.8781, -87.6298, monday_9 + TimeDelta::days(6), "THEFT")
        .expect("valid");
    index
        .push(
            41.8781,
            -87.6298,
            monday_9 + TimeDelta::hours(14),
            "BURGLARY",
        )
        .expect("valid");
    assert_eq!(index.len(), 3);
    let cell = direct_cell((41.8781, -87.6298), Resolution::Ten);
    let profile = index
        .temporal_profiles(Resolution::Ten, &IncidentFilter::default())
        .expect("supported")[&cell];
    assert_eq!((profile.by_hour[9], profile.by_hour[23]), (2, 1));
    assert_eq!(
        (profile.by_weekday[0], profile.by_weekday[6]),
        (2, 1),
        "Monday twice, Sunday once"
    );
    let thefts_only = IncidentFilter {
        offences: Some(vec!["THEFT".into()]),
        ..IncidentFilter::default()
    };
    assert_eq!(
        index
            .counts(Resolution::Ten, &thefts_only)
            .expect("supported")[&cell],
        2
    );
    // The window is half-open: an incident exactly at `to` is out, one exactly at `from` is in.
    let window = IncidentFilter {
        from: Some(monday_9),
        to: Some(monday_9 + TimeDelta::days(6)),
        offences: None,
    };
    assert_eq!(
        index.counts(Resolution::Ten, &window).expect("supported")[&cell],
        2
    );
}

#[test]
fn invalid_input_gets_a_clear_error() {
    let mut index = IncidentIndex::new();
    let time = at((2016, 1, 1), 0);
    // About 1 % of the Chicago rows have no coordinates: callers get an error, not a panic.
    assert!(matches!(
        index.push(f64::NAN, -87.6, time, "THEFT"),
        Err(AnalyticsError::InvalidCoordinates { .. })
    ));
    assert!(matches!(
        index.push(95.0, 0.0, time, "THEFT"),
        Err(AnalyticsError::InvalidCoordinates { .. })
    ));
    assert!(matches!(
        index.push(0.0, 181.0, time, "THEFT"),
        Err(AnalyticsError::InvalidCoordinates { .. })
    ));
    assert!(index.is_empty(), "rejected incidents are not indexed");
    index.push(41.9, -87.7, time, "THEFT").expect("valid");
    for resolution in [Resolution::Five, Resolution::Eleven] {
        assert_eq!(
            index.counts(resolution, &IncidentFilter::default()),
            Err(AnalyticsError::UnsupportedResolution(resolution.into()))
        );
    }
    let empty = IncidentFilter {
        from: Some(time),
        to: Some(time),
        offences: None,
    };
    assert!(matches!(
        index.counts(Resolution::Nine, &empty),
        Err(AnalyticsError::EmptyTimeWindow { .. })
    ));
    let zero_width = TimeBins {
        start: time,
        width: TimeDelta::zero(),
        count: 3,
    };
    assert!(matches!(
        index.binned_counts(Resolution::Nine, &IncidentFilter::default(), &zero_width),
        Err(AnalyticsError::InvalidParameter(_))
    ));
}

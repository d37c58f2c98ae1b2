//! How fast the squads work and what they bring back: `GET /api/v1/stats/operations`.
//!
//! Time to dispatch is report to `CaseDispatched`; time to acknowledge is each task's assignment to
//! its acknowledgement (a task escalated to another unit counts from its reassignment); time to scene
//! is report to the first unit on scene. Each figure only counts the cases where it happened.

use crate::summaries::Summary;
use chrono::{DateTime, Utc};
use quickclear_schemas::report::Channel;
use serde::Serialize;

/// Histogram bucket upper bounds in seconds; a last bucket (`le_secs: null`) takes the rest.
const BUCKETS_SECS: [f64; 12] = [
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0,
];

#[derive(Debug, Serialize, PartialEq)]
pub struct Operations {
    pub cases: usize,
    pub by_channel: ByChannel,
    pub time_to_dispatch: Distribution,
    pub time_to_acknowledge: Distribution,
    pub time_to_scene: Distribution,
    pub property: Property,
}

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct ByChannel {
    pub dispatcher: usize,
    pub doorplate: usize,
    pub alarm: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Distribution {
    pub count: usize,
    pub p50_secs: Option<f64>,
    pub p90_secs: Option<f64>,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Bucket {
    pub le_secs: Option<f64>,
    pub count: usize,
}

/// Sums over cases, in `u128` with saturating adds. Each case's figure is a `u64` (any value: rows
/// stored before the bounds included) and there are fewer than 2⁶⁴ cases, so a sum stays exact and
/// far from `u128::MAX`; saturating keeps any input from wrapping or panicking without that argument.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Property {
    pub reported_cents: u128,
    pub recovered_cents: u128,
    pub returned_cents: u128,
}

impl Property {
    fn add(&mut self, case: &Summary) {
        let add = |sum: &mut u128, cents: u64| *sum = sum.saturating_add(cents.into());
        add(&mut self.reported_cents, case.reported_cents);
        add(&mut self.recovered_cents, case.recovered_cents);
        add(&mut self.returned_cents, case.returned_cents);
    }
}

pub fn operations(cases: &[Summary]) -> Operations {
    let mut by_channel = ByChannel::default();
    let (mut dispatch, mut acknowledge, mut scene) = (Vec::new(), Vec::new(), Vec::new());
    let mut property = Property::default();
    for case in cases {
        *match case.channel {
            Channel::Dispatcher => &mut by_channel.dispatcher,
            Channel::Doorplate => &mut by_channel.doorplate,
            Channel::Alarm => &mut by_channel.alarm,
        } += 1;
        let since_report = |at: DateTime<Utc>| seconds(case.reported_at, at);
        dispatch.extend(case.dispatched_at.map(since_report));
        scene.extend(
            case.tasks
                .iter()
                .filter_map(|t| t.on_scene_at)
                .min()
                .map(since_report),
        );
        acknowledge.extend(
            case.tasks
                .iter()
                .filter_map(|t| Some(seconds(t.assigned_at?, t.acknowledged_at?))),
        );
        property.add(case);
    }
    Operations {
        cases: cases.len(),
        by_channel,
        time_to_dispatch: distribution(dispatch),
        time_to_acknowledge: distribution(acknowledge),
        time_to_scene: distribution(scene),
        property,
    }
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

fn distribution(mut secs: Vec<f64>) -> Distribution {
    secs.sort_by(f64::total_cmp);
    let mut buckets: Vec<Bucket> = BUCKETS_SECS
        .iter()
        .map(|&le| Bucket {
            le_secs: Some(le),
            count: 0,
        })
        .chain([Bucket {
            le_secs: None,
            count: 0,
        }])
        .collect();
    for &s in &secs {
        let i = BUCKETS_SECS.partition_point(|&le| le < s);
        buckets[i].count += 1;
    }
    Distribution {
        count: secs.len(),
        p50_secs: percentile(&secs, 0.5),
        p90_secs: percentile(&secs, 0.9),
        buckets,
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.5), Some(5.0));
        assert_eq!(percentile(&values, 0.9), Some(9.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn each_time_falls_in_the_first_bucket_that_holds_it() {
        let d = distribution(vec![0.5, 1.0, 1.5, 20_000.0]);
        assert_eq!(d.count, 4);
        assert_eq!(d.buckets[0].count, 2, "0.5 s and 1 s are <= 1 s");
        assert_eq!(d.buckets[1].count, 1, "1.5 s is <= 5 s");
        assert_eq!(
            d.buckets.last().map(|b| (b.le_secs, b.count)),
            Some((None, 1))
        );
    }
}

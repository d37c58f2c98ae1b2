//! Benchmarks of the analytics crate on this machine (a plain harness: no timing is asserted).
//! `cargo bench -p quickclear-analytics --bench timing`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::NaiveDate;
use h3o::Resolution;
use quickclear_analytics::{
    DistanceArithmetic, DistanceMetric, HotSpotConfig, IncidentFilter, IncidentIndex, KnoxConfig,
    SpaceTimeEvent, hot_spots, knox_test,
};

/// Deterministic uniform numbers in [0, 1) for synthetic data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn located_thefts() -> Vec<common::Theft> {
    common::chicago_thefts()
        .into_iter()
        .filter(|theft| theft.location.is_some())
        .collect()
}

fn gi_star_on_a_million_incidents() {
    let thefts = located_thefts();
    let mut random = Lcg(42);
    // Real theft locations, each reused ~16 times with up to ±0.003° (~300 m) of jitter.
    let started = Instant::now();
    let mut index = IncidentIndex::new();
    for _ in 0..1_000_000 {
        let theft = &thefts[(random.next() * thefts.len() as f64) as usize];
        let (lat, lng) = theft.location.expect("located");
        let jitter = |random: &mut Lcg| (random.next() - 0.5) * 0.006;
        index
            .push(
                lat + jitter(&mut random),
                lng + jitter(&mut random),
                theft.occurred_at,
                &theft.description,
            )
            .expect("valid");
    }
    println!(
        "indexing 1,000,000 incidents (5 resolutions each): {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let counts = index
        .counts(Resolution::Nine, &IncidentFilter::default())
        .expect("supported");
    let counted = started.elapsed();
    let spots = hot_spots(&counts, &HotSpotConfig::default()).expect("valid");
    let total = started.elapsed();
    println!(
        "res 9: {} cells; counting {counted:?}, Gi* {:?}, total {total:?}",
        spots.len(),
        total - counted
    );
    if !cfg!(debug_assertions) {
        assert!(total.as_millis() < 200, "aggregation + Gi* took {total:?}");
    }
}

fn knox_on_fifty_thousand_events_with_999_shuffles() {
    let epoch = NaiveDate::from_ymd_opt(2016, 1, 1).expect("date");
    // Chicago thefts projected to metres around 41.85° N (equirectangular), days since 1 January.
    let metres_per_degree = 111_195.0;
    let real: Vec<SpaceTimeEvent> = located_thefts()
        .iter()
        .take(50_000)
        .map(|theft| {
            let (lat, lng) = theft.location.expect("located");
            SpaceTimeEvent {
                x: lng * metres_per_degree * 41.85f64.to_radians().cos(),
                y: lat * metres_per_degree,
                day: (theft.occurred_at.date() - epoch).num_days(),
            }
        })
        .collect();
    let mut random = Lcg(7);
    let uniform: Vec<SpaceTimeEvent> = (0..50_000)
        .map(|_| SpaceTimeEvent {
            x: random.next() * 30_000.0,
            y: random.next() * 40_000.0,
            day: (random.next() * 365.0) as i64,
        })
        .collect();
    let config = KnoxConfig {
        distance_edges: vec![0.0, 1.0, 100.0, 200.0, 300.0],
        day_edges: vec![0, 7, 14, 21],
        metric: DistanceMetric::Manhattan,
        arithmetic: DistanceArithmetic::Double,
        permutations: 999,
        seed: 1,
        threads: 2,
    };
    for (name, events) in [("Chicago thefts", &real), ("uniform", &uniform)] {
        let started = Instant::now();
        let result = knox_test(events, &config).expect("valid input");
        let elapsed = started.elapsed();
        let close: u64 = result.observed[..4].iter().flatten().sum();
        println!(
            "{name}: {} events, {close} pairs under 300 m, 999 shuffles on 2 threads: {elapsed:?}",
            events.len()
        );
        if !cfg!(debug_assertions) {
            assert!(elapsed.as_secs() < 60, "{name} took {elapsed:?}");
        }
    }
}

fn main() {
    gi_star_on_a_million_incidents();
    knox_on_fifty_thousand_events_with_999_shuffles();
}

//! Near-repeat analysis: the Knox test with a Monte Carlo null, as in Ratcliffe's Near Repeat
//! Calculator (NRC).
//!
//! Every pair of events falls in one distance band × one time band. Bands are half-open [a, b)
//! between consecutive edges, plus one open-ended band [last edge, ∞) in each dimension. The null
//! distribution comes from shuffling the event days over the events (seeded, reproducible), and
//! each table cell reports the observed count, the mean count over the shuffles, their ratio (the
//! Knox ratio) and p = (1 + shuffles with count ≥ observed) / (1 + shuffles).
//!
//! Only the bounded cells (finite distance × finite time) are counted pair by pair. A shuffle of
//! days leaves unchanged the number of pairs in each distance band (positions do not move) and in
//! each time band (the multiset of days does not change), so the open-ended row and column follow
//! from those margins. The bounded pairs come from whichever is cheaper for the data:
//! - pairs closer than the largest finite distance edge, found once on a square grid whose cell is
//!   that distance and reused for every shuffle;
//! - or, per shuffle, a sweep over events sorted by day that only looks at pairs closer in time
//!   than the largest finite time edge.

mod pairs;

use pairs::{Layout, PairCounter};

use crate::AnalyticsError;
use crate::rng::Xoshiro256;

/// The calculator's "Same location" row holds pairs at exactly zero distance: on the NRC arson
/// sample a pair 0.56 m apart is counted in "1 to 200 meters", not in "Same location".
pub const SAME_LOCATION_EDGE: f64 = f64::MIN_POSITIVE;

/// One event: projected coordinates in metres and a whole-day date (any fixed origin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpaceTimeEvent {
    pub x: f64,
    pub y: f64,
    pub day: i64,
}

/// How the distance between two events is measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DistanceMetric {
    /// |dx| + |dy|, the calculator's default.
    #[default]
    Manhattan,
    /// √(dx² + dy²).
    Euclidean,
}

/// Floating-point precision of the distance computation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DistanceArithmetic {
    #[default]
    Double,
    /// Coordinates and distances in 32-bit floats, which reproduces the calculator's band
    /// assignment: on its arson sample a pair 399.961 m apart in double precision (400.0 in single)
    /// is counted in "401 to 600 meters".
    Single,
}

/// Parameters of [`knox_test`].
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxConfig {
    /// Distance band edges in metres: first 0, strictly increasing; the last band is [last, ∞).
    pub distance_edges: Vec<f64>,
    /// Time band edges in whole days: first 0, strictly increasing; the last band is [last, ∞).
    pub day_edges: Vec<i64>,
    pub metric: DistanceMetric,
    pub arithmetic: DistanceArithmetic,
    /// Number of Monte Carlo shuffles of the days.
    pub permutations: usize,
    pub seed: u64,
    /// Worker threads for the shuffles; 0 uses the available parallelism. Results do not depend on it.
    pub threads: usize,
}

impl KnoxConfig {
    /// The bands, metric and arithmetic of the Near Repeat Calculator 1.3 for its inputs "spatial
    /// bandwidth / number of spatial bands / temporal bandwidth / number of temporal bands", with
    /// 999 shuffles, seed 0 and all cores. The calculator's label "a to b" means [a − 1, b)
    /// ("101 to 200 meters" is [100, 200), "8 to 14 days" is [7, 14)), and its "Same location" is
    /// distance exactly 0; so 100 m × 3 and 7 days × 3 give distance edges 0,
    /// [`SAME_LOCATION_EDGE`], 100, 200, 300 and day edges 0, 7, 14, 21.
    pub fn near_repeat_calculator(
        spatial_bandwidth: f64,
        spatial_bands: usize,
        temporal_bandwidth_days: i64,
        temporal_bands: usize,
    ) -> Self {
        let mut distance_edges = vec![0.0, SAME_LOCATION_EDGE];
        distance_edges.extend((1..=spatial_bands).map(|band| spatial_bandwidth * band as f64));
        Self {
            distance_edges,
            day_edges: (0..=temporal_bands as i64)
                .map(|band| temporal_bandwidth_days * band)
                .collect(),
            metric: DistanceMetric::Manhattan,
            arithmetic: DistanceArithmetic::Single,
            permutations: 999,
            seed: 0,
            threads: 0,
        }
    }
}

/// Knox tables: rows are distance bands, columns time bands, both ending with the open band.
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxResult {
    pub distance_edges: Vec<f64>,
    pub day_edges: Vec<i64>,
    pub observed: Vec<Vec<u64>>,
    /// Mean count over the shuffles.
    pub expected_mean: Vec<Vec<f64>>,
    /// observed / expected_mean; `None` when no shuffle produced a pair in the cell.
    pub knox_ratio: Vec<Vec<Option<f64>>>,
    /// (1 + shuffles with count ≥ observed) / (1 + shuffles).
    pub p_value: Vec<Vec<f64>>,
    pub permutations: usize,
}

/// Runs the Knox test on `events` (at least 2).
pub fn knox_test(
    events: &[SpaceTimeEvent],
    config: &KnoxConfig,
) -> Result<KnoxResult, AnalyticsError> {
    if config.permutations == 0 {
        return Err(AnalyticsError::InvalidParameter(
            "the Knox test needs at least one permutation".into(),
        ));
    }
    let layout = Layout::new(config)?;
    validate_events(events)?;
    let days: Vec<i64> = events.iter().map(|event| event.day).collect();
    let counter = PairCounter::new(events, &days, config, &layout);
    let observed = counter.table(&days);
    let shuffled = run_shuffles(&counter, &days, &observed, config);

    let runs = config.permutations as f64;
    let expected_mean: Vec<f64> = shuffled.sums.iter().map(|&sum| sum as f64 / runs).collect();
    let knox_ratio = observed
        .iter()
        .zip(&expected_mean)
        .map(|(&count, &mean)| (mean > 0.0).then(|| count as f64 / mean))
        .collect();
    let p_value = shuffled
        .at_least_observed
        .iter()
        .map(|&reached| (reached + 1) as f64 / (runs + 1.0))
        .collect();
    Ok(KnoxResult {
        distance_edges: config.distance_edges.clone(),
        day_edges: config.day_edges.clone(),
        observed: into_rows(observed, layout.cols),
        expected_mean: into_rows(expected_mean, layout.cols),
        knox_ratio: into_rows(knox_ratio, layout.cols),
        p_value: into_rows(p_value, layout.cols),
        permutations: config.permutations,
    })
}

fn into_rows<T: Clone>(flat: Vec<T>, cols: usize) -> Vec<Vec<T>> {
    flat.chunks(cols).map(<[T]>::to_vec).collect()
}

fn validate_events(events: &[SpaceTimeEvent]) -> Result<(), AnalyticsError> {
    if events.len() < 2 {
        return Err(AnalyticsError::NotEnoughData(format!(
            "the Knox test needs 2 events, got {}",
            events.len()
        )));
    }
    if u32::try_from(events.len()).is_err() {
        return Err(AnalyticsError::InvalidParameter(
            "too many events (limit 2^32 − 1)".into(),
        ));
    }
    if let Some(bad) = events
        .iter()
        .find(|event| !(event.x.is_finite() && event.y.is_finite()))
    {
        return Err(AnalyticsError::InvalidParameter(format!(
            "event coordinates must be finite: {bad:?}"
        )));
    }
    Ok(())
}

/// Sums of the shuffled tables and, per cell, how many reached the observed count.
struct ShuffleTotals {
    sums: Vec<u64>,
    at_least_observed: Vec<u64>,
}

fn run_shuffles(
    counter: &PairCounter<'_>,
    days: &[i64],
    observed: &[u64],
    config: &KnoxConfig,
) -> ShuffleTotals {
    let threads = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .min(config.permutations);
    let worker = |thread: usize| {
        let mut totals = ShuffleTotals {
            sums: vec![0; observed.len()],
            at_least_observed: vec![0; observed.len()],
        };
        let mut shuffled = days.to_vec();
        for permutation in (thread..config.permutations).step_by(threads) {
            // Each permutation starts from the original order with its own stream, so results do not
            // depend on how permutations are spread over threads.
            shuffled.copy_from_slice(days);
            Xoshiro256::for_stream(config.seed, permutation as u64).shuffle(&mut shuffled);
            let table = counter.table(&shuffled);
            for (cell, &count) in table.iter().enumerate() {
                totals.sums[cell] += count;
                totals.at_least_observed[cell] += u64::from(count >= observed[cell]);
            }
        }
        totals
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|thread| scope.spawn(move || worker(thread)))
            .collect();
        let mut totals = worker(0);
        for handle in handles {
            // A worker only panics on a bug; surface it rather than return partial sums.
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (total, value) in totals.sums.iter_mut().zip(part.sums) {
                *total += value;
            }
            for (total, value) in totals
                .at_least_observed
                .iter_mut()
                .zip(part.at_least_observed)
            {
                *total += value;
            }
        }
        totals
    })
}

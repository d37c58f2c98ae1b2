//! Latency summaries: nearest-rank percentiles over every sample (no sampling, no histogram).

use serde::Serialize;
use std::time::Duration;

/// A latency distribution in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    pub fn of(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Self::of_sorted_ms(&ms)
    }

    fn of_sorted_ms(sorted: &[f64]) -> Self {
        if sorted.is_empty() {
            return Self::default();
        }
        Self {
            count: sorted.len(),
            p50: percentile(sorted, 50.0),
            p90: percentile(sorted, 90.0),
            p99: percentile(sorted, 99.0),
            max: sorted[sorted.len() - 1],
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        }
    }
}

/// The nearest-rank percentile of sorted samples: the smallest sample that at least `p`% of the
/// samples are less than or equal to. `p` in (0, 100]; an empty slice has no percentile (0).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&hundred, 50.0), 50.0);
        assert_eq!(percentile(&hundred, 90.0), 90.0);
        assert_eq!(percentile(&hundred, 99.0), 99.0);
        assert_eq!(percentile(&hundred, 100.0), 100.0);
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        // 99% of 10 samples is 9.9: rank 10, the maximum; p50 is the 5th.
        assert_eq!(percentile(&ten, 99.0), 10.0);
        assert_eq!(percentile(&ten, 50.0), 5.0);
        assert_eq!(percentile(&[3.0], 1.0), 3.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn summary_of_unsorted_durations() {
        let samples: Vec<Duration> = [4, 1, 3, 2]
            .into_iter()
            .map(Duration::from_millis)
            .collect();
        let summary = Summary::of(&samples);
        assert_eq!(summary.count, 4);
        assert_eq!(summary.p50, 2.0);
        assert_eq!(summary.p99, 4.0);
        assert_eq!(summary.max, 4.0);
        assert_eq!(summary.mean, 2.5);
        assert_eq!(Summary::of(&[]), Summary::default());
    }
}

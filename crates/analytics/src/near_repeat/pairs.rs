//! Pair counting for the Knox test: table layout, margins that no shuffle changes, and the
//! bounded cells counted from listed close pairs or by a sweep over days.

use std::collections::HashMap;

use super::{DistanceArithmetic, DistanceMetric, KnoxConfig, SpaceTimeEvent};
use crate::AnalyticsError;

/// Largest accepted finite time edge (about 274 years): time bands are looked up in a table.
const MAX_DAY_EDGE: i64 = 100_000;
/// Grid axes are capped at this many cells, so tiny distance edges cannot overflow cell keys.
const MAX_GRID_CELLS_PER_AXIS: f64 = 1_048_576.0;

/// Table shape and band lookups.
pub(super) struct Layout {
    pub(super) rows: usize,
    pub(super) cols: usize,
    distance_edges: Vec<f64>,
    /// Largest finite distance edge: only pairs closer than this are counted one by one.
    max_distance: f64,
    max_days: i64,
    /// Time band of a day difference below `max_days`.
    day_band: Vec<u32>,
}

impl Layout {
    pub(super) fn new(config: &KnoxConfig) -> Result<Self, AnalyticsError> {
        let distances = &config.distance_edges;
        let days = &config.day_edges;
        if !(starts_at_zero_and_increases(distances, 0.0)
            && distances.iter().all(|d| d.is_finite()))
        {
            return Err(AnalyticsError::InvalidBands(format!(
                "distance edges {distances:?} must start at 0 and increase strictly"
            )));
        }
        if !starts_at_zero_and_increases(days, 0) {
            return Err(AnalyticsError::InvalidBands(format!(
                "day edges {days:?} must start at 0 and increase strictly"
            )));
        }
        let max_days = days[days.len() - 1];
        if max_days > MAX_DAY_EDGE {
            return Err(AnalyticsError::InvalidBands(format!(
                "last day edge {max_days} exceeds {MAX_DAY_EDGE}"
            )));
        }
        let day_band = (0..max_days)
            .map(|dt| days.partition_point(|&edge| edge <= dt) as u32 - 1)
            .collect();
        Ok(Self {
            rows: distances.len(),
            cols: days.len(),
            distance_edges: distances.clone(),
            max_distance: distances[distances.len() - 1],
            max_days,
            day_band,
        })
    }

    fn distance_band(&self, distance: f64) -> usize {
        self.distance_edges
            .partition_point(|&edge| edge <= distance)
            - 1
    }

    /// Index of a bounded cell in the inner (finite rows × finite columns) table.
    fn inner_cell(&self, row: usize, day_difference: i64) -> usize {
        row * (self.cols - 1) + self.day_band[day_difference as usize] as usize
    }
}

fn starts_at_zero_and_increases<T: PartialOrd>(edges: &[T], zero: T) -> bool {
    edges.first() == Some(&zero) && edges.windows(2).all(|pair| pair[0] < pair[1])
}

/// A pair of events closer than the largest finite distance edge, with its distance band. Listed
/// in increasing `first` order, so a pass over the pairs reads the day array mostly in order.
#[derive(Debug, Clone, Copy)]
struct ClosePair {
    first: u32,
    second: u32,
    row: u32,
}

/// How the bounded cells are counted for a given assignment of days.
enum BoundedPairs {
    /// No finite time band (or no finite distance band): every cell follows from the margins.
    None,
    /// The spatially close pairs, fixed across shuffles.
    Listed(Vec<ClosePair>),
    /// Sweep over events sorted by day.
    TimeSweep,
}

/// Everything needed to count a full table for any assignment of days to events.
pub(super) struct PairCounter<'a> {
    layout: &'a Layout,
    points: Vec<(f64, f64)>,
    metric: DistanceMetric,
    arithmetic: DistanceArithmetic,
    /// Pairs per finite distance band, whatever the days.
    row_totals: Vec<u64>,
    /// Pairs per finite time band, whatever the assignment of days.
    col_totals: Vec<u64>,
    total_pairs: u64,
    bounded: BoundedPairs,
}

impl<'a> PairCounter<'a> {
    pub(super) fn new(
        events: &[SpaceTimeEvent],
        days: &[i64],
        config: &KnoxConfig,
        layout: &'a Layout,
    ) -> Self {
        let points = events
            .iter()
            .map(|event| match config.arithmetic {
                DistanceArithmetic::Double => (event.x, event.y),
                DistanceArithmetic::Single => {
                    (f64::from(event.x as f32), f64::from(event.y as f32))
                }
            })
            .collect();
        let n = events.len() as u64;
        let col_totals = pairs_per_time_band(days, &config.day_edges);
        let time_close_pairs: u64 = col_totals.iter().sum();
        let mut counter = Self {
            layout,
            points,
            metric: config.metric,
            arithmetic: config.arithmetic,
            row_totals: vec![0; layout.rows - 1],
            col_totals,
            total_pairs: n * (n - 1) / 2,
            bounded: BoundedPairs::None,
        };
        if layout.rows > 1 {
            // Keep the close pairs only while listing them is cheaper than sweeping by day.
            let keep = if layout.cols > 1 {
                time_close_pairs.saturating_add(n)
            } else {
                0
            };
            let (row_totals, listed) = counter.space_close_pairs(keep);
            counter.row_totals = row_totals;
            if layout.cols > 1 {
                counter.bounded = listed.map_or(BoundedPairs::TimeSweep, BoundedPairs::Listed);
            }
        }
        counter
    }

    fn distance(&self, a: usize, b: usize) -> f64 {
        let ((ax, ay), (bx, by)) = (self.points[a], self.points[b]);
        match self.arithmetic {
            DistanceArithmetic::Double => combine(self.metric, (ax - bx).abs(), (ay - by).abs()),
            DistanceArithmetic::Single => {
                let dx = (ax as f32 - bx as f32).abs();
                let dy = (ay as f32 - by as f32).abs();
                f64::from(match self.metric {
                    DistanceMetric::Manhattan => dx + dy,
                    DistanceMetric::Euclidean => (dx * dx + dy * dy).sqrt(),
                })
            }
        }
    }

    /// Counts the pairs closer than the largest finite edge per distance band, on a grid of cells
    /// at least that wide (so close pairs are in the same or adjacent cells). Lists them too unless
    /// there are more than `keep`.
    fn space_close_pairs(&self, keep: u64) -> (Vec<u64>, Option<Vec<ClosePair>>) {
        let (min_x, max_x, min_y, max_y) = self.points.iter().fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |(x0, x1, y0, y1), &(x, y)| (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
        );
        // The margin covers rounding in single-precision distances near the edge.
        let cell_size = (self.layout.max_distance * (1.0 + 1e-6))
            .max((max_x - min_x) / MAX_GRID_CELLS_PER_AXIS)
            .max((max_y - min_y) / MAX_GRID_CELLS_PER_AXIS);
        let key = |(x, y): (f64, f64)| {
            (
                ((x - min_x) / cell_size) as i64,
                ((y - min_y) / cell_size) as i64,
            )
        };
        let mut grid: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        for (index, &point) in self.points.iter().enumerate() {
            grid.entry(key(point)).or_default().push(index as u32);
        }
        let mut row_totals = vec![0u64; self.layout.rows - 1];
        let mut listed = Some(Vec::new());
        for (first, &point) in self.points.iter().enumerate() {
            let (cx, cy) = key(point);
            for neighbour_key in
                (cx - 1..=cx + 1).flat_map(|x| (cy - 1..=cy + 1).map(move |y| (x, y)))
            {
                let Some(members) = grid.get(&neighbour_key) else {
                    continue;
                };
                for &second in members.iter().filter(|&&second| second as usize > first) {
                    let distance = self.distance(first, second as usize);
                    if distance >= self.layout.max_distance {
                        continue;
                    }
                    let row = self.layout.distance_band(distance);
                    row_totals[row] += 1;
                    match &mut listed {
                        Some(pairs) if (pairs.len() as u64) < keep => {
                            pairs.push(ClosePair {
                                first: first as u32,
                                second,
                                row: row as u32,
                            });
                        }
                        _ => listed = None,
                    }
                }
            }
        }
        (row_totals, listed)
    }

    /// Counts of the bounded cells (finite distance × finite time) for this assignment of days.
    fn bounded_counts(&self, days: &[i64]) -> Vec<u64> {
        let layout = self.layout;
        let mut counts = vec![0u64; (layout.rows - 1) * (layout.cols - 1)];
        match &self.bounded {
            BoundedPairs::None => {}
            BoundedPairs::Listed(pairs) => {
                for pair in pairs {
                    let dt = (days[pair.first as usize] - days[pair.second as usize]).abs();
                    if dt < layout.max_days {
                        counts[layout.inner_cell(pair.row as usize, dt)] += 1;
                    }
                }
            }
            BoundedPairs::TimeSweep => {
                let mut by_day: Vec<usize> = (0..days.len()).collect();
                by_day.sort_unstable_by_key(|&event| days[event]);
                for (position, &first) in by_day.iter().enumerate() {
                    for &second in &by_day[position + 1..] {
                        let dt = days[second] - days[first];
                        if dt >= layout.max_days {
                            break;
                        }
                        let distance = self.distance(first, second);
                        if distance < layout.max_distance {
                            counts[layout.inner_cell(layout.distance_band(distance), dt)] += 1;
                        }
                    }
                }
            }
        }
        counts
    }

    /// Full table, row-major, for this assignment of days: bounded cells counted, the open column
    /// and row completed from the margins.
    pub(super) fn table(&self, days: &[i64]) -> Vec<u64> {
        let (rows, cols) = (self.layout.rows, self.layout.cols);
        let bounded = self.bounded_counts(days);
        let mut table = vec![0u64; rows * cols];
        for r in 0..rows - 1 {
            table[r * cols..r * cols + cols - 1]
                .copy_from_slice(&bounded[r * (cols - 1)..(r + 1) * (cols - 1)]);
            let counted: u64 = table[r * cols..r * cols + cols - 1].iter().sum();
            table[r * cols + cols - 1] = self.row_totals[r] - counted;
        }
        for c in 0..cols - 1 {
            let counted: u64 = (0..rows - 1).map(|r| table[r * cols + c]).sum();
            table[(rows - 1) * cols + c] = self.col_totals[c] - counted;
        }
        let counted: u64 = table.iter().sum();
        table[rows * cols - 1] = self.total_pairs - counted;
        table
    }
}

fn combine(metric: DistanceMetric, dx: f64, dy: f64) -> f64 {
    match metric {
        DistanceMetric::Manhattan => dx + dy,
        DistanceMetric::Euclidean => (dx * dx + dy * dy).sqrt(),
    }
}

/// Pairs per finite time band (|Δday| in [edgeᵢ, edgeᵢ₊₁)), by a two-pointer sweep over sorted days.
fn pairs_per_time_band(days: &[i64], day_edges: &[i64]) -> Vec<u64> {
    let mut sorted = days.to_vec();
    sorted.sort_unstable();
    // within[k] = pairs with |Δday| < day_edges[k].
    let within: Vec<u64> = day_edges
        .iter()
        .map(|&limit| {
            let mut ahead = 0;
            (0..sorted.len())
                .map(|i| {
                    ahead = ahead.max(i + 1);
                    while ahead < sorted.len() && sorted[ahead] - sorted[i] < limit {
                        ahead += 1;
                    }
                    (ahead - i - 1) as u64
                })
                .sum()
        })
        .collect();
    within.windows(2).map(|w| w[1] - w[0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Xoshiro256;

    fn random_events(count: usize, seed: u64) -> Vec<SpaceTimeEvent> {
        let mut rng = Xoshiro256::for_stream(seed, 0);
        (0..count)
            .map(|_| SpaceTimeEvent {
                x: 350_000.0 + rng.below(2_000_000) as f64 / 1_000.0,
                y: 570_000.0 + rng.below(2_000_000) as f64 / 1_000.0,
                day: rng.below(60) as i64,
            })
            .collect()
    }

    /// Listing close pairs once and sweeping by day must give the same table for any days.
    #[test]
    fn listed_pairs_and_time_sweep_agree() {
        let events = random_events(400, 5);
        for (metric, arithmetic) in [
            (DistanceMetric::Manhattan, DistanceArithmetic::Double),
            (DistanceMetric::Euclidean, DistanceArithmetic::Single),
        ] {
            let config = KnoxConfig {
                distance_edges: vec![0.0, 50.0, 100.0, 250.0],
                day_edges: vec![0, 3, 7, 14],
                metric,
                arithmetic,
                permutations: 1,
                seed: 0,
                threads: 1,
            };
            let layout = Layout::new(&config).expect("valid bands");
            let days: Vec<i64> = events.iter().map(|event| event.day).collect();
            let listed = PairCounter::new(&events, &days, &config, &layout);
            assert!(
                matches!(listed.bounded, BoundedPairs::Listed(_)),
                "400 events in 4 km²: few close pairs"
            );
            let mut sweep = PairCounter::new(&events, &days, &config, &layout);
            sweep.bounded = BoundedPairs::TimeSweep;
            let mut shuffled = days.clone();
            for stream in 0..5 {
                assert_eq!(listed.table(&shuffled), sweep.table(&shuffled));
                Xoshiro256::for_stream(3, stream).shuffle(&mut shuffled);
            }
        }
    }

    /// With a huge distance edge and a short time edge, sweeping by day is cheaper and is chosen.
    #[test]
    fn time_sweep_is_chosen_when_few_pairs_are_close_in_time() {
        let events = random_events(300, 8);
        let config = KnoxConfig {
            distance_edges: vec![0.0, 5_000.0],
            day_edges: vec![0, 1],
            metric: DistanceMetric::Manhattan,
            arithmetic: DistanceArithmetic::Double,
            permutations: 1,
            seed: 0,
            threads: 1,
        };
        let layout = Layout::new(&config).expect("valid bands");
        let days: Vec<i64> = events.iter().map(|event| event.day).collect();
        let counter = PairCounter::new(&events, &days, &config, &layout);
        assert!(matches!(counter.bounded, BoundedPairs::TimeSweep));
    }

    #[test]
    fn pairs_per_time_band_counts_day_differences() {
        // Days 0, 0, 1, 5: differences 0, 1, 5, 1, 5, 4 → [0,1): 1, [1,4): 2, [4,5): 1 (5s are open).
        assert_eq!(
            pairs_per_time_band(&[5, 0, 1, 0], &[0, 1, 4, 5]),
            vec![1, 2, 1]
        );
    }
}

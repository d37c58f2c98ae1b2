//! Patrol dwell per cell and hour of the day, kept up to date one ping at a time.
//!
//! The semantics are `quickclear_analytics::dwell_by_cell_hour`'s: a ping's dwell is the time until
//! the same unit's next ping, capped at [`MAX_GAP`], credited to the ping's cell and split across
//! the clock hours it spans; a unit's last ping adds nothing yet. A ping arriving between two
//! earlier ones of its unit (a terminal that was offline sends its backlog) replaces the previous
//! ping's stay until the next by two stays: previous → new and new → next. Hours are UTC hours.

use crate::cells::{AnalysisCells, AnalysisResolution, cells_at};
use chrono::{NaiveDateTime, TimeDelta, Timelike};
use h3o::CellIndex;
use quickclear_analytics::HourlyMinutes;
use std::collections::{BTreeMap, HashMap};

/// Longest stay credited to one ping: a longer silence is not evidence of presence (the analytics
/// crate's default).
pub const MAX_GAP: TimeDelta = TimeDelta::minutes(10);

/// A unit's position at a time, with its cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    pub at: NaiveDateTime,
    pub lat: f64,
    pub lng: f64,
    pub cells: AnalysisCells,
}

impl Fix {
    /// The fix, or `None` for coordinates off the globe.
    pub fn new(at: NaiveDateTime, lat: f64, lng: f64) -> Option<Self> {
        Some(Self {
            at,
            lat,
            lng,
            cells: cells_at(lat, lng)?,
        })
    }
}

/// Dwell minutes per cell and hour, at every analysis resolution.
#[derive(Debug, Default)]
pub struct DwellLedger {
    minutes: [HashMap<CellIndex, HourlyMinutes>; 5],
}

impl DwellLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Accounts for `fix` arriving between its unit's `previous` and `next` fixes (by time).
    pub fn insert_between(&mut self, previous: Option<&Fix>, fix: &Fix, next: Option<&Fix>) {
        if let (Some(previous), Some(next)) = (previous, next) {
            self.credit(previous, next.at, -1.0);
        }
        if let Some(previous) = previous {
            self.credit(previous, fix.at, 1.0);
        }
        if let Some(next) = next {
            self.credit(fix, next.at, 1.0);
        }
    }

    /// Dwell per cell at `resolution` (cells never visited are absent).
    pub fn minutes(&self, resolution: AnalysisResolution) -> BTreeMap<CellIndex, HourlyMinutes> {
        self.minutes[resolution.level()]
            .iter()
            .map(|(&cell, &minutes)| (cell, minutes))
            .collect()
    }

    /// Adds (`sign` 1) or takes back (`sign` -1) the stay at `fix` until `until`.
    fn credit(&mut self, fix: &Fix, until: NaiveDateTime, sign: f64) {
        let stay = (until - fix.at).clamp(TimeDelta::zero(), MAX_GAP);
        for (minutes, cell) in self.minutes.iter_mut().zip(fix.cells) {
            add_by_hour(minutes.entry(cell).or_insert([0.0; 24]), fix.at, stay, sign);
        }
    }
}

/// Adds `sign` × `duration` starting at `start` to `minutes`, split at hour boundaries.
fn add_by_hour(minutes: &mut HourlyMinutes, start: NaiveDateTime, duration: TimeDelta, sign: f64) {
    let mut at = start;
    let mut remaining = duration;
    while remaining > TimeDelta::zero() {
        let into_hour = TimeDelta::minutes(i64::from(at.minute()))
            + TimeDelta::seconds(i64::from(at.second()))
            + TimeDelta::nanoseconds(i64::from(at.nanosecond()));
        let chunk = remaining.min(TimeDelta::hours(1) - into_hour);
        minutes[at.hour() as usize] += sign * chunk.as_seconds_f64() / 60.0;
        at += chunk;
        remaining -= chunk;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickclear_analytics::{DwellConfig, Ping, dwell_by_cell_hour};

    fn fix(minute: i64, lat: f64, lng: f64) -> Fix {
        let start =
            NaiveDateTime::parse_from_str("2016-06-01 09:50", "%Y-%m-%d %H:%M").expect("test time");
        Fix::new(start + TimeDelta::seconds(minute * 60 / 2), lat, lng).expect("on the globe")
    }

    /// The incremental ledger, fed in `order`, agrees with the analytics crate's batch computation.
    fn assert_matches_batch(tracks: &[(&str, Vec<Fix>)], order: &[(usize, usize)]) {
        let mut ledger = DwellLedger::new();
        let mut seen: HashMap<usize, BTreeMap<NaiveDateTime, Fix>> = HashMap::new();
        for &(track, index) in order {
            let fix = tracks[track].1[index];
            let known = seen.entry(track).or_default();
            let previous = known.range(..fix.at).next_back().map(|(_, f)| *f);
            let next = known.range(fix.at..).next().map(|(_, f)| *f);
            ledger.insert_between(previous.as_ref(), &fix, next.as_ref());
            known.insert(fix.at, fix);
        }
        let pings: Vec<Ping> = tracks
            .iter()
            .flat_map(|(unit, fixes)| {
                fixes.iter().map(|f| Ping {
                    unit: (*unit).to_owned(),
                    at: f.at,
                    lat: f.lat,
                    lng: f.lng,
                })
            })
            .collect();
        for resolution in (6..=10).filter_map(AnalysisResolution::new) {
            let config = DwellConfig {
                resolution: resolution.resolution(),
                max_gap: MAX_GAP,
            };
            let batch = dwell_by_cell_hour(&pings, &config).expect("valid pings");
            let incremental = ledger.minutes(resolution);
            for (cell, expected) in &batch {
                let got = incremental.get(cell).expect("cell credited");
                for hour in 0..24 {
                    assert!(
                        (got[hour] - expected[hour]).abs() < 1e-9,
                        "res {} cell {cell} hour {hour}: {} vs {}",
                        resolution.number(),
                        got[hour],
                        expected[hour]
                    );
                }
            }
            for (cell, minutes) in &incremental {
                if !batch.contains_key(cell) {
                    assert!(minutes.iter().all(|m| m.abs() < 1e-9), "{cell}");
                }
            }
        }
    }

    fn tracks() -> Vec<(&'static str, Vec<Fix>)> {
        // Half-minute steps from 09:50; the 09:59:30 → 10:04 stay crosses the hour, and the
        // 12-minute silence of D001 is capped at 10 minutes.
        vec![
            (
                "D001",
                vec![
                    fix(0, 41.8789, -87.6359),
                    fix(4, 41.8790, -87.6361),
                    fix(19, 41.8801, -87.6370),
                    fix(28, 41.8830, -87.6400),
                    fix(52, 41.8835, -87.6402),
                    fix(53, 41.8790, -87.6360),
                ],
            ),
            (
                "D014",
                vec![
                    fix(1, 41.9250, -87.6779),
                    fix(9, 41.9251, -87.6780),
                    fix(30, 41.9300, -87.6800),
                ],
            ),
        ]
    }

    #[test]
    fn in_order_pings_match_the_batch_semantics() {
        let order: Vec<(usize, usize)> = (0..6)
            .map(|i| (0, i))
            .chain((0..3).map(|i| (1, i)))
            .collect();
        assert_matches_batch(&tracks(), &order);
    }

    #[test]
    fn late_pings_filling_gaps_match_the_batch_semantics() {
        let order = [
            (0, 5),
            (1, 2),
            (0, 0),
            (0, 3),
            (1, 0),
            (0, 1),
            (0, 4),
            (0, 2),
            (1, 1),
        ];
        assert_matches_batch(&tracks(), &order);
    }

    #[test]
    fn a_stay_is_split_across_hours_and_capped() {
        let mut ledger = DwellLedger::new();
        let first = fix(19, 41.8789, -87.6359); // 09:59:30
        let second = fix(28, 41.8789, -87.6359); // 10:04:00
        let late = fix(60, 41.8789, -87.6359); // 10:20:00, 16 minutes later: capped at 10
        ledger.insert_between(None, &first, None);
        ledger.insert_between(Some(&first), &second, None);
        ledger.insert_between(Some(&second), &late, None);
        let minutes = ledger.minutes(AnalysisResolution::NINE);
        let cell_minutes = minutes.values().next().expect("one cell");
        assert!((cell_minutes[9] - 0.5).abs() < 1e-12);
        assert!((cell_minutes[10] - 14.0).abs() < 1e-12);
    }
}

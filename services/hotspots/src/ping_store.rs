//! Position pings in the hotspots service's own SQLite file (never in the case streams), and the
//! dwell ledger folded from them.
//!
//! A ping is stored once per unit and millisecond: a terminal retrying a batch changes nothing. The
//! ledger is rebuilt from the file when the service starts, then kept up to date as batches arrive;
//! a ping's neighbours in time are read from the file, so late pings are placed exactly.

use crate::cells::AnalysisResolution;
use crate::dwell::{DwellLedger, Fix, MAX_GAP};
use chrono::{DateTime, NaiveDateTime};
use h3o::CellIndex;
use quickclear_analytics::{AnalyticsError, DwellConfig, HourlyMinutes, Ping, dwell_by_cell_hour};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pings (
    unit TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    lat REAL NOT NULL,
    lng REAL NOT NULL,
    PRIMARY KEY (unit, at_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pings_by_time ON pings (at_ms);
";

#[derive(Debug, thiserror::Error)]
pub enum PingStoreError {
    #[error("position store: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("position store: {0}")]
    Analytics(#[from] AnalyticsError),
}

/// What a batch changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub stored: usize,
    /// Pings already stored (same unit, same millisecond): a retried batch.
    pub duplicates: usize,
}

pub struct PingStore {
    inner: Mutex<Inner>,
}

struct Inner {
    db: Connection,
    ledger: DwellLedger,
}

impl PingStore {
    /// Opens (or creates) the file and rebuilds the dwell ledger from it.
    pub fn open(path: &Path) -> Result<Self, PingStoreError> {
        let db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        Self::with(db)
    }

    /// A store that lasts as long as the process (when no data directory is given).
    pub fn in_memory() -> Result<Self, PingStoreError> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(db: Connection) -> Result<Self, PingStoreError> {
        db.execute_batch(SCHEMA)?;
        let mut ledger = DwellLedger::new();
        {
            let mut all =
                db.prepare("SELECT unit, at_ms, lat, lng FROM pings ORDER BY unit, at_ms")?;
            let mut rows = all.query([])?;
            let mut last: Option<(String, Fix)> = None;
            while let Some(row) = rows.next()? {
                let unit: String = row.get(0)?;
                let Some(fix) = fix_from(row.get(1)?, row.get(2)?, row.get(3)?) else {
                    continue;
                };
                let previous = last
                    .as_ref()
                    .filter(|(previous_unit, _)| *previous_unit == unit)
                    .map(|(_, previous)| previous);
                ledger.insert_between(previous, &fix, None);
                last = Some((unit, fix));
            }
        }
        Ok(Self {
            inner: Mutex::new(Inner { db, ledger }),
        })
    }

    /// Stores a unit's fixes (to the millisecond) and folds the new ones into the ledger.
    pub fn record(&self, unit: &str, fixes: &[Fix]) -> Result<Recorded, PingStoreError> {
        let mut guard = self.inner.lock().expect("ping store lock");
        let inner = &mut *guard;
        let mut recorded = Recorded::default();
        let mut placed = Vec::with_capacity(fixes.len());
        let tx = inner.db.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO pings (unit, at_ms, lat, lng) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut before = tx.prepare_cached(
                "SELECT at_ms, lat, lng FROM pings WHERE unit = ?1 AND at_ms < ?2 \
                 ORDER BY at_ms DESC LIMIT 1",
            )?;
            let mut after = tx.prepare_cached(
                "SELECT at_ms, lat, lng FROM pings WHERE unit = ?1 AND at_ms > ?2 \
                 ORDER BY at_ms ASC LIMIT 1",
            )?;
            for fix in fixes {
                let at_ms = fix.at.and_utc().timestamp_millis();
                let Some(fix) = fix_from(at_ms, fix.lat, fix.lng) else {
                    continue;
                };
                if insert.execute(params![unit, at_ms, fix.lat, fix.lng])? == 0 {
                    recorded.duplicates += 1;
                    continue;
                }
                recorded.stored += 1;
                let neighbour = |statement: &mut rusqlite::CachedStatement<'_>| {
                    statement
                        .query_row(params![unit, at_ms], |row| {
                            Ok(fix_from(row.get(0)?, row.get(1)?, row.get(2)?))
                        })
                        .optional()
                        .map(Option::flatten)
                };
                placed.push((neighbour(&mut before)?, fix, neighbour(&mut after)?));
            }
        }
        tx.commit()?;
        for (previous, fix, next) in &placed {
            inner
                .ledger
                .insert_between(previous.as_ref(), fix, next.as_ref());
        }
        Ok(recorded)
    }

    /// Dwell per cell and hour at `resolution`: from the ledger over all pings, or computed from
    /// the pings stored in `[from, to)` when a window is given.
    pub fn dwell(
        &self,
        resolution: AnalysisResolution,
        from: Option<NaiveDateTime>,
        to: Option<NaiveDateTime>,
    ) -> Result<BTreeMap<CellIndex, HourlyMinutes>, PingStoreError> {
        let inner = self.inner.lock().expect("ping store lock");
        if from.is_none() && to.is_none() {
            return Ok(inner.ledger.minutes(resolution));
        }
        let millis = |at: Option<NaiveDateTime>, default| {
            at.map_or(default, |at| at.and_utc().timestamp_millis())
        };
        let mut window = inner.db.prepare_cached(
            "SELECT unit, at_ms, lat, lng FROM pings WHERE at_ms >= ?1 AND at_ms < ?2",
        )?;
        let rows = window
            .query_map(
                params![millis(from, i64::MIN), millis(to, i64::MAX)],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )?
            .collect::<Result<Vec<(String, i64, f64, f64)>, _>>()?;
        let pings: Vec<Ping> = rows
            .into_iter()
            .filter_map(|(unit, at_ms, lat, lng)| {
                let at = DateTime::from_timestamp_millis(at_ms)?.naive_utc();
                Some(Ping { unit, at, lat, lng })
            })
            .collect();
        let config = DwellConfig {
            resolution: resolution.resolution(),
            max_gap: MAX_GAP,
        };
        Ok(dwell_by_cell_hour(&pings, &config)?)
    }
}

fn fix_from(at_ms: i64, lat: f64, lng: f64) -> Option<Fix> {
    Fix::new(
        DateTime::from_timestamp_millis(at_ms)?.naive_utc(),
        lat,
        lng,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(minute: i64) -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2016-06-01 10:00", "%Y-%m-%d %H:%M").expect("time")
            + TimeDelta::minutes(minute)
    }

    fn fixes(minutes: &[i64]) -> Vec<Fix> {
        minutes
            .iter()
            .map(|&m| Fix::new(at(m), 41.8789, -87.6359).expect("on the globe"))
            .collect()
    }

    fn total_minutes(store: &PingStore) -> f64 {
        store
            .dwell(AnalysisResolution::NINE, None, None)
            .expect("dwell")
            .values()
            .flatten()
            .sum()
    }

    #[test]
    fn pings_survive_a_restart_and_retries_change_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hotspots.sqlite");
        {
            let store = PingStore::open(&path).expect("open");
            let recorded = store.record("D001", &fixes(&[0, 3, 5])).expect("record");
            assert_eq!(
                recorded,
                Recorded {
                    stored: 3,
                    duplicates: 0
                }
            );
            let retried = store.record("D001", &fixes(&[3, 5, 8])).expect("record");
            assert_eq!(
                retried,
                Recorded {
                    stored: 1,
                    duplicates: 2
                }
            );
            assert!((total_minutes(&store) - 8.0).abs() < 1e-9);
        }
        let reopened = PingStore::open(&path).expect("reopen");
        assert!((total_minutes(&reopened) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn a_late_ping_is_placed_between_its_neighbours() {
        let store = PingStore::in_memory().expect("open");
        store.record("D001", &fixes(&[0, 20])).expect("record");
        // 0 → 20 is capped at 10 minutes.
        assert!((total_minutes(&store) - 10.0).abs() < 1e-9);
        store.record("D001", &fixes(&[12])).expect("record");
        // 0 → 12 capped at 10, then 12 → 20 is 8.
        assert!((total_minutes(&store) - 18.0).abs() < 1e-9);
    }

    #[test]
    fn a_window_counts_only_its_pings() {
        let store = PingStore::in_memory().expect("open");
        store
            .record("D001", &fixes(&[0, 5, 60, 65]))
            .expect("record");
        store.record("D014", &fixes(&[61, 63])).expect("record");
        let window = store
            .dwell(AnalysisResolution::NINE, Some(at(30)), Some(at(120)))
            .expect("dwell");
        let minutes: f64 = window.values().flatten().sum();
        assert!((minutes - 7.0).abs() < 1e-9, "{minutes}");
    }
}

//! Sign-outs in a SQLite file (`sessions.sqlite` beside the embedded case log): one process,
//! `quickclear up`, owns the data directory, so it is the only writer and nothing comes later.

use super::{Followed, RevocationStore, Revoked, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub struct SqliteRevocations {
    connection: Arc<Mutex<Connection>>,
}

fn failed(error: impl std::fmt::Display) -> StoreError {
    StoreError(format!("the sign-outs' SQLite file: {error}"))
}

impl SqliteRevocations {
    /// Opens the file, creating it when needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(failed)?;
        connection
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS revoked_sessions (
                     session TEXT PRIMARY KEY,
                     expires_at_ms INTEGER NOT NULL
                 )",
            )
            .map_err(failed)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` on the connection off the async workers (it waits for the disk).
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = self.connection.clone();
        tokio::task::spawn_blocking(move || work(&mut connection.lock().expect("sqlite lock")))
            .await
            .map_err(failed)?
            .map_err(failed)
    }
}

#[async_trait]
impl RevocationStore for SqliteRevocations {
    async fn record(&self, revoked: Revoked) -> Result<(), StoreError> {
        let now = Utc::now().timestamp_millis();
        self.with(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute(
                "DELETE FROM revoked_sessions WHERE expires_at_ms <= ?1",
                [now],
            )?;
            transaction.execute(
                "INSERT OR REPLACE INTO revoked_sessions (session, expires_at_ms) VALUES (?1, ?2)",
                (
                    revoked.session.to_string(),
                    revoked.expires_at.timestamp_millis(),
                ),
            )?;
            transaction.commit()
        })
        .await
    }

    async fn follow(&self) -> Result<Followed, StoreError> {
        let now = Utc::now().timestamp_millis();
        let rows = self
            .with(move |connection| {
                let mut query = connection.prepare(
                    "SELECT session, expires_at_ms FROM revoked_sessions WHERE expires_at_ms > ?1",
                )?;
                let rows = query.query_map([now], |row| Ok((row.get(0)?, row.get(1)?)))?;
                rows.collect::<rusqlite::Result<Vec<(String, i64)>>>()
            })
            .await?;
        let in_force = rows
            .into_iter()
            .map(|(session, expires_at)| {
                Some(Revoked {
                    session: Uuid::parse_str(&session).ok()?,
                    expires_at: DateTime::from_timestamp_millis(expires_at)?,
                })
            })
            .collect::<Option<_>>()
            .ok_or_else(|| failed("a row is not a session id and a time"))?;
        Ok(Followed {
            in_force,
            later: Box::pin(futures::stream::pending()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[tokio::test]
    async fn sign_outs_outlive_the_connection_and_expired_ones_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.sqlite");
        let now = Utc::now();
        let ended = |expires_at: DateTime<Utc>| Revoked {
            session: Uuid::new_v4(),
            // Whole milliseconds: what the file keeps.
            expires_at: DateTime::from_timestamp_millis(expires_at.timestamp_millis()).unwrap(),
        };
        let (expired, kept) = (
            ended(now - Duration::seconds(1)),
            ended(now + Duration::hours(1)),
        );
        let store = SqliteRevocations::open(&path).unwrap();
        store.record(expired).await.unwrap();
        assert_eq!(store.follow().await.unwrap().in_force, []);
        store.record(kept).await.unwrap();
        drop(store);

        let reopened = SqliteRevocations::open(&path).unwrap();
        assert_eq!(reopened.follow().await.unwrap().in_force, [kept]);
        let rows: i64 = reopened
            .with(|c| c.query_row("SELECT count(*) FROM revoked_sessions", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(rows, 1, "the expired one was pruned");
    }
}

//! Sign-outs in a NATS JetStream KeyValue bucket: the session id → when its token expires. Entries
//! expire with the bucket's `max_age`, the sessions' lifetime, after which the token is refused
//! anyway; every process watches the bucket, so a sign-out on one is refused by all.

use super::{Followed, RevocationStore, Revoked, StoreError};
use async_nats::jetstream::{self, kv, stream};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use uuid::Uuid;

const BUCKET: &str = "quickclear-sign-outs";

pub struct JetStreamRevocations {
    bucket: kv::Store,
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError(format!("the sign-outs' bucket {BUCKET}: {error}"))
}

impl JetStreamRevocations {
    /// Connects and opens the bucket, creating it (or setting its `max_age` to `session_ttl`).
    pub async fn connect(
        url: &str,
        session_ttl: std::time::Duration,
        replicas: usize,
    ) -> Result<Self, StoreError> {
        let client = quickclear_eventstore::nats_client::connect(url, "quickclear-sign-outs")
            .await
            .map_err(StoreError)?;
        let js = jetstream::new(client);
        // The bucket's stream as `create_or_update_key_value` makes it, which also asks for the
        // account's API level that servers before 2.10 do not send.
        js.create_or_update_stream(stream::Config {
            name: format!("KV_{BUCKET}"),
            description: Some(
                "Signed-out sessions: id -> when its token expires (ADR 0005)".into(),
            ),
            subjects: vec![format!("$KV.{BUCKET}.>")],
            max_messages_per_subject: 1,
            max_age: session_ttl,
            storage: stream::StorageType::File,
            num_replicas: replicas,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(unavailable)?;
        let bucket = js.get_key_value(BUCKET).await.map_err(unavailable)?;
        Ok(Self { bucket })
    }
}

fn revoked(key: &str, value: &[u8]) -> Option<Revoked> {
    Some(Revoked {
        session: Uuid::parse_str(key).ok()?,
        expires_at: serde_json::from_slice::<DateTime<Utc>>(value).ok()?,
    })
}

#[async_trait]
impl RevocationStore for JetStreamRevocations {
    async fn record(&self, revoked: Revoked) -> Result<(), StoreError> {
        let value = serde_json::to_vec(&revoked.expires_at).expect("a time serializes");
        self.bucket
            .put(revoked.session.to_string(), value.into())
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn follow(&self) -> Result<Followed, StoreError> {
        // Watched before the current keys are read, so nothing recorded in between is missed.
        let watch = self.bucket.watch_all().await.map_err(unavailable)?;
        let keys: Vec<String> = self
            .bucket
            .keys()
            .await
            .map_err(unavailable)?
            .try_collect()
            .await
            .map_err(unavailable)?;
        let mut in_force = Vec::with_capacity(keys.len());
        for key in keys {
            // Gone meanwhile: expired.
            if let Some(value) = self.bucket.get(&key).await.map_err(unavailable)? {
                in_force.extend(revoked(&key, &value));
            }
        }
        let later = watch.filter_map(|entry| async move {
            match entry {
                Ok(entry) if entry.operation == kv::Operation::Put => {
                    revoked(&entry.key, &entry.value)
                }
                Ok(_) => None,
                Err(error) => {
                    tracing::warn!(%error, "watching the sign-outs' bucket");
                    None
                }
            }
        });
        Ok(Followed {
            in_force,
            later: later.boxed(),
        })
    }
}

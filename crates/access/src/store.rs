//! Where a deployment keeps its sign-outs, so that they outlive the process that served them and
//! reach every other one (ADR 0005): the port, [`RevocationStore`], and its adapters,
//! [`sqlite`] (`quickclear up` on the embedded store: a file in the data directory) and
//! [`jetstream`] (over NATS: a KeyValue bucket every process watches).

pub mod jetstream;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use uuid::Uuid;

/// A signed-out session, kept until its token would have expired anyway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revoked {
    pub session: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// The sign-outs in force when a process starts following them, and those recorded later.
pub struct Followed {
    pub in_force: Vec<Revoked>,
    /// By any process of the deployment (its own included); it ends only with the store.
    pub later: BoxStream<'static, Revoked>,
}

/// The store could not be reached or used; the message says what failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Keeps `revoked` durably, for every process; the expired ones are pruned on the way.
    async fn record(&self, revoked: Revoked) -> Result<(), StoreError>;

    async fn follow(&self) -> Result<Followed, StoreError>;
}

//! A test double of the event store port whose subscriptions play a script, so the follower's and
//! the health report's reactions to failures can be tested on paused time. (The adapters themselves
//! are tested against real SQLite and NATS by the event store's contract suite.)

use async_trait::async_trait;
use futures::StreamExt;
use quickclear_eventstore::{
    Appended, Commit, Delivery, DurableSubscription, EventStore, ExpectedVersion, Position,
    StoreError, Subscription,
};
use quickclear_schemas::{CaseId, EventEnvelope};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What one call to `subscribe` gives.
pub enum Script {
    Refuse(StoreError),
    /// These deliveries, then the subscription stays open with nothing more.
    Deliver(Vec<Result<Delivery, StoreError>>),
}

#[derive(Default)]
pub struct ScriptedStore {
    scripts: Mutex<VecDeque<Script>>,
    /// The `after` of every subscription asked for.
    pub subscribed_after: Mutex<Vec<Position>>,
    pub head: AtomicU64,
}

pub fn commit(position: Position) -> Result<Delivery, StoreError> {
    Ok(Delivery::Commit(Arc::new(Commit {
        position,
        case_id: CaseId::random(),
        commit_id: format!("c{position}"),
        events: Vec::new(),
    })))
}

impl ScriptedStore {
    pub fn new(scripts: impl IntoIterator<Item = Script>) -> Arc<Self> {
        Arc::new(Self {
            scripts: Mutex::new(scripts.into_iter().collect()),
            ..Self::default()
        })
    }

    pub fn set_head(&self, head: Position) {
        self.head.store(head, Ordering::Relaxed);
    }
}

#[async_trait]
impl EventStore for ScriptedStore {
    async fn append(
        &self,
        _: CaseId,
        _: ExpectedVersion,
        _: &str,
        _: &[EventEnvelope],
    ) -> Result<Appended, StoreError> {
        unreachable!("followers never append")
    }

    async fn read_stream(&self, _: CaseId) -> Result<Vec<Commit>, StoreError> {
        unreachable!("followers never read a stream")
    }

    async fn subscribe(&self, after: Position) -> Result<Subscription, StoreError> {
        self.subscribed_after.lock().unwrap().push(after);
        let script = self.scripts.lock().unwrap().pop_front();
        match script.expect("a script for every subscription") {
            Script::Refuse(error) => Err(error),
            Script::Deliver(deliveries) => Ok(futures::stream::iter(deliveries)
                .chain(futures::stream::pending())
                .boxed()),
        }
    }

    async fn subscribe_durable(&self, _: &str) -> Result<DurableSubscription, StoreError> {
        unreachable!("followers never subscribe durably")
    }

    async fn head(&self) -> Result<Position, StoreError> {
        Ok(self.head.load(Ordering::Relaxed))
    }
}

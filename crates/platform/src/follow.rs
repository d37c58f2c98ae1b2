//! [`Follower`]: the one way a projection or processor reads the case log.
//!
//! It delivers commits in log order from where its owner stopped, subscribes again with backoff
//! when the store fails, and steps over a commit that cannot be decoded once it has recorded it
//! (ADR 0007: one damaged commit must not stop dispatch for every report behind it). What it meets
//! is written to its [`SubscriberStatus`], which `/readyz` and the metrics read.

use crate::status::SubscriberStatus;
use futures::StreamExt;
use quickclear_eventstore::{Commit, Delivery, EventStore, Position, StoreError, Subscription};
use std::sync::Arc;
use std::time::Duration;

/// The first wait before subscribing again; it doubles with each failure in a row.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// A store that does not answer a subscription within this long is treated as unavailable.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which commits a follower sees (see [`EventStore::subscribe_unsynced`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// Only commits that are durable: anything shown outside the process.
    Durable,
    /// Commits as soon as they have their place in the log: for dispatch alone.
    Unsynced,
}

/// What the log says next.
#[derive(Debug)]
pub enum Step {
    Commit(Arc<Commit>),
    /// The follower has seen every commit that was in the log when it (re)subscribed.
    CaughtUp,
}

pub struct Follower {
    store: Arc<dyn EventStore>,
    consistency: Consistency,
    /// The last commit delivered; the next subscription starts after it.
    position: Position,
    log: Option<Subscription>,
    backoff: Duration,
    status: Arc<SubscriberStatus>,
}

impl Follower {
    pub(crate) fn new(
        store: Arc<dyn EventStore>,
        consistency: Consistency,
        status: Arc<SubscriberStatus>,
    ) -> Self {
        Self {
            store,
            consistency,
            position: 0,
            log: None,
            backoff: FIRST_BACKOFF,
            status,
        }
    }

    /// This follower's entry in the health report (for the owner's own alerts).
    pub fn status(&self) -> &Arc<SubscriberStatus> {
        &self.status
    }

    /// The next step of the log. Calling it again means the commit it returned has been handled.
    /// Never fails: a lost subscription is taken up again where it stopped. Cancel-safe, so it can
    /// be one branch of a `select!`.
    pub async fn next(&mut self) -> Step {
        self.status.handled(self.position);
        loop {
            let Some(log) = self.log.as_mut() else {
                match self.subscribe().await {
                    Ok(log) => {
                        self.status.subscribed();
                        self.log = Some(log);
                    }
                    Err(error) => self.retry_after(&error).await,
                }
                continue;
            };
            match log.next().await {
                Some(Ok(Delivery::Commit(commit))) => {
                    self.position = commit.position;
                    self.backoff = FIRST_BACKOFF;
                    return Step::Commit(commit);
                }
                Some(Ok(Delivery::CaughtUp)) => {
                    self.status.caught_up(self.position);
                    return Step::CaughtUp;
                }
                Some(Err(StoreError::Undecodable { position, reason })) => {
                    self.log = None;
                    self.status.quarantine(position, reason);
                    // Every commit before it was delivered: go on after it.
                    self.position = self.position.max(position);
                    self.status.handled(self.position);
                }
                Some(Err(error)) => {
                    self.log = None;
                    self.retry_after(&error).await;
                }
                None => {
                    self.log = None;
                    let ended = StoreError::Unavailable("the subscription ended".into());
                    self.retry_after(&ended).await;
                }
            }
        }
    }

    /// Takes `&mut self`: the subscription is not `Sync`, so no `&Follower` may be held across an
    /// await for the caller's future to stay `Send`.
    async fn subscribe(&mut self) -> Result<Subscription, StoreError> {
        let subscribing = match self.consistency {
            Consistency::Durable => self.store.subscribe(self.position),
            Consistency::Unsynced => self.store.subscribe_unsynced(self.position),
        };
        tokio::time::timeout(SUBSCRIBE_TIMEOUT, subscribing)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Unavailable(
                    "the store did not answer the subscription".into(),
                ))
            })
    }

    async fn retry_after(&mut self, error: &StoreError) {
        self.status.failing(error, self.backoff);
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted_store::{Script, ScriptedStore, commit};
    use crate::status::Phase;
    use crate::{Health, Supervisor};

    fn position(step: Step) -> Option<Position> {
        match step {
            Step::Commit(commit) => Some(commit.position),
            Step::CaughtUp => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_undecodable_commit_is_recorded_and_stepped_over() {
        let undecodable = StoreError::Undecodable {
            position: 2,
            reason: "expected value at line 1".into(),
        };
        let store = ScriptedStore::new([
            Script::Deliver(vec![commit(1), Err(undecodable)]),
            Script::Deliver(vec![commit(3), Ok(Delivery::CaughtUp)]),
        ]);
        let health = Health::new(store.clone(), &Supervisor::default());
        let mut follower = health.follow("summaries", Consistency::Durable);
        assert_eq!(position(follower.next().await), Some(1));
        assert_eq!(position(follower.next().await), Some(3));
        assert_eq!(position(follower.next().await), None);
        assert_eq!(*store.subscribed_after.lock().unwrap(), [0, 2]);

        store.set_head(3);
        let report = health.readiness().await;
        let summaries = &report.subscribers[0];
        assert_eq!(summaries.undecodable.count, 1);
        assert_eq!(summaries.undecodable.commits[0].position, 2);
        assert!(!summaries.ready && !report.ready, "{report:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_log_is_subscribed_again_after_a_growing_backoff() {
        let store = ScriptedStore::new([
            Script::Deliver(vec![commit(1), Err(StoreError::Unavailable("gone".into()))]),
            Script::Refuse(StoreError::Unavailable("still gone".into())),
            Script::Deliver(vec![commit(2), Ok(Delivery::CaughtUp)]),
        ]);
        let health = Health::new(store.clone(), &Supervisor::default());
        let mut follower = health.follow("dispatch", Consistency::Durable);
        assert_eq!(position(follower.next().await), Some(1));
        let started = tokio::time::Instant::now();
        assert_eq!(position(follower.next().await), Some(2));
        assert_eq!(started.elapsed(), FIRST_BACKOFF + FIRST_BACKOFF * 2);
        assert_eq!(*store.subscribed_after.lock().unwrap(), [0, 1, 1]);
        assert_eq!(
            health.readiness().await.subscribers[0].phase,
            Phase::CatchingUp,
            "subscribed again, not yet caught up"
        );
        assert_eq!(position(follower.next().await), None);
        assert_eq!(health.readiness().await.subscribers[0].phase, Phase::Live);
    }

    #[tokio::test(start_paused = true)]
    async fn while_it_cannot_subscribe_it_is_failing() {
        let store = ScriptedStore::new([
            Script::Refuse(StoreError::Unavailable("no stream QC_CASES".into())),
            Script::Deliver(vec![Ok(Delivery::CaughtUp)]),
        ]);
        let health = Health::new(store.clone(), &Supervisor::default());
        let mut follower = health.follow("squad", Consistency::Durable);
        // Stop while it waits to try again.
        let waited = tokio::time::timeout(FIRST_BACKOFF / 2, follower.next()).await;
        assert!(waited.is_err());
        let report = health.readiness().await;
        assert!(
            matches!(&report.subscribers[0].phase, Phase::Failing { error, .. } if error.contains("no stream QC_CASES")),
            "{report:?}"
        );
        assert!(!report.ready);
        // The cancelled call left the follower whole: it goes on.
        assert_eq!(position(follower.next().await), None);
    }
}

//! [`Health`]: what `/readyz` and the subscription metrics tell about one process (ADR 0007).
//!
//! Every [`Follower`] of the process has a [`SubscriberStatus`] here. A sampler task reads the log's
//! head once a second, so a subscriber's lag is known in commits and in seconds (how long ago the
//! oldest commit it has not handled was already in the log). The process is ready when the store
//! answers and every subscriber is live (caught up since it last subscribed), less than
//! [`READY_LAG`](crate::status::READY_LAG) behind, has stepped over no undecodable commit and raises no alert of its own
//! (dispatch raises one for a report it could not dispatch in time).

use crate::follow::{Consistency, Follower};
use crate::status::{SubscriberReport, SubscriberStatus};
use crate::supervise::Supervisor;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use prometheus::{IntGaugeVec, register_int_gauge_vec};
use quickclear_eventstore::{EventStore, Position, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How often the log's head is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// How far back samples are kept: lags beyond it are reported as at least this.
const KEEP_SAMPLES: Duration = Duration::from_secs(120);
/// A store that does not tell its head within this long is not ready.
const STORE_TIMEOUT: Duration = Duration::from_secs(1);

static LAG_COMMITS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "quickclear_subscription_lag_commits",
        "Commits appended to the case log that this subscriber has not handled yet.",
        &["subscriber"]
    )
    .expect("metric registers once")
});

static LAG_SECONDS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "quickclear_subscription_lag_seconds",
        "How long the oldest commit this subscriber has not handled has been in the log.",
        &["subscriber"]
    )
    .expect("metric registers once")
});

/// The health of one process. Cheap to clone.
#[derive(Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn EventStore>,
    subscribers: Mutex<Vec<Arc<SubscriberStatus>>>,
    /// Problems of the process beyond its followers (a broken chain of links), by name.
    problems: Mutex<BTreeMap<&'static str, String>>,
    samples: Mutex<VecDeque<(Instant, Position)>>,
}

impl Health {
    /// Starts sampling `store`'s head under `supervisor`.
    pub fn new(store: Arc<dyn EventStore>, supervisor: &Supervisor) -> Self {
        let health = Self {
            inner: Arc::new(Inner {
                store,
                subscribers: Mutex::default(),
                problems: Mutex::default(),
                samples: Mutex::default(),
            }),
        };
        supervisor.spawn("health sampler", health.clone().sample());
        health
    }

    /// A follower of the log from its start, reported under `name`.
    pub fn follow(&self, name: &'static str, consistency: Consistency) -> Follower {
        let status = Arc::new(SubscriberStatus::new(name));
        self.lock_subscribers().push(status.clone());
        Follower::new(self.inner.store.clone(), consistency, status)
    }

    /// Raises (`Some`) or clears (`None`) a problem of the process; any raised problem makes it
    /// not ready.
    pub fn problem(&self, name: &'static str, detail: Option<String>) {
        let mut problems = self.inner.problems.lock().expect("problems lock");
        match detail {
            Some(detail) => problems.insert(name, detail),
            None => problems.remove(name),
        };
    }

    /// The whole report: the store's answer and every subscriber's state.
    pub async fn readiness(&self) -> Readiness {
        let head = tokio::time::timeout(STORE_TIMEOUT, self.inner.store.head())
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("no answer within 1 s".into())));
        let now = Instant::now();
        let subscribers: Vec<_> = self
            .lock_subscribers()
            .iter()
            .map(|status| {
                let handled = status.position();
                let lag_seconds = head
                    .as_ref()
                    .map_or(0, |head| self.lag_seconds(handled, *head, now).as_secs());
                status.report(head.as_ref().ok().copied(), lag_seconds)
            })
            .collect();
        let store = match head {
            Ok(head) => StoreReport {
                ok: true,
                head: Some(head),
                error: None,
            },
            Err(error) => StoreReport {
                ok: false,
                head: None,
                error: Some(error.to_string()),
            },
        };
        let problems = self.inner.problems.lock().expect("problems lock").clone();
        Readiness {
            ready: store.ok && subscribers.iter().all(|s| s.ready) && problems.is_empty(),
            store,
            subscribers,
            problems,
        }
    }

    /// How long commits after `handled` have been in the log, by the samples.
    fn lag_seconds(&self, handled: Position, head: Position, now: Instant) -> Duration {
        if handled >= head {
            return Duration::ZERO;
        }
        let samples = self.inner.samples.lock().expect("samples lock");
        samples
            .iter()
            .find(|(_, sampled)| *sampled > handled)
            .map_or(Duration::ZERO, |(at, _)| now - *at)
    }

    async fn sample(self) {
        let mut ticks = tokio::time::interval(SAMPLE_EVERY);
        loop {
            ticks.tick().await;
            let Ok(Ok(head)) = tokio::time::timeout(STORE_TIMEOUT, self.inner.store.head()).await
            else {
                continue;
            };
            let now = Instant::now();
            {
                let mut samples = self.inner.samples.lock().expect("samples lock");
                samples.push_back((now, head));
                while samples
                    .front()
                    .is_some_and(|(at, _)| now - *at > KEEP_SAMPLES)
                {
                    samples.pop_front();
                }
            }
            for status in self.lock_subscribers().iter() {
                let handled = status.position();
                let lag = self.lag_seconds(handled, head, now);
                LAG_COMMITS
                    .with_label_values(&[status.name()])
                    .set(head.saturating_sub(handled) as i64);
                LAG_SECONDS
                    .with_label_values(&[status.name()])
                    .set(lag.as_secs() as i64);
            }
        }
    }

    fn lock_subscribers(&self) -> std::sync::MutexGuard<'_, Vec<Arc<SubscriberStatus>>> {
        self.inner.subscribers.lock().expect("subscribers lock")
    }
}

/// `GET /readyz`: 200 when ready, 503 otherwise, with the whole report either way.
pub async fn readyz(health: Health) -> Response {
    let readiness = health.readiness().await;
    let status = match readiness.ready {
        true => StatusCode::OK,
        false => StatusCode::SERVICE_UNAVAILABLE,
    };
    (status, axum::Json(readiness)).into_response()
}

#[derive(Debug, Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub store: StoreReport,
    pub subscribers: Vec<SubscriberReport>,
    /// The process's own problems, by name (`chain`: the log's chain of links is broken).
    pub problems: BTreeMap<&'static str, String>,
}

#[derive(Debug, Serialize)]
pub struct StoreReport {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted_store::{Script, ScriptedStore, commit};
    use crate::status::READY_LAG;
    use quickclear_eventstore::Delivery;

    /// A process with one follower, `name`, that has handled commits 1 to 5 and caught up, and
    /// whose head was sampled at 5 a moment ago.
    async fn live_at_5(
        name: &'static str,
    ) -> (Arc<ScriptedStore>, Health, crate::Follower, Supervisor) {
        let mut deliveries: Vec<_> = (1..=5).map(commit).collect();
        deliveries.push(Ok(Delivery::CaughtUp));
        let store = ScriptedStore::new([Script::Deliver(deliveries)]);
        store.set_head(5);
        let supervisor = Supervisor::default();
        let health = Health::new(store.clone(), &supervisor);
        let mut follower = health.follow(name, Consistency::Durable);
        assert!(
            !health.readiness().await.ready,
            "not ready before it caught up"
        );
        while !matches!(follower.next().await, crate::Step::CaughtUp) {}
        tokio::time::sleep(Duration::from_millis(10)).await;
        (store, health, follower, supervisor)
    }

    #[tokio::test(start_paused = true)]
    async fn ready_once_caught_up_with_the_head() {
        let (_store, health, _follower, _supervisor) = live_at_5("ready").await;
        let report = health.readiness().await;
        assert!(report.ready, "{report:?}");
        assert_eq!(report.store.head, Some(5));
        assert_eq!(report.subscribers[0].lag_commits, Some(0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_subscriber_left_behind_for_longer_than_the_bound_is_not_ready() {
        let (store, health, _follower, _supervisor) = live_at_5("behind").await;
        // Sampled at the next second: the lag counts from there.
        store.set_head(9);
        tokio::time::sleep(READY_LAG - Duration::from_secs(2)).await;
        let report = health.readiness().await;
        assert!(report.ready, "a few seconds behind is fine: {report:?}");
        assert_eq!(report.subscribers[0].lag_commits, Some(4));
        tokio::time::sleep(Duration::from_secs(3)).await;
        let report = health.readiness().await;
        assert!(!report.ready, "{report:?}");
        assert_eq!(report.subscribers[0].lag_seconds, READY_LAG.as_secs());
        assert_eq!(
            LAG_SECONDS.with_label_values(&["behind"]).get(),
            READY_LAG.as_secs() as i64
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_alert_makes_it_not_ready_until_cleared() {
        let (_store, health, follower, _supervisor) = live_at_5("alerting").await;
        follower
            .status()
            .alert("undispatched", Some("1 report waiting".into()));
        let report = health.readiness().await;
        assert!(!report.ready);
        assert_eq!(
            report.subscribers[0].alerts["undispatched"],
            "1 report waiting"
        );
        follower.status().alert("undispatched", None);
        assert!(health.readiness().await.ready);
    }
}

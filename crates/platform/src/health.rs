//! [`Health`]: what `/readyz` and the subscription metrics tell about one process (ADR 0007).
//!
//! Every [`Follower`] of the process has a [`SubscriberStatus`] here. A sampler task reads the log's
//! head once a second, so a subscriber's lag is known in commits and in seconds (how long ago the
//! oldest commit it has not handled was already in the log). The process is ready when the store
//! answers and every subscriber is live (caught up since it last subscribed), less than
//! [`READY_LAG`] behind, has stepped over no undecodable commit and raises no alert of its own
//! (dispatch raises one for a report it could not dispatch in time).

use crate::follow::{Consistency, Follower};
use crate::supervise::Supervisor;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use prometheus::{IntCounterVec, IntGaugeVec, register_int_counter_vec, register_int_gauge_vec};
use quickclear_eventstore::{EventStore, Position, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// A subscriber further behind than this is not ready.
pub const READY_LAG: Duration = Duration::from_secs(5);
/// How often the log's head is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// How far back samples are kept: lags beyond it are reported as at least this.
const KEEP_SAMPLES: Duration = Duration::from_secs(120);
/// A store that does not tell its head within this long is not ready.
const STORE_TIMEOUT: Duration = Duration::from_secs(1);
/// Undecodable commits listed per subscriber (all are counted).
const LISTED_UNDECODABLE: usize = 20;

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

static UNDECODABLE: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_subscription_undecodable_commits_total",
        "Commits this subscriber could not decode and stepped over (see /readyz for positions).",
        &["subscriber"]
    )
    .expect("metric registers once")
});

static FAILURES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_subscription_failures_total",
        "Times this subscriber lost the case log (or could not subscribe) and had to subscribe again.",
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
                let handled = status.handled.load(Ordering::Relaxed);
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
                let handled = status.handled.load(Ordering::Relaxed);
                let lag = self.lag_seconds(handled, head, now);
                LAG_COMMITS
                    .with_label_values(&[status.name])
                    .set(head.saturating_sub(handled) as i64);
                LAG_SECONDS
                    .with_label_values(&[status.name])
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

#[derive(Debug, Serialize)]
pub struct SubscriberReport {
    pub name: &'static str,
    pub ready: bool,
    #[serde(flatten)]
    pub phase: Phase,
    /// The last commit handled.
    pub position: Position,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_commits: Option<u64>,
    pub lag_seconds: u64,
    pub undecodable: Undecodable,
    /// The subscriber's own concerns, by name (dispatch: `undispatched`).
    pub alerts: BTreeMap<&'static str, String>,
}

/// Where a subscriber stands with the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Phase {
    /// Reading what was in the log when it subscribed.
    CatchingUp,
    /// Caught up: handling commits as they are appended.
    Live,
    /// Lost the log or cannot subscribe; trying again.
    Failing { error: String, retry_in_ms: u64 },
}

/// Commits a subscriber could not decode and stepped over.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Undecodable {
    pub count: u64,
    /// The first few, with their positions.
    pub commits: Vec<UndecodableCommit>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UndecodableCommit {
    pub position: Position,
    pub reason: String,
}

/// One follower's state, written by the follower (and its owner's alerts), read by [`Health`].
pub struct SubscriberStatus {
    name: &'static str,
    handled: AtomicU64,
    state: Mutex<State>,
}

struct State {
    phase: Phase,
    undecodable: Undecodable,
    alerts: BTreeMap<&'static str, String>,
}

impl SubscriberStatus {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            handled: AtomicU64::new(0),
            state: Mutex::new(State {
                phase: Phase::CatchingUp,
                undecodable: Undecodable::default(),
                alerts: BTreeMap::new(),
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Raises (`Some`) or clears (`None`) one of the owner's alerts; any raised alert makes the
    /// process not ready.
    pub fn alert(&self, name: &'static str, detail: Option<String>) {
        let mut state = self.lock();
        match detail {
            Some(detail) => state.alerts.insert(name, detail),
            None => state.alerts.remove(name),
        };
    }

    pub(crate) fn handled(&self, position: Position) {
        self.handled.store(position, Ordering::Relaxed);
    }

    pub(crate) fn subscribed(&self) {
        self.lock().phase = Phase::CatchingUp;
    }

    pub(crate) fn caught_up(&self, position: Position) {
        let mut state = self.lock();
        if state.phase != Phase::Live {
            tracing::info!(
                subscriber = self.name,
                position,
                "caught up with the case log"
            );
        }
        state.phase = Phase::Live;
    }

    pub(crate) fn failing(&self, error: &StoreError, retry_in: Duration) {
        tracing::warn!(subscriber = self.name, %error, ?retry_in, "lost the case log; subscribing again");
        FAILURES.with_label_values(&[self.name]).inc();
        self.lock().phase = Phase::Failing {
            error: error.to_string(),
            retry_in_ms: retry_in.as_millis() as u64,
        };
    }

    pub(crate) fn quarantine(&self, position: Position, reason: String) {
        tracing::error!(
            subscriber = self.name,
            position,
            %reason,
            "a commit of the case log cannot be decoded; stepping over it (ADR 0007): the \
             process stays not ready until it is restarted on a repaired log"
        );
        UNDECODABLE.with_label_values(&[self.name]).inc();
        let mut state = self.lock();
        state.undecodable.count += 1;
        if state.undecodable.commits.len() < LISTED_UNDECODABLE {
            state
                .undecodable
                .commits
                .push(UndecodableCommit { position, reason });
        }
    }

    fn report(&self, head: Option<Position>, lag_seconds: u64) -> SubscriberReport {
        let state = self.lock();
        let position = self.handled.load(Ordering::Relaxed);
        let ready = state.phase == Phase::Live
            && lag_seconds < READY_LAG.as_secs()
            && state.undecodable.count == 0
            && state.alerts.is_empty();
        SubscriberReport {
            name: self.name,
            ready,
            phase: state.phase.clone(),
            position,
            lag_commits: head.map(|head| head.saturating_sub(position)),
            lag_seconds,
            undecodable: state.undecodable.clone(),
            alerts: state.alerts.clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("subscriber status lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripted_store::{Script, ScriptedStore, commit};
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

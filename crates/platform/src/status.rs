//! [`SubscriberStatus`]: one follower's state, written by the follower (and its owner's alerts),
//! read by [`crate::Health`] for `/readyz` and the metrics.

use prometheus::{IntCounterVec, register_int_counter_vec};
use quickclear_eventstore::{Position, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// A subscriber further behind than this is not ready.
pub const READY_LAG: Duration = Duration::from_secs(5);
/// Undecodable commits listed per subscriber (all are counted).
const LISTED_UNDECODABLE: usize = 20;

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

/// One follower's state, written by the follower (and its owner's alerts), read by [`crate::Health`].
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
    pub(crate) fn new(name: &'static str) -> Self {
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

    /// The last commit handled.
    pub(crate) fn position(&self) -> Position {
        self.handled.load(Ordering::Relaxed)
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

    pub(crate) fn report(&self, head: Option<Position>, lag_seconds: u64) -> SubscriberReport {
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

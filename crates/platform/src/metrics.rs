//! `/metrics` in the Prometheus text format, and the subscription-lag gauge every consumer keeps.

use axum::http::header;
use axum::response::IntoResponse;
use prometheus::{Encoder, IntGaugeVec, TextEncoder, register_int_gauge_vec};
use quickclear_eventstore::EventStore;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `quickclear_subscription_lag_commits{subscriber}`: commits in the log not yet handled.
pub static SUBSCRIPTION_LAG: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "quickclear_subscription_lag_commits",
        "Commits appended to the case log that this subscriber has not handled yet.",
        &["subscriber"]
    )
    .expect("metric registers once")
});

/// The handler for `GET /metrics`.
pub async fn render() -> impl IntoResponse {
    let mut body = Vec::new();
    let encoder = TextEncoder::new();
    if let Err(error) = encoder.encode(&prometheus::gather(), &mut body) {
        tracing::error!(%error, "cannot encode metrics");
    }
    (
        [(header::CONTENT_TYPE, encoder.format_type().to_owned())],
        body,
    )
}

/// Where a subscriber has got to; it updates the position, a background task turns it into lag.
#[derive(Clone)]
pub struct Progress {
    handled: Arc<AtomicU64>,
}

impl Progress {
    /// Starts reporting `subscriber`'s lag behind `store` every `period`.
    pub fn track(subscriber: &'static str, store: Arc<dyn EventStore>, period: Duration) -> Self {
        let handled = Arc::new(AtomicU64::new(0));
        let watched = Arc::downgrade(&handled);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            loop {
                ticks.tick().await;
                let Some(handled) = watched.upgrade() else {
                    return;
                };
                if let Ok(head) = store.head().await {
                    let lag = head.saturating_sub(handled.load(Ordering::Relaxed));
                    SUBSCRIPTION_LAG
                        .with_label_values(&[subscriber])
                        .set(lag as i64);
                }
            }
        });
        Self { handled }
    }

    pub fn handled(&self, position: u64) {
        self.handled.store(position, Ordering::Relaxed);
    }
}

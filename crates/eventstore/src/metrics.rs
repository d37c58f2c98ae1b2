//! Event-store metrics, registered in the process's default Prometheus registry.

use prometheus::{
    Histogram, HistogramVec, IntCounterVec, register_histogram, register_histogram_vec,
    register_int_counter_vec,
};
use std::sync::LazyLock;

/// `quickclear_eventstore_append_seconds{store}`: from the append call to the store's acknowledgement.
pub static APPEND_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "quickclear_eventstore_append_seconds",
        "Time to append one commit, until the store acknowledged it.",
        &["store"],
        vec![
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0
        ]
    )
    .expect("metric registers once")
});

/// `quickclear_eventstore_sqlite_sync_seconds`: the embedded store's fsync of the WAL after each
/// group of commits. Every append waits for one; a slow or failing disk shows here first.
pub static SQLITE_SYNC_SECONDS: LazyLock<Histogram> = LazyLock::new(|| {
    register_histogram!(
        "quickclear_eventstore_sqlite_sync_seconds",
        "Time to fsync the embedded store's WAL after a group of commits.",
        vec![
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0
        ]
    )
    .expect("metric registers once")
});

/// `quickclear_eventstore_conflicts_total{store}`: appends refused by optimistic concurrency.
pub static CONFLICTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_eventstore_conflicts_total",
        "Appends refused because the stream had moved on (optimistic concurrency).",
        &["store"]
    )
    .expect("metric registers once")
});

//! The listener's metrics: what its caps and timeouts turned away, so they never act unseen.

use prometheus::{IntCounterVec, IntGauge, register_int_counter_vec, register_int_gauge};
use std::sync::LazyLock;

/// `quickclear_connections_open`: connections admitted and not yet closed.
pub static OPEN: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!(
        "quickclear_connections_open",
        "HTTP connections admitted and not yet closed."
    )
    .expect("metric registers once")
});

/// `quickclear_connections_refused_total{cap}`: connections closed on accept, `cap` being
/// `per-address` or `total`.
pub static REFUSED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_connections_refused_total",
        "HTTP connections closed on accept: their client (per-address) or all clients (total) held as many as allowed.",
        &["cap"]
    )
    .expect("metric registers once")
});

/// `quickclear_timeouts_total{timeout}`: `header-read` and `idle` close a connection; `request`
/// answers `503 request-timeout`.
pub static TIMEOUTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_timeouts_total",
        "Connections closed by the header-read or idle timeout, requests answered 503 by the request timeout.",
        &["timeout"]
    )
    .expect("metric registers once")
});

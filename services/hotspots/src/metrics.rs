//! The service's metrics (Prometheus; labels bounded: precincts only).

use prometheus::{IntCounter, IntCounterVec, register_int_counter, register_int_counter_vec};
use std::sync::LazyLock;

/// `quickclear_hotspots_advisories_total{precinct}`: near-repeat advisories issued.
pub static ADVISORIES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_hotspots_advisories_total",
        "Near-repeat advisories issued to precinct terminals.",
        &["precinct"]
    )
    .expect("metric registers once")
});

/// `quickclear_hotspots_position_pings_total`: position pings stored (retried ones not counted).
pub static POSITION_PINGS: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!(
        "quickclear_hotspots_position_pings_total",
        "Position pings stored from unit terminals (duplicates of stored pings not counted)."
    )
    .expect("metric registers once")
});

/// `quickclear_hotspots_unusable_reports_total`: reports left out of the figures because their
/// analysis cells are missing or malformed.
pub static UNUSABLE_REPORTS: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!(
        "quickclear_hotspots_unusable_reports_total",
        "Theft reports left out of the hot-spot figures: analysis cells missing or malformed."
    )
    .expect("metric registers once")
});

/// `quickclear_hotspots_busy_total`: analytics requests answered `503 busy`, every analysis slot
/// having stayed taken while they waited.
pub static BUSY: LazyLock<IntCounter> = LazyLock::new(|| {
    register_int_counter!(
        "quickclear_hotspots_busy_total",
        "Analytics requests answered 503 busy: every analysis slot stayed taken while they waited."
    )
    .expect("metric registers once")
});

//! Dispatch metrics.

use prometheus::{
    HistogramVec, IntCounterVec, IntGauge, register_histogram_vec, register_int_counter_vec,
    register_int_gauge,
};
use std::sync::LazyLock;

pub static REPORT_TO_DISPATCH: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "quickclear_report_to_dispatch_seconds",
        "From a report's acceptance to its dispatch being stored, per unit kind.",
        &["kind"],
        vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0
        ]
    )
    .expect("metric registers once")
});

pub static UNACKNOWLEDGED: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!(
        "quickclear_unacknowledged_tasks",
        "Tasks assigned to a unit and not yet acknowledged."
    )
    .expect("metric registers once")
});

pub static ESCALATIONS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_escalations_total",
        "Tasks escalated because their unit did not acknowledge in time, per unit kind.",
        &["kind"]
    )
    .expect("metric registers once")
});

pub static UNDISPATCHED: LazyLock<IntGauge> = LazyLock::new(|| {
    register_int_gauge!(
        "quickclear_dispatch_undispatched_reports",
        "Open reports still without their units longer after their receipt than dispatch allows."
    )
    .expect("metric registers once")
});

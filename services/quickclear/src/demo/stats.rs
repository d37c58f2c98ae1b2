//! What the demo counts, and the one-line summary it prints.
//!
//! Report counts are this run's (what the simulator sent and how intake answered). Case counts come
//! from the case log itself, so after a restart they include the earlier runs, like the clearance
//! figures the case log serves.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// Reports going out this late (simulated seconds) mean the machine cannot keep up with the speed.
const LAG_WORTH_SAYING: u64 = 15 * 60;

#[derive(Debug, Default)]
pub struct Stats {
    // The replay, this run.
    pub rows_read: AtomicU64,
    pub rows_unreadable: AtomicU64,
    pub rows_skipped: AtomicU64,
    pub reports_sent: AtomicU64,
    pub reports_accepted: AtomicU64,
    /// Accepted earlier (an earlier run): the intake answered from its idempotency record.
    pub reports_replayed: AtomicU64,
    pub rejected_no_location: AtomicU64,
    pub rejected_outside: AtomicU64,
    pub rejected_other: AtomicU64,
    /// The report could not be delivered at all (the service did not answer).
    pub report_failures: AtomicU64,
    // The case log, all runs.
    pub cases_reported: AtomicU64,
    pub cases_dispatched: AtomicU64,
    pub tasks_acknowledged: AtomicU64,
    pub escalations: AtomicU64,
    pub reassignments: AtomicU64,
    pub arrests: AtomicU64,
    pub property_returned: AtomicU64,
    pub cleared: AtomicU64,
    pub closed: AtomicU64,
    // The simulated squads and dispatchers, this run.
    pub commands_sent: AtomicU64,
    /// Refused with a problem (409 because the case was resolved meanwhile, ...): expected now and then.
    pub commands_refused: AtomicU64,
    pub command_failures: AtomicU64,
    /// Task lifecycles and resolutions still waiting to act.
    pub active: AtomicI64,
    /// Report-to-dispatch time in real microseconds, since the last summary.
    dispatch_micros: AtomicU64,
    dispatch_samples: AtomicU64,
    /// How far (simulated seconds) reports went out after their thefts' times, at most, since the
    /// last summary: a simulator that cannot keep up with `--speed` falls behind.
    report_lag_seconds: AtomicU64,
    pub replay_done: AtomicBool,
}

pub fn inc(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

pub fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// The case log's clearance figure, as `GET /api/v1/stats/clearance` answers it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clearance {
    pub window_over_24h: u64,
    pub share_within_24h: Option<f64>,
}

impl Stats {
    pub fn observe_dispatch(&self, real_seconds: f64) {
        let micros = (real_seconds.max(0.0) * 1e6) as u64;
        self.dispatch_micros.fetch_add(micros, Ordering::Relaxed);
        self.dispatch_samples.fetch_add(1, Ordering::Relaxed);
    }

    /// The mean report-to-dispatch time since the last call, in real milliseconds.
    pub fn take_dispatch_mean_ms(&self) -> Option<f64> {
        let micros = self.dispatch_micros.swap(0, Ordering::Relaxed);
        let samples = self.dispatch_samples.swap(0, Ordering::Relaxed);
        (samples > 0).then(|| micros as f64 / samples as f64 / 1000.0)
    }

    pub fn observe_report_lag(&self, simulated_seconds: i64) {
        let lag = simulated_seconds.max(0) as u64;
        self.report_lag_seconds.fetch_max(lag, Ordering::Relaxed);
    }

    /// The largest report lag since the last call, in simulated seconds.
    pub fn take_report_lag(&self) -> u64 {
        self.report_lag_seconds.swap(0, Ordering::Relaxed)
    }

    /// One line: simulated time, the replay, the case log, clearance within 24 hours.
    pub fn line(
        &self,
        now: DateTime<Utc>,
        dispatch_ms: Option<f64>,
        clearance: Option<Clearance>,
        lag_seconds: u64,
    ) -> String {
        let dispatch = dispatch_ms.map_or_else(String::new, |ms| format!(" in {ms:.1} ms"));
        let share = match clearance {
            Some(Clearance {
                window_over_24h,
                share_within_24h: Some(share),
            }) => format!("{:.1}% of {window_over_24h}", share * 100.0),
            Some(_) => "-".into(),
            None => "n/a".into(),
        };
        // Reports an earlier run already made (resending the last hour before a restart).
        let repeated = match get(&self.reports_replayed) {
            0 => String::new(),
            n => format!(", repeated {n}"),
        };
        let mut line = format!(
            "{} | reports {} (ok {}{repeated}, no location {}, outside {}) | dispatched {}{} | \
             acked {} | escalated {} | cleared {} | closed {} | cleared in 24h {}",
            now.format("%Y-%m-%d %H:%M"),
            get(&self.reports_sent),
            get(&self.reports_accepted),
            get(&self.rejected_no_location),
            get(&self.rejected_outside),
            get(&self.cases_dispatched),
            dispatch,
            get(&self.tasks_acknowledged),
            get(&self.escalations),
            get(&self.cleared),
            get(&self.closed),
            share,
        );
        let refused = get(&self.commands_refused);
        let failed =
            get(&self.rejected_other) + get(&self.report_failures) + get(&self.command_failures);
        if refused > 0 {
            line.push_str(&format!(" | refused {refused}"));
        }
        if failed > 0 {
            line.push_str(&format!(" | errors {failed}"));
        }
        if lag_seconds >= LAG_WORTH_SAYING {
            line.push_str(&format!(
                " | reports {}h{:02}m late: lower --speed",
                lag_seconds / 3600,
                lag_seconds % 3600 / 60
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_reads_plainly() {
        let stats = Stats::default();
        for _ in 0..3 {
            inc(&stats.reports_sent);
        }
        inc(&stats.reports_accepted);
        inc(&stats.rejected_no_location);
        inc(&stats.rejected_outside);
        stats.observe_dispatch(0.002);
        stats.observe_dispatch(0.004);
        let at = "2016-01-02T03:04:05Z".parse().unwrap();
        let ms = stats.take_dispatch_mean_ms();
        let line = stats.line(
            at,
            ms,
            Some(Clearance {
                window_over_24h: 40,
                share_within_24h: Some(0.125),
            }),
            0,
        );
        assert!(
            line.starts_with("2016-01-02 03:04 | reports 3 (ok 1, no location 1, outside 1)"),
            "{line}"
        );
        assert!(line.contains("dispatched 0 in 3.0 ms"), "{line}");
        assert!(line.contains("cleared in 24h 12.5% of 40"), "{line}");
        assert_eq!(
            stats.take_dispatch_mean_ms(),
            None,
            "the mean restarts after each summary"
        );
        assert!(!line.contains("--speed"), "{line}");
        stats.observe_report_lag(5400);
        stats.observe_report_lag(60);
        let lag = stats.take_report_lag();
        assert_eq!(lag, 5400);
        assert!(
            stats
                .line(at, None, None, lag)
                .ends_with("| reports 1h30m late: lower --speed")
        );
    }
}

//! The load tool: `quickclear loadtest`, or [`run`] from a test.
//!
//! It connects as the terminal of every unit (one server-sent-events feed each), then files reports
//! at a fixed rate with an open-loop scheduler (each POST fires at its scheduled instant whatever
//! the earlier ones are doing), and for each accepted report measures the time from the POST to
//! each of its three tasks reaching a terminal. Nothing is sampled: every delivery is counted.
//!
//! - [`run`]: drives one run and returns a [`Report`] (sent, accepted, expected, delivered, lost,
//!   duplicated, the latency percentiles, the accepted case ids).
//! - [`cli`]: what `quickclear loadtest` does: run, print the table, write the JSON, and fail when a
//!   task was lost or duplicated.
//! - `tally`: the accounting (what counts as delivered, lost, duplicated, reassigned); pure.
//! - `stats`: nearest-rank percentiles; pure.
//! - `sse`: the server-sent-events parser; pure.
//! - `promtext`: the services' own `/metrics` histograms, diffed across the run; pure.
//! - `engine`: the feeds, the scheduler, the POSTs and acknowledgements.
//! - `places`: where the thefts happen (around the district stations).
//! - [`auth`]: signing in (a token, or a username and password; the demo's admin by default). The
//!   load tool follows every unit's feed and acknowledges its tasks, so it signs in as an admin.
//!
//! Latency is measured from the instant the POST is handed to the HTTP client (after the body is
//! serialized) to the instant the feed chunk carrying the task is read; both are this process's
//! monotonic clock. How late each POST started against its schedule is reported separately as the
//! send lag, so a load tool that cannot keep up shows itself instead of hiding queueing.

pub mod auth;
mod engine;
pub mod places;
pub mod promtext;
pub mod sse;
pub mod stats;
pub mod tally;

pub use engine::run;

use anyhow::{Context, bail};
use quickclear_schemas::CaseId;
use serde::Serialize;
use stats::Summary;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// The units of the demo city (`crates/roster/src/demo.rs`) and of `infra/roster/chicago.toml`:
/// every precinct number a Chicago district could have, and the squads' teams. Units the server
/// does not know are skipped when this default list is used.
pub fn demo_units() -> Vec<String> {
    let mut units: Vec<String> = (1..=25).map(|d| format!("D{d:03}")).collect();
    units.push("D031".into());
    units.extend((1..=4).map(|n| format!("PROP-{n}")));
    units.extend((1..=3).map(|n| format!("SCENE-{n}")));
    units
}

/// One run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where intake listens (`POST /api/v1/reports`), e.g. `http://127.0.0.1:8080`.
    pub target: String,
    /// Where the squads serve the feeds and take the acknowledgements; empty means the target.
    /// Several when the squads run as separate processes: each unit goes to the first that serves it.
    pub feeds: Vec<String>,
    /// Reports per second.
    pub rate: f64,
    /// How long to file reports.
    pub duration: Duration,
    /// The units to follow; empty means [`demo_units`], skipping those the server does not serve.
    pub units: Vec<String>,
    /// How long to wait after the last answer for deliveries still on their way.
    pub drain: Duration,
    /// Acknowledge each task as it arrives (no escalation then muddles the numbers).
    pub ack: bool,
    /// Base URLs whose `/metrics` histograms are diffed across the run (empty: none).
    pub metrics: Vec<String>,
    /// Seed for the places; the same seed files the same places.
    pub seed: u64,
    /// Progress lines on stderr.
    pub verbose: bool,
    /// The session token every request carries (`Authorization: Bearer`); `None` sends none.
    pub token: Option<String>,
}

impl Config {
    /// 100 reports/s for 10 s against `target`, following the demo units, draining 10 s.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            feeds: Vec::new(),
            rate: 100.0,
            duration: Duration::from_secs(10),
            units: Vec::new(),
            drain: Duration::from_secs(10),
            ack: false,
            metrics: Vec::new(),
            seed: 1,
            verbose: false,
            token: None,
        }
    }
}

/// The latency summaries, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencyReport {
    /// From each report's POST to each of its tasks' first delivery on a terminal.
    pub each: Summary,
    /// The same, per task kind.
    pub by_task: BTreeMap<String, Summary>,
    /// From each report's POST to the last of its three deliveries (cases with all three).
    pub all_three: Summary,
    /// The POST's own round trip, to the `201`.
    pub post: Summary,
    /// How late each POST started against its schedule (the load tool's own lag).
    pub send_lag: Summary,
}

/// A task that never reached a terminal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LostTask {
    pub case_id: CaseId,
    pub task: String,
    pub precinct: String,
}

/// What a run saw.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub target: String,
    pub feeds: Vec<String>,
    pub rate: f64,
    pub duration_s: f64,
    /// Reports sent per second of sending, as achieved.
    pub achieved_rate: f64,
    pub ack: bool,
    /// The units whose feeds were followed.
    pub units: Vec<String>,
    /// Units of the default list that the server does not serve.
    pub skipped_units: Vec<String>,
    pub sent: u64,
    /// `201 Created`.
    pub accepted: u64,
    /// Answered with a 4xx (the report was refused).
    pub rejected: u64,
    /// No answer, a 5xx, or an unreadable answer.
    pub failed: u64,
    /// Three per accepted report.
    pub expected: u64,
    /// Distinct (case, task) delivered to some unit's terminal.
    pub delivered: u64,
    /// Expected minus delivered.
    pub lost: u64,
    /// The same assignment received again.
    pub duplicated: u64,
    /// A task delivered again to another unit after a missed acknowledgement (not a duplicate).
    pub reassigned: u64,
    /// `task_withdrawn` items for this run's cases.
    pub withdrawn: u64,
    /// Assignments of a task kind that is not precinct, property or scene.
    pub unexpected: u64,
    pub acks_ok: u64,
    pub acks_failed: u64,
    /// Feed connections made again after one dropped.
    pub feed_reconnects: u64,
    pub latency_ms: LatencyReport,
    /// The services' histograms over the run (from `/metrics`).
    pub server: Vec<promtext::ServerSeries>,
    /// Up to ten lost tasks, to chase in the case log.
    pub lost_examples: Vec<LostTask>,
    /// The first few errors (failed POSTs, refused reports, unreadable feed items).
    pub errors: Vec<String>,
    /// The accepted cases (left out of the JSON file: there are many).
    #[serde(skip)]
    pub case_ids: Vec<CaseId>,
}

impl Report {
    /// Nothing lost, nothing duplicated.
    pub fn ok(&self) -> bool {
        self.lost == 0 && self.duplicated == 0
    }

    /// The table `quickclear loadtest` prints.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "quickclear loadtest: {}/s for {:.1}s against {} (feeds {}, {} units, ack {})",
            self.rate,
            self.duration_s,
            self.target,
            self.feeds.join(","),
            self.units.len(),
            if self.ack { "on" } else { "off" }
        );
        let rows: [(&str, u64); 13] = [
            ("sent", self.sent),
            ("accepted", self.accepted),
            ("rejected", self.rejected),
            ("failed", self.failed),
            ("tasks expected", self.expected),
            ("delivered", self.delivered),
            ("lost", self.lost),
            ("duplicated", self.duplicated),
            ("reassigned", self.reassigned),
            ("withdrawn", self.withdrawn),
            ("acks ok", self.acks_ok),
            ("acks failed", self.acks_failed),
            ("feed reconnects", self.feed_reconnects),
        ];
        for (name, value) in rows {
            let _ = writeln!(out, "  {name:<16} {value:>9}");
        }
        let _ = writeln!(
            out,
            "  {:<16} {:>9.1}/s",
            "achieved rate", self.achieved_rate
        );
        let _ = writeln!(
            out,
            "\n  {:<22} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "latency (ms)", "count", "p50", "p90", "p99", "max", "mean"
        );
        let l = &self.latency_ms;
        let mut line = |name: &str, s: &Summary| {
            let _ = writeln!(
                out,
                "  {name:<22} {:>7} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                s.count, s.p50, s.p90, s.p99, s.max, s.mean
            );
        };
        line("POST -> each task", &l.each);
        for (task, s) in &l.by_task {
            line(&format!("  {task}"), s);
        }
        line("POST -> all three", &l.all_three);
        line("POST -> 201", &l.post);
        line("send lag", &l.send_lag);
        if !self.server.is_empty() {
            let _ = writeln!(
                out,
                "\n  {:<62} {:>7} {:>8} {:>8} {:>8}",
                "server histograms over the run (ms)", "count", "mean", "~p50", "~p99"
            );
            for s in &self.server {
                let name = format!("{}{{{}}}", s.metric, s.labels);
                let _ = writeln!(
                    out,
                    "  {name:<62} {:>7} {:>8.3} {:>8.3} {:>8.3}",
                    s.count, s.mean_ms, s.p50_ms, s.p99_ms
                );
            }
        }
        if !self.skipped_units.is_empty() {
            let _ = writeln!(
                out,
                "\n  units not served there (skipped): {}",
                self.skipped_units.join(" ")
            );
        }
        for lost in &self.lost_examples {
            let _ = writeln!(
                out,
                "  lost: case {} task {} (precinct {})",
                lost.case_id, lost.task, lost.precinct
            );
        }
        for error in &self.errors {
            let _ = writeln!(out, "  error: {error}");
        }
        out
    }
}

/// `quickclear loadtest`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Where intake listens (POST /api/v1/reports).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    pub target: String,
    /// Where the squads serve the terminal feeds (default: the target); a comma-separated list
    /// when the squads run as separate processes.
    #[arg(long, value_name = "URL", value_delimiter = ',')]
    pub feeds: Vec<String>,
    /// Reports per second.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// How long to file reports: 15s, 500ms, 2m (a bare number is seconds).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// The units to follow, comma-separated (default: the demo city's, skipping unknown ones).
    #[arg(long, value_delimiter = ',')]
    pub units: Vec<String>,
    /// How long to wait for deliveries still on their way after the last answer.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub drain: Duration,
    /// Acknowledge each task on receipt, so no task is escalated during the run.
    #[arg(long)]
    pub ack: bool,
    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Base URLs whose /metrics histograms to diff across the run (default: the target and the
    /// feeds); `none` for none.
    #[arg(long, value_name = "URL", value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Seed for the report places.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub credentials: auth::Credentials,
}

impl Args {
    pub fn config(&self) -> Config {
        let metrics = match self.metrics.as_slice() {
            [] => {
                let mut urls = vec![self.target.clone()];
                urls.extend(self.feeds.iter().cloned());
                urls.dedup();
                urls
            }
            [none] if none == "none" => Vec::new(),
            urls => urls.to_vec(),
        };
        Config {
            target: self.target.clone(),
            feeds: self.feeds.clone(),
            rate: self.rate,
            duration: self.duration,
            units: self.units.clone(),
            drain: self.drain,
            ack: self.ack,
            metrics,
            seed: self.seed,
            verbose: true,
            token: None,
        }
    }
}

/// Runs, prints the table, writes the JSON; an error when anything was lost or duplicated.
pub async fn cli(args: Args) -> anyhow::Result<()> {
    let mut config = args.config();
    config.token = Some(args.credentials.token(&args.target).await?);
    let report = run(config).await?;
    print!("{}", report.table());
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("  results written to {}", path.display());
    }
    if !report.ok() {
        bail!(
            "{} task(s) lost and {} duplicated",
            report.lost,
            report.duplicated
        );
    }
    if report.accepted == 0 {
        bail!("no report was accepted: nothing was measured");
    }
    Ok(())
}

/// `15s`, `500ms`, `2m`, `1.5s`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("not a duration: {text} (use 15s, 500ms, 2m)"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("not a duration: {text}"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn the_demo_units() {
        let units = demo_units();
        assert_eq!(units.len(), 26 + 4 + 3);
        assert!(units.contains(&"D031".to_owned()));
        assert!(units.contains(&"SCENE-3".to_owned()));
    }

    #[test]
    fn metrics_default_to_the_target_and_feeds() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = Cli::parse_from(["x", "--rate", "500", "--duration", "15s", "--ack"]);
        let config = cli.args.config();
        assert_eq!(config.metrics, vec!["http://127.0.0.1:8080".to_owned()]);
        assert_eq!(config.rate, 500.0);
        assert!(config.ack);
        let cli = Cli::parse_from(["x", "--metrics", "none"]);
        assert!(cli.args.config().metrics.is_empty());
    }
}

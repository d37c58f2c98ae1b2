//! `quickclear up --demo`: the real 2016 Chicago thefts replayed against the running services, with
//! simulated squads and a simulated dispatcher, on a clock that runs `--speed` times as fast as real
//! time (600 by default: ten simulated hours a real minute).
//!
//! The simulator is a client like any other: it reports thefts and sends the squads' commands over
//! the services' HTTP API, and learns of assignments by following the case log in-process. Every
//! service runs on the same simulated clock, so acknowledgement timers and the 24-hour clearance
//! window run at demo speed too.
//!
//! The thefts' times are Chicago local time without a zone; the demo reads them as UTC (simulated
//! 2016-01-01T00:00:00Z is midnight in Chicago), which keeps the arithmetic plain and changes no
//! figure the demo shows.
//!
//! - [`thefts`]: the theft file, streamed, and what a report says (offence, value, item).
//! - [`reports`]: the replay: each theft reported when the clock reaches it, with its record id as
//!   the `Idempotency-Key`.
//! - [`squads`]: the simulated units' task lifecycles and the dispatcher's resolutions.
//! - [`cameras`]: the camera registry the property squad's video reviews name.
//! - [`patrols`]: each precinct's patrol car touring its territory and posting its position, so
//!   the weekly patrol-gap review has patrol data.
//! - [`api`]: the HTTP client (bounded requests in flight, retries of idempotent requests).
//! - [`sessions`]: the accounts the simulator acts as (each unit's squad account, a dispatcher).
//! - [`stats`]: the counters and the summary line printed every two seconds.
//! - [`rng`]: SplitMix64, seeded per theft and per task, so runs are reproducible.
//!
//! A second run on the same `--data-dir` resumes: the clock starts just after the last recorded
//! event, the thefts before it are not reported again, and cases left open are worked on.

pub mod api;
pub mod cameras;
pub mod patrols;
pub mod reports;
pub mod rng;
pub mod sessions;
pub mod squads;
pub mod stats;
pub mod thefts;

use crate::app::Application;
use crate::demo::api::Api;
use crate::demo::cameras::Cameras;
use crate::demo::reports::{Devices, Replay};
use crate::demo::sessions::Sessions;
use crate::demo::squads::Squads;
use crate::demo::stats::{Clearance, Stats, get};
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::StreamExt;
use quickclear_access::Access;
use quickclear_eventstore::{Delivery, EventStore};
use quickclear_platform::{Clock, Consistency};
use quickclear_roster::Roster;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Where the replay starts: the first instant of 2016 (Chicago local time, read as UTC).
pub fn replay_origin() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2016, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date")
        .and_utc()
}

/// Thefts this long before an earlier run's last event are taken as reported; later ones are sent
/// again (the intake answers a repeated `Idempotency-Key` with the case it opened, writing nothing).
const RESUME_MARGIN: Duration = Duration::hours(1);

/// Where a demo run starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Start {
    /// What the simulated clock shows when the run begins.
    pub origin: DateTime<Utc>,
    /// The time of the last event recorded by an earlier run, if the store holds any.
    pub resumed_after: Option<DateTime<Utc>>,
}

impl Start {
    /// 2016-01-01T00:00:00Z on an empty store; otherwise just after the last recorded event.
    pub async fn find(store: &dyn EventStore) -> anyhow::Result<Self> {
        let head = store
            .head()
            .await
            .context("cannot read the case log's head")?;
        let mut last = None;
        if head > 0 {
            // The first delivery after `head - 1` is the last commit.
            let mut log = store.subscribe(head - 1).await?;
            if let Some(Delivery::Commit(commit)) = log.next().await.transpose()? {
                last = commit.events.iter().map(|e| e.recorded_at).max();
            }
        }
        Ok(match last {
            Some(at) => Self {
                origin: at + Duration::seconds(1),
                resumed_after: Some(at),
            },
            None => Self {
                origin: replay_origin(),
                resumed_after: None,
            },
        })
    }

    /// The thefts before this time were reported by an earlier run.
    pub fn skip_before(&self) -> Option<DateTime<Utc>> {
        self.resumed_after.map(|at| at - RESUME_MARGIN)
    }

    /// The demo clock: from `origin`, `speed` times as fast as real time.
    pub fn clock(&self, speed: f64) -> anyhow::Result<Clock> {
        if !(speed.is_finite() && speed > 0.0) {
            bail!("--speed must be a positive number (simulated seconds per real second)");
        }
        Ok(Clock::scaled(self.origin, speed))
    }
}

/// How a demo runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The folder holding the theft file and the camera registry.
    pub shared_data: PathBuf,
    /// Seeds every random choice: the same seed gives the same reports and the same plans.
    pub seed: u64,
    /// Thefts at or after this time are not replayed (tests replay a day or two).
    pub until: Option<DateTime<Utc>>,
    /// Thefts before this time are not reported (an earlier run did): see [`Start::skip_before`].
    pub skip_before: Option<DateTime<Utc>>,
    /// The dispatcher's acknowledgement window: simulated units answer inside it (but for the few
    /// that never answer).
    pub ack_window: Duration,
    /// Print a summary line this often (real time); `None` prints nothing.
    pub summary_every: Option<std::time::Duration>,
}

impl Options {
    pub fn new(shared_data: PathBuf) -> Self {
        Self {
            shared_data,
            seed: 2016,
            until: None,
            skip_before: None,
            ack_window: Duration::seconds(60),
            summary_every: Some(std::time::Duration::from_secs(2)),
        }
    }
}

/// A running demo. Dropping it leaves the simulation running with the process.
pub struct Demo {
    stats: Arc<Stats>,
    replay: Option<JoinHandle<()>>,
}

impl Demo {
    /// Starts the replay, the simulated squads and the summary, against the services of `app`,
    /// signed in as accounts of `access`; the simulators follow `app`'s case log under its
    /// supervision. Fails when the theft file cannot be opened or the users file lacks the accounts
    /// the simulator acts as.
    pub fn start(
        app: &Application,
        roster: &Roster,
        access: &Arc<Access>,
        clock: Clock,
        options: Options,
    ) -> anyhow::Result<Self> {
        let rows = thefts::stream(&options.shared_data.join(thefts::FILE_NAME))?;
        let cameras = match Cameras::load(&options.shared_data.join(cameras::FILE_NAME)) {
            Ok(cameras) => cameras,
            Err(error) => {
                tracing::warn!(%error, "demo: no camera registry; video reviews will name no camera");
                Cameras::default()
            }
        };
        let sessions = Sessions::new(access.clone(), roster)?;
        let api = Api::new(format!("http://{}", reachable(app.local_addr())), sessions)?;
        let stats = Arc::new(Stats::default());
        let arrests = reports::Arrests::default();
        let squads = Arc::new(Squads {
            api: api.clone(),
            clock,
            stats: stats.clone(),
            seed: options.seed,
            cameras: Arc::new(cameras),
            arrests: arrests.clone(),
            ack_seconds: Squads::ack_seconds_for(options.ack_window),
        });
        let replay = Replay {
            api: api.clone(),
            devices: Devices::of(roster),
            clock,
            stats: stats.clone(),
            seed: options.seed,
            until: options.until,
            skip_before: options.skip_before,
            arrests,
        };
        patrols::start(
            api.clone(),
            clock,
            (&app.health, &app.supervisor),
            roster,
            options.seed,
            options.until,
        );
        // The squads start once the replay has read past the thefts an earlier run reported, so the
        // open cases they pick up know whether an arrest is due.
        let (ready, squads_may_start) = oneshot::channel();
        let health = app.health.clone();
        app.supervisor.spawn("demo squads", async move {
            let _ = squads_may_start.await;
            squads
                .follow(health.follow("demo squads", Consistency::Durable))
                .await;
        });
        let replay = tokio::spawn(replay.run(rows, ready));
        if let Some(every) = options.summary_every {
            println!(
                "demo: replaying the 2016 Chicago thefts at {}x from {} (Chicago local time read as UTC); \
                 cases at {}/api/v1/cases, clearance at {}/api/v1/stats/clearance?group_by=week; Ctrl-C stops",
                clock.speed(),
                clock.now().format("%Y-%m-%d %H:%M"),
                api.base(),
                api.base(),
            );
            tokio::spawn(summarize(stats.clone(), api, clock, every));
        }
        Ok(Self {
            stats,
            replay: Some(replay),
        })
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Waits until every theft has been reported and answered (the squads may still be working).
    pub async fn replay_finished(&mut self) {
        if let Some(replay) = self.replay.take() {
            let _ = replay.await;
        }
    }
}

/// The address to call the services at: a listener on every interface is reachable on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

/// Prints the summary line until the replay is over and no simulated actor has anything left to do.
async fn summarize(stats: Arc<Stats>, api: Api, clock: Clock, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let clearance = clearance(&api).await;
        println!(
            "{}",
            stats.line(
                clock.now(),
                stats.take_dispatch_mean_ms(),
                clearance,
                stats.take_report_lag()
            )
        );
        if stats.replay_done.load(Ordering::Acquire) && stats.active.load(Ordering::Relaxed) <= 0 {
            println!(
                "demo: the replay is over ({} thefts read, {} reported, {} rejected without a location, \
                 {} outside every precinct, {} unreadable rows; {} arrests, property returned in {} \
                 cases); the services keep running until Ctrl-C",
                get(&stats.rows_read),
                get(&stats.reports_sent),
                get(&stats.rejected_no_location),
                get(&stats.rejected_outside),
                get(&stats.rows_unreadable),
                get(&stats.arrests),
                get(&stats.property_returned),
            );
            return;
        }
    }
}

/// The case log's share cleared within 24 hours, over every case.
async fn clearance(api: &Api) -> Option<Clearance> {
    let stats = api.get("/api/v1/stats/clearance").await.ok()?;
    let Some(all) = stats["groups"].as_array().and_then(|g| g.first()) else {
        return Some(Clearance::default());
    };
    Some(Clearance {
        window_over_24h: all["window_over_24h"].as_u64().unwrap_or(0),
        share_within_24h: all["share_within_24h"].as_f64(),
    })
}

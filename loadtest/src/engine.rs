//! The moving parts: one task per feed, the open-loop scheduler, a task per POST and acknowledgement.

use crate::places::{Rng, random_place};
use crate::promtext::{self, Histograms};
use crate::sse::SseParser;
use crate::stats::Summary;
use crate::tally::{Receipt, Tally};
use crate::{Config, LatencyReport, LostTask, Report, demo_units};
use anyhow::{Context, bail};
use chrono::Utc;
use futures::StreamExt;
use quickclear_schemas::message::{
    ItemInput, LocationInput, OccurredInput, ReportAccepted, ReportRequest, TaskAction,
    TaskCommandRequest,
};
use quickclear_schemas::report::Offence;
use quickclear_schemas::{CaseId, CommandId, UnitId};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use uuid::Uuid;

const MAX_ERRORS: usize = 10;
const OFFENCES: [Offence; 7] = [
    Offence::Shoplifting,
    Offence::Pickpocketing,
    Offence::PurseSnatching,
    Offence::TheftFromBuilding,
    Offence::TheftFromVehicle,
    Offence::BicycleTheft,
    Offence::OtherTheft,
];

/// What the load tool reads of a feed item: the routing, not the report it carries.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FeedView {
    TaskAssigned {
        case_id: Uuid,
        task: String,
        unit: String,
        escalated_from: Option<String>,
    },
    TaskWithdrawn {
        case_id: Uuid,
    },
    #[serde(other)]
    Other,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    acks_ok: AtomicU64,
    acks_failed: AtomicU64,
    acks_in_flight: AtomicU64,
    reconnects: AtomicU64,
}

#[derive(Default)]
struct Timings {
    post: Vec<Duration>,
    send_lag: Vec<Duration>,
}

/// What every task of a run shares.
struct Shared {
    tally: Mutex<Tally>,
    counters: Counters,
    timings: Mutex<Timings>,
    errors: Mutex<Vec<String>>,
    client: Client,
    ack: bool,
    /// Where each unit's commands go (the process serving its feed).
    unit_base: Mutex<std::collections::HashMap<String, String>>,
}

impl Shared {
    fn error(&self, message: String) {
        let mut errors = self.errors.lock().expect("errors lock");
        if errors.len() < MAX_ERRORS {
            errors.push(message);
        }
    }

    fn item(self: &Arc<Self>, data: &str, at: Instant) {
        match serde_json::from_str::<FeedView>(data) {
            Ok(FeedView::TaskAssigned {
                case_id,
                task,
                unit,
                escalated_from,
            }) => {
                let receipt = Receipt {
                    task: task.clone(),
                    unit: unit.clone(),
                    escalated_from,
                    at,
                };
                let ours = self
                    .tally
                    .lock()
                    .expect("tally lock")
                    .assigned(case_id, receipt);
                if ours {
                    self.acknowledge(case_id, task, unit);
                }
            }
            Ok(FeedView::TaskWithdrawn { case_id }) => {
                self.tally.lock().expect("tally lock").withdrawn(case_id);
            }
            Ok(FeedView::Other) => {}
            Err(error) => self.error(format!("unreadable feed item: {error}")),
        }
    }

    fn acknowledge(self: &Arc<Self>, case_id: Uuid, task: String, unit: String) {
        if !self.ack {
            return;
        }
        let Some(base) = self
            .unit_base
            .lock()
            .expect("units lock")
            .get(&unit)
            .cloned()
        else {
            return;
        };
        self.counters.acks_in_flight.fetch_add(1, Ordering::Relaxed);
        let shared = self.clone();
        tokio::spawn(async move {
            let url = format!("{base}/api/v1/cases/{case_id}/tasks/{task}/commands");
            let body = TaskCommandRequest {
                command_id: CommandId::random(),
                unit: UnitId::new(unit),
                action: TaskAction::Acknowledge,
            };
            let result = shared.client.post(&url).json(&body).send().await;
            match result {
                Ok(response) if response.status().is_success() => {
                    shared.counters.acks_ok.fetch_add(1, Ordering::Relaxed);
                }
                Ok(response) => {
                    shared.counters.acks_failed.fetch_add(1, Ordering::Relaxed);
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    shared.error(format!("acknowledgement refused: {status} {text}"));
                }
                Err(error) => {
                    shared.counters.acks_failed.fetch_add(1, Ordering::Relaxed);
                    shared.error(format!("acknowledgement failed: {}", chain(&error)));
                }
            }
            shared
                .counters
                .acks_in_flight
                .fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Drives one run: connect every feed, file reports for the duration, drain, count.
pub async fn run(config: Config) -> anyhow::Result<Report> {
    if !(config.rate.is_finite() && config.rate > 0.0) {
        bail!("the rate must be a positive number of reports per second");
    }
    if config.duration.is_zero() {
        bail!("the duration must be positive");
    }
    let target = config.target.trim_end_matches('/').to_owned();
    let feeds: Vec<String> = if config.feeds.is_empty() {
        vec![target.clone()]
    } else {
        config
            .feeds
            .iter()
            .map(|f| f.trim_end_matches('/').to_owned())
            .collect()
    };
    let mut headers = HeaderMap::new();
    if let Some(token) = &config.token {
        let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .context("the session token is not a valid header value")?;
        headers.insert(AUTHORIZATION, bearer);
    }
    let client = Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .default_headers(headers.clone())
        .build()?;
    let feed_client = Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        .default_headers(headers)
        .build()?;
    let shared = Arc::new(Shared {
        tally: Mutex::new(Tally::new()),
        counters: Counters::default(),
        timings: Mutex::default(),
        errors: Mutex::default(),
        client: client.clone(),
        ack: config.ack,
        unit_base: Mutex::default(),
    });
    let say = |line: String| {
        if config.verbose {
            eprintln!("loadtest: {line}");
        }
    };

    // 1. Every terminal first, so no delivery happens before its feed is open.
    let discover = config.units.is_empty();
    let candidates = if discover {
        demo_units()
    } else {
        config.units.clone()
    };
    let connecting = candidates.iter().map(|unit| {
        let (client, feeds, unit) = (feed_client.clone(), feeds.clone(), unit.clone());
        async move {
            let mut last = None;
            for base in &feeds {
                match connect(&client, base, &unit, None).await {
                    Ok(response) => return (unit, Ok((base.clone(), response))),
                    Err(error) => last = Some(error),
                }
            }
            (unit, Err(last.expect("at least one feed URL")))
        }
    });
    let mut followers = JoinSet::new();
    let (mut units, mut skipped) = (Vec::new(), Vec::new());
    for (unit, connected) in futures::future::join_all(connecting).await {
        match connected {
            Ok((base, response)) => {
                shared
                    .unit_base
                    .lock()
                    .expect("units lock")
                    .insert(unit.clone(), base.clone());
                followers.spawn(follow(
                    feed_client.clone(),
                    base,
                    unit.clone(),
                    response,
                    shared.clone(),
                ));
                units.push(unit);
            }
            Err(FeedError::NotServed(_)) if discover => skipped.push(unit),
            Err(error) => bail!("cannot follow {unit}'s feed: {error}"),
        }
    }
    if units.is_empty() {
        bail!("no unit's feed could be followed at {}", feeds.join(", "));
    }
    say(format!(
        "following {} feeds ({}); filing {}/s for {:?}",
        units.len(),
        units.join(" "),
        config.rate,
        config.duration
    ));
    let before = scrape(&client, &config.metrics).await;

    // 2. The open-loop scheduler: the i-th report fires at start + i/rate, whatever came before.
    let total = (config.rate * config.duration.as_secs_f64())
        .round()
        .max(1.0) as u64;
    let interval = Duration::from_secs_f64(1.0 / config.rate);
    let url = format!("{target}/api/v1/reports");
    let mut rng = Rng::new(config.seed);
    let mut posts = JoinSet::new();
    let start = Instant::now() + Duration::from_millis(20);
    for i in 0..total {
        let scheduled = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let body = serde_json::to_vec(&report_request(&mut rng, i))?;
        posts.spawn(file(shared.clone(), url.clone(), body, scheduled));
        // Reap the finished ones as we go, so the set stays the size of what is in flight.
        while posts.try_join_next().is_some() {}
    }
    let sending = start.elapsed();
    while posts.join_next().await.is_some() {}
    let sent = shared.counters.sent.load(Ordering::Relaxed);
    say(format!(
        "sent {sent} in {:.2}s; waiting up to {:?} for the last deliveries",
        sending.as_secs_f64(),
        config.drain
    ));

    // 3. Drain: until every accepted report's three tasks arrived, or the drain time is up.
    let deadline = Instant::now() + config.drain;
    while Instant::now() < deadline {
        let outstanding = shared.tally.lock().expect("tally lock").outstanding();
        let acking = shared.counters.acks_in_flight.load(Ordering::Relaxed);
        if outstanding == 0 && acking == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    followers.abort_all();
    let after = scrape(&client, &config.metrics).await;

    let tally = shared.tally.lock().expect("tally lock");
    let counts = tally.counts();
    let latencies = tally.latencies();
    let timings = shared.timings.lock().expect("timings lock");
    let c = &shared.counters;
    let duration_s = config.duration.as_secs_f64();
    Ok(Report {
        target,
        feeds,
        rate: config.rate,
        duration_s,
        achieved_rate: sent as f64 / sending.as_secs_f64().max(1e-9),
        ack: config.ack,
        units,
        skipped_units: skipped,
        sent,
        accepted: counts.accepted,
        rejected: c.rejected.load(Ordering::Relaxed),
        failed: c.failed.load(Ordering::Relaxed),
        expected: counts.expected,
        delivered: counts.delivered,
        lost: counts.lost,
        duplicated: counts.duplicated,
        reassigned: counts.reassigned,
        withdrawn: counts.withdrawn,
        unexpected: counts.unexpected,
        acks_ok: c.acks_ok.load(Ordering::Relaxed),
        acks_failed: c.acks_failed.load(Ordering::Relaxed),
        feed_reconnects: c.reconnects.load(Ordering::Relaxed),
        latency_ms: LatencyReport {
            each: latencies.each,
            by_task: latencies.by_task,
            all_three: latencies.all_three,
            post: Summary::of(&timings.post),
            send_lag: Summary::of(&timings.send_lag),
        },
        server: match (before, after) {
            (Some(before), Some(after)) => promtext::delta(&before, &after),
            _ => Vec::new(),
        },
        lost_examples: counts
            .lost_examples
            .into_iter()
            .map(|(case, task, precinct)| LostTask {
                case_id: CaseId(case),
                task,
                precinct,
            })
            .collect(),
        errors: shared.errors.lock().expect("errors lock").clone(),
        case_ids: tally.cases().into_iter().map(CaseId).collect(),
    })
}

/// A report at a random place near a station, happening now.
fn report_request(rng: &mut Rng, i: u64) -> ReportRequest {
    let (district, lat, lng) = random_place(rng);
    ReportRequest {
        channel: None,
        occurred: OccurredInput {
            at: Some(Utc::now() - chrono::Duration::seconds(30)),
            from: None,
            to: None,
        },
        location: LocationInput {
            lat: Some(lat),
            lng: Some(lng),
            address: Some(format!("near the district {district} station")),
        },
        offence: OFFENCES[(i % OFFENCES.len() as u64) as usize],
        description: format!("load test report {i}"),
        items: vec![ItemInput {
            description: "phone".into(),
            value_cents: 50_000,
        }],
        reporter: None,
    }
}

/// One POST; its start instant is what the deliveries are measured from.
async fn file(shared: Arc<Shared>, url: String, body: Vec<u8>, scheduled: Instant) {
    let request = shared
        .client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    let started = Instant::now();
    shared.counters.sent.fetch_add(1, Ordering::Relaxed);
    let result = request.send().await;
    let answered = Instant::now();
    {
        let mut timings = shared.timings.lock().expect("timings lock");
        timings
            .send_lag
            .push(started.saturating_duration_since(scheduled));
    }
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            shared.counters.failed.fetch_add(1, Ordering::Relaxed);
            shared.error(format!("POST failed: {}", chain(&error)));
            return;
        }
    };
    let status = response.status();
    if status != StatusCode::CREATED {
        let counter = if status.is_client_error() {
            &shared.counters.rejected
        } else {
            &shared.counters.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let text = response.text().await.unwrap_or_default();
        shared.error(format!("POST answered {status}: {text}"));
        return;
    }
    match response.json::<ReportAccepted>().await {
        Ok(accepted) => {
            shared
                .timings
                .lock()
                .expect("timings lock")
                .post
                .push(answered - started);
            let early = shared.tally.lock().expect("tally lock").accepted(
                accepted.case_id.0,
                accepted.precinct.as_str(),
                started,
            );
            for (unit, task) in early {
                shared.acknowledge(accepted.case_id.0, task, unit);
            }
        }
        Err(error) => {
            shared.counters.failed.fetch_add(1, Ordering::Relaxed);
            shared.error(format!("unreadable 201: {}", chain(&error)));
        }
    }
}

/// An error and its causes, on one line (reqwest's own message leaves out why).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Debug)]
enum FeedError {
    /// 404: the server does not know the unit, or does not serve its kind.
    NotServed(String),
    Other(anyhow::Error),
}

impl std::fmt::Display for FeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedError::NotServed(text) => write!(f, "not served: {text}"),
            FeedError::Other(error) => write!(f, "{error:#}"),
        }
    }
}

async fn connect(
    client: &Client,
    base: &str,
    unit: &str,
    last_event_id: Option<&str>,
) -> Result<reqwest::Response, FeedError> {
    let mut request = client
        .get(format!("{base}/api/v1/units/{unit}/feed"))
        .header(reqwest::header::ACCEPT, "text/event-stream");
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))
        .map_err(FeedError::Other)?;
    match response.status() {
        StatusCode::OK => Ok(response),
        StatusCode::NOT_FOUND => Err(FeedError::NotServed(
            response.text().await.unwrap_or_default(),
        )),
        status => Err(FeedError::Other(anyhow::anyhow!(
            "{base} answered {status}: {}",
            response.text().await.unwrap_or_default()
        ))),
    }
}

/// Reads one unit's feed until aborted; a dropped connection is resumed with `Last-Event-ID`.
async fn follow(
    client: Client,
    base: String,
    unit: String,
    first: reqwest::Response,
    shared: Arc<Shared>,
) {
    let mut last_id: Option<String> = None;
    let mut response = Some(first);
    let mut backoff = Duration::from_millis(50);
    loop {
        let current = match response.take() {
            Some(r) => r,
            None => match connect(&client, &base, &unit, last_id.as_deref()).await {
                Ok(r) => {
                    shared.counters.reconnects.fetch_add(1, Ordering::Relaxed);
                    backoff = Duration::from_millis(50);
                    r
                }
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
        };
        let mut parser = SseParser::new();
        let mut chunks = current.bytes_stream();
        while let Some(Ok(chunk)) = chunks.next().await {
            let at = Instant::now();
            for event in parser.push(&chunk) {
                if event.id.is_some() {
                    last_id = event.id;
                }
                shared.item(&event.data, at);
            }
        }
        tokio::time::sleep(backoff).await;
    }
}

/// The quickclear histograms of every `/metrics` URL, merged; None if one cannot be read.
async fn scrape(client: &Client, bases: &[String]) -> Option<Histograms> {
    if bases.is_empty() {
        return None;
    }
    let mut all = Histograms::new();
    for base in bases {
        let url = format!("{}/metrics", base.trim_end_matches('/'));
        let text = client.get(&url).send().await.ok()?.text().await.ok()?;
        promtext::merge(&mut all, promtext::parse(&text, "quickclear_"));
    }
    Some(all)
}

//! Test support: the real application in-process on `127.0.0.1:0`, an SSE terminal, small HTTP helpers.

#![allow(dead_code)] // each test binary uses its own share of these helpers

pub mod processes;

use futures::StreamExt;
use quickclear::app::{Application, DEFAULT_CLEARANCE_TARGET, Parts};
use quickclear::listener::ConnectionLimits;
use quickclear::services::Service;
use quickclear_access::{Access, AccessConfig};
use quickclear_dispatch::DispatchConfig;
use quickclear_eventstore::EventStore;
use quickclear_eventstore::sqlite::SqliteStore;
use quickclear_platform::Clock;
use quickclear_roster::Roster;
use quickclear_schemas::bounds::DEFAULT_HORIZON;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

pub fn shared_data() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        dir.is_dir(),
        "shared data missing: expected {} beside the checkout",
        dir.display()
    );
    dir
}

pub fn roster() -> Arc<Roster> {
    static ROSTER: OnceLock<Arc<Roster>> = OnceLock::new();
    ROSTER
        .get_or_init(|| Arc::new(quickclear_roster::demo::chicago(&shared_data()).unwrap()))
        .clone()
}

/// The session secret of the tests' users file: processes of one test accept each other's sessions.
pub const TEST_SECRET: &str = "the tests' session secret, thirty-two characters or more";

/// The demo accounts (`infra/users/demo.toml`: dispatcher, analyst, admin, and `d001`, `prop-1`, ...
/// for every unit, all with the password `quickclear-demo`) with [`TEST_SECRET`].
pub fn users_toml() -> String {
    format!(
        "[session]\nsecret = \"{TEST_SECRET}\"\n\n{}",
        quickclear::cli::DEMO_USERS
    )
}

/// Access control as a process given [`users_toml`] has it.
pub fn access() -> Arc<Access> {
    let config = AccessConfig::parse(&users_toml()).unwrap();
    Arc::new(Access::new(&config, &roster()).unwrap())
}

/// A client that sends `token` as `Authorization: Bearer` with every request.
pub fn client_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A client signed in as `username` on any process given [`users_toml`] (a session opened
/// in-process: no password, no argon2).
pub fn client_as(access: &Access, username: &str) -> reqwest::Client {
    let issued = access.issue(username, chrono::Utc::now()).unwrap();
    client_with(&issued.token)
}

/// A running application on the embedded store. `http` is signed in as the admin.
pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn EventStore>,
    pub access: Arc<Access>,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// A client signed in as `username`.
    pub fn client_as(&self, username: &str) -> reqwest::Client {
        client_as(&self.access, username)
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(DispatchConfig::default()).await
}

pub async fn spawn_app_with(dispatch: DispatchConfig) -> TestApp {
    spawn_services(Service::all(), dispatch).await
}

pub async fn spawn_services(services: Vec<Service>, dispatch: DispatchConfig) -> TestApp {
    spawn_with_tiles(services, dispatch, None).await
}

/// As [`spawn_services`], with the maps' tile layer (`--tile-url`) when `tiles` is given.
pub async fn spawn_with_tiles(
    services: Vec<Service>,
    dispatch: DispatchConfig,
    tiles: Option<quickclear::roster_routes::Tiles>,
) -> TestApp {
    spawn_with(services, dispatch, tiles, DEFAULT_HORIZON).await
}

/// As [`spawn_app`], taking thefts back to 2016-01-01 (the default horizon is a year): for the
/// tests that report 2016's thefts on the real clock.
pub async fn spawn_app_taking_2016() -> TestApp {
    let since_2016 = chrono::Utc::now()
        - "2016-01-01T00:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap();
    let horizon = since_2016 + chrono::TimeDelta::days(1);
    spawn_with(Service::all(), DispatchConfig::default(), None, horizon).await
}

/// As [`spawn_services`], on another roster than the demo city's.
pub async fn spawn_with_roster(
    roster: Arc<Roster>,
    services: Vec<Service>,
    dispatch: DispatchConfig,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&log_file(&dir)).unwrap());
    let mut parts = parts(store, &dir, services);
    parts.roster = roster;
    parts.dispatch = dispatch;
    launch(parts, dir).await
}

async fn spawn_with(
    services: Vec<Service>,
    dispatch: DispatchConfig,
    tiles: Option<quickclear::roster_routes::Tiles>,
    occurred_horizon: chrono::TimeDelta,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&log_file(&dir)).unwrap());
    let mut parts = parts(store, &dir, services);
    parts.dispatch = dispatch;
    parts.tiles = tiles;
    parts.occurred_horizon = occurred_horizon;
    launch(parts, dir).await
}

/// The embedded store's file in a test's data directory.
pub fn log_file(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join(quickclear::cli::CASE_LOG_FILE)
}

/// The application on `store`, keeping its own files in `dir`.
pub async fn spawn_on(
    store: Arc<dyn EventStore>,
    dir: tempfile::TempDir,
    services: Vec<Service>,
    dispatch: DispatchConfig,
    tiles: Option<quickclear::roster_routes::Tiles>,
) -> TestApp {
    let mut parts = parts(store, &dir, services);
    parts.dispatch = dispatch;
    parts.tiles = tiles;
    launch(parts, dir).await
}

/// Every service under `connections`' timeouts and caps.
pub async fn spawn_with_limits(connections: ConnectionLimits) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&log_file(&dir)).unwrap());
    let mut parts = parts(store, &dir, Service::all());
    parts.connections = connections;
    launch(parts, dir).await
}

/// The application of `parts` on `127.0.0.1:0`, keeping its own files in `dir`.
async fn launch(parts: Parts, dir: tempfile::TempDir) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (store, access) = (parts.store.clone(), parts.access.clone());
    let app = Application::build(parts, listener);
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp {
        base,
        store,
        http: client_as(&access, "admin"),
        access,
        _dir: dir,
    }
}

/// What a process of `services` on `store` is made of, keeping its files in `dir`: the demo
/// roster, [`access`], the system clock, the default dispatch configuration, no tiles, the
/// production connection limits.
pub fn parts(store: Arc<dyn EventStore>, dir: &tempfile::TempDir, services: Vec<Service>) -> Parts {
    Parts {
        store,
        roster: roster(),
        access: access(),
        clock: Clock::system(),
        services,
        dispatch: DispatchConfig::default(),
        occurred_horizon: DEFAULT_HORIZON,
        clearance_target: DEFAULT_CLEARANCE_TARGET,
        tiles: None,
        data_dir: Some(dir.path().to_owned()),
        shared_data: Some(shared_data()),
        connections: ConnectionLimits::default(),
    }
}

/// 233 S Wacker Dr, in the 1st district.
pub fn report_body() -> Value {
    json!({
        "occurred": {"at": chrono::Utc::now().to_rfc3339()},
        "location": {"lat": 41.8789, "lng": -87.6359, "address": "233 S Wacker Dr"},
        "offence": "pickpocketing",
        "description": "wallet taken on the train platform",
        "items": [{"description": "wallet", "value_cents": 8000}],
        "reporter": {"name": "Ana Ruiz", "phone": "+1 312 555 0100"}
    })
}

/// Files [`report_body`] as the admin and waits until it is dispatched: its id and its case.
pub async fn dispatched_case(app: &TestApp) -> (String, Value) {
    let (status, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    assert_eq!(status, 201, "{accepted}");
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    let case = until_dispatched(app, &case_id).await;
    (case_id, case)
}

/// Waits until `case_id` is dispatched, and returns the case.
pub async fn until_dispatched(app: &TestApp, case_id: &str) -> Value {
    quickclear_testkit::eventually(
        "the case to be dispatched",
        Duration::from_secs(10),
        || async {
            let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
            (!case["dispatched_at"].is_null()).then_some(case)
        },
    )
    .await
}

/// What `GET /metrics` answers now.
pub async fn metrics_text(app: &TestApp) -> String {
    let metrics = app.http.get(format!("{}/metrics", app.base)).send().await;
    metrics.unwrap().text().await.unwrap()
}

/// The unit holding the case's task of `kind`.
pub fn unit_of(case: &Value, kind: &str) -> String {
    let tasks = case["tasks"].as_array().unwrap();
    let task = tasks.iter().find(|t| t["kind"] == kind).unwrap();
    task["unit"].as_str().unwrap().to_owned()
}

pub async fn post(http: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let response = http.post(url).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

pub async fn get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One received SSE event: its id (the log position) and its JSON data.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    pub id: u64,
    pub data: Value,
}

/// A terminal connected to a unit's feed; events arrive on a channel.
pub struct Terminal {
    pub events: mpsc::UnboundedReceiver<FeedEvent>,
}

impl Terminal {
    pub async fn connect(
        http: &reqwest::Client,
        base: &str,
        unit: &str,
        last_event_id: Option<u64>,
    ) -> Self {
        let mut request = http.get(format!("{base}/api/v1/units/{unit}/feed"));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        Self::open(request, &format!("feed of {unit}")).await
    }

    /// Any server-sent event stream (events without an id get id 0).
    pub async fn open(request: reqwest::RequestBuilder, what: &str) -> Self {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{what}");
        let (sender, events) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut bytes = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = bytes.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if let Some(event) = parse_event(&block)
                        && sender.send(event).is_err()
                    {
                        return;
                    }
                }
            }
        });
        Self { events }
    }

    /// The next event, or a panic naming what was awaited.
    pub async fn next(&mut self, what: &str) -> FeedEvent {
        tokio::time::timeout(Duration::from_secs(10), self.events.recv())
            .await
            .unwrap_or_else(|_| panic!("no feed event within 10 s: {what}"))
            .expect("feed open")
    }

    /// The next event about `case_id`, skipping others.
    pub async fn next_for(&mut self, case_id: &str) -> FeedEvent {
        loop {
            let event = self.next(case_id).await;
            if event.data["case_id"] == case_id {
                return event;
            }
        }
    }
}

fn parse_event(block: &str) -> Option<FeedEvent> {
    let mut id = None;
    let mut data = None;
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("data:") {
            data = serde_json::from_str(v.trim()).ok();
        }
    }
    Some(FeedEvent {
        id: id.unwrap_or(0),
        data: data?,
    })
}

/// `GET path` must be a 400 `invalid-query` problem whose first error names `parameter`.
pub async fn query_refused(app: &TestApp, path: &str, parameter: &str) -> Value {
    let response = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        problem["type"],
        "https://quickclear.dev/problems/invalid-query"
    );
    assert_eq!(
        problem["errors"][0]["field"], parameter,
        "{path}: {problem}"
    );
    problem
}

/// Sends a request and checks the answer is the named problem, and that the log did not move.
pub async fn refused(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    status: u16,
    problem: &str,
) -> Value {
    let head = app.store.head().await.unwrap();
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), status, "status for {problem}");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{problem}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["type"],
        format!("https://quickclear.dev/problems/{problem}"),
        "{body}"
    );
    assert_eq!(body["status"], status);
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "a detail says what is wrong"
    );
    assert_eq!(
        app.store.head().await.unwrap(),
        head,
        "{problem}: nothing written"
    );
    body
}

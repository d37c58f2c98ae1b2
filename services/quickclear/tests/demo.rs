//! `up --demo` in-process: the first day of 2016 replayed at 6 000x against the real services on a
//! temporary store, checked through the HTTP API.

use chrono::Duration;
use quickclear::app::{Application, DEFAULT_CLEARANCE_TARGET, Parts};
use quickclear::demo::stats::get;
use quickclear::demo::{Demo, Options, Start, replay_origin};
use quickclear::listener::ConnectionLimits;
use quickclear::services::Service;
use quickclear_access::{Access, AccessConfig};
use quickclear_dispatch::DispatchConfig;
use quickclear_eventstore::EventStore;
use quickclear_eventstore::sqlite::SqliteStore;
use quickclear_schemas::bounds::DEFAULT_HORIZON;
use quickclear_testkit::eventually;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A simulated day in under fifteen real seconds. Much faster and a debug build's store (an fsync
/// per commit group) falls behind the clock: units then answer late, escalations snowball, and the
/// test would measure the machine rather than the system.
const SPEED: f64 = 6_000.0;

fn shared_data() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        dir.join("chicago-theft-2016.csv.gz").is_file(),
        "the demo test needs the shared data: expected {} beside the checkout (with chicago-theft-2016.csv.gz)",
        dir.display()
    );
    dir
}

/// Rows before `until` (an ISO date-time prefix), and how many of them have no coordinates: read
/// here independently of the demo's own parser.
fn count_rows(data: &Path, until: &str) -> (u64, u64) {
    let file = std::fs::File::open(data.join("chicago-theft-2016.csv.gz")).unwrap();
    let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (at, lat, lng) = (
        column("occurred_at"),
        column("latitude"),
        column("longitude"),
    );
    let (mut rows, mut without) = (0, 0);
    for record in reader.records() {
        let record = record.unwrap();
        if &record[at] >= until {
            break;
        }
        rows += 1;
        if record[lat].is_empty() || record[lng].is_empty() {
            without += 1;
        }
    }
    (rows, without)
}

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let response = http.get(url).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_first_day_of_2016_becomes_dispatched_worked_and_cleared_cases() {
    let data = shared_data();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteStore::open(&dir.path().join("caselog.sqlite")).unwrap());
    let start = Start::find(&*store).await.unwrap();
    assert_eq!(
        start.origin,
        replay_origin(),
        "an empty store starts in 2016"
    );
    assert_eq!(start.skip_before(), None);
    let clock = start.clock(SPEED).unwrap();
    let roster = Arc::new(quickclear_roster::demo::chicago(&data).unwrap());
    // A window of thirty simulated minutes is 300 real ms here: wide enough that only the units
    // that never answer are escalated, whatever a debug build's request latency.
    let dispatch = DispatchConfig {
        ack_window: Duration::minutes(30),
        ..DispatchConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let users = AccessConfig::parse(quickclear::cli::DEMO_USERS).unwrap();
    let access = Arc::new(Access::new(&users, &roster).unwrap());
    let parts = Parts {
        store: store.clone(),
        roster: roster.clone(),
        access: access.clone(),
        clock,
        services: Service::all(),
        dispatch,
        occurred_horizon: DEFAULT_HORIZON,
        clearance_target: DEFAULT_CLEARANCE_TARGET,
        tiles: None,
        data_dir: None,
        shared_data: None,
        connections: ConnectionLimits::default(),
    };
    let app = Application::build(parts, listener);
    let addr = app.local_addr();

    let until = replay_origin() + Duration::days(1);
    let mut options = Options::new(data.clone());
    options.until = Some(until);
    options.ack_window = dispatch.ack_window;
    options.summary_every = None;
    let mut demo = Demo::start(&app, &roster, &access, clock, options).unwrap();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    tokio::time::timeout(std::time::Duration::from_secs(90), demo.replay_finished())
        .await
        .expect("a simulated day is replayed within 90 real seconds");

    // Every row was sent once; those without coordinates got their clear refusal.
    let stats = demo.stats().clone();
    let (rows, without_coordinates) = count_rows(&data, "2016-01-02T00:00:00");
    assert!(
        rows > 100,
        "the first day holds over a hundred thefts, not {rows}"
    );
    assert!(without_coordinates > 0, "some early rows lack coordinates");
    assert_eq!(get(&stats.rows_read), rows);
    assert_eq!(get(&stats.reports_sent), rows);
    assert_eq!(get(&stats.rejected_no_location), without_coordinates);
    assert_eq!(
        get(&stats.rejected_other),
        0,
        "no report refused for another reason"
    );
    assert_eq!(get(&stats.report_failures), 0, "every report answered");
    let accepted = get(&stats.reports_accepted);
    assert_eq!(
        accepted + get(&stats.rejected_no_location) + get(&stats.rejected_outside),
        rows
    );
    assert_eq!(
        get(&stats.reports_replayed),
        0,
        "a fresh store replays nothing"
    );

    // Every accepted report is a case, dispatched once to three units.
    let mut headers = reqwest::header::HeaderMap::new();
    let admin = access.issue("admin", chrono::Utc::now()).unwrap().token;
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {admin}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    let cases = eventually(
        "every accepted report to be a dispatched case",
        std::time::Duration::from_secs(20),
        || async {
            let list = get_json(&http, &format!("{base}/api/v1/cases?limit=1000")).await;
            let cases = list["cases"].as_array().cloned().unwrap_or_default();
            let all_dispatched = cases.iter().all(|c| !c["dispatched_at"].is_null());
            (list["total"] == accepted && all_dispatched).then_some(cases)
        },
    )
    .await;
    assert_eq!(cases.len() as u64, accepted);
    let mut acknowledged = 0;
    for case in &cases {
        let id = case["case_id"].as_str().unwrap();
        let view = get_json(&http, &format!("{base}/api/v1/cases/{id}")).await;
        let tasks = view["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 3, "case {id} has its three tasks");
        let dispatches = view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event_type"] == "CaseDispatched")
            .count();
        assert_eq!(dispatches, 1, "case {id} was dispatched once");
        // The simulator acts as the accounts of the users file: each unit's own squad account.
        for entry in view["timeline"].as_array().unwrap() {
            if entry["event_type"] == "TaskAcknowledged" {
                let unit = entry["data"]["unit"].as_str().unwrap().to_lowercase();
                assert_eq!(
                    entry["actor"],
                    serde_json::json!({"kind": "unit", "id": unit})
                );
            }
        }
        acknowledged += tasks
            .iter()
            .filter(|t| !t["acknowledged_at"].is_null())
            .count();
    }
    assert!(
        acknowledged > cases.len(),
        "most tasks are acknowledged ({acknowledged} of {})",
        3 * cases.len()
    );
    assert!(
        get(&stats.escalations) > 0,
        "the units that never answer are escalated"
    );

    // Thefts with an arrest on record are cleared by arrest hours after the report.
    eventually(
        "a case cleared by arrest",
        std::time::Duration::from_secs(30),
        || async {
            let cleared = get_json(&http, &format!("{base}/api/v1/cases?status=cleared")).await;
            (cleared["total"].as_u64() > Some(0)).then_some(())
        },
    )
    .await;
    let clearance = get_json(&http, &format!("{base}/api/v1/stats/clearance")).await;
    assert_eq!(clearance["groups"][0]["reported"], accepted);
    assert!(clearance["groups"][0]["cleared"].as_u64() > Some(0));

    // A second run on this store would resume after the last recorded event.
    let again = Start::find(&*store).await.unwrap();
    let last = again.resumed_after.expect("the store holds events now");
    assert!(
        last >= until - Duration::hours(1),
        "the log reaches the end of the replay ({last})"
    );
    assert!(again.origin > last);
}

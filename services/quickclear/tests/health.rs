//! Health that tells the truth (ADR 0007): `/readyz` on a log holding a commit that cannot be
//! decoded, without its NATS server, without its stream; a process whose supervised task ends.

mod common;

use chrono::Utc;
use common::*;
use quickclear::services::Service;
use quickclear_dispatch::DispatchConfig;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_eventstore::sqlite::SqliteStore;
use quickclear_eventstore::{EventStore, ExpectedVersion};
use quickclear_schemas::{CaseId, EventEnvelope};
use quickclear_testkit::{NatsServer, eventually};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A `ReportReceived` commit opening `case_id`, as intake writes it (from the golden sample).
fn report_received(case_id: CaseId) -> Vec<EventEnvelope> {
    let mut sample: Value = serde_json::from_str(include_str!(
        "../../../schemas/samples/events/ReportReceived.v1.json"
    ))
    .unwrap();
    sample["case_id"] = json!(case_id);
    sample["event_id"] = json!(uuid::Uuid::new_v4());
    sample["recorded_at"] = json!(Utc::now());
    vec![serde_json::from_value(sample).unwrap()]
}

async fn open_case(store: &dyn EventStore) -> CaseId {
    let case_id = CaseId::random();
    store
        .append(
            case_id,
            ExpectedVersion::NoStream,
            "report",
            &report_received(case_id),
        )
        .await
        .unwrap();
    case_id
}

async fn readiness(base: &str) -> (u16, Value) {
    get(&reqwest::Client::new(), &format!("{base}/readyz")).await
}

/// Waits until `/readyz` answers `status`, and returns its body.
async fn readiness_becomes(base: &str, status: u16, what: &str) -> Value {
    eventually(what, Duration::from_secs(20), || async {
        let (answered, body) = readiness(base).await;
        (answered == status).then_some(body)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_cannot_be_decoded_is_stepped_over_and_reported_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&log_file(&dir)).unwrap();
    let before = open_case(&store).await;
    // Damage: the second commit's bytes are no longer a commit.
    rusqlite::Connection::open(log_file(&dir))
        .unwrap()
        .execute(
            "INSERT INTO commits (stream, stream_version, commit_id, events) VALUES (?1, 1, 'x', ?2)",
            (CaseId::random().to_string(), b"\x00\xff{ not json".to_vec()),
        )
        .unwrap();
    let after = open_case(&store).await;
    drop(store);

    // The operator's check finds the commit inserted by hand, by position.
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_quickclear"))
        .args(["verify", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("position 2: the commit has no link"),
        "{printed}"
    );

    let store = Arc::new(SqliteStore::open(&log_file(&dir)).unwrap());
    let app = spawn_on(store, dir, Service::all(), DispatchConfig::default(), None).await;
    // The cases on either side of the damage are dispatched and listed; so is a new report.
    until_dispatched(&app, &before.to_string()).await;
    until_dispatched(&app, &after.to_string()).await;
    dispatched_case(&app).await;
    let (_, cases) = get(&app.http, &format!("{}/api/v1/cases", app.base)).await;
    assert_eq!(cases["cases"].as_array().map(Vec::len), Some(3), "{cases}");

    // Loud: not ready, every subscriber names the damaged commit's position; the metric counts it.
    let report = eventually("the chain checked", Duration::from_secs(10), || async {
        let (_, report) = readiness(&app.base).await;
        report["problems"].get("chain").is_some().then_some(report)
    })
    .await;
    assert_eq!(report["ready"], false);
    assert!(
        report["problems"]["chain"]
            .as_str()
            .unwrap()
            .contains("the first at position 2"),
        "{report}"
    );
    assert_eq!(report["store"]["ok"], true);
    for subscriber in report["subscribers"].as_array().unwrap() {
        assert_eq!(subscriber["undecodable"]["count"], 1, "{subscriber}");
        assert_eq!(
            subscriber["undecodable"]["commits"][0]["position"], 2,
            "{subscriber}"
        );
        assert_eq!(subscriber["state"], "live", "{subscriber}");
    }
    let metrics = metrics_text(&app).await;
    assert!(
        metrics.contains(
            "quickclear_subscription_undecodable_commits_total{subscriber=\"dispatch\"} 1"
        ),
        "{metrics}"
    );
    // Liveness stays cheap and true: the process runs.
    let health = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_only_while_the_nats_server_and_the_stream_are_there() {
    let mut nats = NatsServer::start();
    let store = Arc::new(JetStreamStore::connect(&nats.url(), 1).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_on(store, dir, Service::all(), DispatchConfig::default(), None).await;
    let report = readiness_becomes(&app.base, 200, "ready over NATS").await;
    let names: Vec<_> = report["subscribers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["dispatch", "squad", "caselog", "hotspots"]);

    nats.stop();
    let report = readiness_becomes(&app.base, 503, "not ready without NATS").await;
    assert_eq!(report["store"]["ok"], false, "{report}");
    nats.restart();
    readiness_becomes(&app.base, 200, "ready again once NATS is back").await;

    let client = async_nats::connect(nats.url()).await.unwrap();
    async_nats::jetstream::new(client)
        .delete_stream("QC_CASES")
        .await
        .unwrap();
    let report = readiness_becomes(&app.base, 503, "not ready without the stream").await;
    assert_eq!(report["store"]["ok"], false, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervised_task_that_panics_stops_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&log_file(&dir)).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = quickclear::app::Application::build(parts(store, &dir, Service::all()), listener);
    app.supervisor.spawn("a projection", async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        panic!("a bug met commit 7");
    });
    let stopped = tokio::time::timeout(
        Duration::from_secs(10),
        app.run_until_stopped(std::future::pending()),
    )
    .await
    .expect("the process stops");
    let error = stopped.unwrap_err().to_string();
    assert_eq!(error, "the a projection task panicked: a bug met commit 7");
}

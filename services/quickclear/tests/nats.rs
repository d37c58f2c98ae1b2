//! The same services as separate processes over a real NATS JetStream: the core loop, a service
//! killed with SIGKILL in the middle of a load, and a nats-server restart under load. The processes
//! share the tests' users file and its session secret, so a session opened on one works on all.

mod common;

use common::processes::*;
use common::*;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_testkit::{NatsServer, eventually};
use std::path::Path;
use std::time::Duration;

/// A `quickclear serve` process of the named services over the test's nats-server.
async fn serve(services: &[&str], nats: &str, users: &Path) -> Process {
    let mut args: Vec<String> = vec!["serve".into()];
    args.extend(services.iter().map(|s| s.to_string()));
    args.extend(["--nats", nats, "--demo-roster", "--ack-window", "3600"].map(String::from));
    args.push("--shared-data".into());
    args.push(shared_data().display().to_string());
    args.push("--users".into());
    args.push(users.display().to_string());
    Process::start(args).await
}

/// The four services, each in its own process.
struct Deployment {
    intake: Process,
    dispatch: Process,
    squads: Process,
    caselog: Process,
    _users: tempfile::TempDir,
}

async fn deploy(nats: &NatsServer) -> Deployment {
    let url = nats.url();
    let users = tempfile::tempdir().unwrap();
    let file = users.path().join("users.toml");
    std::fs::write(&file, users_toml()).unwrap();
    Deployment {
        intake: serve(&["intake"], &url, &file).await,
        dispatch: serve(&["dispatch"], &url, &file).await,
        squads: serve(
            &["squad:precinct", "squad:property", "squad:scene"],
            &url,
            &file,
        )
        .await,
        caselog: serve(&["caselog"], &url, &file).await,
        _users: users,
    }
}

/// Signs in as the admin on one process, with the demo password.
async fn sign_in(base: &str) -> reqwest::Client {
    let (status, session) = post(
        &reqwest::Client::new(),
        &format!("{base}/api/v1/session"),
        &serde_json::json!({"username": "admin", "password": "quickclear-demo"}),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    client_with(session["token"].as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_loop_runs_across_processes_over_jetstream() {
    let nats = NatsServer::start();
    let services = deploy(&nats).await;
    // Signed in on intake, the session works on the squads' and the case log's processes too.
    let http = sign_in(&services.intake.base).await;
    let mut precinct = Terminal::connect(&http, &services.squads.base, "D001", None).await;
    let (status, accepted) = post(
        &http,
        &format!("{}/api/v1/reports", services.intake.base),
        &report_body(),
    )
    .await;
    assert_eq!(status, 201, "{accepted}");
    let case_id = accepted["case_id"].as_str().unwrap();
    let item = precinct.next_for(case_id).await;
    assert_eq!(item.data["type"], "task_assigned");
    let case = eventually(
        "the case in the case log",
        Duration::from_secs(10),
        || async {
            let (status, case) = get(
                &http,
                &format!("{}/api/v1/cases/{case_id}", services.caselog.base),
            )
            .await;
            (status == 200 && case["tasks"].as_array().is_some_and(|t| t.len() == 3))
                .then_some(case)
        },
    )
    .await;
    let dispatches = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "CaseDispatched");
    assert_eq!(dispatches.count(), 1);
    let ack = serde_json::json!({"command_id": uuid::Uuid::new_v4(), "unit": "D001", "action": "acknowledge"});
    let url = format!(
        "{}/api/v1/cases/{case_id}/tasks/precinct/commands",
        services.squads.base
    );
    assert_eq!(post(&http, &url, &ack).await.0, 200);
    assert_eq!(
        post(&http, &url, &ack).await.1["applied"],
        false,
        "a retried command applies once"
    );
    let (status, problem) = post(
        &http,
        &format!("{}/api/v1/reports", services.intake.base),
        &serde_json::json!({}),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str().unwrap()),
        (422, "https://quickclear.dev/problems/invalid-json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatcher_killed_mid_load_loses_and_duplicates_nothing() {
    let nats = NatsServer::start();
    let mut services = deploy(&nats).await;
    let http = client_as(&access(), "admin");
    let deliveries = connect_every_terminal(&http, &services.squads.base).await;
    let intake = services.intake.base.clone();
    let load = tokio::spawn({
        let http = http.clone();
        async move { load(&http, &intake, 40, Duration::from_secs(6)).await }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    services.dispatch.kill_9();
    tokio::time::sleep(Duration::from_secs(1)).await;
    services.dispatch.restart().await;
    let accepted = load.await.unwrap();
    let store = JetStreamStore::connect(&nats.url(), 1).await.unwrap();
    assert_nothing_lost_or_duplicated(&store, &accepted, &deliveries).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_server_restart_under_load_loses_no_accepted_report() {
    let mut nats = NatsServer::start();
    let services = deploy(&nats).await;
    let http = client_as(&access(), "admin");
    let deliveries = connect_every_terminal(&http, &services.squads.base).await;
    let intake = services.intake.base.clone();
    let load = tokio::spawn({
        let http = http.clone();
        async move { load(&http, &intake, 40, Duration::from_secs(8)).await }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let url = nats.url();
    let restarted = tokio::task::spawn_blocking(move || {
        nats.restart();
        nats
    });
    let accepted = load.await.unwrap();
    let _nats = restarted.await.unwrap();
    let store = JetStreamStore::connect(&url, 1).await.unwrap();
    assert_nothing_lost_or_duplicated(&store, &accepted, &deliveries).await;
    drop(services);
}

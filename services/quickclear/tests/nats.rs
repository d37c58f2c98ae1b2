//! The same services as separate processes over a real NATS JetStream: the core loop, a service
//! killed with SIGKILL in the middle of a load, and a nats-server restart under load. The processes
//! share the tests' users file and its session secret, so a session opened on one works on all.

mod common;

use common::*;
use quickclear_eventstore::EventStore;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_schemas::{CaseEvent, CaseId, TaskKind};
use quickclear_testkit::{NatsServer, eventually, free_port};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A `quickclear serve` process, killed on drop.
struct Process {
    child: Child,
    base: String,
    args: Vec<String>,
}

impl Process {
    async fn start(services: &[&str], nats: &str, users: &Path) -> Self {
        let port = free_port();
        let mut args: Vec<String> = vec!["serve".into()];
        args.extend(services.iter().map(|s| s.to_string()));
        args.extend(
            [
                "--nats",
                nats,
                "--http",
                &format!("127.0.0.1:{port}"),
                "--demo-roster",
                "--ack-window",
                "3600",
            ]
            .map(String::from),
        );
        args.push("--shared-data".into());
        args.push(shared_data().display().to_string());
        args.push("--users".into());
        args.push(users.display().to_string());
        let mut process = Self {
            child: spawn(&args),
            base: format!("http://127.0.0.1:{port}"),
            args,
        };
        process.wait_healthy().await;
        process
    }

    async fn wait_healthy(&mut self) {
        let url = format!("{}/healthz", self.base);
        let http = reqwest::Client::new();
        eventually(
            "a service to answer /healthz",
            Duration::from_secs(30),
            || async {
                http.get(&url)
                    .send()
                    .await
                    .ok()
                    .filter(|r| r.status() == 200)
                    .map(|_| ())
            },
        )
        .await;
    }

    fn kill_9(&mut self) {
        let status = Command::new("kill")
            .args(["-9", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap();
    }

    async fn restart(&mut self) {
        self.child = spawn(&self.args);
        self.wait_healthy().await;
    }
}

fn spawn(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_quickclear"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the quickclear binary starts")
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
        intake: Process::start(&["intake"], &url, &file).await,
        dispatch: Process::start(&["dispatch"], &url, &file).await,
        squads: Process::start(
            &["squad:precinct", "squad:property", "squad:scene"],
            &url,
            &file,
        )
        .await,
        caselog: Process::start(&["caselog"], &url, &file).await,
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

/// Every delivery any terminal received: (case, task, unit) → how many times.
type Deliveries = Arc<Mutex<HashMap<(String, String, String), u32>>>;

async fn connect_every_terminal(http: &reqwest::Client, squads: &str) -> Deliveries {
    let deliveries: Deliveries = Arc::default();
    for unit in roster().units() {
        let mut terminal = Terminal::connect(http, squads, unit.id.as_str(), None).await;
        let deliveries = deliveries.clone();
        tokio::spawn(async move {
            while let Some(event) = terminal.events.recv().await {
                if event.data["type"] == "task_assigned" {
                    let key = |f: &str| event.data[f].as_str().unwrap_or_default().to_owned();
                    *deliveries
                        .lock()
                        .unwrap()
                        .entry((key("case_id"), key("task"), key("unit")))
                        .or_default() += 1;
                }
            }
        });
    }
    deliveries
}

/// Posts reports at about `per_second` for `duration`; returns the ids of those accepted (201).
async fn load(
    http: &reqwest::Client,
    intake: &str,
    per_second: u32,
    duration: Duration,
) -> Vec<String> {
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / per_second);
    let end = tokio::time::Instant::now() + duration;
    let mut requests = Vec::new();
    while tokio::time::Instant::now() < end {
        ticks.tick().await;
        let (http, url, accepted) = (
            http.clone(),
            format!("{intake}/api/v1/reports"),
            accepted.clone(),
        );
        requests.push(tokio::spawn(async move {
            let sent = http
                .post(url)
                .timeout(Duration::from_secs(15))
                .json(&report_body())
                .send()
                .await;
            if let Ok(response) = sent
                && response.status() == 201
                && let Ok(body) = response.json::<Value>().await
            {
                accepted
                    .lock()
                    .unwrap()
                    .push(body["case_id"].as_str().unwrap().to_owned());
            }
        }));
    }
    futures::future::join_all(requests).await;
    Arc::try_unwrap(accepted).unwrap().into_inner().unwrap()
}

/// Every accepted case has exactly one dispatch with three tasks, and each task reached its
/// terminal exactly once.
async fn assert_nothing_lost_or_duplicated(
    store: &dyn EventStore,
    accepted: &[String],
    deliveries: &Deliveries,
) {
    assert!(
        !accepted.is_empty(),
        "the load was accepted at least in part"
    );
    eprintln!("{} reports accepted", accepted.len());
    for case_id in accepted {
        let commits = store
            .read_stream(CaseId(case_id.parse().unwrap()))
            .await
            .unwrap();
        let dispatches: Vec<_> = commits
            .iter()
            .flat_map(|c| &c.events)
            .filter_map(|e| match &e.event {
                CaseEvent::CaseDispatched(d) => Some(d),
                _ => None,
            })
            .collect();
        assert_eq!(
            dispatches.len(),
            1,
            "case {case_id} has exactly one dispatch"
        );
        assert_eq!(dispatches[0].assignments.len(), 3);
    }
    let accepted: HashSet<&String> = accepted.iter().collect();
    eventually(
        "every task to reach its terminal",
        Duration::from_secs(30),
        || async {
            let deliveries = deliveries.lock().unwrap();
            let reached: HashSet<(&String, &String)> = deliveries
                .keys()
                .filter(|(c, _, _)| accepted.contains(c))
                .map(|(c, t, _)| (c, t))
                .collect();
            (reached.len() == accepted.len() * TaskKind::ALL.len()).then_some(())
        },
    )
    .await;
    let deliveries = deliveries.lock().unwrap();
    let duplicated: Vec<_> = deliveries.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "duplicated deliveries: {duplicated:?}"
    );
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

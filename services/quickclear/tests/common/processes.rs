//! The `quickclear` binary as real processes under load: start, `kill -9`, restart; terminals for
//! every unit; reports posted at a rate; and the check that nothing accepted was lost or duplicated.

use super::{Terminal, report_body, roster};
use quickclear_eventstore::EventStore;
use quickclear_schemas::{CaseEvent, CaseId, TaskKind};
use quickclear_testkit::{eventually, free_port};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A `quickclear` process on a port of its own, killed on drop.
pub struct Process {
    child: Child,
    pub base: String,
    args: Vec<String>,
}

impl Process {
    /// Runs `quickclear ARGS --http 127.0.0.1:<free port>` and waits until it answers `/healthz`.
    pub async fn start(mut args: Vec<String>) -> Self {
        let port = free_port();
        args.extend(["--http".into(), format!("127.0.0.1:{port}")]);
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

    pub fn kill_9(&mut self) {
        let status = Command::new("kill")
            .args(["-9", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap();
    }

    /// Starts it again with the same arguments (and so the same port and store).
    pub async fn restart(&mut self) {
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
/// Every delivery any terminal received: (case, task, unit) → how many times.
pub type Deliveries = Arc<Mutex<HashMap<(String, String, String), u32>>>;

pub async fn connect_every_terminal(http: &reqwest::Client, squads: &str) -> Deliveries {
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
pub async fn load(
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
pub async fn assert_nothing_lost_or_duplicated(
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
        let case_id = CaseId(case_id.parse().unwrap());
        // A report accepted just before a crash is dispatched once its dispatcher is back.
        let dispatches = eventually("the case's dispatch", Duration::from_secs(30), || async {
            let commits = store.read_stream(case_id).await.ok()?;
            let dispatches: Vec<_> = commits
                .iter()
                .flat_map(|c| &c.events)
                .filter_map(|e| match &e.event {
                    CaseEvent::CaseDispatched(d) => Some(d.assignments.len()),
                    _ => None,
                })
                .collect();
            (!dispatches.is_empty()).then_some(dispatches)
        })
        .await;
        assert_eq!(
            dispatches,
            vec![3],
            "case {case_id}: one dispatch of three tasks"
        );
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

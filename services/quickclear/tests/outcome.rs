//! Reports filed to a `quickclear serve intake` process while its nats-server stalls (SIGSTOP) or
//! stops: every answer must tell the truth about the log. `201`: the report is in the log, once.
//! `503 store-unavailable`: nothing of it is. `504 outcome-unknown`: it may be; sent again with the
//! same Idempotency-Key it ends as exactly one case.

mod common;

use common::processes::Process;
use common::{access, client_as, report_body, shared_data, users_toml};
use futures::StreamExt;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_eventstore::{Delivery, EventStore};
use quickclear_schemas::CaseEvent;
use quickclear_testkit::NatsServer;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PROBLEMS: &str = "https://quickclear.dev/problems/";

/// A `quickclear serve intake` process over `nats`, and the directory of its users file.
async fn serve_intake(nats: &NatsServer) -> (Process, tempfile::TempDir) {
    let users = tempfile::tempdir().unwrap();
    let file = users.path().join("users.toml");
    std::fs::write(&file, users_toml()).unwrap();
    let args = [
        "serve",
        "intake",
        "--nats",
        &nats.url(),
        "--demo-roster",
        "--shared-data",
        &shared_data().display().to_string(),
        "--users",
        &file.display().to_string(),
        // Every caller of this test is on one address, and while the log stalls up to ~200
        // reports wait at once, each on its own connection: more than one address may hold.
        "--max-connections-per-address",
        "1024",
    ];
    (Process::start(args.map(String::from).to_vec()).await, users)
}

/// What became of one report: its key, the case it was filed as (`None`: refused, nothing written),
/// and whether an answer on the way was `504 outcome-unknown`.
#[derive(Debug)]
struct Submission {
    key: String,
    filed: Option<String>,
    unknown: bool,
}

/// Files one report under a fresh key, and sends it again, the same request with the same key,
/// after every answer that leaves its fate open, until one settles it: `201`, or a first `503`.
async fn submit(http: &reqwest::Client, url: &str) -> Submission {
    let key = uuid::Uuid::new_v4().to_string();
    let body = report_body();
    let mut unknown = false;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        assert!(Instant::now() < deadline, "report {key} never settled");
        let response = http
            .post(url)
            .header("Idempotency-Key", &key)
            .timeout(Duration::from_secs(30))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("report {key}: no answer: {e}"));
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let problem = answer["type"].as_str().unwrap_or_default();
        match (status, problem.trim_start_matches(PROBLEMS)) {
            (201, _) => {
                let case_id = answer["case_id"].as_str().unwrap().to_owned();
                return Submission {
                    key,
                    filed: Some(case_id),
                    unknown,
                };
            }
            // Only a first refusal settles it: after a 504, the first request may yet be stored.
            (503, "store-unavailable") if !unknown => {
                return Submission {
                    key,
                    filed: None,
                    unknown,
                };
            }
            (503, "store-unavailable") => {}
            (504, "outcome-unknown") => unknown = true,
            _ => panic!("report {key}: unexpected answer {status} {answer}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Starts about `per_second` submissions a second for `duration`; returns how each ended.
async fn load(
    http: reqwest::Client,
    url: String,
    per_second: u32,
    duration: Duration,
) -> Vec<Submission> {
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / per_second);
    let end = Instant::now() + duration;
    let mut submissions = Vec::new();
    while Instant::now() < end {
        ticks.tick().await;
        let (http, url) = (http.clone(), url.clone());
        submissions.push(tokio::spawn(async move { submit(&http, &url).await }));
    }
    futures::future::join_all(submissions)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

/// The case ids of every report in the log, by Idempotency-Key ("" for reports without one).
async fn reports_in_log(nats: &str) -> HashMap<String, Vec<String>> {
    let store = JetStreamStore::connect(nats, 1).await.unwrap();
    let mut log = store.subscribe(0).await.unwrap();
    let mut reports: HashMap<String, Vec<String>> = HashMap::new();
    loop {
        let delivery = tokio::time::timeout(Duration::from_secs(10), log.next())
            .await
            .expect("the log within 10 s")
            .expect("the subscription goes on")
            .expect("the log reads");
        let Delivery::Commit(commit) = delivery else {
            return reports;
        };
        for envelope in &commit.events {
            if let CaseEvent::ReportReceived(received) = &envelope.event {
                let key = received.report.idempotency.as_ref().map(|i| i.key.clone());
                reports
                    .entry(key.unwrap_or_default())
                    .or_default()
                    .push(commit.case_id.to_string());
            }
        }
    }
}

/// Once the server is back, files reports until one is filed, then reads the log. That `201` means
/// intake's NATS connection has delivered everything it held from before (one connection keeps its
/// order), so nothing of the outage can still arrive. The reports filed here count too.
async fn settle(
    http: &reqwest::Client,
    url: &str,
    nats: &str,
    submissions: &mut Vec<Submission>,
) -> HashMap<String, Vec<String>> {
    loop {
        let marker = submit(http, url).await;
        let filed = marker.filed.is_some();
        submissions.push(marker);
        if filed {
            return reports_in_log(nats).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every `201` is one report in the log, every `503` none, and the log holds nothing else.
fn assert_truthful(submissions: &[Submission], log: &HashMap<String, Vec<String>>) {
    let filed = submissions.iter().filter(|s| s.filed.is_some()).count();
    let unknown = submissions.iter().filter(|s| s.unknown).count();
    eprintln!(
        "{} reports: {filed} filed ({unknown} of them after a 504), {} refused",
        submissions.len(),
        submissions.len() - filed
    );
    for submission in submissions {
        let in_log = log.get(&submission.key).cloned().unwrap_or_default();
        match &submission.filed {
            Some(case_id) => assert_eq!(in_log, vec![case_id.clone()], "{submission:?}"),
            None => assert!(in_log.is_empty(), "refused, yet in the log: {submission:?}"),
        }
    }
    let keyed = log.iter().filter(|(key, _)| !key.is_empty());
    let in_log: usize = keyed.map(|(_, cases)| cases.len()).sum();
    assert_eq!(in_log, filed, "every filed report, and nothing else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_filed_while_the_server_stalls_are_each_answered_truthfully() {
    let nats = NatsServer::start();
    let (intake, _users) = serve_intake(&nats).await;
    let http = client_as(&access(), "admin");
    let url = format!("{}/api/v1/reports", intake.base);
    let load = tokio::spawn(load(http.clone(), url.clone(), 20, Duration::from_secs(16)));
    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.pause();
    let keyless = tokio::spawn(http.post(&url).json(&report_body()).send());
    // Longer than an append's two tries (5 s each): what was sent first is answered 504.
    tokio::time::sleep(Duration::from_secs(12)).await;
    nats.resume();
    let mut submissions = load.await.unwrap();
    let keyless = keyless.await.unwrap().unwrap();
    assert_eq!(keyless.status(), 504);
    let problem: Value = keyless.json().await.unwrap();
    assert_eq!(problem["type"], format!("{PROBLEMS}outcome-unknown"));
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("without an Idempotency-Key"), "{detail}");
    let log = settle(&http, &url, &nats.url(), &mut submissions).await;
    assert!(submissions.iter().any(|s| s.unknown), "{submissions:?}");
    assert_truthful(&submissions, &log);
    // The keyless report was stored after all, as the case its answer named.
    let keyless_cases = &log[""];
    assert_eq!(keyless_cases.len(), 1);
    assert!(
        detail.contains(&format!("as case {}", keyless_cases[0])),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_filed_while_the_server_is_down_for_ten_seconds_are_each_answered_truthfully() {
    let mut nats = NatsServer::start();
    let (intake, _users) = serve_intake(&nats).await;
    let http = client_as(&access(), "admin");
    let url = format!("{}/api/v1/reports", intake.base);
    let load = tokio::spawn(load(http.clone(), url.clone(), 20, Duration::from_secs(16)));
    tokio::time::sleep(Duration::from_secs(2)).await;
    tokio::task::block_in_place(|| nats.stop());
    tokio::time::sleep(Duration::from_secs(10)).await;
    tokio::task::block_in_place(|| nats.restart());
    let mut submissions = load.await.unwrap();
    let log = settle(&http, &url, &nats.url(), &mut submissions).await;
    assert!(
        submissions.iter().any(|s| s.filed.is_none()),
        "{submissions:?}"
    );
    assert_truthful(&submissions, &log);
}

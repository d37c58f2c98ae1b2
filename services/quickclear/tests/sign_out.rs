//! Sign-out outlives the process that served it: `quickclear up` keeps it in its data directory
//! across a SIGKILL and restart, and `quickclear serve` processes over NATS refuse a session any one
//! of them signed out, restarted or not.

mod common;

use common::processes::Process;
use common::*;
use quickclear_testkit::{NatsServer, eventually};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// The tests' users file (its shared secret: every process accepts the others' sessions) in `dir`.
fn users_file(dir: &Path) -> String {
    let path = dir.join("users.toml");
    std::fs::write(&path, users_toml()).unwrap();
    path.display().to_string()
}

/// Signs in as the dispatcher with the demo password; the session's token.
async fn sign_in(base: &str) -> String {
    let (status, session) = post(
        &reqwest::Client::new(),
        &format!("{base}/api/v1/session"),
        &json!({"username": "dispatcher", "password": "quickclear-demo"}),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    session["token"].as_str().unwrap().to_owned()
}

/// Who `token` is signed in as on `base`: the status and the answer's body.
async fn who_am_i(base: &str, token: &str) -> (u16, Value) {
    get(&client_with(token), &format!("{base}/api/v1/session")).await
}

async fn sign_out(base: &str, token: &str) {
    let response = client_with(token)
        .delete(format!("{base}/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

fn ended(answer: &(u16, Value)) -> bool {
    answer.0 == 401 && answer.1["type"] == "https://quickclear.dev/problems/session-ended"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_out_session_stays_ended_after_a_restart_on_the_same_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path());
    let data_dir = dir.path().join("data").display().to_string();
    let shared = shared_data().display().to_string();
    let args = [
        "up",
        "--demo-roster",
        "--shared-data",
        &shared,
        "--users",
        &users,
        "--data-dir",
        &data_dir,
    ];
    let mut up = Process::start(args.map(String::from).to_vec()).await;
    let kept = sign_in(&up.base).await;
    let token = sign_in(&up.base).await;
    sign_out(&up.base, &token).await;
    assert!(ended(&who_am_i(&up.base, &token).await));

    up.kill_9();
    up.restart().await;
    let answer = who_am_i(&up.base, &token).await;
    assert!(ended(&answer), "after the restart: {answer:?}");
    assert_eq!(
        who_am_i(&up.base, &kept).await.0,
        200,
        "only that session ended"
    );
}

/// `quickclear serve SERVICE` over `nats`.
async fn serve(service: &str, nats: &str, users: &str) -> Process {
    let shared = shared_data().display().to_string();
    let args = [
        "serve",
        service,
        "--nats",
        nats,
        "--demo-roster",
        "--shared-data",
        &shared,
        "--users",
        users,
    ];
    Process::start(args.map(String::from).to_vec()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_nats_a_sign_out_on_one_process_is_refused_by_every_process_even_restarted() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path());
    let mut intake = serve("intake", &nats.url(), &users).await;
    let caselog = serve("caselog", &nats.url(), &users).await;
    let token = sign_in(&intake.base).await;
    assert_eq!(who_am_i(&caselog.base, &token).await.0, 200);

    sign_out(&intake.base, &token).await;
    assert!(ended(&who_am_i(&intake.base, &token).await));
    eventually(
        "the other process to refuse the session",
        Duration::from_secs(5),
        || async { ended(&who_am_i(&caselog.base, &token).await).then_some(()) },
    )
    .await;

    intake.kill_9();
    intake.restart().await;
    let answer = who_am_i(&intake.base, &token).await;
    assert!(ended(&answer), "after the restart: {answer:?}");
    let late = serve("dispatch", &nats.url(), &users).await;
    let answer = who_am_i(&late.base, &token).await;
    assert!(ended(&answer), "on a process started after: {answer:?}");
}

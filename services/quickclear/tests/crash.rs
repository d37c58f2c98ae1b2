//! The whole system in one process on the embedded store, killed with SIGKILL in the middle of a
//! load and started again on the same data directory. Every report it answered `201` is still in
//! the log with exactly one dispatch of three tasks (dispatch works ahead of the fsync, ADR 0006;
//! a killed process loses nothing the OS already has), and each task is on its unit's feed once.

mod common;

use common::processes::*;
use common::*;
use quickclear_eventstore::sqlite::SqliteStore;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_load_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    std::fs::write(&users, users_toml()).unwrap();
    let data = dir.path().join("data");
    let path = |p: &std::path::Path| p.display().to_string();
    let args = [
        "up".into(),
        "--demo-roster".into(),
        "--ack-window".into(),
        "3600".into(),
        "--data-dir".into(),
        path(&data),
        "--shared-data".into(),
        path(&shared_data()),
        "--users".into(),
        path(&users),
    ];
    let mut quickclear = Process::start(args.to_vec()).await;
    let http = client_as(&access(), "admin");
    let load = tokio::spawn({
        let (http, base) = (http.clone(), quickclear.base.clone());
        async move { load(&http, &base, 40, Duration::from_secs(6)).await }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    quickclear.kill_9();
    tokio::time::sleep(Duration::from_millis(500)).await;
    quickclear.restart().await;
    let accepted = load.await.unwrap();
    // Terminals connecting now get their feeds as folded from the log: each task once.
    let deliveries = connect_every_terminal(&http, &quickclear.base).await;
    let store = SqliteStore::open(&data.join("caselog.sqlite")).unwrap();
    assert_nothing_lost_or_duplicated(&store, &accepted, &deliveries).await;
}

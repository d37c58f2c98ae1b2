//! Tamper evidence on the embedded log (ADR 0008): a commit rewritten by hand, removed or inserted
//! without its link is found, by position; a file whose structure is damaged is refused at open.

use chrono::Utc;
use quickclear_eventstore::sqlite::{self, SqliteStore};
use quickclear_eventstore::{EventStore, ExpectedVersion, Position};
use quickclear_schemas::event::TaskRef;
use quickclear_schemas::{Actor, CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use rusqlite::Connection;
use std::path::PathBuf;
use uuid::Uuid;

/// A log of `n` commits, one case each, in a fresh directory.
async fn log_of(n: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    for i in 0..n {
        let case_id = CaseId::random();
        let event = EventEnvelope {
            event_id: Uuid::new_v4(),
            case_id,
            schema_version: 1,
            recorded_at: Utc::now(),
            actor: Actor::system("chain-test"),
            correlation_id: Uuid::nil(),
            causation_id: Uuid::new_v4(),
            event: CaseEvent::TaskAcknowledged(TaskRef {
                task: TaskKind::Scene,
                unit: UnitId::new(format!("S-{i}")),
            }),
        };
        store
            .append(case_id, ExpectedVersion::NoStream, "c", &[event])
            .await
            .unwrap();
    }
    (dir, path)
}

fn breaks(path: &std::path::Path) -> Vec<Position> {
    let (findings, chain) = sqlite::verify_file(path).unwrap();
    assert_eq!(findings, Vec::<String>::new());
    chain.breaks.iter().map(|b| b.position).collect()
}

/// What someone with the file and the sqlite3 shell can do despite the append-only triggers.
fn by_hand(path: &std::path::Path, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER commits_no_update; DROP TRIGGER commits_no_delete;
         {sql}
         CREATE TRIGGER commits_no_update BEFORE UPDATE ON commits
         BEGIN SELECT RAISE(ABORT, 'the case log is append-only'); END;
         CREATE TRIGGER commits_no_delete BEFORE DELETE ON commits
         BEGIN SELECT RAISE(ABORT, 'the case log is append-only'); END;"
    ))
    .unwrap();
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let (_dir, path) = log_of(5).await;
    let (findings, chain) = sqlite::verify_file(&path).unwrap();
    assert!(findings.is_empty());
    assert_eq!((chain.commits, chain.breaks), (5, vec![]));
}

#[tokio::test]
async fn a_rewritten_commit_is_found_at_its_position_and_only_there() {
    let (_dir, path) = log_of(5).await;
    by_hand(
        &path,
        "UPDATE commits SET events = replace(events, 'S-2', 'S-9') WHERE position = 3;",
    );
    assert_eq!(breaks(&path), [3]);
}

#[tokio::test]
async fn a_removed_commit_is_found_at_its_position() {
    let (_dir, path) = log_of(5).await;
    by_hand(&path, "DELETE FROM commits WHERE position = 2;");
    assert_eq!(breaks(&path), [2]);
}

#[tokio::test]
async fn a_commit_inserted_without_its_link_is_found() {
    let (_dir, path) = log_of(3).await;
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO commits (stream, stream_version, commit_id, events) VALUES ('x', 1, 'x', '[]')",
            [],
        )
        .unwrap();
    assert_eq!(breaks(&path), [4]);
}

#[tokio::test]
async fn a_log_written_before_the_chain_is_linked_on_its_first_open() {
    let (_dir, path) = log_of(3).await;
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("DROP TRIGGER chain_no_delete; DELETE FROM chain;")
        .unwrap();
    drop(conn);
    assert_eq!(breaks(&path), [1, 2, 3], "no links");
    let store = SqliteStore::open(&path).unwrap();
    let report = store.verify_chain().await.unwrap().unwrap();
    assert_eq!((report.commits, report.breaks), (3, vec![]));
}

#[tokio::test]
async fn a_file_with_damaged_pages_is_refused_at_open() {
    let (_dir, path) = log_of(300).await;
    // Let a checkpoint move the WAL into the file, then damage the middle of it.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    // The start of a page in the middle: its b-tree header is what the structure check reads.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    let middle = bytes.len() / page / 2 * page;
    for byte in &mut bytes[middle..middle + 256] {
        *byte ^= 0xff;
    }
    std::fs::write(&path, bytes).unwrap();
    let refused = SqliteStore::open(&path).err().expect("refused").to_string();
    assert!(refused.contains("is damaged"), "{refused}");
}

//! One contract, two adapters: every test here runs against SQLite and against a real JetStream.

use chrono::{TimeZone, Utc};
use futures::StreamExt;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_eventstore::sqlite::{Durability, SqliteStore};
use quickclear_eventstore::{
    Commit, Delivery, ErrorKind, EventStore, ExpectedVersion, Position, Subscription,
};
use quickclear_schemas::event::{CaseClosed, TaskRef};
use quickclear_schemas::{Actor, CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use quickclear_testkit::NatsServer;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A store under test and a way to restart it (reopen the file, or reconnect to the server).
#[async_trait::async_trait]
trait Harness: Send + Sync {
    async fn open(&self) -> Arc<dyn EventStore>;
}

struct Sqlite {
    dir: tempfile::TempDir,
    durability: Durability,
}

impl Sqlite {
    fn new(durability: Durability) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            durability,
        }
    }
}

#[async_trait::async_trait]
impl Harness for Sqlite {
    async fn open(&self) -> Arc<dyn EventStore> {
        let path = self.dir.path().join("log.sqlite");
        Arc::new(SqliteStore::open_with(&path, self.durability).unwrap())
    }
}

struct JetStream {
    server: NatsServer,
}

#[async_trait::async_trait]
impl Harness for JetStream {
    async fn open(&self) -> Arc<dyn EventStore> {
        Arc::new(
            JetStreamStore::connect(&self.server.url(), 1)
                .await
                .unwrap(),
        )
    }
}

fn event(case_id: CaseId, n: u32) -> EventEnvelope {
    EventEnvelope {
        event_id: Uuid::new_v4(),
        case_id,
        schema_version: 1,
        recorded_at: Utc.with_ymd_and_hms(2016, 6, 1, 12, 0, n).unwrap(),
        actor: Actor::system("contract-test"),
        correlation_id: Uuid::nil(),
        causation_id: Uuid::new_v4(),
        event: CaseEvent::TaskAcknowledged(TaskRef {
            task: TaskKind::Scene,
            unit: UnitId::new(format!("S-{n}")),
        }),
    }
}

async fn append_new(store: &dyn EventStore, case_id: CaseId, n: u32) -> Position {
    let head = store
        .read_stream(case_id)
        .await
        .unwrap()
        .last()
        .map(|c| c.position);
    let appended = store
        .append(
            case_id,
            ExpectedVersion::after(head),
            &Uuid::new_v4().to_string(),
            &[event(case_id, n)],
        )
        .await
        .unwrap();
    assert!(!appended.duplicate);
    appended.position
}

async fn next_delivery(subscription: &mut Subscription) -> Delivery {
    tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .expect("a delivery within 10 s")
        .expect("the subscription goes on")
        .expect("no error")
}

async fn next_commit(subscription: &mut Subscription) -> Arc<Commit> {
    match next_delivery(subscription).await {
        Delivery::Commit(commit) => commit,
        Delivery::CaughtUp => panic!("expected a commit, got CaughtUp"),
    }
}

async fn append_and_read_back(h: impl Harness) {
    let store = h.open().await;
    let case_id = CaseId::random();
    assert!(store.read_stream(case_id).await.unwrap().is_empty());
    let events = vec![event(case_id, 1), event(case_id, 2)];
    let first = store
        .append(case_id, ExpectedVersion::NoStream, "c-1", &events)
        .await
        .unwrap();
    let second = append_new(&*store, case_id, 3).await;
    assert!(second > first.position);
    let commits = store.read_stream(case_id).await.unwrap();
    assert_eq!(commits.len(), 2);
    assert_eq!(
        commits[0].events, events,
        "a commit keeps its events together, in order"
    );
    assert_eq!(commits[0].commit_id, "c-1");
    assert_eq!(commits[0].position, first.position);
    assert_eq!(commits[1].position, second);
    assert_eq!(store.head().await.unwrap(), second);
}

async fn optimistic_concurrency_conflict(h: impl Harness) {
    let store = h.open().await;
    let case_id = CaseId::random();
    let first = append_new(&*store, case_id, 1).await;
    let again_new = store
        .append(
            case_id,
            ExpectedVersion::NoStream,
            "x",
            &[event(case_id, 2)],
        )
        .await;
    assert_eq!(again_new.unwrap_err().kind(), ErrorKind::Conflict);
    let second = append_new(&*store, case_id, 2).await;
    let stale = store
        .append(
            case_id,
            ExpectedVersion::At(first),
            "y",
            &[event(case_id, 3)],
        )
        .await;
    assert_eq!(stale.unwrap_err().kind(), ErrorKind::Conflict);
    let commits = store.read_stream(case_id).await.unwrap();
    assert_eq!(
        commits.iter().map(|c| c.position).collect::<Vec<_>>(),
        vec![first, second]
    );
}

async fn concurrent_writers_one_wins(h: impl Harness) {
    let store = h.open().await;
    let case_id = CaseId::random();
    let head = append_new(&*store, case_id, 1).await;
    let attempts = (0..8).map(|n| {
        let store = store.clone();
        async move {
            store
                .append(
                    case_id,
                    ExpectedVersion::At(head),
                    &format!("w-{n}"),
                    &[event(case_id, n)],
                )
                .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.kind() == ErrorKind::Conflict)
    );
    assert_eq!(store.read_stream(case_id).await.unwrap().len(), 2);
}

async fn retry_with_same_commit_id_writes_nothing(h: impl Harness) {
    let store = h.open().await;
    let case_id = CaseId::random();
    let events = [event(case_id, 1)];
    let first = store
        .append(case_id, ExpectedVersion::NoStream, "cmd-7", &events)
        .await
        .unwrap();
    let retry = store
        .append(case_id, ExpectedVersion::NoStream, "cmd-7", &events)
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.position, first.position);
    assert_eq!(store.read_stream(case_id).await.unwrap().len(), 1);
    assert_eq!(store.head().await.unwrap(), first.position);
}

async fn catch_up_then_live_in_order(h: impl Harness) {
    let store = h.open().await;
    let (a, b) = (CaseId::random(), CaseId::random());
    let p1 = append_new(&*store, a, 1).await;
    let p2 = append_new(&*store, b, 1).await;
    let p3 = append_new(&*store, a, 2).await;
    let mut all = store.subscribe(0).await.unwrap();
    let mut from_p1 = store.subscribe(p1).await.unwrap();
    for expected in [p1, p2, p3] {
        assert_eq!(next_commit(&mut all).await.position, expected);
    }
    assert_eq!(next_delivery(&mut all).await, Delivery::CaughtUp);
    assert_eq!(next_commit(&mut from_p1).await.position, p2);
    assert_eq!(next_commit(&mut from_p1).await.position, p3);
    assert_eq!(next_delivery(&mut from_p1).await, Delivery::CaughtUp);
    let p4 = append_new(&*store, b, 2).await;
    let live = next_commit(&mut all).await;
    assert_eq!((live.position, live.case_id), (p4, b));
    assert_eq!(next_commit(&mut from_p1).await.position, p4);
    let mut at_head = store.subscribe(p4).await.unwrap();
    assert_eq!(next_delivery(&mut at_head).await, Delivery::CaughtUp);
}

/// What dispatch relies on: the early subscription delivers the log in the same order as the durable
/// one, and what a subscriber appends on a commit it was given is stored after it.
async fn unsynced_subscription_sees_the_same_log(h: impl Harness) {
    let store = h.open().await;
    let (a, b) = (CaseId::random(), CaseId::random());
    let p1 = append_new(&*store, a, 1).await;
    let p2 = append_new(&*store, b, 1).await;
    let mut early = store.subscribe_unsynced(p1).await.unwrap();
    let mut durable = store.subscribe(p1).await.unwrap();
    for subscription in [&mut early, &mut durable] {
        assert_eq!(next_commit(subscription).await.position, p2);
        assert_eq!(next_delivery(subscription).await, Delivery::CaughtUp);
    }
    let p3 = append_new(&*store, a, 2).await;
    let seen = next_commit(&mut early).await;
    assert_eq!((seen.position, seen.case_id), (p3, a));
    let answer = store
        .append(a, ExpectedVersion::At(p3), "answer", &[event(a, 3)])
        .await
        .unwrap();
    assert!(!answer.duplicate && answer.position > p3);
    assert_eq!(next_commit(&mut early).await.position, answer.position);
    assert_eq!(next_commit(&mut durable).await.position, p3);
    assert_eq!(next_commit(&mut durable).await.position, answer.position);
    let stream: Vec<_> = store.read_stream(a).await.unwrap();
    let positions: Vec<_> = stream.iter().map(|c| c.position).collect();
    assert_eq!(positions, vec![p1, p3, answer.position]);
    assert_eq!(store.head().await.unwrap(), answer.position);
}

async fn durable_subscription_resumes_after_restart(h: impl Harness) {
    let case_id = CaseId::random();
    let positions = {
        let store = h.open().await;
        let mut positions = Vec::new();
        for n in 1..=3 {
            positions.push(append_new(&*store, case_id, n).await);
        }
        let mut durable = store.subscribe_durable("hotspots").await.unwrap();
        assert_eq!(
            next_commit(&mut durable.deliveries).await.position,
            positions[0]
        );
        assert_eq!(
            next_commit(&mut durable.deliveries).await.position,
            positions[1]
        );
        durable.acker.ack(positions[1]).await.unwrap();
        positions
    };
    let store = h.open().await;
    let mut durable = store.subscribe_durable("hotspots").await.unwrap();
    assert_eq!(
        next_commit(&mut durable.deliveries).await.position,
        positions[2]
    );
    assert_eq!(
        next_delivery(&mut durable.deliveries).await,
        Delivery::CaughtUp
    );
    let p4 = append_new(&*store, case_id, 4).await;
    assert_eq!(next_commit(&mut durable.deliveries).await.position, p4);
    let mut other = store.subscribe_durable("another-reader").await.unwrap();
    assert_eq!(
        next_commit(&mut other.deliveries).await.position,
        positions[0]
    );
}

async fn commits_keep_payload_types(h: impl Harness) {
    let store = h.open().await;
    let case_id = CaseId::random();
    let mut closed = event(case_id, 1);
    closed.event = CaseEvent::CaseClosed(CaseClosed {
        reason: "duplicate report".into(),
    });
    store
        .append(
            case_id,
            ExpectedVersion::NoStream,
            "close",
            &[closed.clone()],
        )
        .await
        .unwrap();
    assert_eq!(
        store.read_stream(case_id).await.unwrap()[0].events,
        vec![closed]
    );
}

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(Sqlite::new(Durability::EveryCommit)).await;
                }
            )*
        }
        mod sqlite_synced_at_checkpoints {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(Sqlite::new(Durability::Checkpoint)).await;
                }
            )*
        }
        mod jetstream {
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(JetStream { server: NatsServer::start() }).await;
                }
            )*
        }
    };
}

contract!(
    append_and_read_back,
    optimistic_concurrency_conflict,
    concurrent_writers_one_wins,
    retry_with_same_commit_id_writes_nothing,
    catch_up_then_live_in_order,
    unsynced_subscription_sees_the_same_log,
    durable_subscription_resumes_after_restart,
    commits_keep_payload_types,
    commit_ids_are_scoped_to_their_case,
);

/// Commit ids are unique per case: the same id on two cases is two commits.
async fn commit_ids_are_scoped_to_their_case(h: impl Harness) {
    let store = h.open().await;
    let (a, b) = (CaseId::random(), CaseId::random());
    let first = store
        .append(a, ExpectedVersion::NoStream, "cmd-1", &[event(a, 1)])
        .await
        .unwrap();
    let other = store
        .append(b, ExpectedVersion::NoStream, "cmd-1", &[event(b, 1)])
        .await
        .unwrap();
    assert!(!other.duplicate);
    assert_ne!(first.position, other.position);
    assert_eq!(store.read_stream(b).await.unwrap()[0].commit_id, "cmd-1");
}

#[test]
fn the_sqlite_log_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sqlite");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(&path).unwrap();
        let case_id = CaseId::random();
        store
            .append(
                case_id,
                ExpectedVersion::NoStream,
                "c",
                &[event(case_id, 1)],
            )
            .await
            .unwrap();
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    for statement in ["UPDATE commits SET events = '[]'", "DELETE FROM commits"] {
        let error = conn.execute(statement, []).unwrap_err().to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
}

/// The writer never checkpoints (it would stall appends); the store's own checkpointer must still
/// move what is committed into the database file, or the WAL would grow for ever.
#[tokio::test]
async fn the_sqlite_log_is_checkpointed_into_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let size = || std::fs::metadata(&path).unwrap().len();
    let before = size();
    for n in 0..500 {
        let case_id = CaseId::random();
        store
            .append(
                case_id,
                ExpectedVersion::NoStream,
                "c",
                &[event(case_id, n % 60)],
            )
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while size() < before + 100_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file stayed at {} bytes: nothing was checkpointed",
            size()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fsyncing at checkpoints instead of every commit changes when commits reach the disk, not what the
/// log keeps: everything acknowledged is there after the store is closed and reopened.
#[tokio::test]
async fn the_sqlite_log_in_checkpoint_mode_keeps_every_acknowledged_append() {
    use quickclear_eventstore::sqlite::Durability;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sqlite");
    let case_id = CaseId::random();
    {
        let store = SqliteStore::open_with(&path, Durability::Checkpoint).unwrap();
        let mut last = None;
        for n in 0..20 {
            let appended = store
                .append(
                    case_id,
                    ExpectedVersion::after(last),
                    &format!("c{n}"),
                    &[event(case_id, n)],
                )
                .await
                .unwrap();
            last = Some(appended.position);
        }
    }
    let reopened = SqliteStore::open(&path).unwrap();
    assert_eq!(reopened.read_stream(case_id).await.unwrap().len(), 20);
}

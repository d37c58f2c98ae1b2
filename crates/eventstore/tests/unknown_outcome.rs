//! A JetStream append whose answer does not come back: the server paused (SIGSTOP) or stopped under
//! it. `Unavailable` must mean nothing was written; an append that may have been stored must say so
//! (`OutcomeUnknown`), and a retry with its commit id settles it, stored once. (The SQLite store is
//! local: its answers are always known, see `sqlite.rs`.)

use chrono::Utc;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_eventstore::{ErrorKind, EventStore, ExpectedVersion};
use quickclear_schemas::event::TaskRef;
use quickclear_schemas::{Actor, CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use quickclear_testkit::{NatsServer, eventually};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn event(case_id: CaseId) -> EventEnvelope {
    EventEnvelope {
        event_id: Uuid::new_v4(),
        case_id,
        schema_version: 1,
        recorded_at: Utc::now(),
        actor: Actor::system("outcome-test"),
        correlation_id: Uuid::nil(),
        causation_id: Uuid::new_v4(),
        event: CaseEvent::TaskAcknowledged(TaskRef {
            task: TaskKind::Scene,
            unit: UnitId::new("SCENE-1"),
        }),
    }
}

async fn connect(server: &NatsServer) -> JetStreamStore {
    JetStreamStore::connect(&server.url(), 1).await.unwrap()
}

#[tokio::test]
async fn a_lost_answer_is_found_out_by_asking_again() {
    let server = NatsServer::start();
    let store = connect(&server).await;
    let case_id = CaseId::random();
    server.pause();
    let append = tokio::spawn({
        let store = store.clone();
        async move {
            store
                .append(case_id, ExpectedVersion::NoStream, "c-1", &[event(case_id)])
                .await
        }
    });
    // The first answer times out after 5 s; the server wakes while the copy waits for its answer.
    tokio::time::sleep(Duration::from_secs(7)).await;
    server.resume();
    let appended = append
        .await
        .unwrap()
        .expect("the append's outcome found out");
    assert!(
        !appended.duplicate,
        "stored by this append, not an earlier one"
    );
    let commits = store.read_stream(case_id).await.unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0].position, appended.position);
}

#[tokio::test]
async fn an_answer_that_never_comes_is_an_unknown_outcome_and_a_retry_settles_it() {
    let server = NatsServer::start();
    let store = connect(&server).await;
    let case_id = CaseId::random();
    let events = [event(case_id)];
    server.pause();
    let lost = store
        .append(case_id, ExpectedVersion::NoStream, "c-1", &events)
        .await
        .unwrap_err();
    assert_eq!(lost.kind(), ErrorKind::OutcomeUnknown, "{lost}");
    server.resume();
    // It was in the server's socket all along: stored once, as the retry finds.
    let retry = store
        .append(case_id, ExpectedVersion::NoStream, "c-1", &events)
        .await
        .unwrap();
    assert!(retry.duplicate);
    let commits = store.read_stream(case_id).await.unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0].position, retry.position);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_while_the_server_is_down_is_refused_and_never_stored() {
    let mut server = NatsServer::start();
    let store = connect(&server).await;
    let case_id = CaseId::random();
    server.stop();
    // A stopped server closes its connections: the client knows at once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let refused = store
        .append(case_id, ExpectedVersion::NoStream, "c-1", &[event(case_id)])
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Unavailable, "{refused}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once"
    );
    tokio::task::block_in_place(|| server.restart());
    // Whatever the client still held went out on reconnecting, before this probe.
    let probe = CaseId::random();
    eventually("the client to reconnect", Duration::from_secs(30), || {
        let store = store.clone();
        async move {
            store
                .append(probe, ExpectedVersion::NoStream, "p", &[event(probe)])
                .await
                .ok()
        }
    })
    .await;
    assert!(store.read_stream(case_id).await.unwrap().is_empty());
}

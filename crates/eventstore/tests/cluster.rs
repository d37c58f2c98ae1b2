//! The JetStream adapter on the three-node cluster of `infra/nats/cluster/`, with three replicas:
//! a node killed under the writer loses no acknowledged commit, and appends and subscriptions go on.

use chrono::Utc;
use futures::StreamExt;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_eventstore::{Delivery, EventStore, ExpectedVersion};
use quickclear_schemas::event::TaskRef;
use quickclear_schemas::{Actor, CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use quickclear_testkit::{NatsCluster, eventually};
use std::time::Duration;
use uuid::Uuid;

fn event(case_id: CaseId) -> EventEnvelope {
    EventEnvelope {
        event_id: Uuid::new_v4(),
        case_id,
        schema_version: 1,
        recorded_at: Utc::now(),
        actor: Actor::system("cluster-test"),
        correlation_id: Uuid::nil(),
        causation_id: Uuid::new_v4(),
        event: CaseEvent::TaskAcknowledged(TaskRef {
            task: TaskKind::Precinct,
            unit: UnitId::new("D001"),
        }),
    }
}

async fn connect(url: &str) -> JetStreamStore {
    // The cluster elects its JetStream leader a few seconds after it starts.
    eventually(
        "the cluster to accept a replicated stream",
        Duration::from_secs(60),
        || async { JetStreamStore::connect(url, 3).await.ok() },
    )
    .await
}

async fn append_with_retry(store: &JetStreamStore, case_id: CaseId, n: usize) {
    let commit_id = format!("commit-{n}");
    eventually(
        "an append to go through",
        Duration::from_secs(30),
        || async {
            let head = store
                .read_stream(case_id)
                .await
                .ok()?
                .last()
                .map(|c| c.position);
            store
                .append(
                    case_id,
                    ExpectedVersion::after(head),
                    &commit_id,
                    &[event(case_id)],
                )
                .await
                .ok()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replicated_log_survives_losing_a_node() {
    let mut cluster = NatsCluster::start();
    let store = connect(&cluster.url(1)).await;
    let case_id = CaseId::random();
    for n in 0..5 {
        append_with_retry(&store, case_id, n).await;
    }
    cluster.kill(1);
    let survivor = connect(&cluster.url(2)).await;
    for n in 5..10 {
        append_with_retry(&survivor, case_id, n).await;
    }
    // Reads, like appends, may answer Unavailable while the cluster settles after the loss (a
    // service answers 503 and its client retries); what must hold is that nothing was lost.
    let commits = eventually("a read of the case", Duration::from_secs(30), || async {
        survivor.read_stream(case_id).await.ok()
    })
    .await;
    let ids: Vec<&str> = commits.iter().map(|c| c.commit_id.as_str()).collect();
    let expected: Vec<String> = (0..10).map(|n| format!("commit-{n}")).collect();
    assert_eq!(
        ids,
        expected.iter().map(String::as_str).collect::<Vec<_>>(),
        "every commit, once, in order"
    );
    // A subscriber after the loss sees every commit; like the services, it subscribes again when
    // the cluster answers Unavailable while it settles.
    eventually(
        "all ten commits through a subscription",
        Duration::from_secs(60),
        || async {
            let mut log = survivor.subscribe(0).await.ok()?;
            let mut seen = 0;
            while seen < 10 {
                match tokio::time::timeout(Duration::from_secs(10), log.next())
                    .await
                    .ok()??
                    .ok()?
                {
                    Delivery::Commit(commit) if commit.case_id == case_id => seen += 1,
                    _ => {}
                }
            }
            Some(())
        },
    )
    .await;
}

//! The distributed adapter: the case log on NATS JetStream.
//!
//! One stream (`QC_CASES`) holds every case; a case's commits are the messages on subject
//! `case.<id>`, one message per commit. Optimistic concurrency uses
//! `Nats-Expected-Last-Subject-Sequence` (0 = the subject must be empty); retries are deduplicated by
//! `Nats-Msg-Id` = `<case id>:<commit id>` within the stream's duplicate window (commit ids are
//! unique per case, as in the SQLite adapter). Deletes and purges are denied: nothing can rewrite
//! the log. A stream's version is the stream sequence of its last message, so versions and positions
//! mean the same as in the SQLite adapter.
//!
//! An append whose answer is lost is found out, or fails as [`StoreError::OutcomeUnknown`]
//! (`jetstream/append.rs`).
//!
//! Reads go to the stream leader (no direct gets, which followers may answer from behind), and every
//! subscription has a watchdog: a consumer that has gone quiet while the log moved on (seen after a
//! node failure) ends with an error, and its subscriber resumes from where it was.

use crate::codec;
use crate::port::{
    Acker, Appended, Commit, Delivery, DurableSubscription, EventStore, ExpectedVersion, Position,
    StoreError, Subscription, channel_stream,
};
use async_nats::jetstream::{self, consumer, context, stream};
use async_trait::async_trait;
use futures::StreamExt;
use quickclear_schemas::{CaseId, EventEnvelope};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod append;

pub const STREAM: &str = "QC_CASES";
const SUBJECTS: &str = "case.>";
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long a subscription may stay quiet while the log is ahead of it.
const STALL_CHECK: Duration = Duration::from_secs(2);

/// The JetStream event store. Cheap to clone.
#[derive(Clone)]
pub struct JetStreamStore {
    js: jetstream::Context,
    stream: stream::Stream,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn unexpected(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(e.to_string())
}

fn subject(case_id: CaseId) -> String {
    format!("case.{case_id}")
}

impl JetStreamStore {
    /// Connects and makes sure the stream exists. `replicas` is 1 on one node, 3 in a cluster.
    pub async fn connect(url: &str, replicas: usize) -> Result<Self, StoreError> {
        let client = crate::nats_client::connect(url, "quickclear")
            .await
            .map_err(unavailable)?;
        let js = jetstream::new(client);
        let stream = js
            .get_or_create_stream(stream::Config {
                name: STREAM.into(),
                subjects: vec![SUBJECTS.into()],
                storage: stream::StorageType::File,
                num_replicas: replicas,
                duplicate_window: DUPLICATE_WINDOW,
                deny_delete: true,
                deny_purge: true,
                ..Default::default()
            })
            .await
            .map_err(|e| unavailable(format!("create stream {STREAM}: {e}")))?;
        Ok(Self { js, stream })
    }

    /// The durable consumer `name`, positioned just after its acknowledgement floor.
    ///
    /// A consumer redelivers what a crashed predecessor had received but not acknowledged only after
    /// its ack wait; recreating it at the floor makes a restarted subscriber resume at once. One
    /// process owns a durable name at a time.
    async fn durable_consumer(&self, name: &str) -> Result<consumer::PullConsumer, StoreError> {
        let floor = match self.stream.consumer_info(name).await {
            Ok(info) => {
                self.stream
                    .delete_consumer(name)
                    .await
                    .map_err(unavailable)?;
                info.ack_floor.stream_sequence
            }
            Err(e) if e.kind() == context::ConsumerInfoErrorKind::NotFound => 0,
            Err(e) => return Err(unavailable(e)),
        };
        let deliver_policy = match floor {
            0 => consumer::DeliverPolicy::All,
            _ => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: floor + 1,
            },
        };
        self.stream
            .create_consumer(consumer::pull::Config {
                durable_name: Some(name.to_owned()),
                filter_subject: SUBJECTS.into(),
                ack_policy: consumer::AckPolicy::All,
                deliver_policy,
                ack_wait: Duration::from_secs(30),
                max_ack_pending: 100_000,
                ..Default::default()
            })
            .await
            .map_err(unavailable)
    }

    /// Forwards deliveries, ending with an error if they stop while the log is ahead of them.
    fn watched(
        &self,
        after: Position,
        deliveries: impl futures::Stream<Item = Result<Delivery, StoreError>> + Send + 'static,
    ) -> Subscription {
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        let store = self.clone();
        tokio::spawn(async move {
            let mut deliveries = std::pin::pin!(deliveries);
            let mut position = after;
            let mut moved = false;
            let mut checks = tokio::time::interval(STALL_CHECK);
            checks.tick().await;
            loop {
                tokio::select! {
                    () = sender.closed() => return,
                    item = deliveries.next() => {
                        let item = item.unwrap_or_else(|| Err(unavailable("the consumer ended")));
                        let failed = item.is_err();
                        if let Ok(Delivery::Commit(commit)) = &item {
                            position = commit.position;
                            moved = true;
                        }
                        if sender.send(item).await.is_err() || failed {
                            return;
                        }
                    }
                    _ = checks.tick() => {
                        let behind = store.last_sequence().await.is_ok_and(|head| head > position);
                        if behind && !moved {
                            tracing::warn!(position, "a JetStream consumer stalled behind the log");
                            let stalled = unavailable("the subscription stalled behind the log");
                            let _ = sender.send(Err(stalled)).await;
                            return;
                        }
                        moved = false;
                    }
                }
            }
        });
        Box::pin(channel_stream(receiver))
    }

    async fn last_sequence(&self) -> Result<Position, StoreError> {
        let stream = self.js.get_stream(STREAM).await.map_err(unavailable)?;
        Ok(stream.cached_info().state.last_sequence)
    }
}

fn commit_from(
    subject: &str,
    sequence: Position,
    headers: Option<&async_nats::HeaderMap>,
    payload: &[u8],
) -> Result<Commit, StoreError> {
    let case_id = subject
        .strip_prefix("case.")
        .and_then(|id| id.parse().ok())
        .map(CaseId)
        .ok_or_else(|| StoreError::Undecodable {
            position: sequence,
            reason: format!("message on unexpected subject {subject}"),
        })?;
    let commit_id = headers
        .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
        .map(|v| v.as_str())
        .and_then(|id| id.split_once(':'))
        .map(|(_, commit_id)| commit_id.to_owned())
        .unwrap_or_default();
    Ok(Commit {
        position: sequence,
        case_id,
        commit_id,
        events: codec::decode(payload).map_err(|e| StoreError::Undecodable {
            position: sequence,
            reason: e.to_string(),
        })?,
    })
}

fn commit_from_message(message: &jetstream::Message) -> Result<Commit, StoreError> {
    let info = message.info().map_err(unexpected)?;
    commit_from(
        message.subject.as_str(),
        info.stream_sequence,
        message.headers.as_ref(),
        &message.payload,
    )
}

#[async_trait]
impl EventStore for JetStreamStore {
    async fn append(
        &self,
        case_id: CaseId,
        expected: ExpectedVersion,
        commit_id: &str,
        events: &[EventEnvelope],
    ) -> Result<Appended, StoreError> {
        self.append_commit(case_id, expected, commit_id, events)
            .await
    }

    async fn read_stream(&self, case_id: CaseId) -> Result<Vec<Commit>, StoreError> {
        let subject = subject(case_id);
        let mut commits = Vec::new();
        let mut next = 1;
        loop {
            let request = self.stream.raw_message_builder().sequence(next);
            match request.next_by_subject(subject.as_str()).send().await {
                Ok(message) => {
                    next = message.sequence + 1;
                    commits.push(commit_from(
                        message.subject.as_str(),
                        message.sequence,
                        Some(&message.headers),
                        &message.payload,
                    )?);
                }
                Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => {
                    return Ok(commits);
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
    }

    async fn subscribe(&self, after: Position) -> Result<Subscription, StoreError> {
        let last = self.last_sequence().await?;
        let deliver_policy = match after {
            0 => consumer::DeliverPolicy::All,
            _ => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            },
        };
        let messages = self
            .stream
            .create_consumer(consumer::push::OrderedConfig {
                deliver_subject: self.js.client().new_inbox(),
                filter_subject: SUBJECTS.into(),
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(unavailable)?
            .messages()
            .await
            .map_err(unavailable)?;
        let mut caught_up = last <= after;
        let head = futures::stream::iter(caught_up.then_some(Ok(Delivery::CaughtUp)));
        let live = messages.flat_map(move |message| {
            let mut out = Vec::with_capacity(2);
            match message
                .map_err(unavailable)
                .and_then(|m| commit_from_message(&m))
            {
                Ok(commit) => {
                    let reached_start_head = commit.position >= last;
                    out.push(Ok(Delivery::Commit(Arc::new(commit))));
                    if !caught_up && reached_start_head {
                        caught_up = true;
                        out.push(Ok(Delivery::CaughtUp));
                    }
                }
                Err(e) => out.push(Err(e)),
            }
            futures::stream::iter(out)
        });
        Ok(self.watched(after, head.chain(live)))
    }

    async fn subscribe_durable(&self, name: &str) -> Result<DurableSubscription, StoreError> {
        let mut consumer = self.durable_consumer(name).await?;
        let pending_at_start = consumer.info().await.map_err(unavailable)?.num_pending;
        let messages = consumer.messages().await.map_err(unavailable)?;
        let unacked: Arc<Mutex<BTreeMap<Position, jetstream::Message>>> = Arc::default();
        let held = unacked.clone();
        let mut caught_up = pending_at_start == 0;
        let head = futures::stream::iter(caught_up.then_some(Ok(Delivery::CaughtUp)));
        let live = messages.flat_map(move |message| {
            let mut out = Vec::with_capacity(2);
            let delivered = message.map_err(unavailable).and_then(|m| {
                let pending = m.info().map_err(unexpected)?.pending;
                let commit = commit_from_message(&m)?;
                held.lock()
                    .expect("unacked lock")
                    .insert(commit.position, m);
                Ok((commit, pending))
            });
            match delivered {
                Ok((commit, pending)) => {
                    out.push(Ok(Delivery::Commit(Arc::new(commit))));
                    if !caught_up && pending == 0 {
                        caught_up = true;
                        out.push(Ok(Delivery::CaughtUp));
                    }
                }
                Err(e) => out.push(Err(e)),
            }
            futures::stream::iter(out)
        });
        let after = self.last_sequence().await?.saturating_sub(pending_at_start);
        Ok(DurableSubscription {
            deliveries: self.watched(after, head.chain(live)),
            acker: Box::new(JetStreamAcker { unacked }),
        })
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.last_sequence().await
    }
}

struct JetStreamAcker {
    unacked: Arc<Mutex<BTreeMap<Position, jetstream::Message>>>,
}

#[async_trait]
impl Acker for JetStreamAcker {
    /// With `AckPolicy::All`, acknowledging the message at `position` acknowledges all before it.
    async fn ack(&mut self, position: Position) -> Result<(), StoreError> {
        let message = {
            let mut unacked = self.unacked.lock().expect("unacked lock");
            let later = unacked.split_off(&(position + 1));
            let acked = std::mem::replace(&mut *unacked, later);
            acked.into_iter().next_back().map(|(_, m)| m)
        };
        match message {
            Some(message) => message.ack().await.map_err(unavailable),
            None => Ok(()),
        }
    }
}

//! The event store port.

use async_trait::async_trait;
use futures::stream::BoxStream;
use quickclear_schemas::{CaseId, EventEnvelope};
use std::sync::Arc;

/// A commit's place in the whole log. Positions grow; the first commit is at 1, and 0 means "before
/// everything". A stream's version is the position of its last commit.
pub type Position = u64;

/// What the writer believes about the stream it appends to (optimistic concurrency).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last commit must be at this position.
    At(Position),
}

impl ExpectedVersion {
    /// The expectation matching what a reader saw: `None` when it saw no commit.
    pub fn after(last: Option<Position>) -> Self {
        last.map_or(Self::NoStream, Self::At)
    }
}

/// One atomic append: the events a command produced, stored and delivered together.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub position: Position,
    pub case_id: CaseId,
    /// The writer's id for this commit (the command id), unique within its case: a retry with the
    /// same id is not stored twice.
    pub commit_id: String,
    pub events: Vec<EventEnvelope>,
}

/// The outcome of an append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    pub position: Position,
    /// True when a commit with this id was already stored, before this append: nothing new was
    /// written.
    pub duplicate: bool,
}

/// What a subscription yields: commits in log order, and once, the moment it has caught up with the
/// log as it stood when it started (from then on, commits arrive as they are appended).
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Shared: every live subscriber of a process gets the same commit, not a copy of it.
    Commit(Arc<Commit>),
    CaughtUp,
}

pub type Subscription = BoxStream<'static, Result<Delivery, StoreError>>;

/// The deliveries a feeding task sends on a channel, as a stream.
pub(crate) fn channel_stream(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Delivery, StoreError>>,
) -> impl futures::Stream<Item = Result<Delivery, StoreError>> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

/// How a failure should be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Someone else appended first: reload and decide again.
    Conflict,
    /// The store cannot be reached now and nothing was written: retry later, or tell the caller to.
    Unavailable,
    /// The append was sent but its answer was lost: it may have been stored. Only a retry with the
    /// same commit id is safe (it is stored at most once); never report it as "nothing written".
    OutcomeUnknown,
    /// A bug or corrupt data: report it.
    Unexpected,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {case_id} is not at the expected version {expected:?}")]
    Conflict {
        case_id: CaseId,
        expected: ExpectedVersion,
    },
    #[error("event store unavailable: {0}")]
    Unavailable(String),
    /// Only appends fail this way (see [`ErrorKind::OutcomeUnknown`]).
    #[error("event store did not confirm the append: {0}")]
    OutcomeUnknown(String),
    #[error("event store failure: {0}")]
    Unexpected(String),
    /// The commit at `position` is in the log but cannot be read (damaged, or written by a newer
    /// build). Reading it again gives the same answer; a subscriber may go on after it.
    #[error("the commit at position {position} cannot be decoded: {reason}")]
    Undecodable { position: Position, reason: String },
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Conflict { .. } => ErrorKind::Conflict,
            StoreError::Unavailable(_) => ErrorKind::Unavailable,
            StoreError::OutcomeUnknown(_) => ErrorKind::OutcomeUnknown,
            StoreError::Unexpected(_) | StoreError::Undecodable { .. } => ErrorKind::Unexpected,
        }
    }
}

/// Where a store's chain of links (ADR 0008) is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub position: Position,
    pub what: &'static str,
}

/// What a walk of the whole chain found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainReport {
    pub commits: u64,
    pub breaks: Vec<Break>,
}

/// The case log.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends one commit to a case's stream if the stream is at `expected`. A commit id that was
    /// already stored answers `duplicate: true` with the stored position and writes nothing.
    ///
    /// A conflict or an unavailable store means nothing was written; [`StoreError::OutcomeUnknown`]
    /// means the commit may have been stored, now or later: retry with the same commit id.
    async fn append(
        &self,
        case_id: CaseId,
        expected: ExpectedVersion,
        commit_id: &str,
        events: &[EventEnvelope],
    ) -> Result<Appended, StoreError>;

    /// Every commit of one case, in order (empty when the case does not exist).
    async fn read_stream(&self, case_id: CaseId) -> Result<Vec<Commit>, StoreError>;

    /// Every commit after `after`, in order: first those already stored, then [`Delivery::CaughtUp`],
    /// then each new commit as it is appended.
    async fn subscribe(&self, after: Position) -> Result<Subscription, StoreError>;

    /// Like [`EventStore::subscribe`], but a commit may be delivered as soon as it has its place in
    /// the log, before it is durable, to start work on it while the disk catches up. Only for a
    /// subscriber in the same process whose only effects are appends to this store (dispatch): a
    /// power cut before the commit is durable loses it together with every later commit, the
    /// subscriber's own appends included, so nothing outside the process ever saw it. A store with
    /// no such moment delivers exactly as `subscribe` does.
    async fn subscribe_unsynced(&self, after: Position) -> Result<Subscription, StoreError> {
        self.subscribe(after).await
    }

    /// Like [`EventStore::subscribe`], from where the subscriber `name` last acknowledged, so it
    /// resumes after a restart. Delivery is at least once: handle a commit, then acknowledge it.
    async fn subscribe_durable(&self, name: &str) -> Result<DurableSubscription, StoreError>;

    /// The position of the last commit in the log (0 when empty).
    async fn head(&self) -> Result<Position, StoreError>;

    /// Walks the whole log and its chain of links (ADR 0008) and says where it is broken; `None`
    /// from a store that keeps no chain (JetStream, for now).
    async fn verify_chain(&self) -> Result<Option<ChainReport>, StoreError> {
        Ok(None)
    }
}

/// A named subscription whose progress the store remembers.
pub struct DurableSubscription {
    pub deliveries: Subscription,
    pub acker: Box<dyn Acker>,
}

/// Records a durable subscriber's progress.
#[async_trait]
pub trait Acker: Send {
    /// Everything up to and including `position` has been handled.
    async fn ack(&mut self, position: Position) -> Result<(), StoreError>;
}

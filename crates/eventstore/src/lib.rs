//! The case log: one port, two adapters, one contract.
//!
//! The event log is the backbone and the bus: services append commits to a case's stream and consume
//! the whole log through ordered subscriptions. No dual write, no outbox: the append is the publication.
//!
//! - [`port`]: the [`EventStore`] trait, positions, expected versions, [`Delivery`] and errors.
//! - [`sqlite`]: the embedded adapter, one SQLite file, group commit on a writer thread, one fsync
//!   per group, unsynced subscribers served before it; a chain of links over every commit
//!   (`sqlite/chain.rs`, ADR 0008) and SQLite's structure check at open.
//! - [`jetstream`]: the NATS JetStream adapter, one message per commit on subject `case.<id>`.
//! - [`nats_client`]: connecting to NATS with the URL's credentials.
//! - [`codec`]: how a commit is encoded, and the check of schema versions on read.
//! - [`metrics`]: append latency and conflicts, per adapter; the embedded store's fsyncs.
//!
//! Both adapters pass the same contract suite (`tests/contract.rs`).

pub mod codec;
pub mod jetstream;
pub mod metrics;
pub mod nats_client;
pub mod port;
pub mod sqlite;

pub use port::{
    Acker, Appended, Break, ChainReport, Commit, Delivery, DurableSubscription, ErrorKind,
    EventStore, ExpectedVersion, Position, StoreError, Subscription,
};

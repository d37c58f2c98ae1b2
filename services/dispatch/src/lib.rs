//! Dispatch: every accepted report goes out to its three units in ONE event, and a task nobody
//! acknowledges in time is escalated to the next unit of its kind.
//!
//! - [`board`]: the open cases, folded from the whole log, with each unit's load and every
//!   acknowledgement deadline.
//! - [`choose`]: which unit gets a task (the rule: the precinct that owns the place; for the squads,
//!   the least-loaded team, ties to the nearest base) and which is next on escalation.
//! - [`service`]: the loop: follow the log, dispatch once caught up, fire timers, append.
//!
//! The dispatcher decides on its own copy of each case and appends at the version it holds; the
//! store's optimistic concurrency catches anyone who appended meanwhile, and the case is then
//! re-read and decided again. Command ids are derived from the case, so a dispatcher that restarts
//! after a crash cannot dispatch a case twice.

mod board;
mod choose;
mod metrics;
mod service;

pub use service::{DispatchConfig, Dispatcher};

#[cfg(test)]
mod samples;

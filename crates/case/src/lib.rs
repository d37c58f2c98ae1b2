//! The case aggregate, pure: no I/O, no async, no clock.
//!
//! - [`Case`] is the state folded from a case's events by [`Case::evolve`].
//! - [`decide`] takes the state and a [`CaseCommand`] and answers with the events to append, or a
//!   [`CaseError`] that says exactly what is wrong. Deciding never changes the state; appending does.
//! - [`stamp`] wraps decided events in envelopes (ids, actor, time) for the event store.
//!
//! Any service may load a case, decide and append; the store's optimistic concurrency keeps two
//! deciders from both winning, and a command id already applied decides nothing for the same
//! command (retries are safe) and refuses any other ([`AppliedCommand`]).
//!
//! A case's totals are held to `quickclear_schemas::bounds` (recovered and returned value, arrests):
//! a command that would pass one is refused, and folding stored events never overflows.

mod applied;
mod command;
mod decide;
mod error;
mod state;

pub use applied::AppliedCommand;
pub use command::{CaseCommand, CommandContext, stamp};
pub use decide::decide;
pub use error::{CaseError, ErrorKind};
pub use state::{Case, CaseStatus, Task, TaskStatus};

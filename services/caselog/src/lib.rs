//! The case log's read side.
//!
//! - [`view`]: `GET /api/v1/cases/{id}`: the case folded from its own stream (always current), its
//!   three tasks with their status times, and the whole timeline.
//! - [`summaries`]: a projection of every case's summary, folded from the log, for lists and figures.
//! - [`board`]: the dispatchers' live board of open and recently resolved cases (server-sent events).
//! - [`operations`]: time to dispatch, acknowledge and reach the scene; cases by channel; property.
//! - [`privacy`]: what an analyst sees of a case: no reporter, no free text about people.
//! - [`clearance`]: the share of cases cleared within 24 and 72 hours of the report, from events.
//! - [`routes`]: the HTTP routes and their query validation.

mod board;
mod clearance;
mod operations;
mod privacy;
mod routes;
mod summaries;
mod view;

pub use routes::{CaseLog, routes};
pub use summaries::Summaries;

//! Squads: one code for the three kinds of unit, deployed once per kind (`squad:precinct`,
//! `squad:property`, `squad:scene`) or all in one process.
//!
//! - [`feeds`]: each unit's terminal feed, folded from the case log: tasks assigned to the unit, and
//!   tasks taken away from it. Items carry the log position, which is the SSE event id.
//! - [`routes`]: `GET /api/v1/units/{unit}/feed` (server-sent events; `Last-Event-ID` or `?after=`
//!   resumes after what the terminal already has) and
//!   `POST /api/v1/cases/{case}/tasks/{task}/commands` (acknowledge, en route, on scene, findings,
//!   ... with the terminal's command id, so a retried command applies once).

mod feeds;
mod routes;

pub use feeds::Feeds;
pub use routes::{Squad, routes};

//! Intake: where reports enter the case log.
//!
//! - [`routes`]: `POST /api/v1/reports` (dispatchers), `/doorplates/{plate}/reports` (residents'
//!   QR form), `/alarms/{device}` (shops' one-click alarms) and `/cases/{case}/resolution`.
//! - [`validate`]: turns a request into a [`Report`](quickclear_schemas::report::Report), or field
//!   errors; the location is indexed to its H3 cell and owning precinct here, once.
//! - [`receive`]: opens the case, honouring `Idempotency-Key` (a retry names the same case and writes
//!   nothing new).

mod receive;
mod routes;
mod validate;

pub use routes::{Intake, routes};

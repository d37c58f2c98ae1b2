//! Intake: where reports enter the case log.
//!
//! - [`routes`]: `POST /api/v1/reports` (dispatchers), `/doorplates/{plate}/reports` (residents'
//!   QR form), `/alarms/{device}` (shops' one-click alarms) and `/cases/{case}/resolution`.
//! - [`doorplates`]: `GET /api/v1/doorplates/{plate}`, a plate's public place (the residents'
//!   report page shows it above the form); public and rate limited like the form.
//! - [`validate`]: turns a request into a [`Report`](quickclear_schemas::report::Report), or field
//!   errors; the location is indexed to its H3 cell and owning precinct here, once.
//! - [`receive`]: opens the case, honouring `Idempotency-Key` (a retry names the same case and writes
//!   nothing new).

mod doorplates;
mod receive;
mod routes;
mod validate;

pub use routes::{Intake, routes};

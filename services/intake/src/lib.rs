//! Intake: where reports enter the case log.
//!
//! - [`routes`]: `POST /api/v1/reports` (dispatchers), `/doorplates/{plate}/reports` (residents'
//!   QR form), `/alarms/{device}` (shops' one-click alarms) and `/cases/{case}/resolution`.
//! - [`doorplates`]: `GET /api/v1/doorplates/{plate}`, a plate's public place (the residents'
//!   report page shows it above the form); public and rate limited like the form.
//! - [`validate`]: the location indexed to its H3 cells and owning precinct, once; every field's
//!   bounds (texts, items, values, the occurred horizon) are `quickclear_schemas::bounds`, and a
//!   request out of them is refused with every field error at once.
//! - [`receive`]: opens the case, honouring `Idempotency-Key` (a retry names the same case and writes
//!   nothing new).

mod doorplates;
mod receive;
mod routes;
mod validate;

pub use routes::{Intake, routes};

//! Wire contracts of Quickclear.
//!
//! Every case event and every message that crosses a process boundary is a serde type here, so that
//! services, the load tool and the web pages agree on one definition.
//!
//! - [`bounds`]: the limits request bodies are held to, and the checker naming every field outside.
//! - [`ids`]: identifiers (cases, units, commands) and the three task kinds.
//! - [`report`]: what a theft report carries (channel, time window, location, items, reporter).
//! - [`event`]: the case events and the [`EventEnvelope`] each is stored in, with its schema version.
//! - [`finding`]: what squads record on scene (interviews, video review, evidence).
//! - [`message`]: HTTP request bodies and the terminal feed items.
//! - [`json_schema`]: the JSON Schema documents generated from these types (committed under `json/`).

pub mod bounds;
pub mod event;
pub mod finding;
pub mod ids;
pub mod json_schema;
pub mod message;
pub mod report;

pub use event::{Actor, ActorKind, CaseEvent, EventEnvelope};
pub use ids::{CaseId, CommandId, TaskKind, UnitId};

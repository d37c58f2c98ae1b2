//! Case events and the envelope each is stored in.

use crate::finding::Finding;
use crate::ids::{CaseId, TaskKind, UnitId};
use crate::report::Report;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One stored event: the event itself and who, when, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventEnvelope {
    pub event_id: Uuid,
    pub case_id: CaseId,
    /// Version of this event type's payload schema; see [`CaseEvent::schema_version`].
    pub schema_version: u32,
    pub recorded_at: DateTime<Utc>,
    pub actor: Actor,
    /// The report that started it all: every event of a case shares the case's first command id.
    pub correlation_id: Uuid,
    /// The command that caused this event.
    pub causation_id: Uuid,
    #[serde(flatten)]
    pub event: CaseEvent,
}

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: String,
}

impl Actor {
    pub fn new(kind: ActorKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
        }
    }

    pub fn system(service: &str) -> Self {
        Self::new(ActorKind::System, service)
    }
}

/// What kind of actor: a signed-in user's role (`dispatcher`, `unit` for a squad member, `admin`,
/// `analyst`), a public channel (`public`, `device`), or a service (`system`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Dispatcher,
    Public,
    Device,
    Unit,
    System,
    Admin,
    Analyst,
}

/// Everything that can happen to a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event_type", content = "data")]
// A report is a few hundred bytes and the other events a few dozen; events live briefly in small
// vectors, so boxing the report would add indirection everywhere and save nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum CaseEvent {
    ReportReceived(ReportReceived),
    CaseDispatched(CaseDispatched),
    TaskAcknowledged(TaskRef),
    TaskEnRoute(TaskRef),
    TaskOnScene(TaskRef),
    FindingRecorded(FindingRecorded),
    SuspectIdentified(SuspectIdentified),
    ArrestMade(ArrestMade),
    PropertyRecovered(PropertyMovement),
    PropertyReturned(PropertyMovement),
    TaskCleared(TaskCleared),
    TaskEscalated(TaskEscalated),
    TaskReassigned(TaskReassigned),
    CaseCleared(CaseCleared),
    CaseClosed(CaseClosed),
}

impl CaseEvent {
    /// Every event type, in declaration order (for the catalogue and the schema files).
    pub const TYPES: [&'static str; 15] = [
        "ReportReceived",
        "CaseDispatched",
        "TaskAcknowledged",
        "TaskEnRoute",
        "TaskOnScene",
        "FindingRecorded",
        "SuspectIdentified",
        "ArrestMade",
        "PropertyRecovered",
        "PropertyReturned",
        "TaskCleared",
        "TaskEscalated",
        "TaskReassigned",
        "CaseCleared",
        "CaseClosed",
    ];

    pub fn type_name(&self) -> &'static str {
        match self {
            CaseEvent::ReportReceived(_) => "ReportReceived",
            CaseEvent::CaseDispatched(_) => "CaseDispatched",
            CaseEvent::TaskAcknowledged(_) => "TaskAcknowledged",
            CaseEvent::TaskEnRoute(_) => "TaskEnRoute",
            CaseEvent::TaskOnScene(_) => "TaskOnScene",
            CaseEvent::FindingRecorded(_) => "FindingRecorded",
            CaseEvent::SuspectIdentified(_) => "SuspectIdentified",
            CaseEvent::ArrestMade(_) => "ArrestMade",
            CaseEvent::PropertyRecovered(_) => "PropertyRecovered",
            CaseEvent::PropertyReturned(_) => "PropertyReturned",
            CaseEvent::TaskCleared(_) => "TaskCleared",
            CaseEvent::TaskEscalated(_) => "TaskEscalated",
            CaseEvent::TaskReassigned(_) => "TaskReassigned",
            CaseEvent::CaseCleared(_) => "CaseCleared",
            CaseEvent::CaseClosed(_) => "CaseClosed",
        }
    }

    /// The payload schema version written today. Every type is at version 1; when a payload changes
    /// shape, its version goes up here and an upcaster in `quickclear-eventstore` lifts old records.
    pub fn schema_version(&self) -> u32 {
        Self::current_version(self.type_name()).expect("every type has a version")
    }

    /// The version this build writes and reads for an event type; `None` for a type it does not know.
    pub fn current_version(event_type: &str) -> Option<u32> {
        Self::TYPES.contains(&event_type).then_some(1)
    }
}

/// A theft report was accepted: the case is open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReportReceived {
    pub report: Report,
}

/// The case went out to its three units at once: one assignment per task kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseDispatched {
    pub assignments: Vec<Assignment>,
    /// The rule that chose the squad teams (`least_loaded_then_nearest`).
    pub rule: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Assignment {
    pub task: TaskKind,
    pub unit: UnitId,
}

/// A unit acted on its task (acknowledged, set off, arrived).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskRef {
    pub task: TaskKind,
    pub unit: UnitId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingRecorded {
    pub task: TaskKind,
    pub unit: UnitId,
    pub finding: Finding,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SuspectIdentified {
    pub task: TaskKind,
    pub unit: UnitId,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ArrestMade {
    pub task: TaskKind,
    pub unit: UnitId,
    pub note: String,
}

/// Stolen property recovered by police, or handed back to the victim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PropertyMovement {
    pub task: TaskKind,
    pub unit: UnitId,
    pub items: Vec<String>,
    pub value_cents: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskCleared {
    pub task: TaskKind,
    pub unit: UnitId,
    pub note: String,
}

/// A task went unacknowledged for too long.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskEscalated {
    pub task: TaskKind,
    /// The unit that did not acknowledge.
    pub unit: UnitId,
    pub waited_seconds: u64,
}

/// A task moved to another unit (after an escalation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskReassigned {
    pub task: TaskKind,
    pub from_unit: UnitId,
    pub unit: UnitId,
}

/// The case is cleared: by arrest, or by exceptional means (with the reason).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseCleared {
    pub clearance: Clearance,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum Clearance {
    Arrest,
    ExceptionalMeans { reason: String },
}

/// The case is closed administratively (duplicate, unfounded, withdrawn). This is not a clearance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseClosed {
    pub reason: String,
}

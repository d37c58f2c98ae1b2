//! Commands, and the context every command arrives with.

use chrono::{DateTime, Utc};
use quickclear_schemas::event::Assignment;
use quickclear_schemas::message::{Resolution, TaskAction};
use quickclear_schemas::report::Report;
use quickclear_schemas::{Actor, CaseEvent, CaseId, CommandId, EventEnvelope, TaskKind, UnitId};
use uuid::Uuid;

/// What someone asks of a case.
#[derive(Clone, Debug, PartialEq)]
// Commands are short-lived values passed by reference; boxing the report would save nothing.
#[allow(clippy::large_enum_variant)]
pub enum CaseCommand {
    /// Open the case with a validated report.
    ReceiveReport { report: Report },
    /// Send the case to its three units at once.
    Dispatch {
        assignments: Vec<Assignment>,
        rule: String,
    },
    /// A unit acts on its task.
    Act {
        task: TaskKind,
        unit: UnitId,
        action: TaskAction,
    },
    /// A task's unit did not acknowledge in time: record it and move the task to `next_unit`
    /// (if there is one left to try).
    Escalate {
        task: TaskKind,
        unit: UnitId,
        waited_seconds: u64,
        next_unit: Option<UnitId>,
    },
    /// Clear the case, or close it administratively.
    Resolve { resolution: Resolution },
}

/// Who sends a command, when, under which id.
#[derive(Clone, Debug)]
pub struct CommandContext {
    pub case_id: CaseId,
    pub command_id: CommandId,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Wraps decided events in envelopes. `correlation_id` is the case's first command (the report), so a
/// whole case can be followed across services; the first command correlates with itself.
pub fn stamp(
    ctx: &CommandContext,
    correlation_id: Option<Uuid>,
    events: Vec<CaseEvent>,
) -> Vec<EventEnvelope> {
    events
        .into_iter()
        .map(|event| EventEnvelope {
            event_id: Uuid::new_v4(),
            case_id: ctx.case_id,
            schema_version: event.schema_version(),
            recorded_at: ctx.now,
            actor: ctx.actor.clone(),
            correlation_id: correlation_id.unwrap_or(ctx.command_id.0),
            causation_id: ctx.command_id.0,
            event,
        })
        .collect()
}

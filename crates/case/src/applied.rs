//! What a command id was used for, so that a retry is told from another command under the same id.

use crate::command::CaseCommand;
use quickclear_schemas::message::{Resolution, TaskAction};
use quickclear_schemas::{CaseEvent, TaskKind, UnitId};
use std::fmt;

/// A command as far as its id is concerned: the type of the first event it recorded, and the task
/// and unit it acted on (none for a report, a dispatch or a resolution). The same id again with the
/// same of these is a retry; with any other, a different command. The rest of the body is not
/// compared: a retry's computed fields (an escalation's wait) may differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedCommand {
    pub first_event: &'static str,
    pub task: Option<(TaskKind, UnitId)>,
}

impl AppliedCommand {
    /// What `command` records, should it record anything.
    pub fn of_command(command: &CaseCommand) -> Self {
        let (first_event, task) = match command {
            CaseCommand::ReceiveReport { .. } => ("ReportReceived", None),
            CaseCommand::Dispatch { .. } => ("CaseDispatched", None),
            CaseCommand::Escalate { task, unit, .. } => {
                ("TaskEscalated", Some((*task, unit.clone())))
            }
            CaseCommand::Resolve {
                resolution: Resolution::ClosedAdministratively { .. },
            } => ("CaseClosed", None),
            CaseCommand::Resolve { .. } => ("CaseCleared", None),
            CaseCommand::Act { task, unit, action } => {
                (first_event_of(action), Some((*task, unit.clone())))
            }
        };
        Self { first_event, task }
    }

    /// What the command that recorded `event` first did.
    pub(crate) fn of_event(event: &CaseEvent) -> Self {
        let task = match event {
            CaseEvent::ReportReceived(_)
            | CaseEvent::CaseDispatched(_)
            | CaseEvent::CaseCleared(_)
            | CaseEvent::CaseClosed(_) => None,
            CaseEvent::TaskAcknowledged(e)
            | CaseEvent::TaskEnRoute(e)
            | CaseEvent::TaskOnScene(e) => Some((e.task, &e.unit)),
            CaseEvent::FindingRecorded(e) => Some((e.task, &e.unit)),
            CaseEvent::SuspectIdentified(e) => Some((e.task, &e.unit)),
            CaseEvent::ArrestMade(e) => Some((e.task, &e.unit)),
            CaseEvent::PropertyRecovered(e) | CaseEvent::PropertyReturned(e) => {
                Some((e.task, &e.unit))
            }
            CaseEvent::TaskCleared(e) => Some((e.task, &e.unit)),
            CaseEvent::TaskEscalated(e) => Some((e.task, &e.unit)),
            CaseEvent::TaskReassigned(e) => Some((e.task, &e.from_unit)),
        };
        Self {
            first_event: event.type_name(),
            task: task.map(|(kind, unit)| (kind, unit.clone())),
        }
    }
}

fn first_event_of(action: &TaskAction) -> &'static str {
    match action {
        TaskAction::Acknowledge => "TaskAcknowledged",
        TaskAction::EnRoute => "TaskEnRoute",
        TaskAction::OnScene => "TaskOnScene",
        TaskAction::RecordFinding { .. } => "FindingRecorded",
        TaskAction::SuspectIdentified { .. } => "SuspectIdentified",
        TaskAction::Arrest { .. } => "ArrestMade",
        TaskAction::PropertyRecovered { .. } => "PropertyRecovered",
        TaskAction::PropertyReturned { .. } => "PropertyReturned",
        TaskAction::Clear { .. } => "TaskCleared",
    }
}

/// `TaskAcknowledged on the precinct task by D001`, or the event type alone.
impl fmt::Display for AppliedCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.task {
            Some((kind, unit)) => write!(f, "{} on the {kind} task by {unit}", self.first_event),
            None => f.write_str(self.first_event),
        }
    }
}

//! `decide`: what a command means for a case, given its state.

use crate::applied::AppliedCommand;
use crate::command::CaseCommand;
use crate::error::CaseError;
use crate::state::{Case, CaseStatus, Task, TaskStatus};
use quickclear_schemas::bounds::{MAX_CASE_ARRESTS, MAX_CASE_CENTS};
use quickclear_schemas::event::{
    ArrestMade, Assignment, CaseCleared, CaseClosed, CaseDispatched, Clearance, FindingRecorded,
    PropertyMovement, ReportReceived, SuspectIdentified, TaskCleared, TaskEscalated,
    TaskReassigned, TaskRef,
};
use quickclear_schemas::finding::Finding;
use quickclear_schemas::message::{Resolution, TaskAction};
use quickclear_schemas::{CaseEvent, CommandId, TaskKind, UnitId};

/// The events a command produces on this case, or why it is refused.
///
/// A command whose id the case has already applied produces no events: a retry is harmless.
/// A command that asks for what already is (acknowledging an acknowledged task) also produces none.
pub fn decide(
    case: &Case,
    command_id: CommandId,
    command: &CaseCommand,
) -> Result<Vec<CaseEvent>, CaseError> {
    if let Some(earlier) = case.applied_commands.get(&command_id.0) {
        return if *earlier == AppliedCommand::of_command(command) {
            Ok(Vec::new())
        } else {
            Err(CaseError::CommandIdReused {
                earlier: earlier.clone(),
            })
        };
    }
    if let CaseCommand::ReceiveReport { report } = command {
        return match case.status {
            CaseStatus::Unreported => Ok(vec![CaseEvent::ReportReceived(ReportReceived {
                report: report.clone(),
            })]),
            _ => Err(CaseError::CaseExists),
        };
    }
    match &case.status {
        CaseStatus::Unreported => return Err(CaseError::CaseNotFound),
        CaseStatus::Cleared { .. } => return Err(CaseError::CaseResolved("cleared")),
        CaseStatus::Closed { .. } => return Err(CaseError::CaseResolved("closed")),
        CaseStatus::Open => {}
    }
    match command {
        CaseCommand::ReceiveReport { .. } => unreachable!("handled above"),
        CaseCommand::Dispatch { assignments, rule } => dispatch(case, assignments, rule),
        CaseCommand::Act { task, unit, action } => act(case, *task, unit, action),
        CaseCommand::Escalate {
            task,
            unit,
            waited_seconds,
            next_unit,
        } => escalate(case, *task, unit, *waited_seconds, next_unit.as_ref()),
        CaseCommand::Resolve { resolution } => resolve(case, resolution),
    }
}

fn dispatch(
    case: &Case,
    assignments: &[Assignment],
    rule: &str,
) -> Result<Vec<CaseEvent>, CaseError> {
    if case.dispatched_at.is_some() {
        return Err(CaseError::AlreadyDispatched);
    }
    let covers_each_kind_once = assignments.len() == TaskKind::ALL.len()
        && TaskKind::ALL
            .iter()
            .all(|k| assignments.iter().filter(|a| a.task == *k).count() == 1);
    if !covers_each_kind_once {
        return Err(CaseError::IncompleteDispatch);
    }
    // A unit that arrived before the dispatch keeps its task; the dispatch must name it.
    for a in assignments {
        if let Some(task) = case.tasks.get(&a.task)
            && task.unit != a.unit
        {
            return Err(CaseError::TaskHeldByOther {
                task: a.task,
                holder: task.unit.clone(),
            });
        }
    }
    Ok(vec![CaseEvent::CaseDispatched(CaseDispatched {
        assignments: assignments.to_vec(),
        rule: rule.to_owned(),
    })])
}

fn act(
    case: &Case,
    kind: TaskKind,
    unit: &UnitId,
    action: &TaskAction,
) -> Result<Vec<CaseEvent>, CaseError> {
    let task_ref = TaskRef {
        task: kind,
        unit: unit.clone(),
    };
    let Some(task) = case.tasks.get(&kind) else {
        // Arriving before any dispatch is allowed: the unit takes the task, with no dispatch time.
        return match action {
            TaskAction::OnScene => Ok(vec![CaseEvent::TaskOnScene(task_ref)]),
            _ => Err(CaseError::TaskNotAssigned { task: kind }),
        };
    };
    check_holder(task, unit)?;
    let status = task.status;
    let event = match action {
        TaskAction::Acknowledge => {
            (status == TaskStatus::Assigned).then_some(CaseEvent::TaskAcknowledged(task_ref))
        }
        TaskAction::EnRoute => {
            (status < TaskStatus::EnRoute).then_some(CaseEvent::TaskEnRoute(task_ref))
        }
        TaskAction::OnScene => {
            (status < TaskStatus::OnScene).then_some(CaseEvent::TaskOnScene(task_ref))
        }
        TaskAction::RecordFinding { finding } => {
            check_finding_fits(finding, kind)?;
            Some(CaseEvent::FindingRecorded(FindingRecorded {
                task: kind,
                unit: unit.clone(),
                finding: finding.clone(),
            }))
        }
        TaskAction::SuspectIdentified { description } => {
            non_empty(description, "the suspect description")?;
            Some(CaseEvent::SuspectIdentified(SuspectIdentified {
                task: kind,
                unit: unit.clone(),
                description: description.clone(),
            }))
        }
        TaskAction::Arrest { note } => {
            within(
                u64::from(case.arrests),
                1,
                MAX_CASE_ARRESTS.into(),
                "the case's arrests",
            )?;
            Some(CaseEvent::ArrestMade(ArrestMade {
                task: kind,
                unit: unit.clone(),
                note: note.clone(),
            }))
        }
        TaskAction::PropertyRecovered { items, value_cents } => {
            let movement = movement(kind, unit, items, *value_cents)?;
            within(
                case.recovered_cents,
                *value_cents,
                MAX_CASE_CENTS,
                "the case's recovered value in cents",
            )?;
            Some(CaseEvent::PropertyRecovered(movement))
        }
        TaskAction::PropertyReturned { items, value_cents } => {
            if !case.property_recovered {
                return Err(CaseError::NothingRecovered);
            }
            let movement = movement(kind, unit, items, *value_cents)?;
            within(
                case.returned_cents,
                *value_cents,
                MAX_CASE_CENTS,
                "the case's returned value in cents",
            )?;
            Some(CaseEvent::PropertyReturned(movement))
        }
        TaskAction::Clear { note } => Some(CaseEvent::TaskCleared(TaskCleared {
            task: kind,
            unit: unit.clone(),
            note: note.clone(),
        })),
    };
    Ok(event.into_iter().collect())
}

/// Only the unit holding a task acts on it, and only while the task is not finished.
fn check_holder(task: &Task, unit: &UnitId) -> Result<(), CaseError> {
    if &task.unit != unit {
        return Err(CaseError::TaskHeldByOther {
            task: task.kind,
            holder: task.unit.clone(),
        });
    }
    if task.status.is_finished() {
        return Err(CaseError::TaskFinished {
            task: task.kind,
            status: task.status.name(),
        });
    }
    Ok(())
}

fn check_finding_fits(finding: &Finding, task: TaskKind) -> Result<(), CaseError> {
    let expected = match finding {
        Finding::Interview { .. } | Finding::Canvass { .. } => TaskKind::Precinct,
        Finding::VideoReview { .. } => TaskKind::Property,
        Finding::SceneEvidence { .. } => TaskKind::Scene,
    };
    if expected == task {
        Ok(())
    } else {
        Err(CaseError::FindingNotForTask {
            finding: finding.kind_name(),
            task,
        })
    }
}

fn movement(
    task: TaskKind,
    unit: &UnitId,
    items: &[String],
    value_cents: u64,
) -> Result<PropertyMovement, CaseError> {
    if items.is_empty() {
        return Err(CaseError::MissingText("the list of items"));
    }
    Ok(PropertyMovement {
        task,
        unit: unit.clone(),
        items: items.to_vec(),
        value_cents,
    })
}

/// Refuses adding `more` to a case's `total` when the sum would pass `max` (or overflow).
fn within(total: u64, more: u64, max: u64, what: &'static str) -> Result<(), CaseError> {
    match total.checked_add(more) {
        Some(sum) if sum <= max => Ok(()),
        _ => Err(CaseError::ValueOutOfRange { what, max }),
    }
}

fn non_empty(text: &str, what: &'static str) -> Result<(), CaseError> {
    if text.trim().is_empty() {
        Err(CaseError::MissingText(what))
    } else {
        Ok(())
    }
}

fn escalate(
    case: &Case,
    kind: TaskKind,
    unit: &UnitId,
    waited_seconds: u64,
    next_unit: Option<&UnitId>,
) -> Result<Vec<CaseEvent>, CaseError> {
    let waiting = case.tasks.get(&kind).is_some_and(|t| {
        &t.unit == unit && t.status == TaskStatus::Assigned && !t.escalation_pending
    });
    if !waiting {
        return Err(CaseError::StaleEscalation {
            task: kind,
            unit: unit.clone(),
        });
    }
    let mut events = vec![CaseEvent::TaskEscalated(TaskEscalated {
        task: kind,
        unit: unit.clone(),
        waited_seconds,
    })];
    // Handing the task back to the unit that let it wait is no reassignment.
    if let Some(next) = next_unit.filter(|next| *next != unit) {
        events.push(CaseEvent::TaskReassigned(TaskReassigned {
            task: kind,
            from_unit: unit.clone(),
            unit: next.clone(),
        }));
    }
    Ok(events)
}

fn resolve(case: &Case, resolution: &Resolution) -> Result<Vec<CaseEvent>, CaseError> {
    let event = match resolution {
        Resolution::ClearedByArrest => {
            if case.arrests == 0 {
                return Err(CaseError::NoArrest);
            }
            CaseEvent::CaseCleared(CaseCleared {
                clearance: Clearance::Arrest,
            })
        }
        Resolution::ClearedExceptionally { reason } => {
            non_empty(reason, "the reason for exceptional clearance")?;
            CaseEvent::CaseCleared(CaseCleared {
                clearance: Clearance::ExceptionalMeans {
                    reason: reason.clone(),
                },
            })
        }
        Resolution::ClosedAdministratively { reason } => {
            non_empty(reason, "the reason for administrative closure")?;
            CaseEvent::CaseClosed(CaseClosed {
                reason: reason.clone(),
            })
        }
    };
    Ok(vec![event])
}

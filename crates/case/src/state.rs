//! The case state, folded from its events.

use crate::applied::AppliedCommand;
use chrono::{DateTime, Utc};
use quickclear_schemas::event::Clearance;
use quickclear_schemas::report::Report;
use quickclear_schemas::{CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Where a case stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum CaseStatus {
    /// No report yet: the case does not exist.
    #[default]
    Unreported,
    Open,
    Cleared {
        at: DateTime<Utc>,
        clearance: Clearance,
    },
    /// Closed administratively: finished, but not cleared.
    Closed {
        at: DateTime<Utc>,
        reason: String,
    },
}

impl CaseStatus {
    pub fn name(&self) -> &'static str {
        match self {
            CaseStatus::Unreported => "unreported",
            CaseStatus::Open => "open",
            CaseStatus::Cleared { .. } => "cleared",
            CaseStatus::Closed { .. } => "closed",
        }
    }
}

/// Where a task stands. The order is the order work normally goes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskStatus {
    Assigned,
    Acknowledged,
    EnRoute,
    OnScene,
    /// The unit finished its work on the case.
    Cleared,
    /// The case was cleared or closed before the unit finished: the unit is free again.
    Released,
}

impl TaskStatus {
    pub fn name(self) -> &'static str {
        match self {
            TaskStatus::Assigned => "assigned",
            TaskStatus::Acknowledged => "acknowledged",
            TaskStatus::EnRoute => "en_route",
            TaskStatus::OnScene => "on_scene",
            TaskStatus::Cleared => "cleared",
            TaskStatus::Released => "released",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, TaskStatus::Cleared | TaskStatus::Released)
    }
}

/// One unit's task on a case. Times are those of the events; a step that did not happen keeps its
/// time empty (a unit that arrived without being dispatched has no dispatch or acknowledgement time).
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub kind: TaskKind,
    pub unit: UnitId,
    pub status: TaskStatus,
    pub assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub en_route_at: Option<DateTime<Utc>>,
    pub on_scene_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Units that let this task go unacknowledged, in order.
    pub escalated_from: Vec<UnitId>,
    /// Set when the current unit's wait was escalated but no other unit could take the task.
    pub escalation_pending: bool,
}

impl Task {
    fn new(kind: TaskKind, unit: UnitId, status: TaskStatus) -> Self {
        Self {
            kind,
            unit,
            status,
            assigned_at: None,
            acknowledged_at: None,
            en_route_at: None,
            on_scene_at: None,
            finished_at: None,
            escalated_from: Vec::new(),
            escalation_pending: false,
        }
    }
}

/// A case as its events left it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Case {
    pub id: Option<CaseId>,
    pub report: Option<Report>,
    pub reported_at: Option<DateTime<Utc>>,
    /// The case's first command, which every later event correlates with.
    pub correlation_id: Option<Uuid>,
    pub status: CaseStatus,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub tasks: BTreeMap<TaskKind, Task>,
    pub arrests: u32,
    pub recovered_cents: u64,
    pub returned_cents: u64,
    pub property_recovered: bool,
    /// Command ids already applied, with what each did: a retried command decides nothing, and an
    /// id reused for another command is refused.
    pub applied_commands: HashMap<Uuid, AppliedCommand>,
}

impl Case {
    /// Folds a sequence of stored events into a case.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a EventEnvelope>) -> Self {
        events.into_iter().fold(Case::default(), Case::evolve)
    }

    pub fn is_resolved(&self) -> bool {
        matches!(
            self.status,
            CaseStatus::Cleared { .. } | CaseStatus::Closed { .. }
        )
    }

    /// Applies one event. Events are facts: evolve never refuses one.
    pub fn evolve(mut self, envelope: &EventEnvelope) -> Self {
        let at = envelope.recorded_at;
        self.applied_commands
            .entry(envelope.causation_id)
            .or_insert_with(|| AppliedCommand::of_event(&envelope.event));
        match &envelope.event {
            CaseEvent::ReportReceived(e) => {
                self.id = Some(envelope.case_id);
                self.report = Some(e.report.clone());
                self.reported_at = Some(at);
                self.correlation_id = Some(envelope.correlation_id);
                self.status = CaseStatus::Open;
            }
            CaseEvent::CaseDispatched(e) => {
                self.dispatched_at = Some(at);
                for a in &e.assignments {
                    let task = self
                        .tasks
                        .entry(a.task)
                        .or_insert_with(|| Task::new(a.task, a.unit.clone(), TaskStatus::Assigned));
                    if task.status == TaskStatus::Assigned {
                        task.assigned_at = Some(at);
                    }
                }
            }
            CaseEvent::TaskAcknowledged(e) => self.task_mut(e.task, |t| {
                t.status = TaskStatus::Acknowledged;
                t.escalation_pending = false;
                t.acknowledged_at = Some(at);
            }),
            CaseEvent::TaskEnRoute(e) => self.task_mut(e.task, |t| {
                t.status = TaskStatus::EnRoute;
                t.en_route_at = Some(at);
            }),
            CaseEvent::TaskOnScene(e) => {
                let task = self
                    .tasks
                    .entry(e.task)
                    .or_insert_with(|| Task::new(e.task, e.unit.clone(), TaskStatus::OnScene));
                task.status = TaskStatus::OnScene;
                task.on_scene_at = Some(at);
            }
            // `decide` keeps totals within bounds; rows stored before the bounds (or by another
            // writer) are facts all the same, so folding saturates rather than wrap or panic.
            CaseEvent::ArrestMade(_) => self.arrests = self.arrests.saturating_add(1),
            CaseEvent::PropertyRecovered(e) => {
                self.property_recovered = true;
                self.recovered_cents = self.recovered_cents.saturating_add(e.value_cents);
            }
            CaseEvent::PropertyReturned(e) => {
                self.returned_cents = self.returned_cents.saturating_add(e.value_cents)
            }
            CaseEvent::FindingRecorded(_) | CaseEvent::SuspectIdentified(_) => {}
            CaseEvent::TaskCleared(e) => self.task_mut(e.task, |t| {
                t.status = TaskStatus::Cleared;
                t.finished_at = Some(at);
            }),
            CaseEvent::TaskEscalated(e) => self.task_mut(e.task, |t| t.escalation_pending = true),
            CaseEvent::TaskReassigned(e) => self.task_mut(e.task, |t| {
                t.escalated_from.push(e.from_unit.clone());
                t.escalation_pending = false;
                t.unit = e.unit.clone();
                t.status = TaskStatus::Assigned;
                t.assigned_at = Some(at);
            }),
            CaseEvent::CaseCleared(e) => {
                self.status = CaseStatus::Cleared {
                    at,
                    clearance: e.clearance.clone(),
                };
                self.release_tasks(at);
            }
            CaseEvent::CaseClosed(e) => {
                self.status = CaseStatus::Closed {
                    at,
                    reason: e.reason.clone(),
                };
                self.release_tasks(at);
            }
        }
        self
    }

    fn task_mut(&mut self, kind: TaskKind, change: impl FnOnce(&mut Task)) {
        if let Some(task) = self.tasks.get_mut(&kind) {
            change(task);
        }
    }

    fn release_tasks(&mut self, at: DateTime<Utc>) {
        for task in self.tasks.values_mut().filter(|t| !t.status.is_finished()) {
            task.status = TaskStatus::Released;
            task.finished_at = Some(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickclear_schemas::event::{ArrestMade, PropertyMovement};
    use quickclear_schemas::{Actor, CaseId};

    fn stored(event: CaseEvent) -> EventEnvelope {
        EventEnvelope {
            event_id: Uuid::new_v4(),
            case_id: CaseId::random(),
            schema_version: event.schema_version(),
            recorded_at: DateTime::UNIX_EPOCH,
            actor: Actor::system("test"),
            correlation_id: Uuid::new_v4(),
            causation_id: Uuid::new_v4(),
            event,
        }
    }

    fn movement(value_cents: u64) -> PropertyMovement {
        PropertyMovement {
            task: TaskKind::Property,
            unit: UnitId::new("PROP-1"),
            items: vec!["gold".into()],
            value_cents,
        }
    }

    /// Rows written before the bounds (or by another writer) are facts too: folding them never
    /// panics nor wraps, the totals stop at the largest value.
    #[test]
    fn totals_from_rows_beyond_the_bounds_saturate() {
        let log = [
            stored(CaseEvent::PropertyRecovered(movement(u64::MAX))),
            stored(CaseEvent::PropertyRecovered(movement(u64::MAX))),
            stored(CaseEvent::PropertyReturned(movement(u64::MAX))),
            stored(CaseEvent::PropertyReturned(movement(2))),
        ];
        let case = Case::from_events(&log);
        assert_eq!(case.recovered_cents, u64::MAX);
        assert_eq!(case.returned_cents, u64::MAX);
        let arrest = stored(CaseEvent::ArrestMade(ArrestMade {
            task: TaskKind::Precinct,
            unit: UnitId::new("D001"),
            note: String::new(),
        }));
        let case = Case {
            arrests: u32::MAX,
            ..Case::default()
        };
        assert_eq!(case.evolve(&arrest).arrests, u32::MAX);
    }
}

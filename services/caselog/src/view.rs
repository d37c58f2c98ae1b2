//! One case, as a dispatcher or analyst reads it.

use crate::privacy;
use chrono::{DateTime, Utc};
use quickclear_access::{Principal, Role, refusal};
use quickclear_case::{Case, CaseStatus, Task};
use quickclear_eventstore::Commit;
use quickclear_platform::Problem;
use quickclear_schemas::event::Clearance;
use quickclear_schemas::report::Report;
use quickclear_schemas::{CaseId, EventEnvelope, TaskKind, UnitId};
use serde::Serialize;

#[derive(Serialize)]
pub struct CaseView {
    pub case_id: CaseId,
    pub status: &'static str,
    pub clearance: Option<Clearance>,
    pub closure_reason: Option<String>,
    pub reported_at: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub report: Option<Report>,
    pub tasks: Vec<TaskView>,
    pub property: PropertyView,
    /// The stream version: the position of the case's last commit.
    pub version: u64,
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TaskView {
    pub kind: TaskKind,
    pub unit: UnitId,
    pub status: &'static str,
    pub assigned_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub en_route_at: Option<DateTime<Utc>>,
    pub on_scene_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub escalated_from: Vec<UnitId>,
}

#[derive(Serialize)]
pub struct PropertyView {
    pub recovered_cents: u64,
    pub returned_cents: u64,
}

#[derive(Serialize)]
pub struct TimelineEntry {
    pub position: u64,
    #[serde(flatten)]
    pub event: EventEnvelope,
}

impl From<&Task> for TaskView {
    fn from(t: &Task) -> Self {
        Self {
            kind: t.kind,
            unit: t.unit.clone(),
            status: t.status.name(),
            assigned_at: t.assigned_at,
            acknowledged_at: t.acknowledged_at,
            en_route_at: t.en_route_at,
            on_scene_at: t.on_scene_at,
            finished_at: t.finished_at,
            escalated_from: t.escalated_from.clone(),
        }
    }
}

impl CaseView {
    /// The case as `user` may see it: a squad member only a case one of whose tasks their unit
    /// holds (in full: they contact the victim); an analyst without the reporter and without free
    /// text about people ([`crate::privacy`]).
    pub fn shown_to(mut self, user: &Principal) -> Result<Self, Problem> {
        let holds_a_task = |unit: &UnitId| self.tasks.iter().any(|t| &t.unit == unit);
        if let (Role::Squad, Some(unit)) = (user.role, &user.unit)
            && !holds_a_task(unit)
        {
            return Err(refusal::other_unit(format!(
                "unit {unit} holds no task of case {}",
                self.case_id
            )));
        }
        if !user.sees_reporters() {
            self.withhold_for_analysts();
        }
        Ok(self)
    }

    /// The case without the reporter or free text about people ([`crate::privacy`]).
    fn withhold_for_analysts(&mut self) {
        if let Some(report) = &mut self.report {
            privacy::withhold_report(report);
        }
        if let Some(clearance) = &mut self.clearance {
            privacy::withhold_clearance(clearance);
        }
        if let Some(reason) = &mut self.closure_reason {
            privacy::withhold(reason);
        }
        for entry in &mut self.timeline {
            privacy::withhold_event(&mut entry.event.event);
        }
    }
}

/// The view of a case from its commits; `None` when the case does not exist.
pub fn case_view(case_id: CaseId, commits: Vec<Commit>) -> Option<CaseView> {
    let case = Case::from_events(commits.iter().flat_map(|c| &c.events));
    if case.status == CaseStatus::Unreported {
        return None;
    }
    let (clearance, closure_reason, resolved_at) = match &case.status {
        CaseStatus::Cleared { at, clearance } => (Some(clearance.clone()), None, Some(*at)),
        CaseStatus::Closed { at, reason } => (None, Some(reason.clone()), Some(*at)),
        _ => (None, None, None),
    };
    let version = commits.last().map_or(0, |c| c.position);
    let timeline = commits
        .into_iter()
        .flat_map(|c| {
            c.events.into_iter().map(move |event| TimelineEntry {
                position: c.position,
                event,
            })
        })
        .collect();
    Some(CaseView {
        case_id,
        status: case.status.name(),
        clearance,
        closure_reason,
        reported_at: case.reported_at,
        dispatched_at: case.dispatched_at,
        resolved_at,
        tasks: case.tasks.values().map(TaskView::from).collect(),
        property: PropertyView {
            recovered_cents: case.recovered_cents,
            returned_cents: case.returned_cents,
        },
        report: case.report,
        version,
        timeline,
    })
}

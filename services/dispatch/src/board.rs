//! The dispatcher's view of the log: every open case, each unit's load, every acknowledgement
//! deadline.
//!
//! While the dispatcher's own append for a case is in flight, the case already shows its outcome
//! (so the next decision sees the new loads), and commits of that case arriving from the log are
//! held back; once the append's position is known, those at or before it are dropped (they are the
//! append itself, or already folded in) and the rest applied.

use chrono::{DateTime, Duration, Utc};
use quickclear_case::{Case, TaskStatus};
use quickclear_eventstore::{Commit, Position};
use quickclear_schemas::{CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub struct Tracked {
    pub case: Case,
    /// The position of the case's last commit folded in (its stream version).
    pub last: Position,
    inflight: Option<Vec<Arc<Commit>>>,
    deadlines: Vec<(DateTime<Utc>, TaskKind)>,
}

impl Tracked {
    pub fn is_appending(&self) -> bool {
        self.inflight.is_some()
    }
}

pub struct Board {
    cases: HashMap<CaseId, Tracked>,
    loads: HashMap<UnitId, u32>,
    deadlines: BTreeSet<(DateTime<Utc>, CaseId, TaskKind)>,
    ack_window: Duration,
}

/// Units busy on a case: those holding a task that is not finished.
fn busy_units(case: &Case) -> impl Iterator<Item = &UnitId> {
    case.tasks
        .values()
        .filter(|t| !t.status.is_finished())
        .map(|t| &t.unit)
}

impl Board {
    pub fn new(ack_window: Duration) -> Self {
        Self {
            cases: HashMap::new(),
            loads: HashMap::new(),
            deadlines: BTreeSet::new(),
            ack_window,
        }
    }

    pub fn get(&self, case_id: &CaseId) -> Option<&Tracked> {
        self.cases.get(case_id)
    }

    pub fn loads(&self) -> &HashMap<UnitId, u32> {
        &self.loads
    }

    pub fn unacknowledged(&self) -> usize {
        self.deadlines.len()
    }

    /// Folds in a commit from the log. Answers whether the case changed.
    pub fn apply(&mut self, commit: Arc<Commit>) -> bool {
        let case_id = commit.case_id;
        if let Some(tracked) = self.cases.get_mut(&case_id) {
            if let Some(held) = &mut tracked.inflight {
                held.push(commit);
                return false;
            }
            if commit.position <= tracked.last {
                return false;
            }
        } else if !opens_case(&commit.events) {
            // A case this board has already seen resolved, or one it only knows from the middle.
            return false;
        }
        self.fold(case_id, commit.position, &commit.events);
        true
    }

    /// Shows the outcome of an append before the store confirms it.
    pub fn begin_append(&mut self, case_id: CaseId, events: &[EventEnvelope]) {
        let last = self.cases.get(&case_id).map_or(0, |t| t.last);
        self.fold(case_id, last, events);
        if let Some(tracked) = self.cases.get_mut(&case_id) {
            tracked.inflight = Some(Vec::new());
        }
    }

    /// The append is stored at `position`: applies what the log delivered meanwhile.
    pub fn end_append(&mut self, case_id: CaseId, position: Position) {
        let Some(tracked) = self.cases.get_mut(&case_id) else {
            return;
        };
        tracked.last = tracked.last.max(position);
        let held = tracked.inflight.take().unwrap_or_default();
        for commit in held {
            self.apply(commit);
        }
    }

    /// Replaces a case with the store's version of it (after a refused append), then applies what
    /// the log delivered after that read.
    pub fn replace(&mut self, case_id: CaseId, commits: &[Commit]) {
        let held = self
            .cases
            .get_mut(&case_id)
            .and_then(|t| t.inflight.take())
            .unwrap_or_default();
        let fresh = Case::from_events(commits.iter().flat_map(|c| &c.events));
        let last = commits.last().map_or(0, |c| c.position);
        self.set(case_id, fresh, last);
        for commit in held {
            self.apply(commit);
        }
    }

    fn fold(&mut self, case_id: CaseId, position: Position, events: &[EventEnvelope]) {
        let case = self
            .cases
            .get(&case_id)
            .map(|t| t.case.clone())
            .unwrap_or_default();
        let case = events.iter().fold(case, Case::evolve);
        self.set(case_id, case, position);
    }

    /// Stores a case's new state, keeping loads and deadlines in step; forgets resolved cases.
    fn set(&mut self, case_id: CaseId, case: Case, last: Position) {
        let (old_busy, old_deadlines, inflight) = match self.cases.remove(&case_id) {
            Some(t) => (
                busy_units(&t.case).cloned().collect(),
                t.deadlines,
                t.inflight,
            ),
            None => (Vec::new(), Vec::new(), None),
        };
        for unit in old_busy {
            if let Some(load) = self.loads.get_mut(&unit) {
                *load = load.saturating_sub(1);
            }
        }
        for (at, kind) in old_deadlines {
            self.deadlines.remove(&(at, case_id, kind));
        }
        if case.is_resolved() {
            return;
        }
        for unit in busy_units(&case) {
            *self.loads.entry(unit.clone()).or_default() += 1;
        }
        let deadlines: Vec<_> = case
            .tasks
            .values()
            .filter(|t| t.status == TaskStatus::Assigned && !t.escalation_pending)
            .filter_map(|t| Some((t.assigned_at? + self.ack_window, t.kind)))
            .collect();
        for (at, kind) in &deadlines {
            self.deadlines.insert((*at, case_id, *kind));
        }
        self.cases.insert(
            case_id,
            Tracked {
                case,
                last,
                inflight,
                deadlines,
            },
        );
    }

    /// Open cases not dispatched yet and not waiting on an append.
    pub fn undispatched(&self) -> Vec<CaseId> {
        self.cases
            .iter()
            .filter(|(_, t)| t.case.dispatched_at.is_none() && !t.is_appending())
            .map(|(id, _)| *id)
            .collect()
    }

    /// Open cases not dispatched yet (appending or not) reported before `due`, oldest first.
    pub fn waiting_for_dispatch(&self, due: DateTime<Utc>) -> Vec<(CaseId, DateTime<Utc>)> {
        let mut waiting: Vec<_> = self
            .cases
            .iter()
            .filter(|(_, t)| t.case.dispatched_at.is_none())
            .filter_map(|(id, t)| Some((*id, t.case.reported_at?)))
            .filter(|(_, reported)| *reported < due)
            .collect();
        waiting.sort_by_key(|(id, reported)| (*reported, *id));
        waiting
    }

    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        self.deadlines.first().map(|(at, _, _)| *at)
    }

    /// Tasks whose acknowledgement deadline has passed at `now`.
    pub fn overdue(&self, now: DateTime<Utc>) -> Vec<(CaseId, TaskKind)> {
        self.deadlines
            .iter()
            .take_while(|(at, _, _)| *at <= now)
            .map(|(_, case_id, kind)| (*case_id, *kind))
            .collect()
    }
}

fn opens_case(events: &[EventEnvelope]) -> bool {
    matches!(
        events.first().map(|e| &e.event),
        Some(CaseEvent::ReportReceived(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::sample;

    fn commit(position: Position, events: Vec<EventEnvelope>) -> Arc<Commit> {
        Arc::new(Commit {
            position,
            case_id: events[0].case_id,
            commit_id: format!("c{position}"),
            events,
        })
    }

    #[test]
    fn reports_still_without_units_when_due_are_waiting_oldest_first() {
        let t0: DateTime<Utc> = "2026-12-02T08:00:00Z".parse().unwrap();
        let (older, newer, dispatched, fresh) = (
            CaseId::random(),
            CaseId::random(),
            CaseId::random(),
            CaseId::random(),
        );
        let mut board = Board::new(Duration::seconds(60));
        board.apply(commit(
            1,
            vec![sample("ReportReceived", newer, t0 + Duration::seconds(2))],
        ));
        board.apply(commit(2, vec![sample("ReportReceived", older, t0)]));
        board.apply(commit(3, vec![sample("ReportReceived", dispatched, t0)]));
        board.apply(commit(4, vec![sample("CaseDispatched", dispatched, t0)]));
        board.apply(commit(
            5,
            vec![sample("ReportReceived", fresh, t0 + Duration::seconds(5))],
        ));
        // Reported exactly at `due`: not late yet.
        let due = t0 + Duration::seconds(5);
        assert_eq!(
            board.waiting_for_dispatch(due),
            [(older, t0), (newer, t0 + Duration::seconds(2))]
        );
    }

    fn load_of(board: &Board, unit: &str) -> u32 {
        board.loads().get(&UnitId::new(unit)).copied().unwrap_or(0)
    }

    #[test]
    fn a_dispatched_case_loads_its_units_and_arms_their_deadlines_until_it_is_resolved() {
        let t0: DateTime<Utc> = "2026-12-02T08:00:00Z".parse().unwrap();
        let case_id = CaseId::random();
        let mut board = Board::new(Duration::seconds(60));
        assert!(board.apply(commit(1, vec![sample("ReportReceived", case_id, t0)])));
        assert!(board.apply(commit(2, vec![sample("CaseDispatched", case_id, t0)])));
        for unit in ["D001", "PROP-1", "SCENE-1"] {
            assert_eq!(load_of(&board, unit), 1, "{unit}");
        }
        assert_eq!(board.unacknowledged(), 3);
        assert!(board.undispatched().is_empty());
        assert_eq!(board.next_deadline(), Some(t0 + Duration::seconds(60)));
        assert!(board.overdue(t0 + Duration::seconds(59)).is_empty());
        assert_eq!(board.overdue(t0 + Duration::seconds(60)).len(), 3);
        // An echo of a commit already folded in changes nothing.
        assert!(!board.apply(commit(2, vec![sample("CaseDispatched", case_id, t0)])));
        // An acknowledged task has no deadline left; the unit stays busy on it.
        assert!(board.apply(commit(3, vec![sample("TaskAcknowledged", case_id, t0)])));
        assert_eq!(board.unacknowledged(), 2);
        assert_eq!(load_of(&board, "D001"), 1);

        assert!(board.apply(commit(4, vec![sample("CaseClosed", case_id, t0)])));
        assert_eq!(load_of(&board, "PROP-1"), 0);
        assert_eq!(board.unacknowledged(), 0);
        assert!(
            board.get(&case_id).is_none(),
            "a resolved case is forgotten"
        );
    }

    #[test]
    fn a_case_known_only_from_its_middle_is_not_tracked() {
        let case_id = CaseId::random();
        let mut board = Board::new(Duration::seconds(60));
        let dispatched = sample("CaseDispatched", case_id, Utc::now());
        assert!(!board.apply(commit(7, vec![dispatched])));
        assert!(board.get(&case_id).is_none());
        assert_eq!(board.unacknowledged(), 0);
    }

    #[test]
    fn an_append_in_flight_shows_at_once_and_its_echo_is_not_counted_twice() {
        let t0: DateTime<Utc> = "2026-12-02T08:00:00Z".parse().unwrap();
        let case_id = CaseId::random();
        let mut board = Board::new(Duration::seconds(60));
        board.apply(commit(1, vec![sample("ReportReceived", case_id, t0)]));
        board.begin_append(case_id, &[sample("CaseDispatched", case_id, t0)]);
        let tracked = board.get(&case_id).unwrap();
        assert!(tracked.is_appending() && tracked.case.dispatched_at.is_some());
        assert_eq!(
            load_of(&board, "SCENE-1"),
            1,
            "the next decision sees the new load"
        );
        assert!(board.undispatched().is_empty());
        // The log delivers the append itself while it is in flight: held, then dropped.
        assert!(!board.apply(commit(2, vec![sample("CaseDispatched", case_id, t0)])));
        board.end_append(case_id, 2);
        assert!(!board.get(&case_id).unwrap().is_appending());
        assert_eq!(load_of(&board, "SCENE-1"), 1);
        assert_eq!(board.get(&case_id).unwrap().last, 2);
    }

    #[test]
    fn a_refused_append_is_replaced_by_the_stores_version() {
        let t0: DateTime<Utc> = "2026-12-02T08:00:00Z".parse().unwrap();
        let case_id = CaseId::random();
        let mut board = Board::new(Duration::seconds(60));
        let report = Commit {
            position: 1,
            case_id,
            commit_id: "r".into(),
            events: vec![sample("ReportReceived", case_id, t0)],
        };
        board.apply(Arc::new(report.clone()));
        board.begin_append(case_id, &[sample("CaseDispatched", case_id, t0)]);
        board.replace(case_id, &[report]);
        let tracked = board.get(&case_id).unwrap();
        assert!(!tracked.is_appending() && tracked.case.dispatched_at.is_none());
        assert_eq!(load_of(&board, "D001"), 0);
        assert_eq!(board.undispatched(), [case_id]);
    }
}

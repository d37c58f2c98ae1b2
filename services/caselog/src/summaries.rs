//! Every case's summary, folded from the log (the read model behind lists and clearance figures).

use crate::view::TaskView;
use chrono::{DateTime, Utc};
use quickclear_case::{Case, CaseStatus};
use quickclear_platform::{Follower, Step};
use quickclear_schemas::report::{Channel, Offence};
use quickclear_schemas::{CaseId, EventEnvelope, UnitId};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// Changes a slow board connection may fall behind by before it is sent a fresh snapshot.
const CHANGES_BUFFER: usize = 4096;

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub case_id: CaseId,
    pub status: &'static str,
    pub channel: Channel,
    pub offence: Offence,
    pub precinct: UnitId,
    pub h3: String,
    pub address: Option<String>,
    pub reported_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub escalations: u32,
    /// The value of the stolen items as reported.
    pub reported_cents: u64,
    pub recovered_cents: u64,
    pub returned_cents: u64,
    /// The live board shows them; case lists leave them out.
    #[serde(skip)]
    pub tasks: Vec<TaskView>,
}

impl Summary {
    /// When the case was cleared or closed.
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.cleared_at.or(self.closed_at)
    }

    fn of(case: &Case) -> Option<Self> {
        let (report, reported_at, case_id) = (case.report.as_ref()?, case.reported_at?, case.id?);
        let (cleared_at, closed_at) = match case.status {
            CaseStatus::Cleared { at, .. } => (Some(at), None),
            CaseStatus::Closed { at, .. } => (None, Some(at)),
            _ => (None, None),
        };
        Some(Summary {
            case_id,
            status: case.status.name(),
            channel: report.channel,
            offence: report.offence,
            precinct: report.precinct.clone(),
            h3: report.location.h3.clone(),
            address: report.location.address.clone(),
            reported_at,
            dispatched_at: case.dispatched_at,
            cleared_at,
            closed_at,
            // Saturating: intake bounds what it records, but rows stored before the bounds (or by
            // another writer) may hold any value; a summary must neither wrap nor panic on them.
            escalations: case.tasks.values().fold(0, |sum, t| {
                let escalations = u32::try_from(t.escalated_from.len()).unwrap_or(u32::MAX);
                sum.saturating_add(escalations)
            }),
            reported_cents: report
                .items
                .iter()
                .fold(0, |sum, i| sum.saturating_add(i.value_cents)),
            recovered_cents: case.recovered_cents,
            returned_cents: case.returned_cents,
            tasks: case.tasks.values().map(TaskView::from).collect(),
        })
    }
}

/// The projection. Readers see it as of the last commit folded in.
pub struct Summaries {
    cases: RwLock<Cases>,
    changes: broadcast::Sender<Arc<Summary>>,
}

#[derive(Default)]
struct Cases {
    summaries: HashMap<CaseId, Summary>,
    /// The full state of every case still open; a resolved case takes no more commands, so only
    /// its summary is kept.
    open: HashMap<CaseId, Case>,
}

impl Summaries {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            cases: RwLock::default(),
            changes: broadcast::channel(CHANGES_BUFFER).0,
        })
    }

    /// Every summary changed from now on (the live board's feed).
    pub fn changes(&self) -> broadcast::Receiver<Arc<Summary>> {
        self.changes.subscribe()
    }

    /// Folds the log in for as long as the process runs.
    pub async fn follow(self: Arc<Self>, mut log: Follower) {
        loop {
            if let Step::Commit(commit) = log.next().await {
                self.apply(&commit.events);
            }
        }
    }

    /// Folds one commit (all of one case's events) in.
    fn apply(&self, events: &[EventEnvelope]) {
        let Some(case_id) = events.first().map(|e| e.case_id) else {
            return;
        };
        let mut cases = self.cases.write().expect("summaries lock");
        let Some(case) = cases.open.remove(&case_id).or_else(|| {
            // A case not yet open here starts with this commit; a resolved one changes no more.
            (!cases.summaries.contains_key(&case_id)).then(Case::default)
        }) else {
            return;
        };
        let case = events.iter().fold(case, Case::evolve);
        let Some(summary) = Summary::of(&case) else {
            return;
        };
        if !case.is_resolved() {
            cases.open.insert(case_id, case);
        }
        cases.summaries.insert(case_id, summary.clone());
        // Nobody listening is fine.
        let _ = self.changes.send(Arc::new(summary));
    }

    /// The summaries that pass `keep`, oldest report first.
    pub fn select(&self, keep: impl Fn(&Summary) -> bool) -> Vec<Summary> {
        let cases = self.cases.read().expect("summaries lock");
        let mut selected: Vec<Summary> = cases
            .summaries
            .values()
            .filter(|s| keep(s))
            .cloned()
            .collect();
        selected.sort_by_key(|s| (s.reported_at, s.case_id));
        selected
    }
}

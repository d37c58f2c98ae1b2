//! Terminal feeds, folded from the case log.

use chrono::{DateTime, Utc};
use quickclear_eventstore::{Commit, Position};
use quickclear_platform::{Follower, Step};
use quickclear_schemas::event::CaseEvent;
use quickclear_schemas::message::FeedItem;
use quickclear_schemas::report::Report;
use quickclear_schemas::{CaseId, TaskKind, UnitId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// One item on one unit's feed.
#[derive(Debug)]
pub struct Posted {
    pub position: Position,
    pub unit: UnitId,
    pub item: FeedItem,
    /// When the report behind the item was accepted (for the report-to-terminal latency).
    pub reported_at: DateTime<Utc>,
}

struct OpenCase {
    report: Box<Report>,
    reported_at: DateTime<Utc>,
    holders: BTreeMap<TaskKind, UnitId>,
}

/// New items a unit's connected terminals have not yet been sent. A terminal that falls further
/// behind than this reads what it missed from the feed itself.
const LIVE_BUFFER: usize = 1024;

/// One unit's items, and the broadcast its terminals listen to. One broadcast per unit, so that a
/// terminal wakes only for its own unit's items, not for every unit's.
struct UnitFeed {
    items: Vec<Arc<Posted>>,
    live: broadcast::Sender<Arc<Posted>>,
}

impl Default for UnitFeed {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            live: broadcast::channel(LIVE_BUFFER).0,
        }
    }
}

#[derive(Default)]
struct State {
    feeds: HashMap<UnitId, UnitFeed>,
    open: HashMap<CaseId, OpenCase>,
}

/// Every served unit's feed, with a broadcast of its new items.
pub struct Feeds {
    kinds: Vec<TaskKind>,
    state: RwLock<State>,
}

impl Feeds {
    pub fn new(kinds: Vec<TaskKind>) -> Arc<Self> {
        Arc::new(Self {
            kinds,
            state: RwLock::default(),
        })
    }

    pub fn serves(&self, kind: TaskKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// Follows the case log for as long as the process runs.
    pub async fn follow(self: Arc<Self>, mut log: Follower) {
        loop {
            if let Step::Commit(commit) = log.next().await {
                self.apply(&commit);
            }
        }
    }

    /// The unit's items after `after`, and a subscription to its new items: taken under one lock,
    /// so together they hold every item exactly once.
    pub fn watch(
        &self,
        unit: &UnitId,
        after: Position,
    ) -> (Vec<Arc<Posted>>, broadcast::Receiver<Arc<Posted>>) {
        let mut state = self.state.write().expect("feeds lock");
        let feed = state.feeds.entry(unit.clone()).or_default();
        (items_after(&feed.items, after), feed.live.subscribe())
    }

    pub fn since(&self, unit: &UnitId, after: Position) -> Vec<Arc<Posted>> {
        let state = self.state.read().expect("feeds lock");
        state
            .feeds
            .get(unit)
            .map(|feed| items_after(&feed.items, after))
            .unwrap_or_default()
    }

    fn apply(&self, commit: &Commit) {
        let mut posted = Vec::new();
        {
            let mut state = self.state.write().expect("feeds lock");
            for envelope in &commit.events {
                let at = envelope.recorded_at;
                let case_id = commit.case_id;
                match &envelope.event {
                    CaseEvent::ReportReceived(e) => {
                        let case = OpenCase {
                            report: Box::new(e.report.clone()),
                            reported_at: at,
                            holders: BTreeMap::new(),
                        };
                        state.open.insert(case_id, case);
                    }
                    CaseEvent::CaseDispatched(e) => {
                        for a in &e.assignments {
                            posted.extend(assign(&mut state, case_id, a.task, &a.unit, None, at));
                        }
                    }
                    CaseEvent::TaskOnScene(e) => {
                        if let Some(case) = state.open.get_mut(&case_id) {
                            case.holders.entry(e.task).or_insert_with(|| e.unit.clone());
                        }
                    }
                    CaseEvent::TaskReassigned(e) => {
                        posted.extend(withdraw(
                            &state,
                            case_id,
                            e.task,
                            &e.from_unit,
                            "reassigned after no acknowledgement",
                        ));
                        posted.extend(assign(
                            &mut state,
                            case_id,
                            e.task,
                            &e.unit,
                            Some(e.from_unit.clone()),
                            at,
                        ));
                    }
                    CaseEvent::TaskCleared(e) => {
                        if let Some(case) = state.open.get_mut(&case_id) {
                            case.holders.remove(&e.task);
                        }
                    }
                    CaseEvent::CaseCleared(_) | CaseEvent::CaseClosed(_) => {
                        let reason = match &envelope.event {
                            CaseEvent::CaseCleared(_) => "case cleared",
                            _ => "case closed",
                        };
                        if let Some(case) = state.open.remove(&case_id) {
                            for (task, unit) in &case.holders {
                                posted.extend(withdraw_from(&case, case_id, *task, unit, reason));
                            }
                        }
                    }
                    _ => {}
                }
            }
            posted.retain(|p: &Posted| self.serves(p.item_task()));
            for mut p in posted {
                p.position = commit.position;
                let p = Arc::new(p);
                let feed = state.feeds.entry(p.unit.clone()).or_default();
                feed.items.push(p.clone());
                // No terminal connected is fine: it catches up when it connects.
                let _ = feed.live.send(p);
            }
        }
    }
}

fn items_after(items: &[Arc<Posted>], after: Position) -> Vec<Arc<Posted>> {
    items[items.partition_point(|p| p.position <= after)..].to_vec()
}

impl Posted {
    fn item_task(&self) -> TaskKind {
        match &self.item {
            FeedItem::TaskAssigned { task, .. } | FeedItem::TaskWithdrawn { task, .. } => *task,
        }
    }
}

fn assign(
    state: &mut State,
    case_id: CaseId,
    task: TaskKind,
    unit: &UnitId,
    escalated_from: Option<UnitId>,
    at: DateTime<Utc>,
) -> Option<Posted> {
    let case = state.open.get_mut(&case_id)?;
    case.holders.insert(task, unit.clone());
    Some(Posted {
        position: 0,
        unit: unit.clone(),
        reported_at: case.reported_at,
        item: FeedItem::TaskAssigned {
            case_id,
            task,
            unit: unit.clone(),
            assigned_at: at,
            reported_at: case.reported_at,
            escalated_from,
            report: case.report.clone(),
        },
    })
}

fn withdraw(
    state: &State,
    case_id: CaseId,
    task: TaskKind,
    unit: &UnitId,
    reason: &str,
) -> Option<Posted> {
    withdraw_from(state.open.get(&case_id)?, case_id, task, unit, reason)
}

fn withdraw_from(
    case: &OpenCase,
    case_id: CaseId,
    task: TaskKind,
    unit: &UnitId,
    reason: &str,
) -> Option<Posted> {
    Some(Posted {
        position: 0,
        unit: unit.clone(),
        reported_at: case.reported_at,
        item: FeedItem::TaskWithdrawn {
            case_id,
            task,
            unit: unit.clone(),
            reason: reason.into(),
        },
    })
}

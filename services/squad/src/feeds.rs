//! Terminal feeds, folded from the case log.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use quickclear_eventstore::{Commit, Delivery, EventStore, Position};
use quickclear_platform::metrics::Progress;
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

#[derive(Default)]
struct State {
    feeds: HashMap<UnitId, Vec<Arc<Posted>>>,
    open: HashMap<CaseId, OpenCase>,
}

/// Every served unit's feed, and a broadcast of new items.
pub struct Feeds {
    kinds: Vec<TaskKind>,
    state: RwLock<State>,
    live: broadcast::Sender<Arc<Posted>>,
}

impl Feeds {
    pub fn new(kinds: Vec<TaskKind>) -> Arc<Self> {
        let (live, _) = broadcast::channel(16_384);
        Arc::new(Self {
            kinds,
            state: RwLock::default(),
            live,
        })
    }

    pub fn serves(&self, kind: TaskKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// Follows the case log for as long as the process runs, resuming after a lost subscription.
    pub async fn follow(self: Arc<Self>, store: Arc<dyn EventStore>) {
        let progress = Progress::track("squad", store.clone(), std::time::Duration::from_secs(2));
        let mut position = 0;
        loop {
            let mut log = match store.subscribe(position).await {
                Ok(log) => log,
                Err(error) => {
                    tracing::warn!(%error, "squad feeds cannot subscribe; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    continue;
                }
            };
            while let Some(delivery) = log.next().await {
                match delivery {
                    Ok(Delivery::Commit(commit)) => {
                        position = commit.position;
                        self.apply(&commit);
                        progress.handled(position);
                    }
                    Ok(Delivery::CaughtUp) => tracing::info!(position, "squad feeds caught up"),
                    Err(error) => {
                        tracing::warn!(%error, "squad feeds lost the case log; resubscribing");
                        break;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Subscribes to new items, then returns the unit's items after `after`: together they miss
    /// nothing (the caller drops live items it already had from the snapshot).
    pub fn watch(
        &self,
        unit: &UnitId,
        after: Position,
    ) -> (Vec<Arc<Posted>>, broadcast::Receiver<Arc<Posted>>) {
        let live = self.live.subscribe();
        (self.since(unit, after), live)
    }

    pub fn since(&self, unit: &UnitId, after: Position) -> Vec<Arc<Posted>> {
        let state = self.state.read().expect("feeds lock");
        let Some(feed) = state.feeds.get(unit) else {
            return Vec::new();
        };
        let start = feed.partition_point(|p| p.position <= after);
        feed[start..].to_vec()
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
            let posted_now: Vec<Arc<Posted>> = posted
                .drain(..)
                .map(|mut p| {
                    p.position = commit.position;
                    Arc::new(p)
                })
                .collect();
            for p in &posted_now {
                state
                    .feeds
                    .entry(p.unit.clone())
                    .or_default()
                    .push(p.clone());
            }
            drop(state);
            for p in posted_now {
                // No terminal connected is fine: it catches up when it connects.
                let _ = self.live.send(p);
            }
        }
    }
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

//! The dispatch loop.

use crate::board::Board;
use crate::choose::{RULE, assignments, next_unit};
use crate::metrics::{ESCALATIONS, REPORT_TO_DISPATCH, UNACKNOWLEDGED};
use chrono::Duration;
use futures::StreamExt;
use quickclear_case::{CaseCommand, CommandContext, decide, stamp};
use quickclear_eventstore::{Appended, Commit, Delivery, EventStore, ExpectedVersion, StoreError};
use quickclear_platform::Clock;
use quickclear_platform::metrics::Progress;
use quickclear_roster::{LatLng, Roster};
use quickclear_schemas::{Actor, CaseId, CommandId, TaskKind};
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Clone, Copy, Debug)]
pub struct DispatchConfig {
    /// How long a unit has to acknowledge a task before it is escalated.
    pub ack_window: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            ack_window: Duration::seconds(60),
        }
    }
}

pub struct Dispatcher {
    store: Arc<dyn EventStore>,
    roster: Arc<Roster>,
    clock: Clock,
    board: Board,
    /// Log position handled so far; a resubscription continues from here.
    position: u64,
    progress: Progress,
    results: (
        mpsc::UnboundedSender<Outcome>,
        mpsc::UnboundedReceiver<Outcome>,
    ),
}

/// What an append in flight writes, for the metrics once it is stored.
#[derive(Clone, Copy)]
enum Appending {
    Dispatch,
    Escalation(TaskKind),
}

/// What an append in flight came back with.
enum Outcome {
    Stored {
        case_id: CaseId,
        appended: Appended,
        what: Appending,
    },
    Refused {
        case_id: CaseId,
        error: StoreError,
    },
    Reread {
        case_id: CaseId,
        commits: Vec<Commit>,
    },
}

/// Dispatch's command ids are derived from the case, so a restarted dispatcher repeating a decision
/// repeats its id too: the store and the aggregate both recognise it.
fn command_id(case_id: CaseId, what: &str) -> CommandId {
    CommandId(Uuid::new_v5(&case_id.0, what.as_bytes()))
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn EventStore>,
        roster: Arc<Roster>,
        clock: Clock,
        config: DispatchConfig,
    ) -> Self {
        let progress =
            Progress::track("dispatch", store.clone(), std::time::Duration::from_secs(2));
        Self {
            store,
            roster,
            clock,
            board: Board::new(config.ack_window),
            position: 0,
            progress,
            results: mpsc::unbounded_channel(),
        }
    }

    /// Runs until the process ends; a lost subscription is resumed where it stopped.
    pub async fn run(mut self) {
        loop {
            if let Err(error) = self.follow().await {
                tracing::warn!(%error, "dispatch lost the case log; resubscribing");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    }

    async fn follow(&mut self) -> Result<(), StoreError> {
        // Dispatch's only effects are appends to the same log, so it may start on a report before
        // the report is durable: its dispatch is then ready for the very next fsync.
        let mut log = self.store.subscribe_unsynced(self.position).await?;
        let mut live = false;
        loop {
            let deadline = self.board.next_deadline().filter(|_| live);
            let timer = async {
                match deadline {
                    Some(at) => self.clock.sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                delivery = log.next() => match delivery {
                    Some(Ok(Delivery::Commit(commit))) => {
                        self.position = commit.position;
                        self.progress.handled(commit.position);
                        let case_id = commit.case_id;
                        if self.board.apply(commit) && live {
                            self.dispatch(case_id);
                        }
                    }
                    Some(Ok(Delivery::CaughtUp)) => {
                        live = true;
                        tracing::info!(position = self.position, "dispatch caught up with the case log");
                        for case_id in self.board.undispatched() {
                            self.dispatch(case_id);
                        }
                    }
                    Some(Err(error)) => return Err(error),
                    None => return Err(StoreError::Unavailable("subscription ended".into())),
                },
                Some(outcome) = self.results.1.recv() => self.settle(outcome),
                () = timer => self.escalate_overdue().await,
            }
            UNACKNOWLEDGED.set(self.board.unacknowledged() as i64);
        }
    }

    /// Dispatches the case if it is open, undispatched and not already being written.
    fn dispatch(&mut self, case_id: CaseId) {
        let Some(tracked) = self.board.get(&case_id) else {
            return;
        };
        if tracked.case.dispatched_at.is_some() || tracked.is_appending() {
            return;
        }
        let Some(assignments) = assignments(&tracked.case, &self.roster, self.board.loads()) else {
            return;
        };
        let command = CaseCommand::Dispatch {
            assignments,
            rule: RULE.into(),
        };
        self.append(
            case_id,
            command_id(case_id, "dispatch"),
            command,
            Appending::Dispatch,
        );
    }

    async fn escalate_overdue(&mut self) {
        let now = self.clock.now();
        let mut started = false;
        for (case_id, kind) in self.board.overdue(now) {
            started |= self.escalate(case_id, kind, now);
        }
        if !started {
            // Every overdue task is waiting on an append; look again shortly.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    fn escalate(
        &mut self,
        case_id: CaseId,
        kind: TaskKind,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let Some(tracked) = self.board.get(&case_id) else {
            return false;
        };
        let (Some(task), Some(report)) = (tracked.case.tasks.get(&kind), &tracked.case.report)
        else {
            return false;
        };
        if tracked.is_appending() {
            return false;
        }
        let waited = task
            .assigned_at
            .map_or(0, |at| (now - at).num_seconds().max(0) as u64);
        let mut tried = task.escalated_from.clone();
        tried.push(task.unit.clone());
        let at = LatLng {
            lat: report.location.lat,
            lng: report.location.lng,
        };
        let next = next_unit(kind, at, &tried, &self.roster, self.board.loads());
        let id = command_id(
            case_id,
            &format!("escalate/{kind}/{}/{}", task.unit, tried.len()),
        );
        let command = CaseCommand::Escalate {
            task: kind,
            unit: task.unit.clone(),
            waited_seconds: waited,
            next_unit: next,
        };
        self.append(case_id, id, command, Appending::Escalation(kind))
    }

    /// Decides on the board's copy of the case and appends in the background.
    fn append(
        &mut self,
        case_id: CaseId,
        command_id: CommandId,
        command: CaseCommand,
        what: Appending,
    ) -> bool {
        let Some(tracked) = self.board.get(&case_id) else {
            return false;
        };
        let ctx = CommandContext {
            case_id,
            command_id,
            actor: Actor::system("dispatch"),
            now: self.clock.now(),
        };
        let events = match decide(&tracked.case, command_id, &command) {
            Ok(events) if !events.is_empty() => events,
            Ok(_) => return false,
            Err(error) => {
                tracing::warn!(%case_id, %error, "dispatch decided nothing");
                return false;
            }
        };
        let envelopes = stamp(&ctx, tracked.case.correlation_id, events);
        let expected = ExpectedVersion::after(Some(tracked.last).filter(|p| *p > 0));
        self.board.begin_append(case_id, &envelopes);
        let store = self.store.clone();
        let results = self.results.0.clone();
        tokio::spawn(async move {
            let outcome = match store
                .append(case_id, expected, &command_id.to_string(), &envelopes)
                .await
            {
                Ok(appended) => Outcome::Stored {
                    case_id,
                    appended,
                    what,
                },
                Err(error) => Outcome::Refused { case_id, error },
            };
            let _ = results.send(outcome);
        });
        true
    }

    fn settle(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Stored {
                case_id,
                appended,
                what,
            } => {
                self.board.end_append(case_id, appended.position);
                match what {
                    Appending::Dispatch => self.observe_dispatch_latency(case_id),
                    Appending::Escalation(kind) => {
                        ESCALATIONS.with_label_values(&[kind.as_str()]).inc();
                    }
                }
            }
            Outcome::Refused { case_id, error } => {
                tracing::debug!(%case_id, %error, "append refused; re-reading the case");
                let store = self.store.clone();
                let results = self.results.0.clone();
                let unavailable = !matches!(error, StoreError::Conflict { .. });
                tokio::spawn(async move {
                    loop {
                        if unavailable {
                            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                        }
                        if let Ok(commits) = store.read_stream(case_id).await {
                            let _ = results.send(Outcome::Reread { case_id, commits });
                            return;
                        }
                    }
                });
            }
            Outcome::Reread { case_id, commits } => {
                self.board.replace(case_id, &commits);
                self.dispatch(case_id);
            }
        }
    }

    fn observe_dispatch_latency(&self, case_id: CaseId) {
        let Some(tracked) = self.board.get(&case_id) else {
            return;
        };
        let Some(reported) = tracked.case.reported_at else {
            return;
        };
        let seconds = self.clock.real_seconds_between(reported, self.clock.now());
        for kind in TaskKind::ALL {
            REPORT_TO_DISPATCH
                .with_label_values(&[kind.as_str()])
                .observe(seconds);
        }
    }
}

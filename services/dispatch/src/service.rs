//! The dispatch loop.

use crate::board::Board;
use crate::choose::{RULE, assignments, next_unit};
use crate::metrics::{ESCALATIONS, REPORT_TO_DISPATCH, UNACKNOWLEDGED, UNDISPATCHED};
use chrono::Duration;
use quickclear_case::{CaseCommand, CommandContext, decide, stamp};
use quickclear_eventstore::{Appended, Commit, EventStore, ExpectedVersion, StoreError};
use quickclear_platform::{Clock, Follower, Step};
use quickclear_roster::{LatLng, Roster};
use quickclear_schemas::{Actor, CaseId, CommandId, TaskKind};
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Clone, Copy, Debug)]
pub struct DispatchConfig {
    /// How long a unit has to acknowledge a task before it is escalated.
    pub ack_window: Duration,
    /// How long, in real time, a report may wait for its units before it is reported as waiting:
    /// on `/readyz` (the `undispatched` alert), in `quickclear_dispatch_undispatched_reports` and
    /// on the board.
    pub dispatch_within: std::time::Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            ack_window: Duration::seconds(60),
            dispatch_within: std::time::Duration::from_secs(10),
        }
    }
}

pub struct Dispatcher {
    store: Arc<dyn EventStore>,
    roster: Arc<Roster>,
    clock: Clock,
    board: Board,
    dispatch_within: std::time::Duration,
    /// The case log, from dispatch's point of view: unsynced ([`Dispatcher::new`]).
    log: Follower,
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

/// How often dispatch looks for reports waiting longer than that.
const WAITING_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Dispatch's command ids are derived from the case, so a restarted dispatcher repeating a decision
/// repeats its id too: the store and the aggregate both recognise it.
fn command_id(case_id: CaseId, what: &str) -> CommandId {
    CommandId(Uuid::new_v5(&case_id.0, what.as_bytes()))
}

impl Dispatcher {
    /// `log` should follow the log unsynced ([`quickclear_platform::Consistency::Unsynced`]):
    /// dispatch's only effects are appends to the same log, so it may start on a report before the
    /// report is durable, and its dispatch is then ready for the very next fsync.
    pub fn new(
        log: Follower,
        store: Arc<dyn EventStore>,
        roster: Arc<Roster>,
        clock: Clock,
        config: DispatchConfig,
    ) -> Self {
        Self {
            store,
            roster,
            clock,
            board: Board::new(config.ack_window),
            dispatch_within: config.dispatch_within,
            log,
            results: mpsc::unbounded_channel(),
        }
    }

    /// Runs until the process ends.
    pub async fn run(mut self) {
        let mut live = false;
        let mut waiting_check = tokio::time::interval(WAITING_CHECK);
        waiting_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let deadline = self.board.next_deadline().filter(|_| live);
            let clock = self.clock;
            let timer = async move {
                match deadline {
                    Some(at) => clock.sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                step = self.log.next() => match step {
                    Step::Commit(commit) => {
                        let case_id = commit.case_id;
                        if self.board.apply(commit) && live {
                            self.dispatch(case_id);
                        }
                    }
                    // Also after a lost subscription is taken up again: what was missed meanwhile
                    // is dispatched now.
                    Step::CaughtUp => {
                        live = true;
                        for case_id in self.board.undispatched() {
                            self.dispatch(case_id);
                        }
                    }
                },
                Some(outcome) = self.results.1.recv() => self.settle(outcome),
                () = timer => self.escalate_overdue().await,
                _ = waiting_check.tick(), if live => self.report_waiting(),
            }
            UNACKNOWLEDGED.set(self.board.unacknowledged() as i64);
        }
    }

    /// Raises the `undispatched` alert (`/readyz`) while a report has waited longer than
    /// [`DispatchConfig::dispatch_within`] for its units, and clears it once none has.
    fn report_waiting(&self) {
        let due = self.clock.now() - self.clock.span_of(self.dispatch_within);
        let waiting = self.board.waiting_for_dispatch(due);
        UNDISPATCHED.set(waiting.len() as i64);
        let detail = waiting.first().map(|(case_id, reported)| {
            format!(
                "{} report(s) not dispatched within {} s; the oldest: case {case_id}, reported at {reported}",
                waiting.len(),
                self.dispatch_within.as_secs()
            )
        });
        self.log.status().alert("undispatched", detail);
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

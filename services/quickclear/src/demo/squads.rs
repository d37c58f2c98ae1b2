//! Simulated squads and a simulated dispatcher.
//!
//! They learn of their work the way the services do, by following the case log in-process (an
//! assignment is a `CaseDispatched` or `TaskReassigned` event), and act over HTTP like terminals and
//! dispatch desks: each assigned task gets a small lifecycle that sleeps on the simulated clock and
//! sends acknowledge, en route, on scene, a finding that fits the squad, and clear, with fresh
//! command ids. A few tasks are never acknowledged, so the dispatcher escalates them. Each case gets a
//! resolution plan: a theft whose record shows an arrest is cleared by arrest a few hours after the
//! report (the precinct unit records the arrest first); of the others some are cleared by exceptional
//! means or closed administratively after days, and most stay open, as most thefts do.
//!
//! Refusals are expected now and then (409 when the case was resolved while a unit was still working
//! it, or a task moved to another unit after an escalation): they are counted, and that lifecycle ends.

use crate::demo::api::{Answer, Api};
use crate::demo::cameras::Cameras;
use crate::demo::reports::{Arrests, warn_sometimes};
use crate::demo::rng::SplitMix64;
use crate::demo::sessions::As;
use crate::demo::stats::{Stats, inc};
use chrono::{DateTime, Duration, Utc};
use quickclear_case::{Case, TaskStatus};
use quickclear_platform::{Clock, Follower, Step};
use quickclear_schemas::finding::{EvidenceItem, Finding, TrajectoryPoint};
use quickclear_schemas::message::{Resolution, ResolutionRequest, TaskAction, TaskCommandRequest};
use quickclear_schemas::{CaseEvent, CaseId, CommandId, EventEnvelope, TaskKind, UnitId};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Share of tasks a unit never acknowledges (the dispatcher escalates them).
const NEVER_ACKNOWLEDGED: f64 = 0.03;
/// Share of property tasks that recover property, with an arrest and without one.
const RECOVERY_WITH_ARREST: f64 = 0.6;
const RECOVERY_WITHOUT_ARREST: f64 = 0.05;
/// Of the cases without an arrest: cleared by exceptional means, and closed administratively.
const EXCEPTIONAL: f64 = 0.10;
const ADMINISTRATIVE: f64 = 0.05;

/// What the simulated actors know about a case.
#[derive(Debug)]
struct CaseInfo {
    case_id: CaseId,
    reported_at: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
    lat: f64,
    lng: f64,
    items: Vec<String>,
    value_cents: u64,
    /// The theft's record says an arrest was made.
    arrest: bool,
}

pub struct Squads {
    pub api: Api,
    pub clock: Clock,
    pub stats: Arc<Stats>,
    pub seed: u64,
    pub cameras: Arc<Cameras>,
    pub arrests: Arrests,
    /// Simulated seconds a unit takes to acknowledge (before the dispatcher's window closes).
    pub ack_seconds: (u64, u64),
}

impl Squads {
    /// The acknowledgement delays for an acknowledgement window: half a minute up to three minutes,
    /// but within the first half of the window, so that only the units that never answer are
    /// escalated (the other half absorbs request latency, which at 6000x is simulated seconds).
    pub fn ack_seconds_for(ack_window: Duration) -> (u64, u64) {
        let window = ack_window.num_seconds().max(1) as u64;
        let low = 30.min(window / 4);
        let high = 180.min(window / 2).max(low);
        (low, high)
    }

    /// Follows the case log for as long as the process runs. Cases open when it catches up (left by
    /// an earlier run) are picked up where they stand; from then on each new assignment starts a
    /// lifecycle.
    pub async fn follow(self: Arc<Self>, mut log: Follower) {
        let mut open: HashMap<CaseId, Case> = HashMap::new();
        let mut live = false;
        loop {
            match log.next().await {
                Step::Commit(commit) => {
                    for envelope in &commit.events {
                        self.apply(&mut open, envelope, live);
                    }
                }
                Step::CaughtUp if !live => {
                    live = true;
                    self.pick_up(&open);
                }
                Step::CaughtUp => {}
            }
        }
    }

    fn apply(
        self: &Arc<Self>,
        open: &mut HashMap<CaseId, Case>,
        envelope: &EventEnvelope,
        live: bool,
    ) {
        let case_id = envelope.case_id;
        let stats = &self.stats;
        if let CaseEvent::ReportReceived(_) = &envelope.event {
            inc(&stats.cases_reported);
            open.insert(case_id, Case::default().evolve(envelope));
            return;
        }
        match &envelope.event {
            CaseEvent::CaseDispatched(_) => inc(&stats.cases_dispatched),
            CaseEvent::TaskAcknowledged(_) => inc(&stats.tasks_acknowledged),
            CaseEvent::TaskEscalated(_) => inc(&stats.escalations),
            CaseEvent::TaskReassigned(_) => inc(&stats.reassignments),
            CaseEvent::ArrestMade(_) => inc(&stats.arrests),
            CaseEvent::PropertyReturned(_) => inc(&stats.property_returned),
            CaseEvent::CaseCleared(_) => inc(&stats.cleared),
            CaseEvent::CaseClosed(_) => inc(&stats.closed),
            _ => {}
        }
        let Some(case) = open.remove(&case_id) else {
            return;
        };
        let case = case.evolve(envelope);
        if live {
            match &envelope.event {
                CaseEvent::CaseDispatched(e) => {
                    if let Some(reported) = case.reported_at {
                        stats.observe_dispatch(
                            self.clock
                                .real_seconds_between(reported, envelope.recorded_at),
                        );
                    }
                    if let Some(info) = self.info(&case) {
                        for a in &e.assignments {
                            let fresh = case.tasks.get(&a.task).is_some_and(|t| {
                                t.unit == a.unit && t.status == TaskStatus::Assigned
                            });
                            if fresh {
                                self.start_task(
                                    &info,
                                    a.task,
                                    a.unit.clone(),
                                    TaskStatus::Assigned,
                                    envelope.recorded_at,
                                    &case,
                                );
                            }
                        }
                        self.start_resolution(info);
                    }
                }
                CaseEvent::TaskReassigned(e) => {
                    if let Some(info) = self.info(&case) {
                        self.start_task(
                            &info,
                            e.task,
                            e.unit.clone(),
                            TaskStatus::Assigned,
                            envelope.recorded_at,
                            &case,
                        );
                    }
                }
                _ => {}
            }
        }
        // A case stays in view while it is open and some task may still be worked or reassigned.
        let all_done = case.tasks.len() == TaskKind::ALL.len()
            && case.tasks.values().all(|t| t.status.is_finished());
        if !case.is_resolved() && !all_done {
            open.insert(case_id, case);
        }
    }

    /// Picks up the open cases an earlier run left: each unfinished task from where it stands, and
    /// the case's resolution plan.
    fn pick_up(self: &Arc<Self>, open: &HashMap<CaseId, Case>) {
        let now = self.clock.now();
        let mut resumed = 0;
        for case in open.values().filter(|c| c.dispatched_at.is_some()) {
            let Some(info) = self.info(case) else {
                continue;
            };
            for task in case.tasks.values() {
                if !task.status.is_finished() && !task.escalation_pending {
                    self.start_task(&info, task.kind, task.unit.clone(), task.status, now, case);
                }
            }
            self.start_resolution(info);
            resumed += 1;
        }
        if resumed > 0 {
            tracing::info!(
                cases = resumed,
                "demo squads picked up the open cases of an earlier run"
            );
        }
    }

    fn info(&self, case: &Case) -> Option<Arc<CaseInfo>> {
        let report = case.report.as_ref()?;
        let arrest = report
            .idempotency
            .as_ref()
            .is_some_and(|i| self.arrests.lock().expect("arrests lock").contains(&i.key));
        Some(Arc::new(CaseInfo {
            case_id: case.id?,
            reported_at: case.reported_at?,
            occurred_at: report.occurred.to,
            lat: report.location.lat,
            lng: report.location.lng,
            items: report.items.iter().map(|i| i.description.clone()).collect(),
            value_cents: report.items.iter().map(|i| i.value_cents).sum(),
            arrest,
        }))
    }

    fn start_task(
        self: &Arc<Self>,
        info: &Arc<CaseInfo>,
        kind: TaskKind,
        unit: UnitId,
        from: TaskStatus,
        since: DateTime<Utc>,
        case: &Case,
    ) {
        let job = TaskJob {
            info: info.clone(),
            kind,
            unit,
            from,
            since,
            arrested: case.arrests > 0,
            recovered: case.property_recovered,
        };
        let squads = self.clone();
        let active = Active::new(&self.stats);
        tokio::spawn(async move {
            squads.work(job).await;
            drop(active);
        });
    }

    fn start_resolution(self: &Arc<Self>, info: Arc<CaseInfo>) {
        let squads = self.clone();
        let active = Active::new(&self.stats);
        tokio::spawn(async move {
            squads.resolve(&info).await;
            drop(active);
        });
    }

    /// One unit's work on one task, from `job.from` to clearing it.
    async fn work(&self, job: TaskJob) {
        let TaskJob {
            info,
            kind,
            unit,
            from,
            since,
            arrested,
            recovered,
        } = job;
        let mut rng = SplitMix64::for_key(self.seed, &format!("{}/{kind}/{unit}", info.case_id));
        let mut at = since;
        let act = async |at: &mut DateTime<Utc>, delay: Duration, action: TaskAction| {
            *at += delay;
            self.clock.sleep_until(*at).await;
            self.act(&info, kind, &unit, action).await
        };
        if from == TaskStatus::Assigned {
            if rng.chance(NEVER_ACKNOWLEDGED) {
                return;
            }
            let delay =
                Duration::seconds(rng.between(self.ack_seconds.0, self.ack_seconds.1) as i64);
            if !act(&mut at, delay, TaskAction::Acknowledge).await {
                return;
            }
        }
        if from <= TaskStatus::Acknowledged
            && !act(&mut at, minutes(&mut rng, 1, 5), TaskAction::EnRoute).await
        {
            return;
        }
        if from <= TaskStatus::EnRoute
            && !act(&mut at, minutes(&mut rng, 10, 40), TaskAction::OnScene).await
        {
            return;
        }
        let finding = self.finding(&info, kind, &mut rng);
        if !act(
            &mut at,
            minutes(&mut rng, 15, 60),
            TaskAction::RecordFinding { finding },
        )
        .await
        {
            return;
        }
        match kind {
            TaskKind::Precinct if info.arrest && !arrested => {
                let description = rng.pick(SUSPECTS).to_string();
                if !act(
                    &mut at,
                    minutes(&mut rng, 10, 40),
                    TaskAction::SuspectIdentified { description },
                )
                .await
                {
                    return;
                }
                let note = "suspect arrested near the scene".to_owned();
                if !act(
                    &mut at,
                    minutes(&mut rng, 10, 60),
                    TaskAction::Arrest { note },
                )
                .await
                {
                    return;
                }
            }
            TaskKind::Property if !recovered && !info.items.is_empty() => {
                let p = if info.arrest {
                    RECOVERY_WITH_ARREST
                } else {
                    RECOVERY_WITHOUT_ARREST
                };
                if rng.chance(p) {
                    let (items, value_cents) = (info.items.clone(), info.value_cents);
                    let recovered = TaskAction::PropertyRecovered { items, value_cents };
                    if !act(&mut at, minutes(&mut rng, 20, 90), recovered).await {
                        return;
                    }
                    let (items, value_cents) = (info.items.clone(), info.value_cents);
                    let returned = TaskAction::PropertyReturned { items, value_cents };
                    if !act(&mut at, minutes(&mut rng, 30, 120), returned).await {
                        return;
                    }
                }
            }
            _ => {}
        }
        let note = "work on the case done".to_owned();
        act(
            &mut at,
            minutes(&mut rng, 15, 45),
            TaskAction::Clear { note },
        )
        .await;
    }

    /// A finding that fits the squad: an interview, a video review past nearby cameras, evidence.
    fn finding(&self, info: &CaseInfo, kind: TaskKind, rng: &mut SplitMix64) -> Finding {
        match kind {
            TaskKind::Precinct => Finding::Interview {
                person: rng.pick(PEOPLE).to_string(),
                statement: rng.pick(STATEMENTS).to_string(),
            },
            TaskKind::Property => {
                let wanted = rng.between(1, 2) as usize;
                let cameras = self.cameras.nearest(info.lat, info.lng, wanted);
                let mut seen = info.occurred_at;
                let mut trajectory = vec![TrajectoryPoint {
                    lat: info.lat,
                    lng: info.lng,
                    at: seen,
                    camera: None,
                }];
                for camera in &cameras {
                    seen += minutes(rng, 2, 15);
                    trajectory.push(TrajectoryPoint {
                        lat: camera.lat,
                        lng: camera.lng,
                        at: seen,
                        camera: Some(camera.id.clone()),
                    });
                }
                let notes = match cameras.last() {
                    Some(camera) => format!("suspect last seen passing camera {}", camera.id),
                    None => "no camera near the place".to_owned(),
                };
                Finding::VideoReview {
                    cameras: cameras.iter().map(|c| c.id.clone()).collect(),
                    trajectory,
                    notes,
                }
            }
            TaskKind::Scene => {
                let n = rng.between(1, 2);
                let items = (0..n)
                    .map(|_| {
                        let (kind, description) = rng.pick(EVIDENCE);
                        EvidenceItem {
                            kind: kind.into(),
                            description: description.into(),
                        }
                    })
                    .collect();
                Finding::SceneEvidence { items }
            }
        }
    }

    /// Sends one task command; answers whether the lifecycle goes on.
    async fn act(
        &self,
        info: &CaseInfo,
        kind: TaskKind,
        unit: &UnitId,
        action: TaskAction,
    ) -> bool {
        let name = action.name();
        let body = TaskCommandRequest {
            command_id: CommandId::random(),
            unit: unit.clone(),
            action,
        };
        let path = format!("/api/v1/cases/{}/tasks/{kind}/commands", info.case_id);
        self.send(As::Unit(unit), &path, &body, name).await.is_ok()
    }

    /// The case's resolution plan, carried out by the simulated dispatcher.
    async fn resolve(&self, info: &CaseInfo) {
        let mut rng = SplitMix64::for_key(self.seed, &format!("{}/resolution", info.case_id));
        let path = format!("/api/v1/cases/{}/resolution", info.case_id);
        if info.arrest {
            let mut at = info.reported_at + minutes(&mut rng, 6 * 60, 10 * 60);
            // The precinct may still be bringing the suspect in: look again later, twice.
            for _ in 0..3 {
                self.clock.sleep_until(at).await;
                let body = ResolutionRequest {
                    command_id: CommandId::random(),
                    dispatcher: None,
                    resolution: Resolution::ClearedByArrest,
                };
                match self
                    .send(As::Dispatcher, &path, &body, "cleared_by_arrest")
                    .await
                {
                    Err(Some(code)) if code == "no-arrest" => at += Duration::hours(2),
                    _ => return,
                }
            }
            return;
        }
        let roll = rng.unit();
        let resolution = if roll < EXCEPTIONAL {
            Resolution::ClearedExceptionally {
                reason: rng.pick(EXCEPTIONAL_REASONS).to_string(),
            }
        } else if roll < EXCEPTIONAL + ADMINISTRATIVE {
            Resolution::ClosedAdministratively {
                reason: rng.pick(CLOSURE_REASONS).to_string(),
            }
        } else {
            return;
        };
        self.clock
            .sleep_until(info.reported_at + minutes(&mut rng, 24 * 60, 5 * 24 * 60))
            .await;
        let body = ResolutionRequest {
            command_id: CommandId::random(),
            dispatcher: None,
            resolution,
        };
        let _ = self.send(As::Dispatcher, &path, &body, "resolution").await;
    }

    /// POSTs a command. `Err(Some(code))` is a refusal with its problem code, `Err(None)` no answer.
    async fn send(
        &self,
        who: As<'_>,
        path: &str,
        body: &impl serde::Serialize,
        what: &str,
    ) -> Result<(), Option<String>> {
        inc(&self.stats.commands_sent);
        let answer = self.api.post(who, path, None, body).await;
        let code = answer.problem_code().map(str::to_owned);
        match answer {
            Answer::Done { .. } => Ok(()),
            Answer::Refused { status, problem } => {
                inc(&self.stats.commands_refused);
                // 404 and 409 are the case moving on without this unit; anything else is a fault.
                if status != 404 && status != 409 {
                    inc(&self.stats.command_failures);
                    warn_sometimes(
                        &self.stats.command_failures,
                        || tracing::warn!(path, what, status, %problem, "demo: a command was refused"),
                    );
                }
                Err(code)
            }
            Answer::Failed(error) => {
                inc(&self.stats.command_failures);
                warn_sometimes(
                    &self.stats.command_failures,
                    || tracing::warn!(path, what, %error, "demo: a command got no answer"),
                );
                Err(None)
            }
        }
    }
}

struct TaskJob {
    info: Arc<CaseInfo>,
    kind: TaskKind,
    unit: UnitId,
    /// Where the task stands when the unit starts working it.
    from: TaskStatus,
    /// The simulated time the steps' delays count from.
    since: DateTime<Utc>,
    arrested: bool,
    recovered: bool,
}

/// Counts a lifecycle or resolution as waiting to act, for as long as it lives.
struct Active(Arc<Stats>);

impl Active {
    fn new(stats: &Arc<Stats>) -> Self {
        stats.active.fetch_add(1, Ordering::Relaxed);
        Self(stats.clone())
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

fn minutes(rng: &mut SplitMix64, low: u64, high: u64) -> Duration {
    Duration::seconds(rng.between(low * 60, high * 60) as i64)
}

const PEOPLE: &[&str] = &[
    "the victim",
    "a witness",
    "a store employee",
    "a neighbour",
    "a bus driver",
];
const STATEMENTS: &[&str] = &[
    "saw a man in a dark hoodie leave in a hurry",
    "noticed the item missing about ten minutes later",
    "did not see the offender",
    "the offender ran toward the bus stop",
    "two young men were hanging around the entrance before it happened",
];
const SUSPECTS: &[&str] = &[
    "male, 20s, dark hoodie, grey backpack",
    "female, 30s, red jacket",
    "male, late teens, white sneakers, on a bicycle",
    "male, 40s, beard, blue work jacket",
];
const EVIDENCE: &[(&str, &str)] = &[
    (
        "fingerprint",
        "partial latent print lifted from the door frame",
    ),
    ("dna", "swab from a discarded drink cup"),
    ("tool_mark", "pry marks on the lock"),
    ("footwear", "footwear impression near the entrance"),
];
const EXCEPTIONAL_REASONS: &[&str] = &[
    "victim declined to pursue",
    "offender identified; prosecution declined",
    "restitution agreed with the store",
];
const CLOSURE_REASONS: &[&str] = &[
    "duplicate report",
    "report withdrawn by the victim",
    "unfounded after review",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_fit_the_window() {
        assert_eq!(Squads::ack_seconds_for(Duration::seconds(60)), (15, 30));
        assert_eq!(Squads::ack_seconds_for(Duration::seconds(600)), (30, 180));
        let (low, high) = Squads::ack_seconds_for(Duration::seconds(20));
        assert!(low <= high && high <= 10);
    }
}

//! The case rules as given / when / then examples.
//!
//! `given` applies commands through `decide` + `stamp` + `Case::evolve`, one minute apart; `when`
//! decides one more command (and applies it if accepted); `then` / `then_error` check what it decided.
//! A given command that is refused fails the test: the history must be a legal one.

use chrono::{DateTime, Duration, TimeZone, Utc};
use quickclear_case::{
    AppliedCommand, Case, CaseCommand, CaseError, CaseStatus, CommandContext, Task, TaskStatus,
    decide, stamp,
};
use quickclear_schemas::bounds::{MAX_CASE_ARRESTS, MAX_CASE_CENTS};
use quickclear_schemas::event::{
    ArrestMade, Assignment, CaseCleared, CaseClosed, CaseDispatched, Clearance, FindingRecorded,
    PropertyMovement, ReportReceived, SuspectIdentified, TaskCleared, TaskEscalated,
    TaskReassigned, TaskRef,
};
use quickclear_schemas::finding::{EvidenceItem, Finding, TrajectoryPoint};
use quickclear_schemas::message::{Resolution, TaskAction};
use quickclear_schemas::report::{
    Channel, Location, OccurredWindow, Offence, Report, Reporter, StolenItem,
};
use quickclear_schemas::{
    Actor, ActorKind, CaseEvent, CaseId, CommandId, EventEnvelope, TaskKind, UnitId,
};

use TaskKind::{Precinct, Property, Scene};

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

/// The time of the n-th accepted command (1-based): 2016-07-09 21:00 UTC plus n minutes.
fn t(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2016, 7, 9, 21, 0, 0).unwrap() + Duration::minutes(n)
}

/// A case and its stored events, built by applying commands the way a service does.
struct World {
    case_id: CaseId,
    case: Case,
    log: Vec<EventEnvelope>,
    accepted: i64,
}

impl World {
    fn new() -> Self {
        Self {
            case_id: CaseId::random(),
            case: Case::default(),
            log: Vec::new(),
            accepted: 0,
        }
    }

    /// Decides; if accepted, stamps the events at the next time and folds them into the case.
    fn apply(
        &mut self,
        command_id: CommandId,
        command: &CaseCommand,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        let events = decide(&self.case, command_id, command)?;
        self.accepted += 1;
        let ctx = CommandContext {
            case_id: self.case_id,
            command_id,
            actor: actor_for(command),
            now: t(self.accepted),
        };
        for envelope in stamp(&ctx, self.case.correlation_id, events.clone()) {
            self.case = std::mem::take(&mut self.case).evolve(&envelope);
            self.log.push(envelope);
        }
        Ok(events)
    }

    /// The time the last accepted command was stamped with.
    fn now(&self) -> DateTime<Utc> {
        t(self.accepted)
    }

    fn task(&self, kind: TaskKind) -> &Task {
        self.case
            .tasks
            .get(&kind)
            .unwrap_or_else(|| panic!("no {kind} task"))
    }

    fn when(self, command: CaseCommand) -> Then {
        self.when_id(CommandId::random(), command)
    }

    fn when_id(mut self, command_id: CommandId, command: CaseCommand) -> Then {
        let before = self.case.clone();
        let result = self.apply(command_id, &command);
        Then {
            world: self,
            before,
            result,
        }
    }
}

/// Commands that already happened, each under a fresh command id.
fn given(commands: impl IntoIterator<Item = CaseCommand>) -> World {
    given_ids(commands.into_iter().map(|c| (CommandId::random(), c)))
}

/// Commands that already happened, under the given command ids.
#[track_caller]
fn given_ids(commands: impl IntoIterator<Item = (CommandId, CaseCommand)>) -> World {
    let mut world = World::new();
    for (i, (id, command)) in commands.into_iter().enumerate() {
        if let Err(e) = world.apply(id, &command) {
            panic!("given command #{} ({command:?}) was refused: {e}", i + 1);
        }
    }
    world
}

struct Then {
    world: World,
    before: Case,
    result: Result<Vec<CaseEvent>, CaseError>,
}

impl Then {
    #[track_caller]
    fn then(self, expected: Vec<CaseEvent>) -> World {
        match &self.result {
            Ok(events) => assert_eq!(events, &expected),
            Err(e) => panic!("expected {expected:?}, the command was refused: {e:?}"),
        }
        self.world
    }

    #[track_caller]
    fn then_nothing(self) -> World {
        let before = self.before.clone();
        let world = self.then(vec![]);
        // An empty decision changes nothing, not even the applied command ids.
        assert_eq!(world.case, before);
        world
    }

    #[track_caller]
    fn then_error(self, expected: CaseError) -> World {
        match &self.result {
            Ok(events) => panic!("expected {expected:?}, the command decided {events:?}"),
            Err(e) => assert_eq!(e, &expected),
        }
        assert_eq!(
            self.world.case, self.before,
            "a refusal must not change the case"
        );
        self.world
    }

    /// Refused with the problem `code` (the stable slug of the HTTP answer), whatever the details.
    #[track_caller]
    fn then_refused(self, code: &str) -> World {
        match &self.result {
            Ok(events) => panic!("expected a {code} refusal, the command decided {events:?}"),
            Err(e) => assert_eq!(e.code(), code, "{e}"),
        }
        assert_eq!(
            self.world.case, self.before,
            "a refusal must not change the case"
        );
        self.world
    }
}

fn actor_for(command: &CaseCommand) -> Actor {
    match command {
        CaseCommand::ReceiveReport { .. } => Actor::new(ActorKind::Dispatcher, "DISP-07"),
        CaseCommand::Dispatch { .. } | CaseCommand::Escalate { .. } => Actor::system("dispatch"),
        CaseCommand::Act { unit, .. } => Actor::new(ActorKind::Unit, unit.as_str()),
        CaseCommand::Resolve { .. } => Actor::new(ActorKind::Dispatcher, "DISP-07"),
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

fn u(id: &str) -> UnitId {
    UnitId::new(id)
}

fn sample_report() -> Report {
    Report {
        channel: Channel::Dispatcher,
        source: None,
        occurred: OccurredWindow {
            from: Utc.with_ymd_and_hms(2016, 7, 9, 20, 40, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2016, 7, 9, 20, 45, 0).unwrap(),
        },
        location: Location {
            lat: 41.88372,
            lng: -87.62786,
            address: Some("111 N State St, Chicago, IL 60602".into()),
            h3: "8f2664c1a91c399".into(),
            analysis_cells: vec![
                "862664c1fffffff".into(),
                "872664c1affffff".into(),
                "882664c1a9fffff".into(),
                "892664c1a93ffff".into(),
                "8a2664c1a91ffff".into(),
            ],
        },
        precinct: u("D001"),
        offence: Offence::PurseSnatching,
        description: "Handbag pulled off the shoulder at the bus stop".into(),
        items: vec![StolenItem {
            description: "Black leather handbag".into(),
            value_cents: 8_500,
        }],
        reporter: Some(Reporter {
            name: Some("Maria Lopez".into()),
            phone: Some("+1 312 555 0142".into()),
        }),
        idempotency: None,
    }
}

fn report() -> CaseCommand {
    CaseCommand::ReceiveReport {
        report: sample_report(),
    }
}

fn assignments(precinct: &str, property: &str, scene: &str) -> Vec<Assignment> {
    vec![
        Assignment {
            task: Precinct,
            unit: u(precinct),
        },
        Assignment {
            task: Property,
            unit: u(property),
        },
        Assignment {
            task: Scene,
            unit: u(scene),
        },
    ]
}

fn dispatch_with(assignments: Vec<Assignment>) -> CaseCommand {
    CaseCommand::Dispatch {
        assignments,
        rule: "least_loaded_then_nearest".into(),
    }
}

fn dispatch(precinct: &str, property: &str, scene: &str) -> CaseCommand {
    dispatch_with(assignments(precinct, property, scene))
}

/// The usual dispatch: D001, PROP-1, SCENE-1.
fn dispatch_default() -> CaseCommand {
    dispatch("D001", "PROP-1", "SCENE-1")
}

fn act(task: TaskKind, unit: &str, action: TaskAction) -> CaseCommand {
    CaseCommand::Act {
        task,
        unit: u(unit),
        action,
    }
}

fn ack(task: TaskKind, unit: &str) -> CaseCommand {
    act(task, unit, TaskAction::Acknowledge)
}

fn en_route(task: TaskKind, unit: &str) -> CaseCommand {
    act(task, unit, TaskAction::EnRoute)
}

fn on_scene(task: TaskKind, unit: &str) -> CaseCommand {
    act(task, unit, TaskAction::OnScene)
}

fn finding(task: TaskKind, unit: &str, finding: Finding) -> CaseCommand {
    act(task, unit, TaskAction::RecordFinding { finding })
}

fn arrest(task: TaskKind, unit: &str) -> CaseCommand {
    act(
        task,
        unit,
        TaskAction::Arrest {
            note: "Suspect detained at Lake/State".into(),
        },
    )
}

fn recovered(task: TaskKind, unit: &str) -> CaseCommand {
    act(
        task,
        unit,
        TaskAction::PropertyRecovered {
            items: vec!["Black leather handbag".into()],
            value_cents: 8_500,
        },
    )
}

fn returned(task: TaskKind, unit: &str) -> CaseCommand {
    act(
        task,
        unit,
        TaskAction::PropertyReturned {
            items: vec!["Black leather handbag".into()],
            value_cents: 8_500,
        },
    )
}

fn clear_task(task: TaskKind, unit: &str) -> CaseCommand {
    act(
        task,
        unit,
        TaskAction::Clear {
            note: "done".into(),
        },
    )
}

fn escalate(task: TaskKind, unit: &str, next: Option<&str>) -> CaseCommand {
    CaseCommand::Escalate {
        task,
        unit: u(unit),
        waited_seconds: 300,
        next_unit: next.map(u),
    }
}

fn resolve(resolution: Resolution) -> CaseCommand {
    CaseCommand::Resolve { resolution }
}

fn close(reason: &str) -> CaseCommand {
    resolve(Resolution::ClosedAdministratively {
        reason: reason.into(),
    })
}

fn task_ref(task: TaskKind, unit: &str) -> TaskRef {
    TaskRef {
        task,
        unit: u(unit),
    }
}

fn interview() -> Finding {
    Finding::Interview {
        person: "Maria Lopez (victim)".into(),
        statement: "Man in a red hoodie ran north on State".into(),
    }
}

fn canvass() -> Finding {
    Finding::Canvass {
        addresses_visited: 6,
        notes: "Two shops saw him run past".into(),
    }
}

fn video_review() -> Finding {
    Finding::VideoReview {
        cameras: vec!["CAM-STATE-110".into()],
        trajectory: vec![TrajectoryPoint {
            lat: 41.88431,
            lng: -87.62771,
            at: Utc.with_ymd_and_hms(2016, 7, 9, 20, 43, 10).unwrap(),
            camera: Some("CAM-STATE-110".into()),
        }],
        notes: "Northbound on State".into(),
    }
}

fn scene_evidence() -> Finding {
    Finding::SceneEvidence {
        items: vec![EvidenceItem {
            kind: "footwear".into(),
            description: "Partial sole print by the bus shelter".into(),
        }],
    }
}

// ---------------------------------------------------------------------------------------------
// Opening the case
// ---------------------------------------------------------------------------------------------

#[test]
fn a_report_opens_the_case() {
    let world = given([])
        .when(report())
        .then(vec![CaseEvent::ReportReceived(ReportReceived {
            report: sample_report(),
        })]);
    assert_eq!(world.case.status, CaseStatus::Open);
    assert_eq!(world.case.id, Some(world.case_id));
    assert_eq!(world.case.reported_at, Some(t(1)));
    assert_eq!(world.case.report, Some(sample_report()));
}

#[test]
fn a_second_report_under_another_id_is_refused() {
    given([report()])
        .when(report())
        .then_error(CaseError::CaseExists);
}

#[test]
fn the_same_command_id_twice_decides_nothing() {
    let id = CommandId::random();
    given_ids([(id, report())])
        .when_id(id, report())
        .then_nothing();
    // Also for a command that would otherwise be refused now (dispatching twice).
    let dispatch_id = CommandId::random();
    given_ids([
        (CommandId::random(), report()),
        (dispatch_id, dispatch_default()),
    ])
    .when_id(dispatch_id, dispatch_default())
    .then_nothing();
}

#[test]
fn a_command_id_reused_for_another_command_is_refused() {
    let id = CommandId::random();
    given_ids([
        (CommandId::random(), report()),
        (CommandId::random(), dispatch_default()),
        (id, ack(TaskKind::Precinct, "D001")),
    ])
    .when_id(id, en_route(TaskKind::Precinct, "D001"))
    .then_error(CaseError::CommandIdReused {
        earlier: AppliedCommand {
            first_event: "TaskAcknowledged",
            task: Some((Precinct, u("D001"))),
        },
    });
    // The 409's detail names the earlier use, so the client can tell what its id did.
    let earlier = AppliedCommand {
        first_event: "TaskAcknowledged",
        task: Some((Precinct, u("D001"))),
    };
    assert_eq!(
        earlier.to_string(),
        "TaskAcknowledged on the precinct task by D001"
    );
}

#[test]
fn a_command_id_is_one_action_on_one_task_by_one_unit() {
    let id = CommandId::random();
    let world = given_ids([
        (CommandId::random(), report()),
        (CommandId::random(), dispatch_default()),
        (id, ack(Precinct, "D001")),
    ]);
    // The same action on another task, or by another unit, is another command: never dropped.
    world
        .when_id(id, ack(Property, "PROP-1"))
        .then_refused("command-id-reused")
        .when_id(id, ack(Precinct, "D002"))
        .then_refused("command-id-reused")
        .when_id(id, ack(Precinct, "D001"))
        .then_nothing();
}

#[test]
fn no_command_but_a_report_reaches_an_unreported_case() {
    for command in [
        dispatch_default(),
        ack(Precinct, "D001"),
        on_scene(Scene, "SCENE-1"),
        escalate(Precinct, "D001", Some("D002")),
        close("duplicate"),
    ] {
        given([]).when(command).then_error(CaseError::CaseNotFound);
    }
}

#[test]
fn every_event_is_stamped_with_the_command_and_the_case_correlation() {
    let report_id = CommandId::random();
    let dispatch_id = CommandId::random();
    let world = given_ids([(report_id, report()), (dispatch_id, dispatch_default())]);
    assert_eq!(world.log.len(), 2);
    for envelope in &world.log {
        assert_eq!(envelope.case_id, world.case_id);
        assert_eq!(envelope.correlation_id, report_id.0);
        assert_eq!(envelope.schema_version, 1);
    }
    assert_eq!(world.log[0].causation_id, report_id.0);
    assert_eq!(world.log[1].causation_id, dispatch_id.0);
    assert_eq!(world.log[1].recorded_at, t(2));
    assert_eq!(world.log[1].actor, Actor::system("dispatch"));
    assert_eq!(world.case.correlation_id, Some(report_id.0));
    assert_eq!(Case::from_events(&world.log), world.case);
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

#[test]
fn a_dispatch_assigns_one_unit_to_each_task() {
    let world = given([report()])
        .when(dispatch_default())
        .then(vec![CaseEvent::CaseDispatched(CaseDispatched {
            assignments: assignments("D001", "PROP-1", "SCENE-1"),
            rule: "least_loaded_then_nearest".into(),
        })]);
    assert_eq!(world.case.dispatched_at, Some(t(2)));
    assert_eq!(world.case.tasks.len(), 3);
    for (kind, unit) in [(Precinct, "D001"), (Property, "PROP-1"), (Scene, "SCENE-1")] {
        let task = world.task(kind);
        assert_eq!(task.unit, u(unit));
        assert_eq!(task.status, TaskStatus::Assigned);
        assert_eq!(task.assigned_at, Some(t(2)));
        assert_eq!(task.acknowledged_at, None);
    }
}

#[test]
fn a_dispatch_that_misses_or_repeats_a_task_kind_is_incomplete() {
    let mut missing = assignments("D001", "PROP-1", "SCENE-1");
    missing.pop();
    let mut repeated = assignments("D001", "PROP-1", "SCENE-1");
    repeated[2].task = Property;
    let mut four = assignments("D001", "PROP-1", "SCENE-1");
    four.push(Assignment {
        task: Scene,
        unit: u("SCENE-2"),
    });
    for wrong in [missing, repeated, four, vec![]] {
        given([report()])
            .when(dispatch_with(wrong))
            .then_error(CaseError::IncompleteDispatch);
    }
}

#[test]
fn a_case_is_dispatched_once() {
    given([report(), dispatch_default()])
        .when(dispatch("D002", "PROP-2", "SCENE-2"))
        .then_error(CaseError::AlreadyDispatched);
}

// ---------------------------------------------------------------------------------------------
// Units on their tasks
// ---------------------------------------------------------------------------------------------

#[test]
fn a_unit_acknowledges_sets_off_and_arrives() {
    let world = given([report(), dispatch_default()])
        .when(ack(Precinct, "D001"))
        .then(vec![CaseEvent::TaskAcknowledged(task_ref(
            Precinct, "D001",
        ))])
        .when(en_route(Precinct, "D001"))
        .then(vec![CaseEvent::TaskEnRoute(task_ref(Precinct, "D001"))])
        .when(on_scene(Precinct, "D001"))
        .then(vec![CaseEvent::TaskOnScene(task_ref(Precinct, "D001"))]);
    let task = world.task(Precinct);
    assert_eq!(task.status, TaskStatus::OnScene);
    assert_eq!(task.assigned_at, Some(t(2)));
    assert_eq!(task.acknowledged_at, Some(t(3)));
    assert_eq!(task.en_route_at, Some(t(4)));
    assert_eq!(task.on_scene_at, Some(t(5)));
    assert_eq!(task.finished_at, None);
    // The other tasks did not move.
    assert_eq!(world.task(Property).status, TaskStatus::Assigned);
}

#[test]
fn acknowledging_twice_under_different_ids_decides_nothing_the_second_time() {
    let world = given([report(), dispatch_default(), ack(Property, "PROP-1")])
        .when(ack(Property, "PROP-1"))
        .then_nothing();
    assert_eq!(world.task(Property).acknowledged_at, Some(t(3)));
}

#[test]
fn setting_off_twice_decides_nothing_the_second_time() {
    let world = given([report(), dispatch_default(), en_route(Scene, "SCENE-1")])
        .when(en_route(Scene, "SCENE-1"))
        .then_nothing();
    assert_eq!(world.task(Scene).en_route_at, Some(t(3)));
}

#[test]
fn steps_already_passed_decide_nothing() {
    // On scene: acknowledging or setting off again changes nothing, and no time is back-filled.
    let world = given([report(), dispatch_default(), on_scene(Scene, "SCENE-1")])
        .when(ack(Scene, "SCENE-1"))
        .then_nothing()
        .when(en_route(Scene, "SCENE-1"))
        .then_nothing()
        .when(on_scene(Scene, "SCENE-1"))
        .then_nothing();
    let task = world.task(Scene);
    assert_eq!(task.acknowledged_at, None);
    assert_eq!(task.en_route_at, None);
    assert_eq!(task.on_scene_at, Some(t(3)));
}

#[test]
fn a_unit_that_does_not_hold_the_task_is_refused() {
    for command in [
        ack(Precinct, "D002"),
        on_scene(Precinct, "D002"),
        finding(Precinct, "D002", interview()),
        arrest(Precinct, "D002"),
        clear_task(Precinct, "D002"),
        // The right unit on the wrong task.
        ack(Property, "D001"),
    ] {
        let expected_holder = match &command {
            CaseCommand::Act { task: Property, .. } => "PROP-1",
            _ => "D001",
        };
        let task = match &command {
            CaseCommand::Act { task, .. } => *task,
            _ => unreachable!(),
        };
        given([report(), dispatch_default()])
            .when(command)
            .then_error(CaseError::TaskHeldByOther {
                task,
                holder: u(expected_holder),
            });
    }
}

#[test]
fn only_arriving_is_allowed_before_a_dispatch() {
    for action in [
        TaskAction::Acknowledge,
        TaskAction::EnRoute,
        TaskAction::Clear { note: "x".into() },
        TaskAction::RecordFinding {
            finding: interview(),
        },
    ] {
        given([report()])
            .when(act(Precinct, "D001", action))
            .then_error(CaseError::TaskNotAssigned { task: Precinct });
    }
}

#[test]
fn a_unit_arriving_before_the_dispatch_takes_the_task_without_dispatch_times() {
    let world = given([report()])
        .when(on_scene(Precinct, "D002"))
        .then(vec![CaseEvent::TaskOnScene(task_ref(Precinct, "D002"))]);
    let task = world.task(Precinct);
    assert_eq!(task.unit, u("D002"));
    assert_eq!(task.status, TaskStatus::OnScene);
    assert_eq!(task.on_scene_at, Some(t(2)));
    assert_eq!(task.assigned_at, None);
    assert_eq!(task.acknowledged_at, None);
    assert_eq!(world.case.dispatched_at, None);
    assert_eq!(world.case.tasks.len(), 1);
    // Another unit cannot act on it now.
    world
        .when(on_scene(Precinct, "D001"))
        .then_error(CaseError::TaskHeldByOther {
            task: Precinct,
            holder: u("D002"),
        });
}

#[test]
fn a_dispatch_after_an_early_arrival_must_name_the_unit_on_scene() {
    given([report(), on_scene(Scene, "SCENE-2")])
        .when(dispatch("D001", "PROP-1", "SCENE-1"))
        .then_error(CaseError::TaskHeldByOther {
            task: Scene,
            holder: u("SCENE-2"),
        });
}

#[test]
fn a_dispatch_naming_the_early_unit_keeps_its_dispatch_times_empty() {
    let world = given([report(), on_scene(Scene, "SCENE-2")])
        .when(dispatch("D001", "PROP-1", "SCENE-2"))
        .then(vec![CaseEvent::CaseDispatched(CaseDispatched {
            assignments: assignments("D001", "PROP-1", "SCENE-2"),
            rule: "least_loaded_then_nearest".into(),
        })]);
    let scene = world.task(Scene);
    assert_eq!(scene.unit, u("SCENE-2"));
    assert_eq!(scene.status, TaskStatus::OnScene);
    assert_eq!(scene.assigned_at, None, "never back-filled");
    assert_eq!(scene.acknowledged_at, None, "never back-filled");
    assert_eq!(scene.on_scene_at, Some(t(2)));
    // The tasks the dispatch created are assigned at the dispatch time.
    assert_eq!(world.task(Precinct).assigned_at, Some(t(3)));
    assert_eq!(world.case.dispatched_at, Some(t(3)));
    // A late acknowledgement from the early unit changes nothing.
    let world = world.when(ack(Scene, "SCENE-2")).then_nothing();
    assert_eq!(world.task(Scene).acknowledged_at, None);
}

// ---------------------------------------------------------------------------------------------
// Findings, suspects, arrests, property
// ---------------------------------------------------------------------------------------------

#[test]
fn each_squad_records_its_own_kind_of_finding() {
    let world = given([report(), dispatch_default()]);
    let cases = [
        (Precinct, "D001", interview()),
        (Precinct, "D001", canvass()),
        (Property, "PROP-1", video_review()),
        (Scene, "SCENE-1", scene_evidence()),
    ];
    let mut world = world;
    for (task, unit, f) in cases {
        world = world
            .when(finding(task, unit, f.clone()))
            .then(vec![CaseEvent::FindingRecorded(FindingRecorded {
                task,
                unit: u(unit),
                finding: f,
            })]);
    }
}

#[test]
fn a_finding_on_the_wrong_task_is_refused() {
    let cases = [
        (Property, "PROP-1", interview(), "interview"),
        (Scene, "SCENE-1", canvass(), "canvass"),
        (Precinct, "D001", video_review(), "video_review"),
        (Scene, "SCENE-1", video_review(), "video_review"),
        (Precinct, "D001", scene_evidence(), "scene_evidence"),
        (Property, "PROP-1", scene_evidence(), "scene_evidence"),
    ];
    for (task, unit, f, name) in cases {
        given([report(), dispatch_default()])
            .when(finding(task, unit, f))
            .then_error(CaseError::FindingNotForTask {
                finding: name,
                task,
            });
    }
}

#[test]
fn a_suspect_needs_a_description() {
    given([report(), dispatch_default()])
        .when(act(
            Property,
            "PROP-1",
            TaskAction::SuspectIdentified {
                description: "  ".into(),
            },
        ))
        .then_error(CaseError::MissingText("the suspect description"))
        .when(act(
            Property,
            "PROP-1",
            TaskAction::SuspectIdentified {
                description: "Male, 20s, red hoodie".into(),
            },
        ))
        .then(vec![CaseEvent::SuspectIdentified(SuspectIdentified {
            task: Property,
            unit: u("PROP-1"),
            description: "Male, 20s, red hoodie".into(),
        })]);
}

#[test]
fn an_arrest_is_counted() {
    let world = given([report(), dispatch_default()])
        .when(arrest(Precinct, "D001"))
        .then(vec![CaseEvent::ArrestMade(ArrestMade {
            task: Precinct,
            unit: u("D001"),
            note: "Suspect detained at Lake/State".into(),
        })]);
    assert_eq!(world.case.arrests, 1);
}

#[test]
fn property_is_returned_only_after_it_was_recovered() {
    let movement = PropertyMovement {
        task: Property,
        unit: u("PROP-1"),
        items: vec!["Black leather handbag".into()],
        value_cents: 8_500,
    };
    let world = given([report(), dispatch_default()])
        .when(returned(Property, "PROP-1"))
        .then_error(CaseError::NothingRecovered)
        .when(recovered(Property, "PROP-1"))
        .then(vec![CaseEvent::PropertyRecovered(movement.clone())])
        .when(returned(Property, "PROP-1"))
        .then(vec![CaseEvent::PropertyReturned(movement)]);
    assert!(world.case.property_recovered);
    assert_eq!(world.case.recovered_cents, 8_500);
    assert_eq!(world.case.returned_cents, 8_500);
}

#[test]
fn a_recovery_that_would_overflow_the_case_total_is_refused() {
    let huge = || {
        act(
            Property,
            "PROP-1",
            TaskAction::PropertyRecovered {
                items: vec!["Gold bars".into()],
                value_cents: u64::MAX,
            },
        )
    };
    let world = given([report(), dispatch_default()])
        .when(huge())
        .then_refused("value-out-of-range")
        .when(huge())
        .then_refused("value-out-of-range");
    assert_eq!(world.case.recovered_cents, 0);
    assert!(!world.case.property_recovered);
}

fn recovered_worth(value_cents: u64) -> CaseCommand {
    act(
        Property,
        "PROP-1",
        TaskAction::PropertyRecovered {
            items: vec!["Gold bars".into()],
            value_cents,
        },
    )
}

fn returned_worth(value_cents: u64) -> CaseCommand {
    act(
        Property,
        "PROP-1",
        TaskAction::PropertyReturned {
            items: vec!["Gold bars".into()],
            value_cents,
        },
    )
}

#[test]
fn recovered_and_returned_values_add_up_to_the_case_maximum_and_no_further() {
    let world = given([
        report(),
        dispatch_default(),
        recovered_worth(MAX_CASE_CENTS - 1),
        recovered_worth(1),
        returned_worth(MAX_CASE_CENTS),
    ])
    .when(recovered_worth(1))
    .then_error(CaseError::ValueOutOfRange {
        what: "the case's recovered value in cents",
        max: MAX_CASE_CENTS,
    })
    .when(returned_worth(1))
    .then_error(CaseError::ValueOutOfRange {
        what: "the case's returned value in cents",
        max: MAX_CASE_CENTS,
    });
    assert_eq!(world.case.recovered_cents, MAX_CASE_CENTS);
    assert_eq!(world.case.returned_cents, MAX_CASE_CENTS);
}

#[test]
fn arrests_are_counted_up_to_the_case_maximum() {
    let arrests = (0..MAX_CASE_ARRESTS).map(|_| arrest(Precinct, "D001"));
    let world = given([report(), dispatch_default()].into_iter().chain(arrests))
        .when(arrest(Precinct, "D001"))
        .then_refused("value-out-of-range");
    assert_eq!(world.case.arrests, MAX_CASE_ARRESTS);
}

#[test]
fn a_property_movement_needs_items() {
    given([report(), dispatch_default()])
        .when(act(
            Property,
            "PROP-1",
            TaskAction::PropertyRecovered {
                items: vec![],
                value_cents: 100,
            },
        ))
        .then_error(CaseError::MissingText("the list of items"));
}

// ---------------------------------------------------------------------------------------------
// Clearing a task
// ---------------------------------------------------------------------------------------------

#[test]
fn a_cleared_task_takes_no_more_actions() {
    let world = given([report(), dispatch_default(), on_scene(Scene, "SCENE-1")])
        .when(clear_task(Scene, "SCENE-1"))
        .then(vec![CaseEvent::TaskCleared(TaskCleared {
            task: Scene,
            unit: u("SCENE-1"),
            note: "done".into(),
        })]);
    let task = world.task(Scene);
    assert_eq!(task.status, TaskStatus::Cleared);
    assert_eq!(task.finished_at, Some(t(4)));
    world
        .when(finding(Scene, "SCENE-1", scene_evidence()))
        .then_error(CaseError::TaskFinished {
            task: Scene,
            status: "cleared",
        })
        .when(clear_task(Scene, "SCENE-1"))
        .then_error(CaseError::TaskFinished {
            task: Scene,
            status: "cleared",
        });
}

// ---------------------------------------------------------------------------------------------
// Escalation
// ---------------------------------------------------------------------------------------------

#[test]
fn escalating_an_unacknowledged_task_reassigns_it() {
    let world = given([report(), dispatch_default()])
        .when(escalate(Property, "PROP-1", Some("PROP-2")))
        .then(vec![
            CaseEvent::TaskEscalated(TaskEscalated {
                task: Property,
                unit: u("PROP-1"),
                waited_seconds: 300,
            }),
            CaseEvent::TaskReassigned(TaskReassigned {
                task: Property,
                from_unit: u("PROP-1"),
                unit: u("PROP-2"),
            }),
        ]);
    let task = world.task(Property);
    assert_eq!(task.unit, u("PROP-2"));
    assert_eq!(task.status, TaskStatus::Assigned);
    assert_eq!(
        task.assigned_at,
        Some(t(3)),
        "assigned again at the reassignment"
    );
    assert_eq!(task.acknowledged_at, None);
    assert_eq!(task.escalated_from, vec![u("PROP-1")]);
    assert!(!task.escalation_pending);
    // The old unit is out; the new one works the task, and may be escalated in turn.
    let world = world
        .when(ack(Property, "PROP-1"))
        .then_error(CaseError::TaskHeldByOther {
            task: Property,
            holder: u("PROP-2"),
        })
        .when(escalate(Property, "PROP-2", Some("PROP-1")))
        .then(vec![
            CaseEvent::TaskEscalated(TaskEscalated {
                task: Property,
                unit: u("PROP-2"),
                waited_seconds: 300,
            }),
            CaseEvent::TaskReassigned(TaskReassigned {
                task: Property,
                from_unit: u("PROP-2"),
                unit: u("PROP-1"),
            }),
        ])
        .when(ack(Property, "PROP-1"))
        .then(vec![CaseEvent::TaskAcknowledged(task_ref(
            Property, "PROP-1",
        ))]);
    assert_eq!(
        world.task(Property).escalated_from,
        vec![u("PROP-1"), u("PROP-2")]
    );
    assert_eq!(world.task(Property).acknowledged_at, Some(t(5)));
}

#[test]
fn escalating_without_a_next_unit_only_records_the_escalation_once() {
    let world = given([report(), dispatch_default()])
        .when(escalate(Scene, "SCENE-1", None))
        .then(vec![CaseEvent::TaskEscalated(TaskEscalated {
            task: Scene,
            unit: u("SCENE-1"),
            waited_seconds: 300,
        })]);
    let task = world.task(Scene);
    assert_eq!(task.unit, u("SCENE-1"));
    assert!(task.escalation_pending);
    assert!(task.escalated_from.is_empty());
    // The same wait is not escalated twice; the unit can still acknowledge.
    world
        .when(escalate(Scene, "SCENE-1", Some("SCENE-2")))
        .then_error(CaseError::StaleEscalation {
            task: Scene,
            unit: u("SCENE-1"),
        })
        .when(ack(Scene, "SCENE-1"))
        .then(vec![CaseEvent::TaskAcknowledged(task_ref(
            Scene, "SCENE-1",
        ))]);
}

#[test]
fn escalating_an_acknowledged_or_foreign_or_undispatched_task_is_stale() {
    given([report(), dispatch_default(), ack(Precinct, "D001")])
        .when(escalate(Precinct, "D001", Some("D002")))
        .then_error(CaseError::StaleEscalation {
            task: Precinct,
            unit: u("D001"),
        });
    given([report(), dispatch_default()])
        .when(escalate(Precinct, "D002", Some("D001")))
        .then_error(CaseError::StaleEscalation {
            task: Precinct,
            unit: u("D002"),
        });
    given([report(), on_scene(Precinct, "D001")])
        .when(escalate(Precinct, "D001", Some("D002")))
        .then_error(CaseError::StaleEscalation {
            task: Precinct,
            unit: u("D001"),
        });
    given([report()])
        .when(escalate(Scene, "SCENE-1", None))
        .then_error(CaseError::StaleEscalation {
            task: Scene,
            unit: u("SCENE-1"),
        });
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

#[test]
fn clearing_by_arrest_needs_an_arrest() {
    given([report(), dispatch_default()])
        .when(resolve(Resolution::ClearedByArrest))
        .then_error(CaseError::NoArrest);
    let world = given([report(), dispatch_default(), arrest(Precinct, "D001")])
        .when(resolve(Resolution::ClearedByArrest))
        .then(vec![CaseEvent::CaseCleared(CaseCleared {
            clearance: Clearance::Arrest,
        })]);
    assert_eq!(
        world.case.status,
        CaseStatus::Cleared {
            at: t(4),
            clearance: Clearance::Arrest
        }
    );
    assert!(world.case.is_resolved());
}

#[test]
fn clearing_by_exceptional_means_needs_a_reason() {
    let world = given([report(), dispatch_default()])
        .when(resolve(Resolution::ClearedExceptionally {
            reason: "".into(),
        }))
        .then_error(CaseError::MissingText(
            "the reason for exceptional clearance",
        ))
        .when(resolve(Resolution::ClearedExceptionally {
            reason: "Victim declined to prosecute".into(),
        }))
        .then(vec![CaseEvent::CaseCleared(CaseCleared {
            clearance: Clearance::ExceptionalMeans {
                reason: "Victim declined to prosecute".into(),
            },
        })]);
    assert_eq!(world.case.status.name(), "cleared");
}

#[test]
fn closing_is_not_a_clearance_and_releases_unfinished_tasks() {
    given([report()])
        .when(close(" "))
        .then_error(CaseError::MissingText(
            "the reason for administrative closure",
        ));
    let world = given([
        report(),
        dispatch_default(),
        on_scene(Scene, "SCENE-1"),
        clear_task(Scene, "SCENE-1"),
        ack(Precinct, "D001"),
    ])
    .when(close("duplicate of an earlier report"))
    .then(vec![CaseEvent::CaseClosed(CaseClosed {
        reason: "duplicate of an earlier report".into(),
    })]);
    assert_eq!(
        world.case.status,
        CaseStatus::Closed {
            at: t(6),
            reason: "duplicate of an earlier report".into()
        }
    );
    for kind in [Precinct, Property] {
        let task = world.task(kind);
        assert_eq!(task.status, TaskStatus::Released, "{kind}");
        assert_eq!(task.finished_at, Some(t(6)), "{kind}");
    }
    // A task its unit had already cleared keeps its own status and time.
    assert_eq!(world.task(Scene).status, TaskStatus::Cleared);
    assert_eq!(world.task(Scene).finished_at, Some(t(4)));
    assert_eq!(world.case.arrests, 0);
}

#[test]
fn a_resolved_case_refuses_every_further_command() {
    let closed = || given([report(), dispatch_default(), close("unfounded")]);
    closed()
        .when(resolve(Resolution::ClearedExceptionally {
            reason: "victim declined".into(),
        }))
        .then_error(CaseError::CaseResolved("closed"));
    for command in [
        dispatch_default(),
        ack(Precinct, "D001"),
        on_scene(Scene, "SCENE-1"),
        escalate(Property, "PROP-1", Some("PROP-2")),
        close("again"),
    ] {
        closed()
            .when(command)
            .then_error(CaseError::CaseResolved("closed"));
    }
    closed().when(report()).then_error(CaseError::CaseExists);

    let cleared = given([
        report(),
        dispatch_default(),
        arrest(Precinct, "D001"),
        resolve(Resolution::ClearedByArrest),
    ]);
    let status = cleared.case.status.clone();
    let cleared = cleared
        .when(close("duplicate"))
        .then_error(CaseError::CaseResolved("cleared"))
        .when(recovered(Property, "PROP-1"))
        .then_error(CaseError::CaseResolved("cleared"));
    assert_eq!(cleared.case.status, status);
}

#[test]
fn a_retried_resolution_decides_nothing() {
    let id = CommandId::random();
    given_ids([
        (CommandId::random(), report()),
        (id, close("withdrawn by the reporter")),
    ])
    .when_id(id, close("withdrawn by the reporter"))
    .then_nothing();
}

#[test]
fn a_whole_case_replays_to_the_same_state() {
    let world = given([
        report(),
        on_scene(Precinct, "D002"),
        dispatch("D002", "PROP-1", "SCENE-1"),
        escalate(Property, "PROP-1", Some("PROP-2")),
        ack(Property, "PROP-2"),
        en_route(Property, "PROP-2"),
        ack(Scene, "SCENE-1"),
        on_scene(Scene, "SCENE-1"),
        finding(Precinct, "D002", interview()),
        finding(Property, "PROP-2", video_review()),
        finding(Scene, "SCENE-1", scene_evidence()),
        arrest(Property, "PROP-2"),
        recovered(Property, "PROP-2"),
        returned(Precinct, "D002"),
        clear_task(Scene, "SCENE-1"),
        resolve(Resolution::ClearedByArrest),
    ]);
    assert_eq!(Case::from_events(&world.log), world.case);
    assert_eq!(world.now(), t(16));
    assert_eq!(world.log.len(), 17, "the escalation wrote two events");
    let precinct = world.task(Precinct);
    assert_eq!(precinct.assigned_at, None);
    assert_eq!(precinct.on_scene_at, Some(t(2)));
    assert_eq!(precinct.status, TaskStatus::Released);
    assert_eq!(world.task(Property).status, TaskStatus::Released);
    assert_eq!(world.task(Scene).status, TaskStatus::Cleared);
}

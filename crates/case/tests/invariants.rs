//! Properties that hold after every step of any command sequence.
//!
//! Random sequences of commands over a small universe (two units per squad, every action, escalations,
//! resolutions, malformed dispatches, now and then a command id that was used before) go through
//! `decide`; accepted events are stamped at strictly increasing times and folded in with
//! `Case::evolve`. After every step the invariants below are checked against the state and the log.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use quickclear_case::{
    AppliedCommand, Case, CaseCommand, CaseError, CaseStatus, CommandContext, Task, decide, stamp,
};
use quickclear_schemas::bounds::MAX_CASE_CENTS;
use quickclear_schemas::event::Assignment;
use quickclear_schemas::finding::{EvidenceItem, Finding, TrajectoryPoint};
use quickclear_schemas::message::{Resolution, TaskAction};
use quickclear_schemas::report::{
    Channel, Location, OccurredWindow, Offence, Report, Reporter, StolenItem,
};
use quickclear_schemas::{
    Actor, ActorKind, CaseEvent, CaseId, CommandId, EventEnvelope, TaskKind, UnitId,
};

// ---------------------------------------------------------------------------------------------
// The universe
// ---------------------------------------------------------------------------------------------

fn units_of(kind: TaskKind) -> [&'static str; 2] {
    match kind {
        TaskKind::Precinct => ["D001", "D002"],
        TaskKind::Property => ["PROP-1", "PROP-2"],
        TaskKind::Scene => ["SCENE-1", "SCENE-2"],
    }
}

const ALL_UNITS: [&str; 6] = ["D001", "D002", "PROP-1", "PROP-2", "SCENE-1", "SCENE-2"];

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2016, 7, 9, 21, 0, 0).unwrap()
}

fn report() -> Report {
    Report {
        channel: Channel::Alarm,
        source: Some("ALARM-0412".into()),
        occurred: OccurredWindow {
            from: t0() - Duration::minutes(3),
            to: t0() - Duration::minutes(3),
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
        precinct: UnitId::new("D001"),
        offence: Offence::Shoplifting,
        description: String::new(),
        items: vec![StolenItem {
            description: "Two bottles of perfume".into(),
            value_cents: 19_800,
        }],
        reporter: Some(Reporter {
            name: None,
            phone: None,
        }),
        idempotency: Some(quickclear_schemas::report::Idempotency {
            key: "alarm-0412-20160709T205700Z".into(),
            request_hash: "0123456789abcdef".into(),
        }),
    }
}

/// Which command id a step uses.
#[derive(Clone, Debug)]
enum IdChoice {
    Fresh,
    /// An id used by an earlier step (the index is taken modulo the number of ids used so far).
    Reuse(usize),
}

#[derive(Clone, Debug)]
struct Step {
    id: IdChoice,
    command: CaseCommand,
}

fn kind() -> impl Strategy<Value = TaskKind> {
    prop::sample::select(TaskKind::ALL.to_vec())
}

/// Mostly a unit of the task's own squad; now and then any unit.
fn unit_for(kind: TaskKind) -> BoxedStrategy<UnitId> {
    prop_oneof![
        5 => prop::sample::select(units_of(kind).to_vec()),
        1 => prop::sample::select(ALL_UNITS.to_vec()),
    ]
    .prop_map(UnitId::new)
    .boxed()
}

fn text(present: bool, words: &str) -> String {
    if present {
        words.to_owned()
    } else {
        "  ".to_owned()
    }
}

fn finding() -> impl Strategy<Value = Finding> {
    prop_oneof![
        Just(Finding::Interview {
            person: "Store clerk".into(),
            statement: "She left through the Washington St door".into(),
        }),
        Just(Finding::Canvass {
            addresses_visited: 4,
            notes: "Nobody saw anything".into(),
        }),
        Just(Finding::VideoReview {
            cameras: vec!["CAM-STATE-110".into()],
            trajectory: vec![TrajectoryPoint {
                lat: 41.88431,
                lng: -87.62771,
                at: t0() - Duration::minutes(2),
                camera: Some("CAM-STATE-110".into()),
            }],
            notes: "Northbound".into(),
        }),
        Just(Finding::SceneEvidence {
            items: vec![EvidenceItem {
                kind: "fingerprint".into(),
                description: "Display case glass".into(),
            }],
        }),
    ]
}

/// Mostly plausible values; now and then the case maximum, or anything at all.
fn value_cents() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0u64..50_000,
        1 => Just(MAX_CASE_CENTS),
        1 => any::<u64>(),
    ]
}

fn action() -> impl Strategy<Value = TaskAction> {
    prop_oneof![
        4 => Just(TaskAction::Acknowledge),
        3 => Just(TaskAction::EnRoute),
        4 => Just(TaskAction::OnScene),
        2 => finding().prop_map(|finding| TaskAction::RecordFinding { finding }),
        1 => any::<bool>().prop_map(|ok| TaskAction::SuspectIdentified {
            description: text(ok, "Female, 30s, green coat"),
        }),
        1 => Just(TaskAction::Arrest { note: "Detained at the door".into() }),
        1 => (any::<bool>(), value_cents()).prop_map(|(ok, value_cents)| {
            TaskAction::PropertyRecovered {
                items: if ok { vec!["Perfume".into()] } else { vec![] },
                value_cents,
            }
        }),
        1 => value_cents().prop_map(|value_cents| TaskAction::PropertyReturned {
            items: vec!["Perfume".into()],
            value_cents,
        }),
        2 => Just(TaskAction::Clear { note: "Done".into() }),
    ]
}

fn dispatch() -> impl Strategy<Value = CaseCommand> {
    let one = |kind: TaskKind| unit_for(kind).prop_map(move |unit| Assignment { task: kind, unit });
    (
        one(TaskKind::Precinct),
        one(TaskKind::Property),
        one(TaskKind::Scene),
        // 0..=6: complete; 7: a kind missing; 8: a kind twice; 9: an extra assignment.
        0u8..10,
    )
        .prop_map(|(p, q, s, shape)| {
            let mut assignments = vec![p, q, s];
            match shape {
                7 => {
                    assignments.remove(1);
                }
                8 => assignments[2].task = TaskKind::Precinct,
                9 => assignments.push(assignments[0].clone()),
                _ => {}
            }
            CaseCommand::Dispatch {
                assignments,
                rule: "least_loaded_then_nearest".into(),
            }
        })
}

fn act() -> impl Strategy<Value = CaseCommand> {
    kind().prop_flat_map(|task| {
        (unit_for(task), action()).prop_map(move |(unit, action)| CaseCommand::Act {
            task,
            unit,
            action,
        })
    })
}

fn escalate() -> impl Strategy<Value = CaseCommand> {
    kind().prop_flat_map(|task| {
        (unit_for(task), prop::option::of(unit_for(task)), 60u64..900).prop_map(
            move |(unit, next_unit, waited_seconds)| CaseCommand::Escalate {
                task,
                unit,
                waited_seconds,
                next_unit,
            },
        )
    })
}

fn resolve() -> impl Strategy<Value = CaseCommand> {
    (0u8..3, any::<bool>()).prop_map(|(which, reason)| {
        let resolution = match which {
            0 => Resolution::ClearedByArrest,
            1 => Resolution::ClearedExceptionally {
                reason: text(reason, "Store declined to prosecute"),
            },
            _ => Resolution::ClosedAdministratively {
                reason: text(reason, "Duplicate of an earlier alarm"),
            },
        };
        CaseCommand::Resolve { resolution }
    })
}

fn command() -> impl Strategy<Value = CaseCommand> {
    prop_oneof![
        1 => Just(CaseCommand::ReceiveReport { report: report() }),
        3 => dispatch(),
        16 => act(),
        3 => escalate(),
        1 => resolve(),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop_oneof![
            10 => Just(IdChoice::Fresh),
            1 => any::<usize>().prop_map(IdChoice::Reuse),
        ],
        command(),
    )
        .prop_map(|(id, command)| Step { id, command })
}

/// Most sequences start with a report (otherwise almost nothing would ever be accepted).
fn steps() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::bool::weighted(0.9),
        prop::collection::vec(step(), 0..40),
    )
        .prop_map(|(reported, mut steps)| {
            if reported {
                steps.insert(
                    0,
                    Step {
                        id: IdChoice::Fresh,
                        command: CaseCommand::ReceiveReport { report: report() },
                    },
                );
            }
            steps
        })
}

fn actor_for(command: &CaseCommand) -> Actor {
    match command {
        CaseCommand::ReceiveReport { .. } => Actor::new(ActorKind::Device, "ALARM-0412"),
        CaseCommand::Dispatch { .. } | CaseCommand::Escalate { .. } => Actor::system("dispatch"),
        CaseCommand::Act { unit, .. } => Actor::new(ActorKind::Unit, unit.as_str()),
        CaseCommand::Resolve { .. } => Actor::new(ActorKind::Dispatcher, "DISP-07"),
    }
}

// ---------------------------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------------------------

fn count(log: &[EventEnvelope], event_type: &str) -> usize {
    log.iter()
        .filter(|e| e.event.type_name() == event_type)
        .count()
}

fn check_task_times(kind: &TaskKind, task: &Task) -> Result<(), TestCaseError> {
    prop_assert_eq!(&task.kind, kind);
    let times = [
        ("assigned", task.assigned_at),
        ("acknowledged", task.acknowledged_at),
        ("en_route", task.en_route_at),
        ("on_scene", task.on_scene_at),
        ("finished", task.finished_at),
    ];
    let present: Vec<_> = times
        .iter()
        .filter_map(|(name, at)| at.map(|at| (name, at)))
        .collect();
    for pair in present.windows(2) {
        prop_assert!(
            pair[0].1 <= pair[1].1,
            "{kind} task: {} at {} is after {} at {}",
            pair[0].0,
            pair[0].1,
            pair[1].0,
            pair[1].1
        );
    }
    if task.assigned_at.is_none() {
        prop_assert!(
            task.acknowledged_at.is_none(),
            "{kind} task acknowledged without ever being assigned: {task:?}"
        );
    }
    prop_assert_eq!(
        task.finished_at.is_some(),
        task.status.is_finished(),
        "{} task: finished_at and status disagree: {:?}",
        kind,
        task
    );
    Ok(())
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let case_id = CaseId::random();
    let mut case = Case::default();
    let mut log: Vec<EventEnvelope> = Vec::new();
    let mut used_ids: Vec<CommandId> = Vec::new();
    let mut first_resolution: Option<CaseStatus> = None;

    for (n, step) in steps.iter().enumerate() {
        let command_id = match step.id {
            IdChoice::Reuse(i) if !used_ids.is_empty() => used_ids[i % used_ids.len()],
            _ => CommandId::random(),
        };
        used_ids.push(command_id);
        let before = case.clone();
        let now = t0() + Duration::seconds(17 * (n as i64 + 1));

        let result = decide(&case, command_id, &step.command);
        let events = result.clone().unwrap_or_default();

        // A command id already applied decides nothing: the same command (action, task, unit) is
        // answered with no events, another command under that id is refused.
        if let Some(earlier) = before.applied_commands.get(&command_id.0) {
            if *earlier == AppliedCommand::of_command(&step.command) {
                prop_assert!(
                    matches!(&result, Ok(events) if events.is_empty()),
                    "a retry decided something: {:?}",
                    result
                );
            } else {
                prop_assert!(
                    matches!(&result, Err(CaseError::CommandIdReused { .. })),
                    "{:?} reused the id of {} and was not refused: {:?}",
                    step.command,
                    earlier,
                    result
                );
            }
        }
        // Only a report reaches an unreported case, and it only opens it.
        if before.status == CaseStatus::Unreported && !events.is_empty() {
            prop_assert!(
                matches!(step.command, CaseCommand::ReceiveReport { .. }),
                "an unreported case accepted {:?}",
                step.command
            );
            prop_assert_eq!(events.len(), 1);
            prop_assert_eq!(events[0].type_name(), "ReportReceived");
        }
        // A cleared or closed case takes nothing more.
        if before.is_resolved() {
            prop_assert!(
                events.is_empty(),
                "a {} case accepted {:?}",
                before.status.name(),
                step.command
            );
        }

        if let Ok(events) = result {
            let ctx = CommandContext {
                case_id,
                command_id,
                actor: actor_for(&step.command),
                now,
            };
            for envelope in stamp(&ctx, case.correlation_id, events) {
                case = case.evolve(&envelope);
                log.push(envelope);
            }
        } else {
            prop_assert_eq!(&case, &before, "a refused command changed the case");
        }

        // Totals never pass their bounds.
        prop_assert!(case.recovered_cents <= MAX_CASE_CENTS);
        prop_assert!(case.returned_cents <= MAX_CASE_CENTS);

        // At most one report and one dispatch, ever.
        prop_assert!(count(&log, "ReportReceived") <= 1);
        prop_assert!(count(&log, "CaseDispatched") <= 1, "dispatched twice");
        prop_assert_eq!(
            case.dispatched_at.is_some(),
            count(&log, "CaseDispatched") == 1
        );

        // At most one task per kind, so at most three.
        prop_assert!(case.tasks.len() <= TaskKind::ALL.len());
        for (kind, task) in &case.tasks {
            check_task_times(kind, task)?;
        }
        // After a dispatch every kind has its task.
        if case.dispatched_at.is_some() {
            prop_assert_eq!(case.tasks.len(), 3);
        }

        // Every event correlates with the report's command and is stamped in time order.
        if let Some(first) = log.first() {
            prop_assert_eq!(first.event.type_name(), "ReportReceived");
            for envelope in &log {
                prop_assert_eq!(envelope.correlation_id, first.correlation_id);
                prop_assert_eq!(envelope.case_id, case_id);
            }
            prop_assert!(log.windows(2).all(|w| w[0].recorded_at <= w[1].recorded_at));
        }

        // A resolution is final: the status never changes again, and no task is left open.
        match &first_resolution {
            Some(status) => prop_assert_eq!(&case.status, status, "a resolved case changed"),
            None if case.is_resolved() => first_resolution = Some(case.status.clone()),
            None => {}
        }
        if case.is_resolved() {
            prop_assert!(case.tasks.values().all(|t| t.status.is_finished()));
        }
        if let CaseStatus::Cleared {
            clearance: quickclear_schemas::event::Clearance::Arrest,
            ..
        } = &case.status
        {
            prop_assert!(case.arrests > 0, "cleared by arrest without an arrest");
        }

        // Replaying the stored events gives the same state.
        prop_assert_eq!(&Case::from_events(&log), &case, "replay differs");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn invariants_hold_after_every_step(steps in steps()) {
        run(steps)?;
    }
}

/// The generator does reach the interesting states (so the property above is not vacuous).
#[test]
fn the_generator_reaches_dispatch_escalation_and_resolution() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..256 {
        let steps = steps().new_tree(&mut runner).unwrap().current();
        let mut case = Case::default();
        for (n, step) in steps.iter().enumerate() {
            if let Ok(events) = decide(&case, CommandId::random(), &step.command) {
                let ctx = CommandContext {
                    case_id: CaseId::random(),
                    command_id: CommandId::random(),
                    actor: actor_for(&step.command),
                    now: t0() + Duration::seconds(n as i64),
                };
                for envelope in stamp(&ctx, case.correlation_id, events) {
                    seen.insert(envelope.event.type_name());
                    case = case.evolve(&envelope);
                }
            }
        }
    }
    let missing: Vec<_> = CaseEvent::TYPES
        .iter()
        .filter(|t| !seen.contains(*t))
        .collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
}

//! Bounds everywhere: no number a client sends can overflow a case's totals or the figures, every
//! field is held to a limit (all errors named at once), times lie within the horizon, one odd row
//! in the log cannot break an analytics window, and a command id names one command.

mod common;

use chrono::{Datelike, Utc};
use common::*;
use quickclear_eventstore::ExpectedVersion;
use quickclear_schemas::bounds::MAX_CASE_CENTS;
use quickclear_schemas::event::{PropertyMovement, ReportReceived};
use quickclear_schemas::report::Report;
use quickclear_schemas::{Actor, CaseEvent, CaseId, EventEnvelope, TaskKind, UnitId};
use serde_json::{Value, json};
use std::time::Duration;

/// One character over the limit of long texts (descriptions, notes) and of short ones (names, items).
const TOO_LONG: usize = 4001;
const TOO_LONG_SHORT: usize = 301;

/// A dispatched case and its property-crime unit.
async fn dispatched_case_and_property(app: &TestApp) -> (String, String) {
    let (case_id, case) = dispatched_case(app).await;
    (case_id, unit_of(&case, "property"))
}

/// A task command with a fresh id.
fn command(
    app: &TestApp,
    case_id: &str,
    task: &str,
    unit: &str,
    action: Value,
) -> reqwest::RequestBuilder {
    let mut body = json!({"command_id": uuid::Uuid::new_v4(), "unit": unit});
    body.as_object_mut()
        .unwrap()
        .extend(action.as_object().unwrap().clone());
    app.http
        .post(format!(
            "{}/api/v1/cases/{case_id}/tasks/{task}/commands",
            app.base
        ))
        .json(&body)
}

/// The fields a refusal names, in order.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn invalid_fields(app: &TestApp, request: reqwest::RequestBuilder) -> Vec<String> {
    let problem = refused(app, request, 422, "invalid-request").await;
    fields(&problem).into_iter().map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_beyond_the_bounds_is_refused_and_the_figures_do_not_move() {
    let app = spawn_app().await;
    let (case_id, property) = dispatched_case_and_property(&app).await;
    let huge =
        json!({"action": "property_recovered", "items": ["gold bars"], "value_cents": u64::MAX});
    for _ in 0..2 {
        let request = command(&app, &case_id, "property", &property, huge.clone());
        assert_eq!(invalid_fields(&app, request).await, ["value_cents"]);
    }
    let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
    assert_eq!(
        case["property"],
        json!({"recovered_cents": 0, "returned_cents": 0})
    );
    let operations = format!("{}/api/v1/stats/operations", app.base);
    let figures =
        quickclear_testkit::eventually("the case counted", Duration::from_secs(10), || async {
            let (status, figures) = get(&app.http, &operations).await;
            (status == 200 && figures["cases"] == 1).then_some(figures)
        })
        .await;
    assert_eq!(figures["property"]["recovered_cents"], 0);

    // Within bounds one by one, a case's total still stops at its maximum.
    let worth = |cents: u64| json!({"action": "property_recovered", "items": ["gold bars"], "value_cents": cents});
    let request = command(&app, &case_id, "property", &property, worth(MAX_CASE_CENTS));
    assert_eq!(request.send().await.unwrap().status(), 200);
    let request = command(&app, &case_id, "property", &property, worth(1));
    let problem = refused(&app, request, 422, "value-out-of-range").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("recovered"),
        "{problem}"
    );
    let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
    assert_eq!(case["property"]["recovered_cents"], MAX_CASE_CENTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_id_reused_on_another_task_is_refused() {
    let app = spawn_app().await;
    let (case_id, property) = dispatched_case_and_property(&app).await;
    let id = uuid::Uuid::new_v4();
    let url = |task: &str| format!("{}/api/v1/cases/{case_id}/tasks/{task}/commands", app.base);
    let precinct_ack = json!({"command_id": id, "unit": "D001", "action": "acknowledge"});
    let (status, answer) = post(&app.http, &url("precinct"), &precinct_ack).await;
    assert_eq!(
        (status, &answer["applied"]),
        (200, &json!(true)),
        "{answer}"
    );
    let property_ack = json!({"command_id": id, "unit": property, "action": "acknowledge"});
    let problem = refused(
        &app,
        app.http.post(url("property")).json(&property_ack),
        409,
        "command-id-reused",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("precinct"),
        "the detail says what the id was used for: {problem}"
    );
    // The exact retry is still harmless.
    let (status, answer) = post(&app.http, &url("precinct"), &precinct_ack).await;
    assert_eq!(
        (status, &answer["applied"]),
        (200, &json!(false)),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_field_beyond_its_bounds_is_named() {
    let app = spawn_app().await;
    let (case_id, property) = dispatched_case_and_property(&app).await;
    let long = "x".repeat(TOO_LONG);
    let short_long = "x".repeat(TOO_LONG_SHORT);
    // `n` entries: the first is `first`, the others `rest`.
    let many = |first: Value, rest: Value, n: usize| {
        Value::Array(std::iter::once(first).chain(vec![rest; n - 1]).collect())
    };
    let point = json!({"lat": 41.88, "lng": -87.63, "at": Utc::now().to_rfc3339(), "camera": null});
    let cases: Vec<(&str, &str, Value, Vec<&str>)> = vec![
        (
            "property",
            &property,
            json!({"action": "property_recovered", "items": many(json!(short_long), json!("wallet"), 51), "value_cents": 1u64 << 60}),
            vec!["items", "items[0]", "value_cents"],
        ),
        (
            "property",
            &property,
            json!({"action": "property_returned", "items": ["wallet"], "value_cents": u64::MAX}),
            vec!["value_cents"],
        ),
        (
            "precinct",
            "D001",
            json!({"action": "record_finding", "finding": {"kind": "canvass", "addresses_visited": u32::MAX, "notes": long}}),
            vec!["finding.addresses_visited", "finding.notes"],
        ),
        (
            "precinct",
            "D001",
            json!({"action": "record_finding", "finding": {"kind": "interview", "person": short_long, "statement": long}}),
            vec!["finding.person", "finding.statement"],
        ),
        (
            "property",
            &property,
            json!({"action": "record_finding", "finding": {"kind": "video_review",
                "cameras": many(json!("CAM-1"), json!("CAM-2"), 101),
                "trajectory": [point, {"lat": 95.0, "lng": -200.0, "at": "0001-01-01T00:00:00Z", "camera": short_long}],
                "notes": ""}}),
            vec![
                "finding.cameras",
                "finding.trajectory[1].lat",
                "finding.trajectory[1].lng",
                "finding.trajectory[1].at",
                "finding.trajectory[1].camera",
            ],
        ),
        (
            "property",
            &property,
            json!({"action": "record_finding", "finding": {"kind": "video_review", "cameras": [],
                "trajectory": many(point.clone(), point.clone(), 501), "notes": ""}}),
            vec!["finding.trajectory"],
        ),
        (
            "scene",
            "SCENE-1",
            json!({"action": "record_finding", "finding": {"kind": "scene_evidence",
                "items": many(json!({"kind": short_long, "description": long}),
                    json!({"kind": "fingerprint", "description": "on the door"}), 51)}}),
            vec![
                "finding.items",
                "finding.items[0].kind",
                "finding.items[0].description",
            ],
        ),
        (
            "precinct",
            "D001",
            json!({"action": "suspect_identified", "description": long}),
            vec!["description"],
        ),
        (
            "precinct",
            "D001",
            json!({"action": "arrest", "note": long}),
            vec!["note"],
        ),
        (
            "precinct",
            "D001",
            json!({"action": "clear", "note": long}),
            vec!["note"],
        ),
    ];
    for (task, unit, action, expected) in cases {
        let request = command(&app, &case_id, task, unit, action.clone());
        assert_eq!(invalid_fields(&app, request).await, expected, "{action}");
    }
    let resolution = format!("{}/api/v1/cases/{case_id}/resolution", app.base);
    let close = json!({"command_id": uuid::Uuid::new_v4(), "resolution": "closed_administratively", "reason": long});
    let request = app.http.post(&resolution).json(&close);
    assert_eq!(invalid_fields(&app, request).await, ["reason"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_from_before_the_horizon_are_refused() {
    let app = spawn_app().await;
    let year_one = json!({"at": "0001-01-01T00:00:00Z"});
    let mut report = report_body();
    report["occurred"] = year_one.clone();
    let request = app
        .http
        .post(format!("{}/api/v1/reports", app.base))
        .json(&report);
    assert_eq!(invalid_fields(&app, request).await, ["occurred"]);
    let two_years_ago = (Utc::now() - chrono::TimeDelta::days(730)).to_rfc3339();
    report["occurred"] = json!({"from": two_years_ago, "to": Utc::now().to_rfc3339()});
    let request = app
        .http
        .post(format!("{}/api/v1/reports", app.base))
        .json(&report);
    assert_eq!(invalid_fields(&app, request).await, ["occurred"]);

    let plate = format!("{}/api/v1/doorplates/DP-0001/reports", app.base);
    let form = json!({"occurred": year_one, "offence": "bicycle_theft",
        "items": [{"description": "bike", "value_cents": u64::MAX}]});
    let request = app.http.post(&plate).json(&form);
    assert_eq!(
        invalid_fields(&app, request).await,
        ["occurred", "items[0].value_cents"]
    );
    let alarm = format!("{}/api/v1/alarms/AL-0001", app.base);
    let pressed =
        json!({"pressed_at": "0001-01-01T00:00:00Z", "description": "x".repeat(TOO_LONG)});
    let request = app.http.post(&alarm).json(&pressed);
    assert_eq!(
        invalid_fields(&app, request).await,
        ["pressed_at", "description"]
    );
}

/// A report stored as an old writer (or another tool) might have: straight into the log.
async fn store_directly(app: &TestApp, report: Report, events: Vec<CaseEvent>) {
    let case_id = CaseId::random();
    let command = uuid::Uuid::new_v4();
    let envelopes: Vec<EventEnvelope> =
        std::iter::once(CaseEvent::ReportReceived(ReportReceived { report }))
            .chain(events)
            .map(|event| EventEnvelope {
                event_id: uuid::Uuid::new_v4(),
                case_id,
                schema_version: event.schema_version(),
                recorded_at: Utc::now(),
                actor: Actor::system("legacy"),
                correlation_id: command,
                causation_id: command,
                event,
            })
            .collect();
    app.store
        .append(
            case_id,
            ExpectedVersion::NoStream,
            &command.to_string(),
            &envelopes,
        )
        .await
        .unwrap();
}

/// A report as intake recorded it, to store variations of.
async fn recorded_report(app: &TestApp, body: &Value) -> Report {
    let (status, accepted) = post(&app.http, &format!("{}/api/v1/reports", app.base), body).await;
    assert_eq!(status, 201, "{accepted}");
    let case_url = format!(
        "{}/api/v1/cases/{}",
        app.base,
        accepted["case_id"].as_str().unwrap()
    );
    let (_, case) = get(&app.http, &case_url).await;
    serde_json::from_value(case["report"].clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_rows_in_the_log_leave_the_default_emerging_view_answering() {
    let app = spawn_app().await;
    let mut elsewhere = report_body();
    elsewhere["location"] = json!({"lat": 41.9250, "lng": -87.6779});
    let mut report = recorded_report(&app, &report_body()).await;
    recorded_report(&app, &elsewhere).await;
    for at in ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"] {
        let at = at.parse().unwrap();
        report.occurred.from = at;
        report.occurred.to = at;
        store_directly(&app, report.clone(), Vec::new()).await;
    }
    let analytics = |what: &str| format!("{}/api/v1/analytics/{what}?res=9", app.base);
    quickclear_testkit::eventually(
        "the four thefts folded in",
        Duration::from_secs(10),
        || async {
            let (status, hot) = get(&app.http, &analytics("hotspots")).await;
            (status == 200 && hot["thefts"] == 4).then_some(())
        },
    )
    .await;
    let (status, emerging) = get(&app.http, &analytics("emerging-hotspots")).await;
    assert_eq!(status, 200, "{emerging}");
    let week = Utc::now().iso_week();
    let this_week = format!("{}-W{:02}", week.year(), week.week());
    assert_eq!(
        emerging["weeks"].as_array().unwrap().last(),
        Some(&json!(this_week))
    );
    assert_eq!(
        emerging["thefts"], 2,
        "the odd rows lie outside the window: {emerging}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_beyond_the_bounds_saturate_the_figures_instead_of_breaking_them() {
    let app = spawn_app().await;
    let mut report = recorded_report(&app, &report_body()).await;
    for item in &mut report.items {
        item.value_cents = u64::MAX;
    }
    report.items.push(report.items[0].clone());
    let recovered = || {
        CaseEvent::PropertyRecovered(PropertyMovement {
            task: TaskKind::Property,
            unit: UnitId::new("PROP-1"),
            items: vec!["gold bars".into()],
            value_cents: u64::MAX,
        })
    };
    for _ in 0..2 {
        store_directly(&app, report.clone(), vec![recovered(), recovered()]).await;
    }
    let operations = format!("{}/api/v1/stats/operations", app.base);
    let figures = quickclear_testkit::eventually(
        "the three cases counted",
        Duration::from_secs(10),
        || async {
            let (status, figures) = get(&app.http, &operations).await;
            (status == 200 && figures["cases"] == 3).then_some(figures)
        },
    )
    .await;
    // Each legacy case saturates at u64::MAX; two of them add up beyond it, unwrapped.
    for figure in ["reported_cents", "recovered_cents"] {
        let value = figures["property"][figure].as_f64().unwrap();
        assert!(value > 1.8e19 * 1.9, "{figure}: {figures}");
    }
}

#[test]
fn the_horizon_is_a_number_of_days_on_up_and_serve() {
    use clap::Parser;
    use quickclear::cli::{Cli, Command, occurred_horizon};
    let up = Cli::try_parse_from(["quickclear", "up", "--demo"]).unwrap();
    let Command::Up(args) = up.command else {
        panic!("not up")
    };
    assert_eq!(occurred_horizon(&args.common), chrono::TimeDelta::days(365));
    let serve = |days: &str| {
        Cli::try_parse_from([
            "quickclear",
            "serve",
            "intake",
            "--nats",
            "nats://127.0.0.1:4222",
            "--occurred-horizon-days",
            days,
        ])
    };
    let Command::Serve(args) = serve("30").unwrap().command else {
        panic!("not serve")
    };
    assert_eq!(occurred_horizon(&args.common), chrono::TimeDelta::days(30));
    for refused in ["0", "-5", "36501", "a year"] {
        assert!(serve(refused).is_err(), "{refused}");
    }
}

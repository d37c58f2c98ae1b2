//! Bad input gets a specific problem+json answer and writes nothing.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use quickclear::services::Service;
use quickclear_dispatch::{DispatchConfig, Dispatcher};
use quickclear_platform::{Clock, Consistency, Health, Supervisor};
use quickclear_schemas::TaskKind;
use serde_json::{Value, json};
use std::time::Duration;

fn with(mut body: Value, path: &[&str], value: Value) -> Value {
    let mut at = &mut body;
    for key in &path[..path.len() - 1] {
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = value;
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_reports_are_refused_specifically() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/reports", app.base);
    let post_raw = |body: &str, content_type: &str| {
        app.http
            .post(&url)
            .header("content-type", content_type)
            .body(body.to_owned())
    };
    refused(
        &app,
        post_raw("{\"occurred\": ", "application/json"),
        400,
        "malformed-json",
    )
    .await;
    refused(
        &app,
        post_raw(&report_body().to_string(), "text/plain"),
        415,
        "unsupported-media-type",
    )
    .await;
    let unknown = with(report_body(), &["colour"], json!("red"));
    let problem = refused(
        &app,
        app.http.post(&url).json(&unknown),
        422,
        "invalid-json",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("colour"),
        "{problem}"
    );
    let no_place = with(
        report_body(),
        &["location"],
        json!({"address": "somewhere"}),
    );
    let problem = refused(
        &app,
        app.http.post(&url).json(&no_place),
        422,
        "invalid-request",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "location");
    let north_pole = with(report_body(), &["location", "lat"], json!(95.0));
    let problem = refused(
        &app,
        app.http.post(&url).json(&north_pole),
        422,
        "invalid-request",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "location.lat");
    let new_york = with(
        with(report_body(), &["location", "lat"], json!(40.7128)),
        &["location", "lng"],
        json!(-74.006),
    );
    let problem = refused(
        &app,
        app.http.post(&url).json(&new_york),
        422,
        "invalid-request",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("outside every precinct")
    );
    let future = with(
        report_body(),
        &["occurred"],
        json!({"at": "2999-01-01T00:00:00Z"}),
    );
    refused(
        &app,
        app.http.post(&url).json(&future),
        422,
        "invalid-request",
    )
    .await;
    let backwards = with(
        report_body(),
        &["occurred"],
        json!({"from": "2016-06-02T00:00:00Z", "to": "2016-06-01T00:00:00Z"}),
    );
    refused(
        &app,
        app.http.post(&url).json(&backwards),
        422,
        "invalid-request",
    )
    .await;
    let bad_phone = with(
        report_body(),
        &["reporter", "phone"],
        json!("call me maybe"),
    );
    refused(
        &app,
        app.http.post(&url).json(&bad_phone),
        422,
        "invalid-request",
    )
    .await;
    let huge = with(report_body(), &["description"], json!("x".repeat(100_000)));
    refused(&app, app.http.post(&url).json(&huge), 413, "body-too-large").await;
    let long_key = app
        .http
        .post(&url)
        .header("Idempotency-Key", "k".repeat(300))
        .json(&report_body());
    refused(&app, long_key, 400, "invalid-idempotency-key").await;
    let plate = format!("{}/api/v1/doorplates/DP-9999/reports", app.base);
    let form = json!({"occurred": {"at": "2016-06-01T12:00:00Z"}, "offence": "bicycle_theft"});
    refused(
        &app,
        app.http.post(&plate).json(&form),
        404,
        "unknown-doorplate",
    )
    .await;
    refused(
        &app,
        app.http.post(format!("{}/api/v1/alarms/AL-9999", app.base)),
        404,
        "unknown-alarm",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn door_plates_and_alarms_take_their_place_from_the_registry() {
    let app = spawn_app().await;
    let this_morning = (Utc::now() - chrono::TimeDelta::hours(3)).to_rfc3339();
    let form = json!({"occurred": {"at": this_morning}, "offence": "bicycle_theft", "items": [{"description": "bike", "value_cents": 40000}]});
    let (status, plate) = post(
        &app.http,
        &format!("{}/api/v1/doorplates/DP-0001/reports", app.base),
        &form,
    )
    .await;
    assert_eq!(status, 201, "{plate}");
    assert_eq!(plate["precinct"], "D001");
    // A resident reporting what just happened leaves the time out: the server's clock stamps it.
    let before = Utc::now();
    let just_now = json!({"offence": "bicycle_theft", "description": "bike gone from the rack"});
    let (status, accepted) = post(
        &app.http,
        &format!("{}/api/v1/doorplates/DP-0001/reports", app.base),
        &just_now,
    )
    .await;
    assert_eq!(status, 201, "{accepted}");
    let case_url = format!(
        "{}/api/v1/cases/{}",
        app.base,
        accepted["case_id"].as_str().unwrap()
    );
    let (_, case) = get(&app.http, &case_url).await;
    let occurred = &case["report"]["occurred"];
    assert_eq!(occurred["from"], occurred["to"], "{case}");
    let at: DateTime<Utc> = serde_json::from_value(occurred["from"].clone()).unwrap();
    assert!(
        at >= before && at <= Utc::now(),
        "{at} is the time of the report"
    );
    let response = app
        .http
        .post(format!("{}/api/v1/alarms/AL-0001", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "an empty body is a complete alarm");
    let alarm: Value = response.json().await.unwrap();
    let (_, case) = get(
        &app.http,
        &format!(
            "{}/api/v1/cases/{}",
            app.base,
            alarm["case_id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(case["report"]["channel"], "alarm");
    assert_eq!(case["report"]["location"]["address"], "111 N State St");
    assert_eq!(
        case["timeline"][0]["actor"],
        json!({"kind": "device", "id": "AL-0001"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_terminal_commands_are_refused_specifically() {
    let app = spawn_app().await;
    let (_, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    quickclear_testkit::eventually("dispatch", Duration::from_secs(10), || async {
        let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
        (!case["dispatched_at"].is_null()).then_some(())
    })
    .await;
    let cmd = |task: &str, unit: &str, action: Value| {
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
    };
    let ack = json!({"action": "acknowledge"});
    refused(
        &app,
        cmd("precinct", "D999", ack.clone()),
        422,
        "invalid-request",
    )
    .await;
    refused(
        &app,
        cmd("precinct", "PROP-1", ack.clone()),
        422,
        "invalid-request",
    )
    .await;
    refused(
        &app,
        cmd("canteen", "D001", ack.clone()),
        404,
        "unknown-task",
    )
    .await;
    refused(
        &app,
        cmd("precinct", "D002", ack.clone()),
        409,
        "task-held-by-other-unit",
    )
    .await;
    let video = json!({"action": "record_finding", "finding": {"kind": "video_review", "cameras": [], "trajectory": [], "notes": ""}});
    refused(
        &app,
        cmd("precinct", "D001", video),
        422,
        "finding-not-for-task",
    )
    .await;
    let returned = json!({"action": "property_returned", "items": ["wallet"], "value_cents": 1});
    refused(
        &app,
        cmd("precinct", "D001", returned),
        409,
        "nothing-recovered",
    )
    .await;
    refused(
        &app,
        cmd("precinct", "D001", json!({"action": "levitate"})),
        422,
        "invalid-json",
    )
    .await;
    let elsewhere = app.http.post(format!(
        "{}/api/v1/cases/{}/tasks/precinct/commands",
        app.base,
        uuid::Uuid::new_v4()
    ));
    refused(
        &app,
        elsewhere.json(
            &json!({"command_id": uuid::Uuid::new_v4(), "unit": "D001", "action": "acknowledge"}),
        ),
        404,
        "case-not-found",
    )
    .await;

    let commands = format!(
        "{}/api/v1/cases/{case_id}/tasks/precinct/commands",
        app.base
    );
    let id = uuid::Uuid::new_v4();
    let acknowledge = json!({"command_id": id, "unit": "D001", "action": "acknowledge"});
    assert_eq!(post(&app.http, &commands, &acknowledge).await.0, 200);
    let reused = json!({"command_id": id, "unit": "D001", "action": "en_route"});
    refused(
        &app,
        app.http.post(&commands).json(&reused),
        409,
        "command-id-reused",
    )
    .await;

    let resolution = format!("{}/api/v1/cases/{case_id}/resolution", app.base);
    let by_arrest = json!({"command_id": uuid::Uuid::new_v4(), "dispatcher": "d1", "resolution": "cleared_by_arrest"});
    refused(
        &app,
        app.http.post(&resolution).json(&by_arrest),
        409,
        "no-arrest",
    )
    .await;
    let close = json!({"command_id": uuid::Uuid::new_v4(), "dispatcher": "d1", "resolution": "closed_administratively", "reason": "duplicate"});
    assert_eq!(post(&app.http, &resolution, &close).await.0, 200);
    let clear = json!({"command_id": uuid::Uuid::new_v4(), "dispatcher": "d1", "resolution": "cleared_exceptionally", "reason": "victim declined"});
    refused(
        &app,
        app.http.post(&resolution).json(&clear),
        409,
        "case-resolved",
    )
    .await;
    refused(&app, cmd("precinct", "D001", ack), 409, "case-resolved").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_and_feeds_are_refused_specifically() {
    let app = spawn_app().await;
    let get_url = |path: &str| app.http.get(format!("{}{path}", app.base));
    refused(
        &app,
        get_url("/api/v1/cases?status=lost"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/cases?from=yesterday"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/cases?from=2016-02-01&to=2016-01-01"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/stats/clearance?group_by=moon"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/cases/not-a-case"),
        404,
        "case-not-found",
    )
    .await;
    refused(
        &app,
        get_url(&format!("/api/v1/cases/{}", uuid::Uuid::new_v4())),
        404,
        "case-not-found",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/units/D999/feed"),
        404,
        "unknown-unit",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/units/D001/feed").header("Last-Event-ID", "yesterday"),
        400,
        "invalid-last-event-id",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/units/D001/feed?after=soon"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/units/D001/feed?after=1&after=2"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/cases?limit=1&limit=2"),
        400,
        "invalid-query",
    )
    .await;
    refused(
        &app,
        get_url("/api/v1/stats/clearance?precint=D001"),
        400,
        "invalid-query",
    )
    .await;
    refused(&app, get_url("/api/v1/nowhere"), 404, "no-such-route").await;
    refused(
        &app,
        app.http.delete(format!("{}/api/v1/reports", app.base)),
        405,
        "method-not-allowed",
    )
    .await;
}

/// A unit may arrive before any dispatch; its dispatch and acknowledgement times stay empty, and
/// the dispatch that follows names it for its task instead of sending another unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_arriving_before_dispatch_is_kept_and_its_times_are_not_back_filled() {
    let services = vec![
        Service::Intake,
        Service::Caselog,
        Service::Squad(TaskKind::Precinct),
    ];
    let app = spawn_services(services, DispatchConfig::default()).await;
    let (_, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    let arrive = json!({"command_id": uuid::Uuid::new_v4(), "unit": "D001", "action": "on_scene"});
    let url = format!(
        "{}/api/v1/cases/{case_id}/tasks/precinct/commands",
        app.base
    );
    let (status, body) = post(&app.http, &url, &arrive).await;
    assert_eq!((status, body["status"].clone()), (200, json!("on_scene")));

    // Dispatch starts late, catches up with the log and dispatches the waiting case.
    let supervisor = Supervisor::default();
    let health = Health::new(app.store.clone(), &supervisor);
    let dispatcher = Dispatcher::new(
        health.follow("dispatch", Consistency::Unsynced),
        app.store.clone(),
        roster(),
        Clock::system(),
        DispatchConfig::default(),
    );
    supervisor.spawn("dispatch", dispatcher.run());
    let case =
        quickclear_testkit::eventually("the late dispatch", Duration::from_secs(10), || async {
            let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
            (!case["dispatched_at"].is_null()).then_some(case)
        })
        .await;
    let precinct = case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "precinct")
        .unwrap();
    assert_eq!(precinct["unit"], "D001");
    assert_eq!(precinct["status"], "on_scene");
    assert!(precinct["on_scene_at"].is_string());
    assert!(
        precinct["assigned_at"].is_null(),
        "no dispatch time is back-filled: {precinct}"
    );
    assert!(precinct["acknowledged_at"].is_null());
    let others = case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] != "precinct");
    assert!(
        others.clone().count() == 2 && others.into_iter().all(|t| t["assigned_at"].is_string())
    );
}

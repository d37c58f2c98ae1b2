//! The core loop on the embedded store, driven over HTTP as dispatchers and terminals drive it.

mod common;

use common::*;
use quickclear_dispatch::DispatchConfig;
use serde_json::{Value, json};
use std::time::Duration;

fn command(unit: &str, action: Value) -> Value {
    let mut body = json!({ "command_id": uuid::Uuid::new_v4(), "unit": unit });
    body.as_object_mut()
        .unwrap()
        .extend(action.as_object().unwrap().clone());
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_reaches_all_three_units_in_one_dispatch() {
    let app = spawn_app().await;
    let mut terminals = Vec::new();
    for unit in [
        "D001", "PROP-1", "PROP-2", "PROP-3", "PROP-4", "SCENE-1", "SCENE-2", "SCENE-3",
    ] {
        terminals.push((
            unit,
            Terminal::connect(&app.http, &app.base, unit, None).await,
        ));
    }
    let response = app
        .http
        .post(format!("{}/api/v1/reports", app.base))
        .json(&report_body())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let accepted: Value = response.json().await.unwrap();
    let case_id = accepted["case_id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/cases/{case_id}"));
    assert_eq!(accepted["precinct"], "D001");
    let (_, opened) = get(&app.http, &format!("{}{location}", app.base)).await;
    let cells = opened["report"]["location"]["analysis_cells"]
        .as_array()
        .unwrap();
    assert_eq!(
        cells.len(),
        5,
        "indexed once at intake at resolutions 6 to 10"
    );
    assert_eq!(
        cells[2], "882664c1a1fffff",
        "233 S Wacker Dr at resolution 8 (as h3-py computes it)"
    );

    let case = until_dispatched(&app, case_id).await;
    let dispatches: Vec<&Value> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "CaseDispatched")
        .collect();
    assert_eq!(dispatches.len(), 1, "one dispatch event");
    assert_eq!(
        dispatches[0]["data"]["assignments"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(unit_of(&case, "precinct"), "D001");
    for task in ["precinct", "property", "scene"] {
        let unit = unit_of(&case, task);
        let (_, terminal) = terminals.iter_mut().find(|(u, _)| *u == unit).unwrap();
        let event = terminal.next_for(case_id).await;
        assert_eq!(event.data["type"], "task_assigned");
        assert_eq!(event.data["task"], task);
        assert_eq!(
            event.data["report"]["location"]["address"],
            "233 S Wacker Dr"
        );
    }
    // Units that were not chosen got nothing about this case.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for (unit, terminal) in &mut terminals {
        if let Ok(event) = terminal.events.try_recv() {
            panic!("{unit} got an unexpected item: {:?}", event.data);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_report_returns_the_same_case_and_writes_nothing() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/reports", app.base);
    let send = |body: Value| {
        app.http
            .post(&url)
            .header("Idempotency-Key", "call-0417")
            .json(&body)
            .send()
    };
    let body = report_body();
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    until_dispatched(&app, first["case_id"].as_str().unwrap()).await;
    let head = app.store.head().await.unwrap();

    let retry = send(body.clone()).await.unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["case_id"], first["case_id"]);
    assert_eq!(
        app.store.head().await.unwrap(),
        head,
        "nothing new was written"
    );

    let mut other = body;
    other["description"] = json!("a different theft");
    let reused = send(other).await.unwrap();
    assert_eq!(reused.status(), 422);
    let problem: Value = reused.json().await.unwrap();
    assert_eq!(
        problem["type"],
        "https://quickclear.dev/problems/idempotency-key-reused"
    );
    assert_eq!(app.store.head().await.unwrap(), head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_worked_to_clearance_with_idempotent_terminal_commands() {
    let app = spawn_app().await;
    let (_, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    let case = until_dispatched(&app, &case_id).await;
    let precinct = unit_of(&case, "precinct");
    // Each unit acts through its own squad account; the dispatcher resolves.
    let precinct_member = app.client_as(&precinct.to_lowercase());
    let url = |task: &str| format!("{}/api/v1/cases/{case_id}/tasks/{task}/commands", app.base);

    let ack = command(&precinct, json!({"action": "acknowledge"}));
    let (status, first) = post(&precinct_member, &url("precinct"), &ack).await;
    assert_eq!((status, first["applied"].clone()), (200, json!(true)));
    let head = app.store.head().await.unwrap();
    let (status, again) = post(&precinct_member, &url("precinct"), &ack).await;
    assert_eq!(
        (status, again["applied"].clone()),
        (200, json!(false)),
        "a retried command applies once"
    );
    assert_eq!(app.store.head().await.unwrap(), head);

    for action in [
        json!({"action": "en_route"}),
        json!({"action": "on_scene"}),
        json!({"action": "record_finding", "finding": {"kind": "interview", "person": "victim", "statement": "tall man, red cap"}}),
        json!({"action": "arrest", "note": "suspect detained on Adams St"}),
        json!({"action": "property_recovered", "items": ["wallet"], "value_cents": 8000}),
        json!({"action": "property_returned", "items": ["wallet"], "value_cents": 8000}),
        json!({"action": "clear", "note": "done"}),
    ] {
        let (status, body) = post(
            &precinct_member,
            &url("precinct"),
            &command(&precinct, action.clone()),
        )
        .await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let scene = unit_of(&case, "scene");
    let evidence = json!({"action": "record_finding", "finding": {"kind": "scene_evidence", "items": [{"kind": "fingerprint", "description": "latent print on turnstile"}]}});
    assert_eq!(
        post(&app.http, &url("scene"), &command(&scene, evidence))
            .await
            .0,
        200
    );

    // `dispatcher` is deprecated: accepted, but the actor is the signed-in user.
    let resolve = json!({"command_id": uuid::Uuid::new_v4(), "dispatcher": "dsp-7", "resolution": "cleared_by_arrest"});
    let (status, body) = post(
        &app.client_as("dispatcher"),
        &format!("{}/api/v1/cases/{case_id}/resolution", app.base),
        &resolve,
    )
    .await;
    assert_eq!((status, body["status"].clone()), (200, json!("cleared")));

    let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
    let task = case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "precinct")
        .unwrap();
    for time in [
        "assigned_at",
        "acknowledged_at",
        "en_route_at",
        "on_scene_at",
        "finished_at",
    ] {
        assert!(task[time].is_string(), "{time} recorded: {task}");
    }
    assert_eq!(case["property"]["returned_cents"], 8000);
    let scene_task = case["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "scene")
        .unwrap();
    assert_eq!(
        scene_task["status"], "released",
        "clearing the case releases every unit"
    );
    let actors: Vec<&Value> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["actor"])
        .collect();
    assert!(actors.contains(&&json!({"kind": "unit", "id": precinct.to_lowercase()})));
    assert!(
        actors.contains(&&json!({"kind": "admin", "id": "admin"})),
        "the scene finding"
    );
    assert!(actors.contains(&&json!({"kind": "dispatcher", "id": "dispatcher"})));

    let stats =
        quickclear_testkit::eventually("clearance figures", Duration::from_secs(5), || async {
            let (_, stats) = get(
                &app.http,
                &format!("{}/api/v1/stats/clearance?group_by=precinct", app.base),
            )
            .await;
            (stats["groups"][0]["cleared"] == 1).then_some(stats)
        })
        .await;
    let group = &stats["groups"][0];
    assert_eq!(group["group"], "D001");
    // Reported moments ago: its 24 hours are not over, so it is not in the 24-hour share yet.
    assert_eq!(
        (
            group["window_over_24h"].clone(),
            group["share_within_24h"].clone()
        ),
        (json!(0), Value::Null)
    );
    let (_, listed) = get(
        &app.http,
        &format!("{}/api/v1/cases?status=cleared&precinct=D001", app.base),
    )
    .await;
    assert_eq!(listed["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_task_is_escalated_to_the_next_unit() {
    let app = spawn_app_with(DispatchConfig {
        ack_window: chrono::Duration::seconds(1),
        ..DispatchConfig::default()
    })
    .await;
    let (_, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    let first = until_dispatched(&app, &case_id).await;
    // Everyone but the precinct acknowledges.
    for task in ["property", "scene"] {
        let url = format!("{}/api/v1/cases/{case_id}/tasks/{task}/commands", app.base);
        let unit = unit_of(&first, task);
        assert_eq!(
            post(
                &app.http,
                &url,
                &command(&unit, json!({"action": "acknowledge"}))
            )
            .await
            .0,
            200
        );
    }
    let mut next_terminal = None;
    let case =
        quickclear_testkit::eventually("the escalation", Duration::from_secs(10), || async {
            let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
            (unit_of(&case, "precinct") != "D001").then_some(case)
        })
        .await;
    let timeline = case["timeline"].as_array().unwrap();
    let escalated = timeline
        .iter()
        .find(|e| e["event_type"] == "TaskEscalated")
        .expect("an escalation event");
    assert_eq!(escalated["data"]["unit"], "D001");
    let reassigned = timeline
        .iter()
        .find(|e| e["event_type"] == "TaskReassigned")
        .unwrap();
    let next = reassigned["data"]["unit"].as_str().unwrap();
    assert_eq!(unit_of(&case, "precinct"), next);
    for task in ["property", "scene"] {
        assert_eq!(
            unit_of(&case, task),
            unit_of(&first, task),
            "acknowledged tasks stay"
        );
    }
    let terminal =
        next_terminal.get_or_insert(Terminal::connect(&app.http, &app.base, next, None).await);
    let item = terminal.next_for(&case_id).await;
    assert_eq!(item.data["escalated_from"], "D001");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_terminal_gets_only_what_it_missed() {
    let app = spawn_app().await;
    let reports = format!("{}/api/v1/reports", app.base);
    let (_, first) = post(&app.http, &reports, &report_body()).await;
    let mut terminal = Terminal::connect(&app.http, &app.base, "D001", None).await;
    let seen = terminal.next_for(first["case_id"].as_str().unwrap()).await;
    drop(terminal);
    let (_, second) = post(&app.http, &reports, &report_body()).await;
    until_dispatched(&app, second["case_id"].as_str().unwrap()).await;
    let mut again = Terminal::connect(&app.http, &app.base, "D001", Some(seen.id)).await;
    let missed = again.next("the missed task").await;
    assert_eq!(
        missed.data["case_id"], second["case_id"],
        "catch-up starts after Last-Event-ID"
    );
    assert!(missed.id > seen.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_serves_prometheus_metrics() {
    let app = spawn_app().await;
    let (_, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    let _terminal = Terminal::connect(&app.http, &app.base, "D001", None).await;
    until_dispatched(&app, accepted["case_id"].as_str().unwrap()).await;
    let text = quickclear_testkit::eventually("metrics", Duration::from_secs(5), || async {
        let text = metrics_text(&app).await;
        text.contains("quickclear_report_to_terminal_seconds")
            .then_some(text)
    })
    .await;
    for name in [
        "quickclear_reports_received_total{channel=\"dispatcher\"}",
        "quickclear_report_to_dispatch_seconds_bucket",
        "quickclear_eventstore_append_seconds_bucket{store=\"sqlite\"",
        "quickclear_unacknowledged_tasks",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
}

//! What the pages read besides the core routes: the dispatchers' live board, the operations figures,
//! the roster and the precinct outlines.

mod common;

use common::*;
use quickclear::services::Service;
use quickclear_dispatch::DispatchConfig;
use serde_json::{Value, json};
use std::time::Duration;

async fn post_report(app: &TestApp) -> String {
    let (status, body) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["case_id"].as_str().unwrap().to_owned()
}

/// The next board entry for `case_id` that passes `wanted`.
async fn board_entry(
    board: &mut Terminal,
    case_id: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        let entry = board.next_for(case_id).await.data;
        if wanted(&entry) {
            return entry;
        }
    }
}

fn task<'a>(entry: &'a Value, kind: &str) -> &'a Value {
    entry["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} task in {entry}"))
}

async fn acknowledge(app: &TestApp, case_id: &str, kind: &str, unit: &str) {
    let (status, body) = post(
        &app.http,
        &format!("{}/api/v1/cases/{case_id}/tasks/{kind}/commands", app.base),
        &json!({"command_id": uuid::Uuid::new_v4(), "unit": unit, "action": "acknowledge"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

fn seconds_between(from: &Value, to: &Value) -> i64 {
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    (parse(to) - parse(from)).num_seconds()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_board_shows_each_case_with_its_three_tasks_as_they_change() {
    let app = spawn_app().await;
    let mut board = Terminal::open(
        app.http.get(format!("{}/api/v1/cases/live", app.base)),
        "board",
    )
    .await;
    let case_id = post_report(&app).await;

    let dispatched = board_entry(&mut board, &case_id, |e| {
        e["tasks"].as_array().unwrap().len() == 3
    })
    .await;
    assert_eq!(dispatched["status"], "open");
    assert_eq!(dispatched["precinct"], "D001");
    assert!(dispatched["resolved_at"].is_null());
    assert!(dispatched["dispatch_due_at"].is_null(), "{dispatched}");
    for kind in ["precinct", "property", "scene"] {
        let t = task(&dispatched, kind);
        assert_eq!(t["status"], "assigned", "{t}");
        assert_eq!(
            seconds_between(&t["assigned_at"], &t["ack_due_at"]),
            60,
            "{t}"
        );
    }
    assert!(
        dispatched.get("reporter").is_none(),
        "the board carries no reporter data: {dispatched}"
    );

    acknowledge(&app, &case_id, "precinct", "D001").await;
    let acknowledged = board_entry(&mut board, &case_id, |e| {
        task(e, "precinct")["status"] == "acknowledged"
    })
    .await;
    assert!(task(&acknowledged, "precinct")["ack_due_at"].is_null());
    assert_eq!(task(&acknowledged, "scene")["status"], "assigned");

    // A page that connects later first gets the board as it stands.
    let mut late = Terminal::open(
        app.http.get(format!("{}/api/v1/cases/live", app.base)),
        "late board",
    )
    .await;
    let snapshot = late.next_for(&case_id).await.data;
    assert_eq!(task(&snapshot, "precinct")["status"], "acknowledged");
}

/// With no dispatch running (its process down), the board still says when a report should have had
/// its units: the page marks it once that time has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_without_units_shows_when_its_dispatch_was_due() {
    let services = vec![Service::Intake, Service::Caselog];
    let app = spawn_services(services, DispatchConfig::default()).await;
    let mut board = Terminal::open(
        app.http.get(format!("{}/api/v1/cases/live", app.base)),
        "board",
    )
    .await;
    let case_id = post_report(&app).await;
    let entry = board.next_for(&case_id).await.data;
    assert!(entry["dispatched_at"].is_null(), "{entry}");
    assert_eq!(
        seconds_between(&entry["reported_at"], &entry["dispatch_due_at"]),
        DispatchConfig::default().dispatch_within.as_secs() as i64,
        "{entry}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_figures_come_from_the_events() {
    let app = spawn_app().await;
    let case_id = post_report(&app).await;
    quickclear_testkit::eventually(
        "the case to be dispatched",
        Duration::from_secs(10),
        || async {
            let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
            (!case["dispatched_at"].is_null()).then_some(())
        },
    )
    .await;
    acknowledge(&app, &case_id, "precinct", "D001").await;

    // The figures come from a projection that follows the log: wait for it to fold the acknowledgement.
    let ops = quickclear_testkit::eventually(
        "the acknowledgement in the figures",
        Duration::from_secs(10),
        || async {
            let (status, ops) =
                get(&app.http, &format!("{}/api/v1/stats/operations", app.base)).await;
            assert_eq!(status, 200, "{ops}");
            (ops["time_to_acknowledge"]["count"] == 1).then_some(ops)
        },
    )
    .await;
    assert_eq!(ops["cases"], 1);
    assert_eq!(
        ops["by_channel"],
        json!({"dispatcher": 1, "doorplate": 0, "alarm": 0})
    );
    assert_eq!(ops["time_to_dispatch"]["count"], 1);
    assert_eq!(
        ops["time_to_acknowledge"]["count"], 1,
        "one of three tasks acknowledged"
    );
    assert_eq!(ops["time_to_scene"]["count"], 0);
    assert_eq!(ops["property"]["reported_cents"], 8000);
    let buckets: u64 = ops["time_to_dispatch"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(buckets, 1);

    let (_, elsewhere) = get(
        &app.http,
        &format!("{}/api/v1/stats/operations?precinct=D002", app.base),
    )
    .await;
    assert_eq!(elsewhere["cases"], 0);
    let (status, problem) = get(
        &app.http,
        &format!("{}/api/v1/stats/operations?from=yesterday", app.base),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        problem["type"], "https://quickclear.dev/problems/invalid-query",
        "{problem}"
    );

    let (_, clearance) = get(&app.http, &format!("{}/api/v1/stats/clearance", app.base)).await;
    assert_eq!(clearance["target"], 0.35);
    assert_eq!(clearance["groups"][0]["reported"], 1);
    let (_, d002) = get(
        &app.http,
        &format!("{}/api/v1/stats/clearance?precinct=D002", app.base),
    )
    .await;
    assert_eq!(d002["groups"], json!([]), "no case in D002");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roster_and_the_precinct_outlines_are_served() {
    let app = spawn_app().await;
    let (status, roster) = get(&app.http, &format!("{}/api/v1/roster", app.base)).await;
    assert_eq!(status, 200, "{roster}");
    let ids: Vec<&str> = roster["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"D001") && ids.contains(&"PROP-1") && ids.contains(&"SCENE-1"),
        "{ids:?}"
    );
    assert_eq!(roster["settings"]["ack_window_secs"], 60);
    assert_eq!(roster["settings"]["clearance_target"], 0.35);
    assert_eq!(roster["settings"]["clock"]["speed"], 1.0);

    let response = app
        .http
        .get(format!("{}/api/v1/roster/precincts.geojson", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let outlines: Value = response.json().await.unwrap();
    let features = outlines["features"].as_array().unwrap();
    assert_eq!(
        features.len(),
        roster["precincts"].as_array().unwrap().len()
    );
    let d001 = features
        .iter()
        .find(|f| f["properties"]["id"] == "D001")
        .unwrap();
    let ring = d001["geometry"]["coordinates"][0][0].as_array().unwrap();
    assert!(
        ring.len() >= 4 && ring.first() == ring.last(),
        "a closed ring"
    );
    let (lng, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
    assert!(
        (-88.0..-87.5).contains(&lng) && (41.6..42.1).contains(&lat),
        "[lng, lat] order: {lng}, {lat}"
    );
}

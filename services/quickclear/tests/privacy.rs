//! Analysts never see free text about people (issue 9, item 9; `services/caselog/src/privacy.rs`):
//! every text field a squad or dispatcher can write is filled with a marker, then every route an
//! analyst may read is swept for it. Dispatchers still see it all.

mod common;

use common::*;
use serde_json::{Value, json};

/// In every free text written below: no analyst's answer may contain it.
const MARK: &str = "PRIVATE-Ana-Ruiz-555-0100";

async fn act(app: &TestApp, case_id: &str, task: &str, unit: &str, action: Value) {
    let mut body = json!({"command_id": uuid::Uuid::new_v4(), "unit": unit});
    body.as_object_mut()
        .unwrap()
        .extend(action.as_object().unwrap().clone());
    let url = format!("{}/api/v1/cases/{case_id}/tasks/{task}/commands", app.base);
    let (status, answer) = post(&app.http, &url, &body).await;
    assert_eq!(status, 200, "{task} {body}: {answer}");
}

/// A case with every free text field written, and resolved with a reason.
async fn case_full_of_text(app: &TestApp) -> String {
    let (case_id, case) = dispatched_case(app).await;
    let [precinct, property, scene] = ["precinct", "property", "scene"].map(|k| unit_of(&case, k));
    let note = |field: &str| format!("{field}: {MARK}");
    for (task, unit) in [
        ("precinct", &precinct),
        ("property", &property),
        ("scene", &scene),
    ] {
        act(app, &case_id, task, unit, json!({"action": "on_scene"})).await;
    }
    let findings = [
        (
            "precinct",
            &precinct,
            json!({"kind": "interview", "person": note("person"), "statement": note("statement")}),
        ),
        (
            "precinct",
            &precinct,
            json!({"kind": "canvass", "addresses_visited": 12, "notes": note("canvass")}),
        ),
        (
            "property",
            &property,
            json!({"kind": "video_review", "cameras": ["CAM-7"], "trajectory": [], "notes": note("video")}),
        ),
        (
            "scene",
            &scene,
            json!({"kind": "scene_evidence", "items": [{"kind": "fingerprint", "description": note("evidence")}]}),
        ),
    ];
    for (task, unit, finding) in findings {
        act(
            app,
            &case_id,
            task,
            unit,
            json!({"action": "record_finding", "finding": finding}),
        )
        .await;
    }
    let property_actions = [
        json!({"action": "suspect_identified", "description": note("suspect")}),
        json!({"action": "arrest", "note": note("arrest")}),
        json!({"action": "property_recovered", "items": ["wallet"], "value_cents": 8000}),
        json!({"action": "clear", "note": note("clear")}),
    ];
    for action in property_actions {
        act(app, &case_id, "property", &property, action).await;
    }
    let resolution = json!({"command_id": uuid::Uuid::new_v4(),
        "resolution": "cleared_exceptionally", "reason": note("reason")});
    let url = format!("{}/api/v1/cases/{case_id}/resolution", app.base);
    let (status, answer) = post(&app.http, &url, &resolution).await;
    assert_eq!(status, 200, "{answer}");
    case_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysts_read_no_free_text_about_people_on_any_route() {
    let app = spawn_app().await;
    let case_id = case_full_of_text(&app).await;
    let base = &app.base;

    let (_, full) = get(
        &app.client_as("dispatcher"),
        &format!("{base}/api/v1/cases/{case_id}"),
    )
    .await;
    let seen = full.to_string();
    for field in [
        "person",
        "statement",
        "canvass",
        "video",
        "evidence",
        "suspect",
        "arrest",
        "clear",
        "reason",
    ] {
        assert!(
            seen.contains(&format!("{field}: {MARK}")),
            "dispatchers see {field}: {seen}"
        );
    }

    let analyst = app.client_as("analyst");
    let (status, case) = get(&analyst, &format!("{base}/api/v1/cases/{case_id}")).await;
    assert_eq!(status, 200);
    assert!(!case.to_string().contains(MARK), "{case}");
    // What analysts need stays: the property, the cameras, the kinds of evidence, how it ended.
    assert_eq!(case["property"]["recovered_cents"], 8000, "{case}");
    let text = case.to_string();
    assert!(text.contains("CAM-7") && text.contains("fingerprint") && text.contains("wallet"));
    assert_eq!(case["clearance"]["by"], "exceptional_means");
    assert_eq!(case["clearance"]["reason"], "(withheld)");

    for path in [
        "/api/v1/cases",
        "/api/v1/cases?status=cleared",
        "/api/v1/stats/clearance",
        "/api/v1/stats/clearance?group_by=week",
        "/api/v1/stats/operations",
        "/api/v1/analytics/concentration",
        "/api/v1/analytics/hotspots",
    ] {
        let response = analyst.get(format!("{base}{path}")).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(
            status.is_success() || status == 400,
            "{path}: {status} {body}"
        );
        assert!(!body.contains(MARK), "{path}: {body}");
    }
    let mut board = Terminal::open(analyst.get(format!("{base}/api/v1/cases/live")), "board").await;
    let entry = board.next_for(&case_id).await.data;
    assert!(!entry.to_string().contains(MARK), "{entry}");
}

//! The weekly patrol-gap review in the whole application: thefts over several weeks of 2016 and a
//! patrol's pings posted over HTTP, the review fetched as a self-contained HTML page, and the same
//! through `quickclear review patrol-gaps`.

mod common;

use chrono::{NaiveDate, TimeDelta};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

/// 233 S Wacker Dr (District 1), where two thefts a week happen at 10:xx.
const WACKER: (f64, f64) = (41.8789, -87.6359);
/// One theft each, far apart across the city (no two in neighbouring resolution-9 cells).
const ELSEWHERE: [(f64, f64); 8] = [
    (41.9250, -87.6779),
    (41.9529, -87.7866),
    (41.7508, -87.6050),
    (41.8500, -87.7000),
    (41.9000, -87.7500),
    (41.7800, -87.6700),
    (41.9700, -87.6600),
    (41.8100, -87.6200),
];
const WEEK: &str = "2016-W23";
const REVIEW: &str = "/api/v1/analytics/reviews/patrol-gaps";

async fn report(app: &TestApp, (lat, lng): (f64, f64), at: &str) -> Value {
    let mut body = report_body();
    body["location"] = json!({ "lat": lat, "lng": lng, "address": "2XX S WACKER DR" });
    body["occurred"] = json!({ "at": at });
    let (status, accepted) = post(&app.http, &format!("{}/api/v1/reports", app.base), &body).await;
    assert_eq!(status, 201, "{accepted}");
    accepted
}

/// Reports the thefts of the 8 weeks to 2016-W23 and returns Wacker Dr's resolution-9 cell.
async fn report_thefts(app: &TestApp) -> String {
    let mut case_id = String::new();
    for week in 0..8 {
        // Mondays from 2016-04-18 (2016-W16) to 2016-06-06 (2016-W23).
        let monday = NaiveDate::from_ymd_opt(2016, 4, 18).unwrap() + TimeDelta::weeks(week);
        for at in [
            format!("{monday}T10:15:00Z"),
            format!("{}T10:40:00Z", monday + TimeDelta::days(2)),
        ] {
            case_id = report(app, WACKER, &at).await["case_id"]
                .as_str()
                .unwrap()
                .to_owned();
        }
    }
    for (day, place) in ELSEWHERE.into_iter().enumerate() {
        report(app, place, &format!("2016-05-{:02}T15:00:00Z", 10 + day)).await;
    }
    let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
    case["report"]["location"]["analysis_cells"][3]
        .as_str()
        .unwrap()
        .to_owned()
}

/// District 1's patrol: half an hour at Wacker Dr in the evening, when no theft happens there.
async fn post_pings(app: &TestApp) {
    let start: chrono::DateTime<chrono::Utc> = "2016-06-08T20:00:00Z".parse().unwrap();
    let pings: Vec<Value> = (0..=30)
        .map(|minute| {
            let at = start + TimeDelta::minutes(minute);
            json!({ "at": at.to_rfc3339(), "lat": WACKER.0, "lng": WACKER.1 })
        })
        .collect();
    let url = format!("{}/api/v1/units/D001/positions", app.base);
    let (status, stored) = post(&app.http, &url, &json!({ "pings": pings })).await;
    assert_eq!(
        (status, stored["stored"].clone()),
        (200, json!(31)),
        "{stored}"
    );
}

/// The review's status, content type and body.
async fn review(app: &TestApp, query: &str) -> (u16, String, String) {
    let response = app
        .http
        .get(format!("{}{REVIEW}?{query}", app.base))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_shows_the_hot_cell_patrols_miss_and_the_cli_writes_it() {
    let app = spawn_app_taking_2016().await;
    let wacker = report_thefts(&app).await;
    post_pings(&app).await;
    let total = 16 + ELSEWHERE.len();
    // Every theft folded in, and the cameras' cells computed (until then the review answers 503).
    let page = quickclear_testkit::eventually("the review", Duration::from_secs(30), || async {
        let (status, content_type, body) = review(&app, &format!("week={WEEK}&res=9")).await;
        let counted = body.contains(&format!("{total} thefts in the window"));
        (status == 200 && counted).then_some((content_type, body))
    })
    .await;
    let (content_type, body) = page;
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(body.starts_with("<!DOCTYPE html>"));
    assert!(body.contains("<svg"), "a map");
    assert!(
        body.contains(&format!("<code>{wacker}</code>")),
        "Wacker Dr's cell in the table"
    );
    assert!(
        body.contains("2 thefts this week"),
        "the two at Wacker Dr in 2016-W23"
    );
    assert!(
        body.contains("around 2XX S WACKER DR"),
        "the place by its address"
    );
    for external in ["http://", "https://", "<script", "<link", "<img", "url("] {
        assert!(!body.contains(external), "self-contained: {external} found");
    }

    let (status, _, body) = review(&app, &format!("week={WEEK}&precinct=D001")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Patrol-gap review: District 1"), "{body}");

    for (query, parameter) in [
        ("week=2016-23", "week"),
        ("week=2016-W54", "week"),
        ("precinct=D001", "week"),
        ("week=2016-W23&precinct=D999", "precinct"),
        ("week=2016-W23&res=11", "res"),
        ("week=2016-W23&from=2016-01-01", "from"),
    ] {
        let (status, content_type, body) = review(&app, query).await;
        assert_eq!(
            (status, content_type.as_str()),
            (400, "application/problem+json"),
            "{query}"
        );
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            problem["errors"][0]["field"], parameter,
            "{query}: {problem}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("review.html");
    let cli = |args: Vec<String>| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_quickclear"))
            .args(args)
            .output()
            .await
            .unwrap()
    };
    let args = |week: &str, target: &str| -> Vec<String> {
        let output = output.display().to_string();
        [
            "review",
            "patrol-gaps",
            "--week",
            week,
            "--target",
            target,
            "--output",
            &output,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let run = cli(args(WEEK, &app.base)).await;
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let written = std::fs::read_to_string(&output).unwrap();
    assert!(written.contains("<svg") && written.contains(&wacker));

    let refused = cli(args("2016-23", &app.base)).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("refused the review (400): week:"),
        "{stderr}"
    );
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let unreachable = cli(args(WEEK, &closed)).await;
    let stderr = String::from_utf8_lossy(&unreachable.stderr);
    assert!(!unreachable.status.success());
    assert!(stderr.contains("cannot reach Quickclear at"), "{stderr}");
}

//! The map's trend and coverage answers in the whole application: thefts over eight weeks of 2016
//! reported over HTTP become emerging hot-spot patterns per cell, and the cameras and a patrol's
//! pings become the coverage layers.

mod common;

use chrono::{NaiveDate, TimeDelta};
use common::*;
use serde_json::{Value, json};
use std::time::Duration;

/// 233 S Wacker Dr (District 1): three thefts in the last week only.
const WACKER: (f64, f64) = (41.8789, -87.6359);
/// One theft each in one of the weeks before, far apart (no two in neighbouring resolution-9 cells).
const ELSEWHERE: [(f64, f64); 7] = [
    (41.9250, -87.6779),
    (41.9529, -87.7866),
    (41.7508, -87.6050),
    (41.8500, -87.7000),
    (41.9000, -87.7500),
    (41.7800, -87.6700),
    (41.9700, -87.6600),
];
/// 2016-W16 to 2016-W23.
const WINDOW: &str = "from=2016-04-18&to=2016-06-13";

async fn report(app: &TestApp, (lat, lng): (f64, f64), at: String) -> String {
    let mut body = report_body();
    body["location"] = json!({ "lat": lat, "lng": lng });
    body["occurred"] = json!({ "at": at });
    let (status, accepted) = post(&app.http, &format!("{}/api/v1/reports", app.base), &body).await;
    assert_eq!(status, 201, "{accepted}");
    accepted["case_id"].as_str().unwrap().to_owned()
}

/// One theft elsewhere in each of the first seven weeks, three at Wacker Dr in the eighth; returns
/// Wacker Dr's resolution-9 cell.
async fn report_thefts(app: &TestApp) -> String {
    let monday = |week: i64| NaiveDate::from_ymd_opt(2016, 4, 18).unwrap() + TimeDelta::weeks(week);
    for (week, place) in (0..).zip(ELSEWHERE) {
        report(app, place, format!("{}T15:00:00Z", monday(week))).await;
    }
    let mut case_id = String::new();
    for day in [0, 2, 4] {
        let at = monday(7) + TimeDelta::days(day);
        case_id = report(app, WACKER, format!("{at}T10:15:00Z")).await;
    }
    let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
    case["report"]["location"]["analysis_cells"][3]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn analytics(http: &reqwest::Client, app: &TestApp, what: &str, query: &str) -> (u16, Value) {
    get(
        http,
        &format!("{}/api/v1/analytics/{what}?{query}", app.base),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weekly_thefts_make_emerging_patterns_per_cell() {
    let app = spawn_app_taking_2016().await;
    let wacker = report_thefts(&app).await;
    let query = format!("res=9&{WINDOW}");
    let trends = quickclear_testkit::eventually(
        "the thefts to be counted",
        Duration::from_secs(10),
        || async {
            let (status, body) = analytics(&app.http, &app, "emerging-hotspots", &query).await;
            (status == 200 && body["thefts"] == 10).then_some(body)
        },
    )
    .await;

    let weeks: Vec<String> = (16..=23).map(|w| format!("2016-W{w}")).collect();
    assert_eq!(trends["weeks"], json!(weeks));
    assert_eq!(trends["note"], Value::Null);
    assert_eq!(
        trends["patterns"],
        json!({ "new": 1, "intensifying": 0, "persistent": 0, "diminishing": 0, "sporadic": 7, "no_pattern": 0 })
    );
    let cells = trends["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1 + ELSEWHERE.len());
    let first = &cells[0];
    assert_eq!(
        (first["h3"].as_str(), first["pattern"].as_str()),
        (Some(wacker.as_str()), Some("new"))
    );
    assert_eq!(
        (first["thefts"].clone(), first["hot_weeks"].clone()),
        (json!(3), json!(1))
    );
    let weekly_z = first["weekly_z"].as_array().unwrap();
    assert_eq!(weekly_z.len(), 8);
    assert!(
        weekly_z[7].as_f64().unwrap() > 2.0,
        "hot in the last week: {first}"
    );
    assert_eq!(
        first["trend"]["s"], 7,
        "the last week above seven equal ones"
    );
    assert!(first["trend"]["p"].as_f64().unwrap() > 0.05);
    for cell in &cells[1..] {
        assert_eq!(cell["pattern"], "sporadic", "{cell}");
    }

    // An open window spans the weeks of the first and the last theft.
    let (_, open) = analytics(&app.http, &app, "emerging-hotspots", "res=9").await;
    assert_eq!(open["weeks"], trends["weeks"]);

    let response = app
        .http
        .get(format!(
            "{}/api/v1/analytics/emerging-hotspots?{query}&format=geojson",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let map: Value = response.json().await.unwrap();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), cells.len());
    assert_eq!(features[0]["geometry"]["type"], "Polygon");
    assert_eq!(features[0]["properties"]["pattern"], "new");

    // One week with thefts in one cell: no trend, and the answer says why.
    let (status, last_week) = analytics(
        &app.http,
        &app,
        "emerging-hotspots",
        "res=9&from=2016-06-06&to=2016-06-13",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(last_week["cells"], json!([]));
    assert!(
        last_week["note"]
            .as_str()
            .unwrap()
            .starts_with("Gi* needs at least 2 cells"),
        "{last_week}"
    );
}

/// District 1's patrol: half an hour at Wacker Dr from 20:00 on 2016-06-08.
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

fn cell<'a>(answer: &'a Value, h3: &str) -> Option<&'a Value> {
    answer["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["h3"] == h3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cameras_and_patrol_pings_make_the_coverage_layers() {
    let app = spawn_app_taking_2016().await;
    let wacker = report_thefts(&app).await;
    post_pings(&app).await;
    // The cameras' cells are computed just after start (until then the answer is 503).
    let city =
        quickclear_testkit::eventually("the camera coverage", Duration::from_secs(30), || async {
            let (status, body) = analytics(&app.http, &app, "coverage", "res=9").await;
            (status == 200).then_some(body)
        })
        .await;
    let cameras = city["cameras"].as_array().unwrap();
    assert_eq!(cameras.len(), 309);
    for camera in cameras {
        assert!(camera["id"].is_string() && camera["lat"].is_f64() && camera["lng"].is_f64());
        let seen =
            cell(&city, camera["h3"].as_str().unwrap()).expect("a camera's own cell is listed");
        assert_eq!(seen["camera"], true);
    }
    let patrolled = cell(&city, &wacker).expect("the patrolled cell");
    assert_eq!(patrolled["patrol_minutes"], 30.0);
    assert_eq!(patrolled["patrol_by_hour"][20], 30.0);
    assert_eq!(patrolled["patrol_by_hour"].as_array().unwrap().len(), 24);

    let (status, district) = analytics(&app.http, &app, "coverage", "res=9&precinct=D001").await;
    assert_eq!(status, 200, "{district}");
    let in_district = district["cameras"].as_array().unwrap().len();
    assert!(
        (1..309).contains(&in_district),
        "{in_district} cameras in District 1"
    );
    assert!(district["cells"].as_array().unwrap().len() < city["cells"].as_array().unwrap().len());
    assert!(cell(&district, &wacker).is_some());

    // Pings outside the window add nothing.
    let (_, july) = analytics(
        &app.http,
        &app,
        "coverage",
        "res=9&precinct=D001&from=2016-07-01",
    )
    .await;
    assert!(
        cell(&july, &wacker).is_none_or(|c| c["patrol_minutes"] == 0.0),
        "{july}"
    );

    let response = app
        .http
        .get(format!(
            "{}/api/v1/analytics/coverage?res=9&precinct=D001&format=geojson",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let map: Value = response.json().await.unwrap();
    let features = map["features"].as_array().unwrap();
    let of_kind = |kind: &str, geometry: &str| {
        features
            .iter()
            .filter(|f| f["properties"]["kind"] == kind)
            .inspect(|f| assert_eq!(f["geometry"]["type"], geometry, "{f}"))
            .count()
    };
    assert_eq!(of_kind("camera", "Point"), in_district);
    assert_eq!(
        of_kind("cell", "Polygon"),
        district["cells"].as_array().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_are_refused_by_name_and_squads_are_refused() {
    let app = spawn_app().await;
    for (what, query, parameter) in [
        ("emerging-hotspots", "k=4", "k"),
        ("emerging-hotspots", "week=2016-W23", "week"),
        ("emerging-hotspots", "from=2016-06-08&to=2016-06-01", "from"),
        ("emerging-hotspots", "from=2010-01-01&to=2016-01-01", "from"),
        ("emerging-hotspots", "format=kml", "format"),
        ("coverage", "res=5", "res"),
        ("coverage", "offence=shoplifting", "offence"),
        ("coverage", "precinct=PROP-1", "precinct"),
    ] {
        query_refused(
            &app,
            &format!("/api/v1/analytics/{what}?{query}"),
            parameter,
        )
        .await;
    }

    let squad = app.client_as("d001");
    let analyst = app.client_as("analyst");
    for what in ["emerging-hotspots", "coverage"] {
        let (status, problem) = analytics(&squad, &app, what, "res=9").await;
        assert_eq!(status, 403, "{what}: {problem}");
        assert_eq!(problem["type"], "https://quickclear.dev/problems/forbidden");
        let (status, _) = analytics(&analyst, &app, what, "res=9").await;
        assert_ne!(status, 403, "{what} is for analysts");
    }
}

//! The hotspots service in the whole application: thefts reported over HTTP become hot cells, patrol
//! gaps close when patrols report their positions, and precincts hear about near-repeats.

mod common;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use common::*;
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// 233 S Wacker Dr, where most of the thefts below happen.
const WACKER: (f64, f64) = (41.8789, -87.6359);

/// One theft each, far apart across the city (no two in neighbouring resolution-9 cells).
const ELSEWHERE: [(f64, f64); 12] = [
    (41.9250, -87.6779),
    (41.9529, -87.7866),
    (41.7508, -87.6050),
    (41.8500, -87.7000),
    (41.9000, -87.7500),
    (41.7800, -87.6700),
    (41.9700, -87.6600),
    (41.8100, -87.6200),
    (41.8800, -87.7200),
    (41.7300, -87.5500),
    (41.9900, -87.7000),
    (41.8350, -87.6300),
];

const THEFTS_AT_WACKER: usize = 10;

/// The thefts happened at half past the hour, two hours ago: one hour of the day for all of them.
fn theft_time() -> DateTime<Utc> {
    Utc::now().duration_trunc(TimeDelta::hours(1)).unwrap() - TimeDelta::hours(2)
        + TimeDelta::minutes(30)
}

async fn report(app: &TestApp, (lat, lng): (f64, f64), at: DateTime<Utc>) -> String {
    let mut body = report_body();
    body["location"] = json!({ "lat": lat, "lng": lng });
    body["occurred"] = json!({ "at": at.to_rfc3339() });
    let (status, accepted) = post(&app.http, &format!("{}/api/v1/reports", app.base), &body).await;
    assert_eq!(status, 201, "{accepted}");
    accepted["case_id"].as_str().unwrap().to_owned()
}

/// Reports the thefts, all at `at`, and returns the resolution-9 cell of Wacker Dr, as intake
/// indexed it.
async fn report_thefts(app: &TestApp, at: DateTime<Utc>) -> String {
    let mut case_id = String::new();
    for _ in 0..THEFTS_AT_WACKER {
        case_id = report(app, WACKER, at).await;
    }
    for place in ELSEWHERE {
        report(app, place, at).await;
    }
    let (_, case) = get(&app.http, &format!("{}/api/v1/cases/{case_id}", app.base)).await;
    case["report"]["location"]["analysis_cells"][3]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn analytics(app: &TestApp, what: &str, query: &str) -> (u16, Value) {
    get(
        &app.http,
        &format!("{}/api/v1/analytics/{what}?{query}", app.base),
    )
    .await
}

/// Waits until the hot spots at resolution 9 count `thefts`, and returns them.
async fn hot_spots_counting(app: &TestApp, thefts: usize, within: Duration) -> Value {
    quickclear_testkit::eventually("the thefts to be counted", within, || async {
        let (status, body) = analytics(app, "hotspots", "res=9").await;
        (status == 200 && body["thefts"] == thefts).then_some(body)
    })
    .await
}

fn cell<'a>(cells: &'a Value, h3: &str) -> Option<&'a Value> {
    cells.as_array().unwrap().iter().find(|c| c["h3"] == h3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thefts_become_hot_cells_and_a_new_theft_updates_them() {
    let app = spawn_app().await;
    let wacker = report_thefts(&app, theft_time()).await;
    let total = THEFTS_AT_WACKER + ELSEWHERE.len();
    let hot = hot_spots_counting(&app, total, Duration::from_secs(10)).await;

    assert_eq!(hot["res"], 9);
    assert_eq!(hot["k"], 1);
    let cells = &hot["cells"];
    assert_eq!(cells.as_array().unwrap().len(), 1 + ELSEWHERE.len());
    let busiest = cell(cells, &wacker).expect("Wacker Dr's cell");
    assert_eq!(busiest["count"], THEFTS_AT_WACKER);
    assert_eq!(busiest["class"], "hot_99", "{busiest}");
    for other in cells
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["h3"] != wacker)
    {
        assert_eq!(other["count"], 1);
        assert_eq!(other["class"], "not_significant", "{other}");
    }

    let response = app
        .http
        .get(format!(
            "{}/api/v1/analytics/hotspots?res=9&format=geojson",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let map: Value = response.json().await.unwrap();
    assert_eq!(map["type"], "FeatureCollection");
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), 1 + ELSEWHERE.len());
    for feature in features {
        assert_eq!(feature["geometry"]["type"], "Polygon");
        let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 7, "a closed hexagon");
        assert_eq!(ring.first(), ring.last());
        assert!(ring[0][0].as_f64().unwrap() < -87.0, "longitude first");
    }

    report(&app, WACKER, Utc::now()).await;
    let updated = hot_spots_counting(&app, total + 1, Duration::from_secs(1)).await;
    assert_eq!(
        cell(&updated["cells"], &wacker).unwrap()["count"],
        THEFTS_AT_WACKER + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_repeat_blind_spots_and_concentration_are_served() {
    let app = spawn_app().await;
    report_thefts(&app, theft_time()).await;
    hot_spots_counting(
        &app,
        THEFTS_AT_WACKER + ELSEWHERE.len(),
        Duration::from_secs(10),
    )
    .await;

    let (status, knox) = analytics(&app, "near-repeat", "permutations=19&seed=7").await;
    assert_eq!(status, 200, "{knox}");
    assert_eq!(knox["distance_bands_m"].as_array().unwrap().len(), 5);
    assert_eq!(knox["time_bands_days"].as_array().unwrap().len(), 4);
    // The ten thefts at one place on one day make 45 pairs in the first band of each.
    assert_eq!(knox["observed"][0][0], 45);
    assert_eq!(knox["permutations"], 19);

    let (status, concentration) = analytics(&app, "concentration", "res=9").await;
    assert_eq!(status, 200, "{concentration}");
    assert_eq!(concentration["cells"], 1 + ELSEWHERE.len());
    assert_eq!(concentration["cells_holding_half"], 2);
    assert!(concentration["gini"].as_f64().unwrap() > 0.3);

    let blind =
        quickclear_testkit::eventually("the camera coverage", Duration::from_secs(30), || async {
            let (status, body) = analytics(&app, "blind-spots", "res=9").await;
            (status == 200).then_some(body)
        })
        .await;
    assert_eq!(blind["cameras"], 309);
    assert_eq!(blind["hot_cells"], 1);
    for spot in blind["blind_spots"].as_array().unwrap() {
        assert!(spot["class"].as_str().unwrap().starts_with("hot"), "{spot}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patrol_pings_close_a_patrol_gap() {
    let app = spawn_app().await;
    let at = theft_time();
    let wacker = report_thefts(&app, at).await;
    hot_spots_counting(
        &app,
        THEFTS_AT_WACKER + ELSEWHERE.len(),
        Duration::from_secs(10),
    )
    .await;
    let hour: u64 = at.format("%H").to_string().parse().unwrap();

    let (status, before) = analytics(&app, "patrol-gaps", "res=9").await;
    assert_eq!(status, 200, "{before}");
    let gap = cell(&before["cells"], &wacker).expect("no patrol at Wacker Dr yet");
    assert_eq!(
        gap["gap_hours"],
        json!([{ "hour": hour, "thefts": THEFTS_AT_WACKER, "dwell_minutes": 0.0 }])
    );

    // Yesterday, a patrol spent half an hour at Wacker Dr at the hour of the thefts.
    let yesterday = at - TimeDelta::days(1) - TimeDelta::minutes(30);
    let pings: Vec<Value> = (0..=30)
        .map(|minute| {
            let at = yesterday + TimeDelta::minutes(minute);
            json!({ "at": at.to_rfc3339(), "lat": WACKER.0, "lng": WACKER.1 })
        })
        .collect();
    let url = format!("{}/api/v1/units/D001/positions", app.base);
    let (status, stored) = post(&app.http, &url, &json!({ "pings": pings })).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        (stored["stored"].clone(), stored["duplicates"].clone()),
        (json!(31), json!(0))
    );
    let (_, retried) = post(&app.http, &url, &json!({ "pings": pings })).await;
    assert_eq!(retried["duplicates"], 31, "a retried batch stores nothing");

    let (_, after) = analytics(&app, "patrol-gaps", "res=9").await;
    assert!(cell(&after["cells"], &wacker).is_none(), "{after}");
    let (_, stricter) = analytics(&app, "patrol-gaps", "res=9&min_dwell_minutes=45").await;
    let gap = cell(&stricter["cells"], &wacker).expect("30 minutes is under 45");
    let dwell = gap["gap_hours"][0]["dwell_minutes"].as_f64().unwrap();
    assert!((dwell - 30.0).abs() < 1e-6, "{dwell}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_and_pings_are_refused_by_name() {
    let app = spawn_app().await;
    for (what, query, parameter) in [
        ("hotspots", "res=11", "res"),
        ("hotspots", "k=0", "k"),
        ("hotspots", "offence=burglary", "offence"),
        ("hotspots", "precinct=D999", "precinct"),
        ("blind-spots", "from=2016-06-08&to=2016-06-01", "from"),
        ("patrol-gaps", "to=next-week", "to"),
        ("patrol-gaps", "min_dwell_minutes=-1", "min_dwell_minutes"),
        ("concentration", "format=geojson", "format"),
        ("near-repeat", "permutations=1000", "permutations"),
        ("near-repeat", "distance_bands=100,50", "distance_bands"),
        ("hotspots", "format=kml", "format"),
        ("hotspots", "resolution=9", "resolution"),
    ] {
        let problem = query_refused(
            &app,
            &format!("/api/v1/analytics/{what}?{query}"),
            parameter,
        )
        .await;
        assert!(problem["detail"].as_str().unwrap().starts_with(parameter));
    }

    let url = |unit: &str| format!("{}/api/v1/units/{unit}/positions", app.base);
    let ping = |lat: f64| json!({ "at": Utc::now().to_rfc3339(), "lat": lat, "lng": -87.63 });
    let (status, problem) = post(&app.http, &url("D999"), &json!({ "pings": [ping(41.88)] })).await;
    assert_eq!(
        (status, problem["type"].as_str().unwrap()),
        (404, "https://quickclear.dev/problems/unknown-unit")
    );
    let (status, problem) = post(
        &app.http,
        &url("D001"),
        &json!({ "pings": [ping(41.88), ping(95.0)] }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "pings[1].lat");
    let (status, problem) = post(&app.http, &url("D001"), &json!({ "pings": [] })).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (422, json!("pings"))
    );
    let (status, problem) = post(
        &app.http,
        &url("D001"),
        &json!({ "pings": [ping(41.88)], "speed": 3 }),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str().unwrap()),
        (422, "https://quickclear.dev/problems/invalid-json")
    );
}

/// The first advisory on a unit's advisory stream.
async fn first_advisory(app: &TestApp, unit: &str) -> Value {
    let response = app
        .http
        .get(format!(
            "{}/api/v1/units/{unit}/advisories?after=0",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut bytes = response.bytes_stream();
    let mut buffer = String::new();
    let read = async {
        while let Some(chunk) = bytes.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|line| line.strip_prefix("data:")) {
                    return serde_json::from_str::<Value>(data.trim()).unwrap();
                }
            }
        }
        panic!("the advisory stream ended");
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("an advisory within 10 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_thefts_sends_the_precinct_an_advisory() {
    let app = spawn_app().await;
    let wacker = report_thefts(&app, theft_time()).await;
    let advisory = first_advisory(&app, "D001").await;
    assert_eq!(advisory["precinct"], "D001");
    assert_eq!(advisory["nearby_thefts"], 2, "the third theft at one place");
    let cells = advisory["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 7);
    assert_eq!(advisory["cell"], wacker);
    assert!(cells.contains(&json!(wacker)));
    assert!(!advisory["days"].as_array().unwrap().is_empty());

    for (unit, problem) in [("PROP-1", "not-a-precinct"), ("D999", "unknown-unit")] {
        let (status, body) = get(
            &app.http,
            &format!("{}/api/v1/units/{unit}/advisories", app.base),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(
            body["type"],
            format!("https://quickclear.dev/problems/{problem}")
        );
    }
}

//! The load tool against a small fake of the HTTP surface it drives (intake's POST, the squads'
//! feeds and commands), with faults planted on purpose: the counting must find exactly those. Like
//! the real services, it refuses requests without the session token.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::response::sse::{Event, Sse};
use axum::routing::{get, post};
use futures::Stream;
use quickclear_loadtest::{Config, run};
use quickclear_schemas::message::{ReportRequest, TaskCommandRequest};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

const TOKEN: &str = "the-load-tool-session";

const UNITS: [(&str, &str); 3] = [
    ("precinct", "D001"),
    ("property", "PROP-1"),
    ("scene", "SCENE-1"),
];

/// Which faults to plant: every `nth` case loses its scene task / gets its precinct task twice.
#[derive(Clone, Copy)]
struct Faults {
    drop_scene_every: Option<u64>,
    duplicate_precinct_every: Option<u64>,
}

struct City {
    faults: Faults,
    cases: AtomicU64,
    position: AtomicU64,
    acks: AtomicU64,
    feed: broadcast::Sender<(String, u64, String)>,
}

impl City {
    fn post(&self, unit: &str, item: Value) {
        let position = self.position.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self
            .feed
            .send((unit.to_owned(), position, item.to_string()));
    }

    fn dispatch(&self, n: u64, case_id: &str) {
        for (task, unit) in UNITS {
            let item = json!({
                "type": "task_assigned", "case_id": case_id, "task": task, "unit": unit,
                "escalated_from": null, "report": {"description": "whatever the report says"},
            });
            let every = |k: Option<u64>| k.is_some_and(|k| n.is_multiple_of(k));
            if task == "scene" && every(self.faults.drop_scene_every) {
                continue;
            }
            self.post(unit, item.clone());
            if task == "precinct" && every(self.faults.duplicate_precinct_every) {
                self.post(unit, item);
            }
        }
    }
}

async fn report(State(city): State<Arc<City>>, body: String) -> (StatusCode, String) {
    // The load tool's body must be a valid report for the real intake.
    if let Err(error) = serde_json::from_str::<ReportRequest>(&body) {
        return (StatusCode::UNPROCESSABLE_ENTITY, error.to_string());
    }
    let n = city.cases.fetch_add(1, Ordering::SeqCst) + 1;
    let case_id = uuid::Uuid::new_v4().to_string();
    let answer =
        json!({"case_id": case_id, "precinct": "D001", "h3": "8f2664c1a4d1a4a"}).to_string();
    if n.is_multiple_of(2) {
        // Half the cases reach the terminals before the POST is answered.
        city.dispatch(n, &case_id);
    } else {
        let city = city.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2)).await;
            city.dispatch(n, &case_id);
        });
    }
    (StatusCode::CREATED, answer)
}

async fn feed(
    State(city): State<Arc<City>>,
    Path(unit): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, StatusCode> {
    if !UNITS.iter().any(|(_, u)| *u == unit) {
        return Err(StatusCode::NOT_FOUND);
    }
    let live = city.feed.subscribe();
    let stream = futures::stream::unfold((live, unit), |(mut live, unit)| async move {
        loop {
            match live.recv().await {
                Ok((to, position, data)) if to == unit => {
                    let event = Event::default().id(position.to_string()).data(data);
                    return Some((Ok(event), (live, unit)));
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => panic!("the test feed lagged"),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream))
}

async fn command(
    State(city): State<Arc<City>>,
    Path((_case, _task)): Path<(String, String)>,
    body: String,
) -> StatusCode {
    match serde_json::from_str::<TaskCommandRequest>(&body) {
        Ok(_) => {
            city.acks.fetch_add(1, Ordering::SeqCst);
            StatusCode::OK
        }
        Err(_) => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn signed_in(request: Request, next: Next) -> Result<Response, StatusCode> {
    let bearer = format!("Bearer {TOKEN}");
    match request.headers().get(header::AUTHORIZATION) {
        Some(value) if *value == *bearer => Ok(next.run(request).await),
        _ => Err(StatusCode::UNAUTHORIZED),
    }
}

async fn start(faults: Faults) -> (String, Arc<City>) {
    let city = Arc::new(City {
        faults,
        cases: AtomicU64::new(0),
        position: AtomicU64::new(0),
        acks: AtomicU64::new(0),
        feed: broadcast::channel(65_536).0,
    });
    let app = Router::new()
        .route("/api/v1/reports", post(report))
        .route("/api/v1/units/{unit}/feed", get(feed))
        .route("/api/v1/cases/{case}/tasks/{task}/commands", post(command))
        .layer(axum::middleware::from_fn(signed_in))
        .with_state(city.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, city)
}

fn config(url: &str) -> Config {
    Config {
        rate: 200.0,
        duration: Duration::from_secs(1),
        drain: Duration::from_secs(2),
        ack: true,
        token: Some(TOKEN.into()),
        ..Config::new(url)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_every_delivery_when_nothing_goes_wrong() {
    let (url, city) = start(Faults {
        drop_scene_every: None,
        duplicate_precinct_every: None,
    })
    .await;
    let report = run(config(&url)).await.unwrap();
    assert!(report.ok(), "{}", report.table());
    assert_eq!((report.sent, report.accepted), (200, 200));
    assert_eq!((report.expected, report.delivered), (600, 600));
    assert_eq!(
        (report.lost, report.duplicated, report.reassigned),
        (0, 0, 0)
    );
    assert_eq!(report.case_ids.len(), 200);
    // The demo units this fake does not serve were skipped, the three it serves followed.
    assert_eq!(report.units, vec!["D001", "PROP-1", "SCENE-1"]);
    assert_eq!(report.latency_ms.each.count, 600);
    assert_eq!(report.latency_ms.all_three.count, 200);
    assert_eq!(report.acks_ok, 600);
    assert_eq!(city.acks.load(Ordering::SeqCst), 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_the_planted_losses_and_duplicates() {
    let (url, _city) = start(Faults {
        drop_scene_every: Some(10),
        duplicate_precinct_every: Some(25),
    })
    .await;
    let report = run(config(&url)).await.unwrap();
    assert!(!report.ok());
    assert_eq!(report.accepted, 200);
    assert_eq!(report.lost, 20, "{}", report.table());
    assert_eq!(report.duplicated, 8, "{}", report.table());
    assert_eq!(report.delivered, 580);
    assert_eq!(report.latency_ms.all_three.count, 180);
    assert!(report.lost_examples.iter().all(|l| l.task == "scene"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_units_must_all_be_served() {
    let (url, _city) = start(Faults {
        drop_scene_every: None,
        duplicate_precinct_every: None,
    })
    .await;
    let config = Config {
        units: vec!["D001".into(), "D099".into()],
        ..config(&url)
    };
    let error = run(config).await.unwrap_err();
    assert!(error.to_string().contains("D099"), "{error:#}");
}

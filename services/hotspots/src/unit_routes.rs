//! The terminal-facing routes: `POST /api/v1/units/{unit}/positions` (a batch of position pings)
//! and `GET /api/v1/units/{unit}/advisories` (near-repeat advisories as server-sent events; a
//! precinct's terminals only; `?after=` or `Last-Event-ID` resumes after the advisory it names).
//! A squad member posts and follows for their own unit only; dispatchers may follow advisories.

use crate::advisories::Advisory;
use crate::metrics::POSITION_PINGS;
use crate::params::invalid;
use crate::positions::{PositionBatch, validate};
use crate::service::Hotspots;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::Stream;
use quickclear_access::{Allowed, SquadWork, UnitWatch};
use quickclear_eventstore::Position;
use quickclear_platform::json::ApiJson;
use quickclear_platform::{Heartbeat, Problem};
use quickclear_schemas::{TaskKind, UnitId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

pub fn routes() -> Router<Arc<Hotspots>> {
    Router::new()
        .route("/api/v1/units/{unit}/positions", post(positions))
        .route("/api/v1/units/{unit}/advisories", get(advisories))
}

async fn positions(
    State(hotspots): State<Arc<Hotspots>>,
    user: Allowed<SquadWork>,
    Path(unit): Path<String>,
    ApiJson(batch): ApiJson<PositionBatch>,
) -> Result<Json<Value>, Problem> {
    user.check_unit(&UnitId::new(&unit))?;
    let unit = hotspots
        .roster
        .unit(&UnitId::new(&unit))
        .ok_or_else(|| Problem::not_found("unknown-unit", format!("no unit {unit}")))?
        .id
        .clone();
    let fixes = validate(&batch, hotspots.clock.now()).map_err(Problem::invalid)?;
    let pings = hotspots.pings.clone();
    let id = unit.clone();
    let recorded = tokio::task::spawn_blocking(move || pings.record(id.as_str(), &fixes))
        .await
        .map_err(|_| unavailable())?
        .map_err(|error| {
            tracing::error!(%error, "hotspots cannot store position pings");
            unavailable()
        })?;
    POSITION_PINGS.inc_by(recorded.stored as u64);
    Ok(Json(json!({
        "unit": unit,
        "stored": recorded.stored,
        "duplicates": recorded.duplicates,
    })))
}

fn unavailable() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "positions-unavailable",
        "the position pings cannot be stored now; nothing was recorded, retry",
    )
}

#[derive(Deserialize)]
struct AdvisoryQuery {
    after: Option<Position>,
}

/// The precinct's advisories as server-sent events; the event id is the advisory id.
async fn advisories(
    State(hotspots): State<Arc<Hotspots>>,
    user: Allowed<UnitWatch>,
    Path(unit): Path<String>,
    query: Result<Query<AdvisoryQuery>, QueryRejection>,
    heartbeat: Heartbeat,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    user.check_unit(&UnitId::new(&unit))?;
    let Query(query) = query.map_err(|_| invalid("after", "an advisory id (a whole number)"))?;
    let precinct = match hotspots.roster.unit(&UnitId::new(&unit)) {
        Some(found) if found.kind == TaskKind::Precinct => found.id.clone(),
        Some(found) => {
            return Err(Problem::not_found(
                "not-a-precinct",
                format!(
                    "advisories go to precinct terminals; {unit} is a {} unit",
                    found.kind
                ),
            ));
        }
        None => {
            return Err(Problem::not_found(
                "unknown-unit",
                format!("no unit {unit}"),
            ));
        }
    };
    let last_event_id = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| {
                    Problem::bad_request(
                        "invalid-last-event-id",
                        "Last-Event-ID must be an advisory id",
                    )
                })?,
        ),
        None => None,
    };
    let after = last_event_id.or(query.after).unwrap_or(0);
    let (backlog, live) = hotspots.advisories.watch(&precinct, after);
    let reader = Reader {
        hotspots,
        precinct,
        backlog: backlog.into(),
        live,
        sent: after,
    };
    let stream = futures::stream::unfold(reader, |mut reader| async move {
        let advisory = reader.next().await?;
        Some((Ok(event(&advisory)), reader))
    });
    Ok(Sse::new(stream).keep_alive(heartbeat.keep_alive()))
}

/// One terminal's position in the advisories: what it still has to be sent, then the live ones.
struct Reader {
    hotspots: Arc<Hotspots>,
    precinct: UnitId,
    backlog: VecDeque<Arc<Advisory>>,
    live: broadcast::Receiver<Arc<Advisory>>,
    sent: Position,
}

impl Reader {
    async fn next(&mut self) -> Option<Arc<Advisory>> {
        loop {
            if let Some(advisory) = self.backlog.pop_front() {
                self.sent = advisory.id;
                return Some(advisory);
            }
            match self.live.recv().await {
                Ok(advisory) if advisory.precinct == self.precinct && advisory.id > self.sent => {
                    self.sent = advisory.id;
                    return Some(advisory);
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    self.backlog = self
                        .hotspots
                        .advisories
                        .since(&self.precinct, self.sent)
                        .into();
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

fn event(advisory: &Advisory) -> Event {
    let data = serde_json::to_string(advisory).expect("advisories serialize");
    Event::default()
        .event("near_repeat_advisory")
        .id(advisory.id.to_string())
        .data(data)
}

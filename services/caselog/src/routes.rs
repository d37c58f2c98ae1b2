//! The case log's HTTP routes.

use crate::board;
use crate::clearance::{GroupBy, clearance};
use crate::operations::operations;
use crate::summaries::Summaries;
use crate::view::case_view;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, response::IntoResponse};
use chrono::{DateTime, NaiveDate, Utc};
use quickclear_access::{Allowed, Oversight, Principal};
use quickclear_eventstore::EventStore;
use quickclear_platform::query::ApiQuery;
use quickclear_platform::{Clock, Problem};
use quickclear_schemas::CaseId;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

const MAX_LIST: usize = 1000;

pub struct CaseLog {
    pub store: Arc<dyn EventStore>,
    pub summaries: Arc<Summaries>,
    pub clock: Clock,
    /// How long a unit has to acknowledge a task (the board shows when each falls due).
    pub ack_window: chrono::Duration,
    /// How long, in real time, a report may wait for its dispatch (the board shows when it is due).
    pub dispatch_within: std::time::Duration,
    /// The share of cases to clear within 24 hours that dashboards draw as their target line.
    pub clearance_target: f64,
}

pub fn routes(caselog: Arc<CaseLog>) -> Router {
    Router::new()
        .route("/api/v1/cases", get(list))
        .route("/api/v1/cases/live", get(board::live))
        .route("/api/v1/cases/{case}", get(one))
        .route("/api/v1/stats/clearance", get(stats))
        .route("/api/v1/stats/operations", get(operations_stats))
        .with_state(caselog)
}

/// Every role, each its own view (`CaseView::shown_to`).
async fn one(
    State(caselog): State<Arc<CaseLog>>,
    user: Principal,
    Path(case): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let not_found = || Problem::not_found("case-not-found", format!("no case {case}"));
    let case_id = CaseId(case.parse().map_err(|_| not_found())?);
    let commits = caselog.store.read_stream(case_id).await?;
    let view = case_view(case_id, commits).ok_or_else(not_found)?;
    view.shown_to(&user).map(Json)
}

/// Query parameters arrive as text, so each is checked here with an error naming it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    precinct: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationsQuery {
    from: Option<String>,
    to: Option<String>,
    precinct: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
    precinct: Option<String>,
    group_by: Option<String>,
}

/// Accepts RFC 3339 times or plain dates (midnight UTC).
fn parse_time(name: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, Problem> {
    let Some(text) = text else { return Ok(None) };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| Some(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()))
        .map_err(|_| {
            Problem::bad_request(
                "invalid-query",
                format!("{name}={text:?} is neither an RFC 3339 time nor a YYYY-MM-DD date"),
            )
        })
}

/// A half-open time window `[from, to)`; either end may be open.
type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn window(from: Option<&str>, to: Option<&str>) -> Result<Window, Problem> {
    let (from, to) = (parse_time("from", from)?, parse_time("to", to)?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(Problem::bad_request(
            "invalid-query",
            "from must not be after to",
        ));
    }
    Ok((from, to))
}

fn in_window(at: DateTime<Utc>, (from, to): Window) -> bool {
    from.is_none_or(|f| at >= f) && to.is_none_or(|t| at < t)
}

/// Summaries carry no reporter, so analysts read them as they are.
async fn list(
    State(caselog): State<Arc<CaseLog>>,
    _: Allowed<Oversight>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<impl IntoResponse, Problem> {
    let window = window(q.from.as_deref(), q.to.as_deref())?;
    if let Some(status) = &q.status
        && !["open", "cleared", "closed"].contains(&status.as_str())
    {
        return Err(Problem::bad_request(
            "invalid-query",
            format!("status={status:?}: use open, cleared or closed"),
        ));
    }
    let limit = match &q.limit {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIST).contains(n))
            .ok_or_else(|| {
                Problem::bad_request(
                    "invalid-query",
                    format!("limit={text:?}: a number from 1 to {MAX_LIST}"),
                )
            })?,
        None => 100,
    };
    let cases = caselog.summaries.select(|s| {
        in_window(s.reported_at, window)
            && q.status.as_deref().is_none_or(|st| s.status == st)
            && q.precinct
                .as_deref()
                .is_none_or(|p| s.precinct.as_str() == p)
    });
    let total = cases.len();
    // The newest first: a dispatcher's board starts with what just came in.
    let cases: Vec<_> = cases.into_iter().rev().take(limit).collect();
    Ok(Json(json!({ "total": total, "cases": cases })))
}

async fn stats(
    State(caselog): State<Arc<CaseLog>>,
    _: Allowed<Oversight>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<impl IntoResponse, Problem> {
    let window = window(q.from.as_deref(), q.to.as_deref())?;
    let by = match q.group_by.as_deref() {
        None => GroupBy::All,
        Some("precinct") => GroupBy::Precinct,
        Some("week") => GroupBy::Week,
        Some(other) => {
            return Err(Problem::bad_request(
                "invalid-query",
                format!("group_by={other:?}: use precinct or week"),
            ));
        }
    };
    let cases = caselog.summaries.select(|s| {
        in_window(s.reported_at, window)
            && q.precinct
                .as_deref()
                .is_none_or(|p| s.precinct.as_str() == p)
    });
    let groups = clearance(&cases, by, caselog.clock.now());
    Ok(Json(json!({
        "definition": "cleared within N hours = CaseCleared recorded at most N hours after ReportReceived; \
                       administrative closure is not clearance; a case enters the N-hour share once its N hours are over",
        "target": caselog.clearance_target,
        "groups": groups,
    })))
}

async fn operations_stats(
    State(caselog): State<Arc<CaseLog>>,
    _: Allowed<Oversight>,
    ApiQuery(q): ApiQuery<OperationsQuery>,
) -> Result<impl IntoResponse, Problem> {
    let window = window(q.from.as_deref(), q.to.as_deref())?;
    let cases = caselog.summaries.select(|s| {
        in_window(s.reported_at, window)
            && q.precinct
                .as_deref()
                .is_none_or(|p| s.precinct.as_str() == p)
    });
    Ok(Json(operations(&cases)))
}

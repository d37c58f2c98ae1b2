//! The terminal-facing routes. A squad member follows and acts for their own unit only; dispatchers
//! may follow any unit's feed, admins do anything.

use crate::feeds::{Feeds, Posted};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::TimeDelta;
use futures::Stream;
use prometheus::{HistogramVec, register_histogram_vec};
use quickclear_access::{Allowed, SquadWork, UnitWatch};
use quickclear_case::{CaseCommand, CommandContext};
use quickclear_eventstore::EventStore;
use quickclear_platform::commands::execute;
use quickclear_platform::json::ApiJson;
use quickclear_platform::problem::FieldError;
use quickclear_platform::query::ApiQuery;
use quickclear_platform::{Clock, Heartbeat, Problem};
use quickclear_roster::Roster;
use quickclear_schemas::bounds::{Checker, TimeBounds};
use quickclear_schemas::message::{FeedItem, TaskCommandRequest};
use quickclear_schemas::{CaseId, TaskKind, UnitId};
use serde::Deserialize;
use serde_json::json;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, LazyLock};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

static REPORT_TO_TERMINAL: LazyLock<HistogramVec> =
    LazyLock::new(|| {
        register_histogram_vec!(
        "quickclear_report_to_terminal_seconds",
        "From a report's acceptance to its task being sent to a connected terminal, per unit kind.",
        &["kind"],
        vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0]
    )
    .expect("metric registers once")
    });

pub struct Squad {
    pub store: Arc<dyn EventStore>,
    pub roster: Arc<Roster>,
    pub clock: Clock,
    pub feeds: Arc<Feeds>,
    /// How far back a sighting a finding records may lie (as a theft's time at intake).
    pub occurred_horizon: TimeDelta,
}

pub fn routes(squad: Arc<Squad>) -> Router {
    Router::new()
        .route("/api/v1/units/{unit}/feed", get(feed))
        .route("/api/v1/cases/{case}/tasks/{task}/commands", post(command))
        .with_state(squad)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedQuery {
    /// Text, so that a bad value gets a problem answer naming it.
    after: Option<String>,
}

impl Squad {
    /// The unit, if it exists and its kind is served by this process.
    fn served_unit(&self, id: &str) -> Result<UnitId, Problem> {
        let unit = self
            .roster
            .unit(&UnitId::new(id))
            .ok_or_else(|| Problem::not_found("unknown-unit", format!("no unit {id}")))?;
        if !self.feeds.serves(unit.kind) {
            return Err(Problem::not_found(
                "unit-not-served-here",
                format!(
                    "unit {id} is served by squad:{}, which this process does not run",
                    unit.kind
                ),
            ));
        }
        Ok(unit.id.clone())
    }
}

/// A unit's feed as server-sent events. The event id is the log position: a terminal that reconnects
/// with `Last-Event-ID` (browsers do this by themselves) gets exactly what it missed.
async fn feed(
    State(squad): State<Arc<Squad>>,
    user: Allowed<UnitWatch>,
    Path(unit): Path<String>,
    ApiQuery(query): ApiQuery<FeedQuery>,
    heartbeat: Heartbeat,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    user.check_unit(&UnitId::new(&unit))?;
    let unit = squad.served_unit(&unit)?;
    let last_event_id = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| {
                    Problem::bad_request(
                        "invalid-last-event-id",
                        "Last-Event-ID must be a log position",
                    )
                })?,
        ),
        None => None,
    };
    let after = match (last_event_id, query.after) {
        (Some(id), _) => id,
        (None, Some(text)) => text.parse().map_err(|_| {
            Problem::bad_request(
                "invalid-query",
                format!("after={text:?} is not a log position"),
            )
        })?,
        (None, None) => 0,
    };
    let (backlog, live) = squad.feeds.watch(&unit, after);
    let feed = FeedStream {
        squad,
        unit,
        sent: after,
        backlog: backlog.into(),
        missed: VecDeque::new(),
        live,
    };
    // The stream lives in the response body: it ends when the terminal goes away.
    let events = futures::stream::unfold(feed, |mut feed| async move {
        let posted = feed.next().await?;
        Some((event(&posted), feed))
    });
    Ok(Sse::new(events).keep_alive(heartbeat.keep_alive()))
}

/// One terminal's feed: the backlog it asked for, then live items.
struct FeedStream {
    squad: Arc<Squad>,
    unit: UnitId,
    /// The position of the last item sent.
    sent: u64,
    backlog: VecDeque<Arc<Posted>>,
    /// Live items re-read from the feed after the terminal lagged behind the broadcast.
    missed: VecDeque<Arc<Posted>>,
    live: broadcast::Receiver<Arc<Posted>>,
}

impl FeedStream {
    async fn next(&mut self) -> Option<Arc<Posted>> {
        if let Some(posted) = self.backlog.pop_front() {
            self.sent = posted.position;
            return Some(posted);
        }
        loop {
            let posted = match self.missed.pop_front() {
                Some(posted) => posted,
                None => match self.live.recv().await {
                    Ok(posted) if posted.position > self.sent => posted,
                    Ok(_) => continue,
                    // Too slow to keep up with the broadcast: read what was missed from the feed.
                    Err(RecvError::Lagged(_)) => {
                        self.missed = self.squad.feeds.since(&self.unit, self.sent).into();
                        continue;
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            // Items re-read after a lag are live deliveries too, and the slowest: they count.
            observe_latency(&self.squad.clock, &posted);
            self.sent = posted.position;
            return Some(posted);
        }
    }
}

fn event(posted: &Posted) -> Result<Event, Infallible> {
    let data = serde_json::to_string(&posted.item).expect("feed items serialize");
    Ok(Event::default().id(posted.position.to_string()).data(data))
}

fn observe_latency(clock: &Clock, posted: &Posted) {
    if let FeedItem::TaskAssigned { task, .. } = &posted.item {
        let seconds = clock.real_seconds_between(posted.reported_at, clock.now());
        REPORT_TO_TERMINAL
            .with_label_values(&[task.as_str()])
            .observe(seconds);
    }
}

/// A squad member's command must name their own unit (403 `other-unit`); its fields must lie within
/// `quickclear_schemas::bounds` (422 `invalid-request` naming each); a task another unit holds is
/// the case's own refusal (409 `task-held-by-other-unit`, e.g. after an escalation).
async fn command(
    State(squad): State<Arc<Squad>>,
    user: Allowed<SquadWork>,
    Path((case, task)): Path<(String, String)>,
    ApiJson(request): ApiJson<TaskCommandRequest>,
) -> Result<Response, Problem> {
    let case_id = case
        .parse()
        .map(CaseId)
        .map_err(|_| Problem::not_found("case-not-found", format!("no case {case}")))?;
    let kind = TaskKind::parse(&task).ok_or_else(|| {
        Problem::not_found(
            "unknown-task",
            format!("no task {task}: use precinct, property or scene"),
        )
    })?;
    if !squad.feeds.serves(kind) {
        return Err(Problem::not_found(
            "task-not-served-here",
            format!("{kind} tasks are served by squad:{kind}, which this process does not run"),
        ));
    }
    user.check_unit(&request.unit)?;
    let unit = squad.roster.unit(&request.unit).ok_or_else(|| {
        Problem::invalid(vec![FieldError::new(
            "unit",
            format!("no unit {}", request.unit),
        )])
    })?;
    if unit.kind != kind {
        return Err(Problem::invalid(vec![FieldError::new(
            "unit",
            format!(
                "unit {} is a {} unit and cannot act on the {kind} task",
                unit.id, unit.kind
            ),
        )]));
    }
    let mut check = Checker::default();
    let now = squad.clock.now();
    check.task_action(
        &request.action,
        TimeBounds::new(now, squad.occurred_horizon),
    );
    if !check.errors.is_empty() {
        let errors = check.errors.into_iter();
        return Err(Problem::invalid(
            errors
                .map(|e| FieldError::new(e.field, e.message))
                .collect(),
        ));
    }
    let ctx = CommandContext {
        case_id,
        command_id: request.command_id,
        actor: user.actor(),
        now,
    };
    let command = CaseCommand::Act {
        task: kind,
        unit: unit.id.clone(),
        action: request.action,
    };
    let executed = execute(&*squad.store, &squad.clock, &ctx, &command).await?;
    let status = executed.case.tasks.get(&kind).map(|t| t.status.name());
    let body =
        json!({ "case_id": case_id, "task": kind, "status": status, "applied": executed.written });
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

//! The intake HTTP routes. Reports and resolutions need a dispatcher's or an admin's session and are
//! recorded as theirs; the door-plate and alarm routes are public and rate limited ([`PublicCaller`]:
//! the caller's address is counted first, the plate or device once the report is valid; the door
//! plate's public lookup, `GET /api/v1/doorplates/{plate}`, is in `doorplates.rs`).

use crate::receive::{Received, open_case, request_hash};
use crate::validate::{invalid, location};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::TimeDelta;
use prometheus::{IntCounterVec, register_int_counter_vec};
use quickclear_access::{Allowed, Dispatch, PublicCaller, Source, device_authenticated};
use quickclear_case::CaseCommand;
use quickclear_eventstore::EventStore;
use quickclear_platform::commands::execute;
use quickclear_platform::json::{ApiJson, parse, read_body};
use quickclear_platform::{Clock, Problem};
use quickclear_roster::Roster;
use quickclear_schemas::bounds::{Checker, MAX_TEXT, TimeBounds};
use quickclear_schemas::message::{
    AlarmRequest, DoorplateReportRequest, LocationInput, OccurredInput, ReportAccepted,
    ReportRequest, ResolutionRequest,
};
use quickclear_schemas::report::{Channel, Idempotency, Offence, Report, Reporter, StolenItem};
use quickclear_schemas::{Actor, ActorKind, CaseId};
use serde_json::json;
use std::sync::{Arc, LazyLock};

const MAX_IDEMPOTENCY_KEY: usize = 200;

static REPORTS_RECEIVED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "quickclear_reports_received_total",
        "Theft reports accepted into the case log, by channel.",
        &["channel"]
    )
    .expect("metric registers once")
});

/// What intake needs: the case log, the roster (precinct territories, door plates, alarms), the
/// clock, and how far back a theft may lie (`bounds::DEFAULT_HORIZON` unless configured).
pub struct Intake {
    pub store: Arc<dyn EventStore>,
    pub roster: Arc<Roster>,
    pub clock: Clock,
    pub occurred_horizon: TimeDelta,
}

pub fn routes(intake: Arc<Intake>) -> Router {
    Router::new()
        .route("/api/v1/reports", post(post_report))
        .route(
            "/api/v1/doorplates/{plate}",
            get(crate::doorplates::get_doorplate),
        )
        .route(
            "/api/v1/doorplates/{plate}/reports",
            post(post_doorplate_report),
        )
        .route("/api/v1/alarms/{device}", post(post_alarm))
        .route("/api/v1/cases/{case}/resolution", post(post_resolution))
        .with_state(intake)
}

/// What every channel's request comes down to before it becomes a report.
struct Draft<'a> {
    channel: Channel,
    source: Option<String>,
    occurred: &'a OccurredInput,
    /// The body's name for when it happened (`occurred`, or an alarm's `pressed_at`).
    occurred_field: &'static str,
    location: LocationInput,
    offence: Offence,
    description: String,
    items: &'a [quickclear_schemas::message::ItemInput],
    reporter: Option<Reporter>,
}

async fn post_report(
    State(intake): State<Arc<Intake>>,
    user: Allowed<Dispatch>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ReportRequest>,
) -> Result<Response, Problem> {
    let canonical = serde_json::to_string(&request).unwrap_or_default();
    let draft = Draft {
        channel: request.channel.unwrap_or(Channel::Dispatcher),
        source: None,
        occurred: &request.occurred,
        occurred_field: "occurred",
        location: request.location.clone(),
        offence: request.offence,
        description: request.description.clone(),
        items: &request.items,
        reporter: request.reporter.clone(),
    };
    let checked = check(&intake, draft, &headers, &canonical)?;
    file(&intake, checked, user.actor()).await
}

async fn post_doorplate_report(
    State(intake): State<Arc<Intake>>,
    Path(plate): Path<String>,
    caller: PublicCaller,
    headers: HeaderMap,
    ApiJson(request): ApiJson<DoorplateReportRequest>,
) -> Result<Response, Problem> {
    caller.count_request()?;
    let place = intake
        .roster
        .doorplate(&plate)
        .ok_or_else(|| Problem::not_found("unknown-doorplate", format!("no door plate {plate}")))?;
    let canonical = serde_json::to_string(&request).unwrap_or_default();
    let just_now = OccurredInput {
        at: Some(intake.clock.now()),
        from: None,
        to: None,
    };
    let draft = Draft {
        channel: Channel::Doorplate,
        source: Some(plate.clone()),
        occurred: request.occurred.as_ref().unwrap_or(&just_now),
        occurred_field: "occurred",
        location: LocationInput {
            lat: Some(place.at.lat),
            lng: Some(place.at.lng),
            address: Some(place.address.clone()),
        },
        offence: request.offence,
        description: request.description.clone(),
        items: &request.items,
        reporter: request.reporter.clone(),
    };
    let checked = check(&intake, draft, &headers, &canonical)?;
    caller.admit(Source::DoorPlate(&plate))?;
    file(&intake, checked, Actor::new(ActorKind::Public, plate)).await
}

/// A one-click alarm: an empty body is a complete request. Pressed with the device's secret it is
/// the device's (its own budget, recorded as the `device`); without, anyone's (a tighter budget per
/// address, recorded as `public`), unless a dispatcher or admin presses it for the device.
async fn post_alarm(
    State(intake): State<Arc<Intake>>,
    Path(device): Path<String>,
    caller: PublicCaller,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, Problem> {
    let authenticated = device_authenticated(&headers, intake.roster.alarm_secret(&device));
    if !authenticated {
        caller.count_request()?;
    }
    let place = intake
        .roster
        .alarm(&device)
        .ok_or_else(|| Problem::not_found("unknown-alarm", format!("no alarm device {device}")))?;
    let body = read_body(request, &()).await?;
    let alarm: AlarmRequest = if body.iter().all(u8::is_ascii_whitespace) {
        AlarmRequest::default()
    } else {
        parse(&body)?
    };
    let canonical = serde_json::to_string(&alarm).unwrap_or_default();
    let pressed_at = alarm.pressed_at.unwrap_or_else(|| intake.clock.now());
    let occurred = OccurredInput {
        at: Some(pressed_at),
        from: None,
        to: None,
    };
    let draft = Draft {
        channel: Channel::Alarm,
        source: Some(device.clone()),
        occurred: &occurred,
        occurred_field: "pressed_at",
        location: LocationInput {
            lat: Some(place.at.lat),
            lng: Some(place.at.lng),
            address: Some(place.address.clone()),
        },
        offence: Offence::Shoplifting,
        description: alarm
            .description
            .unwrap_or_else(|| format!("Alarm pressed at {}", place.address)),
        items: &[],
        reporter: None,
    };
    let checked = check(&intake, draft, &headers, &canonical)?;
    caller.admit(Source::Alarm {
        device: &device,
        authenticated,
    })?;
    let kind = match authenticated || caller.is_staff() {
        true => ActorKind::Device,
        false => ActorKind::Public,
    };
    file(&intake, checked, Actor::new(kind, device)).await
}

/// A report ready to be filed.
struct Checked {
    case_id: CaseId,
    report: Report,
}

/// Validates a draft (every problem at once) into the report it files, nothing counted or written.
fn check(
    intake: &Intake,
    draft: Draft<'_>,
    headers: &HeaderMap,
    canonical_request: &str,
) -> Result<Checked, Problem> {
    let key = idempotency_key(headers)?;
    let mut check = Checker::default();
    let times = TimeBounds::new(intake.clock.now(), intake.occurred_horizon);
    let occurred = check.occurred(draft.occurred_field, draft.occurred, times);
    let located = location(&mut check, &draft.location, &intake.roster);
    check.items(draft.items);
    check.reporter(draft.reporter.as_ref());
    check.text("description", &draft.description, MAX_TEXT);
    let (Some(occurred), Some((location, precinct)), true) =
        (occurred, located, check.errors.is_empty())
    else {
        return Err(invalid(check));
    };
    let items = draft
        .items
        .iter()
        .map(|i| StolenItem {
            description: i.description.clone(),
            value_cents: i.value_cents,
        })
        .collect();
    let scope = format!(
        "{}/{}",
        draft.channel.as_str(),
        draft.source.as_deref().unwrap_or("")
    );
    let case_id = match &key {
        Some(key) => CaseId::for_idempotency_key(&scope, key),
        None => CaseId::random(),
    };
    let idempotency = key.map(|key| Idempotency {
        key,
        request_hash: request_hash(canonical_request),
    });
    let report = Report {
        channel: draft.channel,
        source: draft.source,
        occurred,
        location,
        precinct,
        offence: draft.offence,
        description: draft.description,
        items,
        reporter: draft.reporter,
        idempotency,
    };
    Ok(Checked { case_id, report })
}

async fn file(intake: &Intake, checked: Checked, actor: Actor) -> Result<Response, Problem> {
    let Checked { case_id, report } = checked;
    let body = ReportAccepted {
        case_id,
        precinct: report.precinct.clone(),
        h3: report.location.h3.clone(),
    };
    let channel = report.channel;
    let received = open_case(&*intake.store, case_id, report, actor, intake.clock.now()).await?;
    let replayed = received == Received::Replayed;
    if !replayed {
        REPORTS_RECEIVED
            .with_label_values(&[channel.as_str()])
            .inc();
    }
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    let location = HeaderValue::from_str(&format!("/api/v1/cases/{case_id}"))
        .expect("a case path is a valid header");
    response.headers_mut().insert(header::LOCATION, location);
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The request's `Idempotency-Key`. Optional, as alarm devices and integrations post without one;
/// such a report cannot be sent again safely after a lost answer or `504 outcome-unknown` (ADR 0004).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().ok().filter(|k| {
        !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY && k.bytes().all(|b| b.is_ascii_graphic())
    });
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        Problem::bad_request(
            "invalid-idempotency-key",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
        )
    })
}

/// Parses a case id from a path; a malformed id names no case.
pub fn case_id_from_path(text: &str) -> Result<CaseId, Problem> {
    text.parse()
        .map(CaseId)
        .map_err(|_| Problem::not_found("case-not-found", format!("no case {text}")))
}

/// The resolution is recorded as the signed-in user's; the body's old `dispatcher` field is ignored.
async fn post_resolution(
    State(intake): State<Arc<Intake>>,
    user: Allowed<Dispatch>,
    Path(case): Path<String>,
    ApiJson(request): ApiJson<ResolutionRequest>,
) -> Result<Response, Problem> {
    let case_id = case_id_from_path(&case)?;
    let mut check = Checker::default();
    check.resolution(&request.resolution);
    if !check.errors.is_empty() {
        return Err(invalid(check));
    }
    let ctx = quickclear_case::CommandContext {
        case_id,
        command_id: request.command_id,
        actor: user.actor(),
        now: intake.clock.now(),
    };
    let command = CaseCommand::Resolve {
        resolution: request.resolution,
    };
    let executed = execute(&*intake.store, &intake.clock, &ctx, &command).await?;
    let body = json!({ "case_id": case_id, "status": executed.case.status.name() });
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

//! Messages that are not events: HTTP request bodies and what a terminal's feed carries.
//!
//! Request bodies reject unknown fields, so a typo in a field name is an error, not a silent default.

use crate::finding::Finding;
use crate::ids::{CaseId, CommandId, TaskKind, UnitId};
use crate::report::{Channel, Offence, Report, Reporter};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/reports`: a dispatcher (or an integration) files a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Defaults to `dispatcher`.
    pub channel: Option<Channel>,
    pub occurred: OccurredInput,
    pub location: LocationInput,
    pub offence: Offence,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub items: Vec<ItemInput>,
    pub reporter: Option<Reporter>,
}

/// `POST /api/v1/doorplates/{plate}/reports`: a resident's QR form; the place comes from the plate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorplateReportRequest {
    /// When it happened; left out, now by the server's clock (a resident reporting what just
    /// happened, whose phone's clock may be off).
    pub occurred: Option<OccurredInput>,
    pub offence: Offence,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub items: Vec<ItemInput>,
    pub reporter: Option<Reporter>,
}

/// `POST /api/v1/alarms/{device}`: a one-click alarm. Every field is optional; an empty body is fine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmRequest {
    /// When the alarm was pressed; defaults to now.
    pub pressed_at: Option<DateTime<Utc>>,
    pub description: Option<String>,
}

/// When it happened: `{"at": T}` or `{"from": T1, "to": T2}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurredInput {
    pub at: Option<DateTime<Utc>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub description: String,
    #[serde(default)]
    pub value_cents: u64,
}

/// `201 Created` answer to a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReportAccepted {
    pub case_id: CaseId,
    pub precinct: UnitId,
    pub h3: String,
}

/// `POST /api/v1/cases/{case}/tasks/{task}/commands`: a terminal acts on its task.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct TaskCommandRequest {
    /// Chosen by the terminal; a retry with the same id is applied once.
    pub command_id: CommandId,
    pub unit: UnitId,
    #[serde(flatten)]
    pub action: TaskAction,
}

/// What a unit can do on its task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskAction {
    Acknowledge,
    EnRoute,
    OnScene,
    RecordFinding {
        finding: Finding,
    },
    SuspectIdentified {
        description: String,
    },
    Arrest {
        note: String,
    },
    PropertyRecovered {
        items: Vec<String>,
        value_cents: u64,
    },
    PropertyReturned {
        items: Vec<String>,
        value_cents: u64,
    },
    Clear {
        note: String,
    },
}

impl TaskAction {
    pub fn name(&self) -> &'static str {
        match self {
            TaskAction::Acknowledge => "acknowledge",
            TaskAction::EnRoute => "en_route",
            TaskAction::OnScene => "on_scene",
            TaskAction::RecordFinding { .. } => "record_finding",
            TaskAction::SuspectIdentified { .. } => "suspect_identified",
            TaskAction::Arrest { .. } => "arrest",
            TaskAction::PropertyRecovered { .. } => "property_recovered",
            TaskAction::PropertyReturned { .. } => "property_returned",
            TaskAction::Clear { .. } => "clear",
        }
    }
}

/// `POST /api/v1/cases/{case}/resolution`: a dispatcher clears or closes a case.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct ResolutionRequest {
    pub command_id: CommandId,
    /// Deprecated and ignored: the case log records the signed-in user as the actor. Accepted so that
    /// older clients keep working; it will go in the next API version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatcher: Option<String>,
    #[serde(flatten)]
    pub resolution: Resolution,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "resolution", rename_all = "snake_case")]
pub enum Resolution {
    ClearedByArrest,
    ClearedExceptionally { reason: String },
    ClosedAdministratively { reason: String },
}

// A command id and an actor beside a tagged action: serde's `flatten` cannot refuse unknown fields,
// and tagged unit variants ignore them, so these bodies are read by hand.
impl<'de> Deserialize<'de> for TaskCommandRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut body = serde_json::Map::deserialize(deserializer)?;
        Ok(Self {
            command_id: take(&mut body, "command_id")?,
            unit: take(&mut body, "unit")?,
            action: exactly(body)?,
        })
    }
}

impl<'de> Deserialize<'de> for ResolutionRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut body = serde_json::Map::deserialize(deserializer)?;
        Ok(Self {
            command_id: take(&mut body, "command_id")?,
            dispatcher: take_optional(&mut body, "dispatcher")?,
            resolution: exactly(body)?,
        })
    }
}

type JsonMap = serde_json::Map<String, serde_json::Value>;

fn take<T: serde::de::DeserializeOwned, E: serde::de::Error>(
    body: &mut JsonMap,
    field: &'static str,
) -> Result<T, E> {
    let value = body.remove(field).ok_or_else(|| E::missing_field(field))?;
    serde_json::from_value(value).map_err(|e| E::custom(format!("{field}: {e}")))
}

fn take_optional<T: serde::de::DeserializeOwned, E: serde::de::Error>(
    body: &mut JsonMap,
    field: &'static str,
) -> Result<Option<T>, E> {
    match body.remove(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| E::custom(format!("{field}: {e}"))),
    }
}

/// Reads a tagged enum from the remaining fields and refuses any field it did not use.
fn exactly<T, E>(body: JsonMap) -> Result<T, E>
where
    T: serde::de::DeserializeOwned + Serialize,
    E: serde::de::Error,
{
    let keys: Vec<String> = body.keys().cloned().collect();
    let value: T = serde_json::from_value(serde_json::Value::Object(body)).map_err(E::custom)?;
    let used = serde_json::to_value(&value).map_err(E::custom)?;
    match keys.iter().find(|k| used.get(k.as_str()).is_none()) {
        Some(unknown) => Err(E::custom(format!("unknown field `{unknown}`"))),
        None => Ok(value),
    }
}

/// One item of a unit's terminal feed (`GET /api/v1/units/{unit}/feed`, server-sent events whose id is
/// the case-log position, so a terminal that reconnects with `Last-Event-ID` gets what it missed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeedItem {
    /// A new task for this unit.
    TaskAssigned {
        case_id: CaseId,
        task: TaskKind,
        unit: UnitId,
        assigned_at: DateTime<Utc>,
        reported_at: DateTime<Utc>,
        /// Set when the task came here after another unit failed to acknowledge it.
        escalated_from: Option<UnitId>,
        report: Box<Report>,
    },
    /// The task is no longer this unit's (moved elsewhere, or the case was cleared or closed).
    TaskWithdrawn {
        case_id: CaseId,
        task: TaskKind,
        unit: UnitId,
        reason: String,
    },
}

impl FeedItem {
    pub fn case_id(&self) -> CaseId {
        match self {
            FeedItem::TaskAssigned { case_id, .. } | FeedItem::TaskWithdrawn { case_id, .. } => {
                *case_id
            }
        }
    }
}

//! What a theft report carries.

use crate::ids::UnitId;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the report reached the command center.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A dispatcher taking a call.
    Dispatcher,
    /// A resident scanning the QR code on a door plate.
    Doorplate,
    /// A shop's one-click alarm button.
    Alarm,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Dispatcher, Channel::Doorplate, Channel::Alarm];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Dispatcher => "dispatcher",
            Channel::Doorplate => "doorplate",
            Channel::Alarm => "alarm",
        }
    }
}

/// The kind of petty theft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Offence {
    Shoplifting,
    Pickpocketing,
    PurseSnatching,
    TheftFromBuilding,
    TheftFromVehicle,
    BicycleTheft,
    OtherTheft,
}

/// When the theft happened: an instant (`from == to`) or the window in which it must have happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OccurredWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Where the theft happened, indexed once at intake.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
    pub address: Option<String>,
    /// The H3 cell at resolution 15 (hex).
    pub h3: String,
    /// The cells at the analysis resolutions 6, 7, 8, 9 and 10, indexed here once. H3 cells do not
    /// nest exactly: the parent of the resolution-15 cell is not always the cell the point lies in
    /// at a coarser resolution (for 6 % of Chicago's 2016 thefts at resolution 8), and hot-spot
    /// figures must match references that index each resolution directly.
    pub analysis_cells: Vec<String>,
}

/// One stolen item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StolenItem {
    pub description: String,
    /// The value in the smallest unit of the local currency (cents, fen).
    pub value_cents: u64,
}

/// Who reported the theft. Personal data: analysts never see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// A validated theft report, as recorded in the case log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub channel: Channel,
    /// The door plate or alarm device the report came from.
    pub source: Option<String>,
    pub occurred: OccurredWindow,
    pub location: Location,
    /// The precinct that owns the location.
    pub precinct: UnitId,
    pub offence: Offence,
    pub description: String,
    pub items: Vec<StolenItem>,
    pub reporter: Option<Reporter>,
    /// The client's `Idempotency-Key`, if it sent one.
    pub idempotency: Option<Idempotency>,
}

/// A client's `Idempotency-Key` and a hash of the request it came with: a retry with the same key
/// and the same request gets the same case; the same key with another request is refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Idempotency {
    pub key: String,
    /// FNV-1a 64 of the request's canonical JSON, hex.
    pub request_hash: String,
}

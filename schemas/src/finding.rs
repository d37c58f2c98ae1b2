//! What squads record while working a task.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A finding recorded on a task. Each squad has its own kinds; the aggregate checks which squad may
/// record which.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Finding {
    /// Precinct: a conversation with a victim or witness.
    Interview { person: String, statement: String },
    /// Precinct: a door-to-door canvass.
    Canvass {
        addresses_visited: u32,
        notes: String,
    },
    /// Property crime: cameras reviewed and the suspect's path through them.
    VideoReview {
        cameras: Vec<String>,
        trajectory: Vec<TrajectoryPoint>,
        notes: String,
    },
    /// Scene investigation: evidence collected.
    SceneEvidence { items: Vec<EvidenceItem> },
}

impl Finding {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Finding::Interview { .. } => "interview",
            Finding::Canvass { .. } => "canvass",
            Finding::VideoReview { .. } => "video_review",
            Finding::SceneEvidence { .. } => "scene_evidence",
        }
    }
}

/// Where a suspect was seen, and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrajectoryPoint {
    pub lat: f64,
    pub lng: f64,
    pub at: DateTime<Utc>,
    /// The camera that saw it, if any.
    pub camera: Option<String>,
}

/// One item of scene evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceItem {
    /// `fingerprint`, `dna`, `tool_mark`, `footwear`, ...
    pub kind: String,
    pub description: String,
}

//! Identifiers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A case: one theft report and everything done about it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct CaseId(pub Uuid);

impl CaseId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// The case a retried report lands on: the same idempotency key from the same channel and source
    /// always names the same case, so a retry can never open a second one.
    pub fn for_idempotency_key(scope: &str, key: &str) -> Self {
        const NAMESPACE: Uuid = Uuid::from_u128(0x6f0e_4c3a_9b1d_4e8f_a2c5_7d3b_1e9f_0a42);
        Self(Uuid::new_v5(
            &NAMESPACE,
            format!("{scope}\n{key}").as_bytes(),
        ))
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A client-chosen command id. Terminals retry over flaky links; the same id is applied once.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct CommandId(pub Uuid);

impl CommandId {
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A unit that receives tasks: a precinct (`D001`), a property-crime team, a scene team.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct UnitId(pub String);

impl UnitId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The three units every report goes to, one task each.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// The local precinct: patrol officers, canvass and interviews.
    Precinct,
    /// The property-crime squad: video review, suspect tracking.
    Property,
    /// The scene-investigation squad: prints, DNA, tool marks.
    Scene,
}

impl TaskKind {
    pub const ALL: [TaskKind; 3] = [TaskKind::Precinct, TaskKind::Property, TaskKind::Scene];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Precinct => "precinct",
            TaskKind::Property => "property",
            TaskKind::Scene => "scene",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for TaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

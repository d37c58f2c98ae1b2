//! Why a command was refused.

use crate::applied::AppliedCommand;
use quickclear_schemas::{TaskKind, UnitId};

/// A refused command. Every variant names what is wrong in words a dispatcher or a squad member
/// can act on; [`CaseError::kind`] sorts them for the HTTP layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    CaseNotFound,
    #[error("the case already exists")]
    CaseExists,
    #[error("the case has already been dispatched")]
    AlreadyDispatched,
    #[error("the case is already {0}; it takes no more commands")]
    CaseResolved(&'static str),
    #[error("a dispatch must assign exactly one unit to each of precinct, property and scene")]
    IncompleteDispatch,
    #[error("task {task} is already held by unit {holder}")]
    TaskHeldByOther { task: TaskKind, holder: UnitId },
    #[error("task {task} has not been dispatched to any unit yet")]
    TaskNotAssigned { task: TaskKind },
    #[error("task {task} is {status}; it takes no more actions")]
    TaskFinished {
        task: TaskKind,
        status: &'static str,
    },
    #[error("a finding of kind {finding} does not belong to the {task} task")]
    FindingNotForTask {
        finding: &'static str,
        task: TaskKind,
    },
    #[error("property can only be returned after it was recovered")]
    NothingRecovered,
    #[error("the case cannot be cleared by arrest: no arrest has been recorded")]
    NoArrest,
    #[error("{0} must not be empty")]
    MissingText(&'static str),
    #[error(
        "this command id was already used for another command (which recorded {earlier}); use a new id"
    )]
    CommandIdReused { earlier: AppliedCommand },
    #[error("{what} would exceed {max}; nothing was recorded")]
    ValueOutOfRange { what: &'static str, max: u64 },
    #[error("the escalation is stale: task {task} is no longer waiting on unit {unit}")]
    StaleEscalation { task: TaskKind, unit: UnitId },
}

/// How a refusal maps to a protocol answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The case does not exist (404).
    NotFound,
    /// The command is well formed but conflicts with the case's state (409).
    Conflict,
    /// The command itself is invalid (422).
    Invalid,
}

impl CaseError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            CaseError::CaseNotFound => ErrorKind::NotFound,
            CaseError::IncompleteDispatch
            | CaseError::FindingNotForTask { .. }
            | CaseError::MissingText(_)
            | CaseError::ValueOutOfRange { .. } => ErrorKind::Invalid,
            _ => ErrorKind::Conflict,
        }
    }

    /// A stable, machine-readable name (the last segment of the problem `type`).
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::CaseNotFound => "case-not-found",
            CaseError::CaseExists => "case-exists",
            CaseError::AlreadyDispatched => "already-dispatched",
            CaseError::CaseResolved(_) => "case-resolved",
            CaseError::IncompleteDispatch => "incomplete-dispatch",
            CaseError::TaskHeldByOther { .. } => "task-held-by-other-unit",
            CaseError::TaskNotAssigned { .. } => "task-not-assigned",
            CaseError::TaskFinished { .. } => "task-finished",
            CaseError::FindingNotForTask { .. } => "finding-not-for-task",
            CaseError::NothingRecovered => "nothing-recovered",
            CaseError::NoArrest => "no-arrest",
            CaseError::MissingText(_) => "missing-text",
            CaseError::StaleEscalation { .. } => "stale-escalation",
            CaseError::CommandIdReused { .. } => "command-id-reused",
            CaseError::ValueOutOfRange { .. } => "value-out-of-range",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind is the HTTP status a client gets: 404, 422 or 409.
    #[test]
    fn each_refusal_has_the_kind_of_its_status() {
        assert_eq!(CaseError::CaseNotFound.kind(), ErrorKind::NotFound);
        for invalid in [
            CaseError::IncompleteDispatch,
            CaseError::MissingText("note"),
            CaseError::ValueOutOfRange {
                what: "recovered value",
                max: 1,
            },
        ] {
            assert_eq!(invalid.kind(), ErrorKind::Invalid, "{invalid}");
        }
        for conflict in [CaseError::CaseExists, CaseError::AlreadyDispatched] {
            assert_eq!(conflict.kind(), ErrorKind::Conflict, "{conflict}");
        }
    }
}

//! Opening a case from a validated report.
//!
//! With an `Idempotency-Key`, the case id is derived from the key (and where the report came from),
//! so a retry lands on the same stream; the store refuses the second "new stream" append, and the
//! stored report tells whether it was the same request (answer as before) or another one (refuse).
//! When the store cannot tell whether the report was stored, the answer is `504 outcome-unknown`,
//! never `503 store-unavailable`, which promises that nothing was written.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use quickclear_case::{CaseCommand, CommandContext, decide, stamp};
use quickclear_eventstore::{ErrorKind, EventStore, ExpectedVersion, StoreError};
use quickclear_platform::Problem;
use quickclear_schemas::event::CaseEvent;
use quickclear_schemas::report::Report;
use quickclear_schemas::{Actor, CaseId, CommandId};

/// How a report was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    New,
    /// A retry of a report already taken: nothing was written.
    Replayed,
}

pub async fn open_case(
    store: &dyn EventStore,
    case_id: CaseId,
    report: Report,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Received, Problem> {
    // The command id follows the case id: a retry carries the same id, so a JetStream retry
    // inside its duplicate window is dropped by the server as well.
    let ctx = CommandContext {
        case_id,
        command_id: CommandId(case_id.0),
        actor,
        now,
    };
    let command = CaseCommand::ReceiveReport {
        report: report.clone(),
    };
    let events = decide(&Default::default(), ctx.command_id, &command)?;
    let envelopes = stamp(&ctx, None, events);
    let commit_id = ctx.command_id.to_string();
    match store
        .append(case_id, ExpectedVersion::NoStream, &commit_id, &envelopes)
        .await
    {
        Ok(appended) if !appended.duplicate => Ok(Received::New),
        // Stored before (the same commit id), or the stream exists: was it this very request?
        Ok(_) => replay(store, case_id, &report).await,
        Err(e) if e.kind() == ErrorKind::Conflict => replay(store, case_id, &report).await,
        Err(e) if e.kind() == ErrorKind::OutcomeUnknown => {
            Err(unconfirmed(e, case_id, report.idempotency.is_some()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The store did not confirm the append, so the report may be filed. With a key, sending it again
/// is safe; without one it is not, so the answer names the case to look for.
fn unconfirmed(error: StoreError, case_id: CaseId, keyed: bool) -> Problem {
    let unsure = "the case log did not confirm whether this report was filed; it may have been";
    let detail = if keyed {
        format!("{unsure}. Send it again with the same Idempotency-Key: it will be filed once")
    } else {
        format!(
            "{unsure}, as case {case_id}. It came without an Idempotency-Key, so sending it again \
             may file it twice: look for the case first"
        )
    };
    Problem {
        detail,
        ..error.into()
    }
}

async fn replay(
    store: &dyn EventStore,
    case_id: CaseId,
    report: &Report,
) -> Result<Received, Problem> {
    let commits = store.read_stream(case_id).await?;
    let stored = commits
        .first()
        .and_then(|c| c.events.first())
        .and_then(|e| match &e.event {
            CaseEvent::ReportReceived(r) => Some(&r.report),
            _ => None,
        });
    match stored.and_then(|r| r.idempotency.as_ref()) {
        Some(stored) if Some(stored) == report.idempotency.as_ref() => Ok(Received::Replayed),
        _ => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "this Idempotency-Key was already used for a different report; use a new key",
        )),
    }
}

/// FNV-1a 64 over the request's canonical JSON: stable across builds, unlike std's hasher.
pub fn request_hash(canonical_json: &str) -> String {
    let hash = canonical_json
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{hash:016x}")
}

//! Running a command against the case log: load the case, decide, append at the version read, and
//! on a conflict (someone appended meanwhile) do it all again with the new state.

use crate::Clock;
use crate::problem::Problem;
use axum::http::StatusCode;
use quickclear_case::{Case, CaseCommand, CaseError, CommandContext, decide, stamp};
use quickclear_eventstore::{ErrorKind, EventStore, ExpectedVersion, StoreError};

const ATTEMPTS: usize = 8;

/// The case after the command, and whether anything was written.
#[derive(Debug)]
pub struct Executed {
    pub case: Case,
    /// False when the command was already applied or asked for what already was.
    pub written: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Case(CaseError),
    #[error(transparent)]
    Store(StoreError),
    #[error("the case kept changing; gave up retrying")]
    Contended,
}

impl From<CommandError> for Problem {
    fn from(error: CommandError) -> Self {
        match error {
            CommandError::Case(e) => e.into(),
            CommandError::Store(e) => e.into(),
            CommandError::Contended => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "contended",
                "the case is changing too fast; nothing was recorded, retry",
            ),
        }
    }
}

/// Executes `command` on the case named in `ctx`. Each attempt reads the clock afresh, so a command
/// that lost a race is not recorded with a time earlier than the commit it lost to.
pub async fn execute(
    store: &dyn EventStore,
    clock: &Clock,
    ctx: &CommandContext,
    command: &CaseCommand,
) -> Result<Executed, CommandError> {
    let mut ctx = ctx.clone();
    for _ in 0..ATTEMPTS {
        ctx.now = clock.now();
        let commits = store
            .read_stream(ctx.case_id)
            .await
            .map_err(CommandError::Store)?;
        let last = commits.last().map(|c| c.position);
        let case = Case::from_events(commits.iter().flat_map(|c| &c.events));
        let events = decide(&case, ctx.command_id, command).map_err(CommandError::Case)?;
        if events.is_empty() {
            return Ok(Executed {
                case,
                written: false,
            });
        }
        let envelopes = stamp(&ctx, case.correlation_id, events);
        let commit_id = ctx.command_id.to_string();
        match store
            .append(
                ctx.case_id,
                ExpectedVersion::after(last),
                &commit_id,
                &envelopes,
            )
            .await
        {
            Ok(appended) if appended.duplicate => {
                // Stored by an earlier try whose answer was lost: read what it wrote.
                continue;
            }
            Ok(_) => {
                let case = envelopes.iter().fold(case, Case::evolve);
                return Ok(Executed {
                    case,
                    written: true,
                });
            }
            Err(e) if e.kind() == ErrorKind::Conflict => continue,
            Err(e) => return Err(CommandError::Store(e)),
        }
    }
    Err(CommandError::Contended)
}

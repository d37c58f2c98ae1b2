//! Running a command against the case log: load the case, decide, append at the version read, and
//! on a conflict (someone appended meanwhile) do it all again with the new state.
//!
//! An append whose outcome the store could not learn is answered `504 outcome-unknown`, not tried
//! again here: the store has already asked. The client sends the command again with the same
//! `command_id`, which is recorded once whatever happened (the store dedupes the commit id, and
//! `decide` answers an applied id with nothing).

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

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use quickclear_eventstore::{Appended, Commit, DurableSubscription, Position, Subscription};
    use quickclear_schemas::message::Resolution;
    use quickclear_schemas::{Actor, CaseId, CommandId, EventEnvelope};
    use std::sync::Mutex;

    /// A case log that stores every append and then loses its answer.
    struct LosesAnswers {
        commits: Mutex<Vec<Commit>>,
    }

    #[async_trait]
    impl EventStore for LosesAnswers {
        async fn append(
            &self,
            case_id: CaseId,
            _: ExpectedVersion,
            commit_id: &str,
            events: &[EventEnvelope],
        ) -> Result<Appended, StoreError> {
            let mut commits = self.commits.lock().unwrap();
            let position = commits.len() as Position + 1;
            commits.push(Commit {
                position,
                case_id,
                commit_id: commit_id.to_owned(),
                events: events.to_vec(),
            });
            Err(StoreError::OutcomeUnknown("the answer was lost".into()))
        }

        async fn read_stream(&self, _: CaseId) -> Result<Vec<Commit>, StoreError> {
            Ok(self.commits.lock().unwrap().clone())
        }

        async fn subscribe(&self, _: Position) -> Result<Subscription, StoreError> {
            unreachable!("commands never subscribe")
        }

        async fn subscribe_durable(&self, _: &str) -> Result<DurableSubscription, StoreError> {
            unreachable!("commands never subscribe")
        }

        async fn head(&self) -> Result<Position, StoreError> {
            unreachable!("commands never read the head")
        }
    }

    #[tokio::test]
    async fn an_unknown_outcome_is_answered_as_such_and_the_same_command_again_is_recorded_once() {
        let report: EventEnvelope = serde_json::from_str(include_str!(
            "../../../schemas/samples/events/ReportReceived.v1.json"
        ))
        .unwrap();
        let case_id = report.case_id;
        let store = LosesAnswers {
            commits: Mutex::new(vec![Commit {
                position: 1,
                case_id,
                commit_id: "report".into(),
                events: vec![report],
            }]),
        };
        let ctx = CommandContext {
            case_id,
            command_id: CommandId::random(),
            actor: Actor::system("test"),
            now: chrono::Utc::now(),
        };
        let close = CaseCommand::Resolve {
            resolution: Resolution::ClosedAdministratively {
                reason: "duplicate report".into(),
            },
        };
        let clock = Clock::system();
        let unknown = execute(&store, &clock, &ctx, &close).await.unwrap_err();
        let problem = Problem::from(unknown);
        assert_eq!(problem.status, 504);
        assert!(problem.type_uri.ends_with("/outcome-unknown"));
        let retried = execute(&store, &clock, &ctx, &close).await.unwrap();
        assert!(!retried.written, "the first try had landed");
        assert_eq!(store.commits.lock().unwrap().len(), 2);
    }
}

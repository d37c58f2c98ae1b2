//! Appending a commit, and finding out what became of one whose answer was lost.
//!
//! An append is refused as unavailable only when nothing was sent: the client is not connected, or
//! the server answered no. When the message went out and its answer did not come back (the server
//! stopped, stalled or was cut off), it may be stored, now or when the client reconnects: the append
//! publishes it again to find out (`find_out`), and if that is not answered
//! either, it fails with [`StoreError::OutcomeUnknown`].

use super::{JetStreamStore, subject, unavailable};
use crate::codec;
use crate::metrics::{APPEND_SECONDS, CONFLICTS};
use crate::port::{Appended, ExpectedVersion, Position, StoreError};
use async_nats::connection::State;
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::publish::PublishAck;
use bytes::Bytes;
use quickclear_schemas::{CaseId, EventEnvelope};
use std::time::Instant;

impl JetStreamStore {
    pub(super) async fn append_commit(
        &self,
        case_id: CaseId,
        expected: ExpectedVersion,
        commit_id: &str,
        events: &[EventEnvelope],
    ) -> Result<Appended, StoreError> {
        let started = Instant::now();
        let message = CommitMessage::new(case_id, expected, commit_id, events)?;
        // While disconnected the client keeps what is published and sends it on reconnect, long
        // after its caller gave up on it: refuse now, while nothing has been sent.
        if self.js.client().connection_state() != State::Connected {
            return Err(unavailable("not connected to NATS; nothing was sent"));
        }
        let result = match self.publish(&message).await {
            Answer::Acked(ack) => Ok(Appended {
                position: ack.sequence,
                duplicate: ack.duplicate,
            }),
            Answer::Refused(error) => Err(error),
            Answer::Lost(why) => self.find_out(&message, &why).await,
        };
        APPEND_SECONDS
            .with_label_values(&["jetstream"])
            .observe(started.elapsed().as_secs_f64());
        if matches!(result, Err(StoreError::Conflict { .. })) {
            CONFLICTS.with_label_values(&["jetstream"]).inc();
        }
        result
    }
}

/// One commit as a message. Publishing it again is the same request: the same `Nats-Msg-Id`, the
/// same expected sequence, the same bytes.
struct CommitMessage {
    case_id: CaseId,
    expected: ExpectedVersion,
    headers: async_nats::HeaderMap,
    payload: Bytes,
}

impl CommitMessage {
    fn new(
        case_id: CaseId,
        expected: ExpectedVersion,
        commit_id: &str,
        events: &[EventEnvelope],
    ) -> Result<Self, StoreError> {
        let mut headers = async_nats::HeaderMap::new();
        let message_id = format!("{case_id}:{commit_id}");
        headers.insert(async_nats::header::NATS_MESSAGE_ID, message_id.as_str());
        let expected_sequence = match expected {
            ExpectedVersion::NoStream => 0,
            ExpectedVersion::At(position) => position,
        };
        headers.insert(
            async_nats::header::NATS_EXPECTED_LAST_SUBJECT_SEQUENCE,
            expected_sequence.to_string().as_str(),
        );
        Ok(Self {
            case_id,
            expected,
            headers,
            payload: codec::encode(events)?.into(),
        })
    }
}

/// The stream's answer to one publish.
enum Answer {
    Acked(PublishAck),
    /// Nothing was stored.
    Refused(StoreError),
    /// The message went out, or may have, and no answer came back: it may be stored.
    Lost(String),
}

impl JetStreamStore {
    async fn publish(&self, message: &CommitMessage) -> Answer {
        let sent = self
            .js
            .publish_with_headers(
                subject(message.case_id),
                message.headers.clone(),
                message.payload.clone(),
            )
            .await;
        let ack = match sent {
            Ok(ack) => ack.await,
            // Not handed to the connection (queue full, client closed, too large).
            Err(e) => return Answer::Refused(unavailable(e)),
        };
        match ack {
            Ok(ack) => Answer::Acked(ack),
            Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                Answer::Refused(StoreError::Conflict {
                    case_id: message.case_id,
                    expected: message.expected,
                })
            }
            Err(e)
                if matches!(
                    e.kind(),
                    PublishErrorKind::TimedOut | PublishErrorKind::BrokenPipe
                ) =>
            {
                Answer::Lost(e.to_string())
            }
            // The server answered: no stream for the subject, or the stream refused it.
            Err(e) => Answer::Refused(unavailable(e)),
        }
    }

    /// Learns what became of a commit whose answer was lost, by publishing it again. Both carry the
    /// same `Nats-Msg-Id`, deduplicated within the stream's window before the sequence is checked,
    /// and the same expected sequence, so at most one is stored, and the copy's answer tells the
    /// original's fate: a duplicate, it was stored; the copy stored, or refused as a conflict, it
    /// never will be.
    async fn find_out(&self, message: &CommitMessage, lost: &str) -> Result<Appended, StoreError> {
        tracing::warn!(case_id = %message.case_id, %lost, "an append's answer was lost; asking again");
        match self.publish(message).await {
            Answer::Acked(ack) if ack.duplicate => self.whose(message, ack.sequence).await,
            Answer::Acked(ack) => Ok(Appended {
                position: ack.sequence,
                duplicate: false,
            }),
            Answer::Refused(conflict @ StoreError::Conflict { .. }) => Err(conflict),
            Answer::Refused(e) => Err(StoreError::OutcomeUnknown(format!(
                "{lost}; asking again was refused: {e}"
            ))),
            Answer::Lost(again) => Err(StoreError::OutcomeUnknown(format!(
                "{lost}; asking again: {again}"
            ))),
        }
    }

    /// The stream holds a commit with this message's id at `position`: this call's if it is these
    /// very bytes (every commit's events have fresh ids), else an earlier call's.
    async fn whose(
        &self,
        message: &CommitMessage,
        position: Position,
    ) -> Result<Appended, StoreError> {
        match self.stream.get_raw_message(position).await {
            Ok(stored) => Ok(Appended {
                position,
                duplicate: stored.payload != message.payload,
            }),
            Err(e) => Err(StoreError::OutcomeUnknown(format!(
                "stored at {position}, by this append or an earlier one; cannot read it: {e}"
            ))),
        }
    }
}

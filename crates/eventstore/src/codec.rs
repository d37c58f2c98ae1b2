//! A commit's bytes: a JSON array of event envelopes. On read, each envelope's schema version is checked
//! against the versions this build knows, so a record from a newer writer is an error, not a misreading.

use crate::port::StoreError;
use quickclear_schemas::EventEnvelope;

pub fn encode(events: &[EventEnvelope]) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(events).map_err(|e| StoreError::Unexpected(format!("encode commit: {e}")))
}

pub fn decode(bytes: &[u8]) -> Result<Vec<EventEnvelope>, StoreError> {
    let events: Vec<EventEnvelope> = serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Unexpected(format!("undecodable commit: {e}")))?;
    for envelope in &events {
        let known = envelope.event.schema_version();
        if envelope.schema_version > known {
            return Err(StoreError::Unexpected(format!(
                "event {} is {} v{}, newer than the v{known} this build reads",
                envelope.event_id,
                envelope.event.type_name(),
                envelope.schema_version
            )));
        }
    }
    Ok(events)
}

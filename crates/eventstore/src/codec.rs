//! A commit's bytes: a JSON array of event envelopes. On read, each envelope's type and schema version
//! are checked, so a record from a newer writer is refused with a clear error instead of being
//! misread. (An upcaster for an old version would go here, on the raw JSON.)

use crate::port::StoreError;
use quickclear_schemas::{CaseEvent, EventEnvelope};
use serde_json::Value;

pub fn encode(events: &[EventEnvelope]) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(events).map_err(|e| StoreError::Unexpected(format!("encode commit: {e}")))
}

/// Parses straight into the typed events (the hot path: every read and every live delivery), then
/// checks each version. Only when that fails is the commit parsed again as plain JSON, to say which
/// record is of a type or version this build does not know.
pub fn decode(bytes: &[u8]) -> Result<Vec<EventEnvelope>, StoreError> {
    match serde_json::from_slice::<Vec<EventEnvelope>>(bytes) {
        Ok(events) => {
            for e in &events {
                check_version(
                    e.event.type_name(),
                    u64::from(e.schema_version),
                    &e.event_id,
                )?;
            }
            Ok(events)
        }
        Err(typed) => Err(explain(bytes)
            .unwrap_or_else(|| StoreError::Unexpected(format!("undecodable commit: {typed}")))),
    }
}

/// The version error of the first record whose type or version this build does not read, if any.
fn explain(bytes: &[u8]) -> Option<StoreError> {
    let records: Vec<Value> = serde_json::from_slice(bytes).ok()?;
    records.iter().find_map(|record| {
        let event_type = record["event_type"].as_str().unwrap_or_default();
        let version = record["schema_version"].as_u64().unwrap_or_default();
        let event_id = record["event_id"].as_str().unwrap_or("without id");
        check_version(event_type, version, &event_id).err()
    })
}

fn check_version(
    event_type: &str,
    version: u64,
    event_id: &dyn std::fmt::Display,
) -> Result<(), StoreError> {
    match CaseEvent::current_version(event_type) {
        Some(known) if version <= u64::from(known) => Ok(()),
        Some(known) => Err(StoreError::Unexpected(format!(
            "event {event_id} is {event_type} v{version}, newer than the v{known} this build reads"
        ))),
        None => Err(StoreError::Unexpected(format!(
            "event {event_id} has type {event_type:?}, unknown to this build"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_version_is_refused_by_name() {
        let sample = include_str!("../../../schemas/samples/events/TaskAcknowledged.v1.json");
        let mut record: Value = serde_json::from_str(sample).unwrap();
        assert_eq!(decode(format!("[{record}]").as_bytes()).unwrap().len(), 1);
        record["schema_version"] = 2.into();
        record["data"] = serde_json::json!({"reshaped": true});
        let error = decode(format!("[{record}]").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("TaskAcknowledged v2, newer than the v1"),
            "{error}"
        );
    }

    #[test]
    fn a_newer_version_is_refused_even_when_its_payload_reads_as_the_old_one() {
        let sample = include_str!("../../../schemas/samples/events/TaskAcknowledged.v1.json");
        let mut record: Value = serde_json::from_str(sample).unwrap();
        record["schema_version"] = 2.into();
        let error = decode(format!("[{record}]").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("newer than the v1"), "{error}");
    }

    #[test]
    fn an_unknown_type_is_refused_by_name() {
        let sample = include_str!("../../../schemas/samples/events/TaskAcknowledged.v1.json");
        let mut record: Value = serde_json::from_str(sample).unwrap();
        record["event_type"] = "TaskTeleported".into();
        let error = decode(format!("[{record}]").as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("type \"TaskTeleported\", unknown to this build"),
            "{error}"
        );
    }
}

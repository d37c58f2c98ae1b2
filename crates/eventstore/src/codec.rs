//! A commit's bytes: a JSON array of event envelopes. On read, each envelope's type and schema version
//! are checked before its payload is parsed, so a record from a newer writer is refused with a clear
//! error instead of being misread. (An upcaster for an old version would go here, on the raw JSON.)

use crate::port::StoreError;
use quickclear_schemas::{CaseEvent, EventEnvelope};
use serde_json::Value;

pub fn encode(events: &[EventEnvelope]) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(events).map_err(|e| StoreError::Unexpected(format!("encode commit: {e}")))
}

pub fn decode(bytes: &[u8]) -> Result<Vec<EventEnvelope>, StoreError> {
    let undecodable =
        |e: serde_json::Error| StoreError::Unexpected(format!("undecodable commit: {e}"));
    let raw: Vec<Value> = serde_json::from_slice(bytes).map_err(undecodable)?;
    raw.into_iter()
        .map(|record| {
            check_version(&record)?;
            serde_json::from_value(record).map_err(undecodable)
        })
        .collect()
}

fn check_version(record: &Value) -> Result<(), StoreError> {
    let event_type = record["event_type"].as_str().unwrap_or_default();
    let version = record["schema_version"].as_u64().unwrap_or_default();
    match CaseEvent::current_version(event_type) {
        Some(known) if version <= u64::from(known) => Ok(()),
        Some(known) => Err(StoreError::Unexpected(format!(
            "event {} is {event_type} v{version}, newer than the v{known} this build reads",
            record["event_id"]
        ))),
        None => Err(StoreError::Unexpected(format!(
            "event {} has type {event_type:?}, unknown to this build",
            record["event_id"]
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
}

//! The committed JSON Schema files and sample documents stay true to the types.
//!
//! Run with `UPDATE_SCHEMAS=1` to rewrite `schemas/json/` after changing a type on purpose.

use quickclear_schemas::{CaseEvent, EventEnvelope, json_schema};
use std::path::PathBuf;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_json_schemas_match_the_types() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut drifted = Vec::new();
    for file in json_schema::all() {
        let path = schemas_dir().join("json").join(&file.path);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == file.text => {}
            _ => drifted.push(file.path),
        }
    }
    assert!(
        drifted.is_empty(),
        "schemas/json drifted from the types: {drifted:?}; if the change is intended, run \
         `UPDATE_SCHEMAS=1 cargo test -p quickclear-schemas` and commit the files"
    );
}

#[test]
fn every_event_type_has_a_sample_that_round_trips() {
    for event_type in CaseEvent::TYPES {
        let path = schemas_dir().join(format!("samples/events/{event_type}.v1.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("sample {} missing: {e}", path.display()));
        let envelope: EventEnvelope = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("sample {event_type} does not parse: {e}"));
        assert_eq!(envelope.event.type_name(), event_type);
        assert_eq!(envelope.schema_version, envelope.event.schema_version());
        let again: EventEnvelope =
            serde_json::from_value(serde_json::to_value(&envelope).unwrap()).unwrap();
        assert_eq!(again, envelope, "{event_type} does not round-trip");
    }
}

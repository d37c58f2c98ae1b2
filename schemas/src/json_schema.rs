//! JSON Schema documents generated from the types, committed under `schemas/json/` so that clients in
//! other languages can read the contracts. A test fails when the committed files drift from the types.

use crate::event::{
    ArrestMade, CaseCleared, CaseClosed, CaseDispatched, EventEnvelope, FindingRecorded,
    PropertyMovement, ReportReceived, SuspectIdentified, TaskCleared, TaskEscalated,
    TaskReassigned, TaskRef,
};
use crate::message::{
    AlarmRequest, DoorplateReportRequest, FeedItem, ReportAccepted, ReportRequest,
    ResolutionRequest, TaskCommandRequest,
};
use schemars::{JsonSchema, schema_for};

/// A generated document: its path under `schemas/json/` and its pretty-printed text.
pub struct SchemaFile {
    pub path: String,
    pub text: String,
}

fn file<T: JsonSchema>(path: String) -> SchemaFile {
    let schema = schema_for!(T);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    SchemaFile { path, text }
}

fn event_payload(event_type: &str) -> SchemaFile {
    let path = format!("events/{event_type}.v1.json");
    match event_type {
        "ReportReceived" => file::<ReportReceived>(path),
        "CaseDispatched" => file::<CaseDispatched>(path),
        "TaskAcknowledged" | "TaskEnRoute" | "TaskOnScene" => file::<TaskRef>(path),
        "FindingRecorded" => file::<FindingRecorded>(path),
        "SuspectIdentified" => file::<SuspectIdentified>(path),
        "ArrestMade" => file::<ArrestMade>(path),
        "PropertyRecovered" | "PropertyReturned" => file::<PropertyMovement>(path),
        "TaskCleared" => file::<TaskCleared>(path),
        "TaskEscalated" => file::<TaskEscalated>(path),
        "TaskReassigned" => file::<TaskReassigned>(path),
        "CaseCleared" => file::<CaseCleared>(path),
        "CaseClosed" => file::<CaseClosed>(path),
        other => unreachable!("event type {other} has no payload schema"),
    }
}

/// Every schema document, in a stable order.
pub fn all() -> Vec<SchemaFile> {
    let mut files = vec![file::<EventEnvelope>("event-envelope.v1.json".into())];
    files.extend(crate::CaseEvent::TYPES.iter().map(|t| event_payload(t)));
    files.push(file::<ReportRequest>(
        "messages/ReportRequest.v1.json".into(),
    ));
    files.push(file::<DoorplateReportRequest>(
        "messages/DoorplateReportRequest.v1.json".into(),
    ));
    files.push(file::<AlarmRequest>("messages/AlarmRequest.v1.json".into()));
    files.push(file::<ReportAccepted>(
        "messages/ReportAccepted.v1.json".into(),
    ));
    files.push(file::<TaskCommandRequest>(
        "messages/TaskCommandRequest.v1.json".into(),
    ));
    files.push(file::<ResolutionRequest>(
        "messages/ResolutionRequest.v1.json".into(),
    ));
    files.push(file::<FeedItem>("messages/FeedItem.v1.json".into()));
    files
}

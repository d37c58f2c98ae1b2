//! Golden sample events for the dispatcher's unit tests (`schemas/samples/events/`).

use chrono::{DateTime, Utc};
use quickclear_schemas::{CaseId, EventEnvelope};

/// The sample of `event_type`, on `case_id`, recorded at `at`: `ReportReceived` (a purse
/// snatching at 111 N State St, precinct D001), `CaseDispatched` (to D001, PROP-1 and SCENE-1),
/// `TaskAcknowledged` (the precinct task, by D001), `CaseClosed`.
pub fn sample(event_type: &str, case_id: CaseId, at: DateTime<Utc>) -> EventEnvelope {
    let json = match event_type {
        "ReportReceived" => include_str!("../../../schemas/samples/events/ReportReceived.v1.json"),
        "CaseDispatched" => include_str!("../../../schemas/samples/events/CaseDispatched.v1.json"),
        "TaskAcknowledged" => {
            include_str!("../../../schemas/samples/events/TaskAcknowledged.v1.json")
        }
        "CaseClosed" => include_str!("../../../schemas/samples/events/CaseClosed.v1.json"),
        other => panic!("no sample of {other} here"),
    };
    let mut envelope: EventEnvelope = serde_json::from_str(json).unwrap();
    envelope.case_id = case_id;
    envelope.recorded_at = at;
    envelope
}

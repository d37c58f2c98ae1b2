//! Request bodies refuse what they do not know: a typo is an error, not a silent default.

use quickclear_schemas::message::{Resolution, ResolutionRequest, TaskAction, TaskCommandRequest};
use serde_json::json;

const ID: &str = "7d0c8a4e-5b1f-4c2a-9e3d-1a2b3c4d5e6f";

#[test]
fn task_commands_parse_every_action_shape() {
    let ack: TaskCommandRequest =
        serde_json::from_value(json!({"command_id": ID, "unit": "D001", "action": "acknowledge"}))
            .unwrap();
    assert_eq!(ack.action, TaskAction::Acknowledge);
    let arrest: TaskCommandRequest = serde_json::from_value(
        json!({"command_id": ID, "unit": "D001", "action": "arrest", "note": "detained"}),
    )
    .unwrap();
    assert_eq!(
        arrest.action,
        TaskAction::Arrest {
            note: "detained".into()
        }
    );
}

#[test]
fn task_commands_refuse_unknown_fields() {
    for body in [
        json!({"command_id": ID, "unit": "D001", "action": "acknowledge", "urgent": true}),
        json!({"command_id": ID, "unit": "D001", "action": "arrest", "note": "x", "nite": "typo"}),
        json!({"command_id": ID, "unit": "D001", "action": "teleport"}),
        json!({"command_id": ID, "action": "acknowledge"}),
    ] {
        assert!(
            serde_json::from_value::<TaskCommandRequest>(body.clone()).is_err(),
            "{body} accepted"
        );
    }
}

#[test]
fn resolutions_refuse_unknown_fields() {
    let ok: ResolutionRequest = serde_json::from_value(
        json!({"command_id": ID, "dispatcher": "d1", "resolution": "closed_administratively", "reason": "duplicate"}),
    )
    .unwrap();
    assert_eq!(
        ok.resolution,
        Resolution::ClosedAdministratively {
            reason: "duplicate".into()
        }
    );
    let typo = json!({"command_id": ID, "dispatcher": "d1", "resolution": "cleared_by_arrest", "reasn": "x"});
    assert!(serde_json::from_value::<ResolutionRequest>(typo).is_err());
    // `dispatcher` is deprecated: the actor is the signed-in user.
    let without: ResolutionRequest =
        serde_json::from_value(json!({"command_id": ID, "resolution": "cleared_by_arrest"}))
            .unwrap();
    assert_eq!(without.dispatcher, None);
}

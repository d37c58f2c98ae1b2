//! `GET /api/v1/doorplates/{plate}`: what the residents' report page shows before the form, the
//! plate's own registered place. Public like the report route and rate limited the same way
//! ([`PublicCaller`]: per client address, a budget the public reports share), so the plates
//! cannot be listed by walking their ids quickly; a dispatcher's or admin's session is not limited.

use crate::routes::Intake;
use axum::Json;
use axum::extract::{Path, State};
use quickclear_access::PublicCaller;
use quickclear_platform::Problem;
use quickclear_roster::Place;
use serde_json::{Value, json};
use std::sync::Arc;

/// A door plate as the public may see it: its id and registered place, nothing else (no cases, no
/// reports, no precinct), built field by field so a field added to [`Place`] is not published
/// by accident. The shape is the roster's (`GET /api/v1/roster`'s `doorplates`).
pub fn public_view(place: &Place) -> Value {
    json!({
        "id": place.id,
        "address": place.address,
        "at": {"lat": place.at.lat, "lng": place.at.lng},
    })
}

/// The caller's address is counted before the plate is looked up, so unknown ids cost as much as
/// known ones.
pub async fn get_doorplate(
    State(intake): State<Arc<Intake>>,
    Path(plate): Path<String>,
    caller: PublicCaller,
) -> Result<Json<Value>, Problem> {
    caller.count_request()?;
    intake
        .roster
        .doorplate(&plate)
        .map(|place| Json(public_view(place)))
        .ok_or_else(|| Problem::not_found("unknown-doorplate", format!("no door plate {plate}")))
}

//! Request validation: every problem found, by field, and nothing written. The bounds of every
//! field are `quickclear_schemas::bounds`; here the place is found: its precinct and H3 cells.

use h3o::{LatLng, Resolution};
use quickclear_platform::Problem;
use quickclear_platform::problem::FieldError;
use quickclear_roster::Roster;
use quickclear_schemas::UnitId;
use quickclear_schemas::bounds::{Checker, MAX_SHORT_TEXT};
use quickclear_schemas::message::LocationInput;
use quickclear_schemas::report::Location;

/// The resolutions hot-spot analysis works at (see `Location::analysis_cells`).
pub const ANALYSIS_RESOLUTIONS: [Resolution; 5] = [
    Resolution::Six,
    Resolution::Seven,
    Resolution::Eight,
    Resolution::Nine,
    Resolution::Ten,
];

/// The fields out of bounds, as a `422 invalid-request` naming each.
pub fn invalid(check: Checker) -> Problem {
    let errors = check.errors.into_iter();
    Problem::invalid(
        errors
            .map(|e| FieldError::new(e.field, e.message))
            .collect(),
    )
}

/// Checks the coordinates and finds the owning precinct.
pub fn location(
    check: &mut Checker,
    input: &LocationInput,
    roster: &Roster,
) -> Option<(Location, UnitId)> {
    let (Some(lat), Some(lng)) = (input.lat, input.lng) else {
        check.fail("location", "lat and lng are required");
        return None;
    };
    check.coordinates("location", lat, lng);
    if let Some(address) = &input.address {
        check.text("location.address", address, MAX_SHORT_TEXT);
    }
    let point = LatLng::new(lat, lng).ok()?;
    let cell = point.to_cell(Resolution::Fifteen);
    let analysis_cells = ANALYSIS_RESOLUTIONS
        .iter()
        .map(|r| point.to_cell(*r).to_string())
        .collect();
    let Some(precinct) = roster.precincts().owner_of(lat, lng) else {
        check.fail(
            "location",
            format!("{lat}, {lng} is outside every precinct's territory"),
        );
        return None;
    };
    let location = Location {
        lat,
        lng,
        address: input.address.clone(),
        analysis_cells,
        h3: cell.to_string(),
    };
    Some((location, precinct.clone()))
}

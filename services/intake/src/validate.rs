//! Request validation: every problem found, by field, and nothing written.

use chrono::{DateTime, Duration, Utc};
use h3o::{LatLng, Resolution};
use quickclear_platform::problem::FieldError;
use quickclear_roster::Roster;
use quickclear_schemas::UnitId;
use quickclear_schemas::message::{ItemInput, LocationInput, OccurredInput};
use quickclear_schemas::report::{Location, OccurredWindow, Reporter, StolenItem};

const MAX_TEXT: usize = 4000;
const MAX_SHORT_TEXT: usize = 300;
const MAX_ITEMS: usize = 50;
const MAX_VALUE_CENTS: u64 = 10_000_000_000;
/// The resolutions hot-spot analysis works at (see `Location::analysis_cells`).
pub const ANALYSIS_RESOLUTIONS: [Resolution; 5] = [
    Resolution::Six,
    Resolution::Seven,
    Resolution::Eight,
    Resolution::Nine,
    Resolution::Ten,
];
/// Clocks of phones and call-taking desks drift: a little of the future is tolerated.
const FUTURE_SKEW: Duration = Duration::minutes(5);

/// Collects field errors while a request is checked.
#[derive(Default)]
pub struct Checker {
    pub errors: Vec<FieldError>,
}

impl Checker {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn text(&mut self, field: &str, text: &str, max: usize) {
        if text.chars().count() > max {
            self.fail(field, format!("at most {max} characters"));
        }
    }

    pub fn occurred(
        &mut self,
        input: &OccurredInput,
        now: DateTime<Utc>,
    ) -> Option<OccurredWindow> {
        let window = match (input.at, input.from, input.to) {
            (Some(at), None, None) => OccurredWindow { from: at, to: at },
            (None, Some(from), Some(to)) if from <= to => OccurredWindow { from, to },
            (None, Some(_), Some(_)) => {
                self.fail("occurred", "`from` must not be after `to`");
                return None;
            }
            _ => {
                self.fail("occurred", "give either `at`, or both `from` and `to`");
                return None;
            }
        };
        if window.to > now + FUTURE_SKEW {
            self.fail("occurred", format!("lies in the future (now is {now})"));
            return None;
        }
        Some(window)
    }

    /// Checks the coordinates and finds the owning precinct.
    pub fn location(
        &mut self,
        input: &LocationInput,
        roster: &Roster,
    ) -> Option<(Location, UnitId)> {
        let (Some(lat), Some(lng)) = (input.lat, input.lng) else {
            self.fail("location", "lat and lng are required");
            return None;
        };
        if !(-90.0..=90.0).contains(&lat) {
            self.fail("location.lat", "must be between -90 and 90");
        }
        if !(-180.0..=180.0).contains(&lng) {
            self.fail("location.lng", "must be between -180 and 180");
        }
        if let Some(address) = &input.address {
            self.text("location.address", address, MAX_SHORT_TEXT);
        }
        let point = LatLng::new(lat, lng).ok()?;
        let cell = point.to_cell(Resolution::Fifteen);
        let analysis_cells = ANALYSIS_RESOLUTIONS
            .iter()
            .map(|r| point.to_cell(*r).to_string())
            .collect();
        let Some(precinct) = roster.precincts().owner_of(lat, lng) else {
            self.fail(
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

    pub fn items(&mut self, items: &[ItemInput]) -> Vec<StolenItem> {
        if items.len() > MAX_ITEMS {
            self.fail("items", format!("at most {MAX_ITEMS} items"));
        }
        for (i, item) in items.iter().enumerate() {
            if item.description.trim().is_empty() {
                self.fail(&format!("items[{i}].description"), "must not be empty");
            }
            self.text(
                &format!("items[{i}].description"),
                &item.description,
                MAX_SHORT_TEXT,
            );
            if item.value_cents > MAX_VALUE_CENTS {
                self.fail(&format!("items[{i}].value_cents"), "is implausibly large");
            }
        }
        items
            .iter()
            .map(|i| StolenItem {
                description: i.description.clone(),
                value_cents: i.value_cents,
            })
            .collect()
    }

    pub fn reporter(&mut self, reporter: &Option<Reporter>) {
        let Some(reporter) = reporter else { return };
        if let Some(name) = &reporter.name {
            self.text("reporter.name", name, MAX_SHORT_TEXT);
        }
        if let Some(phone) = &reporter.phone {
            let plausible = phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                && phone.chars().filter(char::is_ascii_digit).count() >= 3
                && phone.len() <= 32;
            if !plausible {
                self.fail(
                    "reporter.phone",
                    "digits, spaces and + - ( ) only, 3 to 32 characters",
                );
            }
        }
    }

    pub fn description(&mut self, description: &str) {
        self.text("description", description, MAX_TEXT);
    }
}

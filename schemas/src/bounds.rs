//! The bounds every request body is held to, and the [`Checker`] that names every field outside
//! them at once.
//!
//! Intake (reports, door plates, alarms, resolutions) and the squads (task commands) check a body
//! before anything is decided; the case aggregate holds each case's totals to [`MAX_CASE_CENTS`]
//! and [`MAX_CASE_ARRESTS`]. Money is in the smallest unit of the local currency, which is worth
//! little in some currencies: the money bounds are generous in any, and far from overflowing a
//! `u64`.

use crate::finding::Finding;
use crate::message::{ItemInput, OccurredInput, Resolution, TaskAction};
use crate::report::{OccurredWindow, Reporter};
use chrono::{DateTime, TimeDelta, Utc};
use std::fmt::Display;

/// Descriptions, statements, notes, reasons.
pub const MAX_TEXT: usize = 4000;
/// Names, addresses, item descriptions, camera ids, evidence kinds.
pub const MAX_SHORT_TEXT: usize = 300;
/// Items of a report or of a property movement; evidence items of a finding.
pub const MAX_ITEMS: usize = 50;
/// One stolen item: 10¹⁰ minor units (a hundred million dollars; ten billion yen or rupiah).
pub const MAX_ITEM_CENTS: u64 = 10_000_000_000;
/// One property movement, and each of a case's recovered and returned totals: what the items of
/// one report can be worth at most (5 × 10¹¹).
pub const MAX_CASE_CENTS: u64 = MAX_ITEMS as u64 * MAX_ITEM_CENTS;
/// Arrests recorded on one case.
pub const MAX_CASE_ARRESTS: u32 = 1_000;
/// Addresses one canvass visited.
pub const MAX_ADDRESSES_VISITED: u32 = 10_000;
/// Cameras one video review names.
pub const MAX_CAMERAS: usize = 100;
/// Points of one video review's trajectory.
pub const MAX_TRAJECTORY_POINTS: usize = 500;
/// Clocks of phones, terminals and call-taking desks drift: a little of the future is tolerated.
pub const FUTURE_SKEW: TimeDelta = TimeDelta::minutes(5);
/// How long before now a theft (or a sighting) may lie unless configured otherwise.
pub const DEFAULT_HORIZON: TimeDelta = TimeDelta::days(365);

/// The times a body may name: from `earliest` (a horizon before the service's clock) to
/// [`FUTURE_SKEW`] after `now`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeBounds {
    pub earliest: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

impl TimeBounds {
    pub fn new(now: DateTime<Utc>, horizon: TimeDelta) -> Self {
        Self {
            earliest: now
                .checked_sub_signed(horizon)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            now,
        }
    }

    fn is_future(&self, at: DateTime<Utc>) -> bool {
        self.now
            .checked_add_signed(FUTURE_SKEW)
            .is_some_and(|latest| at > latest)
    }
}

/// One field out of bounds: its path in the body (`finding.trajectory[2].lat`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub message: String,
}

/// Collects every field out of bounds while a body is checked.
#[derive(Debug, Default)]
pub struct Checker {
    pub errors: Vec<FieldViolation>,
}

impl Checker {
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldViolation {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn text(&mut self, field: &str, text: &str, max: usize) {
        if text.chars().count() > max {
            self.fail(field, format!("at most {max} characters"));
        }
    }

    /// A text that must say something.
    pub fn words(&mut self, field: &str, text: &str, max: usize) {
        if text.trim().is_empty() {
            self.fail(field, "must not be empty");
        }
        self.text(field, text, max);
    }

    pub fn at_most<T: PartialOrd + Display>(&mut self, field: &str, value: T, max: T) {
        if value > max {
            self.fail(field, format!("at most {max}"));
        }
    }

    pub fn entries(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.fail(field, format!("at most {max} entries"));
        }
    }

    /// `{prefix}.lat` and `{prefix}.lng`.
    pub fn coordinates(&mut self, prefix: &str, lat: f64, lng: f64) {
        if !(-90.0..=90.0).contains(&lat) {
            self.fail(&format!("{prefix}.lat"), "must be between -90 and 90");
        }
        if !(-180.0..=180.0).contains(&lng) {
            self.fail(&format!("{prefix}.lng"), "must be between -180 and 180");
        }
    }

    /// A time between `times.earliest` and a little after `times.now`.
    pub fn time(&mut self, field: &str, at: DateTime<Utc>, times: TimeBounds) {
        self.window(field, at, at, times);
    }

    fn window(&mut self, field: &str, from: DateTime<Utc>, to: DateTime<Utc>, times: TimeBounds) {
        if times.is_future(to) {
            self.fail(field, format!("lies in the future (now is {})", times.now));
        } else if from < times.earliest {
            self.fail(
                field,
                format!("lies before {}, further back than is taken", times.earliest),
            );
        }
    }

    /// When a theft happened: `{"at"}` or `{"from", "to"}`, within `times`.
    pub fn occurred(
        &mut self,
        field: &str,
        input: &OccurredInput,
        times: TimeBounds,
    ) -> Option<OccurredWindow> {
        let window = match (input.at, input.from, input.to) {
            (Some(at), None, None) => OccurredWindow { from: at, to: at },
            (None, Some(from), Some(to)) if from <= to => OccurredWindow { from, to },
            (None, Some(_), Some(_)) => {
                self.fail(field, "`from` must not be after `to`");
                return None;
            }
            _ => {
                self.fail(field, "give either `at`, or both `from` and `to`");
                return None;
            }
        };
        let errors = self.errors.len();
        self.window(field, window.from, window.to, times);
        (self.errors.len() == errors).then_some(window)
    }

    /// The stolen items of a report.
    pub fn items(&mut self, items: &[ItemInput]) {
        self.entries("items", items.len(), MAX_ITEMS);
        for (i, item) in items.iter().enumerate() {
            self.words(
                &format!("items[{i}].description"),
                &item.description,
                MAX_SHORT_TEXT,
            );
            self.at_most(
                &format!("items[{i}].value_cents"),
                item.value_cents,
                MAX_ITEM_CENTS,
            );
        }
    }

    pub fn reporter(&mut self, reporter: Option<&Reporter>) {
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

    /// A unit's action on its task; sightings' times within `times`.
    pub fn task_action(&mut self, action: &TaskAction, times: TimeBounds) {
        match action {
            TaskAction::Acknowledge | TaskAction::EnRoute | TaskAction::OnScene => {}
            TaskAction::RecordFinding { finding } => self.finding(finding, times),
            TaskAction::SuspectIdentified { description } => {
                self.text("description", description, MAX_TEXT)
            }
            TaskAction::Arrest { note } | TaskAction::Clear { note } => {
                self.text("note", note, MAX_TEXT)
            }
            TaskAction::PropertyRecovered { items, value_cents }
            | TaskAction::PropertyReturned { items, value_cents } => {
                self.entries("items", items.len(), MAX_ITEMS);
                for (i, item) in items.iter().enumerate() {
                    self.words(&format!("items[{i}]"), item, MAX_SHORT_TEXT);
                }
                self.at_most("value_cents", *value_cents, MAX_CASE_CENTS);
            }
        }
    }

    fn finding(&mut self, finding: &Finding, times: TimeBounds) {
        match finding {
            Finding::Interview { person, statement } => {
                self.text("finding.person", person, MAX_SHORT_TEXT);
                self.text("finding.statement", statement, MAX_TEXT);
            }
            Finding::Canvass {
                addresses_visited,
                notes,
            } => {
                self.at_most(
                    "finding.addresses_visited",
                    *addresses_visited,
                    MAX_ADDRESSES_VISITED,
                );
                self.text("finding.notes", notes, MAX_TEXT);
            }
            Finding::VideoReview {
                cameras,
                trajectory,
                notes,
            } => {
                self.entries("finding.cameras", cameras.len(), MAX_CAMERAS);
                for (i, camera) in cameras.iter().enumerate() {
                    self.text(&format!("finding.cameras[{i}]"), camera, MAX_SHORT_TEXT);
                }
                self.entries(
                    "finding.trajectory",
                    trajectory.len(),
                    MAX_TRAJECTORY_POINTS,
                );
                for (i, point) in trajectory.iter().enumerate() {
                    let field = format!("finding.trajectory[{i}]");
                    self.coordinates(&field, point.lat, point.lng);
                    self.time(&format!("{field}.at"), point.at, times);
                    if let Some(camera) = &point.camera {
                        self.text(&format!("{field}.camera"), camera, MAX_SHORT_TEXT);
                    }
                }
                self.text("finding.notes", notes, MAX_TEXT);
            }
            Finding::SceneEvidence { items } => {
                self.entries("finding.items", items.len(), MAX_ITEMS);
                for (i, item) in items.iter().enumerate() {
                    self.text(
                        &format!("finding.items[{i}].kind"),
                        &item.kind,
                        MAX_SHORT_TEXT,
                    );
                    self.text(
                        &format!("finding.items[{i}].description"),
                        &item.description,
                        MAX_TEXT,
                    );
                }
            }
        }
    }

    pub fn resolution(&mut self, resolution: &Resolution) {
        match resolution {
            Resolution::ClearedByArrest => {}
            Resolution::ClearedExceptionally { reason }
            | Resolution::ClosedAdministratively { reason } => {
                self.text("reason", reason, MAX_TEXT)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::TrajectoryPoint;

    fn times() -> TimeBounds {
        let now = "2016-06-01T12:00:00Z".parse().expect("time");
        TimeBounds::new(now, DEFAULT_HORIZON)
    }

    fn occurred(from: &str, to: &str) -> Vec<String> {
        let mut check = Checker::default();
        let input = OccurredInput {
            at: None,
            from: Some(from.parse().expect("time")),
            to: Some(to.parse().expect("time")),
        };
        let window = check.occurred("occurred", &input, times());
        assert_eq!(window.is_some(), check.errors.is_empty());
        check.errors.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn an_occurred_window_lies_between_the_horizon_and_a_little_after_now() {
        assert!(occurred("2015-06-03T00:00:00Z", "2016-06-01T12:04:00Z").is_empty());
        let too_old = occurred("2015-05-31T00:00:00Z", "2016-06-01T00:00:00Z");
        assert!(too_old[0].contains("further back"), "{too_old:?}");
        let year_one = occurred("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z");
        assert!(year_one[0].contains("further back"), "{year_one:?}");
        let future = occurred("2016-06-01T00:00:00Z", "2016-06-01T12:06:00Z");
        assert!(future[0].contains("future"), "{future:?}");
    }

    #[test]
    fn every_field_of_an_action_out_of_bounds_is_named() {
        let mut check = Checker::default();
        let point = |lat, at: &str| TrajectoryPoint {
            lat,
            lng: -87.63,
            at: at.parse().expect("time"),
            camera: None,
        };
        let review = Finding::VideoReview {
            cameras: vec!["x".repeat(MAX_SHORT_TEXT + 1)],
            trajectory: vec![
                point(41.88, "2016-06-01T11:00:00Z"),
                point(91.0, "2099-01-01T00:00:00Z"),
            ],
            notes: String::new(),
        };
        check.task_action(&TaskAction::RecordFinding { finding: review }, times());
        let recovered = TaskAction::PropertyRecovered {
            items: vec![" ".into()],
            value_cents: MAX_CASE_CENTS + 1,
        };
        check.task_action(&recovered, times());
        let fields: Vec<&str> = check.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "finding.cameras[0]",
                "finding.trajectory[1].lat",
                "finding.trajectory[1].at",
                "items[0]",
                "value_cents"
            ]
        );
    }
}

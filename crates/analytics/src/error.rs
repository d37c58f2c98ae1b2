//! The crate's error type: every invalid input gets a named variant, never a panic.

use chrono::NaiveDateTime;

/// Why an analysis could not run on the given input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyticsError {
    /// Latitude outside [-90, 90], longitude outside [-180, 180], or not a finite number.
    #[error("coordinates out of range: lat {lat}, lng {lng}")]
    InvalidCoordinates { lat: f64, lng: f64 },
    /// Aggregation resolution outside the supported range.
    #[error("H3 resolution {0} is outside the supported range 6..=10")]
    UnsupportedResolution(u8),
    /// Cells of different resolutions were mixed in one analysis.
    #[error("cells mix H3 resolutions {0} and {1}")]
    MixedResolutions(u8, u8),
    /// A time window whose start is not before its end.
    #[error("empty time window: {from} is not before {to}")]
    EmptyTimeWindow {
        from: NaiveDateTime,
        to: NaiveDateTime,
    },
    /// Band edges that are empty, unsorted, negative or not finite.
    #[error("invalid bands: {0}")]
    InvalidBands(String),
    /// Any other parameter outside its documented domain.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// Too few observations for the statistic to be defined.
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// A polygon the H3 tiler rejects.
    #[error("invalid geometry: {0}")]
    InvalidGeometry(String),
}

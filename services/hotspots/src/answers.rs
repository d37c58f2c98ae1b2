//! How the analytics answers are shaped: Gi* figures of a selection, cells as JSON or GeoJSON,
//! band labels, and analysis errors as problems.

use crate::cells::AnalysisResolution;
use crate::geojson::feature_collection;
use crate::incidents::{IncidentTable, Selection};
use crate::params::Format;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use h3o::CellIndex;
use quickclear_analytics::{AnalyticsError, CellHotSpot, HotSpotConfig, StudyArea};
use quickclear_platform::Problem;
use serde_json::{Value, json};

/// Gi* over the occupied cells of a selection.
pub struct HotSpotFigures {
    pub thefts: u64,
    pub spots: Vec<CellHotSpot>,
    /// Why there are no cells, when there are none.
    pub note: Option<String>,
}

pub fn hot_spot_figures(
    table: &IncidentTable,
    resolution: AnalysisResolution,
    ring_size: u32,
    selection: &Selection,
) -> Result<HotSpotFigures, Problem> {
    let counts = table.counts(resolution, selection);
    let thefts = counts.values().sum();
    if counts.len() < 2 {
        return Ok(HotSpotFigures {
            thefts,
            spots: Vec::new(),
            note: Some(format!(
                "Gi* needs at least 2 cells with thefts; this selection has {}",
                counts.len()
            )),
        });
    }
    let config = HotSpotConfig {
        ring_size,
        study_area: StudyArea::Occupied,
    };
    let spots = quickclear_analytics::hot_spots(&counts, &config).map_err(analysis_problem)?;
    Ok(HotSpotFigures {
        thefts,
        spots,
        note: None,
    })
}

pub fn analysis_problem(error: AnalyticsError) -> Problem {
    match error {
        AnalyticsError::NotEnoughData(detail) => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "not-enough-data", detail)
        }
        AnalyticsError::InvalidBands(detail) | AnalyticsError::InvalidParameter(detail) => {
            Problem::bad_request("invalid-query", detail)
        }
        other => {
            tracing::error!(error = %other, "hotspots analysis failed");
            internal()
        }
    }
}

/// The camera coverage is computed just after start; until then, answers about it wait.
pub fn cameras_loading() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "cameras-loading",
        "the cameras' cells are still being computed (a moment after start); retry shortly",
    )
}

pub fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
}

pub fn spot_json(spot: &CellHotSpot) -> Value {
    json!({
        "h3": spot.cell.to_string(),
        "count": spot.count,
        "z": spot.z,
        "p": spot.p,
        "class": spot.class.as_str(),
    })
}

pub fn describe(selection: &Selection) -> Value {
    let time = |at: Option<chrono::NaiveDateTime>| at.map(|t| t.and_utc().to_rfc3339());
    json!({
        "from": time(selection.from),
        "to": time(selection.to),
        "offence": selection.offence,
        "precinct": selection.precinct,
    })
}

/// The answer: `summary` with the cells under `key`, or the cells as GeoJSON.
pub fn answer(
    format: Format,
    mut summary: Value,
    key: &str,
    cells: Vec<(CellIndex, Value)>,
) -> Response {
    match format {
        Format::Json => {
            summary[key] = Value::Array(cells.into_iter().map(|(_, cell)| cell).collect());
            Json(summary).into_response()
        }
        Format::GeoJson => geojson(feature_collection(cells)),
    }
}

/// A FeatureCollection as `application/geo+json`.
pub fn geojson(collection: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/geo+json")],
        Json(collection),
    )
        .into_response()
}

/// `[a, b)` for each pair of edges and `[last, ∞)`: the rows or columns of the Knox tables.
pub fn band_labels<T: std::fmt::Display>(edges: &[T], unit: &str) -> Vec<String> {
    let mut labels: Vec<String> = edges
        .windows(2)
        .map(|pair| format!("[{}, {}) {unit}", pair[0], pair[1]))
        .collect();
    if let Some(last) = edges.last() {
        labels.push(format!("[{last}, ∞) {unit}"));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_labels_are_half_open_with_an_open_last_band() {
        assert_eq!(
            band_labels(&[0, 7, 14], "days"),
            ["[0, 7) days", "[7, 14) days", "[14, ∞) days"]
        );
    }

    #[test]
    fn not_enough_data_is_422_and_bad_bands_400() {
        let problem = analysis_problem(AnalyticsError::NotEnoughData("2 events".into()));
        assert_eq!(problem.status, 422);
        let problem = analysis_problem(AnalyticsError::InvalidBands("unsorted".into()));
        assert_eq!(problem.status, 400);
    }
}

//! `GET /api/v1/analytics/coverage`: the map's coverage layers at one resolution: the registry's
//! cameras and the cells they see, and patrol minutes per cell and hour of the day from the
//! position pings of `[from, to)` (the dwell ledger patrol gaps read). Only cells a camera sees or a
//! patrol visited are listed; with `precinct`, only its cameras and the cells whose centre lies in
//! its territory. As GeoJSON: the cells as polygons and the cameras as points, told apart by `kind`.

use crate::analytics_routes::{RawQuery, dwell_in, params};
use crate::answers::{answer, cameras_loading, describe, geojson};
use crate::cameras::CameraSite;
use crate::cells::AnalysisResolution;
use crate::geojson::{feature_collection, point_feature};
use crate::incidents::Selection;
use crate::params::Format;
use crate::service::Hotspots;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use h3o::CellIndex;
use quickclear_analytics::HourlyMinutes;
use quickclear_platform::Problem;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const PARAMETERS: &[&str] = &["res", "format", "from", "to", "precinct"];

pub fn routes() -> Router<Arc<Hotspots>> {
    Router::new().route("/api/v1/analytics/coverage", get(coverage))
}

async fn coverage(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, PARAMETERS)?;
    let resolution = params.resolution()?;
    let selection = params.selection(&hotspots.roster)?;
    let format = params.format(true)?;
    hotspots
        .analyse(move |hotspots| layers(hotspots, resolution, &selection, format))
        .await
}

fn layers(
    hotspots: &Hotspots,
    resolution: AnalysisResolution,
    selection: &Selection,
    format: Format,
) -> Result<Response, Problem> {
    let cameras = hotspots.cameras.get().ok_or_else(cameras_loading)?;
    let dwell = dwell_in(hotspots, resolution, selection.from, selection.to)?;
    let roster = &hotspots.roster;
    let sites: Vec<&CameraSite> = cameras
        .sites()
        .iter()
        .filter(|site| selection.covers_place(roster, site.lat, site.lng))
        .collect();
    let covered = cameras.covered(resolution);
    let patrolled = dwell
        .iter()
        .filter(|(_, minutes)| tenth(minutes.iter().sum()) > 0.0)
        .map(|(&cell, _)| cell);
    let cells: BTreeSet<CellIndex> = covered
        .iter()
        .copied()
        .chain(patrolled)
        .filter(|&cell| selection.covers_cell(roster, cell))
        .collect();
    let no_patrol = [0.0; 24];
    let cells: Vec<(CellIndex, Value)> = cells
        .into_iter()
        .map(|cell| {
            let minutes = dwell.get(&cell).unwrap_or(&no_patrol);
            (cell, cell_json(cell, covered.contains(&cell), minutes))
        })
        .collect();
    if format == Format::GeoJson {
        let mut collection = feature_collection(cells);
        if let Some(features) = collection["features"].as_array_mut() {
            features.extend(sites.iter().map(|site| {
                point_feature(
                    &site.id,
                    site.lat,
                    site.lng,
                    json!({ "kind": "camera", "id": site.id }),
                )
            }));
        }
        return Ok(geojson(collection));
    }
    let summary = json!({
        "res": resolution.number(),
        "selection": describe(selection),
        "camera_range_m": cameras.range_m,
        "cameras": sites.iter().map(|site| camera_json(site, resolution)).collect::<Vec<_>>(),
        "hours": "UTC hours of the day; patrol minutes summed over the days of the window (all pings without one)",
    });
    Ok(answer(format, summary, "cells", cells))
}

fn camera_json(site: &CameraSite, resolution: AnalysisResolution) -> Value {
    json!({
        "id": site.id,
        "lat": site.lat,
        "lng": site.lng,
        "h3": resolution.of(&site.cells).to_string(),
    })
}

fn cell_json(cell: CellIndex, camera: bool, minutes: &HourlyMinutes) -> Value {
    json!({
        "kind": "cell",
        "h3": cell.to_string(),
        "camera": camera,
        "patrol_minutes": tenth(minutes.iter().sum()),
        "patrol_by_hour": minutes.map(tenth),
    })
}

/// Minutes to a tenth (all a map shows, and a smaller answer); never below zero, as the ledger's
/// sums of stays taken back can be by a rounding error.
fn tenth(minutes: f64) -> f64 {
    (minutes.max(0.0) * 10.0).round() / 10.0
}

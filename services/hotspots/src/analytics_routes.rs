//! `GET /api/v1/analytics/{hotspots,near-repeat,blind-spots,patrol-gaps,concentration}`: figures
//! computed per request from the thefts folded in so far (Gi* at resolution 9 over a city's year
//! takes milliseconds, the Knox test's shuffles up to a minute), each under the analysis cap
//! ([`crate::analyses`]) on a blocking thread.
//!
//! Cell answers come as JSON, or with `format=geojson` as a FeatureCollection of cell polygons.
//! Gi* needs at least two cells with thefts: with fewer, the answer lists no cells and says why.
//! The Knox test (two thefts) and concentration (one theft) answer 422 `not-enough-data` instead.

use crate::answers::{
    analysis_problem, answer, band_labels, cameras_loading, describe, hot_spot_figures, spot_json,
};
use crate::cells::AnalysisResolution;
use crate::incidents::{Incident, IncidentTable};
use crate::near_repeat::space_time_events;
use crate::params::Params;
use crate::service::Hotspots;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDateTime;
use h3o::CellIndex;
use quickclear_analytics::{
    CellHotSpot, DistanceArithmetic, DistanceMetric, HourlyMinutes, KnoxConfig, PatrolGap,
    PatrolGapConfig, blind_spots, cells_holding, gini, knox_test, patrol_gaps,
};
use quickclear_platform::Problem;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const HOTSPOTS: &[&str] = &["res", "k", "format", "from", "to", "offence", "precinct"];
const PATROL_GAPS: &[&str] = &[
    "res",
    "k",
    "format",
    "from",
    "to",
    "offence",
    "precinct",
    "min_dwell_minutes",
];
const CONCENTRATION: &[&str] = &["res", "format", "from", "to", "offence", "precinct"];
const NEAR_REPEAT: &[&str] = &[
    "format",
    "from",
    "to",
    "offence",
    "precinct",
    "distance_bands",
    "time_bands",
    "metric",
    "permutations",
    "seed",
];

const PROJECTION: &str =
    "equirectangular around the thefts' mean latitude and longitude (metres); days are UTC dates";

pub fn routes() -> Router<Arc<Hotspots>> {
    Router::new()
        .route("/api/v1/analytics/hotspots", get(hotspots))
        .route("/api/v1/analytics/near-repeat", get(near_repeat))
        .route("/api/v1/analytics/blind-spots", get(blind_spots_in))
        .route("/api/v1/analytics/patrol-gaps", get(patrol_gaps_in))
        .route("/api/v1/analytics/concentration", get(concentration))
}

pub(crate) type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

pub(crate) fn params(raw: RawQuery, allowed: &[&str]) -> Result<Params, Problem> {
    let Query(pairs) = raw.map_err(|r| Problem::bad_request("invalid-query", r.body_text()))?;
    Params::new(pairs, allowed)
}

pub(crate) fn read(hotspots: &Hotspots) -> std::sync::RwLockReadGuard<'_, IncidentTable> {
    hotspots.incidents.read().expect("incidents lock")
}

/// Patrol dwell per cell and hour from the pings in `[from, to)`.
pub(crate) fn dwell_in(
    hotspots: &Hotspots,
    resolution: AnalysisResolution,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> Result<BTreeMap<CellIndex, HourlyMinutes>, Problem> {
    hotspots.pings.dwell(resolution, from, to).map_err(|error| {
        tracing::error!(%error, "hotspots cannot read position pings");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "positions-unavailable",
            "the position pings cannot be read now; retry shortly",
        )
    })
}

async fn hotspots(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, HOTSPOTS)?;
    let (resolution, k) = (params.resolution()?, params.ring_size()?);
    let selection = params.selection(&hotspots.roster)?;
    let format = params.format(true)?;
    hotspots
        .analyse(move |hotspots| {
            let figures = hot_spot_figures(&read(hotspots), resolution, k, &selection)?;
            let summary = json!({
                "res": resolution.number(),
                "k": k,
                "selection": describe(&selection),
                "thefts": figures.thefts,
                "note": figures.note,
            });
            let cells = figures
                .spots
                .iter()
                .map(|s| (s.cell, spot_json(s)))
                .collect();
            Ok(answer(format, summary, "cells", cells))
        })
        .await
}

async fn blind_spots_in(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, HOTSPOTS)?;
    let (resolution, k) = (params.resolution()?, params.ring_size()?);
    let selection = params.selection(&hotspots.roster)?;
    let format = params.format(true)?;
    hotspots
        .analyse(move |hotspots| {
            let cameras = hotspots.cameras.get().ok_or_else(cameras_loading)?;
            let figures = hot_spot_figures(&read(hotspots), resolution, k, &selection)?;
            let blind = blind_spots(&figures.spots, cameras.covered(resolution));
            let summary = json!({
                "res": resolution.number(),
                "k": k,
                "selection": describe(&selection),
                "thefts": figures.thefts,
                "hot_cells": figures.spots.iter().filter(|s| s.class.is_hot()).count(),
                "cameras": cameras.cameras,
                "camera_range_m": cameras.range_m,
                "note": figures.note,
            });
            let cells = figures
                .spots
                .iter()
                .filter(|s| blind.binary_search(&s.cell).is_ok())
                .map(|s| (s.cell, spot_json(s)))
                .collect();
            Ok(answer(format, summary, "blind_spots", cells))
        })
        .await
}

async fn patrol_gaps_in(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, PATROL_GAPS)?;
    let (resolution, k) = (params.resolution()?, params.ring_size()?);
    let selection = params.selection(&hotspots.roster)?;
    let format = params.format(true)?;
    let min_dwell_minutes = params.number("min_dwell_minutes", 10.0, 0.0..=10_000_000.0)?;
    hotspots
        .analyse(move |hotspots| {
            let (figures, profiles) = {
                let table = read(hotspots);
                let figures = hot_spot_figures(&table, resolution, k, &selection)?;
                (figures, table.profiles(resolution, &selection))
            };
            let dwell = dwell_in(hotspots, resolution, selection.from, selection.to)?;
            let config = PatrolGapConfig {
                min_incidents_in_hour: 1,
                min_dwell_minutes,
            };
            let gaps = patrol_gaps(&figures.spots, &profiles, &dwell, &config)
                .map_err(analysis_problem)?;
            let summary = json!({
                "res": resolution.number(),
                "k": k,
                "selection": describe(&selection),
                "thefts": figures.thefts,
                "hot_cells": figures.spots.iter().filter(|s| s.class.is_hot()).count(),
                "min_dwell_minutes": min_dwell_minutes,
                "hours": "UTC hours of the day; dwell summed over the days of the window (all pings without one)",
                "note": figures.note,
            });
            Ok(answer(format, summary, "cells", gap_cells(&figures.spots, &gaps)))
        })
        .await
}

/// The hot-spot cells with gaps, each with its gap hours.
fn gap_cells(spots: &[CellHotSpot], gaps: &[PatrolGap]) -> Vec<(CellIndex, Value)> {
    let mut by_cell: BTreeMap<CellIndex, Vec<&PatrolGap>> = BTreeMap::new();
    for gap in gaps {
        by_cell.entry(gap.cell).or_default().push(gap);
    }
    spots
        .iter()
        .filter_map(|spot| {
            let hours: Vec<Value> = by_cell
                .get(&spot.cell)?
                .iter()
                .map(|g| json!({ "hour": g.hour, "thefts": g.incidents, "dwell_minutes": g.dwell_minutes }))
                .collect();
            let mut cell = spot_json(spot);
            cell["gap_hours"] = Value::Array(hours);
            Some((spot.cell, cell))
        })
        .collect()
}

async fn concentration(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, CONCENTRATION)?;
    let resolution = params.resolution()?;
    let selection = params.selection(&hotspots.roster)?;
    params.format(false)?;
    hotspots
        .analyse(move |hotspots| {
            let counts: Vec<u64> = read(hotspots)
                .counts(resolution, &selection)
                .into_values()
                .collect();
            let holding = cells_holding(&counts, 0.5).map_err(analysis_problem)?;
            let gini = gini(&counts).map_err(analysis_problem)?;
            Ok(Json(json!({
                "res": resolution.number(),
                "selection": describe(&selection),
                "thefts": counts.iter().sum::<u64>(),
                "study_area": "cells with at least one theft",
                "cells": holding.cells_total,
                "cells_holding_half": holding.cells_needed,
                "share_of_cells_holding_half": holding.share_of_cells,
                "gini": gini,
            }))
            .into_response())
        })
        .await
}

async fn near_repeat(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, NEAR_REPEAT)?;
    let selection = params.selection(&hotspots.roster)?;
    params.format(false)?;
    let config = KnoxConfig {
        distance_edges: params.distance_edges()?,
        day_edges: params.day_edges()?,
        metric: params.metric()?,
        arithmetic: DistanceArithmetic::Double,
        permutations: params.number("permutations", 99, 1..=999)?,
        seed: params.number("seed", 0, 0..=u64::MAX)?,
        // One analysis slot is one core.
        threads: 1,
    };
    hotspots
        .analyse(move |hotspots| {
            let events = {
                let table = read(hotspots);
                let selected: Vec<&Incident> = table.selected(&selection).collect();
                space_time_events(&selected)
            };
            let knox = knox_test(&events, &config).map_err(analysis_problem)?;
            let metric = match config.metric {
                DistanceMetric::Manhattan => "manhattan",
                DistanceMetric::Euclidean => "euclidean",
            };
            Ok(Json(json!({
                "selection": describe(&selection),
                "thefts": events.len(),
                "projection": PROJECTION,
                "metric": metric,
                "distance_bands_m": band_labels(&knox.distance_edges, "m"),
                "time_bands_days": band_labels(&knox.day_edges, "days"),
                "observed": knox.observed,
                "expected_mean": knox.expected_mean,
                "knox_ratio": knox.knox_ratio,
                "p": knox.p_value,
                "permutations": knox.permutations,
                "seed": config.seed,
            }))
            .into_response())
        })
        .await
}

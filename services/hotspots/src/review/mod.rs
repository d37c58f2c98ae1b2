//! The weekly patrol-gap review: `GET /api/v1/analytics/reviews/patrol-gaps?week=2016-W23
//! [&precinct=D001][&res=9][&k=1][&min_dwell_minutes=10]`, answered as one self-contained HTML page
//! (`text/html`) a commander can read, print or mail: a short summary, a map of the precinct's cells
//! and a ranked table of the hot cells patrols miss at the hours their thefts happen.
//!
//! Parameters are checked like the other analytics routes' (a 400 problem naming the one at
//! fault); `week` is required, `res` defaults to 9 here. The page waits for the camera coverage
//! (503 `cameras-loading` for a moment after start), as blind spots do.
//!
//! - [`week`]: ISO weeks.
//! - [`figures`]: what the page shows, computed from the thefts, the pings and the cameras.
//! - [`words`], [`summary`]: the figures in words.
//! - [`svg_map`], [`hour_strip`], [`html`]: the map, each gap cell's hours, and the page.

mod figures;
mod hour_strip;
mod html;
mod summary;
mod svg_map;
mod week;
mod words;

pub use week::IsoWeek;

use crate::analytics_routes::{RawQuery, dwell_in, params, read};
use crate::answers::cameras_loading;
use crate::service::Hotspots;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use figures::{Area, Inputs, Review, Scope, Thefts};
use h3o::CellIndex;
use quickclear_platform::Problem;
use quickclear_roster::Roster;
use quickclear_schemas::UnitId;
use std::sync::Arc;

const PARAMETERS: &[&str] = &["week", "precinct", "res", "k", "min_dwell_minutes"];

pub fn routes() -> Router<Arc<Hotspots>> {
    Router::new().route(
        "/api/v1/analytics/reviews/patrol-gaps",
        get(patrol_gap_review),
    )
}

async fn patrol_gap_review(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, PARAMETERS)?;
    let week = params.week()?;
    let resolution = params.resolution_or(9)?;
    let ring_size = params.ring_size()?;
    let min_dwell_minutes = params.number("min_dwell_minutes", 10.0, 0.0..=10_000_000.0)?;
    let precinct = params.selection(&hotspots.roster)?.precinct;
    let scope = Scope {
        week,
        resolution,
        ring_size,
        min_dwell_minutes,
        precinct,
    };
    hotspots
        .analyse(move |hotspots| render(hotspots, scope))
        .await
}

fn render(hotspots: &Hotspots, scope: Scope) -> Result<Response, Problem> {
    let cameras = hotspots.cameras.get().ok_or_else(cameras_loading)?;
    let thefts = Thefts::read(&read(hotspots), &scope)?;
    let window = scope.window();
    let dwell = dwell_in(hotspots, scope.resolution, window.from, window.to)?;
    let roster = &hotspots.roster;
    let area = area(roster, scope.precinct.as_ref());
    let inside = |cell: CellIndex| window.covers_cell(roster, cell);
    let inputs = Inputs {
        scope,
        area,
        thefts,
        dwell,
        generated_at: hotspots.clock.now(),
    };
    let review = Review::assemble(inputs, cameras, inside)?;
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html::page(&review),
    )
        .into_response())
}

/// The precinct's name, station and outline; every precinct's outline when none is named.
fn area(roster: &Roster, precinct: Option<&UnitId>) -> Area {
    let rings = |unit: &UnitId| -> Vec<Vec<(f64, f64)>> {
        let Some(territory) = roster.precincts().territory(unit) else {
            return Vec::new();
        };
        territory
            .iter()
            .map(|polygon| polygon.exterior().coords().map(|c| (c.x, c.y)).collect())
            .collect()
    };
    match precinct.and_then(|id| roster.unit(id)) {
        Some(unit) => Area {
            name: unit.name.clone(),
            station: Some(unit.base),
            outline: rings(&unit.id),
        },
        None => Area {
            name: "All precincts".into(),
            station: None,
            outline: roster.precincts().owners().flat_map(rings).collect(),
        },
    }
}

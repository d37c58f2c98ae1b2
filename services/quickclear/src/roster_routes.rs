//! The roster for the pages: `GET /api/v1/roster` (units, door plates, alarm buttons, the settings a
//! page needs) and `GET /api/v1/roster/precincts.geojson` (the precinct territories, the base map).
//! Every process serves them: each one loads the same roster.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use geo::{MultiPolygon, Simplify};
use quickclear_platform::Clock;
use quickclear_roster::Roster;
use serde_json::{Value, json};
use std::sync::Arc;

/// Outline simplification tolerance in degrees (about 10 m): plenty for a city map, and it keeps
/// the territories a few hundred kilobytes smaller.
const OUTLINE_TOLERANCE_DEG: f64 = 0.0001;

/// What a page needs to know besides the roster.
pub struct Settings {
    pub ack_window: chrono::Duration,
    pub clearance_target: f64,
    /// The maps' optional tile layer (`--tile-url`); `None`: no tile server (the default).
    pub tiles: Option<Tiles>,
}

/// An XYZ tile layer the pages draw under their maps: `url` is a template with `{z}`, `{x}` and
/// `{y}`, checked by [`crate::cli::tiles`] (the only way to make one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiles {
    pub(crate) url: String,
    pub(crate) attribution: Option<String>,
    /// `scheme://host[:port]` of `url`: what the pages' Content-Security-Policy allows images from.
    pub(crate) origin: String,
}

impl Tiles {
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn attribution(&self) -> Option<&str> {
        self.attribution.as_deref()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

struct RosterApi {
    roster: Arc<Roster>,
    settings: Settings,
    clock: Clock,
    precincts_geojson: String,
}

pub fn routes(roster: Arc<Roster>, settings: Settings, clock: Clock) -> Router {
    let precincts_geojson = precincts_geojson(&roster).to_string();
    let api = RosterApi {
        roster,
        settings,
        clock,
        precincts_geojson,
    };
    Router::new()
        .route("/api/v1/roster", get(roster_json))
        .route("/api/v1/roster/precincts.geojson", get(precincts))
        .with_state(Arc::new(api))
}

async fn roster_json(State(api): State<Arc<RosterApi>>) -> impl IntoResponse {
    let roster = &api.roster;
    let units: Vec<_> = roster.units().collect();
    let precincts: Vec<Value> = roster
        .units_of(quickclear_schemas::TaskKind::Precinct)
        .map(|u| json!({ "id": u.id, "name": u.name, "base": u.base }))
        .collect();
    axum::Json(json!({
        "precincts": precincts,
        "units": units,
        "doorplates": roster.doorplates().collect::<Vec<_>>(),
        "alarms": roster.alarms().collect::<Vec<_>>(),
        "settings": {
            "ack_window_secs": api.settings.ack_window.num_seconds(),
            "clearance_target": api.settings.clearance_target,
            // Null without a tile server: the maps draw the precinct outlines alone.
            "tiles": api.settings.tiles.as_ref().map(|tiles| json!({
                "url": tiles.url,
                "attribution": tiles.attribution,
            })),
            // The demo runs on a fast simulated clock: pages age tasks by it, not by the wall clock.
            "clock": { "now": api.clock.now(), "speed": api.clock.speed() },
        },
    }))
}

async fn precincts(State(api): State<Arc<RosterApi>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/geo+json")],
        api.precincts_geojson.clone(),
    )
}

fn precincts_geojson(roster: &Roster) -> Value {
    let features: Vec<Value> = roster
        .units_of(quickclear_schemas::TaskKind::Precinct)
        .filter_map(|unit| {
            let area = roster.precincts().territory(&unit.id)?;
            Some(json!({
                "type": "Feature",
                "id": unit.id,
                "properties": { "id": unit.id, "name": unit.name },
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": coordinates(&area.simplify(OUTLINE_TOLERANCE_DEG)),
                },
            }))
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

fn coordinates(area: &MultiPolygon<f64>) -> Vec<Vec<Vec<[f64; 2]>>> {
    area.iter()
        .map(|polygon| {
            std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .map(|ring| ring.coords().map(|c| [c.x, c.y]).collect())
                .collect()
        })
        .collect()
}

//! The hotspots service: where thefts concentrate beyond chance, where one theft predicts the next,
//! and which of those places no camera sees and no patrol visits, served live from the case log.
//!
//! Layout:
//! - [`analyses`]: [`Analyses`], the cap on analyses computing at once (cores but one), each on a
//!   blocking thread; beyond it, after a short wait, `503 busy`.
//! - [`service`]: [`Hotspots`], its state, and the projection following the case log from its
//!   start: every `ReportReceived` becomes one theft in the table, and may issue an advisory.
//! - [`incidents`]: the thefts with the cells intake indexed them at (resolutions 6–10), counted
//!   per cell as they arrive; selections by time window, offence and precinct.
//! - [`cells`]: the analysis resolutions and the checked `analysis_cells` of a report.
//! - [`positions`], [`dwell`], [`ping_store`]: terminals' position pings, checked, stored in the
//!   service's own SQLite file (`hotspots.sqlite`, never in the case streams) and folded one by one
//!   into dwell minutes per cell and hour.
//! - [`cameras`]: the camera registry and the cells the cameras see, computed once at start.
//! - [`advisory_rule`], [`advisories`]: when a new theft calls for a near-repeat advisory, and the
//!   advisories kept and broadcast to precinct terminals.
//! - [`params`], [`near_repeat`], [`geojson`]: query parameters checked one by one, thefts as
//!   Knox-test events in metres and days, cells as GeoJSON polygons.
//! - [`trends`]: emerging hot spots over weeks (Gi* per week, Mann–Kendall), for the route and the
//!   review.
//! - [`analytics_routes`], [`emerging_routes`], [`coverage_routes`], [`answers`], [`unit_routes`]:
//!   the HTTP routes, and how the analytics answers are shaped.
//! - [`review`]: the weekly patrol-gap review, a self-contained HTML page.
//!
//! Routes:
//! - `GET /api/v1/analytics/hotspots`, `/blind-spots`, `/patrol-gaps`, `/concentration`,
//!   `/near-repeat`, `/emerging-hotspots`, `/coverage` (JSON; the cell answers also
//!   `format=geojson`).
//! - `GET /api/v1/analytics/reviews/patrol-gaps?week=2016-W23&precinct=D001` (HTML).
//! - `POST /api/v1/units/{unit}/positions`, `GET /api/v1/units/{unit}/advisories` (SSE).

mod advisories;
mod advisory_rule;
mod analyses;
mod analytics_routes;
mod answers;
mod cameras;
mod cells;
mod coverage_routes;
mod dwell;
mod emerging_routes;
mod geojson;
mod incidents;
mod metrics;
mod near_repeat;
mod params;
mod ping_store;
mod positions;
mod review;
mod service;
mod trends;
mod unit_routes;

pub use analyses::Analyses;
pub use service::{Hotspots, HotspotsConfig, PINGS_FILE};

/// Every analytics route is under this path: they compute under [`Analyses`]' cap.
pub const ANALYTICS_ROUTES: &str = "/api/v1/analytics/";

use axum::Router;
use axum::middleware::from_extractor;
use quickclear_access::{Allowed, Oversight};
use std::sync::Arc;

/// Every route of the service. Figures and reviews are for dispatchers, analysts and admins; the
/// unit routes check their unit themselves.
pub fn routes(hotspots: Arc<Hotspots>) -> Router {
    analytics_routes::routes()
        .merge(emerging_routes::routes())
        .merge(coverage_routes::routes())
        .merge(review::routes())
        .route_layer(from_extractor::<Allowed<Oversight>>())
        .merge(unit_routes::routes())
        .with_state(hotspots)
}

//! Quickclear analytics: pure, synchronous crime analytics on H3 cells (no I/O, no async).
//!
//! | Module | What it answers |
//! |---|---|
//! | [`aggregate`] | Index incidents once to cells (resolutions 6–10); counts, hour / weekday profiles and time-binned counts per cell, filtered by time window and offence. |
//! | [`gistar`] | Getis-Ord Gi* hot spots: a generic core over any weights, and k-ring weights on H3 cells over an occupied or zero-filled study area. |
//! | [`fdr`] | Benjamini–Hochberg FDR correction and the ArcGIS-style hot/cold confidence classes. |
//! | [`emerging`] | Gi* per time bin and a Mann–Kendall trend per cell: new, intensifying, persistent, diminishing, sporadic. |
//! | [`near_repeat`] | Knox test for near-repeat victimisation (Near Repeat Calculator compatible), Monte Carlo null. |
//! | [`concentration`] | Share of cells holding half of the incidents; Gini coefficient over cells. |
//! | [`coverage`] | Camera footprints to H3 cells; blind spots = hot cells no camera covers; boundary to cells. |
//! | [`patrol`] | Patrol dwell minutes per cell and hour from position pings; patrol gaps at the hot cells' theft hours. |
//! | [`stats`] | erfc, normal CDF, two-sided p-values. |
//!
//! Errors are reported as [`AnalyticsError`]; no function panics on bad input.

pub mod aggregate;
mod cells;
pub mod concentration;
pub mod coverage;
pub mod emerging;
mod error;
pub mod fdr;
pub mod gistar;
pub mod near_repeat;
pub mod patrol;
mod rng;
pub mod stats;

pub use aggregate::{IncidentFilter, IncidentIndex, TemporalProfile, TimeBins};
pub use concentration::{CellsHolding, cells_holding, gini};
pub use coverage::{
    Camera, FieldOfView, blind_spots, camera_footprint, cells_in_boundary, covered_cells,
};
pub use emerging::{
    CellTrend, EmergingConfig, EmergingPattern, MannKendall, emerging_hot_spots, mann_kendall,
};
pub use error::AnalyticsError;
pub use fdr::{HotSpotClass, benjamini_hochberg_threshold, classify_with_fdr};
pub use gistar::{CellHotSpot, HotSpotConfig, StudyArea, WeightRow, gi_star_z_scores, hot_spots};
pub use near_repeat::{
    DistanceArithmetic, DistanceMetric, KnoxConfig, KnoxResult, SAME_LOCATION_EDGE, SpaceTimeEvent,
    knox_test,
};
pub use patrol::{
    DwellConfig, HourlyMinutes, PatrolGap, PatrolGapConfig, Ping, dwell_by_cell_hour, patrol_gaps,
};

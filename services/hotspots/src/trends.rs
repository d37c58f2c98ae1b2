//! Emerging hot spots over weeks, shared by `/api/v1/analytics/emerging-hotspots` and the weekly
//! review: Gi* in every week over the cells with thefts in any of them, a Mann–Kendall test of each
//! cell's weekly z-scores, and the pattern they make (`quickclear_analytics::emerging_hot_spots`).

use crate::answers::analysis_problem;
use h3o::CellIndex;
use quickclear_analytics::{
    AnalyticsError, CellTrend, EmergingConfig, HotSpotConfig, StudyArea, emerging_hot_spots,
};
use quickclear_platform::Problem;
use std::collections::BTreeMap;

/// The analytics crate's defaults, with Gi* neighbours within `ring_size` rings.
pub fn config(ring_size: u32) -> EmergingConfig {
    EmergingConfig {
        hot_spots: HotSpotConfig {
            ring_size,
            study_area: StudyArea::Occupied,
        },
        ..EmergingConfig::default()
    }
}

/// Each cell's trend over `weekly` (thefts per cell, oldest week first), sorted by cell; none when
/// there are fewer than two weeks or fewer than two cells with thefts.
pub fn cell_trends(
    weekly: &[BTreeMap<CellIndex, u64>],
    ring_size: u32,
) -> Result<Vec<CellTrend>, Problem> {
    match emerging_hot_spots(weekly, &config(ring_size)) {
        Ok(trends) => Ok(trends),
        Err(AnalyticsError::NotEnoughData(_)) => Ok(Vec::new()),
        Err(error) => Err(analysis_problem(error)),
    }
}

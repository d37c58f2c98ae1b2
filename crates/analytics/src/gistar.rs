//! Getis-Ord Gi* local statistic: a generic core over any weights, and the H3 version whose
//! neighbours are k-rings restricted to a study area (the PySAL `esda.G_Local(star=True,
//! transform='B')` recipe).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use h3o::CellIndex;

use crate::AnalyticsError;
use crate::cells::common_resolution;
use crate::fdr::{HotSpotClass, classify_with_fdr};
use crate::stats::two_sided_p;

/// The non-zero weights of one observation i: `(j, w_ij)` pairs. For Gi* the row includes i itself.
pub type WeightRow = Vec<(usize, f64)>;

/// Gi* z-scores of `values` under `weights` (one row per value):
///
/// Gi*ᵢ = (Σⱼ wᵢⱼxⱼ − x̄ Σⱼ wᵢⱼ) / (S √((n Σⱼ wᵢⱼ² − (Σⱼ wᵢⱼ)²) / (n − 1))),
///
/// sums over j including i, S the population standard deviation, n the number of values.
/// Where the statistic is undefined (all values equal, or a row weighting every value equally) the
/// z-score is 0: no evidence of clustering.
pub fn gi_star_z_scores(values: &[f64], weights: &[WeightRow]) -> Result<Vec<f64>, AnalyticsError> {
    let n = values.len();
    if weights.len() != n {
        return Err(AnalyticsError::InvalidParameter(format!(
            "{} weight rows for {n} values",
            weights.len()
        )));
    }
    if n < 2 {
        return Err(AnalyticsError::NotEnoughData(format!(
            "Gi* needs at least 2 observations, got {n}"
        )));
    }
    if values.iter().any(|x| !x.is_finite()) {
        return Err(AnalyticsError::InvalidParameter(
            "values must be finite".into(),
        ));
    }
    let count = n as f64;
    let mean = values.iter().sum::<f64>() / count;
    let std_dev = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / count).sqrt();
    weights
        .iter()
        .map(|row| {
            let (mut lag, mut weight_sum, mut weight_sq_sum) = (0.0, 0.0, 0.0);
            for &(j, w) in row {
                let Some(x) = values.get(j) else {
                    return Err(AnalyticsError::InvalidParameter(format!(
                        "neighbour index {j} out of range"
                    )));
                };
                if !w.is_finite() {
                    return Err(AnalyticsError::InvalidParameter(
                        "weights must be finite".into(),
                    ));
                }
                lag += w * x;
                weight_sum += w;
                weight_sq_sum += w * w;
            }
            let spread = std_dev
                * ((count * weight_sq_sum - weight_sum * weight_sum) / (count - 1.0)).sqrt();
            Ok(if spread > 0.0 {
                (lag - mean * weight_sum) / spread
            } else {
                0.0
            })
        })
        .collect()
}

/// Which cells take part in a hot spot analysis (n, the mean and S are computed over them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StudyArea {
    /// Only the cells with at least one incident (the PySAL reference recipe).
    #[default]
    Occupied,
    /// Exactly these cells, zero-filled where nothing happened (e.g. all cells inside a boundary).
    /// Counts in cells outside the set are ignored.
    Cells(BTreeSet<CellIndex>),
}

/// Parameters of [`hot_spots`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotSpotConfig {
    /// Neighbours of a cell are its `grid_disk(ring_size)` cells that lie in the study area.
    pub ring_size: u32,
    pub study_area: StudyArea,
}

impl Default for HotSpotConfig {
    fn default() -> Self {
        Self {
            ring_size: 1,
            study_area: StudyArea::Occupied,
        }
    }
}

/// Gi* result for one cell of the study area.
#[derive(Debug, Clone, PartialEq)]
pub struct CellHotSpot {
    pub cell: CellIndex,
    pub count: u64,
    pub z: f64,
    /// Two-sided p-value from the standard normal.
    pub p: f64,
    /// Number of study-area cells in the cell's k-ring, itself included (all weights are 1).
    pub neighbours_incl_self: usize,
    /// Class after Benjamini–Hochberg FDR correction over all cells of the analysis.
    pub class: HotSpotClass,
}

/// Getis-Ord Gi* hot spot analysis of incident counts per H3 cell (all cells of one resolution),
/// binary k-ring weights with self-weight 1. Output is sorted by cell.
pub fn hot_spots(
    counts: &BTreeMap<CellIndex, u64>,
    config: &HotSpotConfig,
) -> Result<Vec<CellHotSpot>, AnalyticsError> {
    let cells: Vec<CellIndex> = match &config.study_area {
        StudyArea::Occupied => counts
            .iter()
            .filter(|&(_, &n)| n > 0)
            .map(|(&cell, _)| cell)
            .collect(),
        StudyArea::Cells(cells) => cells.iter().copied().collect(),
    };
    common_resolution(cells.iter().copied().chain(counts.keys().copied()))?;
    let position: HashMap<CellIndex, usize> = cells
        .iter()
        .enumerate()
        .map(|(i, &cell)| (cell, i))
        .collect();
    let weights: Vec<WeightRow> = cells
        .iter()
        .map(|cell| {
            cell.grid_disk::<Vec<CellIndex>>(config.ring_size)
                .into_iter()
                .filter_map(|neighbour| position.get(&neighbour).map(|&j| (j, 1.0)))
                .collect()
        })
        .collect();
    let cell_counts: Vec<u64> = cells
        .iter()
        .map(|cell| counts.get(cell).copied().unwrap_or(0))
        .collect();
    let values: Vec<f64> = cell_counts.iter().map(|&n| n as f64).collect();
    let z_scores = gi_star_z_scores(&values, &weights)?;
    let p_values: Vec<f64> = z_scores.iter().map(|&z| two_sided_p(z)).collect();
    let classes = classify_with_fdr(&z_scores, &p_values);
    Ok(cells
        .into_iter()
        .enumerate()
        .map(|(i, cell)| CellHotSpot {
            cell,
            count: cell_counts[i],
            z: z_scores[i],
            p: p_values[i],
            neighbours_incl_self: weights[i].len(),
            class: classes[i],
        })
        .collect())
}

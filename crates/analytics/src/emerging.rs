//! Emerging hot spots: Gi* in every time bin over one study area, then a Mann–Kendall trend test on
//! each cell's z-score series, classified by simplified ArcGIS Emerging Hot Spot Analysis rules.
//!
//! Rules, checked in this order, with "hot" meaning a hot class (90 % or more) after the FDR
//! correction of that bin and the trend significant when the Mann–Kendall p < `trend_alpha`:
//! 1. never hot → [`EmergingPattern::NoPattern`];
//! 2. hot in the final bin only → [`EmergingPattern::New`];
//! 3. hot in the final bin and in at least `persistent_share` of all bins →
//!    [`EmergingPattern::Intensifying`] on a significant upward trend, [`EmergingPattern::Diminishing`]
//!    on a significant downward trend, else [`EmergingPattern::Persistent`];
//! 4. any other hot history → [`EmergingPattern::Sporadic`] (this folds ArcGIS's consecutive,
//!    sporadic, oscillating and historical patterns together; cold spots are not classified).

use std::collections::{BTreeMap, BTreeSet};

use h3o::CellIndex;

use crate::AnalyticsError;
use crate::gistar::{HotSpotConfig, StudyArea, hot_spots};
use crate::stats::two_sided_p;

/// Mann–Kendall trend test of a series in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// S = Σ_{i<j} sign(xⱼ − xᵢ).
    pub s: i64,
    /// Var(S) = [n(n−1)(2n+5) − Σₜ t(t−1)(2t+5)] / 18, t the sizes of groups of tied values.
    pub variance: f64,
    /// Continuity-corrected: (S − sign(S)) / √Var(S), 0 when S = 0 or Var(S) = 0.
    pub z: f64,
    /// Two-sided normal p-value of z.
    pub p: f64,
}

/// Runs the Mann–Kendall test; values tie only when exactly equal.
pub fn mann_kendall(series: &[f64]) -> Result<MannKendall, AnalyticsError> {
    let n = series.len();
    if n < 2 {
        return Err(AnalyticsError::NotEnoughData(format!(
            "Mann–Kendall needs 2 values, got {n}"
        )));
    }
    if series.iter().any(|x| !x.is_finite()) {
        return Err(AnalyticsError::InvalidParameter(
            "Mann–Kendall values must be finite".into(),
        ));
    }
    let s: i64 = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| match series[j].total_cmp(&series[i]) {
            std::cmp::Ordering::Greater => 1,
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
        })
        .sum();
    let mut sorted = series.to_vec();
    sorted.sort_by(f64::total_cmp);
    let spread = |t: f64| t * (t - 1.0) * (2.0 * t + 5.0);
    let tie_correction: f64 = sorted
        .chunk_by(|a, b| a == b)
        .map(|group| spread(group.len() as f64))
        .sum();
    let variance = (spread(n as f64) - tie_correction) / 18.0;
    let z = if s == 0 || variance <= 0.0 {
        0.0
    } else {
        (s - s.signum()) as f64 / variance.sqrt()
    };
    Ok(MannKendall {
        s,
        variance,
        z,
        p: two_sided_p(z),
    })
}

/// Emerging hot spot category of one cell (see the module rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmergingPattern {
    New,
    Intensifying,
    Persistent,
    Diminishing,
    Sporadic,
    NoPattern,
}

impl EmergingPattern {
    /// Stable snake-case label: `new`, `intensifying`, `persistent`, `diminishing`, `sporadic`,
    /// `no_pattern`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Intensifying => "intensifying",
            Self::Persistent => "persistent",
            Self::Diminishing => "diminishing",
            Self::Sporadic => "sporadic",
            Self::NoPattern => "no_pattern",
        }
    }
}

/// Parameters of [`emerging_hot_spots`].
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingConfig {
    /// Gi* settings for every bin. `StudyArea::Occupied` means the cells with an incident in any bin.
    pub hot_spots: HotSpotConfig,
    /// Share of bins a cell must be hot in to be persistent, intensifying or diminishing.
    pub persistent_share: f64,
    /// Significance level of the Mann–Kendall trend.
    pub trend_alpha: f64,
}

impl Default for EmergingConfig {
    fn default() -> Self {
        Self {
            hot_spots: HotSpotConfig::default(),
            persistent_share: 0.9,
            trend_alpha: 0.05,
        }
    }
}

/// The space-time history of one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellTrend {
    pub cell: CellIndex,
    /// Gi* z-score in each bin.
    pub z_series: Vec<f64>,
    /// Number of bins in which the cell is a hot spot.
    pub hot_bins: usize,
    pub trend: MannKendall,
    pub pattern: EmergingPattern,
}

/// Classifies every study-area cell from its counts per time bin (`bins` in time order, e.g. weeks
/// from [`crate::IncidentIndex::binned_counts`]). Output is sorted by cell.
pub fn emerging_hot_spots(
    bins: &[BTreeMap<CellIndex, u64>],
    config: &EmergingConfig,
) -> Result<Vec<CellTrend>, AnalyticsError> {
    if bins.len() < 2 {
        return Err(AnalyticsError::NotEnoughData(
            "emerging hot spots need at least 2 time bins".into(),
        ));
    }
    if !(0.0..=1.0).contains(&config.persistent_share) || !(0.0..1.0).contains(&config.trend_alpha)
    {
        return Err(AnalyticsError::InvalidParameter(
            "persistent_share must be in [0, 1] and trend_alpha in [0, 1)".into(),
        ));
    }
    let area: BTreeSet<CellIndex> = match &config.hot_spots.study_area {
        StudyArea::Occupied => bins
            .iter()
            .flat_map(|bin| bin.iter().filter(|&(_, &n)| n > 0).map(|(&cell, _)| cell))
            .collect(),
        StudyArea::Cells(cells) => cells.clone(),
    };
    let per_bin = HotSpotConfig {
        ring_size: config.hot_spots.ring_size,
        study_area: StudyArea::Cells(area),
    };
    // Each bin's output is sorted by cell over the same area, so row i is the same cell in every bin.
    let bin_results = bins
        .iter()
        .map(|bin| hot_spots(bin, &per_bin))
        .collect::<Result<Vec<_>, _>>()?;
    let first_bin = &bin_results[0];
    (0..first_bin.len())
        .map(|row| {
            let z_series: Vec<f64> = bin_results.iter().map(|result| result[row].z).collect();
            let hot: Vec<bool> = bin_results
                .iter()
                .map(|result| result[row].class.is_hot())
                .collect();
            let trend = mann_kendall(&z_series)?;
            let pattern = classify(&hot, &trend, config);
            Ok(CellTrend {
                cell: first_bin[row].cell,
                hot_bins: hot.iter().filter(|&&h| h).count(),
                z_series,
                trend,
                pattern,
            })
        })
        .collect()
}

fn classify(hot: &[bool], trend: &MannKendall, config: &EmergingConfig) -> EmergingPattern {
    let hot_bins = hot.iter().filter(|&&h| h).count();
    let final_hot = hot.last().copied().unwrap_or(false);
    let significant = trend.p < config.trend_alpha;
    if hot_bins == 0 {
        EmergingPattern::NoPattern
    } else if final_hot && hot_bins == 1 {
        EmergingPattern::New
    } else if final_hot && hot_bins as f64 >= config.persistent_share * hot.len() as f64 {
        match (significant, trend.s > 0) {
            (true, true) => EmergingPattern::Intensifying,
            (true, false) => EmergingPattern::Diminishing,
            (false, _) => EmergingPattern::Persistent,
        }
    } else {
        EmergingPattern::Sporadic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-9, "{actual} vs {expected}");
    }

    /// 1..=5: S = 10 (all 10 pairs increase), Var = 5·4·15/18 = 16.667, z = 9/√16.667 = 2.20454.
    #[test]
    fn mann_kendall_on_a_monotone_series() {
        let result = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).expect("valid series");
        assert_eq!(result.s, 10);
        assert_close(result.variance, 5.0 * 4.0 * 15.0 / 18.0);
        assert_close(result.z, 9.0 / (250.0f64 / 15.0).sqrt());
        assert!((result.p - 0.027_486).abs() < 1e-5, "{}", result.p);
    }

    /// [3, 1, 1, 2]: pairs (3,1)−,(3,1)−,(3,2)−,(1,1)0,(1,2)+,(1,2)+ → S = −1; one tie group of 2:
    /// Var = (4·3·13 − 2·1·9)/18 = 138/18; z = (−1 + 1)/… = 0.
    #[test]
    fn mann_kendall_corrects_the_variance_for_ties() {
        let result = mann_kendall(&[3.0, 1.0, 1.0, 2.0]).expect("valid series");
        assert_eq!(result.s, -1);
        assert_close(result.variance, 138.0 / 18.0);
        assert_eq!(result.z, 0.0);
        assert_eq!(result.p, 1.0);
        let flat = mann_kendall(&[2.0, 2.0, 2.0]).expect("valid series");
        assert_eq!((flat.s, flat.variance, flat.z), (0, 0.0, 0.0));
    }

    #[test]
    fn mann_kendall_rejects_short_or_non_finite_series() {
        assert!(matches!(
            mann_kendall(&[1.0]),
            Err(AnalyticsError::NotEnoughData(_))
        ));
        assert!(matches!(
            mann_kendall(&[1.0, f64::NAN]),
            Err(AnalyticsError::InvalidParameter(_))
        ));
    }

    fn trend(s: i64, p: f64) -> MannKendall {
        MannKendall {
            s,
            variance: 1.0,
            z: 0.0,
            p,
        }
    }

    #[test]
    fn classification_rules() {
        let config = EmergingConfig::default();
        let all_hot = [true; 10];
        let mut late_only = [false; 10];
        late_only[9] = true;
        let mut gappy = [true; 10];
        gappy[3] = false;
        gappy[5] = false;
        use EmergingPattern::*;
        assert_eq!(classify(&[false; 10], &trend(0, 1.0), &config), NoPattern);
        assert_eq!(classify(&late_only, &trend(9, 0.01), &config), New);
        assert_eq!(classify(&all_hot, &trend(20, 0.01), &config), Intensifying);
        assert_eq!(classify(&all_hot, &trend(-20, 0.01), &config), Diminishing);
        assert_eq!(classify(&all_hot, &trend(20, 0.2), &config), Persistent);
        assert_eq!(classify(&gappy, &trend(0, 1.0), &config), Sporadic);
        let mut historical = all_hot;
        historical[9] = false;
        assert_eq!(classify(&historical, &trend(-20, 0.01), &config), Sporadic);
    }
}

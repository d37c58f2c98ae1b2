//! Benjamini–Hochberg false discovery rate control and hot/cold spot classes, as ArcGIS Hot Spot
//! Analysis (Getis-Ord Gi*) reports them with its FDR correction.

/// Confidence class of one cell, from the sign of its z-score and the strictest FDR-corrected
/// confidence level (99, 95 or 90 %) its p-value passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HotSpotClass {
    Hot99,
    Hot95,
    Hot90,
    NotSignificant,
    Cold90,
    Cold95,
    Cold99,
}

impl HotSpotClass {
    /// Stable snake-case label: `hot_99`, `hot_95`, `hot_90`, `not_significant`, `cold_90`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hot99 => "hot_99",
            Self::Hot95 => "hot_95",
            Self::Hot90 => "hot_90",
            Self::NotSignificant => "not_significant",
            Self::Cold90 => "cold_90",
            Self::Cold95 => "cold_95",
            Self::Cold99 => "cold_99",
        }
    }

    /// A statistically significant hot spot at any of the three levels.
    pub fn is_hot(self) -> bool {
        matches!(self, Self::Hot99 | Self::Hot95 | Self::Hot90)
    }
}

/// Benjamini–Hochberg critical p-value at false discovery rate `alpha`: the largest sorted p-value
/// p₍ₖ₎ with p₍ₖ₎ ≤ k·alpha/m. Every test with p ≤ that value is a discovery; `None` means none is.
pub fn benjamini_hochberg_threshold(p_values: &[f64], alpha: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = p_values.iter().copied().filter(|p| !p.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let m = p_values.len() as f64;
    sorted
        .iter()
        .enumerate()
        .filter(|&(rank0, &p)| p <= (rank0 + 1) as f64 * alpha / m)
        .map(|(_, &p)| p)
        .next_back()
}

/// Classifies each (z, p) pair after applying the BH correction separately at the 99, 95 and 90 %
/// levels, over all the cells of one analysis.
pub fn classify_with_fdr(z_scores: &[f64], p_values: &[f64]) -> Vec<HotSpotClass> {
    // With no discovery at a level, a negative threshold lets no p-value (always ≥ 0) pass.
    let threshold = |alpha| benjamini_hochberg_threshold(p_values, alpha).unwrap_or(-1.0);
    let (t99, t95, t90) = (threshold(0.01), threshold(0.05), threshold(0.10));
    z_scores
        .iter()
        .zip(p_values)
        .map(|(&z, &p)| {
            let level = if p <= t99 {
                99
            } else if p <= t95 {
                95
            } else if p <= t90 {
                90
            } else {
                0
            };
            match (level, z > 0.0) {
                (99, true) => HotSpotClass::Hot99,
                (95, true) => HotSpotClass::Hot95,
                (90, true) => HotSpotClass::Hot90,
                (99, false) => HotSpotClass::Cold99,
                (95, false) => HotSpotClass::Cold95,
                (90, false) => HotSpotClass::Cold90,
                _ => HotSpotClass::NotSignificant,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Benjamini & Hochberg (1995), section 4: 15 p-values, q = 0.05;
    /// the procedure rejects the 4 smallest (threshold p₍₄₎ = 0.0095).
    #[test]
    fn bh_matches_the_original_paper_example() {
        let p = [
            0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 0.0001,
            0.0004, 0.0019, 0.0095, 1.0,
        ];
        assert_eq!(benjamini_hochberg_threshold(&p, 0.05), Some(0.0095));
    }

    #[test]
    fn bh_step_up_keeps_a_larger_p_that_passes_even_if_a_smaller_one_fails() {
        // k·α/m for α = 0.1, m = 4: 0.025, 0.05, 0.075, 0.1. p₍₁₎ = 0.03 fails, p₍₂₎ = 0.04 passes.
        assert_eq!(
            benjamini_hochberg_threshold(&[0.03, 0.04, 0.5, 0.9], 0.1),
            Some(0.04)
        );
        assert_eq!(benjamini_hochberg_threshold(&[0.5, 0.9], 0.1), None);
    }

    #[test]
    fn classes_follow_sign_and_corrected_level() {
        // m = 5; thresholds: 99 % → 0.001, 95 % → 0.01, 90 % → 0.06 (rank 4: 0.06 ≤ 4·0.1/5 = 0.08).
        let z = [4.0, -3.0, 2.0, -2.0, 0.1];
        let p = [0.001, 0.01, 0.04, 0.06, 0.9];
        let classes = classify_with_fdr(&z, &p);
        use HotSpotClass::*;
        assert_eq!(classes, [Hot99, Cold95, Hot90, Cold90, NotSignificant]);
        assert_eq!(Hot95.as_str(), "hot_95");
        assert!(Hot90.is_hot() && !Cold99.is_hot() && !NotSignificant.is_hot());
    }
}

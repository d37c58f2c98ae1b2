//! Crime concentration over cells: how few cells hold a given share of incidents, and the Gini
//! coefficient of the counts. Pass the occupied cells' counts, or the study area's with zeros.

use crate::AnalyticsError;

/// The smallest set of cells holding at least a share of all incidents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellsHolding {
    /// Number of cells, busiest first, needed to reach the share.
    pub cells_needed: usize,
    pub cells_total: usize,
    /// `cells_needed / cells_total`.
    pub share_of_cells: f64,
}

/// How many cells, taken busiest first, hold at least `incident_share` (in (0, 1]) of the incidents;
/// e.g. 0.5 for "the cells that hold half of the thefts".
pub fn cells_holding(counts: &[u64], incident_share: f64) -> Result<CellsHolding, AnalyticsError> {
    if !(incident_share > 0.0 && incident_share <= 1.0) {
        return Err(AnalyticsError::InvalidParameter(format!(
            "incident share {incident_share} is not in (0, 1]"
        )));
    }
    let total = total_incidents(counts)?;
    let mut busiest_first = counts.to_vec();
    busiest_first.sort_unstable_by(|a, b| b.cmp(a));
    let target = incident_share * total as f64;
    let mut running = 0u64;
    let cells_needed = busiest_first
        .iter()
        .position(|&count| {
            running += count;
            running as f64 >= target
        })
        .map_or(counts.len(), |last| last + 1);
    Ok(CellsHolding {
        cells_needed,
        cells_total: counts.len(),
        share_of_cells: cells_needed as f64 / counts.len() as f64,
    })
}

/// Gini coefficient of the counts: 0 when every cell has the same count, approaching 1 when one
/// cell has them all. Computed as Σᵢ (2i − n − 1) x₍ᵢ₎ / (n Σ x) over ascending counts, i from 1.
pub fn gini(counts: &[u64]) -> Result<f64, AnalyticsError> {
    let total = total_incidents(counts)?;
    let mut ascending = counts.to_vec();
    ascending.sort_unstable();
    let n = counts.len() as f64;
    let weighted: f64 = ascending
        .iter()
        .enumerate()
        .map(|(i, &count)| (2.0 * (i + 1) as f64 - n - 1.0) * count as f64)
        .sum();
    Ok(weighted / (n * total as f64))
}

fn total_incidents(counts: &[u64]) -> Result<u64, AnalyticsError> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return Err(AnalyticsError::NotEnoughData(
            "concentration needs at least one incident".into(),
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} vs {expected}");
    }

    /// Gini from its definition, mean absolute difference over twice the mean:
    /// Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄).
    fn gini_by_definition(counts: &[u64]) -> f64 {
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<u64>() as f64 / n;
        let abs_diffs: f64 = counts
            .iter()
            .flat_map(|&a| counts.iter().map(move |&b| (a as f64 - b as f64).abs()))
            .sum();
        abs_diffs / (2.0 * n * n * mean)
    }

    #[test]
    fn gini_on_hand_computed_cases() {
        // Equal counts: no inequality.
        assert_close(gini(&[5, 5, 5, 5]).expect("incidents"), 0.0);
        // All in one of four cells: pairs differ by 4 in 6 of 16 ordered pairs: 24 / (2·16·1) = 0.75.
        assert_close(gini(&[0, 4, 0, 0]).expect("incidents"), 0.75);
        // [1, 2, 3]: ordered |differences| sum to 8; 8 / (2·9·2) = 2/9.
        assert_close(gini(&[3, 1, 2]).expect("incidents"), 2.0 / 9.0);
        let mixed = [0, 0, 1, 7, 2, 2, 30, 0, 5];
        assert_close(gini(&mixed).expect("incidents"), gini_by_definition(&mixed));
    }

    #[test]
    fn cells_holding_half_on_hand_computed_cases() {
        // Total 20: the busiest cell (10) already holds half.
        let holding = cells_holding(&[1, 10, 2, 3, 4], 0.5).expect("incidents");
        assert_eq!((holding.cells_needed, holding.cells_total), (1, 5));
        assert_close(holding.share_of_cells, 0.2);
        // Total 10 over 4 cells; 4 + 3 = 7 ≥ 5 after two cells; zero cells count in the study area.
        let holding = cells_holding(&[4, 0, 3, 3, 0], 0.5).expect("incidents");
        assert_eq!((holding.cells_needed, holding.cells_total), (2, 5));
        // Uniform: exactly half the cells.
        assert_eq!(
            cells_holding(&[2; 10], 0.5)
                .expect("incidents")
                .cells_needed,
            5
        );
        assert_eq!(
            cells_holding(&[2; 10], 1.0)
                .expect("incidents")
                .cells_needed,
            10
        );
    }

    #[test]
    fn concentration_rejects_empty_input_and_bad_shares() {
        assert!(matches!(
            gini(&[0, 0]),
            Err(AnalyticsError::NotEnoughData(_))
        ));
        assert!(matches!(gini(&[]), Err(AnalyticsError::NotEnoughData(_))));
        assert!(matches!(
            cells_holding(&[1], 0.0),
            Err(AnalyticsError::InvalidParameter(_))
        ));
        assert!(matches!(
            cells_holding(&[1], 1.5),
            Err(AnalyticsError::InvalidParameter(_))
        ));
    }
}

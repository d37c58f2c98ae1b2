//! When a new theft calls for a near-repeat advisory: a local test, cheap enough to run on every
//! report.
//!
//! Near-repeat studies (the Knox test) find the excess of theft pairs in the nearest bands: within a
//! few hundred metres and a week or two. For the theft just reported, count the other thefts
//! within [`RADIUS_M`] that occurred in the [`RECENT`] days up to it, and compare with what the same
//! place saw before: the thefts within the same radius in the [`BASELINE`] days before that, scaled
//! to [`RECENT`] days (at least [`RATE_FLOOR`], so a quiet place is not infinitely surprised). The
//! theft is an advisory when at least [`MIN_NEARBY`] thefts are nearby and so many are unlikely
//! under that local rate: Poisson P(X ≥ nearby) ≤ [`SIGNIFICANCE`]. A place where thefts are
//! merely common (a shopping street) raises its own baseline and stays quiet; a burst does not.
//!
//! Candidates come from the theft's resolution-9 cell and two rings around it (resolution-9 cells
//! are about 350 m across, so two rings reach past 200 m from any point of the centre cell), then
//! an exact distance check: a few dozen thefts per report.

use crate::cells::AnalysisResolution;
use crate::incidents::{Incident, IncidentTable};
use chrono::TimeDelta;

pub const RADIUS_M: f64 = 200.0;
pub const RECENT: TimeDelta = TimeDelta::days(7);
pub const BASELINE: TimeDelta = TimeDelta::days(84);
pub const MIN_NEARBY: u64 = 2;
/// Expected thefts nearby in [`RECENT`] days, at least.
pub const RATE_FLOOR: f64 = 0.1;
pub const SIGNIFICANCE: f64 = 0.01;
/// Rings of resolution-9 cells searched around the theft's cell.
const SEARCH_RINGS: u32 = 2;

/// The rule, in one line, as advisories state it.
pub const RULE: &str = "at least 2 other thefts within 200 m in the 7 days up to this one, and \
    P(that many | the place's rate over the 84 days before) <= 0.01 (Poisson, rate at least 0.1 a week)";

/// What the rule found around one theft.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    /// Other thefts within the radius in the recent days.
    pub nearby: u64,
    /// Thefts within the radius in the baseline days before.
    pub baseline: u64,
    /// Thefts expected nearby in the recent days at the baseline rate (floored).
    pub expected: f64,
    /// P(X ≥ nearby) for X ~ Poisson(expected).
    pub p: f64,
}

impl Assessment {
    pub fn calls_for_advisory(&self) -> bool {
        self.nearby >= MIN_NEARBY && self.p <= SIGNIFICANCE
    }
}

/// Assesses `theft` (already in `table`) against the thefts around it.
pub fn assess(table: &IncidentTable, theft: &Incident) -> Assessment {
    let recent_start = theft.occurred_at - RECENT;
    let baseline_start = recent_start - BASELINE;
    let (mut nearby, mut baseline) = (0, 0);
    for other in table.near(theft.cell(AnalysisResolution::NINE), SEARCH_RINGS) {
        if other.case_id == theft.case_id
            || other.occurred_at > theft.occurred_at
            || other.occurred_at < baseline_start
            || distance_m(theft, other) > RADIUS_M
        {
            continue;
        }
        if other.occurred_at >= recent_start {
            nearby += 1;
        } else {
            baseline += 1;
        }
    }
    let scale = RECENT.as_seconds_f64() / BASELINE.as_seconds_f64();
    let expected = (baseline as f64 * scale).max(RATE_FLOOR);
    Assessment {
        nearby,
        baseline,
        expected,
        p: poisson_at_least(nearby, expected),
    }
}

/// Equirectangular distance in metres: exact enough at a few hundred metres.
fn distance_m(a: &Incident, b: &Incident) -> f64 {
    const METRES_PER_DEGREE: f64 = 111_195.08;
    let dy = (b.lat - a.lat) * METRES_PER_DEGREE;
    let dx = (b.lng - a.lng) * METRES_PER_DEGREE * ((a.lat + b.lat) / 2.0).to_radians().cos();
    dx.hypot(dy)
}

/// P(X ≥ n) for X ~ Poisson(mean): 1 − Σ_{i<n} e^{−mean} meanⁱ / i!.
fn poisson_at_least(n: u64, mean: f64) -> f64 {
    let mut term = (-mean).exp();
    let mut below = 0.0;
    for i in 0..n {
        below += term;
        term *= mean / (i + 1) as f64;
    }
    (1.0 - below).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::tests::theft;
    use quickclear_schemas::report::Offence;

    const WACKER: (f64, f64) = (41.8789, -87.6359);

    fn add(table: &mut IncidentTable, (lat, lng): (f64, f64), at: &str) -> Incident {
        let incident = theft(lat, lng, at, Offence::Pickpocketing, "D001");
        table.add(incident.clone());
        incident
    }

    #[test]
    fn poisson_tail_matches_hand_computed_values() {
        assert_eq!(poisson_at_least(0, 3.0), 1.0);
        // P(X ≥ 2 | 0.1) = 1 − e^−0.1 (1 + 0.1).
        assert!((poisson_at_least(2, 0.1) - (1.0 - (-0.1f64).exp() * 1.1)).abs() < 1e-15);
        // P(X ≥ 8 | 2.5) = 0.004 246 695 (Python: 1 - sum(exp(-2.5) * 2.5**i / factorial(i)
        // for i in range(8))).
        assert!((poisson_at_least(8, 2.5) - 0.004_246_695).abs() < 1e-9);
    }

    #[test]
    fn a_burst_in_a_quiet_place_calls_for_an_advisory() {
        let mut table = IncidentTable::default();
        add(&mut table, WACKER, "2016-06-01 10:00");
        // About 110 m away, two days later.
        add(&mut table, (41.8799, -87.6359), "2016-06-03 18:00");
        let third = add(&mut table, WACKER, "2016-06-05 12:00");
        let assessment = assess(&table, &third);
        assert_eq!((assessment.nearby, assessment.baseline), (2, 0));
        assert_eq!(assessment.expected, RATE_FLOOR);
        assert!(assessment.calls_for_advisory(), "{assessment:?}");
    }

    #[test]
    fn far_old_and_later_thefts_do_not_count() {
        let mut table = IncidentTable::default();
        add(&mut table, (41.8830, -87.6359), "2016-06-04 10:00"); // 456 m north
        add(&mut table, WACKER, "2016-05-20 10:00"); // 16 days before: baseline
        add(&mut table, WACKER, "2016-06-06 10:00"); // after the theft assessed
        let theft = add(&mut table, WACKER, "2016-06-05 12:00");
        let assessment = assess(&table, &theft);
        assert_eq!((assessment.nearby, assessment.baseline), (0, 1));
        assert!(!assessment.calls_for_advisory());
    }

    #[test]
    fn a_place_where_thefts_are_common_stays_quiet() {
        let mut table = IncidentTable::default();
        // Three thefts a week for twelve weeks before, then the usual three this week.
        for week in 1..=12 {
            for day in [1, 3, 5] {
                let at = chrono::NaiveDate::from_ymd_opt(2016, 3, 1).expect("date")
                    + TimeDelta::days(7 * (week - 1) + day);
                add(&mut table, WACKER, &format!("{at} 10:00"));
            }
        }
        add(&mut table, WACKER, "2016-05-27 10:00");
        add(&mut table, WACKER, "2016-05-29 10:00");
        let theft = add(&mut table, WACKER, "2016-05-31 10:00");
        let assessment = assess(&table, &theft);
        assert_eq!(assessment.nearby, 2);
        assert!(assessment.expected > 2.0, "{assessment:?}");
        assert!(!assessment.calls_for_advisory());
    }
}

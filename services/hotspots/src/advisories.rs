//! Near-repeat advisories for precinct terminals: issued when [`crate::advisory_rule`] holds for a
//! new theft, kept in a bounded recent list for catch-up and broadcast to connected terminals.
//!
//! One advisory per place and period: while an advisory for a theft's cell is running (its days at
//! risk are not over), further thefts there add nothing, so a burst does not flood the terminals;
//! a theft after it ends can raise a new one.
//!
//! An advisory's id is the log position of the report that triggered it, so ids grow and stay the
//! same when the service rebuilds its figures from the log after a restart (a terminal resuming with
//! `?after=` or `Last-Event-ID` gets what it missed, not the same advisory twice).

use crate::advisory_rule::{Assessment, RECENT, RULE};
use crate::cells::AnalysisResolution;
use crate::incidents::Incident;
use chrono::{DateTime, NaiveDate, Utc};
use quickclear_eventstore::Position;
use quickclear_schemas::report::Offence;
use quickclear_schemas::{CaseId, UnitId};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// Advisories kept for terminals that reconnect.
const RECENT_KEPT: usize = 2048;

/// "Thefts may repeat here in the coming days": what a precinct terminal receives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Advisory {
    pub id: Position,
    pub precinct: UnitId,
    pub case_id: CaseId,
    pub offence: Offence,
    /// The resolution-9 cell of the theft.
    pub cell: String,
    /// The cells at risk: the theft's cell and the ring around it.
    pub cells: Vec<String>,
    /// The period of raised risk: from the theft (when it occurred) for [`RECENT`] days.
    pub at_risk_from: DateTime<Utc>,
    pub at_risk_until: DateTime<Utc>,
    /// The calendar days (UTC) the period touches.
    pub days: Vec<NaiveDate>,
    pub nearby_thefts: u64,
    pub expected: f64,
    pub p: f64,
    pub rule: &'static str,
}

impl Advisory {
    pub fn new(id: Position, theft: &Incident, assessment: &Assessment) -> Self {
        let cell = theft.cell(AnalysisResolution::NINE);
        let cells = cell
            .grid_disk::<Vec<_>>(1)
            .iter()
            .map(ToString::to_string)
            .collect();
        let at_risk_from = theft.occurred_at.and_utc();
        let at_risk_until = at_risk_from + RECENT;
        let days = at_risk_from
            .date_naive()
            .iter_days()
            .take_while(|day| {
                day.and_hms_opt(0, 0, 0)
                    .is_some_and(|d| d.and_utc() < at_risk_until)
            })
            .collect();
        Self {
            id,
            precinct: theft.precinct.clone(),
            case_id: theft.case_id,
            offence: theft.offence,
            cell: cell.to_string(),
            cells,
            at_risk_from,
            at_risk_until,
            days,
            nearby_thefts: assessment.nearby,
            expected: assessment.expected,
            p: assessment.p,
            rule: RULE,
        }
    }
}

/// The recent advisories and the live broadcast.
pub struct Advisories {
    kept: RwLock<Kept>,
    live: broadcast::Sender<Arc<Advisory>>,
}

#[derive(Default)]
struct Kept {
    recent: VecDeque<Arc<Advisory>>,
    /// Until when each cell's advisory runs.
    running: HashMap<String, DateTime<Utc>>,
}

impl Default for Advisories {
    fn default() -> Self {
        Self {
            kept: RwLock::default(),
            live: broadcast::channel(256).0,
        }
    }
}

impl Advisories {
    /// Keeps and broadcasts an advisory, and says whether it did: not when its cell's advisory is
    /// still running, nor when its id is not newer than the last one's.
    pub fn publish(&self, advisory: Advisory) -> bool {
        let advisory = Arc::new(advisory);
        {
            let mut kept = self.kept.write().expect("advisories lock");
            let Kept { recent, running } = &mut *kept;
            running.retain(|_, until| *until > advisory.at_risk_from);
            if running.contains_key(&advisory.cell)
                || recent.back().is_some_and(|last| last.id >= advisory.id)
            {
                return false;
            }
            running.insert(advisory.cell.clone(), advisory.at_risk_until);
            if recent.len() == RECENT_KEPT {
                recent.pop_front();
            }
            recent.push_back(advisory.clone());
        }
        // No terminal connected is fine: it catches up when it connects.
        let _ = self.live.send(advisory);
        true
    }

    /// The precinct's kept advisories with ids above `after`, oldest first.
    pub fn since(&self, precinct: &UnitId, after: Position) -> Vec<Arc<Advisory>> {
        let recent = &self.kept.read().expect("advisories lock").recent;
        let start = recent.partition_point(|a| a.id <= after);
        recent
            .range(start..)
            .filter(|a| &a.precinct == precinct)
            .cloned()
            .collect()
    }

    /// Subscribes to new advisories, then returns the precinct's kept ones after `after`: together
    /// they miss nothing (the reader drops live ones it already had).
    pub fn watch(
        &self,
        precinct: &UnitId,
        after: Position,
    ) -> (Vec<Arc<Advisory>>, broadcast::Receiver<Arc<Advisory>>) {
        let live = self.live.subscribe();
        (self.since(precinct, after), live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::tests::theft;

    /// An advisory for a theft at `at`: at Wacker Dr in D001, at Damen-Fullerton in D014.
    fn advisory(id: Position, precinct: &str, at: &str) -> Advisory {
        let (lat, lng) = match precinct {
            "D014" => (41.9250, -87.6779),
            _ => (41.8789, -87.6359),
        };
        let theft = theft(lat, lng, at, Offence::Pickpocketing, precinct);
        let assessment = Assessment {
            nearby: 2,
            baseline: 0,
            expected: 0.1,
            p: 0.0047,
        };
        Advisory::new(id, &theft, &assessment)
    }

    #[test]
    fn covers_the_ring_around_the_theft_for_a_week() {
        let a = advisory(7, "D001", "2016-06-05 12:00");
        assert_eq!(a.cells.len(), 7);
        assert!(a.cells.contains(&a.cell));
        assert_eq!(a.at_risk_until.to_rfc3339(), "2016-06-12T12:00:00+00:00");
        assert_eq!(
            a.days.first().map(ToString::to_string).as_deref(),
            Some("2016-06-05")
        );
        assert_eq!(
            a.days.last().map(ToString::to_string).as_deref(),
            Some("2016-06-12")
        );
        assert_eq!(a.days.len(), 8);
    }

    #[test]
    fn catch_up_is_per_precinct_and_after_an_id() {
        let hub = Advisories::default();
        assert!(hub.publish(advisory(3, "D001", "2016-06-05 12:00")));
        assert!(hub.publish(advisory(5, "D014", "2016-06-05 13:00")));
        // A week later, the same place can be advised again; an old id cannot.
        assert!(hub.publish(advisory(9, "D001", "2016-06-12 14:00")));
        assert!(!hub.publish(advisory(8, "D001", "2016-06-20 14:00")));
        let ids = |after| -> Vec<Position> {
            hub.since(&UnitId::new("D001"), after)
                .iter()
                .map(|a| a.id)
                .collect()
        };
        assert_eq!(ids(0), [3, 9]);
        assert_eq!(ids(3), [9]);
        assert_eq!(ids(9), Vec::<Position>::new());
    }

    #[test]
    fn a_running_advisory_is_not_repeated_for_its_cell() {
        let hub = Advisories::default();
        assert!(hub.publish(advisory(3, "D001", "2016-06-05 12:00")));
        assert!(!hub.publish(advisory(4, "D001", "2016-06-06 12:00")));
        assert!(!hub.publish(advisory(5, "D001", "2016-06-12 11:59")));
        assert!(hub.publish(advisory(6, "D001", "2016-06-12 12:00")));
        // Another place is another advisory.
        assert!(hub.publish(advisory(7, "D014", "2016-06-12 13:00")));
    }

    #[tokio::test]
    async fn watchers_receive_new_advisories() {
        let hub = Advisories::default();
        let (backlog, mut live) = hub.watch(&UnitId::new("D001"), 0);
        assert!(backlog.is_empty());
        hub.publish(advisory(4, "D001", "2016-06-05 12:00"));
        assert_eq!(live.recv().await.expect("live").id, 4);
    }
}

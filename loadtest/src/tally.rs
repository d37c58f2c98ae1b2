//! The accounting: which of this run's tasks reached a terminal, when, and how often.
//!
//! A feed item can arrive before the `201` that names its case (dispatch is fast, the answer to the
//! POST is not always first), so items for unknown cases are kept aside and claimed when the case is
//! accepted. Items for cases this run never filed (earlier runs, other clients) stay unclaimed.
//!
//! - delivered: distinct (case, task) pairs of accepted cases that reached some unit's feed;
//! - lost: expected (three per accepted case) minus delivered;
//! - duplicated: a second receipt of the same assignment, (case, task, unit, escalated from); a
//!   reassignment to another unit after a missed acknowledgement is a new assignment, not a duplicate.

use crate::stats::Summary;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The tasks every report fans out to.
pub const TASKS: [&str; 3] = ["precinct", "property", "scene"];

/// One `task_assigned` as it came off a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub task: String,
    pub unit: String,
    pub escalated_from: Option<String>,
    pub at: Instant,
}

#[derive(Debug)]
struct Filed {
    posted: Instant,
    precinct: String,
    tasks: BTreeMap<String, Task>,
    duplicated: u64,
    reassigned: u64,
    withdrawn: u64,
}

#[derive(Debug)]
struct Task {
    first: Instant,
    /// Every assignment received: (unit, escalated from).
    seen: Vec<(String, Option<String>)>,
}

/// What happened to a run's reports, in numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub accepted: u64,
    pub expected: u64,
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reassigned: u64,
    pub withdrawn: u64,
    /// Assignments of a task kind no report should have.
    pub unexpected: u64,
    /// Up to ten (case, missing task, the case's precinct), for the reader to chase.
    pub lost_examples: Vec<(Uuid, String, String)>,
}

/// The latencies, from each report's POST.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Latencies {
    /// To each task's first delivery.
    pub each: Summary,
    /// The same, per task kind.
    pub by_task: BTreeMap<String, Summary>,
    /// To the last of the three (cases whose three tasks all arrived).
    pub all_three: Summary,
}

#[derive(Debug, Default)]
pub struct Tally {
    filed: HashMap<Uuid, Filed>,
    unclaimed: HashMap<Uuid, Vec<Receipt>>,
    unclaimed_withdrawals: HashMap<Uuid, u64>,
    delivered: u64,
}

impl Tally {
    pub fn new() -> Self {
        Self::default()
    }

    /// A report was accepted as `case`; its POST started at `posted`. Returns the assignments that
    /// arrived before the answer (unit, task), so the caller can acknowledge them now.
    pub fn accepted(
        &mut self,
        case: Uuid,
        precinct: &str,
        posted: Instant,
    ) -> Vec<(String, String)> {
        if self.filed.contains_key(&case) {
            // The same case accepted twice (an idempotent retry): the first POST counts.
            return Vec::new();
        }
        let mut filed = Filed {
            posted,
            precinct: precinct.to_owned(),
            tasks: BTreeMap::new(),
            duplicated: 0,
            reassigned: 0,
            withdrawn: self.unclaimed_withdrawals.remove(&case).unwrap_or(0),
        };
        let early = self.unclaimed.remove(&case).unwrap_or_default();
        let mut claimed = Vec::with_capacity(early.len());
        for receipt in early {
            claimed.push((receipt.unit.clone(), receipt.task.clone()));
            self.delivered += record(&mut filed, receipt);
        }
        self.filed.insert(case, filed);
        claimed
    }

    /// A `task_assigned` arrived. True when its case is one of this run's (acknowledge it now).
    pub fn assigned(&mut self, case: Uuid, receipt: Receipt) -> bool {
        match self.filed.get_mut(&case) {
            Some(filed) => {
                self.delivered += record(filed, receipt);
                true
            }
            None => {
                self.unclaimed.entry(case).or_default().push(receipt);
                false
            }
        }
    }

    /// A `task_withdrawn` arrived.
    pub fn withdrawn(&mut self, case: Uuid) {
        match self.filed.get_mut(&case) {
            Some(filed) => filed.withdrawn += 1,
            None => *self.unclaimed_withdrawals.entry(case).or_default() += 1,
        }
    }

    /// Tasks of accepted cases not delivered yet.
    pub fn outstanding(&self) -> u64 {
        (self.filed.len() as u64 * TASKS.len() as u64).saturating_sub(self.delivered)
    }

    /// The accepted cases.
    pub fn cases(&self) -> Vec<Uuid> {
        self.filed.keys().copied().collect()
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            accepted: self.filed.len() as u64,
            expected: self.filed.len() as u64 * TASKS.len() as u64,
            delivered: self.delivered,
            ..Counts::default()
        };
        counts.lost = counts.expected - counts.delivered;
        for (case, filed) in &self.filed {
            counts.duplicated += filed.duplicated;
            counts.reassigned += filed.reassigned;
            counts.withdrawn += filed.withdrawn;
            counts.unexpected += filed
                .tasks
                .keys()
                .filter(|t| !TASKS.contains(&t.as_str()))
                .count() as u64;
            for task in TASKS {
                if !filed.tasks.contains_key(task) && counts.lost_examples.len() < 10 {
                    counts
                        .lost_examples
                        .push((*case, task.to_owned(), filed.precinct.clone()));
                }
            }
        }
        counts
    }

    pub fn latencies(&self) -> Latencies {
        let mut each = Vec::new();
        let mut by_task: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
        let mut all_three = Vec::new();
        for filed in self.filed.values() {
            let mut last = Duration::ZERO;
            let mut arrived = 0;
            for task in TASKS {
                if let Some(t) = filed.tasks.get(task) {
                    let latency = t.first.saturating_duration_since(filed.posted);
                    each.push(latency);
                    by_task.entry(task.to_owned()).or_default().push(latency);
                    last = last.max(latency);
                    arrived += 1;
                }
            }
            if arrived == TASKS.len() {
                all_three.push(last);
            }
        }
        Latencies {
            each: Summary::of(&each),
            by_task: by_task
                .into_iter()
                .map(|(task, samples)| (task, Summary::of(&samples)))
                .collect(),
            all_three: Summary::of(&all_three),
        }
    }
}

/// Records a receipt on its case; returns 1 when it delivered an expected task for the first time.
fn record(filed: &mut Filed, receipt: Receipt) -> u64 {
    let assignment = (receipt.unit, receipt.escalated_from);
    match filed.tasks.get_mut(&receipt.task) {
        None => {
            let expected = TASKS.contains(&receipt.task.as_str());
            filed.tasks.insert(
                receipt.task,
                Task {
                    first: receipt.at,
                    seen: vec![assignment],
                },
            );
            u64::from(expected)
        }
        Some(task) => {
            if task.seen.contains(&assignment) {
                filed.duplicated += 1;
            } else {
                filed.reassigned += 1;
                task.seen.push(assignment);
            }
            // Receipts can be handled out of order across feeds: keep the earliest instant.
            task.first = task.first.min(receipt.at);
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(task: &str, unit: &str, from: Option<&str>, at: Instant) -> Receipt {
        Receipt {
            task: task.into(),
            unit: unit.into(),
            escalated_from: from.map(Into::into),
            at,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn three_deliveries_nothing_lost() {
        let t0 = Instant::now();
        let case = Uuid::new_v4();
        let mut tally = Tally::new();
        assert!(tally.accepted(case, "D001", t0).is_empty());
        assert_eq!(tally.outstanding(), 3);
        assert!(tally.assigned(case, receipt("precinct", "D001", None, t0 + ms(2))));
        assert!(tally.assigned(case, receipt("property", "PROP-1", None, t0 + ms(3))));
        assert!(tally.assigned(case, receipt("scene", "SCENE-1", None, t0 + ms(5))));
        assert_eq!(tally.outstanding(), 0);
        let counts = tally.counts();
        assert_eq!(
            (
                counts.expected,
                counts.delivered,
                counts.lost,
                counts.duplicated
            ),
            (3, 3, 0, 0)
        );
        let latencies = tally.latencies();
        assert_eq!(latencies.each.count, 3);
        assert_eq!(latencies.each.p50, 3.0);
        assert_eq!(latencies.all_three.count, 1);
        assert_eq!(latencies.all_three.max, 5.0);
        assert_eq!(latencies.by_task["scene"].max, 5.0);
    }

    #[test]
    fn a_missing_task_is_lost_and_a_repeat_is_duplicated() {
        let t0 = Instant::now();
        let case = Uuid::new_v4();
        let mut tally = Tally::new();
        tally.accepted(case, "D007", t0);
        tally.assigned(case, receipt("precinct", "D007", None, t0 + ms(1)));
        tally.assigned(case, receipt("precinct", "D007", None, t0 + ms(9)));
        tally.assigned(case, receipt("scene", "SCENE-2", None, t0 + ms(2)));
        let counts = tally.counts();
        assert_eq!(counts.delivered, 2);
        assert_eq!(counts.lost, 1);
        assert_eq!(counts.duplicated, 1);
        assert_eq!(
            counts.lost_examples,
            vec![(case, "property".to_owned(), "D007".to_owned())]
        );
        // The lost case has no all-three latency; the duplicate does not move the first delivery.
        let latencies = tally.latencies();
        assert_eq!(latencies.all_three.count, 0);
        assert_eq!(latencies.by_task["precinct"].max, 1.0);
    }

    #[test]
    fn a_reassignment_is_delivered_once_and_not_a_duplicate() {
        let t0 = Instant::now();
        let case = Uuid::new_v4();
        let mut tally = Tally::new();
        tally.accepted(case, "D001", t0);
        tally.assigned(case, receipt("precinct", "D001", None, t0 + ms(1)));
        tally.assigned(case, receipt("property", "PROP-1", None, t0 + ms(1)));
        tally.assigned(case, receipt("scene", "SCENE-1", None, t0 + ms(1)));
        // Escalated after the acknowledgement window: a second unit, not a duplicate, not extra.
        tally.assigned(
            case,
            receipt("property", "PROP-2", Some("PROP-1"), t0 + ms(60_001)),
        );
        tally.withdrawn(case);
        let counts = tally.counts();
        assert_eq!((counts.delivered, counts.lost), (3, 0));
        assert_eq!((counts.duplicated, counts.reassigned), (0, 1));
        assert_eq!(counts.withdrawn, 1);
        assert_eq!(tally.latencies().each.max, 1.0);
    }

    #[test]
    fn items_before_the_answer_are_claimed_when_the_case_is_accepted() {
        let t0 = Instant::now();
        let ours = Uuid::new_v4();
        let theirs = Uuid::new_v4();
        let mut tally = Tally::new();
        assert!(!tally.assigned(ours, receipt("scene", "SCENE-1", None, t0 + ms(4))));
        assert!(!tally.assigned(theirs, receipt("scene", "SCENE-1", None, t0)));
        let claimed = tally.accepted(ours, "D001", t0);
        assert_eq!(claimed, vec![("SCENE-1".to_owned(), "scene".to_owned())]);
        let counts = tally.counts();
        // The other client's case is not counted at all.
        assert_eq!((counts.accepted, counts.expected), (1, 3));
        assert_eq!((counts.delivered, counts.lost), (1, 2));
        assert_eq!(tally.latencies().each.max, 4.0);
        assert_eq!(tally.cases(), vec![ours]);
    }

    #[test]
    fn an_unexpected_task_kind_delivers_nothing() {
        let t0 = Instant::now();
        let case = Uuid::new_v4();
        let mut tally = Tally::new();
        tally.accepted(case, "D001", t0);
        tally.assigned(case, receipt("canine", "K9-1", None, t0));
        let counts = tally.counts();
        assert_eq!(
            (counts.delivered, counts.lost, counts.unexpected),
            (0, 3, 1)
        );
        assert_eq!(tally.outstanding(), 3);
    }
}

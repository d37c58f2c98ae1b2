//! Clearance within 24 and 72 hours, from events.
//!
//! A case counts as cleared within N hours when its `CaseCleared` event was recorded no later than N
//! hours after its `ReportReceived` event. Administrative closure is not clearance. A case reported
//! less than N hours ago (by the service clock) may still make it, so it is left out of the
//! N-hour share until its window has passed: `share = cleared within N h / cases whose N h are over`.

use crate::summaries::Summary;
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    All,
    Precinct,
    /// ISO week of the report, `2016-W23`.
    Week,
}

#[derive(Debug, Default, Serialize)]
pub struct Clearance {
    pub group: String,
    pub reported: u64,
    pub cleared: u64,
    pub closed_administratively: u64,
    pub open: u64,
    pub window_over_24h: u64,
    pub cleared_within_24h: u64,
    pub share_within_24h: Option<f64>,
    pub window_over_72h: u64,
    pub cleared_within_72h: u64,
    pub share_within_72h: Option<f64>,
}

fn group_of(summary: &Summary, by: GroupBy) -> String {
    match by {
        GroupBy::All => "all".into(),
        GroupBy::Precinct => summary.precinct.to_string(),
        GroupBy::Week => {
            let week = summary.reported_at.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
    }
}

pub fn clearance(summaries: &[Summary], by: GroupBy, now: DateTime<Utc>) -> Vec<Clearance> {
    let mut groups: BTreeMap<String, Clearance> = BTreeMap::new();
    for s in summaries {
        let key = group_of(s, by);
        let g = groups.entry(key.clone()).or_insert_with(|| Clearance {
            group: key,
            ..Default::default()
        });
        g.reported += 1;
        match (s.cleared_at, s.closed_at) {
            (Some(_), _) => g.cleared += 1,
            (None, Some(_)) => g.closed_administratively += 1,
            (None, None) => g.open += 1,
        }
        let within = |hours: i64| {
            s.cleared_at
                .is_some_and(|at| at - s.reported_at <= Duration::hours(hours))
        };
        let over = |hours: i64| now - s.reported_at >= Duration::hours(hours);
        if over(24) {
            g.window_over_24h += 1;
            g.cleared_within_24h += u64::from(within(24));
        }
        if over(72) {
            g.window_over_72h += 1;
            g.cleared_within_72h += u64::from(within(72));
        }
    }
    let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
    groups
        .into_values()
        .map(|mut g| {
            g.share_within_24h = share(g.cleared_within_24h, g.window_over_24h);
            g.share_within_72h = share(g.cleared_within_72h, g.window_over_72h);
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use quickclear_schemas::report::{Channel, Offence};
    use quickclear_schemas::{CaseId, UnitId};

    fn case(
        reported_hours_ago: i64,
        cleared_after_hours: Option<i64>,
        now: DateTime<Utc>,
    ) -> Summary {
        let reported_at = now - Duration::hours(reported_hours_ago);
        Summary {
            case_id: CaseId::random(),
            status: if cleared_after_hours.is_some() {
                "cleared"
            } else {
                "open"
            },
            channel: Channel::Dispatcher,
            offence: Offence::Pickpocketing,
            precinct: UnitId::new("D001"),
            h3: String::new(),
            address: None,
            reported_at,
            dispatched_at: None,
            cleared_at: cleared_after_hours.map(|h| reported_at + Duration::hours(h)),
            closed_at: None,
            escalations: 0,
            reported_cents: 0,
            recovered_cents: 0,
            returned_cents: 0,
            tasks: Vec::new(),
        }
    }

    #[test]
    fn a_case_enters_the_share_only_once_its_window_is_over() {
        let now = Utc.with_ymd_and_hms(2016, 6, 10, 12, 0, 0).unwrap();
        let cases = [
            case(100, Some(2), now),  // cleared in 2 h: counts for 24 h and 72 h
            case(100, Some(30), now), // cleared in 30 h: only for 72 h
            case(100, None, now),     // never cleared
            case(5, Some(1), now),    // cleared, but its 24 hours are not over: not yet counted
            case(5, None, now),       // may still be cleared in time: not yet counted
        ];
        let all = &clearance(&cases, GroupBy::All, now)[0];
        assert_eq!((all.reported, all.cleared, all.open), (5, 3, 2));
        assert_eq!((all.window_over_24h, all.cleared_within_24h), (3, 1));
        assert_eq!((all.window_over_72h, all.cleared_within_72h), (3, 2));
        assert_eq!(all.share_within_24h, Some(1.0 / 3.0));
        assert_eq!(all.share_within_72h, Some(2.0 / 3.0));
    }

    #[test]
    fn a_case_closed_administratively_is_not_a_clearance() {
        let now = Utc.with_ymd_and_hms(2016, 6, 10, 12, 0, 0).unwrap();
        let mut closed = case(100, None, now);
        closed.status = "closed";
        closed.closed_at = Some(closed.reported_at + Duration::hours(1));
        let cases = [closed, case(100, Some(1), now)];
        let all = &clearance(&cases, GroupBy::All, now)[0];
        assert_eq!(
            (all.cleared, all.closed_administratively, all.open),
            (1, 1, 0)
        );
        assert_eq!((all.window_over_24h, all.cleared_within_24h), (2, 1));
        assert_eq!(all.share_within_24h, Some(0.5));
    }
}

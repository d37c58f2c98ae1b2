//! Who gets a task.
//!
//! - Precinct task: the precinct that owns the location (found at intake), or the precinct unit
//!   already on scene.
//! - Property and scene tasks: the team with the fewest open tasks; ties go to the team whose base is
//!   nearest the location, then to the lower id. Least-loaded first spreads work so no team's queue
//!   grows while another idles; distance breaks ties because travel time matters for scene work.
//! - Escalation: the next unit of the same kind that has not had the task yet: for precincts the
//!   nearest station, for squads again least-loaded then nearest.

use quickclear_case::Case;
use quickclear_roster::{LatLng, Roster, Unit};
use quickclear_schemas::event::Assignment;
use quickclear_schemas::{TaskKind, UnitId};
use std::collections::HashMap;

pub const RULE: &str = "precinct_by_territory; squads_least_loaded_then_nearest";

/// The three assignments for a case that has a report.
pub fn assignments(
    case: &Case,
    roster: &Roster,
    loads: &HashMap<UnitId, u32>,
) -> Option<Vec<Assignment>> {
    let report = case.report.as_ref()?;
    let at = LatLng {
        lat: report.location.lat,
        lng: report.location.lng,
    };
    TaskKind::ALL
        .into_iter()
        .map(|kind| {
            let unit = match (case.tasks.get(&kind), kind) {
                (Some(task), _) => Some(task.unit.clone()),
                (None, TaskKind::Precinct) => Some(report.precinct.clone()),
                (None, kind) => least_loaded(roster.units_of(kind), at, loads),
            }?;
            Some(Assignment { task: kind, unit })
        })
        .collect()
}

/// The unit to try after `tried` let a task wait, or `None` when every unit of the kind has had it.
pub fn next_unit(
    kind: TaskKind,
    at: LatLng,
    tried: &[UnitId],
    roster: &Roster,
    loads: &HashMap<UnitId, u32>,
) -> Option<UnitId> {
    let untried = roster.units_of(kind).filter(|u| !tried.contains(&u.id));
    match kind {
        TaskKind::Precinct => untried
            .min_by(|a, b| a.base.distance_m(at).total_cmp(&b.base.distance_m(at)))
            .map(|u| u.id.clone()),
        _ => least_loaded(untried, at, loads),
    }
}

fn least_loaded<'a>(
    units: impl Iterator<Item = &'a Unit>,
    at: LatLng,
    loads: &HashMap<UnitId, u32>,
) -> Option<UnitId> {
    units
        .min_by(|a, b| {
            let load = |u: &Unit| loads.get(&u.id).copied().unwrap_or(0);
            load(a)
                .cmp(&load(b))
                .then(a.base.distance_m(at).total_cmp(&b.base.distance_m(at)))
                .then(a.id.cmp(&b.id))
        })
        .map(|u| u.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::sample;
    use chrono::Utc;
    use quickclear_roster::PrecinctMap;
    use quickclear_schemas::CaseId;

    /// The sample report is at 111 N State St (41.88372, -87.62786), in D001.
    const NEAR: LatLng = LatLng {
        lat: 41.884,
        lng: -87.628,
    };
    const FAR: LatLng = LatLng {
        lat: 41.95,
        lng: -87.70,
    };

    fn roster() -> Roster {
        let unit = |id: &str, kind, base| Unit {
            id: UnitId::new(id),
            kind,
            name: id.into(),
            base,
        };
        let units = vec![
            unit("D001", TaskKind::Precinct, FAR),
            unit("D002", TaskKind::Precinct, NEAR),
            unit("PROP-1", TaskKind::Property, NEAR),
            unit("PROP-2", TaskKind::Property, FAR),
            unit("SCENE-1", TaskKind::Scene, FAR),
            unit("SCENE-2", TaskKind::Scene, NEAR),
        ];
        Roster::new(units, PrecinctMap::new(vec![]).unwrap(), vec![], vec![]).unwrap()
    }

    fn loads(of: &[(&str, u32)]) -> HashMap<UnitId, u32> {
        of.iter().map(|(id, n)| (UnitId::new(*id), *n)).collect()
    }

    fn unit_for(assigned: &[Assignment], task: TaskKind) -> &str {
        let found = assigned.iter().find(|a| a.task == task);
        found
            .map(|a| a.unit.as_str())
            .expect("every task is assigned")
    }

    #[test]
    fn the_reports_precinct_and_the_least_loaded_then_nearest_team_of_each_squad() {
        let case = Case::from_events(&[sample("ReportReceived", CaseId::random(), Utc::now())]);
        let busy_near_team = loads(&[("PROP-1", 2), ("PROP-2", 1)]);
        let assigned = assignments(&case, &roster(), &busy_near_team).unwrap();
        // The owning precinct, even with a nearer station elsewhere.
        assert_eq!(unit_for(&assigned, TaskKind::Precinct), "D001");
        // The less loaded team, though farther.
        assert_eq!(unit_for(&assigned, TaskKind::Property), "PROP-2");
        // Equal loads: the nearer team.
        assert_eq!(unit_for(&assigned, TaskKind::Scene), "SCENE-2");
    }

    #[test]
    fn an_escalation_goes_to_the_next_untried_unit_until_none_is_left() {
        let (roster, idle) = (roster(), loads(&[]));
        let at = NEAR;
        let tried = |ids: &[&str]| ids.iter().map(|id| UnitId::new(*id)).collect::<Vec<_>>();
        let next = |kind, ids: &[&str], loads: &HashMap<UnitId, u32>| {
            next_unit(kind, at, &tried(ids), &roster, loads).map(|u| u.to_string())
        };
        assert_eq!(
            next(TaskKind::Precinct, &["D002"], &idle).as_deref(),
            Some("D001")
        );
        assert_eq!(
            next(TaskKind::Precinct, &[], &idle).as_deref(),
            Some("D002"),
            "nearest"
        );
        // A station is chosen by distance alone, however busy.
        let nearest_busy = loads(&[("D002", 5)]);
        assert_eq!(
            next(TaskKind::Precinct, &[], &nearest_busy).as_deref(),
            Some("D002")
        );
        let near_busy = loads(&[("SCENE-2", 1)]);
        assert_eq!(
            next(TaskKind::Scene, &[], &near_busy).as_deref(),
            Some("SCENE-1")
        );
        assert_eq!(
            next(TaskKind::Property, &["PROP-1"], &idle).as_deref(),
            Some("PROP-2")
        );
        assert_eq!(next(TaskKind::Property, &["PROP-1", "PROP-2"], &idle), None);
    }
}

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

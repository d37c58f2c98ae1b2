//! The thefts the figures are computed from, one per case, folded from `ReportReceived` events.
//!
//! Each theft keeps the cells intake indexed it at (resolutions 6–10, never recomputed from its
//! coordinates), when it occurred (`occurred.from`: the start of the window it happened in), when
//! it was reported, its offence and its precinct. Adding one is O(1): a push, one counter per
//! resolution and one entry in the resolution-9 neighbourhood index. Times are read in UTC (the
//! demo replays Chicago local times as UTC, so its hours are Chicago hours).
//!
//! Figures for a [`Selection`] (time window, offence, precinct) scan the table once per request;
//! the unrestricted counts per cell are the counters themselves.

use crate::cells::{AnalysisCells, AnalysisResolution, InvalidCells, parse_analysis_cells};
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use h3o::CellIndex;
use quickclear_analytics::TemporalProfile;
use quickclear_roster::Roster;
use quickclear_schemas::report::{Offence, Report};
use quickclear_schemas::{CaseId, UnitId};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One theft.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub case_id: CaseId,
    pub cells: AnalysisCells,
    pub lat: f64,
    pub lng: f64,
    /// The address the report gave (a block address in the demo), for reviews to name places by.
    pub address: Option<String>,
    /// The start of the window the theft happened in, UTC.
    pub occurred_at: NaiveDateTime,
    pub reported_at: DateTime<Utc>,
    pub offence: Offence,
    pub precinct: UnitId,
}

impl Incident {
    pub fn from_report(
        case_id: CaseId,
        report: &Report,
        reported_at: DateTime<Utc>,
    ) -> Result<Self, InvalidCells> {
        Ok(Self {
            case_id,
            cells: parse_analysis_cells(&report.location.analysis_cells)?,
            lat: report.location.lat,
            lng: report.location.lng,
            address: report.location.address.clone(),
            occurred_at: report.occurred.from.naive_utc(),
            reported_at,
            offence: report.offence,
            precinct: report.precinct.clone(),
        })
    }

    pub fn cell(&self, resolution: AnalysisResolution) -> CellIndex {
        resolution.of(&self.cells)
    }
}

/// Which thefts a figure counts: occurred in `[from, to)`, of one offence, in one precinct; `None`
/// means no restriction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub offence: Option<Offence>,
    pub precinct: Option<UnitId>,
}

impl Selection {
    pub fn accepts(&self, incident: &Incident) -> bool {
        self.from.is_none_or(|from| incident.occurred_at >= from)
            && self.to.is_none_or(|to| incident.occurred_at < to)
            && self
                .offence
                .is_none_or(|offence| incident.offence == offence)
            && self
                .precinct
                .as_ref()
                .is_none_or(|precinct| &incident.precinct == precinct)
    }

    /// Whether a place (a camera, a cell's centre) lies in the selected precinct's territory; every
    /// place does when no precinct is selected.
    pub fn covers_place(&self, roster: &Roster, lat: f64, lng: f64) -> bool {
        self.precinct
            .as_ref()
            .is_none_or(|precinct| roster.precincts().owner_of(lat, lng) == Some(precinct))
    }

    /// Whether the centre of `cell` lies in the selected precinct's territory.
    pub fn covers_cell(&self, roster: &Roster, cell: CellIndex) -> bool {
        let centre = h3o::LatLng::from(cell);
        self.covers_place(roster, centre.lat(), centre.lng())
    }

    fn is_everything(&self) -> bool {
        *self == Self::default()
    }
}

/// Every theft folded in so far, with running counts per cell.
#[derive(Debug, Default)]
pub struct IncidentTable {
    incidents: Vec<Incident>,
    cases: HashSet<CaseId>,
    /// Thefts per cell, one map per analysis resolution.
    counts: [HashMap<CellIndex, u64>; 5],
    /// Positions in `incidents` by resolution-9 cell, for "what happened nearby".
    by_neighbourhood: HashMap<CellIndex, Vec<usize>>,
}

impl IncidentTable {
    /// Adds a theft; false (and nothing changes) when its case is already in.
    pub fn add(&mut self, incident: Incident) -> bool {
        if !self.cases.insert(incident.case_id) {
            return false;
        }
        for (counts, cell) in self.counts.iter_mut().zip(incident.cells) {
            *counts.entry(cell).or_default() += 1;
        }
        let position = self.incidents.len();
        self.by_neighbourhood
            .entry(incident.cell(AnalysisResolution::NINE))
            .or_default()
            .push(position);
        self.incidents.push(incident);
        true
    }

    /// The theft added last.
    pub fn latest(&self) -> Option<&Incident> {
        self.incidents.last()
    }

    /// The thefts `selection` accepts, in the order they were folded in.
    pub fn selected<'a>(&'a self, selection: &'a Selection) -> impl Iterator<Item = &'a Incident> {
        self.incidents.iter().filter(|i| selection.accepts(i))
    }

    /// Thefts per occupied cell at `resolution`.
    pub fn counts(
        &self,
        resolution: AnalysisResolution,
        selection: &Selection,
    ) -> BTreeMap<CellIndex, u64> {
        if selection.is_everything() {
            return self.counts[resolution.level()]
                .iter()
                .map(|(&cell, &n)| (cell, n))
                .collect();
        }
        let mut counts = BTreeMap::new();
        for incident in self.selected(selection) {
            *counts.entry(incident.cell(resolution)).or_default() += 1;
        }
        counts
    }

    /// When the selected thefts happen, per occupied cell at `resolution` (hours and weekdays, UTC).
    pub fn profiles(
        &self,
        resolution: AnalysisResolution,
        selection: &Selection,
    ) -> BTreeMap<CellIndex, TemporalProfile> {
        let mut profiles: BTreeMap<CellIndex, TemporalProfile> = BTreeMap::new();
        for incident in self.selected(selection) {
            let profile = profiles.entry(incident.cell(resolution)).or_default();
            profile.by_hour[incident.occurred_at.hour() as usize] += 1;
            profile.by_weekday[incident.occurred_at.weekday().num_days_from_monday() as usize] += 1;
        }
        profiles
    }

    /// Thefts per occupied cell at `resolution` in each of `weeks` weeks from `start`, oldest
    /// first; selected thefts outside those weeks are left out.
    pub fn weekly_counts(
        &self,
        resolution: AnalysisResolution,
        selection: &Selection,
        start: NaiveDateTime,
        weeks: usize,
    ) -> Vec<BTreeMap<CellIndex, u64>> {
        let mut weekly = vec![BTreeMap::new(); weeks];
        for incident in self.selected(selection) {
            let week = (incident.occurred_at >= start)
                .then(|| (incident.occurred_at - start).num_weeks())
                .and_then(|week| usize::try_from(week).ok());
            if let Some(bin) = week.and_then(|week| weekly.get_mut(week)) {
                *bin.entry(incident.cell(resolution)).or_default() += 1;
            }
        }
        weekly
    }

    /// The thefts whose resolution-9 cell is within `k` cells of `cell` (a resolution-9 cell).
    pub fn near(&self, cell: CellIndex, k: u32) -> impl Iterator<Item = &Incident> {
        cell.grid_disk::<Vec<CellIndex>>(k)
            .into_iter()
            .filter_map(|neighbour| self.by_neighbourhood.get(&neighbour))
            .flatten()
            .map(|&position| &self.incidents[position])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cells::cells_at;
    use chrono::NaiveDate;

    pub(crate) fn theft(
        lat: f64,
        lng: f64,
        at: &str,
        offence: Offence,
        precinct: &str,
    ) -> Incident {
        let occurred_at = NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").expect("test time");
        Incident {
            case_id: CaseId::random(),
            cells: cells_at(lat, lng).expect("test coordinates"),
            lat,
            lng,
            address: None,
            occurred_at,
            reported_at: occurred_at.and_utc(),
            offence,
            precinct: UnitId::new(precinct),
        }
    }

    fn res(number: u8) -> AnalysisResolution {
        AnalysisResolution::new(number).expect("6 to 10")
    }

    fn table() -> IncidentTable {
        let mut table = IncidentTable::default();
        let wacker = (41.8789, -87.6359);
        for (at, offence) in [
            ("2016-06-01 10:15", Offence::Pickpocketing),
            ("2016-06-02 10:45", Offence::Pickpocketing),
            ("2016-06-09 22:00", Offence::Shoplifting),
        ] {
            table.add(theft(wacker.0, wacker.1, at, offence, "D001"));
        }
        table.add(theft(
            41.9250,
            -87.6779,
            "2016-06-03 08:00",
            Offence::BicycleTheft,
            "D014",
        ));
        table
    }

    #[test]
    fn counts_per_cell_at_every_resolution() {
        let table = table();
        for number in 6..=10 {
            let counts = table.counts(res(number), &Selection::default());
            assert_eq!(counts.values().sum::<u64>(), 4, "res {number}");
            assert_eq!(counts.values().max(), Some(&3), "res {number}");
        }
    }

    #[test]
    fn selection_filters_time_offence_and_precinct() {
        let table = table();
        let june = |day| {
            NaiveDate::from_ymd_opt(2016, 6, day)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date")
        };
        let count = |selection: Selection| table.counts(res(9), &selection).values().sum::<u64>();
        let first_week = Selection {
            from: Some(june(1)),
            to: Some(june(8)),
            ..Selection::default()
        };
        assert_eq!(count(first_week.clone()), 3);
        assert_eq!(
            count(Selection {
                offence: Some(Offence::Pickpocketing),
                ..first_week
            }),
            2
        );
        assert_eq!(
            count(Selection {
                precinct: Some(UnitId::new("D014")),
                ..Selection::default()
            }),
            1
        );
        // `to` is exclusive.
        assert_eq!(
            count(Selection {
                from: Some(june(3)),
                to: Some(june(9)),
                ..Selection::default()
            }),
            1
        );
    }

    #[test]
    fn a_case_counts_once() {
        let mut table = IncidentTable::default();
        let incident = theft(
            41.88,
            -87.63,
            "2016-06-01 10:00",
            Offence::OtherTheft,
            "D001",
        );
        assert!(table.add(incident.clone()));
        assert!(!table.add(incident));
        assert_eq!(
            table
                .counts(res(8), &Selection::default())
                .values()
                .sum::<u64>(),
            1
        );
    }

    #[test]
    fn profiles_count_hours_and_weekdays() {
        let profiles = table().profiles(res(9), &Selection::default());
        let busiest = profiles
            .values()
            .max_by_key(|p| p.by_hour.iter().sum::<u64>())
            .expect("cells");
        assert_eq!(busiest.by_hour[10], 2);
        assert_eq!(busiest.by_hour[22], 1);
        // 2016-06-01 was a Wednesday, 06-02 a Thursday, 06-09 a Thursday.
        assert_eq!(busiest.by_weekday[2], 1);
        assert_eq!(busiest.by_weekday[3], 2);
    }

    #[test]
    fn weekly_counts_bin_thefts_by_week_from_the_start() {
        let table = table();
        let monday = NaiveDate::from_ymd_opt(2016, 6, 6)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date");
        let weekly = table.weekly_counts(res(9), &Selection::default(), monday, 2);
        let totals: Vec<u64> = weekly.iter().map(|w| w.values().sum()).collect();
        // 06-01 to 06-03 are before the start; 06-09 is in the first week.
        assert_eq!(totals, [1, 0]);
    }

    #[test]
    fn near_finds_thefts_in_the_surrounding_cells_only() {
        let table = table();
        let everything = Selection::default();
        let wacker = table.selected(&everything).next().expect("one");
        let cell = wacker.cell(AnalysisResolution::NINE);
        assert_eq!(table.near(cell, 1).count(), 3);
    }
}

//! `GET /api/v1/analytics/emerging-hotspots`: each cell's emerging hot-spot pattern over the ISO
//! weeks of a window (Gi* per week, a Mann–Kendall test of the weekly z-scores), as JSON or GeoJSON.
//!
//! The weeks are the ISO weeks the window `[from, to)` overlaps; only thefts inside the window
//! count, so a week it cuts counts its part. An open end follows the selected thefts, but no odd
//! row can stretch it: an open end is the week of the last selected theft that is not in the
//! future (by the service's clock), an open start the week of the first selected theft in the
//! `MAX_WEEKS` weeks up to the end. Only a window the request gives in full can be too long.
//! Cells never hot in any week are counted in `patterns.no_pattern` but not listed. With fewer than
//! two weeks or two cells with thefts, the answer lists no cells and says why, as hot spots do.

use crate::analytics_routes::{RawQuery, params, read};
use crate::answers::{answer, describe};
use crate::cells::AnalysisResolution;
use crate::incidents::{IncidentTable, Selection};
use crate::params::{Format, WINDOW_YEARS, invalid};
use crate::review::IsoWeek;
use crate::service::Hotspots;
use crate::trends::{cell_trends, config};
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDateTime, TimeDelta};
use h3o::CellIndex;
use quickclear_analytics::{CellTrend, EmergingPattern};
use quickclear_platform::Problem;
use quickclear_schemas::bounds::FUTURE_SKEW;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const PARAMETERS: &[&str] = &["res", "k", "format", "from", "to", "offence", "precinct"];
/// Weeks one answer may span: three years.
const MAX_WEEKS: i64 = 157;
/// The patterns listed, in rank order.
const LISTED: [EmergingPattern; 5] = [
    EmergingPattern::New,
    EmergingPattern::Intensifying,
    EmergingPattern::Persistent,
    EmergingPattern::Diminishing,
    EmergingPattern::Sporadic,
];

pub fn routes() -> Router<Arc<Hotspots>> {
    Router::new().route(
        "/api/v1/analytics/emerging-hotspots",
        get(emerging_hotspots),
    )
}

async fn emerging_hotspots(
    State(hotspots): State<Arc<Hotspots>>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = params(raw, PARAMETERS)?;
    let (resolution, k) = (params.resolution()?, params.ring_size()?);
    let selection = params.selection(&hotspots.roster)?;
    let format = params.format(true)?;
    hotspots
        .analyse(move |hotspots| patterns(hotspots, resolution, k, &selection, format))
        .await
}

fn patterns(
    hotspots: &Hotspots,
    resolution: AnalysisResolution,
    k: u32,
    selection: &Selection,
    format: Format,
) -> Result<Response, Problem> {
    let now = hotspots.clock.now().naive_utc();
    let (weeks, weekly) = weekly_thefts(&read(hotspots), resolution, selection, now)?;
    let mut thefts: HashMap<CellIndex, u64> = HashMap::new();
    for (&cell, &n) in weekly.iter().flatten() {
        *thefts.entry(cell).or_default() += n;
    }
    let note = if thefts.len() < 2 {
        Some(format!(
            "Gi* needs at least 2 cells with thefts; this selection has {}",
            thefts.len()
        ))
    } else if weeks.len() < 2 {
        Some(format!(
            "emerging hot spots need at least 2 weeks; this window has {}",
            weeks.len()
        ))
    } else {
        None
    };
    let trends = match note {
        Some(_) => Vec::new(),
        None => cell_trends(&weekly, k)?,
    };
    let config = config(k);
    let summary = json!({
        "res": resolution.number(),
        "k": k,
        "selection": describe(selection),
        "thefts": thefts.values().sum::<u64>(),
        "weeks": weeks.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "trend_alpha": config.trend_alpha,
        "persistent_share": config.persistent_share,
        "patterns": pattern_counts(&trends),
        "note": note,
    });
    let cells = ranked(&trends)
        .into_iter()
        .map(|trend| {
            let cell_thefts = thefts.get(&trend.cell).copied().unwrap_or_default();
            (trend.cell, cell_json(trend, cell_thefts))
        })
        .collect();
    Ok(answer(format, summary, "cells", cells))
}

/// Thefts per cell in each week, oldest first.
type Weekly = Vec<BTreeMap<CellIndex, u64>>;

/// The weeks of the window and the selected thefts per cell in each; `now` is the service's clock.
fn weekly_thefts(
    table: &IncidentTable,
    resolution: AnalysisResolution,
    selection: &Selection,
    now: NaiveDateTime,
) -> Result<(Vec<IsoWeek>, Weekly), Problem> {
    let times = || {
        table
            .selected(selection)
            .map(|incident| incident.occurred_at)
    };
    // Intake takes no theft later than `FUTURE_SKEW` after now, and a window's years are bounded:
    // an open end follows no row beyond those.
    let plausible =
        |at: &NaiveDateTime| WINDOW_YEARS.contains(&at.year()) && *at <= now + FUTURE_SKEW;
    // `to` is exclusive: the last week is the one holding the instant before it.
    let last = match selection.to {
        Some(to) => Some(to - TimeDelta::nanoseconds(1)),
        None => times().filter(plausible).max().or(selection.from),
    };
    let Some(last) = last else {
        return Ok((Vec::new(), Vec::new()));
    };
    let earliest = IsoWeek::containing(last).start_weeks_before(MAX_WEEKS - 1);
    let first = match selection.from {
        Some(from) => Some(from),
        None => times().filter(|at| plausible(at) && *at >= earliest).min(),
    };
    let Some(first) = first else {
        return Ok((Vec::new(), Vec::new()));
    };
    let first = IsoWeek::containing(first);
    let count = (IsoWeek::containing(last).start() - first.start()).num_weeks() + 1;
    if count > MAX_WEEKS {
        // The end to give: `to` when only `from` was given, else `from`.
        let name = match (selection.from, selection.to) {
            (Some(_), None) => "to",
            _ => "from",
        };
        return Err(invalid(
            name,
            format!("the window spans {count} weeks; narrow it to at most {MAX_WEEKS}"),
        ));
    }
    let weeks: Vec<IsoWeek> = (0..count).map(|n| first.plus_weeks(n)).collect();
    let weekly = table.weekly_counts(resolution, selection, first.start(), weeks.len());
    Ok((weeks, weekly))
}

/// How many cells have each pattern, `no_pattern` included.
fn pattern_counts(trends: &[CellTrend]) -> Value {
    let mut counts = Map::new();
    for pattern in LISTED.into_iter().chain([EmergingPattern::NoPattern]) {
        let n = trends.iter().filter(|t| t.pattern == pattern).count();
        counts.insert(pattern.as_str().into(), n.into());
    }
    Value::Object(counts)
}

/// The cells with a pattern, ranked by pattern, then by the trend's z (strongest rise first).
fn ranked(trends: &[CellTrend]) -> Vec<&CellTrend> {
    let rank = |t: &CellTrend| LISTED.iter().position(|&p| p == t.pattern);
    let mut listed: Vec<&CellTrend> = trends.iter().filter(|t| rank(t).is_some()).collect();
    listed.sort_by(|a, b| {
        (rank(a).cmp(&rank(b)))
            .then(b.trend.z.total_cmp(&a.trend.z))
            .then(a.cell.cmp(&b.cell))
    });
    listed
}

fn cell_json(trend: &CellTrend, thefts: u64) -> Value {
    json!({
        "h3": trend.cell.to_string(),
        "pattern": trend.pattern.as_str(),
        "thefts": thefts,
        "hot_weeks": trend.hot_bins,
        "trend": { "s": trend.trend.s, "z": trend.trend.z, "p": trend.trend.p },
        "weekly_z": trend.z_series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::tests::theft;
    use quickclear_schemas::report::Offence;

    fn table() -> IncidentTable {
        table_of(&["2016-06-01 10:00", "2016-06-14 10:00"])
    }

    fn table_of(times: &[&str]) -> IncidentTable {
        let mut table = IncidentTable::default();
        for at in times {
            table.add(theft(41.8789, -87.6359, at, Offence::Pickpocketing, "D001"));
        }
        table
    }

    /// The service's clock in these tests.
    fn now() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2016-12-31 12:00", "%Y-%m-%d %H:%M").expect("time")
    }

    fn weeks(from: Option<&str>, to: Option<&str>) -> Result<Vec<String>, Problem> {
        weeks_of(&table(), from, to)
    }

    fn weeks_of(
        table: &IncidentTable,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<String>, Problem> {
        let day = |text: &str| {
            let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date");
            date.and_hms_opt(0, 0, 0).expect("midnight")
        };
        let selection = Selection {
            from: from.map(day),
            to: to.map(day),
            ..Selection::default()
        };
        let (weeks, weekly) = weekly_thefts(table, AnalysisResolution::NINE, &selection, now())?;
        assert_eq!(weekly.len(), weeks.len());
        Ok(weeks.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn the_weeks_are_those_the_window_overlaps() {
        let weeks = |from, to| weeks(from, to).expect("weeks");
        assert_eq!(weeks(None, None), ["2016-W22", "2016-W23", "2016-W24"]);
        // `to` is exclusive: a window ending on a Monday ends with the week before.
        assert_eq!(
            weeks(Some("2016-06-02"), Some("2016-06-13")),
            ["2016-W22", "2016-W23"]
        );
        assert_eq!(weeks(None, Some("2016-06-07")), ["2016-W22", "2016-W23"]);
        assert_eq!(weeks(Some("2016-06-10"), None), ["2016-W23", "2016-W24"]);
        // No theft after `from`: its week alone.
        assert_eq!(weeks(Some("2016-07-01"), None), ["2016-W26"]);
    }

    #[test]
    fn a_window_over_three_years_is_refused_naming_the_end_to_give() {
        let problem = weeks(Some("2012-01-01"), None).expect_err("too long");
        assert_eq!(problem.errors[0].field, "to");
        let problem = weeks(Some("2012-01-01"), Some("2016-01-01")).expect_err("too long");
        assert_eq!(problem.errors[0].field, "from");
    }

    #[test]
    fn odd_rows_do_not_stretch_an_open_window() {
        let table = table_of(&[
            "0001-01-01 00:00",
            "2016-06-01 10:00",
            "2016-06-14 10:00",
            "2017-01-02 10:00",
            "9999-12-31 00:00",
        ]);
        let weeks = |from, to| weeks_of(&table, from, to).expect("weeks");
        // Year one is outside the window's years, and 2017 and 9999 are after now.
        assert_eq!(weeks(None, None), ["2016-W22", "2016-W23", "2016-W24"]);
        assert_eq!(weeks(Some("2016-06-10"), None), ["2016-W23", "2016-W24"]);
    }

    #[test]
    fn an_open_start_reaches_back_at_most_the_longest_window() {
        let table = table_of(&["2012-06-01 10:00", "2016-06-01 10:00", "2016-06-14 10:00"]);
        let weeks = weeks_of(&table, None, None).expect("weeks");
        assert_eq!(
            weeks.len(),
            3,
            "{weeks:?}: 2012 is more than three years before"
        );
        let weeks = weeks_of(&table, None, Some("2016-06-08")).expect("weeks");
        assert_eq!(weeks, ["2016-W22", "2016-W23"]);
        let weeks = weeks_of(&table, None, Some("2014-06-08")).expect("weeks");
        assert_eq!(weeks.first().map(String::as_str), Some("2012-W22"));
    }
}

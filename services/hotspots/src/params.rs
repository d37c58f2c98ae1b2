//! Query parameters of the analytics endpoints. Each is checked, and a bad one is refused with a
//! 400 problem naming it (in `detail` and as the `field` of its entry in `errors`); a parameter
//! the endpoint does not know, or one given twice, is refused the same way rather than ignored.

use crate::cells::AnalysisResolution;
use crate::incidents::Selection;
use crate::review::IsoWeek;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use quickclear_analytics::DistanceMetric;
use quickclear_platform::Problem;
use quickclear_platform::problem::FieldError;
use quickclear_roster::Roster;
use quickclear_schemas::report::Offence;
use quickclear_schemas::{TaskKind, UnitId};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// The years `from` and `to` may name. An open end of a window follows the thefts only within
/// them too, so one row dated far off (year 1, year 9999) cannot stretch a default window.
pub const WINDOW_YEARS: RangeInclusive<i32> = 1900..=2199;

/// A refusal naming the parameter.
pub fn invalid(name: &str, message: impl Into<String>) -> Problem {
    let message = message.into();
    Problem {
        errors: vec![FieldError::new(name, message.clone())],
        ..Problem::bad_request("invalid-query", format!("{name}: {message}"))
    }
}

/// How an answer is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    /// A FeatureCollection of cell polygons with their figures.
    GeoJson,
}

/// One request's query parameters.
#[derive(Debug)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// The parameters as sent; refuses names outside `allowed` and repeated names.
    pub fn new(pairs: Vec<(String, String)>, allowed: &[&str]) -> Result<Self, Problem> {
        for (index, (name, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&name.as_str()) {
                return Err(invalid(
                    name,
                    format!("unknown parameter; use {}", allowed.join(", ")),
                ));
            }
            if pairs[..index].iter().any(|(seen, _)| seen == name) {
                return Err(invalid(name, "given more than once"));
            }
        }
        Ok(Self { pairs })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
    }

    /// A number in `range`, `default` when absent.
    pub fn number<T>(&self, name: &str, default: T, range: RangeInclusive<T>) -> Result<T, Problem>
    where
        T: FromStr + PartialOrd + Display,
    {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        text.parse::<T>()
            .ok()
            .filter(|value| range.contains(value))
            .ok_or_else(|| {
                invalid(
                    name,
                    format!(
                        "{text:?} is not a number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    /// `res`: the H3 resolution, 6 to 10, default 8.
    pub fn resolution(&self) -> Result<AnalysisResolution, Problem> {
        self.resolution_or(8)
    }

    /// `res`: the H3 resolution, 6 to 10, `default` when absent.
    pub fn resolution_or(&self, default: u8) -> Result<AnalysisResolution, Problem> {
        let number = self.number("res", default, 6..=10)?;
        AnalysisResolution::new(number).ok_or_else(|| invalid("res", "use 6 to 10"))
    }

    /// `week`: an ISO week such as `2016-W23`; required.
    pub fn week(&self) -> Result<IsoWeek, Problem> {
        let text = self
            .get("week")
            .ok_or_else(|| invalid("week", "required: an ISO week such as 2016-W23"))?;
        IsoWeek::parse(text).map_err(|message| invalid("week", message))
    }

    /// `k`: the Gi* neighbourhood, cells within k rings, 1 to 3, default 1.
    pub fn ring_size(&self) -> Result<u32, Problem> {
        self.number("k", 1, 1..=3)
    }

    /// `from`, `to` (RFC 3339 or YYYY-MM-DD, UTC midnight), `offence` (snake_case) and `precinct`
    /// (a precinct unit of the roster).
    pub fn selection(&self, roster: &Roster) -> Result<Selection, Problem> {
        let from = self.time("from")?;
        let to = self.time("to")?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(invalid("from", format!("{from} is not before to={to}")));
        }
        let offence = match self.get("offence") {
            None => None,
            Some(text) => Some(
                Offence::deserialize(text.into_deserializer())
                    .map_err(|e: serde::de::value::Error| invalid("offence", e.to_string()))?,
            ),
        };
        let precinct = match self.get("precinct") {
            None => None,
            Some(text) => {
                let id = UnitId::new(text);
                match roster.unit(&id) {
                    Some(unit) if unit.kind == TaskKind::Precinct => Some(id),
                    Some(unit) => {
                        return Err(invalid(
                            "precinct",
                            format!("{text} is a {} unit, not a precinct", unit.kind),
                        ));
                    }
                    None => return Err(invalid("precinct", format!("no precinct {text:?}"))),
                }
            }
        };
        Ok(Selection {
            from,
            to,
            offence,
            precinct,
        })
    }

    fn time(&self, name: &str) -> Result<Option<NaiveDateTime>, Problem> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        let at = match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.naive_utc()),
            Err(_) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|day| day.and_hms_opt(0, 0, 0)),
        };
        let at = at.ok_or_else(|| {
            invalid(
                name,
                format!("{text:?} is neither an RFC 3339 time nor a YYYY-MM-DD date"),
            )
        })?;
        if !WINDOW_YEARS.contains(&at.year()) {
            return Err(invalid(
                name,
                format!(
                    "{text:?} lies outside the years {} to {}",
                    WINDOW_YEARS.start(),
                    WINDOW_YEARS.end()
                ),
            ));
        }
        Ok(Some(at))
    }

    /// `format`: `json` (default) or, where the answer is about cells, `geojson`.
    pub fn format(&self, geojson_available: bool) -> Result<Format, Problem> {
        match self.get("format") {
            None | Some("json") => Ok(Format::Json),
            Some("geojson") if geojson_available => Ok(Format::GeoJson),
            Some("geojson") => Err(invalid(
                "format",
                "this answer is not about cells; only json is available",
            )),
            Some(other) => Err(invalid("format", format!("{other:?}: use json or geojson"))),
        }
    }

    /// `distance_bands`: band edges in metres, `0,1,100,200,300` by default.
    pub fn distance_edges(&self) -> Result<Vec<f64>, Problem> {
        self.edges("distance_bands", vec![0.0, 1.0, 100.0, 200.0, 300.0])
    }

    /// `time_bands`: band edges in whole days, `0,7,14,21` by default.
    pub fn day_edges(&self) -> Result<Vec<i64>, Problem> {
        self.edges("time_bands", vec![0, 7, 14, 21])
    }

    /// Edges: start at 0, strictly increasing, at most 20; each band is [edge, next edge) and an
    /// open band follows the last edge.
    fn edges<T>(&self, name: &str, default: Vec<T>) -> Result<Vec<T>, Problem>
    where
        T: FromStr + PartialOrd + Default + Copy,
    {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        let refuse = || {
            invalid(
                name,
                format!(
                    "{text:?}: give 1 to 20 comma-separated band edges starting at 0 and strictly \
                     increasing, e.g. {name}=0,100,200"
                ),
            )
        };
        let edges = text
            .split(',')
            .map(|edge| edge.trim().parse::<T>().map_err(|_| refuse()))
            .collect::<Result<Vec<T>, Problem>>()?;
        let increasing = edges.windows(2).all(|pair| pair[0] < pair[1]);
        if edges.len() > 20 || edges.first() != Some(&T::default()) || !increasing {
            return Err(refuse());
        }
        Ok(edges)
    }

    /// `metric`: `manhattan` (the Near Repeat Calculator's, default) or `euclidean`.
    pub fn metric(&self) -> Result<DistanceMetric, Problem> {
        match self.get("metric") {
            None | Some("manhattan") => Ok(DistanceMetric::Manhattan),
            Some("euclidean") => Ok(DistanceMetric::Euclidean),
            Some(other) => Err(invalid(
                "metric",
                format!("{other:?}: use manhattan or euclidean"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    const ALL: [&str; 13] = [
        "res",
        "k",
        "from",
        "to",
        "offence",
        "precinct",
        "format",
        "distance_bands",
        "time_bands",
        "metric",
        "permutations",
        "min_dwell_minutes",
        "week",
    ];

    fn params(query: &[(&str, &str)]) -> Result<Params, Problem> {
        let pairs = query
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        Params::new(pairs, &ALL)
    }

    fn roster() -> &'static Roster {
        static ROSTER: OnceLock<Roster> = OnceLock::new();
        ROSTER.get_or_init(|| {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
            quickclear_roster::demo::chicago(std::path::Path::new(dir)).expect("demo city")
        })
    }

    /// The parameter a refusal names.
    fn named(result: Result<impl std::fmt::Debug, Problem>) -> String {
        let problem = result.expect_err("refused");
        assert_eq!(problem.status, 400);
        assert!(problem.detail.starts_with(&problem.errors[0].field));
        problem.errors[0].field.clone()
    }

    #[test]
    fn defaults() {
        let p = params(&[]).expect("no parameters");
        assert_eq!(p.resolution().expect("res").number(), 8);
        assert_eq!(p.ring_size().expect("k"), 1);
        assert_eq!(
            p.selection(roster()).expect("selection"),
            Selection::default()
        );
        assert_eq!(p.format(true).expect("format"), Format::Json);
        assert_eq!(
            p.distance_edges().expect("bands"),
            [0.0, 1.0, 100.0, 200.0, 300.0]
        );
        assert_eq!(p.day_edges().expect("bands"), [0, 7, 14, 21]);
        assert_eq!(p.metric().expect("metric"), DistanceMetric::Manhattan);
        assert_eq!(p.number("permutations", 99, 1..=999).expect("n"), 99);
    }

    #[test]
    fn good_values_are_read() {
        let p = params(&[
            ("res", "9"),
            ("k", "2"),
            ("from", "2016-06-01"),
            ("to", "2016-06-08T12:00:00-05:00"),
            ("offence", "theft_from_vehicle"),
            ("precinct", "D001"),
            ("format", "geojson"),
            ("time_bands", "0,2,4"),
        ])
        .expect("known parameters");
        assert_eq!(p.resolution().expect("res").number(), 9);
        assert_eq!(p.ring_size().expect("k"), 2);
        let selection = p.selection(roster()).expect("selection");
        assert_eq!(
            selection.from.map(|t| t.to_string()).as_deref(),
            Some("2016-06-01 00:00:00")
        );
        assert_eq!(
            selection.to.map(|t| t.to_string()).as_deref(),
            Some("2016-06-08 17:00:00")
        );
        assert_eq!(selection.offence, Some(Offence::TheftFromVehicle));
        assert_eq!(selection.precinct, Some(UnitId::new("D001")));
        assert_eq!(p.format(true).expect("format"), Format::GeoJson);
        assert_eq!(p.day_edges().expect("bands"), [0, 2, 4]);
    }

    #[test]
    fn each_bad_value_names_its_parameter() {
        let check = |name: &str, value: &str| -> String {
            let p = params(&[(name, value)]).expect("known");
            match name {
                "res" => named(p.resolution()),
                "k" => named(p.ring_size()),
                "format" => named(p.format(true)),
                "distance_bands" => named(p.distance_edges()),
                "time_bands" => named(p.day_edges()),
                "metric" => named(p.metric()),
                "permutations" => named(p.number("permutations", 99, 1..=999)),
                "week" => named(p.week()),
                _ => named(p.selection(roster())),
            }
        };
        for (name, value) in [
            ("res", "11"),
            ("res", "5"),
            ("res", "eight"),
            ("k", "0"),
            ("k", "4"),
            ("from", "yesterday"),
            ("to", "2016-13-01"),
            ("from", "0001-01-01"),
            ("to", "+262142-12-31"),
            ("to", "-262143-01-01"),
            ("offence", "burglary"),
            ("precinct", "D999"),
            ("precinct", "PROP-1"),
            ("format", "kml"),
            ("distance_bands", "100,200"),
            ("distance_bands", "0,200,100"),
            ("time_bands", "0,1.5"),
            ("metric", "chebyshev"),
            ("permutations", "1000"),
            ("week", "2016-23"),
            ("week", "2016-W54"),
            ("week", "June"),
        ] {
            assert_eq!(check(name, value), name, "{name}={value}");
        }
    }

    #[test]
    fn the_week_is_required_and_res_may_default_otherwise() {
        let p = params(&[]).expect("no parameters");
        assert_eq!(named(p.week()), "week");
        assert_eq!(p.resolution_or(9).expect("res").number(), 9);
        let p = params(&[("week", "2016-W23"), ("res", "7")]).expect("known");
        assert_eq!(p.week().expect("week").to_string(), "2016-W23");
        assert_eq!(p.resolution_or(9).expect("res").number(), 7);
    }

    #[test]
    fn an_empty_or_reversed_window_is_refused() {
        let p = params(&[("from", "2016-06-08"), ("to", "2016-06-01")]).expect("known");
        assert_eq!(named(p.selection(roster())), "from");
        let p = params(&[("from", "2016-06-08"), ("to", "2016-06-08")]).expect("known");
        assert_eq!(named(p.selection(roster())), "from");
    }

    #[test]
    fn unknown_and_repeated_parameters_are_refused() {
        assert_eq!(named(params(&[("resolution", "9")])), "resolution");
        assert_eq!(named(params(&[("res", "8"), ("res", "9")])), "res");
        let p = params(&[("format", "geojson")]).expect("known");
        assert_eq!(named(p.format(false)), "format");
    }

    #[test]
    fn offence_refusal_lists_the_offences() {
        let p = params(&[("offence", "burglary")]).expect("known");
        let problem = p.selection(roster()).expect_err("unknown offence");
        assert!(
            problem.detail.contains("bicycle_theft"),
            "{}",
            problem.detail
        );
    }
}

//! `quickclear analyze near-repeat`: the Knox test as in Ratcliffe's Near Repeat Calculator: pairs of
//! events per distance band × time band, a null from seeded shuffles of the event days, Knox ratios
//! and p-values.

use std::io::{self, Write};
use std::time::Instant;

use anyhow::bail;
use chrono::Datelike;
use clap::{Args, ValueEnum};
use quickclear_analytics::{
    DistanceArithmetic, DistanceMetric, KnoxConfig, KnoxResult, SAME_LOCATION_EDGE, SpaceTimeEvent,
    knox_test,
};
use serde_json::json;

use crate::analyze::input::{self, Coordinates, FilterArgs, Incident, InputArgs};
use crate::analyze::{OutputArgs, number, report_to_stderr, write_output};

const BANDS_HELP: &str = "\
Bands: each list of edges gives the bands [edge, next edge), and one open-ended band [last edge,
infinity) is added after the last edge; the first edge must be 0. --distance-bands 0,1,100,200,300
gives [0,1) [1,100) [100,200) [200,300) [300,inf) metres; --time-bands 0,7,14,21 gives [0,7) [7,14)
[14,21) [21,inf) days between the events' calendar days.
--calculator 100,3,7,3 (spatial bandwidth, spatial bands, temporal bandwidth in days, temporal bands)
reproduces the Near Repeat Calculator 1.3 exactly, including its arithmetic: \"Same location\" is
distance exactly 0, the labels \"a to b\" mean [a-1, b), and distances are computed in 32-bit floats.
Latitude/longitude are projected to metres around the data's mean position (equirectangular: within
0.5 % of true distances across a city); projected coordinates (--x-col/--y-col) are used as they are.
The headerless Near Repeat Calculator files (x,y,date) read with --no-header --x-col 1 --y-col 2
--time-col 3.";

#[derive(Args, Debug)]
#[command(after_help = format!("{BANDS_HELP}\n\n{}", input::TIME_FORMATS))]
pub struct NearRepeatArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Distance band edges in metres (see Bands below).
    #[arg(long, value_name = "METRES", default_value = "0,1,100,200,300", value_parser = parse_distance_edges)]
    pub distance_bands: DistanceEdges,
    /// Time band edges in whole days (see Bands below).
    #[arg(long, value_name = "DAYS", default_value = "0,7,14,21", value_parser = parse_day_edges)]
    pub time_bands: DayEdges,
    /// The Near Repeat Calculator's bands and arithmetic, instead of --distance-bands/--time-bands:
    /// SPATIAL_BANDWIDTH,SPATIAL_BANDS,TEMPORAL_BANDWIDTH_DAYS,TEMPORAL_BANDS.
    #[arg(long, value_name = "BW,N,DAYS,N", value_parser = parse_calculator, conflicts_with_all = ["distance_bands", "time_bands"])]
    pub calculator: Option<CalculatorBands>,
    /// How the distance between two events is measured.
    #[arg(long, value_enum, default_value_t = Metric::Manhattan)]
    pub metric: Metric,
    /// Monte Carlo shuffles of the event days.
    #[arg(long, value_name = "N", default_value_t = 999, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub permutations: u32,
    /// Seed of the shuffles: the same seed gives the same figures, whatever --threads.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads for the shuffles (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// `csv`: long form, one row per distance band x time band:
    /// distance_from,distance_to,time_from,time_to,observed,expected_mean,knox_ratio,p (an empty
    /// `_to` is the open band). `json`: the tables observed, expected_mean, knox_ratio and p, rows
    /// by distance band, columns by time band.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    pub format: TableFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Metric {
    /// |dx| + |dy| (the calculator's default).
    Manhattan,
    /// sqrt(dx² + dy²).
    Euclidean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Csv,
    Json,
}

/// Validated distance band edges.
#[derive(Debug, Clone, PartialEq)]
pub struct DistanceEdges(pub Vec<f64>);

/// Validated day band edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEdges(pub Vec<i64>);

/// The calculator's four inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalculatorBands {
    pub spatial_bandwidth: f64,
    pub spatial_bands: usize,
    pub temporal_bandwidth_days: i64,
    pub temporal_bands: usize,
}

pub fn run(args: &NearRepeatArgs) -> anyhow::Result<()> {
    let config = config(args);
    let (incidents, report) = input::read_incidents(&args.input, &args.filter, true)?;
    report_to_stderr("near-repeat", &report.render("events"));
    if incidents.len() < 2 {
        bail!(
            "{}: the Knox test needs at least 2 usable events, found {}",
            report.source,
            incidents.len()
        );
    }
    let events = events(&incidents, args.input.coordinates());
    let started = Instant::now();
    let result = knox_test(&events, &config)?;
    report_to_stderr(
        "near-repeat",
        &format!(
            "{} events, {} pairs, {} shuffles (seed {}) in {:.0?}",
            events.len(),
            events.len() * (events.len() - 1) / 2,
            config.permutations,
            config.seed,
            started.elapsed()
        ),
    );
    write_output(&args.output, |out| match args.format {
        TableFormat::Csv => write_csv(out, &result),
        TableFormat::Json => write_json(out, &result, args, events.len()),
    })
}

fn config(args: &NearRepeatArgs) -> KnoxConfig {
    let metric = match args.metric {
        Metric::Manhattan => DistanceMetric::Manhattan,
        Metric::Euclidean => DistanceMetric::Euclidean,
    };
    let base = match args.calculator {
        Some(bands) => KnoxConfig::near_repeat_calculator(
            bands.spatial_bandwidth,
            bands.spatial_bands,
            bands.temporal_bandwidth_days,
            bands.temporal_bands,
        ),
        None => KnoxConfig {
            distance_edges: args.distance_bands.0.clone(),
            day_edges: args.time_bands.0.clone(),
            metric,
            arithmetic: DistanceArithmetic::Double,
            permutations: 999,
            seed: 0,
            threads: 0,
        },
    };
    KnoxConfig {
        metric,
        permutations: args.permutations as usize,
        seed: args.seed,
        threads: args.threads,
        ..base
    }
}

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Events in metres and calendar days: projected coordinates as they are, latitude/longitude by an
/// equirectangular projection around the mean position.
fn events(incidents: &[Incident], coordinates: Coordinates) -> Vec<SpaceTimeEvent> {
    let day = |incident: &Incident| {
        incident
            .time
            .map_or(0, |time| i64::from(time.date().num_days_from_ce()))
    };
    match coordinates {
        Coordinates::Projected => incidents
            .iter()
            .map(|incident| SpaceTimeEvent {
                x: incident.coords.0,
                y: incident.coords.1,
                day: day(incident),
            })
            .collect(),
        Coordinates::Geographic => {
            let n = incidents.len() as f64;
            let lat0 = incidents.iter().map(|i| i.coords.0).sum::<f64>() / n;
            let lng0 = incidents.iter().map(|i| i.coords.1).sum::<f64>() / n;
            let x_scale = EARTH_RADIUS_M * lat0.to_radians().cos();
            incidents
                .iter()
                .map(|incident| {
                    let (lat, lng) = incident.coords;
                    SpaceTimeEvent {
                        x: x_scale * (lng - lng0).to_radians(),
                        y: EARTH_RADIUS_M * (lat - lat0).to_radians(),
                        day: day(incident),
                    }
                })
                .collect()
        }
    }
}

/// Band `i` of `edges` as (from, to), `to` = `None` for the open band.
fn band<T: Copy>(edges: &[T], i: usize) -> (T, Option<T>) {
    (edges[i], edges.get(i + 1).copied())
}

/// A human label: `[100, 200) m`, `[21, inf) days`, `0 m (same location)`.
fn distance_label(from: f64, to: Option<f64>) -> String {
    match to {
        Some(to) if from == 0.0 && to == SAME_LOCATION_EDGE => "0 m (same location)".to_owned(),
        Some(to) => format!("[{from}, {to}) m"),
        None => format!("[{from}, inf) m"),
    }
}

fn day_label(from: i64, to: Option<i64>) -> String {
    match to {
        Some(to) => format!("[{from}, {to}) days"),
        None => format!("[{from}, inf) days"),
    }
}

fn write_csv(out: &mut dyn Write, result: &KnoxResult) -> io::Result<()> {
    writeln!(
        out,
        "distance_from,distance_to,time_from,time_to,observed,expected_mean,knox_ratio,p"
    )?;
    for row in 0..result.distance_edges.len() {
        let (d_from, d_to) = band(&result.distance_edges, row);
        for col in 0..result.day_edges.len() {
            let (t_from, t_to) = band(&result.day_edges, col);
            writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                number(d_from),
                d_to.map(number).unwrap_or_default(),
                t_from,
                t_to.map(|t| t.to_string()).unwrap_or_default(),
                result.observed[row][col],
                number(result.expected_mean[row][col]),
                result.knox_ratio[row][col].map(number).unwrap_or_default(),
                number(result.p_value[row][col]),
            )?;
        }
    }
    Ok(())
}

fn write_json(
    out: &mut dyn Write,
    result: &KnoxResult,
    args: &NearRepeatArgs,
    events: usize,
) -> io::Result<()> {
    let distance_bands: Vec<serde_json::Value> = (0..result.distance_edges.len())
        .map(|i| {
            let (from, to) = band(&result.distance_edges, i);
            json!({"from": from, "to": to, "label": distance_label(from, to)})
        })
        .collect();
    let time_bands: Vec<serde_json::Value> = (0..result.day_edges.len())
        .map(|i| {
            let (from, to) = band(&result.day_edges, i);
            json!({"from": from, "to": to, "label": day_label(from, to)})
        })
        .collect();
    let metric = match args.metric {
        Metric::Manhattan => "manhattan",
        Metric::Euclidean => "euclidean",
    };
    // Written by hand to keep the fields in this order and one table row (or band) per line.
    let fields: [(&str, serde_json::Value); 11] = [
        ("events", json!(events)),
        ("metric", json!(metric)),
        ("calculator_arithmetic", json!(args.calculator.is_some())),
        ("permutations", json!(result.permutations)),
        ("seed", json!(args.seed)),
        ("distance_bands", json!(distance_bands)),
        ("time_bands", json!(time_bands)),
        ("observed", json!(result.observed)),
        ("expected_mean", json!(result.expected_mean)),
        ("knox_ratio", json!(result.knox_ratio)),
        ("p", json!(result.p_value)),
    ];
    writeln!(out, "{{")?;
    for (i, (key, value)) in fields.iter().enumerate() {
        write!(out, "  {}: ", json!(key))?;
        match value.as_array() {
            Some(rows) => {
                writeln!(out, "[")?;
                for (j, row) in rows.iter().enumerate() {
                    let comma = if j + 1 < rows.len() { "," } else { "" };
                    writeln!(out, "    {row}{comma}")?;
                }
                write!(out, "  ]")?;
            }
            None => write!(out, "{value}")?,
        }
        writeln!(out, "{}", if i + 1 < fields.len() { "," } else { "" })?;
    }
    writeln!(out, "}}")
}

/// Comma-separated numbers.
fn numbers<T: std::str::FromStr>(text: &str, unit: &str, example: &str) -> Result<Vec<T>, String> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            part.parse::<T>().map_err(|_| {
                format!(
                    "`{part}` is not a number of {unit}; expected comma-separated band edges \
                     starting at 0, e.g. {example}"
                )
            })
        })
        .collect()
}

/// First 0, strictly increasing, finite.
fn check_edges<T: Copy + PartialOrd + Default + std::fmt::Display>(
    edges: &[T],
    unit: &str,
    finite: impl Fn(T) -> bool,
) -> Result<(), String> {
    match edges.first() {
        None => return Err("no band edges".into()),
        Some(&first) if first != T::default() => {
            return Err(format!(
                "the first edge is {first}; it must be 0 (the first band starts at 0 {unit})"
            ));
        }
        Some(_) => {}
    }
    if let Some(&bad) = edges.iter().find(|&&edge| !finite(edge)) {
        return Err(format!("edge {bad} is not a finite number of {unit}"));
    }
    if let Some(pair) = edges.windows(2).find(|pair| pair[0] >= pair[1]) {
        return Err(format!(
            "edges must increase strictly: {} then {}",
            pair[0], pair[1]
        ));
    }
    Ok(())
}

fn parse_distance_edges(text: &str) -> Result<DistanceEdges, String> {
    let edges: Vec<f64> = numbers(text, "metres", "0,1,100,200,300")?;
    check_edges(&edges, "metres", f64::is_finite)?;
    Ok(DistanceEdges(edges))
}

fn parse_day_edges(text: &str) -> Result<DayEdges, String> {
    let edges: Vec<i64> = numbers(text, "whole days", "0,7,14,21")?;
    check_edges(&edges, "days", |_| true)?;
    Ok(DayEdges(edges))
}

fn parse_calculator(text: &str) -> Result<CalculatorBands, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [bandwidth, spatial, days, temporal] = parts[..] else {
        return Err(format!(
            "`{text}`: expected four values SPATIAL_BANDWIDTH,SPATIAL_BANDS,TEMPORAL_BANDWIDTH_DAYS,\
             TEMPORAL_BANDS, e.g. 100,3,7,3"
        ));
    };
    let spatial_bandwidth: f64 = bandwidth
        .parse()
        .ok()
        .filter(|b: &f64| b.is_finite() && *b >= 1.0)
        .ok_or_else(|| {
            format!("spatial bandwidth `{bandwidth}` is not a distance of at least 1 m")
        })?;
    let temporal_bandwidth_days: i64 =
        days.parse().ok().filter(|&d| d >= 1).ok_or_else(|| {
            format!("temporal bandwidth `{days}` is not a whole number of days ≥ 1")
        })?;
    let count = |text: &str, what: &str| {
        text.parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| format!("number of {what} bands `{text}` is not between 1 and 100"))
    };
    Ok(CalculatorBands {
        spatial_bandwidth,
        spatial_bands: count(spatial, "spatial")?,
        temporal_bandwidth_days,
        temporal_bands: count(temporal, "temporal")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_lists_are_checked() {
        assert_eq!(
            parse_distance_edges("0, 1,100,200,300"),
            Ok(DistanceEdges(vec![0.0, 1.0, 100.0, 200.0, 300.0]))
        );
        assert_eq!(parse_day_edges("0"), Ok(DayEdges(vec![0])));
        for bad in [
            "",
            "0,,100",
            "0,abc",
            "1,100",
            "0,100,50",
            "0,100,100",
            "0,inf",
        ] {
            assert!(parse_distance_edges(bad).is_err(), "{bad:?}");
        }
        for bad in ["0,1.5", "2,4", "0,7,7", "0,-7"] {
            assert!(parse_day_edges(bad).is_err(), "{bad:?}");
        }
        let calculator = parse_calculator("100,3,7,3").expect("valid");
        assert_eq!(calculator.spatial_bands, 3);
        for bad in ["100,3,7", "0,3,7,3", "100,0,7,3", "100,3,1.5,3"] {
            assert!(parse_calculator(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn latitude_longitude_become_metres_and_times_calendar_days() {
        let at = |lat, lng, time: &str| Incident {
            coords: (lat, lng),
            time: input::parse_time(time),
        };
        let incidents = [
            at(41.85, -87.65, "2016-01-05T23:59:00"),
            at(41.851, -87.65, "2016-01-06T00:01:00"),
            at(41.85, -87.649, "2016-01-06"),
        ];
        let events = events(&incidents, Coordinates::Geographic);
        let metres = |a: &SpaceTimeEvent, b: &SpaceTimeEvent| (a.x - b.x).hypot(a.y - b.y);
        // 0.001° of latitude is 111.2 m; of longitude at 41.85° N, 111.2 · cos(41.85°) = 82.8 m.
        assert!((metres(&events[0], &events[1]) - 111.19).abs() < 0.05);
        assert!((metres(&events[0], &events[2]) - 82.83).abs() < 0.1);
        assert_eq!(
            events[1].day - events[0].day,
            1,
            "two minutes apart, on two days"
        );
        assert_eq!(events[2].day, events[1].day);
    }

    #[test]
    fn labels() {
        assert_eq!(
            distance_label(0.0, Some(SAME_LOCATION_EDGE)),
            "0 m (same location)"
        );
        assert_eq!(distance_label(100.0, Some(200.0)), "[100, 200) m");
        assert_eq!(day_label(21, None), "[21, inf) days");
    }
}

//! `quickclear analyze`: the analytics crate ([`quickclear_analytics`]) on a CSV file, without any
//! server, for analysts and for checking against the reference tools.
//!
//! - [`hotspots`]: Getis-Ord Gi* per H3 cell (`h3,count,z,p,class`, or GeoJSON).
//! - [`near_repeat`]: the Knox test of Ratcliffe's Near Repeat Calculator (tables as JSON or long CSV).
//! - [`concentration`]: the share of cells holding half of the incidents, and the Gini coefficient.
//! - [`coverage`]: hot cells that no camera of a camera file covers (blind spots).
//! - [`input`]: reading the CSV (plain or gzip), column selection, time formats, filters, and the
//!   count of rows not used, reported on stderr.

pub mod concentration;
pub mod coverage;
pub mod hotspots;
pub mod input;
pub mod near_repeat;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use h3o::{CellIndex, LatLng, Resolution};

use crate::analyze::input::{FilterArgs, Incident, InputArgs};

/// `quickclear analyze …`
#[derive(Args, Debug)]
#[command(after_help = input::TIME_FORMATS)]
pub struct AnalyzeArgs {
    /// Boxed: the subcommands' options are large and `Command` holds this by value.
    #[command(subcommand)]
    pub command: Box<AnalyzeCommand>,
}

#[derive(Subcommand, Debug)]
pub enum AnalyzeCommand {
    /// Getis-Ord Gi* hot spots on H3 cells: one row per cell `h3,count,z,p,class`.
    Hotspots(hotspots::HotspotsArgs),
    /// Near-repeat Knox test (Ratcliffe's Near Repeat Calculator): pairs per distance x time band.
    NearRepeat(near_repeat::NearRepeatArgs),
    /// Crime concentration: the share of cells holding half of the incidents, and the Gini coefficient.
    Concentration(concentration::ConcentrationArgs),
    /// Camera blind spots: hot cells no camera covers (`h3,count,z,class`).
    Coverage(coverage::CoverageArgs),
}

/// Runs one `analyze` subcommand; the figures go to stdout (or `--output`), the rest to stderr.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    match *args.command {
        AnalyzeCommand::Hotspots(args) => hotspots::run(&args),
        AnalyzeCommand::NearRepeat(args) => near_repeat::run(&args),
        AnalyzeCommand::Concentration(args) => concentration::run(&args),
        AnalyzeCommand::Coverage(args) => coverage::run(&args),
    }
}

/// The options of the analyses on H3 cells.
#[derive(Args, Debug, Clone)]
pub struct CellArgs {
    /// H3 resolution of the cells (6 to 10; about 0.74 km² at 8, 0.11 km² at 9).
    #[arg(long, value_name = "RES", default_value_t = 8, value_parser = clap::value_parser!(u8).range(6..=10))]
    pub res: u8,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Counts per cell at the chosen resolution, from the incidents that pass the filters.
pub(crate) struct CellCounts {
    pub resolution: Resolution,
    pub counts: BTreeMap<CellIndex, u64>,
    pub incidents: usize,
}

impl CellArgs {
    /// Reads the file, reports the rows not used on stderr, and counts incidents per cell.
    pub(crate) fn count(&self, command: &str) -> anyhow::Result<CellCounts> {
        self.input.require_geographic(command)?;
        let resolution = Resolution::try_from(self.res)
            .with_context(|| format!("--res {} is not an H3 resolution", self.res))?;
        let started = Instant::now();
        let (incidents, report) = input::read_incidents(&self.input, &self.filter, false)?;
        report_to_stderr(command, &report.render("incidents"));
        if incidents.is_empty() {
            anyhow::bail!("{}: no usable incidents, nothing to analyse", report.source);
        }
        let counts = count_cells(&incidents, resolution)?;
        report_to_stderr(
            command,
            &format!(
                "{} incidents in {} cells at resolution {} (read and indexed in {:.0?})",
                incidents.len(),
                counts.len(),
                self.res,
                started.elapsed()
            ),
        );
        Ok(CellCounts {
            resolution,
            counts,
            incidents: incidents.len(),
        })
    }
}

/// Incidents per cell at `resolution` (filters were applied while reading).
///
/// Each point goes to its cell at that one resolution, from its coordinates, as
/// [`quickclear_analytics::IncidentIndex::push`] does for each of its resolutions 6 to 10: a
/// one-off analysis needs one resolution, and H3 indexing is most of its work (indexing all five
/// took 60 % of the end-to-end time on the 2016 thefts). The points are split over the cores.
fn count_cells(
    incidents: &[Incident],
    resolution: Resolution,
) -> anyhow::Result<BTreeMap<CellIndex, u64>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = incidents.len().div_ceil(threads).max(4096);
    let count = |part: &[Incident]| -> anyhow::Result<HashMap<CellIndex, u64>> {
        let mut counts = HashMap::new();
        for incident in part {
            let (lat, lng) = incident.coords;
            let cell = LatLng::new(lat, lng)
                .with_context(|| format!("coordinates out of range: {lat}, {lng}"))?
                .to_cell(resolution);
            *counts.entry(cell).or_default() += 1;
        }
        Ok(counts)
    };
    let parts: Vec<anyhow::Result<HashMap<CellIndex, u64>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = incidents
            .chunks(chunk)
            .skip(1)
            .map(|part| scope.spawn(move || count(part)))
            .collect();
        let first = count(incidents.chunks(chunk).next().unwrap_or_default());
        std::iter::once(first)
            .chain(handles.into_iter().map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }))
            .collect()
    });
    let mut counts = BTreeMap::new();
    for part in parts {
        for (cell, n) in part? {
            *counts.entry(cell).or_default() += n;
        }
    }
    Ok(counts)
}

/// One line (or block) on stderr, prefixed with the command.
pub(crate) fn report_to_stderr(command: &str, text: &str) {
    eprintln!("quickclear analyze {command}: {text}");
}

/// Where the figures go.
#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Writes through `write` to `--output` or stdout; a closed stdout pipe (`| head`) is not an error.
pub(crate) fn write_output(
    output: &OutputArgs,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match &output.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut writer = BufWriter::new(file);
            write(&mut writer)
                .and_then(|()| writer.flush())
                .with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut writer = BufWriter::new(io::stdout().lock());
            match write(&mut writer).and_then(|()| writer.flush()) {
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
    }
}

/// A float for CSV: the shortest text that reads back as the same number, in exponent form when
/// very small or very large.
pub(crate) fn number(value: f64) -> String {
    if value != 0.0 && value.is_finite() && !(1e-6..1e16).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// A cell's boundary as a closed GeoJSON ring of [longitude, latitude].
pub(crate) fn cell_ring(cell: CellIndex) -> Vec<[f64; 2]> {
    let boundary = cell.boundary();
    let mut ring: Vec<[f64; 2]> = boundary.iter().map(|v| [v.lng(), v.lat()]).collect();
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_exactly() {
        for value in [
            0.0,
            -0.906523958274,
            1.5e-12,
            3.0e-300,
            12345.678,
            1e20,
            -2.5,
        ] {
            let text = number(value);
            assert_eq!(text.parse::<f64>().expect("a number"), value, "{text}");
        }
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1.5e-12), "1.5e-12");
    }
}

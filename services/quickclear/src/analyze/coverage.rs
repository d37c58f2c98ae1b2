//! `quickclear analyze coverage`: camera blind spots, the hot cells (Gi*, any confidence) that no
//! camera of a camera file covers. A camera covers the cells its circle (or sector, with a heading
//! and field of view) of `--camera-range` metres touches.

use std::path::PathBuf;

use clap::Args;
use quickclear_analytics::{Camera, FieldOfView, blind_spots, covered_cells};

use crate::analyze::hotspots::{self, CellFormat};
use crate::analyze::input::{self, CsvFile, RowReport, Skip};
use crate::analyze::{CellArgs, OutputArgs, report_to_stderr, write_output};

const CAMERAS_HELP: &str = "\
The camera file (--cameras) is a CSV with a header: columns latitude and longitude (WGS84 degrees),
optionally camera_id, and optionally heading_deg (degrees clockwise from north) with fov_deg (full
opening angle) for a camera that sees a sector; without them a camera sees all around.";

#[derive(Args, Debug)]
#[command(after_help = format!("{CAMERAS_HELP}\n\n{}", input::TIME_FORMATS))]
pub struct CoverageArgs {
    #[command(flatten)]
    pub cells: CellArgs,
    /// The cameras: CSV (plain or gzip) with latitude, longitude [, camera_id, heading_deg, fov_deg].
    #[arg(long, value_name = "FILE")]
    pub cameras: PathBuf,
    /// How far a camera sees, in metres.
    #[arg(long, value_name = "METRES", default_value_t = 100.0)]
    pub camera_range: f64,
    /// Neighbours of a cell for Gi*: the cells of its k-ring that hold incidents.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub k: u32,
    /// `csv`: one row per blind spot, in cell order: h3,count,z,class. `geojson`: their polygons.
    #[arg(long, value_enum, default_value_t = CellFormat::Csv)]
    pub format: CellFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &CoverageArgs) -> anyhow::Result<()> {
    if !(args.camera_range.is_finite() && args.camera_range > 0.0) {
        anyhow::bail!(
            "--camera-range {} is not a positive number of metres",
            args.camera_range
        );
    }
    let cameras = read_cameras(args)?;
    let counted = args.cells.count("coverage")?;
    let spots = hotspots::analyse(&counted.counts, args.k)?;
    report_to_stderr("coverage", &hotspots::summary(&spots, args.k));
    let covered = covered_cells(&cameras, counted.resolution)?;
    let blind = blind_spots(&spots, &covered);
    let hot = spots.iter().filter(|spot| spot.class.is_hot()).count();
    report_to_stderr(
        "coverage",
        &format!(
            "{} cameras (range {} m) cover {} cells; {} of {hot} hot cells are blind spots",
            cameras.len(),
            args.camera_range,
            covered.len(),
            blind.len()
        ),
    );
    let blind_spots: Vec<_> = spots
        .into_iter()
        .filter(|spot| blind.binary_search(&spot.cell).is_ok())
        .collect();
    write_output(&args.output, |out| match args.format {
        CellFormat::Csv => hotspots::write_csv(out, &blind_spots, false),
        CellFormat::Geojson => hotspots::write_geojson(out, &blind_spots, false),
    })
}

/// The usable cameras; rows without usable coordinates are reported on stderr.
fn read_cameras(args: &CoverageArgs) -> anyhow::Result<Vec<Camera>> {
    let file = CsvFile::open(&args.cameras, true, b',')?;
    let lat = file.column("--cameras", "latitude")?;
    let lng = file.column("--cameras", "longitude")?;
    let id = file.find("camera_id");
    let heading = file.find("heading_deg");
    let width = file.find("fov_deg");
    let mut report = RowReport::new(file.name().to_owned());
    let mut cameras = Vec::new();
    let range_m = args.camera_range;
    let rows = file.for_each(|line, record| {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                report.skip(Skip::Malformed, line, || Some(error));
                return;
            }
        };
        let field = |index: Option<usize>| {
            index
                .and_then(|index| record.get(index))
                .map(str::trim)
                .unwrap_or_default()
        };
        let camera = match field(id) {
            "" => String::new(),
            id => format!("camera {id}: "),
        };
        let (lat, lng) = (field(Some(lat)), field(Some(lng)));
        if lat.is_empty() || lng.is_empty() {
            report.skip(Skip::NoCoordinates, line, || {
                (!camera.is_empty()).then(|| camera.trim_end_matches(": ").to_owned())
            });
            return;
        }
        let (Ok(lat), Ok(lng)) = (lat.parse::<f64>(), lng.parse::<f64>()) else {
            report.skip(Skip::BadCoordinates, line, || {
                Some(format!("{camera}`{lat},{lng}`"))
            });
            return;
        };
        if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)) {
            report.skip(Skip::CoordinatesOutOfRange, line, || {
                Some(format!("{camera}`{lat},{lng}`"))
            });
            return;
        }
        let field_of_view = match (field(heading), field(width)) {
            ("", "") => None,
            (heading, width) => match (heading.parse::<f64>(), width.parse::<f64>()) {
                (Ok(heading_deg), Ok(width_deg))
                    if heading_deg.is_finite() && width_deg > 0.0 && width_deg <= 360.0 =>
                {
                    Some(FieldOfView {
                        heading_deg,
                        width_deg,
                    })
                }
                _ => {
                    report.skip(Skip::BadField, line, || {
                        Some(format!(
                            "{camera}heading_deg `{heading}`, fov_deg `{width}`"
                        ))
                    });
                    return;
                }
            },
        };
        cameras.push(Camera {
            lat,
            lng,
            range_m,
            field_of_view,
        });
    })?;
    report.rows = rows;
    report.used = cameras.len() as u64;
    report_to_stderr("coverage", &report.render("cameras"));
    Ok(cameras)
}

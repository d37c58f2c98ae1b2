//! `quickclear analyze hotspots`: Getis-Ord Gi* on H3 cells (the PySAL esda recipe of the shared
//! data's README): counts per cell, the occupied cells as study area, binary k-ring weights with the
//! cell itself, two-sided p-values and ArcGIS-style classes after Benjamini–Hochberg FDR correction.

use std::io::{self, Write};

use clap::{Args, ValueEnum};
use quickclear_analytics::{CellHotSpot, HotSpotClass, HotSpotConfig, StudyArea, hot_spots};
use serde_json::json;

use crate::analyze::{
    CellArgs, OutputArgs, cell_ring, input, number, report_to_stderr, write_output,
};

const HOTSPOTS_HELP: &str = "\
Gi* as PySAL esda G_Local(transform='B', star=True): the study area is the cells with incidents, a
cell's neighbours are the study-area cells of its k-ring, all weights 1 and the cell itself included;
p two-sided from the normal; classes hot/cold at 99/95/90 % after Benjamini-Hochberg FDR correction.
The README's reference (gi-star-chicago-theft-2016-res8.csv) is
  quickclear analyze hotspots --input chicago-theft-2016.csv.gz --res 8 --bbox 41.60,-87.95,42.05,-87.50";

#[derive(Args, Debug)]
#[command(after_help = format!("{HOTSPOTS_HELP}\n\n{}", input::TIME_FORMATS))]
pub struct HotspotsArgs {
    #[command(flatten)]
    pub cells: CellArgs,
    /// Neighbours of a cell: the cells of its k-ring (grid disk of radius k) that hold incidents.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub k: u32,
    /// `csv`: one row per cell, in cell order: h3,count,z,p,class. `geojson`: a FeatureCollection of
    /// the cell polygons with those properties.
    #[arg(long, value_enum, default_value_t = CellFormat::Csv)]
    pub format: CellFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Output of the cell analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CellFormat {
    Csv,
    Geojson,
}

pub fn run(args: &HotspotsArgs) -> anyhow::Result<()> {
    let counted = args.cells.count("hotspots")?;
    let spots = analyse(&counted.counts, args.k)?;
    report_to_stderr("hotspots", &summary(&spots, args.k));
    write_output(&args.output, |out| match args.format {
        CellFormat::Csv => write_csv(out, &spots, true),
        CellFormat::Geojson => write_geojson(out, &spots, true),
    })
}

/// Gi* over the occupied cells with k-ring weights.
pub(crate) fn analyse(
    counts: &std::collections::BTreeMap<h3o::CellIndex, u64>,
    k: u32,
) -> anyhow::Result<Vec<CellHotSpot>> {
    let config = HotSpotConfig {
        ring_size: k,
        study_area: StudyArea::Occupied,
    };
    Ok(hot_spots(counts, &config)?)
}

/// How many cells fall in each class.
pub(crate) fn summary(spots: &[CellHotSpot], k: u32) -> String {
    let classes = [
        HotSpotClass::Hot99,
        HotSpotClass::Hot95,
        HotSpotClass::Hot90,
        HotSpotClass::NotSignificant,
        HotSpotClass::Cold90,
        HotSpotClass::Cold95,
        HotSpotClass::Cold99,
    ];
    let tally: Vec<String> = classes
        .iter()
        .map(|&class| {
            let n = spots.iter().filter(|spot| spot.class == class).count();
            format!("{n} {}", class.as_str())
        })
        .collect();
    format!(
        "Gi* over {} cells (k = {k}, FDR-corrected classes): {}",
        spots.len(),
        tally.join(", ")
    )
}

/// `h3,count,z,p,class` (with `p` when `with_p`).
pub(crate) fn write_csv(
    out: &mut dyn Write,
    spots: &[CellHotSpot],
    with_p: bool,
) -> io::Result<()> {
    match with_p {
        true => writeln!(out, "h3,count,z,p,class")?,
        false => writeln!(out, "h3,count,z,class")?,
    }
    for spot in spots {
        write!(out, "{},{},{}", spot.cell, spot.count, number(spot.z))?;
        if with_p {
            write!(out, ",{}", number(spot.p))?;
        }
        writeln!(out, ",{}", spot.class.as_str())?;
    }
    Ok(())
}

/// The cells as GeoJSON polygons with their figures as properties.
pub(crate) fn write_geojson(
    out: &mut dyn Write,
    spots: &[CellHotSpot],
    with_p: bool,
) -> io::Result<()> {
    let features: Vec<serde_json::Value> = spots
        .iter()
        .map(|spot| {
            let mut properties = json!({
                "h3": spot.cell.to_string(),
                "count": spot.count,
                "z": spot.z,
                "class": spot.class.as_str(),
            });
            if with_p {
                properties["p"] = json!(spot.p);
            }
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [cell_ring(spot.cell)]},
                "properties": properties,
            })
        })
        .collect();
    let collection = json!({"type": "FeatureCollection", "features": features});
    serde_json::to_writer(&mut *out, &collection)?;
    writeln!(out)
}

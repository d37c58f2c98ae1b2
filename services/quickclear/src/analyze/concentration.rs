//! `quickclear analyze concentration`: how few H3 cells hold a share (half, by default) of the
//! incidents, and the Gini coefficient of the counts, over the cells with at least one incident.

use clap::{Args, ValueEnum};
use quickclear_analytics::{cells_holding, gini};
use serde_json::json;

use crate::analyze::{CellArgs, OutputArgs, input, number, report_to_stderr, write_output};

#[derive(Args, Debug)]
#[command(after_help = input::TIME_FORMATS)]
pub struct ConcentrationArgs {
    #[command(flatten)]
    pub cells: CellArgs,
    /// The share of incidents, in (0, 1]: how many cells (busiest first) hold at least this share.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub share: f64,
    /// `csv`: a header and one row:
    /// res,incidents,cells,share,cells_holding,share_of_cells,gini. `json`: the same as an object.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Csv)]
    pub format: SummaryFormat,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Csv,
    Json,
}

pub fn run(args: &ConcentrationArgs) -> anyhow::Result<()> {
    if !(args.share > 0.0 && args.share <= 1.0) {
        anyhow::bail!(
            "--share {} is not in (0, 1]: give a fraction, 0.5 for half",
            args.share
        );
    }
    let counted = args.cells.count("concentration")?;
    let counts: Vec<u64> = counted.counts.values().copied().collect();
    let holding = cells_holding(&counts, args.share)?;
    let gini = gini(&counts)?;
    report_to_stderr(
        "concentration",
        &format!(
            "{} of {} cells ({:.1} %) hold {} % of {} incidents; Gini {gini:.3}",
            holding.cells_needed,
            holding.cells_total,
            100.0 * holding.share_of_cells,
            100.0 * args.share,
            counted.incidents
        ),
    );
    write_output(&args.output, |out| match args.format {
        SummaryFormat::Csv => {
            writeln!(
                out,
                "res,incidents,cells,share,cells_holding,share_of_cells,gini"
            )?;
            writeln!(
                out,
                "{},{},{},{},{},{},{}",
                args.cells.res,
                counted.incidents,
                holding.cells_total,
                number(args.share),
                holding.cells_needed,
                number(holding.share_of_cells),
                number(gini)
            )
        }
        SummaryFormat::Json => {
            let document = json!({
                "res": args.cells.res,
                "incidents": counted.incidents,
                "cells": holding.cells_total,
                "share": args.share,
                "cells_holding": holding.cells_needed,
                "share_of_cells": holding.share_of_cells,
                "gini": gini,
            });
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)
        }
    })
}

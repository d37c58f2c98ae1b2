//! `quickclear verify --data-dir DIR`: the full check of an embedded case log, for an operator
//! (ADR 0008): SQLite's integrity check of the file, then the whole chain of links, with the
//! position of every break. Exits 1 when anything is wrong.

use anyhow::{Context, bail};
use clap::Args;
use quickclear_eventstore::sqlite;
use std::path::PathBuf;

#[derive(Args)]
pub struct VerifyArgs {
    /// The data directory of the embedded store (`quickclear up --data-dir`).
    #[arg(long, value_name = "DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let path = args.data_dir.join(crate::cli::CASE_LOG_FILE);
    if !path.is_file() {
        bail!("no case log at {}", path.display());
    }
    let (findings, chain) =
        sqlite::verify_file(&path).with_context(|| format!("cannot check {}", path.display()))?;
    for finding in &findings {
        println!("file: {finding}");
    }
    for broken in &chain.breaks {
        println!("position {}: {}", broken.position, broken.what);
    }
    if findings.is_empty() && chain.breaks.is_empty() {
        println!(
            "{}: the file is sound and the chain of {} commits is whole",
            path.display(),
            chain.commits
        );
        return Ok(());
    }
    bail!(
        "{} is damaged or was altered: {} finding(s) in the file, {} break(s) in the chain",
        path.display(),
        findings.len(),
        chain.breaks.len()
    )
}

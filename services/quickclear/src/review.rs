//! `quickclear review patrol-gaps --week 2016-W23 [--precinct D001] [--res 9] [--target URL]
//! [--output FILE]`: fetches the weekly patrol-gap review (a self-contained HTML page) from a
//! running Quickclear's hotspots service and writes it to a file. It signs in like the load tool
//! (`--token`, or `--username`/`--password`; the demo's admin by default): reviews are for
//! dispatchers, analysts and admins.
//!
//! The server checks the parameters; its refusal (a problem document) is printed with its detail,
//! and an unreachable server is named, both with a non-zero exit.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use quickclear_loadtest::auth::Credentials;
use std::path::PathBuf;
use std::time::Duration;

const ROUTE: &str = "/api/v1/analytics/reviews/patrol-gaps";

#[derive(Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    pub review: Review,
}

#[derive(Subcommand)]
pub enum Review {
    /// The weekly patrol-gap review of a precinct (or all): hot cells patrols miss at the hours
    /// their thefts happen, as one self-contained HTML page.
    PatrolGaps(PatrolGapArgs),
}

#[derive(Args)]
pub struct PatrolGapArgs {
    /// The ISO week to review, e.g. 2016-W23 (hot spots are computed over the 8 weeks to its end).
    #[arg(long, value_name = "YYYY-Www")]
    pub week: String,
    /// The precinct unit, e.g. D001; every precinct together when left out.
    #[arg(long, value_name = "UNIT")]
    pub precinct: Option<String>,
    /// The H3 resolution, 6 to 10 (the server's default is 9).
    #[arg(long, value_name = "RES")]
    pub res: Option<u8>,
    /// The running Quickclear to ask.
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8080",
        env = "QUICKCLEAR_TARGET"
    )]
    pub target: String,
    /// Where to write the page [default: review-WEEK.html, or review-WEEK-PRECINCT.html].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub credentials: Credentials,
}

pub async fn run(args: ReviewArgs) -> anyhow::Result<()> {
    match args.review {
        Review::PatrolGaps(args) => patrol_gaps(args).await,
    }
}

async fn patrol_gaps(args: PatrolGapArgs) -> anyhow::Result<()> {
    let mut url = reqwest::Url::parse(args.target.trim_end_matches('/'))
        .and_then(|base| base.join(ROUTE))
        .with_context(|| format!("--target {:?} is not a URL", args.target))?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("week", &args.week);
        if let Some(precinct) = &args.precinct {
            query.append_pair("precinct", precinct);
        }
        if let Some(res) = args.res {
            query.append_pair("res", &res.to_string());
        }
    }
    let token = args.credentials.token(&args.target).await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()?;
    let response = http
        .get(url.clone())
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| {
            format!(
                "cannot reach Quickclear at {} (is it running? start it with `quickclear up`)",
                args.target
            )
        })?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response
        .text()
        .await
        .with_context(|| format!("the answer from {url} broke off"))?;
    if !status.is_success() {
        bail!("{}", refusal(status.as_u16(), &body));
    }
    if !content_type.starts_with("text/html") {
        bail!("{url} answered {content_type:?}, not an HTML page: is --target a Quickclear?");
    }
    let output = args.output.unwrap_or_else(|| {
        let precinct = args.precinct.map(|p| format!("-{p}")).unwrap_or_default();
        PathBuf::from(format!("review-{}{precinct}.html", args.week))
    });
    std::fs::write(&output, &body).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "wrote {} ({} kB): the patrol-gap review of week {}",
        output.display(),
        body.len().div_ceil(1024),
        args.week
    );
    Ok(())
}

/// The server's refusal in one line: its problem's detail, or the status and the start of the body.
fn refusal(status: u16, body: &str) -> String {
    let detail = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|problem| problem["detail"].as_str().map(str::to_owned));
    match detail {
        Some(detail) => format!("the server refused the review ({status}): {detail}"),
        None => {
            let start: String = body.chars().take(200).collect();
            format!("the server answered {status}: {}", start.trim())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_shows_the_problem_detail_or_the_body() {
        let problem = r#"{"type":"https://quickclear.dev/problems/invalid-query","title":"Bad Request","status":400,"detail":"week: \"2016-23\" is not an ISO week such as 2016-W23"}"#;
        assert_eq!(
            refusal(400, problem),
            "the server refused the review (400): week: \"2016-23\" is not an ISO week such as \
             2016-W23"
        );
        assert_eq!(
            refusal(502, " bad gateway \n"),
            "the server answered 502: bad gateway"
        );
    }
}

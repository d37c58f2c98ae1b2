//! The command line.

use crate::app::{Application, Parts};
use crate::listener::{self, ConnectionLimits};
use crate::roster_routes::Tiles;
use crate::services::Service;
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use quickclear_access::store::jetstream::JetStreamRevocations;
use quickclear_access::store::sqlite::SqliteRevocations;
use quickclear_access::{Access, AccessConfig, RevocationStore};
use quickclear_dispatch::DispatchConfig;
use quickclear_eventstore::EventStore;
use quickclear_eventstore::jetstream::JetStreamStore;
use quickclear_eventstore::sqlite::{Durability, SqliteStore};
use quickclear_platform::Clock;
use quickclear_roster::Roster;
use quickclear_schemas::bounds::DEFAULT_HORIZON;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "quickclear",
    version,
    about = "Rapid-response coordination for petty theft"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run every service in one process: on the embedded store, or over NATS with --nats.
    Up(UpArgs),
    /// Run the named services over NATS JetStream (one process per service in production).
    Serve(ServeArgs),
    /// Drive load: follow every unit's terminal feed, file reports at a rate, measure and count.
    Loadtest(quickclear_loadtest::Args),
    /// Analytics on a CSV file, no server needed: hot spots, near-repeat, concentration, coverage.
    Analyze(crate::analyze::AnalyzeArgs),
    /// The weekly reviews, fetched from a running Quickclear: `review patrol-gaps --week 2016-W23`.
    Review(crate::review::ReviewArgs),
    /// Hash a password for the users file: reads it from stdin, prints the argon2id PHC string.
    HashPassword,
    /// Check an embedded case log: the file's integrity and the chain of links over its commits.
    Verify(crate::verify::VerifyArgs),
}

/// The embedded store's file in the data directory.
pub const CASE_LOG_FILE: &str = "caselog.sqlite";

#[derive(Args)]
pub struct RosterArgs {
    /// The roster file (units, precinct territories, door plates, alarms); see infra/roster/.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use the demo city (Chicago) built from the shared data instead of a roster file.
    #[arg(long, conflicts_with = "config")]
    pub demo_roster: bool,
    /// Where the public data lives (the demo city and the 2016 thefts).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "../shared/data",
        env = "QUICKCLEAR_SHARED_DATA"
    )]
    pub shared_data: PathBuf,
}

#[derive(Args)]
pub struct CommonArgs {
    /// The HTTP address to serve on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub http: SocketAddr,
    /// HTTP connections one client address (an IPv6 client: its /64) may hold at once; more are
    /// closed on accept. Raise it when many clients share an address (a NAT, a load test).
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::default().per_address)]
    pub max_connections_per_address: usize,
    /// HTTP connections all clients may hold at once (lowered to fit the open-file limit).
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::default().total)]
    pub max_connections: usize,
    /// Seconds a unit has to acknowledge a task before it is escalated.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub ack_window: i64,
    /// The share of cases to clear within 24 hours, drawn as the dashboards' target line.
    #[arg(long, value_name = "SHARE", default_value_t = crate::app::DEFAULT_CLEARANCE_TARGET)]
    pub clearance_target: f64,
    /// How many days before now (by the service clock: the demo's is simulated) a reported theft,
    /// or a sighting a squad records, may lie; earlier ones are refused.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = DEFAULT_HORIZON.num_days(),
        value_parser = clap::value_parser!(i64).range(1..=36_500)
    )]
    pub occurred_horizon_days: i64,
    /// An XYZ tile server for the pages' maps, e.g. `https://tiles.example.org/{z}/{x}/{y}.png`
    /// (http or https, with `{z}`, `{x}` and `{y}`). Without it the maps need no tile server.
    #[arg(long, value_name = "TEMPLATE")]
    pub tile_url: Option<String>,
    /// The credit shown in the maps' corner for the tiles of --tile-url.
    #[arg(long, value_name = "TEXT", requires = "tile_url")]
    pub tile_attribution: Option<String>,
    /// JetStream replicas for the case stream (3 in a production cluster).
    #[arg(long, default_value_t = 1)]
    pub replicas: usize,
    /// The users file: accounts, roles, session secret (see infra/users/demo.toml). `up --demo`
    /// uses the built-in demo accounts without it.
    #[arg(long, value_name = "FILE", env = "QUICKCLEAR_USERS")]
    pub users: Option<PathBuf>,
}

/// `--sync`: the embedded store's [`Durability`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Sync {
    EveryCommit,
    Checkpoint,
}

impl From<Sync> for Durability {
    fn from(sync: Sync) -> Self {
        match sync {
            Sync::EveryCommit => Durability::EveryCommit,
            Sync::Checkpoint => Durability::Checkpoint,
        }
    }
}

#[derive(Args)]
pub struct UpArgs {
    /// Load the demo city and replay real 2016 thefts with simulated squads.
    #[arg(long)]
    pub demo: bool,
    /// Simulated seconds per real second in the demo (600 = ten hours a minute).
    #[arg(long, default_value_t = 600.0, requires = "demo")]
    pub speed: f64,
    /// Where the embedded store keeps its SQLite file.
    #[arg(long, value_name = "DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// When the embedded store's commits reach the disk: `every-commit` (fsync before a report or
    /// command is answered: nothing acknowledged is lost even to a power cut) or `checkpoint`
    /// (fsync every 250 ms: a power cut can lose the last fraction of a second; faster).
    #[arg(long, value_enum, default_value_t = Sync::EveryCommit, conflicts_with = "nats")]
    pub sync: Sync,
    /// Run over NATS JetStream at this URL instead of the embedded store.
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,
    #[command(flatten)]
    pub roster: RosterArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Services to run: intake, dispatch, caselog, hotspots, console, squad:precinct,
    /// squad:property, squad:scene.
    #[arg(required = true, value_name = "SERVICE")]
    pub services: Vec<Service>,
    /// The NATS server holding the case log.
    #[arg(long, value_name = "URL")]
    pub nats: String,
    /// Where services keep their own files (the hotspots service's position pings).
    #[arg(long, value_name = "DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub roster: RosterArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The roster: from the file, or the demo city.
pub fn load_roster(args: &RosterArgs, demo: bool) -> anyhow::Result<Arc<Roster>> {
    let roster = match (&args.config, demo || args.demo_roster) {
        (Some(path), _) => quickclear_roster::config::load(path)?,
        (None, true) => quickclear_roster::demo::chicago(&args.shared_data).with_context(|| {
            format!(
                "the demo city needs the shared data in {} (set --shared-data)",
                args.shared_data.display()
            )
        })?,
        (None, false) => {
            bail!("no roster: pass --config FILE (see infra/roster/chicago.toml) or --demo")
        }
    };
    tracing::info!(
        units = roster.units().count(),
        cells = roster.precincts().indexed_cells(),
        "roster loaded"
    );
    Ok(Arc::new(roster))
}

/// The demo accounts `up --demo` uses without `--users` (demo only: their password is public).
pub const DEMO_USERS: &str = include_str!("../../../infra/users/demo.toml");

/// Who may do what: the `--users` file, or the demo accounts with `--demo`, checked against the
/// roster. Sign-outs are kept where the case log is: in the NATS KeyValue bucket every process
/// watches, or beside the embedded store in the data directory (ADR 0005).
pub async fn load_access(
    users: Option<&Path>,
    demo: bool,
    roster: &Roster,
    nats: Option<&str>,
    data_dir: &Path,
    replicas: usize,
) -> anyhow::Result<Arc<Access>> {
    let config = match (users, demo) {
        (Some(path), _) => AccessConfig::load(path)?,
        (None, true) => AccessConfig::parse(DEMO_USERS).context("the built-in demo users")?,
        (None, false) => bail!(
            "no users: pass --users FILE (accounts and roles; see infra/users/demo.toml and \
             `quickclear hash-password`), or run the demo with --demo"
        ),
    };
    let mut access = Access::new(&config, roster).map_err(|e| match users {
        Some(path) => anyhow::anyhow!("the users file {}: {e}", path.display()),
        None => anyhow::anyhow!("the built-in demo users: {e}"),
    })?;
    let sign_outs: Arc<dyn RevocationStore> = match nats {
        Some(url) => Arc::new(
            JetStreamRevocations::connect(url, access.session_ttl(), replicas)
                .await
                .context("the sign-outs")?,
        ),
        None => {
            create_data_dir(data_dir)?;
            Arc::new(
                SqliteRevocations::open(&data_dir.join("sessions.sqlite"))
                    .context("the sign-outs")?,
            )
        }
    };
    access
        .keep_sign_outs_in(sign_outs)
        .await
        .context("the sign-outs")?;
    tracing::info!(accounts = access.users().count(), "users loaded");
    Ok(Arc::new(access))
}

fn create_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))
}

/// `quickclear hash-password`: the password is read from stdin, so it stays out of the shell's
/// history and the process list.
pub fn hash_password() -> anyhow::Result<()> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!("password (shown as you type), then Enter:");
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    let hash = quickclear_access::password::hash(password).map_err(anyhow::Error::msg)?;
    println!("{hash}");
    Ok(())
}

pub async fn open_store(
    nats: Option<&str>,
    data_dir: &Path,
    durability: Durability,
    replicas: usize,
) -> anyhow::Result<Arc<dyn EventStore>> {
    Ok(match nats {
        Some(url) => Arc::new(JetStreamStore::connect(url, replicas).await?),
        None => {
            create_data_dir(data_dir)?;
            Arc::new(SqliteStore::open_with(
                &data_dir.join(CASE_LOG_FILE),
                durability,
            )?)
        }
    })
}

pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// The connection caps of `--max-connections-per-address` and `--max-connections`, with the
/// production timeouts. Raises the process's open-file limit first, and fits the total under it.
pub fn connection_limits(common: &CommonArgs) -> anyhow::Result<ConnectionLimits> {
    if common.max_connections_per_address == 0 || common.max_connections == 0 {
        bail!("--max-connections-per-address and --max-connections must be at least 1");
    }
    let open_files =
        listener::raise_open_file_limit().context("cannot raise the open-file limit")?;
    let limits = ConnectionLimits {
        per_address: common.max_connections_per_address,
        total: common.max_connections,
        ..ConnectionLimits::default()
    }
    .within_open_files(open_files);
    tracing::info!(
        open_files,
        total = limits.total,
        per_address = limits.per_address,
        "connection caps"
    );
    Ok(limits)
}

pub fn dispatch_config(common: &CommonArgs) -> anyhow::Result<DispatchConfig> {
    if common.ack_window <= 0 {
        bail!("--ack-window must be a positive number of seconds");
    }
    Ok(DispatchConfig {
        ack_window: chrono::Duration::seconds(common.ack_window),
        ..DispatchConfig::default()
    })
}

/// `--occurred-horizon-days` (clap keeps it between 1 and 36 500).
pub fn occurred_horizon(common: &CommonArgs) -> chrono::TimeDelta {
    chrono::TimeDelta::days(common.occurred_horizon_days)
}

pub fn clearance_target(common: &CommonArgs) -> anyhow::Result<f64> {
    let target = common.clearance_target;
    if !(target > 0.0 && target <= 1.0) {
        bail!("--clearance-target must be a share above 0 and at most 1 (0.35 = 35%)");
    }
    Ok(target)
}

/// `--tile-url` and `--tile-attribution`, checked: see [`tiles`].
pub fn tile_layer(common: &CommonArgs) -> anyhow::Result<Option<Tiles>> {
    tiles(
        common.tile_url.as_deref(),
        common.tile_attribution.as_deref(),
    )
}

/// The longest `--tile-attribution`: a credit line, not a paragraph.
const MAX_ATTRIBUTION_CHARS: usize = 200;

/// The maps' tile layer from a URL template and an optional credit, or `None` without a template.
/// The template must be an absolute http(s) URL without credentials, with `{z}`, `{x}` and `{y}`
/// in its path or query (not its host: the pages' Content-Security-Policy names one origin).
pub fn tiles(url: Option<&str>, attribution: Option<&str>) -> anyhow::Result<Option<Tiles>> {
    let Some(template) = url else {
        if attribution.is_some() {
            bail!("--tile-attribution needs --tile-url");
        }
        return Ok(None);
    };
    let missing: Vec<&str> = ["{z}", "{x}", "{y}"]
        .into_iter()
        .filter(|p| !template.contains(p))
        .collect();
    if !missing.is_empty() {
        bail!(
            "--tile-url {template:?} lacks {}: it must be an XYZ template such as \
             https://tiles.example.org/{{z}}/{{x}}/{{y}}.png",
            missing.join(", ")
        );
    }
    // The origin of the URL the pages will ask for, whatever the tile numbers.
    let origin_with = |n: &str| -> anyhow::Result<reqwest::Url> {
        let filled = template
            .replace("{z}", n)
            .replace("{x}", n)
            .replace("{y}", n);
        reqwest::Url::parse(&filled)
            .map_err(|e| anyhow::anyhow!("--tile-url {template:?} is not a URL: {e}"))
    };
    let parsed = origin_with("0")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("--tile-url {template:?} must be an http:// or https:// URL");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        bail!("--tile-url {template:?} must not hold a user name or password");
    }
    let origin = parsed.origin().ascii_serialization();
    if origin_with("1")?.origin().ascii_serialization() != origin {
        bail!(
            "--tile-url {template:?}: {{z}}, {{x}} and {{y}} belong in the path or query, not the host"
        );
    }
    let attribution = match attribution.map(str::trim) {
        None | Some("") => None,
        Some(text) if text.chars().count() > MAX_ATTRIBUTION_CHARS => {
            bail!("--tile-attribution is longer than {MAX_ATTRIBUTION_CHARS} characters")
        }
        Some(text) if text.chars().any(char::is_control) => {
            bail!("--tile-attribution must be one line of text")
        }
        Some(text) => Some(text.to_owned()),
    };
    Ok(Some(Tiles {
        url: template.to_owned(),
        attribution,
        origin,
    }))
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let tiles = tile_layer(&args.common)?;
    let roster = load_roster(&args.roster, false)?;
    let access = load_access(
        args.common.users.as_deref(),
        false,
        &roster,
        Some(&args.nats),
        &args.data_dir,
        args.common.replicas,
    )
    .await?;
    let store = open_store(
        Some(&args.nats),
        Path::new("."),
        Durability::default(),
        args.common.replicas,
    )
    .await?;
    let parts = Parts {
        store,
        roster,
        access,
        clock: Clock::system(),
        services: args.services.clone(),
        dispatch: dispatch_config(&args.common)?,
        occurred_horizon: occurred_horizon(&args.common),
        clearance_target: clearance_target(&args.common)?,
        tiles,
        data_dir: Some(args.data_dir.clone()),
        // The camera registry is Chicago's: only the demo city uses it.
        shared_data: args
            .roster
            .demo_roster
            .then(|| args.roster.shared_data.clone()),
        connections: connection_limits(&args.common)?,
    };
    let app = Application::build(parts, bind(args.common.http).await?);
    let names: Vec<String> = args.services.iter().map(ToString::to_string).collect();
    tracing::info!(services = ?names, http = %app.local_addr(), "serving");
    run(app).await
}

/// Serves until Ctrl-C (or SIGTERM); open terminal feeds get a moment to close, then the process ends.
pub async fn run(app: Application) -> anyhow::Result<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    tokio::select! {
        () = shutdown_signal() => {}
        // A supervised task ended (ADR 0007), or the listener failed: stop, loudly.
        served = &mut server => {
            return served
                .context("the server task")?
                .context("quickclear cannot go on");
        }
    }
    tracing::info!("stopping");
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    Ok(())
}

async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

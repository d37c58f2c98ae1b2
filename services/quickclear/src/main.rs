use clap::Parser;
use quickclear::app::{Application, Parts};
use quickclear::cli::{self, Cli, Command, UpArgs};
use quickclear::demo;
use quickclear::services::Service;
use quickclear_platform::Clock;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let result = match Cli::parse().command {
        Command::Up(args) => up(args).await,
        Command::Serve(args) => cli::serve(args).await,
        Command::Loadtest(args) => quickclear_loadtest::cli(args).await,
        Command::Analyze(args) => quickclear::analyze::run(args),
        Command::Review(args) => quickclear::review::run(args).await,
        Command::HashPassword => cli::hash_password(),
        Command::Verify(args) => quickclear::verify::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickclear: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn up(args: UpArgs) -> anyhow::Result<()> {
    // Checked before anything is loaded or opened: a bad template is a plain start-up error.
    let tiles = cli::tile_layer(&args.common)?;
    let roster = cli::load_roster(&args.roster, args.demo)?;
    let access = cli::load_access(
        args.common.users.as_deref(),
        args.demo,
        &roster,
        args.nats.as_deref(),
        &args.data_dir,
        args.common.replicas,
    )
    .await?;
    let store = cli::open_store(
        args.nats.as_deref(),
        &args.data_dir,
        args.sync.into(),
        args.common.replicas,
    )
    .await?;
    let dispatch = cli::dispatch_config(&args.common)?;
    // The demo runs every service on simulated time: from 2016, or where an earlier run stopped.
    let demo_start = match args.demo {
        true => Some(demo::Start::find(&*store).await?),
        false => None,
    };
    let clock = match &demo_start {
        Some(start) => start.clock(args.speed)?,
        None => Clock::system(),
    };
    let parts = Parts {
        store: store.clone(),
        roster: roster.clone(),
        access: access.clone(),
        clock,
        services: Service::all(),
        dispatch,
        occurred_horizon: cli::occurred_horizon(&args.common),
        clearance_target: cli::clearance_target(&args.common)?,
        tiles,
        data_dir: Some(args.data_dir.clone()),
        // The camera registry is Chicago's: only the demo city uses it.
        shared_data: (args.demo || args.roster.demo_roster)
            .then(|| args.roster.shared_data.clone()),
        connections: cli::connection_limits(&args.common)?,
    };
    let app = Application::build(parts, cli::bind(args.common.http).await?);
    tracing::info!(http = %app.local_addr(), "quickclear is up");
    if let Some(start) = demo_start {
        let mut options = demo::Options::new(args.roster.shared_data.clone());
        options.ack_window = dispatch.ack_window;
        options.skip_before = start.skip_before();
        demo::Demo::start(&app, &roster, &access, clock, options)?;
    }
    cli::run(app).await
}

use clap::Parser;
use quickclear::app::{Application, Parts};
use quickclear::cli::{self, Cli, Command, UpArgs};
use quickclear::services::Service;
use quickclear_platform::Clock;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();
    let result = match Cli::parse().command {
        Command::Up(args) => up(args).await,
        Command::Serve(args) => cli::serve(args).await,
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
    let roster = cli::load_roster(&args.roster, args.demo)?;
    let store = cli::open_store(args.nats.as_deref(), &args.data_dir, args.common.replicas).await?;
    let parts = Parts {
        store,
        roster,
        clock: Clock::system(),
        services: Service::all(),
        dispatch: cli::dispatch_config(&args.common)?,
    };
    let app = Application::build(parts, cli::bind(args.common.http).await?);
    tracing::info!(http = %app.local_addr(), "quickclear is up");
    cli::run(app).await
}

//! One process: the chosen services on one event store, behind one HTTP listener.

use crate::listener::{self, ConnectionLimits};
use crate::roster_routes::{self, Settings, Tiles};
use crate::services::Service;
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use quickclear_access::Access;
use quickclear_caselog::{CaseLog, Summaries};
use quickclear_console::Console;
use quickclear_dispatch::{DispatchConfig, Dispatcher};
use quickclear_eventstore::EventStore;
use quickclear_hotspots::{Analyses, Hotspots, HotspotsConfig};
use quickclear_intake::Intake;
use quickclear_platform::health::readyz;
use quickclear_platform::{Clock, Consistency, Health, Heartbeat, Problem, Supervisor, metrics};
use quickclear_roster::Roster;
use quickclear_squad::{Feeds, Squad};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Request bodies larger than this are refused with 413: a report is a few kilobytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The share of cases cleared within 24 hours that dashboards aim at unless configured otherwise.
pub const DEFAULT_CLEARANCE_TARGET: f64 = 0.35;

/// What a process is made of.
pub struct Parts {
    pub store: Arc<dyn EventStore>,
    pub roster: Arc<Roster>,
    /// Accounts, sessions and rate limits: every route but `/metrics`, `/healthz` and the pages
    /// checks who is asking (ADR 0005).
    pub access: Arc<Access>,
    pub clock: Clock,
    pub services: Vec<Service>,
    pub dispatch: DispatchConfig,
    /// How far before the clock's now a theft's time (or a sighting's) may lie
    /// (`--occurred-horizon-days`; `quickclear_schemas::bounds::DEFAULT_HORIZON`).
    pub occurred_horizon: chrono::TimeDelta,
    /// The share of cases to clear within 24 hours that dashboards draw as their target line.
    pub clearance_target: f64,
    /// The maps' optional tile layer (`--tile-url`, [`crate::cli::tiles`]): given to the pages in
    /// the roster's settings and allowed by their Content-Security-Policy. `None`: no tile server.
    pub tiles: Option<Tiles>,
    /// Where services keep their own files (the hotspots service's position pings); `None` keeps
    /// them in memory.
    pub data_dir: Option<PathBuf>,
    /// The public data (the camera registry the hotspots service reads); `None` means none.
    pub shared_data: Option<PathBuf>,
    /// Timeouts and caps of the HTTP connections ([`ConnectionLimits::default`] in production).
    pub connections: ConnectionLimits,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    connections: ConnectionLimits,
    /// The case summaries, when this process runs the case log (the demo's summary reads them).
    pub summaries: Option<Arc<Summaries>>,
    /// The process's long-running tasks: when one ends, [`Application::run_until_stopped`] stops.
    pub supervisor: Supervisor,
    /// Every follower of the log in this process, for `/readyz`.
    pub health: Health,
}

/// Walks the log's chain of links once at start, in the background (it reads every commit), and
/// makes the process not ready if it is broken (ADR 0008).
async fn check_chain(store: Arc<dyn EventStore>, health: Health) {
    let problem = match store.verify_chain().await {
        Ok(Some(report)) if !report.breaks.is_empty() => {
            for broken in &report.breaks {
                tracing::error!(
                    position = broken.position,
                    what = broken.what,
                    "the case log's chain is broken"
                );
            }
            let first = &report.breaks[0];
            Some(format!(
                "{} break(s) in the chain of links; the first at position {}: {} \
                 (`quickclear verify` lists them all)",
                report.breaks.len(),
                first.position,
                first.what
            ))
        }
        Ok(_) => None,
        Err(error) => Some(format!("the chain of links could not be checked: {error}")),
    };
    health.problem("chain", problem);
}

impl Application {
    /// Starts the services' background work and prepares their routes on `listener`.
    pub fn build(parts: Parts, listener: TcpListener) -> Self {
        let Parts {
            store,
            roster,
            access,
            clock,
            services,
            dispatch,
            occurred_horizon,
            clearance_target,
            tiles,
            data_dir,
            shared_data,
            connections,
        } = parts;
        let tile_origin = tiles.as_ref().map(|t| t.origin().to_owned());
        let settings = Settings {
            ack_window: dispatch.ack_window,
            clearance_target,
            tiles,
        };
        let supervisor = Supervisor::default();
        let health = Health::new(store.clone(), &supervisor);
        let ready = health.clone();
        supervisor.spawn_once("chain check", check_chain(store.clone(), health.clone()));
        let mut router = Router::new()
            .route("/metrics", get(metrics::render))
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(move || readyz(ready.clone())))
            .merge(quickclear_access::routes())
            .merge(roster_routes::routes(roster.clone(), settings, clock));
        let mut summaries = None;
        let squad_kinds: Vec<_> = services
            .iter()
            .filter_map(|s| match s {
                Service::Squad(kind) => Some(*kind),
                _ => None,
            })
            .collect();
        if services.contains(&Service::Intake) {
            let intake = Intake {
                store: store.clone(),
                roster: roster.clone(),
                clock,
                occurred_horizon,
            };
            router = router.merge(quickclear_intake::routes(Arc::new(intake)));
        }
        if services.contains(&Service::Dispatch) {
            let log = health.follow("dispatch", Consistency::Unsynced);
            let dispatcher = Dispatcher::new(log, store.clone(), roster.clone(), clock, dispatch);
            supervisor.spawn("dispatch", dispatcher.run());
        }
        if !squad_kinds.is_empty() {
            let feeds = Feeds::new(squad_kinds);
            let log = health.follow("squad", Consistency::Durable);
            supervisor.spawn("squad feeds", feeds.clone().follow(log));
            let squad = Squad {
                store: store.clone(),
                roster: roster.clone(),
                clock,
                feeds,
                occurred_horizon,
            };
            router = router.merge(quickclear_squad::routes(Arc::new(squad)));
        }
        if services.contains(&Service::Caselog) {
            let projection = Summaries::new();
            let log = health.follow("caselog", Consistency::Durable);
            supervisor.spawn("case summaries", projection.clone().follow(log));
            let caselog = CaseLog {
                store: store.clone(),
                summaries: projection.clone(),
                clock,
                ack_window: dispatch.ack_window,
                dispatch_within: dispatch.dispatch_within,
                clearance_target,
            };
            router = router.merge(quickclear_caselog::routes(Arc::new(caselog)));
            summaries = Some(projection);
        }
        if services.contains(&Service::Hotspots) {
            let hotspots = Hotspots::start(HotspotsConfig {
                roster: roster.clone(),
                clock,
                data_dir,
                shared_data,
                analyses: Analyses::per_core(),
            });
            let log = health.follow("hotspots", Consistency::Durable);
            supervisor.spawn("hotspots", hotspots.clone().follow(log));
            router = router.merge(quickclear_hotspots::routes(hotspots));
        }
        // The pages answer whatever no route does; `/api/...`, other methods and unknown files
        // still get the problem.
        // With a tile server, the pages' policy also allows images from its origin.
        let console = services.contains(&Service::Console).then(|| {
            let console = Console::from_env();
            match &tile_origin {
                Some(origin) => console
                    .with_tile_origin(origin)
                    .expect("a checked tile URL has a plain origin"),
                None => console,
            }
        });
        let router = router
            .fallback(move |request: Request| async move {
                match &console {
                    Some(console) => console.serve(request).await,
                    None => None,
                }
                .unwrap_or_else(|| {
                    Problem::not_found("no-such-route", "no such route").into_response()
                })
            })
            .method_not_allowed_fallback(|| async {
                Problem::new(
                    axum::http::StatusCode::METHOD_NOT_ALLOWED,
                    "method-not-allowed",
                    "this route does not take that method",
                )
            })
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            // Quiet feeds say they are alive well within the idle timeout.
            .layer(Extension(Heartbeat::every(connections.heartbeat())))
            .layer(axum::middleware::from_fn(
                quickclear_access::require_session,
            ))
            // Every router's extractors find the access control here, whatever their state type.
            .layer(Extension(access));
        Self {
            listener,
            router,
            connections,
            summaries,
            supervisor,
            health,
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, or fails when a supervised task ends (ADR 0007). The
    /// connections are served by [`listener::serve`], under [`Parts::connections`].
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let serving = listener::serve(self.listener, self.router, self.connections, shutdown);
        tokio::select! {
            () = serving => Ok(()),
            ended = self.supervisor.ended() => Err(std::io::Error::other(ended)),
        }
    }
}

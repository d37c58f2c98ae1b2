//! One process: the chosen services on one event store, behind one HTTP listener.

use crate::services::Service;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::serve::ListenerExt;
use quickclear_caselog::{CaseLog, Summaries};
use quickclear_dispatch::{DispatchConfig, Dispatcher};
use quickclear_eventstore::EventStore;
use quickclear_hotspots::{Hotspots, HotspotsConfig};
use quickclear_intake::Intake;
use quickclear_platform::{Clock, Problem, metrics};
use quickclear_roster::Roster;
use quickclear_squad::{Feeds, Squad};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Request bodies larger than this are refused with 413: a report is a few kilobytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What a process is made of.
pub struct Parts {
    pub store: Arc<dyn EventStore>,
    pub roster: Arc<Roster>,
    pub clock: Clock,
    pub services: Vec<Service>,
    pub dispatch: DispatchConfig,
    /// Where services keep their own files (the hotspots service's position pings); `None` keeps
    /// them in memory.
    pub data_dir: Option<PathBuf>,
    /// The public data (the camera registry the hotspots service reads); `None` means none.
    pub shared_data: Option<PathBuf>,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    /// The case summaries, when this process runs the case log (the demo's summary reads them).
    pub summaries: Option<Arc<Summaries>>,
}

impl Application {
    /// Starts the services' background work and prepares their routes on `listener`.
    pub fn build(parts: Parts, listener: TcpListener) -> Self {
        let Parts {
            store,
            roster,
            clock,
            services,
            dispatch,
            data_dir,
            shared_data,
        } = parts;
        let mut router = Router::new()
            .route("/metrics", get(metrics::render))
            .route("/healthz", get(|| async { "ok" }));
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
            };
            router = router.merge(quickclear_intake::routes(Arc::new(intake)));
        }
        if services.contains(&Service::Dispatch) {
            let dispatcher = Dispatcher::new(store.clone(), roster.clone(), clock, dispatch);
            tokio::spawn(dispatcher.run());
        }
        if !squad_kinds.is_empty() {
            let feeds = Feeds::new(squad_kinds);
            tokio::spawn(feeds.clone().follow(store.clone()));
            let squad = Squad {
                store: store.clone(),
                roster: roster.clone(),
                clock,
                feeds,
            };
            router = router.merge(quickclear_squad::routes(Arc::new(squad)));
        }
        if services.contains(&Service::Caselog) {
            let projection = Summaries::new();
            tokio::spawn(projection.clone().follow(store.clone()));
            let caselog = CaseLog {
                store: store.clone(),
                summaries: projection.clone(),
                clock,
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
            });
            tokio::spawn(hotspots.clone().follow(store.clone()));
            router = router.merge(quickclear_hotspots::routes(hotspots));
        }
        let router = router
            .fallback(|| async { Problem::not_found("no-such-route", "no such route") })
            .method_not_allowed_fallback(|| async {
                Problem::new(
                    axum::http::StatusCode::METHOD_NOT_ALLOWED,
                    "method-not-allowed",
                    "this route does not take that method",
                )
            })
            .layer(DefaultBodyLimit::max(BODY_LIMIT));
        Self {
            listener,
            router,
            summaries,
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Terminal feeds write small SSE frames; without TCP_NODELAY, Nagle's algorithm holds each one
        // until the previous is acknowledged, and the terminal's delayed ACK adds ~40 ms to the tail
        // (docs/benchmarks.md).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

//! The service's state and the projection that keeps it current: thefts folded from the case log
//! (from the start of the log, like the case summaries), pings from their own file, cameras read
//! once at start.

use crate::advisories::{Advisories, Advisory};
use crate::advisory_rule::{RECENT, assess};
use crate::analyses::Analyses;
use crate::cameras::{self, CameraCoverage, DEFAULT_RANGE_M};
use crate::incidents::{Incident, IncidentTable};
use crate::metrics::{ADVISORIES, UNUSABLE_REPORTS};
use crate::ping_store::PingStore;
use quickclear_eventstore::Commit;
use quickclear_platform::{Clock, Follower, Problem, Step};
use quickclear_roster::Roster;
use quickclear_schemas::CaseEvent;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// The file position pings are kept in, inside the data directory.
pub const PINGS_FILE: &str = "hotspots.sqlite";

/// What the service is started with.
pub struct HotspotsConfig {
    pub roster: Arc<Roster>,
    pub clock: Clock,
    /// Where [`PINGS_FILE`] lives; `None` keeps pings in memory (they do not survive a restart).
    pub data_dir: Option<PathBuf>,
    /// Where the camera registry (`chicago-traffic-cameras.csv`) lives; `None` means no cameras.
    pub shared_data: Option<PathBuf>,
    /// How many analyses may compute at once ([`Analyses::per_core`] in production).
    pub analyses: Analyses,
}

pub struct Hotspots {
    pub(crate) roster: Arc<Roster>,
    pub(crate) clock: Clock,
    pub(crate) incidents: RwLock<IncidentTable>,
    pub(crate) pings: Arc<PingStore>,
    /// Set once the cameras' cells are computed, just after start.
    pub(crate) cameras: OnceLock<CameraCoverage>,
    pub(crate) advisories: Advisories,
    analyses: Analyses,
}

impl Hotspots {
    /// Opens the ping file, and starts reading the cameras in the background. A file that cannot be
    /// opened or read is logged as an error and the service runs without it (pings in memory, no
    /// cameras), so the figures stay available. Call it inside a Tokio runtime.
    pub fn start(config: HotspotsConfig) -> Arc<Self> {
        let pings = match &config.data_dir {
            Some(dir) => open_pings(dir),
            None => {
                tracing::info!("hotspots: no data directory; position pings are kept in memory");
                PingStore::in_memory().map_err(|e| e.to_string())
            }
        };
        let pings = pings
            .or_else(|error| {
                tracing::error!(%error, "hotspots: position pings are kept in memory instead");
                PingStore::in_memory()
            })
            .expect("an in-memory SQLite database opens");
        let hotspots = Arc::new(Self {
            roster: config.roster,
            clock: config.clock,
            incidents: RwLock::default(),
            pings: Arc::new(pings),
            cameras: OnceLock::new(),
            advisories: Advisories::default(),
            analyses: config.analyses,
        });
        let loading = hotspots.clone();
        tokio::task::spawn_blocking(move || {
            let coverage = load_cameras(config.shared_data.as_deref());
            loading.cameras.get_or_init(|| coverage);
        });
        hotspots
    }

    /// Runs `work` on the service under the analysis cap ([`Analyses::run`]).
    pub(crate) async fn analyse<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Self) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let hotspots = self.clone();
        self.analyses.run(move || work(&hotspots)).await
    }

    /// Folds the log in for as long as the process runs.
    pub async fn follow(self: Arc<Self>, mut log: Follower) {
        loop {
            if let Step::Commit(commit) = log.next().await {
                self.apply(&commit);
            }
        }
    }

    fn apply(&self, commit: &Commit) {
        for envelope in &commit.events {
            let CaseEvent::ReportReceived(received) = &envelope.event else {
                continue;
            };
            let incident = match Incident::from_report(
                envelope.case_id,
                &received.report,
                envelope.recorded_at,
            ) {
                Ok(incident) => incident,
                Err(error) => {
                    UNUSABLE_REPORTS.inc();
                    tracing::warn!(case_id = %envelope.case_id, %error, "hotspots cannot place this report");
                    continue;
                }
            };
            let advisory = {
                let mut table = self.incidents.write().expect("incidents lock");
                if !table.add(incident) {
                    continue;
                }
                let theft = table.latest().expect("just added");
                // Only a theft whose days at risk are not over yet can warn anyone.
                let still_at_risk = theft.occurred_at.and_utc() + RECENT > self.clock.now();
                let assessment = still_at_risk.then(|| assess(&table, theft));
                assessment
                    .filter(|a| a.calls_for_advisory())
                    .map(|a| Advisory::new(commit.position, theft, &a))
            };
            if let Some(advisory) = advisory {
                let precinct = advisory.precinct.clone();
                if self.advisories.publish(advisory) {
                    ADVISORIES.with_label_values(&[precinct.as_str()]).inc();
                }
            }
        }
    }
}

fn open_pings(dir: &Path) -> Result<PingStore, String> {
    let path = dir.join(PINGS_FILE);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    PingStore::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))
}

fn load_cameras(shared_data: Option<&Path>) -> CameraCoverage {
    let Some(dir) = shared_data else {
        tracing::info!("hotspots: no shared data directory; no camera registry");
        return CameraCoverage::default();
    };
    let coverage = cameras::read_registry(&dir.join(cameras::FILE_NAME), DEFAULT_RANGE_M).and_then(
        |registry| {
            if registry.skipped_rows > 0 {
                tracing::warn!(
                    rows = registry.skipped_rows,
                    "hotspots: camera rows without coordinates left out"
                );
            }
            Ok(CameraCoverage::compute(&registry.cameras, DEFAULT_RANGE_M)?)
        },
    );
    match coverage {
        Ok(coverage) => {
            tracing::info!(
                cameras = coverage.cameras,
                range_m = DEFAULT_RANGE_M,
                "hotspots: camera coverage ready"
            );
            coverage
        }
        Err(error) => {
            tracing::error!(%error, "hotspots: running without cameras");
            CameraCoverage::default()
        }
    }
}

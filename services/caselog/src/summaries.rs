//! Every case's summary, folded from the log (the read model behind lists and clearance figures).

use chrono::{DateTime, Utc};
use futures::StreamExt;
use quickclear_eventstore::{Delivery, EventStore};
use quickclear_platform::metrics::Progress;
use quickclear_schemas::report::{Channel, Offence};
use quickclear_schemas::{CaseEvent, CaseId, EventEnvelope, UnitId};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub case_id: CaseId,
    pub status: &'static str,
    pub channel: Channel,
    pub offence: Offence,
    pub precinct: UnitId,
    pub h3: String,
    pub address: Option<String>,
    pub reported_at: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub escalations: u32,
    pub returned_cents: u64,
}

/// The projection. Readers see it as of the last commit folded in.
#[derive(Default)]
pub struct Summaries {
    cases: RwLock<HashMap<CaseId, Summary>>,
}

impl Summaries {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Folds the log in for as long as the process runs, resuming after a lost subscription.
    pub async fn follow(self: Arc<Self>, store: Arc<dyn EventStore>) {
        let progress = Progress::track("caselog", store.clone(), std::time::Duration::from_secs(2));
        let mut position = 0;
        loop {
            match store.subscribe(position).await {
                Ok(mut log) => {
                    while let Some(delivery) = log.next().await {
                        match delivery {
                            Ok(Delivery::Commit(commit)) => {
                                position = commit.position;
                                commit.events.iter().for_each(|e| self.apply(e));
                                progress.handled(position);
                            }
                            Ok(Delivery::CaughtUp) => {
                                tracing::info!(position, "case summaries caught up")
                            }
                            Err(error) => {
                                tracing::warn!(%error, "case summaries lost the log; resubscribing");
                                break;
                            }
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "case summaries cannot subscribe; retrying"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    fn apply(&self, envelope: &EventEnvelope) {
        let mut cases = self.cases.write().expect("summaries lock");
        let at = envelope.recorded_at;
        if let CaseEvent::ReportReceived(e) = &envelope.event {
            let r = &e.report;
            cases.insert(
                envelope.case_id,
                Summary {
                    case_id: envelope.case_id,
                    status: "open",
                    channel: r.channel,
                    offence: r.offence,
                    precinct: r.precinct.clone(),
                    h3: r.location.h3.clone(),
                    address: r.location.address.clone(),
                    reported_at: at,
                    dispatched_at: None,
                    cleared_at: None,
                    closed_at: None,
                    escalations: 0,
                    returned_cents: 0,
                },
            );
            return;
        }
        let Some(summary) = cases.get_mut(&envelope.case_id) else {
            return;
        };
        match &envelope.event {
            CaseEvent::CaseDispatched(_) => summary.dispatched_at = Some(at),
            CaseEvent::TaskEscalated(_) => summary.escalations += 1,
            CaseEvent::PropertyReturned(e) => summary.returned_cents += e.value_cents,
            CaseEvent::CaseCleared(_) => {
                summary.status = "cleared";
                summary.cleared_at = Some(at);
            }
            CaseEvent::CaseClosed(_) => {
                summary.status = "closed";
                summary.closed_at = Some(at);
            }
            _ => {}
        }
    }

    /// The summaries that pass `keep`, oldest report first.
    pub fn select(&self, keep: impl Fn(&Summary) -> bool) -> Vec<Summary> {
        let cases = self.cases.read().expect("summaries lock");
        let mut selected: Vec<Summary> = cases.values().filter(|s| keep(s)).cloned().collect();
        selected.sort_by_key(|s| (s.reported_at, s.case_id));
        selected
    }
}

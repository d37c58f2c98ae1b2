//! The replay: each theft is reported when the simulated clock reaches the time it happened.
//!
//! Most reports come from a dispatcher taking a call (`POST /api/v1/reports`); a shoplifting next to
//! one of the roster's alarm buttons is sometimes the shop pressing it, and a theft next to a door
//! plate sometimes a resident scanning its QR code. Every report carries the theft's record id as its
//! `Idempotency-Key`, and is built from the theft alone (its own seeded generator), so a restarted
//! demo sending it again gets the same case back instead of a second one.

use crate::demo::api::{Answer, Api};
use crate::demo::rng::SplitMix64;
use crate::demo::sessions::As;
use crate::demo::stats::{Stats, inc};
use crate::demo::thefts::{self, Row, Theft};
use chrono::{DateTime, Utc};
use quickclear_platform::Clock;
use quickclear_roster::{LatLng, Place, Roster};
use quickclear_schemas::message::{
    AlarmRequest, DoorplateReportRequest, ItemInput, LocationInput, OccurredInput, ReportRequest,
};
use quickclear_schemas::report::{Channel, Offence};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

/// A place within this distance of a door plate or an alarm button may report through it.
const NEAR_M: f64 = 250.0;
/// Of the thefts near one, the share reported through the plate or the button.
const THROUGH_DEVICE: f64 = 0.6;

/// Theft record ids whose row says an arrest was made: the simulated precinct makes one.
pub type Arrests = Arc<Mutex<HashSet<String>>>;

/// One report, ready to send.
#[derive(Clone, Debug, PartialEq)]
pub enum Outgoing {
    Dispatcher(ReportRequest),
    Doorplate {
        plate: String,
        body: DoorplateReportRequest,
    },
    Alarm {
        device: String,
        body: AlarmRequest,
    },
}

impl Outgoing {
    pub fn path(&self) -> String {
        match self {
            Outgoing::Dispatcher(_) => "/api/v1/reports".into(),
            Outgoing::Doorplate { plate, .. } => format!("/api/v1/doorplates/{plate}/reports"),
            Outgoing::Alarm { device, .. } => format!("/api/v1/alarms/{device}"),
        }
    }

    pub fn channel(&self) -> Channel {
        match self {
            Outgoing::Dispatcher(_) => Channel::Dispatcher,
            Outgoing::Doorplate { .. } => Channel::Doorplate,
            Outgoing::Alarm { .. } => Channel::Alarm,
        }
    }
}

/// The door plates and alarm buttons reports can come through.
#[derive(Clone, Debug, Default)]
pub struct Devices {
    pub doorplates: Vec<Place>,
    pub alarms: Vec<Place>,
}

impl Devices {
    pub fn of(roster: &Roster) -> Self {
        Self {
            doorplates: roster.doorplates().cloned().collect(),
            alarms: roster.alarms().cloned().collect(),
        }
    }
}

/// The report about one theft. Same theft and seed, same report.
pub fn report_for(theft: &Theft, devices: &Devices, seed: u64) -> Outgoing {
    let mut rng = SplitMix64::for_key(seed, &theft.id);
    let offence = thefts::offence(&theft.description, &theft.location_description);
    let item = ItemInput {
        description: thefts::item_description(offence, &mut rng).to_owned(),
        value_cents: thefts::value_cents(&theft.description, offence, &mut rng),
    };
    let through_device = rng.chance(THROUGH_DEVICE);
    let occurred = OccurredInput {
        at: Some(theft.occurred_at),
        from: None,
        to: None,
    };
    let description = format!(
        "{} at {} (CPD case {})",
        theft.description.to_lowercase(),
        theft.location_description.to_lowercase(),
        theft.case_number
    );
    let near = |places: &[Place]| -> Option<String> {
        let (lat, lng) = theft.location?;
        let at = LatLng { lat, lng };
        places
            .iter()
            .map(|p| (p.at.distance_m(at), p))
            .filter(|(d, _)| *d <= NEAR_M)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, p)| p.id.clone())
    };
    if through_device {
        if offence == Offence::Shoplifting {
            if let Some(device) = near(&devices.alarms) {
                return Outgoing::Alarm {
                    device,
                    body: AlarmRequest {
                        pressed_at: Some(theft.occurred_at),
                        description: Some(description),
                    },
                };
            }
        } else if let Some(plate) = near(&devices.doorplates) {
            return Outgoing::Doorplate {
                plate,
                body: DoorplateReportRequest {
                    occurred: Some(occurred),
                    offence,
                    description,
                    items: vec![item],
                    reporter: None,
                },
            };
        }
    }
    Outgoing::Dispatcher(ReportRequest {
        channel: Some(Channel::Dispatcher),
        occurred,
        location: LocationInput {
            lat: theft.location.map(|l| l.0),
            lng: theft.location.map(|l| l.1),
            address: Some(theft.block.clone()),
        },
        offence,
        description,
        items: vec![item],
        reporter: None,
    })
}

pub struct Replay {
    pub api: Api,
    pub devices: Devices,
    pub clock: Clock,
    pub stats: Arc<Stats>,
    pub seed: u64,
    /// Thefts at or after this time are not replayed.
    pub until: Option<DateTime<Utc>>,
    /// Thefts before this time were replayed by an earlier run: they are not sent again.
    pub skip_before: Option<DateTime<Utc>>,
    pub arrests: Arrests,
}

impl Replay {
    /// Sends every theft at its time. `ready` fires once the thefts an earlier run replayed have been
    /// read past (their arrests are known then), or at the end of the file.
    pub async fn run(self, mut rows: mpsc::Receiver<Row>, ready: oneshot::Sender<()>) {
        let mut ready = Some(ready);
        // Thefts before the run began (resent after a restart) are late by design, not by load.
        let began = self.clock.now();
        let mut in_flight = JoinSet::new();
        let this = Arc::new(self);
        while let Some(row) = rows.recv().await {
            while in_flight.try_join_next().is_some() {}
            let theft = match row {
                Ok(theft) => theft,
                Err(error) => {
                    inc(&this.stats.rows_unreadable);
                    warn_sometimes(
                        &this.stats.rows_unreadable,
                        || tracing::warn!(%error, "demo: skipping a row of the theft file"),
                    );
                    continue;
                }
            };
            if this.until.is_some_and(|until| theft.occurred_at >= until) {
                break;
            }
            inc(&this.stats.rows_read);
            if theft.arrest {
                this.arrests
                    .lock()
                    .expect("arrests lock")
                    .insert(theft.id.clone());
            }
            if this
                .skip_before
                .is_some_and(|skip| theft.occurred_at < skip)
            {
                inc(&this.stats.rows_skipped);
                continue;
            }
            if let Some(ready) = ready.take() {
                let _ = ready.send(());
            }
            this.clock.sleep_until(theft.occurred_at).await;
            let slot = this.api.slot().await;
            if theft.occurred_at >= began {
                let lag = this.clock.now() - theft.occurred_at;
                this.stats.observe_report_lag(lag.num_seconds());
            }
            let replay = this.clone();
            in_flight.spawn(async move {
                replay.send(&theft).await;
                drop(slot);
            });
        }
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        while in_flight.join_next().await.is_some() {}
        this.stats.replay_done.store(true, Ordering::Release);
    }

    async fn send(&self, theft: &Theft) {
        let outgoing = report_for(theft, &self.devices, self.seed);
        inc(&self.stats.reports_sent);
        let path = outgoing.path();
        let key = Some(theft.id.as_str());
        // Every channel is sent as the dispatcher: the public ones' rate limits would stop a replay.
        let api = &self.api;
        let answer = match &outgoing {
            Outgoing::Dispatcher(body) => api.post_in_slot(As::Dispatcher, &path, key, body).await,
            Outgoing::Doorplate { body, .. } => {
                api.post_in_slot(As::Dispatcher, &path, key, body).await
            }
            Outgoing::Alarm { body, .. } => {
                api.post_in_slot(As::Dispatcher, &path, key, body).await
            }
        };
        let stats = &self.stats;
        match answer {
            Answer::Done {
                replayed: false, ..
            } => inc(&stats.reports_accepted),
            Answer::Done { replayed: true, .. } => inc(&stats.reports_replayed),
            Answer::Refused { status: 422, .. } if theft.location.is_none() => {
                inc(&stats.rejected_no_location)
            }
            Answer::Refused {
                status: 422,
                ref problem,
            } if problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("outside every precinct")) =>
            {
                inc(&stats.rejected_outside)
            }
            Answer::Refused { status, problem } => {
                inc(&stats.rejected_other);
                warn_sometimes(
                    &stats.rejected_other,
                    || tracing::warn!(theft = %theft.id, status, %problem, "demo: a report was refused"),
                );
            }
            Answer::Failed(error) => {
                inc(&stats.report_failures);
                warn_sometimes(
                    &stats.report_failures,
                    || tracing::warn!(theft = %theft.id, %error, "demo: a report got no answer"),
                );
            }
        }
    }
}

/// Logs the first few occurrences of something, then every power of two, so a systematic problem
/// shows without flooding the terminal.
pub fn warn_sometimes(count: &AtomicU64, log: impl FnOnce()) {
    let n = count.load(Ordering::Relaxed);
    if n <= 3 || n.is_power_of_two() {
        log();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theft(description: &str, place: &str, location: Option<(f64, f64)>) -> Theft {
        Theft {
            id: "10475491".into(),
            case_number: "HZ214554".into(),
            occurred_at: "2016-01-01T00:00:00Z".parse().unwrap(),
            block: "008XX N MICHIGAN AVE".into(),
            description: description.into(),
            location_description: place.into(),
            arrest: true,
            district: "018".into(),
            location,
        }
    }

    fn devices() -> Devices {
        let place = |id: &str, lat, lng| Place {
            id: id.into(),
            at: LatLng { lat, lng },
            address: format!("{id} street"),
        };
        Devices {
            doorplates: vec![place("DP-1", 41.8789, -87.6359)],
            alarms: vec![place("AL-1", 41.8835, -87.6278)],
        }
    }

    #[test]
    fn a_theft_far_from_devices_is_a_dispatcher_report() {
        let report = report_for(
            &theft("OVER $500", "DEPARTMENT STORE", Some((41.8979, -87.6241))),
            &devices(),
            7,
        );
        let Outgoing::Dispatcher(body) = &report else {
            panic!("{report:?}")
        };
        assert_eq!(report.path(), "/api/v1/reports");
        assert_eq!(body.location.lat, Some(41.8979));
        assert_eq!(
            body.location.address.as_deref(),
            Some("008XX N MICHIGAN AVE")
        );
        assert_eq!(body.offence, Offence::OtherTheft);
        assert!(body.items[0].value_cents > 50_000);
        assert_eq!(
            body.occurred.at,
            Some("2016-01-01T00:00:00Z".parse().unwrap())
        );
        assert!(body.description.contains("HZ214554"));
    }

    #[test]
    fn a_theft_without_coordinates_is_still_reported_without_them() {
        let report = report_for(
            &theft("RETAIL THEFT", "DEPARTMENT STORE", None),
            &devices(),
            7,
        );
        let Outgoing::Dispatcher(body) = report else {
            panic!("no device for a place we do not know")
        };
        assert_eq!((body.location.lat, body.location.lng), (None, None));
        assert_eq!(body.offence, Offence::Shoplifting);
    }

    #[test]
    fn the_same_theft_gives_the_same_report() {
        let devices = devices();
        let t = theft("$500 AND UNDER", "STREET", Some((41.88, -87.636)));
        assert_eq!(report_for(&t, &devices, 3), report_for(&t, &devices, 3));
    }

    #[test]
    fn thefts_next_to_devices_sometimes_come_through_them() {
        let devices = devices();
        let mut channels = HashSet::new();
        for n in 0..200 {
            let mut shoplifting = theft(
                "RETAIL THEFT",
                "SMALL RETAIL STORE",
                Some((41.8836, -87.6279)),
            );
            shoplifting.id = format!("s{n}");
            let report = report_for(&shoplifting, &devices, 1);
            if let Outgoing::Alarm { device, body } = &report {
                assert_eq!(device, "AL-1");
                assert_eq!(body.pressed_at, Some(shoplifting.occurred_at));
            }
            channels.insert(report.channel());
            let mut residence = theft("FROM BUILDING", "RESIDENCE", Some((41.8790, -87.6360)));
            residence.id = format!("r{n}");
            channels.insert(report_for(&residence, &devices, 1).channel());
        }
        assert_eq!(channels.len(), 3, "{channels:?}");
    }
}

//! Simulated patrol cars, one per precinct, so the patrol-gap review has data.
//!
//! Each car drives tours from its station: a few waypoints, reached along the street grid (north or
//! south first, then east or west) at 30 km/h of simulated time, a stop of 5 to 25 minutes at each,
//! then back to the station for a while. Its terminal posts the car's position every simulated
//! minute in batches (`POST /api/v1/units/{unit}/positions`), one batch every 5 to 10 simulated
//! minutes, but never more than one a real second per car (at 600x a batch covers ten minutes).
//!
//! Most waypoints are places the precinct's thefts were reported at (learnt from the case log as
//! they come in): the one nearest the station of three drawn from the latest, so cars favour busy
//! places close to home. The others are random points of the territory near the station. Dwell so
//! piles up unevenly: hot cells far from the station or off the car's habits get little patrol,
//! which is what the review is there to show.

use crate::demo::api::{Answer, Api};
use crate::demo::reports::warn_sometimes;
use crate::demo::rng::SplitMix64;
use crate::demo::sessions::As;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use quickclear_platform::{Clock, Consistency, Follower, Health, Step, Supervisor};
use quickclear_roster::{LatLng, Roster};
use quickclear_schemas::{CaseEvent, TaskKind, UnitId};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// 30 km/h.
const METRES_PER_MINUTE: f64 = 500.0;
const METRES_PER_DEGREE: f64 = 111_320.0;
/// Theft places remembered per precinct: the latest ones.
const REMEMBERED: usize = 400;
/// Share of waypoints taken from theft places (the rest are random points near the station).
const AT_THEFT_PLACES: f64 = 0.75;
/// How far from the station the random waypoints lie, at most.
const HOME_RADIUS_M: f64 = 3_000.0;
/// A batch spans at least this much real time, whatever the speed.
const REAL_SECONDS_PER_BATCH: f64 = 1.0;
/// Pings per batch at most (the service takes 500).
const MAX_BATCH: i64 = 480;

/// Where each precinct's thefts were reported, the latest [`REMEMBERED`] of each.
#[derive(Debug, Default)]
pub struct Sightings {
    by_precinct: Mutex<HashMap<UnitId, VecDeque<LatLng>>>,
}

impl Sightings {
    pub fn record(&self, precinct: &UnitId, at: LatLng) {
        let mut all = self.by_precinct.lock().expect("sightings lock");
        let places = all.entry(precinct.clone()).or_default();
        if places.len() == REMEMBERED {
            places.pop_front();
        }
        places.push_back(at);
    }

    /// One of `draws` theft places of the precinct, the nearest to `station`; `None` before any.
    pub fn near_pick(
        &self,
        precinct: &UnitId,
        station: LatLng,
        draws: usize,
        rng: &mut SplitMix64,
    ) -> Option<LatLng> {
        let all = self.by_precinct.lock().expect("sightings lock");
        let places = all.get(precinct).filter(|p| !p.is_empty())?;
        (0..draws)
            .map(|_| places[rng.between(0, places.len() as u64 - 1) as usize])
            .min_by(|a, b| station.distance_m(*a).total_cmp(&station.distance_m(*b)))
    }

    /// Records every reported theft's place, following the case log for as long as the process runs.
    async fn follow(self: Arc<Self>, mut log: Follower) {
        loop {
            let Step::Commit(commit) = log.next().await else {
                continue;
            };
            for envelope in &commit.events {
                if let CaseEvent::ReportReceived(received) = &envelope.event {
                    let report = &received.report;
                    let (lat, lng) = (report.location.lat, report.location.lng);
                    self.record(&report.precinct, LatLng { lat, lng });
                }
            }
        }
    }
}

/// One precinct's car.
struct Car {
    unit: UnitId,
    station: LatLng,
    /// Random points of the territory near the station.
    home: Vec<LatLng>,
    rng: SplitMix64,
}

/// Starts every precinct's car (and the case-log reader that tells them where thefts happen).
/// Cars stop at `until` when one is given.
pub fn start(
    api: Api,
    clock: Clock,
    (health, supervisor): (&Health, &Supervisor),
    roster: &Roster,
    seed: u64,
    until: Option<DateTime<Utc>>,
) {
    let sightings = Arc::new(Sightings::default());
    let log = health.follow("demo patrols", Consistency::Durable);
    supervisor.spawn("demo patrols", sightings.clone().follow(log));
    let failures = Arc::new(AtomicU64::new(0));
    for unit in roster.units_of(TaskKind::Precinct) {
        let mut rng = SplitMix64::for_key(seed, &format!("patrol {}", unit.id));
        let home = home_points(roster, &unit.id, unit.base, &mut rng);
        let car = Car {
            unit: unit.id.clone(),
            station: unit.base,
            home,
            rng,
        };
        let (api, sightings, failures) = (api.clone(), sightings.clone(), failures.clone());
        tokio::spawn(car.drive(api, clock, sightings, failures, until));
    }
}

/// Up to 48 random points within [`HOME_RADIUS_M`] of the station that the precinct owns.
fn home_points(
    roster: &Roster,
    unit: &UnitId,
    station: LatLng,
    rng: &mut SplitMix64,
) -> Vec<LatLng> {
    let mut points = Vec::new();
    for _ in 0..400 {
        let (north, east) = (
            (rng.unit() * 2.0 - 1.0) * HOME_RADIUS_M,
            (rng.unit() * 2.0 - 1.0) * HOME_RADIUS_M,
        );
        let at = offset(station, north, east);
        if roster.precincts().owner_of(at.lat, at.lng) == Some(unit) {
            points.push(at);
            if points.len() == 48 {
                break;
            }
        }
    }
    points
}

impl Car {
    async fn drive(
        mut self,
        api: Api,
        clock: Clock,
        sightings: Arc<Sightings>,
        failures: Arc<AtomicU64>,
        until: Option<DateTime<Utc>>,
    ) {
        let minimum = (clock.speed() * REAL_SECONDS_PER_BATCH / 60.0).ceil() as i64;
        let start = clock
            .now()
            .duration_trunc(TimeDelta::minutes(1))
            .unwrap_or(clock.now());
        let mut at = start + TimeDelta::minutes(self.rng.between(0, 9) as i64);
        let mut track: VecDeque<LatLng> = VecDeque::new();
        let mut batch = Vec::new();
        let mut batch_minutes = self.batch_minutes(minimum);
        loop {
            if until.is_some_and(|until| at >= until) {
                break;
            }
            if track.is_empty() {
                let waypoints = self.waypoints(&sightings);
                let stops: Vec<i64> = (0..waypoints.len())
                    .map(|_| self.rng.between(5, 25) as i64)
                    .collect();
                let rest = self.rng.between(15, 45) as i64;
                track.extend(tour(self.station, &waypoints, &stops, rest));
            }
            let Some(position) = track.pop_front() else {
                continue;
            };
            batch.push(json!({ "at": at.to_rfc3339(), "lat": position.lat, "lng": position.lng }));
            if batch.len() as i64 >= batch_minutes {
                clock.sleep_until(at).await;
                self.post(&api, std::mem::take(&mut batch), &failures).await;
                batch_minutes = self.batch_minutes(minimum);
            }
            at += TimeDelta::minutes(1);
        }
        if !batch.is_empty() {
            clock.sleep_until(at).await;
            self.post(&api, batch, &failures).await;
        }
    }

    fn batch_minutes(&mut self, minimum: i64) -> i64 {
        (self.rng.between(5, 10) as i64).max(minimum).min(MAX_BATCH)
    }

    /// Three to six waypoints for the next tour.
    fn waypoints(&mut self, sightings: &Sightings) -> Vec<LatLng> {
        let count = self.rng.between(3, 6);
        (0..count)
            .map(|_| {
                let theft_place = match self.rng.chance(AT_THEFT_PLACES) {
                    true => sightings.near_pick(&self.unit, self.station, 3, &mut self.rng),
                    false => None,
                };
                theft_place.unwrap_or_else(|| match self.home.is_empty() {
                    true => self.station,
                    false => self.rng.pick(&self.home),
                })
            })
            .collect()
    }

    async fn post(&self, api: &Api, pings: Vec<serde_json::Value>, failures: &AtomicU64) {
        let path = format!("/api/v1/units/{}/positions", self.unit);
        let answer = api
            .post(
                As::Unit(&self.unit),
                &path,
                None,
                &json!({ "pings": pings }),
            )
            .await;
        if !matches!(answer, Answer::Done { .. }) {
            crate::demo::stats::inc(failures);
            warn_sometimes(
                failures,
                || tracing::warn!(unit = %self.unit, ?answer, "demo: a patrol's position batch was not taken"),
            );
        }
    }
}

/// A tour, one position a minute: from the station to each waypoint in turn (stopping there for
/// its minutes), then back, resting `rest` minutes at the station.
fn tour(station: LatLng, waypoints: &[LatLng], stops: &[i64], rest: i64) -> Vec<LatLng> {
    let mut track = Vec::new();
    let mut here = station;
    for (&waypoint, &stop) in waypoints.iter().zip(stops) {
        track.extend(drive(here, waypoint));
        track.extend(std::iter::repeat_n(waypoint, stop.max(0) as usize));
        here = waypoint;
    }
    track.extend(drive(here, station));
    track.extend(std::iter::repeat_n(station, rest.max(1) as usize));
    track
}

/// Positions a minute apart from `from` (excluded) to `to` (included) along the grid: north or
/// south first, then east or west, at [`METRES_PER_MINUTE`].
fn drive(from: LatLng, to: LatLng) -> Vec<LatLng> {
    let east_metres_per_degree = METRES_PER_DEGREE * from.lat.to_radians().cos();
    let north = (to.lat - from.lat) * METRES_PER_DEGREE;
    let east = (to.lng - from.lng) * east_metres_per_degree;
    let length = north.abs() + east.abs();
    // A millimetre short of a whole minute is that minute (rounding of the degrees).
    let minutes = (length / METRES_PER_MINUTE - 1e-6).ceil().max(0.0) as usize;
    (1..=minutes)
        .map(|minute| {
            let along = (minute as f64 * METRES_PER_MINUTE).min(length);
            if along <= north.abs() {
                offset(from, along * north.signum(), 0.0)
            } else {
                LatLng {
                    lat: to.lat,
                    lng: from.lng + (along - north.abs()) * east.signum() / east_metres_per_degree,
                }
            }
        })
        .collect()
}

/// The point `north` and `east` metres from `at`.
fn offset(at: LatLng, north: f64, east: f64) -> LatLng {
    LatLng {
        lat: at.lat + north / METRES_PER_DEGREE,
        lng: at.lng + east / (METRES_PER_DEGREE * at.lat.to_radians().cos()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATION: LatLng = LatLng {
        lat: 41.8583,
        lng: -87.6275,
    };

    fn close(a: LatLng, b: LatLng) -> bool {
        a.distance_m(b) < 1.0
    }

    #[test]
    fn a_car_drives_the_grid_at_thirty_kilometres_an_hour() {
        let to = offset(STATION, 1_200.0, -800.0);
        let track = drive(STATION, to);
        // 2 km of road at 500 m a minute: four minutes.
        assert_eq!(track.len(), 4);
        assert!(close(track[0], offset(STATION, 500.0, 0.0)));
        assert!(
            close(track[1], offset(STATION, 1_000.0, 0.0)),
            "north first"
        );
        assert!(
            track[2].lat == to.lat && track[2].lng < STATION.lng,
            "then west"
        );
        assert!(close(track[3], to));
        assert!(drive(STATION, STATION).is_empty());
    }

    #[test]
    fn a_tour_stops_at_each_waypoint_and_ends_resting_at_the_station() {
        let a = offset(STATION, 500.0, 0.0);
        let b = offset(STATION, 500.0, 500.0);
        let track = tour(STATION, &[a, b], &[3, 2], 4);
        // 1 minute to a, 3 there, 1 to b, 2 there, 2 back, 4 at the station.
        assert_eq!(track.len(), 13);
        assert_eq!(track.iter().filter(|p| close(**p, a)).count(), 4);
        assert_eq!(track.iter().filter(|p| close(**p, b)).count(), 3);
        assert!(track[track.len() - 4..].iter().all(|p| close(*p, STATION)));
    }

    #[test]
    fn theft_places_near_the_station_are_favoured() {
        let sightings = Sightings::default();
        let unit = UnitId::new("D001");
        let mut rng = SplitMix64::new(7);
        assert!(sightings.near_pick(&unit, STATION, 3, &mut rng).is_none());
        let near = offset(STATION, 300.0, 0.0);
        let far = offset(STATION, 5_000.0, 0.0);
        for i in 0..REMEMBERED + 10 {
            sightings.record(&unit, if i % 2 == 0 { near } else { far });
        }
        let picks: Vec<LatLng> = (0..1000)
            .filter_map(|_| sightings.near_pick(&unit, STATION, 3, &mut rng))
            .collect();
        let near_share = picks.iter().filter(|p| close(**p, near)).count() as f64 / 1000.0;
        // The far place wins only when all three draws are far: 1/8 of the time.
        assert!((0.83..0.92).contains(&near_share), "{near_share}");
        let kept = sightings.by_precinct.lock().expect("lock")[&unit].len();
        assert_eq!(kept, REMEMBERED);
    }
}

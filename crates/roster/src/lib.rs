//! The roster: every unit that can take a task, the territory each precinct owns, and the registered
//! places reports can come from (door plates, alarm buttons).
//!
//! - [`Roster`]: units by id and kind, door plates and alarms, and the [`PrecinctMap`].
//! - [`precincts`]: which precinct owns a location, by H3 cell, from the precincts' boundary polygons.
//! - [`config`]: the roster file (`--config FILE`, TOML) and how it is loaded.
//! - [`demo`]: the demo city built from the public Chicago data in `shared/data/`.
//! - [`geojson`]: the little GeoJSON reading the boundaries need.

pub mod config;
pub mod demo;
pub mod geojson;
pub mod precincts;

pub use precincts::PrecinctMap;

use quickclear_schemas::{TaskKind, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A point on the earth, in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

impl LatLng {
    /// Great-circle distance in metres.
    pub fn distance_m(self, other: LatLng) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

/// A unit that takes tasks of one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub kind: TaskKind,
    pub name: String,
    /// The station or base the unit works from.
    pub base: LatLng,
}

/// A registered place a report can come from without typing an address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    pub at: LatLng,
    pub address: String,
}

/// The SHA-256 digest of an alarm device's secret: the roster keeps no secret itself.
pub type SecretDigest = [u8; 32];

/// Everything dispatch needs to know about who and where.
#[derive(Debug)]
pub struct Roster {
    units: BTreeMap<UnitId, Unit>,
    precincts: PrecinctMap,
    doorplates: BTreeMap<String, Place>,
    alarms: BTreeMap<String, Place>,
    /// Kept apart from the alarms' places, which the roster route publishes.
    alarm_secrets: BTreeMap<String, SecretDigest>,
}

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Roster {
    /// Builds a roster, checking that it can serve every kind of task and that every precinct with
    /// territory is a unit.
    pub fn new(
        units: Vec<Unit>,
        precincts: PrecinctMap,
        doorplates: Vec<Place>,
        alarms: Vec<Place>,
    ) -> Result<Self, String> {
        let mut by_id = BTreeMap::new();
        for unit in units {
            if let Some(previous) = by_id.insert(unit.id.clone(), unit) {
                return Err(format!("unit {} is listed twice", previous.id));
            }
        }
        for kind in TaskKind::ALL {
            if !by_id.values().any(|u| u.kind == kind) {
                return Err(format!("the roster has no {kind} unit"));
            }
        }
        for owner in precincts.owners() {
            if by_id.get(owner).map(|u| u.kind) != Some(TaskKind::Precinct) {
                return Err(format!(
                    "territory is owned by {owner}, which is not a precinct unit"
                ));
            }
        }
        let index = |places: Vec<Place>| places.into_iter().map(|p| (p.id.clone(), p)).collect();
        Ok(Self {
            units: by_id,
            precincts,
            doorplates: index(doorplates),
            alarms: index(alarms),
            alarm_secrets: BTreeMap::new(),
        })
    }

    /// Gives alarm devices the digests of their secrets, which their presses may then carry.
    pub fn with_alarm_secrets(
        mut self,
        secrets: impl IntoIterator<Item = (String, SecretDigest)>,
    ) -> Result<Self, String> {
        for (device, digest) in secrets {
            if !self.alarms.contains_key(&device) {
                return Err(format!("a secret for {device}, which is not an alarm"));
            }
            self.alarm_secrets.insert(device, digest);
        }
        Ok(self)
    }

    pub fn unit(&self, id: &UnitId) -> Option<&Unit> {
        self.units.get(id)
    }

    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    pub fn units_of(&self, kind: TaskKind) -> impl Iterator<Item = &Unit> {
        self.units.values().filter(move |u| u.kind == kind)
    }

    pub fn precincts(&self) -> &PrecinctMap {
        &self.precincts
    }

    pub fn doorplate(&self, id: &str) -> Option<&Place> {
        self.doorplates.get(id)
    }

    pub fn doorplates(&self) -> impl Iterator<Item = &Place> {
        self.doorplates.values()
    }

    pub fn alarm(&self, id: &str) -> Option<&Place> {
        self.alarms.get(id)
    }

    pub fn alarms(&self) -> impl Iterator<Item = &Place> {
        self.alarms.values()
    }

    /// The digest of the alarm device's secret, if it has one.
    pub fn alarm_secret(&self, id: &str) -> Option<&SecretDigest> {
        self.alarm_secrets.get(id)
    }
}

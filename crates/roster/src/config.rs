//! The roster file: `quickclear up --config roster.toml`.
//!
//! ```toml
//! # Precinct territories: a GeoJSON FeatureCollection of (Multi)Polygons, path relative to this file.
//! [boundaries]
//! geojson = "districts.geojson"
//! key_property = "DIST_NUM"          # the feature property that names a territory
//!
//! [[precinct]]
//! id = "D001"
//! name = "Central"
//! base = { lat = 41.8584, lng = -87.6274 }
//! territory = "1"                    # the key_property value of its territory
//!
//! [[team]]                           # property-crime and scene-investigation teams
//! id = "PROP-1"
//! kind = "property"                  # or "scene"
//! name = "Property crime team 1"
//! base = { lat = 41.8584, lng = -87.6274 }
//!
//! [[doorplate]]                      # optional: QR door plates residents can report from
//! id = "DP-0001"
//! address = "1718 S State St"
//! at = { lat = 41.8584, lng = -87.6274 }
//!
//! [[alarm]]                          # optional: one-click alarm buttons in shops
//! id = "AL-0001"
//! address = "100 W Randolph St"
//! at = { lat = 41.8846, lng = -87.6319 }
//! # Optional: the SHA-256 (hex) of the device's secret, which it sends as `Authorization: Device
//! # <secret>`; make one with `openssl rand -base64 32`, digest it with `printf %s "$SECRET" | sha256sum`.
//! secret_sha256 = "<64 hex digits>"
//! ```

use crate::geojson::read_features;
use crate::{LatLng, Place, PrecinctMap, Roster, RosterError, SecretDigest, Unit};
use geo::MultiPolygon;
use quickclear_schemas::{TaskKind, UnitId};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    boundaries: Boundaries,
    precinct: Vec<PrecinctEntry>,
    team: Vec<TeamEntry>,
    #[serde(default)]
    doorplate: Vec<Place>,
    #[serde(default)]
    alarm: Vec<AlarmEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlarmEntry {
    id: String,
    address: String,
    at: LatLng,
    secret_sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Boundaries {
    geojson: String,
    key_property: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrecinctEntry {
    id: String,
    name: String,
    base: LatLng,
    territory: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamEntry {
    id: String,
    kind: TaskKind,
    name: String,
    base: LatLng,
}

fn read(path: &Path) -> Result<String, RosterError> {
    std::fs::read_to_string(path).map_err(|source| RosterError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Loads a roster file; paths inside it are relative to the file.
pub fn load(path: &Path) -> Result<Roster, RosterError> {
    let invalid = |message: String| RosterError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let file: RosterFile = toml::from_str(&read(path)?).map_err(|e| invalid(e.to_string()))?;
    let boundaries_path = path
        .parent()
        .unwrap_or(Path::new("."))
        .join(&file.boundaries.geojson);
    let territories = territories_by_key(&read(&boundaries_path)?, &file.boundaries.key_property)
        .map_err(|e| invalid(format!("{}: {e}", boundaries_path.display())))?;
    let mut owned = Vec::new();
    let mut units = Vec::new();
    for p in file.precinct {
        let area = territories.get(&p.territory).ok_or_else(|| {
            invalid(format!(
                "precinct {}: no territory {:?} in the boundaries",
                p.id, p.territory
            ))
        })?;
        owned.push((UnitId::new(&p.id), area.clone()));
        units.push(Unit {
            id: UnitId::new(p.id),
            kind: TaskKind::Precinct,
            name: p.name,
            base: p.base,
        });
    }
    for t in file.team {
        if t.kind == TaskKind::Precinct {
            return Err(invalid(format!(
                "team {}: a team is of kind property or scene",
                t.id
            )));
        }
        units.push(Unit {
            id: UnitId::new(t.id),
            kind: t.kind,
            name: t.name,
            base: t.base,
        });
    }
    let precincts = PrecinctMap::new(owned).map_err(invalid)?;
    let mut secrets = Vec::new();
    let mut alarms = Vec::new();
    for a in file.alarm {
        if let Some(hex) = &a.secret_sha256 {
            let digest = digest_from_hex(hex).ok_or_else(|| {
                invalid(format!(
                    "alarm {}: secret_sha256 is 64 hex digits, the SHA-256 of the device's secret",
                    a.id
                ))
            })?;
            secrets.push((a.id.clone(), digest));
        }
        alarms.push(Place {
            id: a.id,
            at: a.at,
            address: a.address,
        });
    }
    Roster::new(units, precincts, file.doorplate, alarms)
        .and_then(|roster| roster.with_alarm_secrets(secrets))
        .map_err(invalid)
}

fn digest_from_hex(hex: &str) -> Option<SecretDigest> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut digest = [0; 32];
    for (byte, pair) in digest.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

/// Territories by key; features sharing a key (a precinct in several pieces) are merged.
pub fn territories_by_key(
    geojson: &str,
    key_property: &str,
) -> Result<HashMap<String, MultiPolygon<f64>>, String> {
    let mut territories: HashMap<String, MultiPolygon<f64>> = HashMap::new();
    for feature in read_features(geojson, key_property)? {
        territories
            .entry(feature.key)
            .or_insert_with(|| MultiPolygon(Vec::new()))
            .0
            .extend(feature.area);
    }
    Ok(territories)
}

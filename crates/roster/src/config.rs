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
//! ```

use crate::geojson::read_features;
use crate::{LatLng, Place, PrecinctMap, Roster, RosterError, Unit};
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
    alarm: Vec<Place>,
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
    Roster::new(units, precincts, file.doorplate, file.alarm).map_err(invalid)
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

//! The demo city: Chicago's police districts as precincts (with their stations), four property-crime
//! teams and three scene teams based at stations, and a few door plates and alarm buttons.
//! Everything comes from the public data in `shared/data/`.

use crate::config::territories_by_key;
use crate::{LatLng, Place, PrecinctMap, Roster, RosterError, Unit};
use quickclear_schemas::{TaskKind, UnitId};
use std::collections::HashMap;
use std::path::Path;

/// District numbers whose stations host the squads' teams.
const PROPERTY_TEAM_BASES: [u32; 4] = [1, 9, 12, 19];
const SCENE_TEAM_BASES: [u32; 3] = [2, 11, 18];

/// The precinct unit of a Chicago police district: `D001` for district 1.
pub fn precinct_id(district: u32) -> UnitId {
    UnitId::new(format!("D{district:03}"))
}

/// Builds the demo roster from `shared/data` (the folder holding the Chicago files).
pub fn chicago(data_dir: &Path) -> Result<Roster, RosterError> {
    let boundaries_path = data_dir.join("chicago-police-districts.geojson");
    let invalid = |path: &Path, message: String| RosterError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(&boundaries_path).map_err(|source| RosterError::Read {
        path: boundaries_path.display().to_string(),
        source,
    })?;
    let territories =
        territories_by_key(&text, "DIST_NUM").map_err(|e| invalid(&boundaries_path, e))?;
    let stations_path = data_dir.join("chicago-police-stations.csv");
    let stations = read_stations(&stations_path).map_err(|e| invalid(&stations_path, e))?;

    let mut districts: Vec<u32> = territories.keys().filter_map(|k| k.parse().ok()).collect();
    districts.sort_unstable();
    let mut units = Vec::new();
    let mut owned = Vec::new();
    for district in districts {
        let area = &territories[&district.to_string()];
        let (name, base) = match stations.get(&district) {
            Some((name, at)) => (format!("District {district} ({name})"), *at),
            // District 31 (the airports) has no station of its own: use the middle of its land.
            None => (format!("District {district}"), middle_of(area)),
        };
        owned.push((precinct_id(district), area.clone()));
        units.push(Unit {
            id: precinct_id(district),
            kind: TaskKind::Precinct,
            name,
            base,
        });
    }
    let team = |kind: TaskKind, prefix: &str, label: &str, n: usize, district: u32| Unit {
        id: UnitId::new(format!("{prefix}-{n}")),
        kind,
        name: format!("{label} team {n}"),
        base: stations[&district].1,
    };
    for (i, district) in PROPERTY_TEAM_BASES.into_iter().enumerate() {
        units.push(team(
            TaskKind::Property,
            "PROP",
            "Property crime",
            i + 1,
            district,
        ));
    }
    for (i, district) in SCENE_TEAM_BASES.into_iter().enumerate() {
        units.push(team(
            TaskKind::Scene,
            "SCENE",
            "Scene investigation",
            i + 1,
            district,
        ));
    }
    let precincts = PrecinctMap::new(owned).map_err(|e| invalid(&boundaries_path, e))?;
    Roster::new(units, precincts, doorplates(), alarms()).map_err(|e| invalid(data_dir, e))
}

fn place(id: &str, address: &str, lat: f64, lng: f64) -> Place {
    Place {
        id: id.into(),
        at: LatLng { lat, lng },
        address: address.into(),
    }
}

fn doorplates() -> Vec<Place> {
    vec![
        place("DP-0001", "233 S Wacker Dr", 41.8789, -87.6359),
        place("DP-0002", "875 N Michigan Ave", 41.8988, -87.6229),
        place("DP-0003", "1060 W Addison St", 41.9484, -87.6553),
        place("DP-0004", "5700 S Lake Shore Dr", 41.7906, -87.5831),
    ]
}

fn alarms() -> Vec<Place> {
    vec![
        place("AL-0001", "111 N State St", 41.8835, -87.6278),
        place("AL-0002", "1 N Dearborn St", 41.8820, -87.6293),
        place("AL-0003", "2112 N Clybourn Ave", 41.9198, -87.6637),
    ]
}

fn read_stations(path: &Path) -> Result<HashMap<u32, (String, LatLng)>, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column {name}"))
    };
    let (district, name, lat, lng) = (
        column("DISTRICT")?,
        column("DISTRICT NAME")?,
        column("LATITUDE")?,
        column("LONGITUDE")?,
    );
    let mut stations = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        // Headquarters has no district number: it is not a precinct.
        let Ok(number) = record[district].parse::<u32>() else {
            continue;
        };
        let at = LatLng {
            lat: record[lat]
                .parse()
                .map_err(|_| format!("district {number}: bad latitude"))?,
            lng: record[lng]
                .parse()
                .map_err(|_| format!("district {number}: bad longitude"))?,
        };
        stations.insert(number, (record[name].to_owned(), at));
    }
    Ok(stations)
}

fn middle_of(area: &geo::MultiPolygon<f64>) -> LatLng {
    let points: Vec<_> = area.iter().flat_map(|p| p.exterior().coords()).collect();
    let n = points.len().max(1) as f64;
    LatLng {
        lat: points.iter().map(|c| c.y).sum::<f64>() / n,
        lng: points.iter().map(|c| c.x).sum::<f64>() / n,
    }
}

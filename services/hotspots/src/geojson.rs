//! Cells as GeoJSON (RFC 7946) for maps: one Feature per cell, its hexagon (h3o's cell boundary)
//! as a Polygon with one closed ring of `[lng, lat]` positions, its figures as properties; and
//! points (cameras) as Point features.

use h3o::CellIndex;
use serde_json::{Map, Value, json};

/// A FeatureCollection of `cells`, each with its properties (an object; the cell's `h3` is added).
pub fn feature_collection(cells: impl IntoIterator<Item = (CellIndex, Value)>) -> Value {
    let features: Vec<Value> = cells
        .into_iter()
        .map(|(cell, properties)| feature(cell, properties))
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

fn feature(cell: CellIndex, properties: Value) -> Value {
    let mut properties = match properties {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    properties.insert("h3".into(), Value::String(cell.to_string()));
    json!({
        "type": "Feature",
        "id": cell.to_string(),
        "geometry": { "type": "Polygon", "coordinates": [ring(cell)] },
        "properties": properties,
    })
}

/// A point (a camera) as a Feature with `properties` (an object).
pub fn point_feature(id: &str, lat: f64, lng: f64, properties: Value) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "geometry": { "type": "Point", "coordinates": [lng, lat] },
        "properties": properties,
    })
}

/// The cell's boundary, counter-clockwise as H3 gives it (RFC 7946's right-hand rule), closed.
fn ring(cell: CellIndex) -> Vec<[f64; 2]> {
    let boundary = cell.boundary();
    let mut ring: Vec<[f64; 2]> = boundary.iter().map(|v| [v.lng(), v.lat()]).collect();
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::{AnalysisResolution, cells_at};

    #[test]
    fn a_cell_is_a_closed_counter_clockwise_hexagon_around_its_centre() {
        let cell = AnalysisResolution::NINE.of(&cells_at(41.8789, -87.6359).expect("cells"));
        let collection = feature_collection([(cell, json!({ "count": 3 }))]);
        assert_eq!(collection["type"], "FeatureCollection");
        let feature = &collection["features"][0];
        assert_eq!(feature["geometry"]["type"], "Polygon");
        assert_eq!(feature["properties"]["count"], 3);
        assert_eq!(feature["properties"]["h3"], cell.to_string());
        let ring: Vec<[f64; 2]> =
            serde_json::from_value(feature["geometry"]["coordinates"][0].clone()).expect("ring");
        assert_eq!(ring.len(), 7, "six vertices and the first again");
        assert_eq!(ring.first(), ring.last());
        // lng first: Chicago is at about -87.6, 41.9.
        assert!(
            ring.iter()
                .all(|[lng, lat]| (-87.7..-87.5).contains(lng) && (41.8..42.0).contains(lat))
        );
        // Shoelace: positive signed area means counter-clockwise.
        let twice_area: f64 = ring
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum();
        assert!(twice_area > 0.0);
    }
}

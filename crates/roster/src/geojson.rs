//! Reads polygons out of a GeoJSON FeatureCollection: just what precinct boundaries need.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::Value;

/// One feature's geometry and the value of the chosen property.
pub struct Feature {
    pub key: String,
    pub area: MultiPolygon<f64>,
}

/// The features of a collection, with `key_property` read as a string (numbers are accepted too).
/// Polygon and MultiPolygon geometries are read; other geometry types are an error.
pub fn read_features(text: &str, key_property: &str) -> Result<Vec<Feature>, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let features = root["features"]
        .as_array()
        .ok_or("not a GeoJSON FeatureCollection")?;
    features
        .iter()
        .enumerate()
        .map(|(i, feature)| {
            let key = match &feature["properties"][key_property] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(format!("feature {i} has no property {key_property}")),
            };
            let geometry = &feature["geometry"];
            let coordinates = &geometry["coordinates"];
            let area = match geometry["type"].as_str() {
                Some("Polygon") => MultiPolygon(vec![polygon(coordinates, i)?]),
                Some("MultiPolygon") => MultiPolygon(
                    coordinates
                        .as_array()
                        .ok_or_else(|| format!("feature {i}: bad coordinates"))?
                        .iter()
                        .map(|p| polygon(p, i))
                        .collect::<Result<_, _>>()?,
                ),
                other => return Err(format!("feature {i}: unsupported geometry {other:?}")),
            };
            Ok(Feature { key, area })
        })
        .collect()
}

fn polygon(rings: &Value, feature: usize) -> Result<Polygon<f64>, String> {
    let mut rings = rings
        .as_array()
        .ok_or_else(|| format!("feature {feature}: bad polygon"))?
        .iter()
        .map(|ring| ring_of(ring, feature));
    let exterior = rings
        .next()
        .ok_or_else(|| format!("feature {feature}: empty polygon"))??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

fn ring_of(ring: &Value, feature: usize) -> Result<LineString<f64>, String> {
    let bad = || format!("feature {feature}: bad ring");
    ring.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|point| {
            let x = point[0].as_f64().ok_or_else(bad)?;
            let y = point[1].as_f64().ok_or_else(bad)?;
            Ok(Coord { x, y })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(LineString)
}

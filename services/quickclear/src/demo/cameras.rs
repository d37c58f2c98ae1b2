//! The camera registry the simulated property-crime squad "reviews": Chicago's red-light and speed
//! cameras (`chicago-traffic-cameras.csv`). They are traffic cameras, not theft CCTV; for the demo
//! they are cameras near the place, which is all a video-review finding names.

use std::path::Path;

pub const FILE_NAME: &str = "chicago-traffic-cameras.csv";

#[derive(Clone, Debug, PartialEq)]
pub struct Camera {
    pub id: String,
    pub lat: f64,
    pub lng: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Cameras {
    all: Vec<Camera>,
}

impl Cameras {
    pub fn new(all: Vec<Camera>) -> Self {
        Self { all }
    }

    /// Reads the registry; rows without an id or coordinates are left out.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let mut reader = csv::Reader::from_path(path).map_err(|e| {
            anyhow::anyhow!("cannot read the camera registry {}: {e}", path.display())
        })?;
        let header = reader.headers()?.clone();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| anyhow::anyhow!("{}: no column {name}", path.display()))
        };
        let (id, lat, lng) = (
            column("camera_id")?,
            column("latitude")?,
            column("longitude")?,
        );
        let mut all = Vec::new();
        for record in reader.records() {
            let record = record?;
            let number = |i: usize| record.get(i).and_then(|v| v.trim().parse::<f64>().ok());
            if let (Some(camera), Some(lat), Some(lng)) = (
                record.get(id).filter(|v| !v.is_empty()),
                number(lat),
                number(lng),
            ) {
                all.push(Camera {
                    id: camera.to_owned(),
                    lat,
                    lng,
                });
            }
        }
        Ok(Self { all })
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The `n` cameras nearest a place, nearest first.
    pub fn nearest(&self, lat: f64, lng: f64, n: usize) -> Vec<&Camera> {
        let mut by_distance: Vec<(f64, &Camera)> = self
            .all
            .iter()
            .map(|c| (distance_m(lat, lng, c.lat, c.lng), c))
            .collect();
        by_distance.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        by_distance.into_iter().take(n).map(|(_, c)| c).collect()
    }
}

/// Equirectangular distance in metres: plenty for "which camera is nearest" within a city.
fn distance_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    const METRES_PER_DEGREE: f64 = 111_320.0;
    let dy = (lat2 - lat1) * METRES_PER_DEGREE;
    let dx = (lng2 - lng1) * METRES_PER_DEGREE * ((lat1 + lat2) / 2.0).to_radians().cos();
    dx.hypot(dy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_first() {
        let cameras = Cameras::new(vec![
            Camera {
                id: "far".into(),
                lat: 41.99,
                lng: -87.70,
            },
            Camera {
                id: "near".into(),
                lat: 41.8790,
                lng: -87.6360,
            },
            Camera {
                id: "middle".into(),
                lat: 41.89,
                lng: -87.64,
            },
        ]);
        let ids: Vec<_> = cameras
            .nearest(41.8789, -87.6359, 2)
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(ids, ["near", "middle"]);
        assert!(Cameras::default().nearest(41.0, -87.0, 2).is_empty());
    }
}

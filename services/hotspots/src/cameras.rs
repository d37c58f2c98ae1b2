//! The camera registry (`chicago-traffic-cameras.csv`: `camera_id, kind, name, go_live, latitude,
//! longitude`) and the cells the cameras see, computed once at start for every analysis resolution.
//!
//! The registry has no range or heading, so every camera sees [`DEFAULT_RANGE_M`] all around. Each
//! camera also keeps its id, position and the cells it stands in, so a review can name the cameras
//! near a cell and the coverage layer can draw them.
//! Tiling Chicago's 309 cameras at five resolutions takes about 0.4 s in a debug build, so the
//! service does it off the request path just after it starts.

use crate::cells::{AnalysisCells, AnalysisResolution, RESOLUTIONS, cells_at};
use h3o::CellIndex;
use quickclear_analytics::{AnalyticsError, Camera, covered_cells};
use std::collections::BTreeSet;
use std::path::Path;

pub const FILE_NAME: &str = "chicago-traffic-cameras.csv";
/// How far a camera is assumed to see, in metres, full circle.
pub const DEFAULT_RANGE_M: f64 = 100.0;

#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("cannot read the camera registry {path}: {source}")]
    Read { path: String, source: csv::Error },
    #[error("the camera registry {path} has no {column} column")]
    MissingColumn { path: String, column: &'static str },
    #[error("camera coverage: {0}")]
    Coverage(#[from] AnalyticsError),
}

/// A camera of the registry: its id (`camera_id`, or `row N` when the registry has none) and what
/// it sees.
#[derive(Clone, Debug, PartialEq)]
pub struct RegisteredCamera {
    pub id: String,
    pub camera: Camera,
}

/// Cameras read from a registry, and the rows that could not be used.
#[derive(Debug, Default)]
pub struct Registry {
    pub cameras: Vec<RegisteredCamera>,
    /// Rows without usable coordinates (reported, never silently dropped).
    pub skipped_rows: usize,
}

/// Reads the registry; every camera sees `range_m` metres all around.
pub fn read_registry(path: &Path, range_m: f64) -> Result<Registry, CameraError> {
    let shown = || path.display().to_string();
    let mut reader = csv::Reader::from_path(path).map_err(|source| CameraError::Read {
        path: shown(),
        source,
    })?;
    let header = reader
        .headers()
        .map_err(|source| CameraError::Read {
            path: shown(),
            source,
        })?
        .clone();
    let column = |column: &'static str| {
        header
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| CameraError::MissingColumn {
                path: shown(),
                column,
            })
    };
    let (lat_column, lng_column) = (column("latitude")?, column("longitude")?);
    let id_column = column("camera_id").ok();
    let mut registry = Registry::default();
    for (row, record) in reader.records().enumerate() {
        let number = |record: &csv::StringRecord, i: usize| {
            record.get(i).and_then(|v| v.trim().parse::<f64>().ok())
        };
        let id = |record: &csv::StringRecord| {
            id_column
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map_or_else(|| format!("row {}", row + 1), str::to_owned)
        };
        match record.map(|r| (id(&r), number(&r, lat_column), number(&r, lng_column))) {
            Ok((id, Some(lat), Some(lng))) => registry.cameras.push(RegisteredCamera {
                id,
                camera: Camera {
                    lat,
                    lng,
                    range_m,
                    field_of_view: None,
                },
            }),
            _ => registry.skipped_rows += 1,
        }
    }
    Ok(registry)
}

/// The cells at least one camera sees, per analysis resolution, and where each camera stands.
#[derive(Debug, Default)]
pub struct CameraCoverage {
    pub cameras: usize,
    pub range_m: f64,
    covered: [BTreeSet<CellIndex>; 5],
    sites: Vec<CameraSite>,
}

/// Where a camera stands: its id, position and the cells it stands in.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraSite {
    pub id: String,
    pub lat: f64,
    pub lng: f64,
    pub cells: AnalysisCells,
}

/// The cameras standing in a cell and in the ring of cells around it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CamerasNear {
    pub in_cell: Vec<String>,
    pub in_ring: Vec<String>,
}

impl CameraCoverage {
    pub fn compute(cameras: &[RegisteredCamera], range_m: f64) -> Result<Self, AnalyticsError> {
        let footprints: Vec<Camera> = cameras.iter().map(|c| c.camera).collect();
        let mut coverage = Self {
            cameras: cameras.len(),
            range_m,
            covered: Default::default(),
            sites: cameras
                .iter()
                .filter_map(|c| {
                    Some(CameraSite {
                        id: c.id.clone(),
                        lat: c.camera.lat,
                        lng: c.camera.lng,
                        cells: cells_at(c.camera.lat, c.camera.lng)?,
                    })
                })
                .collect(),
        };
        for (covered, resolution) in coverage.covered.iter_mut().zip(RESOLUTIONS) {
            *covered = covered_cells(&footprints, resolution)?;
        }
        Ok(coverage)
    }

    pub fn covered(&self, resolution: AnalysisResolution) -> &BTreeSet<CellIndex> {
        &self.covered[resolution.level()]
    }

    /// Every camera's site, in registry order.
    pub fn sites(&self) -> &[CameraSite] {
        &self.sites
    }

    /// The cameras standing in `cell` (a cell at `resolution`) and in the cells next to it, by id.
    pub fn near(&self, cell: CellIndex, resolution: AnalysisResolution) -> CamerasNear {
        let ring: Vec<CellIndex> = cell.grid_disk(1);
        let mut near = CamerasNear::default();
        for site in &self.sites {
            let at = resolution.of(&site.cells);
            if at == cell {
                near.in_cell.push(site.id.clone());
            } else if ring.contains(&at) {
                near.in_ring.push(site.id.clone());
            }
        }
        near.in_cell.sort();
        near.in_ring.sort();
        near
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::cells_at;

    #[test]
    fn reads_cameras_and_counts_unusable_rows() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            "camera_id,kind,name,go_live,latitude,longitude\n\
             RL-1,red_light,Damen-Fullerton,02/17/2006,41.92499,-87.6779\n\
             SP-2,speed,No place,,,\n",
        )
        .expect("write");
        let registry = read_registry(&path, DEFAULT_RANGE_M).expect("read");
        assert_eq!(registry.cameras.len(), 1);
        assert_eq!(registry.skipped_rows, 1);
        assert_eq!(registry.cameras[0].id, "RL-1");
        assert_eq!(registry.cameras[0].camera.range_m, DEFAULT_RANGE_M);
    }

    #[test]
    fn a_registry_without_coordinates_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "camera_id,lat,lng\nRL-1,41.9,-87.6\n").expect("write");
        assert!(matches!(
            read_registry(&path, DEFAULT_RANGE_M),
            Err(CameraError::MissingColumn {
                column: "latitude",
                ..
            })
        ));
        assert!(matches!(
            read_registry(&dir.path().join("missing.csv"), DEFAULT_RANGE_M),
            Err(CameraError::Read { .. })
        ));
    }

    fn camera(id: &str, lat: f64, lng: f64) -> RegisteredCamera {
        RegisteredCamera {
            id: id.into(),
            camera: Camera {
                lat,
                lng,
                range_m: DEFAULT_RANGE_M,
                field_of_view: None,
            },
        }
    }

    #[test]
    fn a_registry_without_ids_names_cameras_by_row() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "latitude,longitude\n41.9,-87.6\n41.8,-87.7\n").expect("write");
        let registry = read_registry(&path, DEFAULT_RANGE_M).expect("read");
        let ids: Vec<&str> = registry.cameras.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["row 1", "row 2"]);
    }

    #[test]
    fn cameras_near_a_cell_are_those_in_it_and_in_its_ring() {
        let nine = AnalysisResolution::NINE;
        let home = nine.of(&cells_at(41.92499, -87.6779).expect("cells"));
        // Two cameras about 10 m apart, and one 5 km north.
        let cameras = [
            camera("B", 41.92499, -87.6779),
            camera("A", 41.92500, -87.6780),
            camera("FAR", 41.97, -87.6779),
        ];
        let coverage = CameraCoverage::compute(&cameras, DEFAULT_RANGE_M).expect("coverage");
        let near = coverage.near(home, nine);
        assert_eq!(near.in_cell, ["A", "B"]);
        assert!(near.in_ring.is_empty());
        let neighbour = home.grid_disk::<Vec<CellIndex>>(1)[1];
        let near = coverage.near(neighbour, nine);
        assert!(near.in_cell.is_empty());
        assert_eq!(near.in_ring, ["A", "B"]);
    }

    #[test]
    fn a_camera_covers_its_own_cell_at_every_resolution() {
        let registered = camera("RL-1", 41.92499, -87.6779);
        let camera = registered.camera;
        let coverage = CameraCoverage::compute(&[registered], DEFAULT_RANGE_M).expect("coverage");
        let own = cells_at(camera.lat, camera.lng).expect("cells");
        for resolution in (6..=10).filter_map(AnalysisResolution::new) {
            assert!(coverage.covered(resolution).contains(&resolution.of(&own)));
        }
        // A 100 m circle touches several 66 m resolution-10 cells.
        assert!(
            coverage
                .covered(AnalysisResolution::new(10).expect("10"))
                .len()
                > 3
        );
    }
}

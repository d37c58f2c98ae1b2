//! Camera footprints and coverage cells, blind spots on the Chicago thefts, and a police district
//! as a zero-filled study area.

mod common;

use std::collections::BTreeSet;

use geo::{Coord, LineString, Polygon};
use h3o::{CellIndex, LatLng, Resolution};
use quickclear_analytics::{
    AnalyticsError, Camera, FieldOfView, HotSpotConfig, IncidentFilter, IncidentIndex, StudyArea,
    blind_spots, camera_footprint, cells_in_boundary, covered_cells, hot_spots,
};

const DOWNTOWN: (f64, f64) = (41.8781, -87.6298);

fn camera(range_m: f64, field_of_view: Option<FieldOfView>) -> Camera {
    Camera {
        lat: DOWNTOWN.0,
        lng: DOWNTOWN.1,
        range_m,
        field_of_view,
    }
}

fn point(lat: f64, lng: f64) -> LatLng {
    LatLng::new(lat, lng).expect("finite")
}

fn camera_point(camera: &Camera) -> LatLng {
    point(camera.lat, camera.lng)
}

/// Initial great-circle bearing from `from` to `to`, degrees clockwise from north in [0, 360).
fn bearing(from: LatLng, to: LatLng) -> f64 {
    let (lat1, lat2) = (from.lat().to_radians(), to.lat().to_radians());
    let dlng = (to.lng() - from.lng()).to_radians();
    let y = dlng.sin() * lat2.cos();
    let x = lat1.cos() * lat2.sin() - lat1.sin() * lat2.cos() * dlng.cos();
    y.atan2(x).to_degrees().rem_euclid(360.0)
}

#[test]
fn footprints_reach_the_range_in_the_field_of_view() {
    let circle = camera(120.0, None);
    let footprint = camera_footprint(&circle).expect("valid camera");
    let ring = footprint.exterior();
    assert!(ring.0.len() >= 72, "vertices at most 5 degrees apart");
    for vertex in &ring.0 {
        let distance = camera_point(&circle).distance_m(point(vertex.y, vertex.x));
        assert!(
            (distance - 120.0).abs() < 0.1,
            "circle vertex at {distance} m"
        );
    }
    let east = camera(
        200.0,
        Some(FieldOfView {
            heading_deg: 90.0,
            width_deg: 60.0,
        }),
    );
    let sector = camera_footprint(&east).expect("valid camera");
    let vertices = &sector.exterior().0;
    assert_eq!(
        vertices.first(),
        Some(&Coord {
            x: east.lng,
            y: east.lat
        }),
        "sector starts at the camera"
    );
    for vertex in &vertices[1..vertices.len() - 1] {
        let to = point(vertex.y, vertex.x);
        assert!((camera_point(&east).distance_m(to) - 200.0).abs() < 0.1);
        let angle = bearing(camera_point(&east), to);
        assert!(
            (60.0 - 1e-6..=120.0 + 1e-6).contains(&angle),
            "arc vertex at bearing {angle}"
        );
    }
}

#[test]
fn circle_coverage_holds_the_cells_the_disc_touches() {
    let resolution = Resolution::Ten;
    let edge = resolution.edge_length_m();
    let disc = camera(250.0, None);
    let covered = covered_cells(&[disc], resolution).expect("valid camera");
    let origin = camera_point(&disc);
    assert!(covered.contains(&origin.to_cell(resolution)));
    for cell in origin.to_cell(resolution).grid_disk::<Vec<CellIndex>>(8) {
        let distance = origin.distance_m(LatLng::from(cell));
        if distance <= 0.99 * disc.range_m {
            assert!(
                covered.contains(&cell),
                "cell centre {distance:.0} m away is inside the disc"
            );
        }
    }
    for &cell in &covered {
        let distance = origin.distance_m(LatLng::from(cell));
        // A touched cell's centre is within range plus the cell's circumradius (its edge length).
        assert!(
            distance <= disc.range_m + edge * 1.01,
            "covered cell centre {distance:.0} m away"
        );
    }
}

#[test]
fn sector_coverage_stays_on_its_side() {
    let resolution = Resolution::Ten;
    let edge = resolution.edge_length_m();
    let north = camera(
        400.0,
        Some(FieldOfView {
            heading_deg: 0.0,
            width_deg: 90.0,
        }),
    );
    let covered = covered_cells(&[north], resolution).expect("valid camera");
    let origin = camera_point(&north);
    for cell in origin.to_cell(resolution).grid_disk::<Vec<CellIndex>>(10) {
        let centre = LatLng::from(cell);
        let (distance, angle) = (origin.distance_m(centre), bearing(origin, centre));
        let well_inside = distance <= 0.95 * north.range_m && (angle <= 40.0 || angle >= 320.0);
        if well_inside {
            assert!(
                covered.contains(&cell),
                "centre {distance:.0} m at bearing {angle:.0} is in view"
            );
        }
    }
    for &cell in &covered {
        let centre = LatLng::from(cell);
        let metres_south = origin.distance_m(point(centre.lat(), origin.lng()))
            * (origin.lat() - centre.lat()).signum();
        assert!(
            metres_south <= edge * 1.01,
            "a north-facing camera covers a cell {metres_south:.0} m south"
        );
    }
}

#[test]
fn a_footprint_inside_one_cell_covers_that_cell() {
    let tiny = camera(5.0, None);
    let covered = covered_cells(&[tiny], Resolution::Seven).expect("valid camera");
    assert_eq!(
        covered,
        BTreeSet::from([camera_point(&tiny).to_cell(Resolution::Seven)])
    );
}

#[test]
fn invalid_cameras_are_rejected() {
    let bad = [
        camera(0.0, None),
        camera(f64::NAN, None),
        camera(
            50.0,
            Some(FieldOfView {
                heading_deg: 0.0,
                width_deg: 0.0,
            }),
        ),
        camera(
            50.0,
            Some(FieldOfView {
                heading_deg: 0.0,
                width_deg: 361.0,
            }),
        ),
        camera(
            50.0,
            Some(FieldOfView {
                heading_deg: f64::INFINITY,
                width_deg: 90.0,
            }),
        ),
    ];
    for camera in bad {
        assert!(
            matches!(
                camera_footprint(&camera),
                Err(AnalyticsError::InvalidParameter(_))
            ),
            "{camera:?}"
        );
    }
    let off_earth = Camera {
        lat: 91.0,
        ..camera(50.0, None)
    };
    assert!(matches!(
        covered_cells(&[off_earth], Resolution::Nine),
        Err(AnalyticsError::InvalidCoordinates { .. })
    ));
}

fn chicago_index() -> IncidentIndex {
    let mut index = IncidentIndex::new();
    for theft in common::chicago_thefts() {
        if let Some((lat, lng)) = theft.location {
            index
                .push(lat, lng, theft.occurred_at, &theft.description)
                .expect("valid coordinates");
        }
    }
    index
}

fn traffic_cameras(range_m: f64) -> Vec<Camera> {
    csv::Reader::from_reader(common::open("chicago-traffic-cameras.csv"))
        .records()
        .map(|record| {
            let record = record.expect("readable camera row");
            Camera {
                lat: record[4].parse().expect("latitude"),
                lng: record[5].parse().expect("longitude"),
                range_m,
                field_of_view: None,
            }
        })
        .collect()
}

#[test]
fn blind_spots_are_the_hot_cells_no_traffic_camera_sees() {
    let resolution = Resolution::Nine;
    let cameras = traffic_cameras(150.0);
    assert_eq!(cameras.len(), 309);
    let covered = covered_cells(&cameras, resolution).expect("valid cameras");
    for camera in &cameras {
        assert!(covered.contains(&camera_point(camera).to_cell(resolution)));
    }
    let counts = chicago_index()
        .counts(resolution, &IncidentFilter::default())
        .expect("supported");
    let spots = hot_spots(&counts, &HotSpotConfig::default()).expect("valid");
    let hot: BTreeSet<CellIndex> = spots
        .iter()
        .filter(|spot| spot.class.is_hot())
        .map(|spot| spot.cell)
        .collect();
    let blind = blind_spots(&spots, &covered);
    let seen = hot.intersection(&covered).count();
    assert!(
        seen > 0 && !blind.is_empty(),
        "some hot cells are seen, some are not"
    );
    assert_eq!(blind.len() + seen, hot.len());
    assert!(
        blind
            .iter()
            .all(|cell| hot.contains(cell) && !covered.contains(cell))
    );
}

/// District 1 (downtown) from chicago-police-districts.geojson.
fn district(number: &str) -> Polygon<f64> {
    let geojson: serde_json::Value =
        serde_json::from_reader(common::open("chicago-police-districts.geojson"))
            .expect("valid GeoJSON");
    let feature = geojson["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|feature| feature["properties"]["DIST_NUM"] == number)
        .expect("district present");
    assert_eq!(feature["geometry"]["type"], "Polygon");
    let ring = feature["geometry"]["coordinates"][0]
        .as_array()
        .expect("exterior ring")
        .iter()
        .map(|position| Coord {
            x: position[0].as_f64().expect("longitude"),
            y: position[1].as_f64().expect("latitude"),
        })
        .collect::<Vec<_>>();
    Polygon::new(LineString::from(ring), Vec::new())
}

#[test]
fn a_district_is_a_zero_filled_study_area() {
    let resolution = Resolution::Nine;
    let area = cells_in_boundary(&district("1"), resolution).expect("valid polygon");
    // District 1 covers about 12 km²; a resolution-9 cell about 0.105 km².
    assert!((80..160).contains(&area.len()), "{} cells", area.len());
    let counts = chicago_index()
        .counts(resolution, &IncidentFilter::default())
        .expect("supported");
    let config = HotSpotConfig {
        ring_size: 1,
        study_area: StudyArea::Cells(area.clone()),
    };
    let spots = hot_spots(&counts, &config).expect("valid");
    assert_eq!(
        spots.iter().map(|spot| spot.cell).collect::<BTreeSet<_>>(),
        area
    );
    for spot in &spots {
        assert_eq!(
            spot.count,
            counts.get(&spot.cell).copied().unwrap_or(0),
            "zero-filled count"
        );
        let in_area = spot
            .cell
            .grid_disk::<Vec<CellIndex>>(1)
            .iter()
            .filter(|cell| area.contains(cell))
            .count();
        assert_eq!(spot.neighbours_incl_self, in_area);
    }
    let mixed = HotSpotConfig {
        ring_size: 1,
        study_area: StudyArea::Cells(
            cells_in_boundary(&district("1"), Resolution::Eight).expect("valid"),
        ),
    };
    assert!(matches!(
        hot_spots(&counts, &mixed),
        Err(AnalyticsError::MixedResolutions(8, 9))
    ));
}

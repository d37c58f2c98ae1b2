//! Gi* against PySAL esda: the G_Local documentation example and the Chicago 2016 theft references.

mod common;

use std::collections::BTreeMap;

use h3o::{CellIndex, Resolution};
use quickclear_analytics::{
    HotSpotClass, HotSpotConfig, IncidentFilter, IncidentIndex, WeightRow, gi_star_z_scores,
    hot_spots,
};

/// esda `G_Local` docstring: points, `DistanceBand(points, threshold=15)` (binary, d ≤ 15),
/// y = [2, 3, 3.2, 5, 8, 7], `transform='B', star=True`.
#[test]
fn esda_distance_band_example() {
    let points = [
        (10.0, 10.0),
        (20.0, 10.0),
        (40.0, 10.0),
        (15.0, 20.0),
        (30.0, 20.0),
        (30.0, 30.0),
    ];
    let values = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];
    let weights: Vec<WeightRow> = points
        .iter()
        .map(|&(xi, yi)| {
            points
                .iter()
                .enumerate()
                .filter(|&(_, &(xj, yj))| f64::hypot(xi - xj, yi - yj) <= 15.0)
                .map(|(j, _)| (j, 1.0))
                .collect()
        })
        .collect();
    let z = gi_star_z_scores(&values, &weights).expect("valid input");
    let esda = [
        -1.39727626,
        -0.28917762,
        0.65064964,
        -0.28917762,
        1.23452088,
        2.02424331,
    ];
    for (ours, theirs) in z.iter().zip(esda) {
        assert!(
            (ours - theirs).abs() < 1e-8,
            "{ours} vs {theirs} (esda prints 8 decimals)"
        );
    }
}

struct ReferenceRow {
    count: u64,
    z: f64,
    neighbours_incl_self: usize,
}

fn reference(resolution: u8) -> BTreeMap<CellIndex, ReferenceRow> {
    let file = format!("gi-star-chicago-theft-2016-res{resolution}.csv");
    csv::Reader::from_reader(common::open(&file))
        .records()
        .map(|record| {
            let record = record.expect("readable reference row");
            let cell: CellIndex = record[0].parse().expect("h3 index");
            let row = ReferenceRow {
                count: record[1].parse().expect("count"),
                z: record[2].parse().expect("z"),
                neighbours_incl_self: record[3].parse().expect("neighbour count"),
            };
            (cell, row)
        })
        .collect()
}

fn chicago_index() -> IncidentIndex {
    let mut index = IncidentIndex::new();
    for theft in common::chicago_thefts() {
        let Some(location) = theft
            .location
            .filter(|&location| common::in_reference_box(location))
        else {
            continue;
        };
        index
            .push(
                location.0,
                location.1,
                theft.occurred_at,
                &theft.description,
            )
            .expect("valid coordinates");
    }
    index
}

fn assert_matches_reference(index: &IncidentIndex, resolution: Resolution) {
    let expected = reference(resolution.into());
    let counts = index
        .counts(resolution, &IncidentFilter::default())
        .expect("supported resolution");
    let result = hot_spots(&counts, &HotSpotConfig::default()).expect("valid study area");
    assert_eq!(
        result.len(),
        expected.len(),
        "number of cells at {resolution}"
    );
    let mut worst = 0.0f64;
    for spot in &result {
        let reference = expected
            .get(&spot.cell)
            .unwrap_or_else(|| panic!("{} not in the reference", spot.cell));
        assert_eq!(spot.count, reference.count, "count of {}", spot.cell);
        assert_eq!(
            spot.neighbours_incl_self, reference.neighbours_incl_self,
            "neighbours of {}",
            spot.cell
        );
        worst = worst.max((spot.z - reference.z).abs());
        // ArcGIS-style classes: sign from z, level at most as strict as the uncorrected p allows.
        match spot.class {
            HotSpotClass::Hot99 => assert!(spot.z > 0.0 && spot.p <= 0.01),
            HotSpotClass::Cold99 => assert!(spot.z < 0.0 && spot.p <= 0.01),
            HotSpotClass::Hot95 | HotSpotClass::Hot90 => assert!(spot.z > 0.0 && spot.p <= 0.10),
            HotSpotClass::Cold95 | HotSpotClass::Cold90 => assert!(spot.z < 0.0 && spot.p <= 0.10),
            HotSpotClass::NotSignificant => {}
        }
    }
    println!("largest |z - reference| at {resolution}: {worst:e}");
    assert!(
        worst < 1e-9,
        "largest |z - reference| at {resolution}: {worst:e}"
    );
    assert!(
        result.iter().any(|spot| spot.class == HotSpotClass::Hot99),
        "Chicago thefts have hot spots"
    );
}

#[test]
fn chicago_thefts_match_pysal_at_resolutions_8_and_9() {
    let index = chicago_index();
    assert_eq!(index.len(), 61_040, "rows inside the README box");
    assert_matches_reference(&index, Resolution::Eight);
    assert_matches_reference(&index, Resolution::Nine);
}

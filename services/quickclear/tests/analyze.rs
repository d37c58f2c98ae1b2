//! `quickclear analyze` end to end: the real binary on the shared reference data (PySAL Gi*, the
//! Near Repeat Calculator), and clear failures on bad input.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// The shared data folder beside the checkout; fails with directions when it is missing.
fn data(relative: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        dir.join("README.md").is_file(),
        "reference data folder not found at {} (expected ../shared/data beside the checkout)",
        dir.display()
    );
    let path = dir.join(relative);
    assert!(path.is_file(), "missing reference file {}", path.display());
    path
}

fn analyze(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quickclear"))
        .arg("analyze")
        .args(args)
        .output()
        .expect("the quickclear binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs and expects success; returns (stdout, stderr).
fn succeeds(args: &[&str]) -> (String, String) {
    let output = analyze(args);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success(),
        "quickclear analyze {args:?} failed: {stderr}"
    );
    (stdout, stderr)
}

/// Runs and expects a failure with a message; returns stderr.
fn fails(args: &[&str]) -> String {
    let output = analyze(args);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "quickclear analyze {args:?} should fail; stderr: {stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "no figures on failure: {}",
        text(&output.stdout)
    );
    stderr
}

const THEFTS: &str = "chicago-theft-2016.csv.gz";
/// The README recipe's box: lat 41.60..42.05, lng -87.95..-87.50.
const REFERENCE_BOX: &str = "41.60,-87.95,42.05,-87.50";

/// Rows of the theft file without coordinates, and with coordinates outside the reference box,
/// counted independently of the binary.
fn theft_rows_not_used() -> (u64, u64) {
    let file = std::fs::File::open(data(THEFTS)).expect("theft file");
    let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    let (mut no_coordinates, mut outside) = (0, 0);
    for record in reader.records() {
        let record = record.expect("readable row");
        match (record[10].parse::<f64>(), record[11].parse::<f64>()) {
            (Ok(lat), Ok(lng)) => {
                if !((41.60..=42.05).contains(&lat) && (-87.95..=-87.50).contains(&lng)) {
                    outside += 1;
                }
            }
            _ => no_coordinates += 1,
        }
    }
    (no_coordinates, outside)
}

/// `h3 → (count, z)` from a CSV with those columns.
fn cells(csv_text: &str) -> BTreeMap<String, (u64, f64)> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
    };
    let (h3, count, z) = (column("h3"), column("count"), column("z"));
    reader
        .records()
        .map(|record| {
            let record = record.expect("row");
            (
                record[h3].to_owned(),
                (
                    record[count].parse().expect("count"),
                    record[z].parse().expect("z"),
                ),
            )
        })
        .collect()
}

#[test]
fn hotspots_match_the_pysal_references_and_report_rows_without_coordinates() {
    let (no_coordinates, outside) = theft_rows_not_used();
    assert!(no_coordinates > 0, "the file has rows without coordinates");
    let input = data(THEFTS);
    let input = input.to_str().expect("utf-8 path");
    for res in ["8", "9"] {
        let (stdout, stderr) = succeeds(&[
            "hotspots",
            "--input",
            input,
            "--res",
            res,
            "--bbox",
            REFERENCE_BOX,
        ]);
        assert!(
            stdout.starts_with("h3,count,z,p,class\n"),
            "header: {}",
            &stdout[..40.min(stdout.len())]
        );
        let reference_path = data(&format!("gi-star-chicago-theft-2016-res{res}.csv"));
        let reference = cells(&std::fs::read_to_string(reference_path).expect("reference"));
        let ours = cells(&stdout);
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "the same cells at res {res}"
        );
        for (cell, &(count, z)) in &reference {
            let (our_count, our_z) = ours[cell];
            assert_eq!(our_count, count, "count of {cell}");
            assert!(
                (our_z - z).abs() < 1e-9,
                "z of {cell} at res {res}: {our_z} vs reference {z}"
            );
        }
        assert!(
            stderr.contains(&format!("{no_coordinates} without coordinates")),
            "stderr reports the {no_coordinates} rows without coordinates: {stderr}"
        );
        let used = 61_600 - no_coordinates - outside;
        assert_eq!(used, 61_040, "the README's row count");
        assert!(
            stderr.contains(&format!("61600 rows, {used} incidents used")),
            "{stderr}"
        );
    }
}

#[test]
fn hotspots_as_geojson() {
    let (stdout, _) = succeeds(&[
        "hotspots",
        "--input",
        data(THEFTS).to_str().expect("utf-8"),
        "--res",
        "8",
        "--format",
        "geojson",
    ]);
    let document: Value = serde_json::from_str(&stdout).expect("GeoJSON");
    assert_eq!(document["type"], "FeatureCollection");
    let features = document["features"].as_array().expect("features");
    assert_eq!(features.len(), 817);
    let first = &features[0];
    let ring = first["geometry"]["coordinates"][0]
        .as_array()
        .expect("ring");
    assert!(
        ring.len() >= 7 && ring.first() == ring.last(),
        "closed ring"
    );
    for property in ["h3", "count", "z", "p", "class"] {
        assert!(
            !first["properties"][property].is_null(),
            "{property} in {first}"
        );
    }
    assert!(
        features
            .iter()
            .any(|f| f["properties"]["class"] == "hot_99"),
        "Chicago has hot spots"
    );
}

/// The README's bands and the Near Repeat Calculator's observed pair counts.
const BURGLARY_OBSERVED: [[u64; 4]; 5] = [
    [28, 5, 5, 2],
    [44, 13, 8, 4],
    [97, 56, 19, 16],
    [77, 67, 45, 20],
    [182_194, 146_149, 95_237, 45_879],
];

fn table(value: &Value) -> Vec<Vec<u64>> {
    value
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("columns")
                .iter()
                .map(|cell| cell.as_u64().expect("count"))
                .collect()
        })
        .collect()
}

#[test]
fn near_repeat_observed_counts_equal_the_calculator() {
    let input = data("near-repeat/chicago_be_month1.csv");
    let bands = [
        "near-repeat",
        "--input",
        input.to_str().expect("utf-8"),
        "--no-header",
        "--x-col",
        "1",
        "--y-col",
        "2",
        "--time-col",
        "3",
        "--distance-bands",
        "0,1,100,200,300",
        "--time-bands",
        "0,7,14,21",
        "--permutations",
        "99",
        "--seed",
        "7",
    ];
    let (stdout, stderr) = succeeds(&[&bands[..], &["--format", "json"]].concat());
    assert!(
        stderr.contains("970 rows, 970 events used, 0 not used"),
        "{stderr}"
    );
    let result: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(table(&result["observed"]), BURGLARY_OBSERVED);
    assert_eq!(result["events"], 970);
    assert_eq!(result["permutations"], 99);
    for name in ["expected_mean", "knox_ratio", "p"] {
        let rows = result[name].as_array().expect(name);
        assert_eq!(rows.len(), 5, "{name}: one row per distance band");
        assert!(
            rows.iter()
                .all(|row| row.as_array().expect(name).len() == 4)
        );
    }
    assert_eq!(result["distance_bands"][4]["to"], Value::Null, "open band");
    // Same-location repeats within a week are the calculator's clearest excess (ratio 1.65, p 0.05).
    assert!(result["knox_ratio"][0][0].as_f64().expect("ratio") > 1.3);
    assert!(result["p"][0][0].as_f64().expect("p") <= 0.05);

    // The same tables in long form, one row per distance band x time band.
    let (csv_text, _) = succeeds(&bands);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().expect("header"),
        vec![
            "distance_from",
            "distance_to",
            "time_from",
            "time_to",
            "observed",
            "expected_mean",
            "knox_ratio",
            "p"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 20);
    let observed: Vec<u64> = rows.iter().map(|r| r[4].parse().expect("count")).collect();
    assert_eq!(observed, BURGLARY_OBSERVED.concat());
    assert_eq!(
        (&rows[19][0], &rows[19][1], &rows[19][2], &rows[19][3]),
        ("300", "", "21", "")
    );
    // The seed makes the Monte Carlo figures reproducible.
    assert_eq!(succeeds(&bands).0, csv_text);
}

#[test]
fn near_repeat_calculator_preset_reproduces_the_arson_table() {
    let input = data("near-repeat/chicago_arson.csv");
    let (stdout, _) = succeeds(&[
        "near-repeat",
        "--input",
        input.to_str().expect("utf-8"),
        "--no-header",
        "--x-col",
        "1",
        "--y-col",
        "2",
        "--time-col",
        "3",
        "--calculator",
        "200,3,1,3",
        "--permutations",
        "19",
        "--format",
        "json",
    ]);
    let result: Value = serde_json::from_str(&stdout).expect("JSON");
    // chicago_arson_NRverbose_2019-09-23_145637.csv, "Observed frequencies distribution".
    assert_eq!(
        table(&result["observed"]),
        [
            [0, 2, 0, 8],
            [9, 1, 1, 45],
            [4, 0, 0, 140],
            [6, 0, 0, 234],
            [393, 710, 770, 133_658]
        ]
    );
    assert_eq!(result["distance_bands"][0]["label"], "0 m (same location)");
}

#[test]
fn concentration_and_coverage_on_the_thefts() {
    let input = data(THEFTS);
    let input = input.to_str().expect("utf-8");
    let (stdout, _) = succeeds(&[
        "concentration",
        "--input",
        input,
        "--res",
        "9",
        "--format",
        "json",
    ]);
    let summary: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(summary["incidents"], 61_040);
    assert_eq!(summary["cells"], 4_580);
    let share = summary["share_of_cells"].as_f64().expect("share");
    let gini = summary["gini"].as_f64().expect("gini");
    assert!(share > 0.0 && share < 0.5, "thefts concentrate: {share}");
    assert!(gini > 0.3 && gini < 1.0, "gini {gini}");

    let cameras = data("chicago-traffic-cameras.csv");
    let (stdout, stderr) = succeeds(&[
        "coverage",
        "--input",
        input,
        "--res",
        "9",
        "--cameras",
        cameras.to_str().expect("utf-8"),
        "--camera-range",
        "150",
    ]);
    assert!(stdout.starts_with("h3,count,z,class\n"), "{stdout}");
    let blind = cells(&stdout);
    assert!(!blind.is_empty(), "some hot cells have no traffic camera");
    assert!(blind.values().all(|&(_, z)| z > 0.0), "blind spots are hot");
    assert!(stderr.contains("309 rows, 309 cameras used"), "{stderr}");
    // The traffic cameras plus one in each blind spot leave none.
    let mut every = tempfile::NamedTempFile::new().expect("temp file");
    writeln!(every, "camera_id,latitude,longitude").expect("write");
    let registry = std::fs::read_to_string(&cameras).expect("camera file");
    let mut registry = csv::Reader::from_reader(registry.as_bytes());
    for camera in registry.records() {
        let camera = camera.expect("camera row");
        writeln!(every, "{},{},{}", &camera[0], &camera[4], &camera[5]).expect("write");
    }
    for cell in blind.keys() {
        let centre = h3o::LatLng::from(cell.parse::<h3o::CellIndex>().expect("cell"));
        writeln!(every, "{cell},{},{}", centre.lat(), centre.lng()).expect("write");
    }
    let (stdout, _) = succeeds(&[
        "coverage",
        "--input",
        input,
        "--res",
        "9",
        "--cameras",
        every.path().to_str().expect("utf-8"),
        "--camera-range",
        "150",
    ]);
    assert_eq!(stdout, "h3,count,z,class\n");
}

#[test]
fn unusable_rows_are_counted_by_reason() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    write!(
        file,
        "latitude,longitude,occurred_at\n\
         41.88,-87.63,2016-01-05T10:00:00\n\
         ,,2016-01-05T11:00:00\n\
         41.88,-87.63,not a date\n\
         41.88,-87.63,01/06/2016 11:30:00 PM\n\
         north,-87.63,2016-01-05\n\
         95.0,-87.63,2016-01-05\n\
         41.89,-87.62,2016-01-07\n"
    )
    .expect("write");
    let path = file.path().to_str().expect("utf-8");
    let (stdout, stderr) = succeeds(&[
        "hotspots",
        "--input",
        path,
        "--from",
        "2016-01-01",
        "--to",
        "2016-02-01",
    ]);
    for expected in [
        "7 rows, 3 incidents used, 4 not used",
        "1 without coordinates (e.g. line 3)",
        "1 with a bad date (e.g. line 4: `not a date`)",
        "1 with coordinates that are not numbers",
        "1 with latitude/longitude out of range",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
    assert_eq!(stdout.lines().count(), 3, "two cells: {stdout}");
}

#[test]
fn a_file_that_cannot_be_read_is_a_clear_error() {
    let stderr = fails(&["hotspots", "--input", "/no/such/thefts.csv"]);
    assert!(
        stderr.contains("cannot open /no/such/thefts.csv") && stderr.contains("No such file"),
        "{stderr}"
    );
    // A gzip file cut short.
    let gz = std::fs::read(data(THEFTS)).expect("theft file");
    let mut cut = tempfile::NamedTempFile::new().expect("temp file");
    cut.write_all(&gz[..gz.len() / 2]).expect("write");
    let stderr = fails(&["hotspots", "--input", cut.path().to_str().expect("utf-8")]);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn a_bad_column_name_lists_the_columns_present() {
    let input = data(THEFTS);
    let stderr = fails(&[
        "hotspots",
        "--input",
        input.to_str().expect("utf-8"),
        "--lat-col",
        "lat",
    ]);
    assert!(
        stderr.contains("--lat-col: no column named `lat`")
            && stderr.contains("occurred_at, block, iucr")
            && stderr.contains("latitude, longitude"),
        "{stderr}"
    );
    // A headerless file read as if it had a header gets a hint.
    let headerless = data("near-repeat/chicago_be_month1.csv");
    let stderr = fails(&[
        "near-repeat",
        "--input",
        headerless.to_str().expect("utf-8"),
        "--x-col",
        "x",
        "--y-col",
        "y",
    ]);
    assert!(stderr.contains("--no-header"), "{stderr}");
}

#[test]
fn bad_band_lists_are_clear_errors() {
    let input = data("near-repeat/chicago_be_month1.csv");
    let input = input.to_str().expect("utf-8");
    for (flag, value, message) in [
        (
            "--distance-bands",
            "0,abc,200",
            "`abc` is not a number of metres",
        ),
        ("--distance-bands", "10,100", "must be 0"),
        ("--distance-bands", "0,200,100", "must increase strictly"),
        (
            "--time-bands",
            "0,1.5",
            "`1.5` is not a number of whole days",
        ),
        ("--time-bands", "0,7,7", "must increase strictly"),
    ] {
        let stderr = fails(&[
            "near-repeat",
            "--input",
            input,
            "--no-header",
            "--x-col",
            "1",
            "--y-col",
            "2",
            "--time-col",
            "3",
            flag,
            value,
        ]);
        assert!(
            stderr.contains(flag) && stderr.contains(message),
            "{flag} {value}: {stderr}"
        );
    }
}

//! Readers for the shared reference data in /work/shared/data (beside the checkout).
#![allow(dead_code)] // each test binary uses a subset of these helpers

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use chrono::NaiveDateTime;

/// The shared data folder; panics with directions when it is missing, so tests never pass silently.
pub fn data_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        dir.join("README.md").is_file(),
        "reference data folder not found at {} (expected ../shared/data beside the checkout)",
        dir.display()
    );
    dir
}

pub fn open(relative: &str) -> BufReader<File> {
    let path = data_dir().join(relative);
    let file =
        File::open(&path).unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
    BufReader::new(file)
}

/// One row of chicago-theft-2016.csv.gz; coordinates are `None` when the report has none.
#[derive(Debug, Clone)]
pub struct Theft {
    pub occurred_at: NaiveDateTime,
    pub description: String,
    pub location: Option<(f64, f64)>,
}

pub fn chicago_thefts() -> Vec<Theft> {
    let gz = flate2::read::GzDecoder::new(open("chicago-theft-2016.csv.gz"));
    let mut reader = csv::Reader::from_reader(gz);
    reader
        .records()
        .map(|record| {
            let record = record.expect("readable theft row");
            let occurred_at = NaiveDateTime::parse_from_str(&record[2], "%Y-%m-%dT%H:%M:%S")
                .unwrap_or_else(|error| panic!("bad time {:?}: {error}", &record[2]));
            let location = match (record[10].parse::<f64>(), record[11].parse::<f64>()) {
                (Ok(lat), Ok(lng)) => Some((lat, lng)),
                _ => None,
            };
            Theft {
                occurred_at,
                description: record[5].to_owned(),
                location,
            }
        })
        .collect()
}

/// The README recipe's box: lat 41.60..42.05, lng -87.95..-87.50.
pub fn in_reference_box((lat, lng): (f64, f64)) -> bool {
    (41.60..=42.05).contains(&lat) && (-87.95..=-87.50).contains(&lng)
}

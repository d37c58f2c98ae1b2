//! The demo roster and the precinct lookup, checked against the districts recorded in the real 2016
//! theft data.

use quickclear_roster::{config, demo};
use quickclear_schemas::TaskKind;
use std::io::BufRead;
use std::path::PathBuf;

fn shared_data() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        dir.is_dir(),
        "shared data missing: expected {} beside the checkout",
        dir.display()
    );
    dir
}

#[test]
fn demo_city_has_every_district_and_both_squads() {
    let roster = demo::chicago(&shared_data()).unwrap();
    assert_eq!(
        roster.units_of(TaskKind::Precinct).count(),
        23,
        "22 districts with stations + 31"
    );
    assert_eq!(roster.units_of(TaskKind::Property).count(), 4);
    assert_eq!(roster.units_of(TaskKind::Scene).count(), 3);
    assert!(roster.doorplate("DP-0001").is_some());
    assert!(roster.alarm("AL-0001").is_some());
    let first = quickclear_schemas::UnitId::new("D001");
    let territory = roster
        .precincts()
        .territory(&first)
        .expect("D001 owns territory");
    assert!(territory.iter().any(|p| p.exterior().coords().count() > 3));
    assert!(
        roster
            .precincts()
            .territory(&quickclear_schemas::UnitId::new("D999"))
            .is_none()
    );
}

/// The district a theft was recorded in is the precinct that owns its coordinates, for nearly every
/// row. The rest are block addresses geocoded onto the street that is the border between two
/// districts, recorded against the other one (an independent point-in-polygon check agrees with ours).
#[test]
fn precinct_lookup_agrees_with_recorded_districts() {
    let roster = demo::chicago(&shared_data()).unwrap();
    let file = std::fs::File::open(shared_data().join("chicago-theft-2016.csv.gz")).unwrap();
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let (mut checked, mut agreed) = (0u32, 0u32);
    for line in reader.lines().skip(1).take(20_000) {
        let line = line.unwrap();
        let fields: Vec<&str> = line.rsplitn(4, ',').collect();
        let (lng, lat, district) = (fields[0], fields[1], fields[2]);
        let (Ok(lat), Ok(lng), Ok(district)) = (
            lat.parse::<f64>(),
            lng.parse::<f64>(),
            district.parse::<u32>(),
        ) else {
            continue;
        };
        checked += 1;
        let owner = roster.precincts().owner_of(lat, lng);
        if owner == Some(&demo::precinct_id(district)) {
            agreed += 1;
        } else if std::env::var_os("SHOW").is_some() {
            eprintln!("{lat},{lng} recorded {district} found {owner:?}");
        }
    }
    assert!(checked > 19_000, "checked {checked}");
    let share = f64::from(agreed) / f64::from(checked);
    assert!(share > 0.975, "only {agreed} of {checked} agree");
}

#[test]
fn points_outside_the_city_have_no_precinct() {
    let roster = demo::chicago(&shared_data()).unwrap();
    assert_eq!(
        roster.precincts().owner_of(40.7128, -74.0060),
        None,
        "New York"
    );
    assert_eq!(
        roster.precincts().owner_of(41.88, -87.55),
        None,
        "Lake Michigan"
    );
    assert_eq!(
        roster
            .precincts()
            .owner_of(42.019399237, -87.675049485)
            .map(|u| u.as_str()),
        Some("D024"),
        "Howard St, the city's northern border, belongs to the nearest precinct"
    );
}

#[test]
fn roster_file_loads_and_rejects_mistakes() {
    let example = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../infra/roster/chicago.toml"
    ));
    let roster = config::load(&example).unwrap();
    assert!(roster.units_of(TaskKind::Scene).count() >= 1);
    assert_eq!(
        roster
            .precincts()
            .owner_of(41.8789, -87.6359)
            .map(|u| u.as_str()),
        Some("D001"),
        "233 S Wacker Dr is in the 1st district"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "precinct = []\nteam = []\n[boundaries]\ngeojson = \"nowhere.geojson\"\nkey_property = \"K\"\n").unwrap();
    let error = config::load(&bad).unwrap_err().to_string();
    assert!(error.contains("nowhere.geojson"), "{error}");
}

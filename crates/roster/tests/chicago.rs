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

#[test]
fn an_alarm_may_have_the_digest_of_its_secret() {
    let infra = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/roster");
    let text = std::fs::read_to_string(format!("{infra}/chicago.toml")).unwrap();
    // AL-0001 is the file's last entry: a line appended is one of its fields.
    let text = text.replace("geojson = \"", &format!("geojson = \"{infra}/"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.toml");
    let with_secret = |line: &str| {
        std::fs::write(&file, format!("{text}{line}\n")).unwrap();
        config::load(&file)
    };
    let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let roster = with_secret(&format!("secret_sha256 = \"{digest}\"")).unwrap();
    let expected: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&digest[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(roster.alarm_secret("AL-0001").unwrap()[..], expected[..]);
    for bad in [&digest[1..], &digest.replace('9', "+")] {
        let error = with_secret(&format!("secret_sha256 = \"{bad}\""))
            .unwrap_err()
            .to_string();
        assert!(error.contains("alarm AL-0001: secret_sha256"), "{error}");
    }
    let error = with_secret("secret = \"in clear\"")
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `secret`"), "{error}");
    assert!(
        config::load(&PathBuf::from(format!("{infra}/chicago.toml")))
            .unwrap()
            .alarm_secret("AL-0001")
            .is_none()
    );
}

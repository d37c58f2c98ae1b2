//! The 2016 Chicago thefts (`chicago-theft-2016.csv.gz`), read as a stream, and what a report about
//! each one says.
//!
//! `occurred_at` is Chicago local time without a zone; the demo reads it as UTC, so simulated
//! 2016-01-01T00:00:00Z is midnight in Chicago. Nothing in the demo depends on the real offset.

use crate::demo::rng::SplitMix64;
use chrono::{DateTime, NaiveDateTime, Utc};
use quickclear_schemas::report::Offence;
use std::io::Read;
use std::path::Path;
use tokio::sync::mpsc;

pub const FILE_NAME: &str = "chicago-theft-2016.csv.gz";

/// One row of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Theft {
    /// The record id: the report's `Idempotency-Key`.
    pub id: String,
    pub case_number: String,
    /// Local Chicago time, read as UTC.
    pub occurred_at: DateTime<Utc>,
    /// The block address (`008XX N MICHIGAN AVE`).
    pub block: String,
    /// `RETAIL THEFT`, `$500 AND UNDER`, `OVER $500`, `POCKET-PICKING`, ...
    pub description: String,
    /// `DEPARTMENT STORE`, `VEHICLE NON-COMMERCIAL`, ...
    pub location_description: String,
    /// Whether the police recorded an arrest (the data has no arrest time).
    pub arrest: bool,
    pub district: String,
    /// `None` for the ~1 % of rows published without coordinates.
    pub location: Option<(f64, f64)>,
}

/// The columns a row needs, found by name in the header.
#[derive(Clone, Debug)]
pub struct Columns {
    id: usize,
    case_number: usize,
    occurred_at: usize,
    block: usize,
    description: usize,
    location_description: usize,
    arrest: usize,
    district: usize,
    latitude: usize,
    longitude: usize,
}

impl Columns {
    pub fn from_header(header: &csv::StringRecord) -> Result<Self, String> {
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| format!("no column {name:?} in the header"))
        };
        Ok(Self {
            id: column("id")?,
            case_number: column("case_number")?,
            occurred_at: column("occurred_at")?,
            block: column("block")?,
            description: column("description")?,
            location_description: column("location_description")?,
            arrest: column("arrest")?,
            district: column("district")?,
            latitude: column("latitude")?,
            longitude: column("longitude")?,
        })
    }

    /// Reads one row; a row the demo cannot use says why.
    pub fn parse(&self, record: &csv::StringRecord) -> Result<Theft, String> {
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let id = field(self.id);
        if id.is_empty() {
            return Err("a row without an id".into());
        }
        let occurred_at =
            NaiveDateTime::parse_from_str(field(self.occurred_at), "%Y-%m-%dT%H:%M:%S")
                .map_err(|e| format!("row {id}: occurred_at {:?}: {e}", field(self.occurred_at)))?
                .and_utc();
        let coordinate = |i: usize| field(i).parse::<f64>().ok().filter(|x| x.is_finite());
        let location = coordinate(self.latitude).zip(coordinate(self.longitude));
        Ok(Theft {
            id: id.to_owned(),
            case_number: field(self.case_number).to_owned(),
            occurred_at,
            block: field(self.block).to_owned(),
            description: field(self.description).to_owned(),
            location_description: field(self.location_description).to_owned(),
            arrest: field(self.arrest).eq_ignore_ascii_case("true"),
            district: field(self.district).to_owned(),
            location,
        })
    }
}

/// The offence a row describes. The IUCR description names the specific thefts; the generic ones
/// (`$500 AND UNDER`, `OVER $500`, `ATTEMPT THEFT`, ...) from a vehicle are thefts from vehicles.
pub fn offence(description: &str, location_description: &str) -> Offence {
    match description.trim().to_ascii_uppercase().as_str() {
        "RETAIL THEFT" | "THEFT RETAIL" => Offence::Shoplifting,
        "POCKET-PICKING" => Offence::Pickpocketing,
        "PURSE-SNATCHING" => Offence::PurseSnatching,
        "FROM BUILDING" => Offence::TheftFromBuilding,
        _ if location_description
            .to_ascii_uppercase()
            .contains("VEHICLE") =>
        {
            Offence::TheftFromVehicle
        }
        _ => Offence::OtherTheft,
    }
}

/// A plausible value for what was taken: up to $500 or over it when the row says so, otherwise by
/// the kind of theft.
pub fn value_cents(description: &str, offence: Offence, rng: &mut SplitMix64) -> u64 {
    match description.trim().to_ascii_uppercase().as_str() {
        "$500 AND UNDER" => rng.between(500, 50_000),
        "OVER $500" => rng.between(50_001, 400_000),
        _ => match offence {
            Offence::Shoplifting => rng.between(500, 40_000),
            Offence::Pickpocketing | Offence::PurseSnatching => rng.between(2_000, 60_000),
            Offence::TheftFromBuilding => rng.between(2_000, 150_000),
            _ => rng.between(1_000, 80_000),
        },
    }
}

/// What was taken, as a victim would name it.
pub fn item_description(offence: Offence, rng: &mut SplitMix64) -> &'static str {
    let choices: &[&str] = match offence {
        Offence::Shoplifting => &[
            "clothing",
            "cosmetics",
            "electronics",
            "liquor",
            "groceries",
        ],
        Offence::Pickpocketing => &["wallet", "phone", "wallet and phone"],
        Offence::PurseSnatching => &["purse", "handbag with wallet and keys"],
        Offence::TheftFromBuilding => &["package", "laptop", "tools", "jewelry"],
        Offence::TheftFromVehicle => &["laptop bag", "GPS unit", "tools", "backpack", "phone"],
        Offence::BicycleTheft => &["bicycle"],
        Offence::OtherTheft => &["phone", "bicycle", "wallet", "tablet", "jewelry"],
    };
    rng.pick(choices)
}

/// What the file gives the simulator: a theft, or a row it could not read (the replay goes on).
pub type Row = Result<Theft, String>;

/// Streams the file on a blocking thread (gzip and CSV reading are synchronous), a bounded
/// channel's worth ahead of the simulator. The channel closes at the end of the file; a file that
/// cannot be opened at all is an error here.
pub fn stream(path: &Path) -> anyhow::Result<mpsc::Receiver<Row>> {
    let file = std::fs::File::open(path).map_err(|e| {
        anyhow::anyhow!(
            "the demo replays {} and cannot open it: {e} (set --shared-data)",
            path.display()
        )
    })?;
    let (sender, receiver) = mpsc::channel(512);
    tokio::task::spawn_blocking(move || read_all(flate2::read::GzDecoder::new(file), &sender));
    Ok(receiver)
}

fn read_all(input: impl Read, sender: &mpsc::Sender<Row>) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let columns = match reader.headers() {
        Ok(header) => Columns::from_header(header),
        Err(e) => Err(format!("cannot read the header: {e}")),
    };
    let columns = match columns {
        Ok(columns) => columns,
        Err(e) => {
            let _ = sender.blocking_send(Err(e));
            return;
        }
    };
    let mut record = csv::StringRecord::new();
    loop {
        let row = match reader.read_record(&mut record) {
            Ok(false) => return,
            Ok(true) => columns.parse(&record),
            Err(e) => {
                // A broken gzip stream or I/O error ends the file; a bad row does not.
                let fatal = !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. });
                let row = Err(format!("unreadable row: {e}"));
                if sender.blocking_send(row).is_err() || fatal {
                    return;
                }
                continue;
            }
        };
        if sender.blocking_send(row).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,case_number,occurred_at,block,iucr,description,location_description,arrest,beat,district,latitude,longitude";

    fn parse(line: &str) -> Result<Theft, String> {
        let text = format!("{HEADER}\n{line}\n");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let columns = Columns::from_header(reader.headers().unwrap()).unwrap();
        let record = reader.records().next().unwrap().unwrap();
        columns.parse(&record)
    }

    #[test]
    fn reads_a_row_with_coordinates() {
        let theft = parse(
            "10475491,HZ214554,2016-01-01T00:00:00,008XX N MICHIGAN AVE,0810,OVER $500,DEPARTMENT STORE,true,1833,018,41.897895128,-87.624096605",
        )
        .unwrap();
        assert_eq!(theft.id, "10475491");
        assert_eq!(theft.case_number, "HZ214554");
        assert_eq!(theft.occurred_at.to_rfc3339(), "2016-01-01T00:00:00+00:00");
        assert_eq!(theft.block, "008XX N MICHIGAN AVE");
        assert!(theft.arrest);
        assert_eq!(theft.district, "018");
        assert_eq!(theft.location, Some((41.897895128, -87.624096605)));
    }

    #[test]
    fn a_row_without_coordinates_has_no_location() {
        let theft = parse(
            "10367959,HZ103735,2016-01-01T00:00:00,001XX E WALTON ST,0810,OVER $500,HOTEL/MOTEL,false,1833,018,,",
        )
        .unwrap();
        assert_eq!(theft.location, None);
        assert!(!theft.arrest);
        let half = parse(
            "1,X,2016-01-01T00:00:00,B,0810,OVER $500,HOTEL/MOTEL,false,1833,018,41.9,not-a-number",
        )
        .unwrap();
        assert_eq!(half.location, None, "one coordinate is no location");
    }

    #[test]
    fn quoted_fields_and_bad_times() {
        let theft = parse(
            "2,Y,2016-03-04T05:06:07,\"001XX W MADISON ST, REAR\",0860,RETAIL THEFT,\"SMALL RETAIL STORE\",false,0111,001,41.88,-87.63",
        )
        .unwrap();
        assert_eq!(theft.block, "001XX W MADISON ST, REAR");
        assert_eq!(theft.occurred_at.to_rfc3339(), "2016-03-04T05:06:07+00:00");
        let error =
            parse("3,Z,yesterday,B,0810,OVER $500,STREET,false,1,001,41.9,-87.6").unwrap_err();
        assert!(
            error.contains("row 3") && error.contains("occurred_at"),
            "{error}"
        );
    }

    #[test]
    fn maps_descriptions_to_offences() {
        assert_eq!(
            offence("RETAIL THEFT", "DEPARTMENT STORE"),
            Offence::Shoplifting
        );
        assert_eq!(
            offence("THEFT RETAIL", "GROCERY FOOD STORE"),
            Offence::Shoplifting
        );
        assert_eq!(
            offence("POCKET-PICKING", "CTA TRAIN"),
            Offence::Pickpocketing
        );
        assert_eq!(
            offence("PURSE-SNATCHING", "STREET"),
            Offence::PurseSnatching
        );
        assert_eq!(
            offence("FROM BUILDING", "RESIDENCE"),
            Offence::TheftFromBuilding
        );
        assert_eq!(
            offence("$500 AND UNDER", "VEHICLE NON-COMMERCIAL"),
            Offence::TheftFromVehicle
        );
        assert_eq!(
            offence("OVER $500", "VEHICLE-COMMERCIAL"),
            Offence::TheftFromVehicle
        );
        assert_eq!(offence("$500 AND UNDER", "STREET"), Offence::OtherTheft);
        assert_eq!(offence("ATTEMPT THEFT", "PARKING LOT"), Offence::OtherTheft);
        // The specific description wins over the place.
        assert_eq!(
            offence("POCKET-PICKING", "VEHICLE NON-COMMERCIAL"),
            Offence::Pickpocketing
        );
    }

    #[test]
    fn values_follow_the_500_dollar_line() {
        let mut rng = SplitMix64::new(1);
        for _ in 0..1000 {
            let under = value_cents("$500 AND UNDER", Offence::OtherTheft, &mut rng);
            assert!((1..=50_000).contains(&under));
            let over = value_cents("OVER $500", Offence::OtherTheft, &mut rng);
            assert!(over > 50_000);
            let retail = value_cents("RETAIL THEFT", Offence::Shoplifting, &mut rng);
            assert!(retail > 0);
        }
    }
}

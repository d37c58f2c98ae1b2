//! Reading incidents from a CSV file (plain or gzip) for `quickclear analyze`: column selection by
//! header name or 1-based position, time parsing, filters, and the count of every row not used.
//!
//! A file that cannot be opened or read (missing, not readable, corrupt gzip) is an error. A row
//! that cannot be used (no coordinates, unparseable coordinates or date, a malformed CSV line) is
//! counted under its reason, with a few line numbers as examples, and reported on stderr.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use clap::Args;
use csv::StringRecord;

/// How dates and times in the input (and in `--from` / `--to`) are read: shown in `--help`.
pub const TIME_FORMATS: &str = "\
Times (the --time-col column, --from and --to) are local times without a zone, read as written:
  2016-01-05T23:30:00, 2016-01-05 23:30:00 (fractions of a second allowed), 2016-01-05T23:30,
  2016-01-05 (midnight), and the US forms 01/05/2016, 01/05/2016 23:30[:00], 01/05/2016 11:30:00 PM
  (month first; DD/MM/YYYY is not accepted). A trailing offset or Z (2016-01-05T23:30:00-06:00)
  is accepted and dropped: the wall-clock time as written is used. Years outside 1900-2199 (such as
  two-digit years) are bad dates. Near-repeat uses the calendar day of each time.
Rows that cannot be used (no coordinates, unparseable coordinates or time, malformed CSV lines)
and rows left out by --bbox, --from/--to or --offence are counted and reported on stderr.";

/// Where the incidents are and which columns hold what.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The CSV file, plain or gzip-compressed (recognised by its content); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Column holding the latitude, WGS84 degrees [default: latitude].
    #[arg(long, value_name = "COLUMN")]
    pub lat_col: Option<String>,
    /// Column holding the longitude, WGS84 degrees [default: longitude].
    #[arg(long, value_name = "COLUMN")]
    pub lng_col: Option<String>,
    /// Column holding the time of the incident [default: occurred_at]; formats below.
    #[arg(long, value_name = "COLUMN")]
    pub time_col: Option<String>,
    /// Column holding a projected x in metres, instead of latitude/longitude (near-repeat only).
    #[arg(long, value_name = "COLUMN", requires = "y_col", conflicts_with_all = ["lat_col", "lng_col"])]
    pub x_col: Option<String>,
    /// Column holding a projected y in metres, with --x-col.
    #[arg(long, value_name = "COLUMN", requires = "x_col")]
    pub y_col: Option<String>,
    /// The file has no header row: name columns by 1-based position (e.g. --x-col 1 --y-col 2).
    #[arg(long)]
    pub no_header: bool,
    /// Field delimiter, one ASCII character.
    #[arg(long, value_name = "CHAR", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,
}

/// Which rows to keep.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only incidents at or after this time (reads the time column).
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub from: Option<NaiveDateTime>,
    /// Only incidents before this time (exclusive; reads the time column).
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub to: Option<NaiveDateTime>,
    /// Only incidents inside this box, bounds included: MINLAT,MINLNG,MAXLAT,MAXLNG in degrees.
    #[arg(long, value_name = "BOX", value_parser = parse_bbox, allow_hyphen_values = true)]
    pub bbox: Option<BoundingBox>,
    /// Column holding the offence, for --offence.
    #[arg(long, value_name = "COLUMN", requires = "offences")]
    pub offence_col: Option<String>,
    /// Only incidents whose offence column equals this value exactly (repeat for several).
    #[arg(long = "offence", value_name = "VALUE", requires = "offence_col")]
    pub offences: Vec<String>,
}

/// A latitude/longitude box, bounds included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub min_lng: f64,
    pub max_lat: f64,
    pub max_lng: f64,
}

impl BoundingBox {
    fn contains(&self, lat: f64, lng: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lng..=self.max_lng).contains(&lng)
    }
}

/// The kind of coordinates an analysis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coordinates {
    /// `--lat-col` / `--lng-col`, WGS84 degrees.
    Geographic,
    /// `--x-col` / `--y-col`, metres in any projection.
    Projected,
}

impl InputArgs {
    /// Projected when `--x-col`/`--y-col` are given, geographic otherwise.
    pub fn coordinates(&self) -> Coordinates {
        match self.x_col {
            Some(_) => Coordinates::Projected,
            None => Coordinates::Geographic,
        }
    }

    /// Fails unless the coordinates are latitude/longitude (the H3 analyses).
    pub fn require_geographic(&self, command: &str) -> anyhow::Result<()> {
        if self.coordinates() == Coordinates::Projected {
            bail!(
                "`analyze {command}` works on H3 cells and needs latitude/longitude (--lat-col, \
                 --lng-col); projected --x-col/--y-col are for `analyze near-repeat`"
            );
        }
        Ok(())
    }
}

/// One usable incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// (latitude, longitude) in degrees, or (x, y) in metres, as requested.
    pub coords: (f64, f64),
    /// Present when the time column was read.
    pub time: Option<NaiveDateTime>,
}

/// Why a row was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    Malformed,
    NoCoordinates,
    BadCoordinates,
    CoordinatesOutOfRange,
    NoTime,
    BadTime,
    BadField,
    OutsideBox,
    OutsideWindow,
    OtherOffence,
}

impl Skip {
    fn label(self) -> &'static str {
        match self {
            Self::Malformed => "malformed (CSV error or too few fields)",
            Self::NoCoordinates => "without coordinates",
            Self::BadCoordinates => "with coordinates that are not numbers",
            Self::CoordinatesOutOfRange => "with latitude/longitude out of range",
            Self::NoTime => "without a time",
            Self::BadTime => "with a bad date",
            Self::BadField => "with a bad value",
            Self::OutsideBox => "outside --bbox",
            Self::OutsideWindow => "outside --from/--to",
            Self::OtherOffence => "with another offence than --offence",
        }
    }
}

/// How many rows were read, used, and not used (by reason, with a few examples each).
#[derive(Debug, Clone)]
pub struct RowReport {
    pub source: String,
    pub rows: u64,
    pub used: u64,
    skipped: BTreeMap<Skip, (u64, Examples)>,
}

/// The first few rows not used for one reason: line number and the offending value, if any.
type Examples = Vec<(u64, Option<String>)>;

const EXAMPLES: usize = 3;

impl RowReport {
    pub fn new(source: String) -> Self {
        Self {
            source,
            rows: 0,
            used: 0,
            skipped: BTreeMap::new(),
        }
    }

    /// Counts a row not used, at `line`; `detail` (the offending value) is kept for the first few.
    pub fn skip(&mut self, reason: Skip, line: u64, detail: impl FnOnce() -> Option<String>) {
        let (count, examples) = self.skipped.entry(reason).or_default();
        *count += 1;
        if examples.len() < EXAMPLES {
            examples.push((line, detail()));
        }
    }

    /// Rows not used for `reason`.
    pub fn skipped(&self, reason: Skip) -> u64 {
        self.skipped.get(&reason).map_or(0, |&(count, _)| count)
    }

    /// The report for stderr: one line of totals, then one line per reason.
    pub fn render(&self, what: &str) -> String {
        let not_used = self.rows - self.used;
        let mut text = format!(
            "{}: {} rows, {} {what} used, {not_used} not used",
            self.source, self.rows, self.used
        );
        for (reason, (count, examples)) in &self.skipped {
            let more = if *count > examples.len() as u64 {
                ", …"
            } else {
                ""
            };
            let shown: Vec<String> = if examples.iter().all(|(_, detail)| detail.is_none()) {
                let lines: Vec<String> =
                    examples.iter().map(|(line, _)| line.to_string()).collect();
                vec![format!(
                    "line{} {}",
                    if examples.len() > 1 { "s" } else { "" },
                    lines.join(", ")
                )]
            } else {
                examples
                    .iter()
                    .map(|(line, detail)| match detail {
                        Some(detail) => format!("line {line}: {detail}"),
                        None => format!("line {line}"),
                    })
                    .collect()
            };
            let _ = write!(
                text,
                "\n  {count} {} (e.g. {}{more})",
                reason.label(),
                shown.join("; ")
            );
        }
        text
    }
}

/// A CSV file opened for reading, with its header (or first row, when it has none).
pub struct CsvFile {
    name: String,
    reader: csv::Reader<Box<dyn Read>>,
    header: StringRecord,
    has_header: bool,
}

impl CsvFile {
    /// Opens a plain or gzip CSV file (`-` is standard input) and reads its first row.
    pub fn open(path: &Path, has_header: bool, delimiter: u8) -> anyhow::Result<Self> {
        let name = path.display().to_string();
        let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(File::open(path).with_context(|| format!("cannot open {name}"))?)
        };
        let mut buffered = BufReader::with_capacity(1 << 17, raw);
        let start = buffered
            .fill_buf()
            .with_context(|| format!("cannot read {name}"))?;
        let source: Box<dyn Read> = if start.starts_with(&[0x1f, 0x8b]) {
            Box::new(Unzipped::spawn(flate2::read::MultiGzDecoder::new(buffered)))
        } else {
            Box::new(buffered)
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(has_header)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(source);
        let header = match reader.headers() {
            Ok(header) => header.clone(),
            Err(error) => return Err(read_error(&name, error)),
        };
        Ok(Self {
            name,
            reader,
            header,
            has_header,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The position of a column named by `flag`: its header (exactly, else ignoring case and
    /// surrounding spaces) or its 1-based position.
    pub fn column(&self, flag: &str, wanted: &str) -> anyhow::Result<usize> {
        if let Some(index) = self.find(wanted) {
            return Ok(index);
        }
        let width = self.header.len();
        if !self.has_header {
            bail!(
                "{flag} {wanted}: {} has no header row (--no-header), so columns are named by \
                 1-based position: 1 to {width}",
                self.name
            );
        }
        let present: Vec<&str> = self.header.iter().collect();
        let mut message = if present.is_empty() || present == [""] {
            format!(
                "{flag}: no column named `{wanted}` in {}: the file is empty",
                self.name
            )
        } else {
            format!(
                "{flag}: no column named `{wanted}` in {}; the columns present are: {} \
                 (name a column by its header or its 1-based position)",
                self.name,
                present.join(", ")
            )
        };
        if present.iter().all(|field| looks_like_data(field)) {
            message.push_str(
                ". The first row looks like data, not a header: if the file has none, pass \
                 --no-header and name columns by position (e.g. --x-col 1 --y-col 2 --time-col 3)",
            );
        }
        bail!(message)
    }

    /// The position of an optional column, by header (or position) as in [`Self::column`].
    pub fn find(&self, wanted: &str) -> Option<usize> {
        let width = self.header.len();
        if self.has_header {
            let clean = |field: &str| field.trim_start_matches('\u{feff}').trim().to_owned();
            if let Some(index) = self.header.iter().position(|field| clean(field) == wanted) {
                return Some(index);
            }
            let lower = wanted.trim().to_lowercase();
            let matching: Vec<usize> = (0..width)
                .filter(|&index| clean(&self.header[index]).to_lowercase() == lower)
                .collect();
            if let [index] = matching[..] {
                return Some(index);
            }
        }
        match wanted.trim().parse::<usize>() {
            Ok(position) if (1..=width).contains(&position) => Some(position - 1),
            _ => None,
        }
    }

    /// Calls `each` with every data row (and its line number), or with the CSV error of a row that
    /// could not be parsed. Fails when the file cannot be read. Returns the number of rows.
    pub fn for_each(
        mut self,
        mut each: impl FnMut(u64, Result<&StringRecord, String>),
    ) -> anyhow::Result<u64> {
        let mut record = StringRecord::new();
        let mut rows = 0;
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(rows),
                Ok(true) => {
                    rows += 1;
                    let line = record.position().map_or(0, csv::Position::line);
                    each(line, Ok(&record));
                }
                Err(error) if matches!(error.kind(), csv::ErrorKind::Io(_)) => {
                    return Err(read_error(&self.name, error));
                }
                Err(error) => {
                    rows += 1;
                    let line = error.position().map_or(0, csv::Position::line);
                    each(line, Err(error.to_string()));
                }
            }
        }
    }
}

/// Gzip decompressed on its own thread, so that it overlaps with parsing: blocks of the
/// decompressed stream (or the error that ended it) come through a bounded channel.
struct Unzipped {
    blocks: mpsc::Receiver<io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
}

impl Unzipped {
    const BLOCK: usize = 1 << 18;

    fn spawn(mut source: impl Read + Send + 'static) -> Self {
        let (sender, blocks) = mpsc::sync_channel(4);
        std::thread::spawn(move || {
            loop {
                let mut block = vec![0; Self::BLOCK];
                let mut filled = 0;
                let result = loop {
                    match source.read(&mut block[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == block.len() {
                                break Ok(());
                            }
                        }
                        Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                        Err(error) => break Err(error),
                    }
                };
                block.truncate(filled);
                let last = filled < Self::BLOCK || result.is_err();
                // A closed receiver means the reader stopped early: nothing left to do.
                if filled > 0 && sender.send(Ok(block)).is_err() {
                    return;
                }
                if let Err(error) = result {
                    let _ = sender.send(Err(error));
                }
                if last {
                    return;
                }
            }
        });
        Self {
            blocks,
            block: Vec::new(),
            at: 0,
        }
    }
}

impl Read for Unzipped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            match self.blocks.recv() {
                Ok(block) => {
                    self.block = block?;
                    self.at = 0;
                }
                // The decompressing thread is done: end of stream.
                Err(mpsc::RecvError) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn read_error(name: &str, error: csv::Error) -> anyhow::Error {
    let at = error
        .position()
        .map(|position| format!(" (near line {})", position.line()))
        .unwrap_or_default();
    match error.into_kind() {
        csv::ErrorKind::Io(io) => anyhow::anyhow!("cannot read {name}{at}: {io}"),
        other => anyhow::anyhow!("cannot read {name}{at}: {other:?}"),
    }
}

/// A number or a date: what a header row should not consist of.
fn looks_like_data(field: &str) -> bool {
    let field = field.trim();
    !field.is_empty() && (field.parse::<f64>().is_ok() || parse_time(field).is_some())
}

/// Reads the incidents the analysis needs. `read_time` reads (and requires) the time column; it is
/// read anyway when --from/--to is given or --time-col is named.
pub fn read_incidents(
    input: &InputArgs,
    filter: &FilterArgs,
    read_time: bool,
) -> anyhow::Result<(Vec<Incident>, RowReport)> {
    let coordinates = input.coordinates();
    if coordinates == Coordinates::Projected && filter.bbox.is_some() {
        bail!(
            "--bbox is in latitude/longitude and cannot filter projected --x-col/--y-col coordinates"
        );
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from >= to
    {
        bail!("--from {from} is not before --to {to}: the time window is empty");
    }
    let file = CsvFile::open(&input.input, !input.no_header, input.delimiter)?;
    let (first, second) = match coordinates {
        Coordinates::Geographic => (
            file.column("--lat-col", input.lat_col.as_deref().unwrap_or("latitude"))?,
            file.column("--lng-col", input.lng_col.as_deref().unwrap_or("longitude"))?,
        ),
        Coordinates::Projected => (
            file.column("--x-col", input.x_col.as_deref().unwrap_or_default())?,
            file.column("--y-col", input.y_col.as_deref().unwrap_or_default())?,
        ),
    };
    let read_time =
        read_time || input.time_col.is_some() || filter.from.is_some() || filter.to.is_some();
    let time = match read_time {
        true => Some(file.column(
            "--time-col",
            input.time_col.as_deref().unwrap_or("occurred_at"),
        )?),
        false => None,
    };
    let offence = match &filter.offence_col {
        Some(name) => Some(file.column("--offence-col", name)?),
        None => None,
    };

    let mut report = RowReport::new(file.name().to_owned());
    let mut incidents = Vec::new();
    let rows = file.for_each(|line, record| {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                report.skip(Skip::Malformed, line, || Some(error));
                return;
            }
        };
        match incident(record, (first, second), time, offence, coordinates, filter) {
            Ok(incident) => incidents.push(incident),
            Err((reason, detail)) => {
                report.skip(reason, line, || detail.map(|value| format!("`{value}`")))
            }
        }
    })?;
    report.rows = rows;
    report.used = incidents.len() as u64;
    Ok((incidents, report))
}

type Rejection = (Skip, Option<String>);

fn incident(
    record: &StringRecord,
    (first, second): (usize, usize),
    time: Option<usize>,
    offence: Option<usize>,
    coordinates: Coordinates,
    filter: &FilterArgs,
) -> Result<Incident, Rejection> {
    let field = |index: usize| record.get(index).map(str::trim);
    let (Some(a), Some(b)) = (field(first), field(second)) else {
        return Err((Skip::Malformed, Some(format!("{} fields", record.len()))));
    };
    if a.is_empty() || b.is_empty() {
        return Err((Skip::NoCoordinates, None));
    }
    let coords = match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(a), Ok(b)) if a.is_finite() && b.is_finite() => (a, b),
        _ => return Err((Skip::BadCoordinates, Some(format!("{a},{b}")))),
    };
    if coordinates == Coordinates::Geographic {
        let (lat, lng) = coords;
        if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)) {
            return Err((Skip::CoordinatesOutOfRange, Some(format!("{lat},{lng}"))));
        }
        if filter.bbox.is_some_and(|bbox| !bbox.contains(lat, lng)) {
            return Err((Skip::OutsideBox, None));
        }
    }
    let time = match time {
        None => None,
        Some(index) => {
            let Some(text) = field(index) else {
                return Err((Skip::Malformed, Some(format!("{} fields", record.len()))));
            };
            if text.is_empty() {
                return Err((Skip::NoTime, None));
            }
            let Some(time) = parse_time(text) else {
                return Err((Skip::BadTime, Some(text.to_owned())));
            };
            if filter.from.is_some_and(|from| time < from) || filter.to.is_some_and(|to| time >= to)
            {
                return Err((Skip::OutsideWindow, None));
            }
            Some(time)
        }
    };
    if let Some(index) = offence {
        let value = field(index).unwrap_or_default();
        if !filter.offences.iter().any(|wanted| wanted == value) {
            return Err((Skip::OtherOffence, None));
        }
    }
    Ok(Incident { coords, time })
}

/// Parses a time in one of the [`TIME_FORMATS`]; `None` when it is none of them.
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    const DATE_TIMES: [&str; 8] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ];
    const DATES: [&str; 2] = ["%Y-%m-%d", "%m/%d/%Y"];
    let text = text.trim();
    let parsed = DATE_TIMES
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| {
            DATES.iter().find_map(|format| {
                NaiveDate::parse_from_str(text, format)
                    .ok()
                    .map(|date| date.and_time(NaiveTime::MIN))
            })
        })
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|time| time.naive_local())
        })?;
    (1900..2200).contains(&parsed.year()).then_some(parsed)
}

fn parse_time_arg(text: &str) -> Result<NaiveDateTime, String> {
    parse_time(text).ok_or_else(|| {
        format!(
            "`{text}` is not a date or time: use e.g. 2016-06-01, 2016-06-01T08:00:00 or 06/01/2016"
        )
    })
}

fn parse_bbox(text: &str) -> Result<BoundingBox, String> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|part| part.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{text}` is not four numbers MINLAT,MINLNG,MAXLAT,MAXLNG"))?;
    let [min_lat, min_lng, max_lat, max_lng] = numbers[..] else {
        return Err(format!(
            "`{text}` has {} numbers; expected four: MINLAT,MINLNG,MAXLAT,MAXLNG",
            numbers.len()
        ));
    };
    if !(min_lat <= max_lat && min_lng <= max_lng) {
        return Err(format!(
            "`{text}`: the minimum latitude and longitude must not exceed the maximum \
             (order MINLAT,MINLNG,MAXLAT,MAXLNG)"
        ));
    }
    Ok(BoundingBox {
        min_lat,
        min_lng,
        max_lat,
        max_lng,
    })
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text.as_bytes() {
        [byte] if byte.is_ascii() => Ok(*byte),
        _ if text == "\\t" || text == "tab" => Ok(b'\t'),
        _ => Err(format!(
            "`{text}` is not one ASCII character (use `tab` for a tab)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").expect("test time")
    }

    #[test]
    fn times_in_every_documented_format() {
        let cases = [
            ("2016-01-05T23:30:00", "2016-01-05T23:30:00"),
            ("2016-01-05T23:30:00.250", "2016-01-05T23:30:00"),
            ("2016-01-05 23:30:00", "2016-01-05T23:30:00"),
            ("2016-01-05T23:30", "2016-01-05T23:30:00"),
            ("2016-01-05", "2016-01-05T00:00:00"),
            (" 2016-01-05 ", "2016-01-05T00:00:00"),
            ("01/05/2016", "2016-01-05T00:00:00"),
            ("1/5/2016", "2016-01-05T00:00:00"),
            ("01/05/2016 23:30", "2016-01-05T23:30:00"),
            ("01/05/2016 23:30:00", "2016-01-05T23:30:00"),
            ("01/05/2016 11:30:00 PM", "2016-01-05T23:30:00"),
            ("01/05/2016 12:10:00 AM", "2016-01-05T00:10:00"),
            ("2016-01-05T23:30:00-06:00", "2016-01-05T23:30:00"),
            ("2016-01-05T23:30:00Z", "2016-01-05T23:30:00"),
        ];
        for (text, expected) in cases {
            let parsed = parse_time(text).unwrap_or_else(|| panic!("{text} not parsed"));
            assert_eq!(parsed.with_nanosecond(0), Some(at(expected)), "{text}");
        }
        for bad in [
            "",
            "yesterday",
            "2016-13-01",
            "2016-02-30",
            "13/05/2016",
            "05/01/16",
            "0016-01-05",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bounding_boxes_and_delimiters() {
        assert_eq!(
            parse_bbox("41.60,-87.95,42.05,-87.50"),
            Ok(BoundingBox {
                min_lat: 41.6,
                min_lng: -87.95,
                max_lat: 42.05,
                max_lng: -87.5
            })
        );
        assert!(parse_bbox("42.05,-87.95,41.60,-87.50").is_err());
        assert!(parse_bbox("1,2,3").is_err());
        assert!(parse_bbox("a,b,c,d").is_err());
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert!(parse_delimiter(";;").is_err());
    }
}

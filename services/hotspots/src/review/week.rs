//! ISO weeks (`2016-W23`): Monday 00:00 to the next Monday 00:00, on the times the thefts are
//! read at (UTC).

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Weekday};
use std::fmt;

/// One ISO 8601 week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoWeek {
    monday: NaiveDate,
}

impl IsoWeek {
    /// Reads `YYYY-Www` (`2016-W23`); the message says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let shape = || format!("{text:?} is not an ISO week such as 2016-W23");
        let (year, week) = text.split_once("-W").ok_or_else(shape)?;
        let digits =
            |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(week, 2) {
            return Err(shape());
        }
        let (year, week) = year
            .parse::<i32>()
            .ok()
            .zip(week.parse::<u32>().ok())
            .ok_or_else(shape)?;
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .map(|monday| Self { monday })
            .ok_or_else(|| format!("{year} has no ISO week {week} (an ISO year has 52 or 53)"))
    }

    /// The week `at` falls in.
    pub fn containing(at: NaiveDateTime) -> Self {
        let day = at.date();
        let since_monday = day.weekday().num_days_from_monday();
        Self {
            monday: day - TimeDelta::days(i64::from(since_monday)),
        }
    }

    /// The week `weeks` after this one.
    pub fn plus_weeks(self, weeks: i64) -> Self {
        Self {
            monday: self.monday + TimeDelta::weeks(weeks),
        }
    }

    /// Monday 00:00.
    pub fn start(self) -> NaiveDateTime {
        self.monday.and_time(chrono::NaiveTime::MIN)
    }

    /// The next Monday 00:00 (exclusive).
    pub fn end(self) -> NaiveDateTime {
        self.start() + TimeDelta::weeks(1)
    }

    /// The start of the week `weeks` before this one.
    pub fn start_weeks_before(self, weeks: i64) -> NaiveDateTime {
        self.start() - TimeDelta::weeks(weeks)
    }

    /// Its days for people: `6–12 Jun 2016`, or `30 May – 5 Jun 2016` across months.
    pub fn days(self) -> String {
        let sunday = self.monday + TimeDelta::days(6);
        if self.monday.month() == sunday.month() {
            format!("{}–{}", self.monday.day(), sunday.format("%-d %b %Y"))
        } else if self.monday.year() == sunday.year() {
            format!(
                "{} – {}",
                self.monday.format("%-d %b"),
                sunday.format("%-d %b %Y")
            )
        } else {
            format!(
                "{} – {}",
                self.monday.format("%-d %b %Y"),
                sunday.format("%-d %b %Y")
            )
        }
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let week = self.monday.iso_week();
        write!(f, "{}-W{:02}", week.year(), week.week())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_runs_from_monday_to_monday() {
        let week = IsoWeek::parse("2016-W23").expect("valid");
        assert_eq!(week.start().to_string(), "2016-06-06 00:00:00");
        assert_eq!(week.end().to_string(), "2016-06-13 00:00:00");
        assert_eq!(
            week.start_weeks_before(7).to_string(),
            "2016-04-18 00:00:00"
        );
        assert_eq!(week.to_string(), "2016-W23");
        assert_eq!(week.days(), "6–12 Jun 2016");
    }

    #[test]
    fn the_week_of_a_time_and_the_weeks_after() {
        let at = |text| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time");
        let week = IsoWeek::parse("2016-W23").expect("valid");
        assert_eq!(IsoWeek::containing(at("2016-06-06 00:00")), week);
        assert_eq!(IsoWeek::containing(at("2016-06-12 23:59")), week);
        assert_eq!(
            IsoWeek::containing(at("2016-06-13 00:00")),
            week.plus_weeks(1)
        );
        assert_eq!(week.plus_weeks(30).to_string(), "2017-W01");
    }

    #[test]
    fn weeks_across_months_and_years() {
        assert_eq!(
            IsoWeek::parse("2016-W22").expect("valid").days(),
            "30 May – 5 Jun 2016"
        );
        // ISO 2016-W01 starts on 4 January; 2015-W53 runs into 2016.
        let first = IsoWeek::parse("2016-W01").expect("valid");
        assert_eq!(first.start().to_string(), "2016-01-04 00:00:00");
        let last = IsoWeek::parse("2015-W53").expect("valid");
        assert_eq!(last.days(), "28 Dec 2015 – 3 Jan 2016");
        assert_eq!(last.to_string(), "2015-W53");
    }

    #[test]
    fn malformed_weeks_say_why() {
        for text in [
            "2016-23", "2016-W5", "16-W23", "2016-W2x", "2016-w23", "", "2016-W+3",
        ] {
            let error = IsoWeek::parse(text).expect_err(text);
            assert!(error.contains("such as 2016-W23"), "{text}: {error}");
        }
        assert!(
            IsoWeek::parse("2016-W53")
                .expect_err("2016 has 52")
                .contains("no ISO week 53")
        );
        assert!(IsoWeek::parse("2016-W00").is_err());
    }
}

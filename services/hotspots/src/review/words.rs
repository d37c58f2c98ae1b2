//! Figures in words, for people: counts with their nouns, hours as ranges, places by address and
//! direction from the station, classes and trends by name. Plain text; the page escapes it.

use crate::review::figures::GapCell;
use quickclear_analytics::{EmergingPattern, HotSpotClass};
use quickclear_roster::LatLng;

/// `1 cell`, `3 cells`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Hours of the day as ranges: `[12, 13, 14, 18]` → `12:00–15:00, 18:00–19:00`.
pub fn hour_ranges(hours: &[u8]) -> String {
    let mut sorted: Vec<u8> = hours.iter().copied().filter(|&h| h < 24).collect();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() == 24 {
        return "all day".into();
    }
    let mut ranges: Vec<(u8, u8)> = Vec::new();
    for hour in sorted {
        match ranges.last_mut() {
            Some((_, end)) if *end == hour => *end = hour + 1,
            _ => ranges.push((hour, hour + 1)),
        }
    }
    if ranges.is_empty() {
        return "no hour".into();
    }
    ranges
        .iter()
        .map(|(start, end)| format!("{start:02}:00–{end:02}:00"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Patrol minutes, rounded: `0 min`, `12 min`, `3 h 05 min`.
pub fn minutes(minutes: f64) -> String {
    let whole = minutes.max(0.0).round() as u64;
    match whole {
        0..60 => format!("{whole} min"),
        _ => format!("{} h {:02} min", whole / 60, whole % 60),
    }
}

/// One of the eight compass points, from `from` towards `to`.
pub fn compass(from: LatLng, to: LatLng) -> &'static str {
    const POINTS: [&str; 8] = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];
    let east = (to.lng - from.lng) * ((from.lat + to.lat) / 2.0).to_radians().cos();
    let north = to.lat - from.lat;
    let bearing = east.atan2(north).to_degrees().rem_euclid(360.0);
    POINTS[((bearing + 22.5) / 45.0) as usize % 8]
}

/// Where a gap cell is: `around 001XX W MADISON ST, 0.8 km NW of the station`.
pub fn place(gap: &GapCell, station: Option<LatLng>) -> String {
    let name = match &gap.address {
        Some(address) => format!("around {address}"),
        None => format!("cell {}", gap.cell),
    };
    match station {
        Some(station) => {
            let metres = station.distance_m(gap.centre);
            if metres < 150.0 {
                format!("{name}, at the station")
            } else {
                let direction = compass(station, gap.centre);
                format!(
                    "{name}, {:.1} km {direction} of the station",
                    metres / 1000.0
                )
            }
        }
        None => name,
    }
}

/// `hot 99 %`, `not significant`, `cold 95 %`.
pub fn class_label(class: HotSpotClass) -> &'static str {
    match class {
        HotSpotClass::Hot99 => "hot 99 %",
        HotSpotClass::Hot95 => "hot 95 %",
        HotSpotClass::Hot90 => "hot 90 %",
        HotSpotClass::NotSignificant => "not significant",
        HotSpotClass::Cold90 => "cold 90 %",
        HotSpotClass::Cold95 => "cold 95 %",
        HotSpotClass::Cold99 => "cold 99 %",
    }
}

/// The emerging hot-spot pattern over the weeks, `unknown` when it could not be computed.
pub fn trend_label(trend: Option<EmergingPattern>) -> &'static str {
    match trend {
        Some(EmergingPattern::New) => "new",
        Some(EmergingPattern::Intensifying) => "intensifying",
        Some(EmergingPattern::Persistent) => "persistent",
        Some(EmergingPattern::Diminishing) => "diminishing",
        Some(EmergingPattern::Sporadic) => "sporadic",
        Some(EmergingPattern::NoPattern) => "no weekly pattern",
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(1, "cell", "cells"), "1 cell");
        assert_eq!(count(0, "cell", "cells"), "0 cells");
        assert_eq!(count(3, "theft", "thefts"), "3 thefts");
    }

    #[test]
    fn hours_become_ranges() {
        assert_eq!(hour_ranges(&[14, 12, 13, 18]), "12:00–15:00, 18:00–19:00");
        assert_eq!(hour_ranges(&[0, 23]), "00:00–01:00, 23:00–24:00");
        assert_eq!(hour_ranges(&[]), "no hour");
        assert_eq!(hour_ranges(&(0..24).collect::<Vec<_>>()), "all day");
    }

    #[test]
    fn minutes_round_and_carry_into_hours() {
        assert_eq!(minutes(0.2), "0 min");
        assert_eq!(minutes(12.4), "12 min");
        assert_eq!(minutes(185.0), "3 h 05 min");
        assert_eq!(minutes(-1.0), "0 min");
    }

    #[test]
    fn compass_points() {
        let station = LatLng {
            lat: 41.8789,
            lng: -87.6359,
        };
        let at = |lat: f64, lng: f64| compass(station, LatLng { lat, lng });
        assert_eq!(at(41.89, -87.6359), "N");
        assert_eq!(at(41.87, -87.6359), "S");
        assert_eq!(at(41.8789, -87.62), "E");
        assert_eq!(at(41.8789, -87.65), "W");
        assert_eq!(at(41.888, -87.624), "NE");
        assert_eq!(at(41.870, -87.648), "SW");
    }
}

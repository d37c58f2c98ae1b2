//! Patrol presence from position pings, and patrol gaps: hot cells left unvisited at the hours
//! thefts happen there.
//!
//! A ping's dwell is the time until the same unit's next ping, capped at `max_gap` (a longer
//! silence is not evidence of presence), credited to the cell of the ping and split across the
//! clock hours it spans. A unit's last ping has no known dwell and adds nothing.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, TimeDelta, Timelike};
use h3o::{CellIndex, Resolution};

use crate::AnalyticsError;
use crate::aggregate::TemporalProfile;
use crate::cells::{common_resolution, lat_lng};
use crate::gistar::CellHotSpot;

/// Minutes of presence per hour of the day (index 0 = 00:00–00:59, local time).
pub type HourlyMinutes = [f64; 24];

/// A unit's reported position at a local time.
#[derive(Debug, Clone, PartialEq)]
pub struct Ping {
    pub unit: String,
    pub at: NaiveDateTime,
    pub lat: f64,
    pub lng: f64,
}

/// Parameters of [`dwell_by_cell_hour`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DwellConfig {
    pub resolution: Resolution,
    /// Longest dwell credited to one ping.
    pub max_gap: TimeDelta,
}

impl Default for DwellConfig {
    fn default() -> Self {
        Self {
            resolution: Resolution::Nine,
            max_gap: TimeDelta::minutes(10),
        }
    }
}

/// Dwell minutes per cell and hour of the day, summed over all units and days.
pub fn dwell_by_cell_hour(
    pings: &[Ping],
    config: &DwellConfig,
) -> Result<BTreeMap<CellIndex, HourlyMinutes>, AnalyticsError> {
    if config.max_gap <= TimeDelta::zero() {
        return Err(AnalyticsError::InvalidParameter(
            "max_gap must be positive".into(),
        ));
    }
    let cells = pings
        .iter()
        .map(|ping| Ok(lat_lng(ping.lat, ping.lng)?.to_cell(config.resolution)))
        .collect::<Result<Vec<CellIndex>, AnalyticsError>>()?;
    // Units in name order, so the floating-point sums do not depend on hash order.
    let mut by_unit: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, ping) in pings.iter().enumerate() {
        by_unit.entry(ping.unit.as_str()).or_default().push(index);
    }
    let mut dwell: BTreeMap<CellIndex, HourlyMinutes> = BTreeMap::new();
    for track in by_unit.values_mut() {
        track.sort_by_key(|&index| pings[index].at);
        for step in track.windows(2) {
            let (here, next) = (&pings[step[0]], &pings[step[1]]);
            let stay = (next.at - here.at).min(config.max_gap);
            add_by_hour(
                dwell.entry(cells[step[0]]).or_insert([0.0; 24]),
                here.at,
                stay,
            );
        }
    }
    Ok(dwell)
}

/// Adds `duration` starting at `start` to `minutes`, split at hour boundaries.
fn add_by_hour(minutes: &mut HourlyMinutes, start: NaiveDateTime, duration: TimeDelta) {
    let mut at = start;
    let mut remaining = duration;
    while remaining > TimeDelta::zero() {
        let hour_start = at
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0));
        let until_next_hour = hour_start.map_or(remaining, |t| t + TimeDelta::hours(1) - at);
        let chunk = remaining.min(until_next_hour);
        minutes[at.hour() as usize] += chunk.as_seconds_f64() / 60.0;
        at += chunk;
        remaining -= chunk;
    }
}

/// Parameters of [`patrol_gaps`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatrolGapConfig {
    /// An hour counts as a theft hour of a cell from this many incidents in its hour profile.
    pub min_incidents_in_hour: u64,
    /// A theft hour is a gap when the cell's dwell in that hour is below this.
    pub min_dwell_minutes: f64,
}

/// A hot cell at one of its theft hours with too little patrol presence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatrolGap {
    pub cell: CellIndex,
    /// Hour of the day, 0–23.
    pub hour: u8,
    pub incidents: u64,
    pub dwell_minutes: f64,
}

/// Gaps of every hot cell (any confidence) at each of its theft hours, by cell then hour.
/// Hot spots, profiles and dwell must share one resolution.
pub fn patrol_gaps(
    hot_spots: &[CellHotSpot],
    profiles: &BTreeMap<CellIndex, TemporalProfile>,
    dwell: &BTreeMap<CellIndex, HourlyMinutes>,
    config: &PatrolGapConfig,
) -> Result<Vec<PatrolGap>, AnalyticsError> {
    common_resolution(
        hot_spots
            .iter()
            .map(|spot| spot.cell)
            .chain(profiles.keys().copied())
            .chain(dwell.keys().copied()),
    )?;
    let no_dwell = [0.0; 24];
    let mut gaps = Vec::new();
    for spot in hot_spots.iter().filter(|spot| spot.class.is_hot()) {
        let Some(profile) = profiles.get(&spot.cell) else {
            continue;
        };
        let minutes = dwell.get(&spot.cell).unwrap_or(&no_dwell);
        for (hour, (&incidents, &dwell_minutes)) in profile.by_hour.iter().zip(minutes).enumerate()
        {
            if incidents >= config.min_incidents_in_hour.max(1)
                && dwell_minutes < config.min_dwell_minutes
            {
                gaps.push(PatrolGap {
                    cell: spot.cell,
                    hour: hour as u8,
                    incidents,
                    dwell_minutes,
                });
            }
        }
    }
    Ok(gaps)
}

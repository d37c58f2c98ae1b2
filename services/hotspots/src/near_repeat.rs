//! Thefts as Knox-test events: positions projected to metres and dates to whole days.
//!
//! The projection is equirectangular around the thefts' mean latitude and longitude:
//! x = R·Δλ·cos φ̄, y = R·Δφ. Across a city (±0.3° of latitude) the east-west scale error at the
//! edges is under 0.4 %, far below the width of a 100 m distance band. Days are UTC calendar days.

use crate::incidents::Incident;
use quickclear_analytics::SpaceTimeEvent;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

pub fn space_time_events(incidents: &[&Incident]) -> Vec<SpaceTimeEvent> {
    let n = incidents.len().max(1) as f64;
    let mean_lat = incidents.iter().map(|i| i.lat).sum::<f64>() / n;
    let mean_lng = incidents.iter().map(|i| i.lng).sum::<f64>() / n;
    let east_scale = EARTH_RADIUS_M * mean_lat.to_radians().cos();
    incidents
        .iter()
        .map(|incident| SpaceTimeEvent {
            x: (incident.lng - mean_lng).to_radians() * east_scale,
            y: (incident.lat - mean_lat).to_radians() * EARTH_RADIUS_M,
            day: incident
                .occurred_at
                .date()
                .and_hms_opt(0, 0, 0)
                .map_or(0, |midnight| {
                    midnight.and_utc().timestamp().div_euclid(86_400)
                }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::tests::theft;
    use quickclear_schemas::report::Offence;

    #[test]
    fn projects_to_metres_and_whole_days() {
        let a = theft(
            41.8789,
            -87.6359,
            "2016-06-01 23:59",
            Offence::OtherTheft,
            "D001",
        );
        let b = theft(
            41.8798,
            -87.6359,
            "2016-06-02 00:01",
            Offence::OtherTheft,
            "D001",
        );
        let c = theft(
            41.8789,
            -87.6347,
            "2016-06-09 12:00",
            Offence::OtherTheft,
            "D001",
        );
        let events = space_time_events(&[&a, &b, &c]);
        // 0.0009° of latitude is 100.07 m; 0.0012° of longitude at the mean 41.8792° N is 99.35 m.
        assert!(((events[1].y - events[0].y) - 100.07).abs() < 0.01);
        assert!(((events[2].x - events[0].x) - 99.35).abs() < 0.01);
        assert_eq!(
            events[1].day - events[0].day,
            1,
            "two minutes apart, but another day"
        );
        assert_eq!(events[2].day - events[0].day, 8);
    }
}

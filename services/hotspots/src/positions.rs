//! `POST /api/v1/units/{unit}/positions`: a terminal's batch of position pings, and its checks.

use crate::dwell::Fix;
use chrono::{DateTime, TimeDelta, Utc};
use quickclear_platform::problem::FieldError;
use serde::Deserialize;

/// Most pings one batch may carry (a terminal offline for an hour at one ping every ten seconds
/// sends 360).
pub const MAX_PINGS: usize = 500;
/// Terminal clocks drift: a little of the future is tolerated.
const FUTURE_SKEW: TimeDelta = TimeDelta::minutes(5);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionBatch {
    pub pings: Vec<PingInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PingInput {
    /// RFC 3339.
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lng: f64,
}

/// The batch as fixes in time order, or every problem found, by field (`pings[3].lat`).
pub fn validate(batch: &PositionBatch, now: DateTime<Utc>) -> Result<Vec<Fix>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if batch.pings.is_empty() {
        errors.push(FieldError::new("pings", "send at least one ping"));
    }
    if batch.pings.len() > MAX_PINGS {
        errors.push(FieldError::new(
            "pings",
            format!(
                "at most {MAX_PINGS} pings per batch, got {}",
                batch.pings.len()
            ),
        ));
    }
    let mut fixes = Vec::with_capacity(batch.pings.len());
    for (index, ping) in batch.pings.iter().enumerate() {
        let field = |name: &str| format!("pings[{index}].{name}");
        if !(-90.0..=90.0).contains(&ping.lat) {
            errors.push(FieldError::new(field("lat"), "must be between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&ping.lng) {
            errors.push(FieldError::new(
                field("lng"),
                "must be between -180 and 180",
            ));
        }
        if ping.at > now + FUTURE_SKEW {
            errors.push(FieldError::new(
                field("at"),
                format!("lies in the future (now is {})", now.to_rfc3339()),
            ));
        }
        if let Some(fix) = Fix::new(ping.at.naive_utc(), ping.lat, ping.lng) {
            fixes.push(fix);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    fixes.sort_by_key(|fix| fix.at);
    Ok(fixes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickclear_platform::json::parse;

    fn batch(json: &str) -> PositionBatch {
        parse(json.as_bytes()).expect("well-formed batch")
    }

    fn now() -> DateTime<Utc> {
        "2016-06-01T12:00:00Z".parse().expect("time")
    }

    #[test]
    fn a_good_batch_becomes_fixes_in_time_order() {
        let fixes = validate(
            &batch(
                r#"{"pings":[{"at":"2016-06-01T10:01:00Z","lat":41.88,"lng":-87.63},
                             {"at":"2016-06-01T05:00:00-05:00","lat":41.881,"lng":-87.631}]}"#,
            ),
            now(),
        )
        .expect("valid");
        assert_eq!(fixes.len(), 2);
        assert_eq!(fixes[0].at.to_string(), "2016-06-01 10:00:00");
    }

    #[test]
    fn every_bad_field_is_named() {
        let errors = validate(
            &batch(
                r#"{"pings":[{"at":"2016-06-01T10:00:00Z","lat":91.0,"lng":-87.63},
                             {"at":"2016-06-02T10:00:00Z","lat":41.88,"lng":-187.0}]}"#,
            ),
            now(),
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pings[0].lat", "pings[1].lng", "pings[1].at"]);
    }

    #[test]
    fn empty_and_oversized_batches_are_refused() {
        let errors = validate(&batch(r#"{"pings":[]}"#), now()).expect_err("empty");
        assert_eq!(errors[0].field, "pings");
        let one = r#"{"at":"2016-06-01T10:00:00Z","lat":41.88,"lng":-87.63}"#;
        let many = format!(r#"{{"pings":[{}]}}"#, vec![one; MAX_PINGS + 1].join(","));
        let errors = validate(&batch(&many), now()).expect_err("too many");
        assert_eq!(errors[0].field, "pings");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let unknown = parse::<PositionBatch>(
            br#"{"pings":[{"at":"2016-06-01T10:00:00Z","lat":41.88,"lng":-87.63,"speed":3}]}"#,
        );
        assert_eq!(unknown.expect_err("unknown field").status, 422);
    }
}

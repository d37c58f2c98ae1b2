//! The public report routes (door plates, alarms) need no account, so they are rate limited, in
//! budgets no one else can spend:
//!
//! - per [`ClientAddress`], every door-plate request and every alarm press without the device's
//!   secret, counted before the plate or device is looked up, so unknown ids cost as much as known
//!   ones ([`PublicCaller::count_request`]);
//! - per door plate and address, and per alarm device and address when pressed without its secret,
//!   counted only once the report is valid, so refused ones cost the plate or device nothing
//!   ([`PublicCaller::admit`]);
//! - per alarm device pressed with its secret (`Authorization: Device <secret>`), a budget only the
//!   device spends, whatever the address.
//!
//! A request with a dispatcher's or an admin's session is not limited (an integration, the demo's
//! simulator); any other token, valid or not, is ignored here, so a stale cookie never blocks the
//! public form.

use crate::access::Access;
use crate::client::ClientAddress;
use crate::principal::{self, Dispatch, Policy};
use crate::refusal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use chrono::Utc;
use quickclear_platform::Problem;
use quickclear_roster::SecretDigest;
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub struct PublicCaller {
    access: Arc<Access>,
    address: ClientAddress,
    staff: bool,
}

/// Where a public report comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    DoorPlate(&'a str),
    /// `authenticated` when pressed with the device's secret ([`device_authenticated`]).
    Alarm {
        device: &'a str,
        authenticated: bool,
    },
}

impl<S: Send + Sync> FromRequestParts<S> for PublicCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let access = principal::access(parts)?;
        let staff = principal::token(&parts.headers)
            .and_then(Result::ok)
            .and_then(|token| access.authenticate(token, Utc::now()).ok())
            .is_some_and(|p| Dispatch::ROLES.contains(&p.role));
        let Ok(address) = ClientAddress::from_request_parts(parts, &()).await;
        Ok(Self {
            access,
            address,
            staff,
        })
    }
}

impl PublicCaller {
    /// A dispatcher or an admin: not limited.
    pub fn is_staff(&self) -> bool {
        self.staff
    }

    /// Counts one request against the caller's address. Call it first, before the plate or device
    /// is looked up.
    pub fn count_request(&self) -> Result<(), Problem> {
        if self.staff {
            return Ok(());
        }
        self.access
            .limits
            .per_address
            .take(self.address.as_str())
            .map_err(|wait| {
                refusal::rate_limited(wait, "too many public reports from this address")
            })
    }

    /// Counts one report from `source`. Call it once the report is known to be valid, just before
    /// it is filed.
    pub fn admit(&self, source: Source<'_>) -> Result<(), Problem> {
        if self.staff {
            return Ok(());
        }
        let address = self.address.as_str();
        let limits = &self.access.limits;
        let (limiter, key, from) = match source {
            Source::DoorPlate(plate) => (
                &limits.per_source,
                format!("door plate {plate} {address}"),
                format!("door plate {plate} from this address"),
            ),
            Source::Alarm {
                device,
                authenticated: true,
            } => (
                &limits.per_source,
                format!("alarm {device}"),
                format!("alarm {device}"),
            ),
            Source::Alarm {
                device,
                authenticated: false,
            } => (
                &limits.unauthenticated_alarms,
                format!("{device} {address}"),
                format!("alarm {device} from this address without its secret"),
            ),
        };
        limiter
            .take(&key)
            .map_err(|wait| refusal::rate_limited(wait, &format!("too many reports from {from}")))
    }
}

/// Whether the request carries an alarm device's secret as `Authorization: Device <secret>`: its
/// SHA-256 must be `digest`, the roster's. The digests are compared in constant time (the secret is
/// random, so a digest alone does not give it away).
pub fn device_authenticated(headers: &HeaderMap, digest: Option<&SecretDigest>) -> bool {
    let Some(expected) = digest else {
        return false;
    };
    let Some(secret) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Device "))
    else {
        return false;
    };
    let sent = Sha256::digest(secret.trim().as_bytes());
    let differences = sent
        .iter()
        .zip(expected)
        .fold(0, |acc, (a, b)| acc | (a ^ b));
    differences == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_device_is_authenticated_by_its_own_secret_only() {
        let digest: SecretDigest = Sha256::digest(b"the shop's secret").into();
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            headers
        };
        let right = with("Device the shop's secret");
        assert!(device_authenticated(&right, Some(&digest)));
        assert!(
            !device_authenticated(&right, None),
            "a device without a secret"
        );
        for wrong in [
            "Device another secret",
            "Device ",
            "Bearer the shop's secret",
            "the shop's secret",
        ] {
            assert!(
                !device_authenticated(&with(wrong), Some(&digest)),
                "{wrong}"
            );
        }
        assert!(!device_authenticated(&HeaderMap::new(), Some(&digest)));
    }
}

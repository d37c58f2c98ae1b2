//! The public report routes (door plates, alarms) need no account, so they are rate limited: per
//! client address, then per door plate or alarm device. A request with a dispatcher's or an admin's
//! session is not limited (an integration, the demo's simulator); any other token, valid or not, is
//! ignored here, so a stale cookie never blocks the public form.
//! The address is the [`ClientAddress`].

use crate::access::Access;
use crate::client::ClientAddress;
use crate::principal::{self, Dispatch, Policy};
use crate::refusal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use quickclear_platform::Problem;
use std::sync::Arc;

pub struct PublicCaller {
    access: Arc<Access>,
    limited: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for PublicCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let access = principal::access(parts)?;
        let staff = principal::token(&parts.headers)
            .and_then(Result::ok)
            .and_then(|token| access.authenticate(token, Utc::now()).ok())
            .is_some_and(|p| Dispatch::ROLES.contains(&p.role));
        if !staff {
            let Ok(address) = ClientAddress::from_request_parts(parts, &()).await;
            access.per_address.take(address.as_str()).map_err(|wait| {
                refusal::rate_limited(wait, "too many public reports from this address")
            })?;
        }
        Ok(Self {
            access,
            limited: !staff,
        })
    }
}

impl PublicCaller {
    /// Counts one report against its door plate or alarm device. Call it once the source is known
    /// to be in the roster, so made-up ids make no buckets.
    pub fn admit(&self, channel: &str, source: &str) -> Result<(), Problem> {
        if !self.limited {
            return Ok(());
        }
        self.access
            .per_source
            .take(&format!("{channel}/{source}"))
            .map_err(|wait| {
                refusal::rate_limited(wait, &format!("too many reports from {channel} {source}"))
            })
    }
}

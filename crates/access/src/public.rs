//! The public report routes (door plates, alarms) need no account, so they are rate limited: per
//! client address, then per door plate or alarm device. A request with a dispatcher's or an admin's
//! session is not limited (an integration, the demo's simulator); any other token, valid or not, is
//! ignored here, so a stale cookie never blocks the public form.
//!
//! The address is the TCP peer's (`ConnectInfo`): behind a reverse proxy every request would share
//! the proxy's address. IPv6 clients are counted per /64, the block one subscriber gets.

use crate::access::Access;
use crate::principal::{self, Dispatch, Policy};
use crate::refusal;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::Utc;
use quickclear_platform::Problem;
use std::net::{IpAddr, SocketAddr};
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
            let address = parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| address_key(c.0.ip()));
            access.per_address.take(&address).map_err(|wait| {
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

fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1");
        assert_eq!(address_key("10.0.0.1".parse().unwrap()), "10.0.0.1");
    }
}

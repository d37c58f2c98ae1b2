//! Heartbeats on server-sent event streams: an SSE comment line (`:`) whenever a feed has been quiet
//! for the interval. A quiet feed then never looks idle to the server's idle timeout, nor to proxies
//! and NATs on the way, and a feed whose terminal vanished gets written to, so its connection fails
//! and the feed is let go.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::sse::KeepAlive;
use std::convert::Infallible;
use std::time::Duration;

/// How often a quiet stream sends a heartbeat. The process sets it for every request as an
/// `Extension` (shorter than its idle timeout); a stream handler takes it as an extractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat(Duration);

impl Heartbeat {
    /// Without an `Extension` saying otherwise.
    pub const DEFAULT: Duration = Duration::from_secs(15);

    pub fn every(interval: Duration) -> Self {
        Self(interval)
    }

    /// For `Sse::keep_alive`.
    pub fn keep_alive(self) -> KeepAlive {
        KeepAlive::new().interval(self.0)
    }
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Heartbeat {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().copied().unwrap_or_default())
    }
}

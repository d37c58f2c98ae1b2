//! What every service shares.
//!
//! - [`clock`]: the one clock services read, real or scaled (the demo replays 2016 at 600x).
//! - [`problem`]: RFC 9457 problem+json answers, and the one place store and case errors map to HTTP.
//! - [`json`]: a JSON body extractor whose every rejection is a specific problem.
//! - [`query`]: a query-string extractor whose rejection is a problem too.
//! - [`commands`]: load a case, decide, append, retry on conflict.
//! - [`metrics`]: the `/metrics` endpoint.
//! - [`heartbeat`]: [`Heartbeat`], how often a quiet server-sent event stream says it is alive.
//! - [`follow`]: [`follow::Follower`], the one way projections and processors read the case log.
//! - [`health`]: every follower's lag, the process's readiness, and `/readyz`.
//! - [`status`]: one follower's state (live, failing, undecodable commits, alerts).
//! - [`supervise`]: [`Supervisor`], the process's long-running tasks, which stop it if they end.

pub mod clock;
pub mod commands;
pub mod follow;
pub mod health;
pub mod heartbeat;
pub mod json;
pub mod metrics;
pub mod problem;
pub mod query;
pub mod status;
pub mod supervise;

pub use clock::Clock;
pub use follow::{Consistency, Follower, Step};
pub use health::Health;
pub use heartbeat::Heartbeat;
pub use problem::Problem;
pub use supervise::Supervisor;

#[cfg(test)]
mod scripted_store;

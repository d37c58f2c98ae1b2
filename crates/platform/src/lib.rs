//! What every service shares.
//!
//! - [`clock`]: the one clock services read, real or scaled (the demo replays 2016 at 600x).
//! - [`problem`]: RFC 9457 problem+json answers, and the one place store and case errors map to HTTP.
//! - [`json`]: a JSON body extractor whose every rejection is a specific problem.
//! - [`query`]: a query-string extractor whose rejection is a problem too.
//! - [`commands`]: load a case, decide, append, retry on conflict.
//! - [`metrics`]: the `/metrics` endpoint and the subscription-lag gauge.

pub mod clock;
pub mod commands;
pub mod json;
pub mod metrics;
pub mod problem;
pub mod query;

pub use clock::Clock;
pub use problem::Problem;

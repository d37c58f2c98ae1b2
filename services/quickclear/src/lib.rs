//! The `quickclear` binary's library: how services are put together into one process.
//!
//! - [`app`]: [`Application`](app::Application) builds the chosen services on one event store and
//!   one HTTP listener, and runs until stopped; tests drive it in-process on `127.0.0.1:0`.
//! - [`services`]: the service names of `quickclear serve` (`intake`, `dispatch`, `squad:precinct`,
//!   `squad:property`, `squad:scene`, `caselog`).
//! - [`cli`]: the command line (`up`, `serve`).

pub mod app;
pub mod cli;
pub mod services;

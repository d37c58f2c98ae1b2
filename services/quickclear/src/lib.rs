//! The `quickclear` binary's library: how services are put together into one process.
//!
//! - [`analyze`]: `quickclear analyze hotspots|near-repeat|concentration|coverage`: the analytics
//!   crate on a CSV file (plain or gzip), without any server.
//! - [`app`]: [`Application`](app::Application) builds the chosen services on one event store and
//!   one HTTP listener, and runs until stopped; tests drive it in-process on `127.0.0.1:0`.
//! - [`listener`]: the HTTP connections: hyper with header-read, idle and request timeouts, and
//!   caps on the connections one client and all clients may hold ([`listener::ConnectionLimits`]).
//! - [`roster_routes`]: the roster, settings and precinct outlines the pages draw on.
//! - [`services`]: the service names of `quickclear serve` (`intake`, `dispatch`, `squad:precinct`,
//!   `squad:property`, `squad:scene`, `caselog`, `hotspots`).
//! - [`cli`]: the command line (`up`, `serve`).
//! - [`demo`]: `up --demo`: the 2016 Chicago thefts replayed on a fast simulated clock, with
//!   simulated squads and dispatcher talking to the services over HTTP, and a live summary.
//! - [`verify`]: `quickclear verify --data-dir DIR`: the full check of an embedded case log.
//! - [`review`]: `quickclear review patrol-gaps --week 2016-W23`: the weekly patrol-gap review,
//!   fetched from a running Quickclear as a self-contained HTML file.

pub mod analyze;
pub mod app;
pub mod cli;
pub mod demo;
pub mod listener;
pub mod review;
pub mod roster_routes;
pub mod services;
pub mod verify;

//! Who may do what (ADR 0005).
//!
//! - [`users`]: the users file (`--users FILE`): accounts with a [`Role`] (dispatcher, squad member
//!   of one unit, analyst, admin), argon2id password hashes, session and rate-limit settings.
//! - [`password`]: argon2id hashing (`quickclear hash-password`) and verification.
//! - [`token`]: stateless session tokens signed with HMAC-SHA256; any process holding the
//!   deployment's secret verifies them.
//! - [`session`]: sign-out, the ended sessions every request is checked against, until the token
//!   would have expired.
//! - [`store`]: where a deployment keeps its sign-outs: [`RevocationStore`], in a SQLite file
//!   (`up` on the embedded store) or a NATS KeyValue bucket every process watches.
//! - [`access`]: [`Access`], one process's accounts, key, ended sessions and limiters.
//! - [`principal`]: the [`Principal`] and [`Allowed`] extractors every guarded route takes, and the
//!   role sets ([`Dispatch`], [`Oversight`], [`SquadWork`], [`UnitWatch`]); a route any signed-in
//!   user may use needs no more than the [`guard`].
//! - [`guard`]: the layer that refuses any `/api/` request without a session but on public routes.
//! - [`public`]: [`PublicCaller`], the rate limits of the public report routes.
//! - [`client`]: [`ClientAddress`], who the rate limits count.
//! - [`rate_limit`]: token buckets keyed by text.
//! - [`routes`]: `POST`, `GET`, `DELETE /api/v1/session`.
//! - [`refusal`]: the problem answers (401, 403, 429, 503).

pub mod access;
pub mod client;
pub mod guard;
pub mod password;
pub mod principal;
pub mod public;
pub mod rate_limit;
pub mod refusal;
pub mod routes;
pub mod session;
pub mod store;
pub mod token;
pub mod users;

pub use access::{Access, Issued};
pub use client::ClientAddress;
pub use guard::require_session;
pub use principal::{Allowed, COOKIE, Dispatch, Oversight, Principal, SquadWork, UnitWatch};
pub use public::{PublicCaller, Source, device_authenticated};
pub use routes::routes;
pub use store::RevocationStore;
pub use users::{AccessConfig, ConfigError, Role};

//! The answers of access control, each a problem+json with its own type (`docs/api.md`).

use axum::http::{HeaderValue, StatusCode, header};
use quickclear_platform::Problem;
use std::time::Duration;

/// 401s carry a challenge (RFC 9110); `Bearer` makes no browser open a password dialog.
fn unauthorized(code: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, code, detail).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"quickclear\""),
    )
}

pub fn authentication_required() -> Problem {
    unauthorized(
        "authentication-required",
        "sign in first: POST /api/v1/session, then send the qc_session cookie or \
         Authorization: Bearer <token>",
    )
}

pub fn invalid_session(detail: impl Into<String>) -> Problem {
    unauthorized("invalid-session", detail)
}

pub fn session_expired() -> Problem {
    unauthorized("session-expired", "the session has expired; sign in again")
}

pub fn session_ended() -> Problem {
    unauthorized(
        "session-ended",
        "this session was signed out; sign in again",
    )
}

pub fn wrong_credentials() -> Problem {
    unauthorized("wrong-credentials", "the username or the password is wrong")
}

pub fn forbidden(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "forbidden", detail)
}

pub fn other_unit(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "other-unit", detail)
}

/// 429 with `Retry-After` in whole seconds (at least one).
pub fn rate_limited(wait: Duration, detail: &str) -> Problem {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        format!("{detail}; retry in {seconds} s"),
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(seconds))
}

/// The sign-out holds on this process, but the store that shares it with the others (and keeps it
/// across restarts) could not be reached.
pub fn sign_out_not_recorded() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "sign-out-not-recorded",
        "the session ended on this server, but could not be recorded for the others; sign out again \
         shortly",
    )
}

/// The access layer is missing from the router: a wiring bug, not the client's fault.
pub fn not_configured() -> Problem {
    tracing::error!("access control is not configured on this router");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
}

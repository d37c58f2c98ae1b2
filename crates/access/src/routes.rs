//! The session routes, served by every process:
//!
//! - `POST /api/v1/session` `{"username", "password"}` → 201, the session (with its token) and the
//!   `qc_session` cookie; 401 `wrong-credentials`; 429 `rate-limited` after repeated failures
//!   (per username and client address, and per address).
//! - `GET /api/v1/session` → 200, who is signed in (no token), or 401.
//! - `DELETE /api/v1/session` → 204: ends the session if it is valid and clears the cookie either way;
//!   503 `sign-out-not-recorded` when the deployment's store cannot keep it (retry).
//!
//! The cookie is `HttpOnly; SameSite=Strict; Path=/`, without `Secure`: Quickclear is served over
//! plain HTTP on closed networks (put TLS in front and it still works, but is not marked secure).

use crate::access::{Access, Issued};
use crate::client::ClientAddress;
use crate::principal::{self, COOKIE, Principal};
use crate::refusal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use quickclear_platform::Problem;
use quickclear_platform::json::ApiJson;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router {
    Router::new().route(
        "/api/v1/session",
        post(sign_in).get(who_am_i).delete(sign_out),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    password: String,
}

/// The session as its user sees it (the token only in the sign-in answer).
#[derive(Serialize)]
struct SessionBody<'a> {
    username: &'a str,
    display_name: &'a str,
    role: &'a str,
    unit: Option<&'a str>,
    expires_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
}

fn body<'a>(principal: &'a Principal, token: Option<&'a str>) -> SessionBody<'a> {
    SessionBody {
        username: &principal.username,
        display_name: &principal.display_name,
        role: principal.role.as_str(),
        unit: principal.unit.as_ref().map(|u| u.as_str()),
        expires_at: principal.expires_at,
        token,
    }
}

/// The process's [`Access`], as a handler argument.
struct Gate(Arc<Access>);

impl<S: Send + Sync> FromRequestParts<S> for Gate {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        principal::access(parts).map(Gate)
    }
}

async fn sign_in(
    Gate(access): Gate,
    from: ClientAddress,
    ApiJson(request): ApiJson<SignIn>,
) -> Result<Response, Problem> {
    let Issued { token, principal } = access
        .sign_in(&request.username, &request.password, &from)
        .await?;
    tracing::info!(username = %principal.username, role = %principal.role, "signed in");
    let max_age = (principal.expires_at - Utc::now()).num_seconds().max(0);
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}");
    let mut response = (StatusCode::CREATED, Json(body(&principal, Some(&token)))).into_response();
    set_cookie(response.headers_mut(), &cookie);
    Ok(response)
}

async fn who_am_i(principal: Principal) -> Response {
    let mut response = Json(body(&principal, None)).into_response();
    no_store(response.headers_mut());
    response
}

/// Signing out twice, or with an expired session, is not an error: the cookie goes either way,
/// also when the sign-out could not be recorded for the deployment (503, to be retried).
async fn sign_out(Gate(access): Gate, headers: HeaderMap) -> Response {
    let principal = principal::token(&headers)
        .and_then(Result::ok)
        .and_then(|token| access.authenticate(token, Utc::now()).ok());
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(principal) = principal {
        match access.sign_out(&principal).await {
            Ok(()) => tracing::info!(username = %principal.username, "signed out"),
            Err(error) => {
                tracing::warn!(username = %principal.username, %error, "sign-out not recorded");
                response = refusal::sign_out_not_recorded().into_response();
            }
        }
    }
    set_cookie(
        response.headers_mut(),
        &format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

fn set_cookie(headers: &mut HeaderMap, cookie: &str) {
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(cookie).expect("a token is base64url and dots"),
    );
    no_store(headers);
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

//! `ApiJson<T>`: a JSON body whose every rejection is a specific problem+json answer.
//!
//! - not `application/json` → 415 `unsupported-media-type`
//! - larger than the router's body limit → 413 `body-too-large`
//! - not JSON at all → 400 `malformed-json`, naming line and column
//! - JSON of the wrong shape (unknown or missing field, wrong type) → 422 `invalid-json`

use crate::problem::Problem;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        let bytes = read_body(request, state).await?;
        if !is_json && !bytes.is_empty() {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as application/json",
            ));
        }
        parse(&bytes).map(ApiJson)
    }
}

/// The body, or 413 when it is over the limit.
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, Problem> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    rejection.body_text(),
                )
            } else {
                Problem::bad_request("unreadable-body", rejection.body_text())
            }
        })
}

/// Parses JSON, sorting syntax errors (400) from shape errors (422).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-json",
                e.to_string(),
            ),
            Category::Syntax | Category::Eof | Category::Io => {
                Problem::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
            }
        }
    })
}

//! Problem details (RFC 9457): every refusal says what is wrong, specifically, as
//! `application/problem+json`, and nothing was written. The one answer that cannot promise that is
//! `504 outcome-unknown`: the store did not confirm a write, which may have happened; the client
//! sends the same request again (same `Idempotency-Key` or `command_id`) to settle it.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quickclear_case::{CaseError, ErrorKind as CaseErrorKind};
use quickclear_eventstore::{ErrorKind as StoreErrorKind, StoreError};
use serde::Serialize;

/// A refusal, as the client sees it.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field-level errors for invalid input: `{"field": "location.lat", "message": "..."}`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Headers sent with the answer (`Retry-After`, `WWW-Authenticate`); boxed, as few answers
    /// have any and every `Result<_, Problem>` carries the size.
    #[serde(skip)]
    pub headers: Option<Box<HeaderMap>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Problem {
    /// `code` is a stable slug; it becomes the problem type `https://quickclear.dev/problems/<code>`.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("https://quickclear.dev/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            headers: None,
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.get_or_insert_default().insert(name, value);
        self
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-request", detail)
        }
    }

    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let headers = self.headers.map(|h| *h).unwrap_or_default();
        let mut response = (status, headers, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<CaseError> for Problem {
    fn from(error: CaseError) -> Self {
        let status = match error.kind() {
            CaseErrorKind::NotFound => StatusCode::NOT_FOUND,
            CaseErrorKind::Conflict => StatusCode::CONFLICT,
            CaseErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Problem::new(status, error.code(), error.to_string())
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        match error.kind() {
            StoreErrorKind::Conflict => Problem::new(
                StatusCode::CONFLICT,
                "concurrent-change",
                "the case changed meanwhile; retry",
            ),
            StoreErrorKind::Unavailable => {
                tracing::warn!(%error, "event store unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store-unavailable",
                    "the case log cannot be reached; nothing was recorded, retry shortly",
                )
            }
            StoreErrorKind::OutcomeUnknown => {
                tracing::warn!(%error, "event store did not confirm an append");
                Problem::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "outcome-unknown",
                    "the case log did not confirm whether this was recorded; it may have been. Send \
                     the same request again (the same Idempotency-Key or command_id): it is \
                     recorded once",
                )
            }
            StoreErrorKind::Unexpected => {
                tracing::error!(%error, "event store failure");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_store_known_to_have_written_nothing_is_unavailable() {
        let refused = Problem::from(StoreError::Unavailable("not connected".into()));
        assert_eq!(refused.status, 503);
        assert!(refused.type_uri.ends_with("/store-unavailable"));
        assert!(refused.detail.contains("nothing was recorded"));
        let unsure = Problem::from(StoreError::OutcomeUnknown("no answer".into()));
        assert_eq!(unsure.status, 504);
        assert_eq!(
            unsure.type_uri,
            "https://quickclear.dev/problems/outcome-unknown"
        );
        assert!(unsure.detail.contains("may have been"), "{}", unsure.detail);
        assert!(!unsure.detail.contains("nothing"), "{}", unsure.detail);
    }
}

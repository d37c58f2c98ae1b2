//! `/metrics` in the Prometheus text format (the subscription gauges are in [`crate::health`]).

use axum::http::header;
use axum::response::IntoResponse;
use prometheus::{Encoder, TextEncoder};

/// The handler for `GET /metrics`.
pub async fn render() -> impl IntoResponse {
    let mut body = Vec::new();
    let encoder = TextEncoder::new();
    if let Err(error) = encoder.encode(&prometheus::gather(), &mut body) {
        tracing::error!(%error, "cannot encode metrics");
    }
    (
        [(header::CONTENT_TYPE, encoder.format_type().to_owned())],
        body,
    )
}

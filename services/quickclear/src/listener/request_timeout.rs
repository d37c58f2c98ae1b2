//! The request timeout ([`super::ConnectionLimits::request`]): a request whose answer is not ready
//! in time is given up and answered `503 request-timeout`. A stream's answer is ready as soon as
//! the stream starts, so the server-sent event feeds are never cut by it.

use super::metrics::TIMEOUTS;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use quickclear_platform::Problem;
use std::time::Duration;

pub fn layer(router: Router, limit: Duration) -> Router {
    router.layer(from_fn_with_state(limit, answer_in_time))
}

async fn answer_in_time(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    if request
        .uri()
        .path()
        .starts_with(quickclear_hotspots::ANALYTICS_ROUTES)
    {
        return next.run(request).await;
    }
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            TIMEOUTS.with_label_values(&["request"]).inc();
            tracing::warn!(%method, path, "request not answered in time");
            // Dropping the handler may have come after its append: the outcome is not known.
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "request-timeout",
                format!(
                    "no answer within {} s: the request was given up and may or may not have \
                     taken effect; send it again as it was (a report with its Idempotency-Key, a \
                     command with its command_id) to find out",
                    limit.as_secs_f64()
                ),
            )
            .into_response()
        }
    }
}

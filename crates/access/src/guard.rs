//! Default deny: every `/api/` request needs a valid session except on the few public routes, so a
//! route that forgets its role check still serves signed-in users only. Routes then check the role
//! with [`Allowed`](crate::Allowed) (and squad members' units), reusing the principal found here.

use crate::principal::Principal;
use axum::extract::{FromRequestParts, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Open without a session: signing in and out, the door-plate form and the alarm buttons (both
/// rate limited instead). Everything outside `/api/` (pages, `/metrics`, `/healthz`) is open too.
fn is_public(method: &Method, path: &str) -> bool {
    (path == "/api/v1/session" && method != Method::GET)
        || path.starts_with("/api/v1/doorplates/")
        || path.starts_with("/api/v1/alarms/")
}

pub async fn require_session(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") || is_public(request.method(), path) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    match Principal::from_request_parts(&mut parts, &()).await {
        Ok(principal) => {
            parts.extensions.insert(principal);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(problem) => problem.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_and_the_public_report_routes_are_open() {
        assert!(is_public(&Method::POST, "/api/v1/session"));
        assert!(is_public(&Method::DELETE, "/api/v1/session"));
        assert!(!is_public(&Method::GET, "/api/v1/session"));
        assert!(is_public(
            &Method::POST,
            "/api/v1/doorplates/DP-0001/reports"
        ));
        assert!(is_public(&Method::POST, "/api/v1/alarms/AL-0001"));
        for path in [
            "/api/v1/reports",
            "/api/v1/cases",
            "/api/v1/roster",
            "/api/v1/sessions",
        ] {
            assert!(!is_public(&Method::GET, path), "{path}");
            assert!(!is_public(&Method::POST, path), "{path}");
        }
    }
}

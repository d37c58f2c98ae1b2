//! Default deny: every `/api/` request needs a valid session except on the few public routes, so a
//! route that forgets its role check still serves signed-in users only. Routes then check the role
//! with [`Allowed`](crate::Allowed) (and squad members' units), reusing the principal found here.

use crate::principal::Principal;
use axum::extract::{FromRequestParts, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Open without a session: signing in and out, and the public routes (rate limited instead): a door
/// plate's report form (`POST /api/v1/doorplates/{plate}/reports`) and its place
/// (`GET /api/v1/doorplates/{plate}`), and the alarm buttons (`POST /api/v1/alarms/{device}`).
/// Each is matched by method and whole shape, so a route added later under the same prefix stays
/// closed. Everything outside `/api/` (pages, `/metrics`, `/healthz`) is open too.
fn is_public(method: &Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let read = method == Method::GET || method == Method::HEAD;
    match segments.as_slice() {
        ["session"] => method != Method::GET,
        ["doorplates", plate, "reports"] => method == Method::POST && !plate.is_empty(),
        ["doorplates", plate] => read && !plate.is_empty(),
        ["alarms", device] => method == Method::POST && !device.is_empty(),
        _ => false,
    }
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
    fn only_sign_in_and_the_public_routes_are_open() {
        assert!(is_public(&Method::POST, "/api/v1/session"));
        assert!(is_public(&Method::DELETE, "/api/v1/session"));
        assert!(!is_public(&Method::GET, "/api/v1/session"));
        assert!(is_public(
            &Method::POST,
            "/api/v1/doorplates/DP-0001/reports"
        ));
        assert!(is_public(&Method::GET, "/api/v1/doorplates/DP-0001"));
        assert!(is_public(&Method::HEAD, "/api/v1/doorplates/DP-0001"));
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

    #[test]
    fn the_public_routes_are_open_for_their_own_method_and_shape_only() {
        for (method, path) in [
            // The lookup is read-only; the form only files.
            (Method::POST, "/api/v1/doorplates/DP-0001"),
            (Method::DELETE, "/api/v1/doorplates/DP-0001"),
            (Method::GET, "/api/v1/doorplates/DP-0001/reports"),
            (Method::POST, "/api/v1/doorplates/DP-0001/reports/x"),
            (Method::GET, "/api/v1/doorplates/DP-0001/anything"),
            (Method::GET, "/api/v1/doorplates"),
            (Method::GET, "/api/v1/doorplates/"),
            (Method::POST, "/api/v1/doorplates//reports"),
            (Method::GET, "/api/v1/alarms/AL-0001"),
            (Method::POST, "/api/v1/alarms/AL-0001/reset"),
            (Method::POST, "/api/v1/alarms/"),
            (Method::GET, "/api/v2/doorplates/DP-0001"),
        ] {
            assert!(!is_public(&method, path), "{method} {path}");
        }
    }
}

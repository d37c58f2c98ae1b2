//! The answer for one file: content type, caching by ETag, and the security headers.

use crate::File;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// Pages may load only their own files: no inline scripts or styles, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/// [`CONTENT_SECURITY_POLICY`], with images also allowed from `tile_origin` (the map tile
/// server's `scheme://host[:port]`) when there is one.
pub fn content_security_policy(tile_origin: Option<&str>) -> String {
    match tile_origin {
        None => CONTENT_SECURITY_POLICY.to_owned(),
        Some(origin) => CONTENT_SECURITY_POLICY.replacen(
            "img-src 'self' data:",
            &format!("img-src 'self' data: {origin}"),
            1,
        ),
    }
}

/// The answer for `file`; `policy` is the CSP for HTML, `None` for [`CONTENT_SECURITY_POLICY`].
pub fn respond(file: &File, request: &HeaderMap, policy: Option<&HeaderValue>) -> Response {
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| matches(tags, &file.etag));
    let mut response = if not_modified {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::from(file.bytes.clone()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        response
    };
    let headers = response.headers_mut();
    // Always revalidate: a deployed page change is seen on the next load, at the cost of a 304.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if file.content_type.starts_with("text/html") {
        let policy = policy
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static(CONTENT_SECURITY_POLICY));
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    if file.path == "sw.js" {
        headers.insert("service-worker-allowed", HeaderValue::from_static("/"));
    }
    response
}

/// `If-None-Match`: `*` or a list of tags, compared weakly (RFC 9110 13.1.2).
fn matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

use super::*;
use axum::body::to_bytes;
use axum::http::{StatusCode, header};

fn get(path: &str) -> Request {
    Request::builder()
        .uri(path)
        .body(Default::default())
        .unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response.headers()[name].to_str().unwrap()
}

/// A page directory with one file of each kind, inside a parent holding a secret.
fn site() -> (tempfile::TempDir, Console) {
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("secret.txt"), "not for you").unwrap();
    let dir = parent.path().join("site");
    std::fs::create_dir_all(dir.join("assets/css")).unwrap();
    for (name, text) in [
        ("index.html", "<p>home</p>"),
        ("console.html", "<p>console</p>"),
        ("sw.js", "self.addEventListener('fetch', () => {});"),
        ("manifest.webmanifest", "{}"),
        ("assets/css/base.css", "body {}"),
        (".hidden.html", "hidden"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    (parent, Console::from_dir(dir))
}

#[test]
fn content_types_by_extension() {
    for (name, expected) in [
        ("a.html", "text/html; charset=utf-8"),
        ("a/b.js", "text/javascript; charset=utf-8"),
        ("a.css", "text/css; charset=utf-8"),
        ("a.json", "application/json"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("i.svg", "image/svg+xml"),
        ("i.png", "image/png"),
        ("no-extension", "application/octet-stream"),
    ] {
        assert_eq!(kind::content_type(name), expected, "{name}");
    }
}

#[test]
fn paths_map_to_files_or_pages() {
    assert_eq!(candidates("/").unwrap(), ["index.html"]);
    assert_eq!(candidates("/console").unwrap(), ["console", "console.html"]);
    assert_eq!(
        candidates("/assets/js/common/i18n.js").unwrap(),
        ["assets/js/common/i18n.js", "assets/js/common/i18n.js.html"]
    );
}

#[test]
fn paths_that_cannot_be_pages_are_refused() {
    for path in [
        "/api/v1/nope",
        "/api",
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/a\\..\\secret.txt",
        "/.hidden",
        "/console/",
        "//console",
    ] {
        assert_eq!(candidates(path), None, "{path}");
    }
}

#[test]
fn etags_follow_the_content() {
    assert_eq!(kind::etag(b"abc"), kind::etag(b"abc"));
    assert_ne!(kind::etag(b"abc"), kind::etag(b"abd"));
    assert!(kind::etag(b"").starts_with('"') && kind::etag(b"").ends_with('"'));
}

#[tokio::test]
async fn embedded_pages_are_served_with_their_headers() {
    let console = Console::embedded();
    let page = console.serve(get("/console")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header(&page, "content-security-policy"),
        respond::CONTENT_SECURITY_POLICY
    );
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "referrer-policy"), "same-origin");

    let script = console
        .serve(get("/assets/js/common/i18n.js"))
        .await
        .unwrap();
    assert_eq!(
        header(&script, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert!(script.headers().get("content-security-policy").is_none());

    let home = console.serve(get("/")).await.unwrap();
    assert_eq!(header(&home, "content-type"), "text/html; charset=utf-8");
    assert!(console.serve(get("/no-such-page")).await.is_none());
}

#[tokio::test]
async fn only_get_and_head_are_served() {
    let console = Console::embedded();
    let head = Request::builder()
        .method(Method::HEAD)
        .uri("/login")
        .body(Default::default())
        .unwrap();
    assert!(console.serve(head).await.is_some());
    let post = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .body(Default::default())
        .unwrap();
    assert!(console.serve(post).await.is_none());
}

#[tokio::test]
async fn a_matching_etag_answers_304() {
    let console = Console::embedded();
    let first = console.serve(get("/console")).await.unwrap();
    let etag = header(&first, "etag").to_owned();
    let again = Request::builder()
        .uri("/console")
        .header(header::IF_NONE_MATCH, format!("\"other\", W/{etag}"))
        .body(Default::default())
        .unwrap();
    let response = console.serve(again).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&response, "etag"), etag);
    assert!(
        to_bytes(response.into_body(), 1024)
            .await
            .unwrap()
            .is_empty()
    );

    let stale = Request::builder()
        .uri("/console")
        .header(header::IF_NONE_MATCH, "\"stale\"")
        .body(Default::default())
        .unwrap();
    assert_eq!(console.serve(stale).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_directory_is_read_on_every_request() {
    let (parent, console) = site();
    let dir = parent.path().join("site");
    let before = console.serve(get("/console")).await.unwrap();
    std::fs::write(dir.join("console.html"), "<p>changed</p>").unwrap();
    let after = console.serve(get("/console")).await.unwrap();
    assert_ne!(header(&before, "etag"), header(&after, "etag"));
    let body = to_bytes(after.into_body(), 1024).await.unwrap();
    assert_eq!(&body[..], b"<p>changed</p>");

    let manifest = console.serve(get("/manifest.webmanifest")).await.unwrap();
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );
    let css = console.serve(get("/assets/css/base.css")).await.unwrap();
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
    let worker = console.serve(get("/sw.js")).await.unwrap();
    assert_eq!(header(&worker, "service-worker-allowed"), "/");
}

#[tokio::test]
async fn nothing_outside_the_directory_is_served() {
    let (_parent, console) = site();
    for path in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/.hidden",
        "/assets",
    ] {
        assert!(console.serve(get(path)).await.is_none(), "{path}");
    }
}

#[tokio::test]
async fn images_come_from_the_tile_server_only_when_one_is_configured() {
    let plain = Console::embedded();
    let page = plain.serve(get("/dashboard")).await.unwrap();
    let policy = header(&page, "content-security-policy");
    assert_eq!(policy, respond::CONTENT_SECURITY_POLICY);
    assert!(policy.contains("img-src 'self' data:;"), "{policy}");

    let tiled = Console::embedded()
        .with_tile_origin("https://tiles.example.org:8443")
        .unwrap();
    let page = tiled.serve(get("/dashboard")).await.unwrap();
    let policy = header(&page, "content-security-policy");
    assert_eq!(
        policy,
        "default-src 'self'; img-src 'self' data: https://tiles.example.org:8443; \
         style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    );
    // Only images: scripts, styles and connections stay same-origin.
    assert_eq!(policy.matches("tiles.example.org").count(), 1, "{policy}");
    let script = tiled.serve(get("/assets/js/common/map.js")).await.unwrap();
    assert!(script.headers().get("content-security-policy").is_none());

    // A directory of pages gets the same policy.
    let (_parent, console) = site();
    let page = console
        .with_tile_origin("http://127.0.0.1:9000")
        .unwrap()
        .serve(get("/console"))
        .await
        .unwrap();
    assert!(
        header(&page, "content-security-policy")
            .contains("img-src 'self' data: http://127.0.0.1:9000;")
    );
}

#[test]
fn a_tile_origin_must_be_a_plain_origin() {
    for origin in [
        "tiles.example.org",
        "ftp://tiles.example.org",
        "https://",
        "https://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org; script-src *",
        "https://a.org https://b.org",
        "https://tiles.example.org\r\nx: y",
        "*",
    ] {
        assert!(
            Console::embedded().with_tile_origin(origin).is_err(),
            "{origin}"
        );
    }
    for origin in [
        "https://tiles.example.org",
        "http://localhost:8000",
        "http://[::1]:8000",
    ] {
        assert!(
            Console::embedded().with_tile_origin(origin).is_ok(),
            "{origin}"
        );
    }
}

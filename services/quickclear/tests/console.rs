//! The pages are served beside the API, and the API's own 404 is unchanged.

mod common;

use common::*;
use quickclear::services::Service;
use quickclear_dispatch::DispatchConfig;

#[tokio::test]
async fn pages_and_scripts_are_served_and_the_api_keeps_its_404() {
    let app = spawn_app().await;
    let page = app
        .http
        .get(format!("{}/console", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");

    let script = app
        .http
        .get(format!("{}/assets/js/common/i18n.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );

    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/nope"),
        (reqwest::Method::GET, "/no-such-page"),
        (reqwest::Method::POST, "/console"),
    ] {
        let response = app
            .http
            .request(method, format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body["type"],
            "https://quickclear.dev/problems/no-such-route"
        );
    }
}

/// The residents' page behind a door plate's QR code: served to anyone, under the same policy as
/// the other pages, with the one API route it reads before the form open without a session too.
#[tokio::test]
async fn the_door_plate_report_page_is_served_without_a_session() {
    let app = spawn_app().await;
    let public = reqwest::Client::new();
    let page = public
        .get(format!("{}/report?plate=DP-0001", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains("/assets/js/report/main.js"), "{html}");
    assert!(html.contains("/assets/css/report.css"), "{html}");
    assert!(!html.contains("style="), "no inline styles (CSP)");
    for path in [
        "/assets/js/report/main.js",
        "/assets/js/report/strings.js",
        "/assets/css/report.css",
    ] {
        let response = public
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let (status, plate) = get(&public, &format!("{}/api/v1/doorplates/DP-0001", app.base)).await;
    assert_eq!(status, 200, "{plate}");
    assert_eq!(plate["address"], "233 S Wacker Dr");
}

#[tokio::test]
async fn a_process_without_the_console_serves_no_pages() {
    let app = spawn_services(vec![Service::Caselog], DispatchConfig::default()).await;
    let (status, body) = get(&app.http, &format!("{}/console", app.base)).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["type"],
        "https://quickclear.dev/problems/no-such-route"
    );
}

/// The tile layer as `--tile-url` and `--tile-attribution` give it.
fn tiles(url: &str, attribution: Option<&str>) -> quickclear::roster_routes::Tiles {
    quickclear::cli::tiles(Some(url), attribution)
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn without_a_tile_server_the_maps_get_none_and_the_policy_names_none() {
    let app = spawn_app().await;
    let (status, roster) = get(&app.http, &format!("{}/api/v1/roster", app.base)).await;
    assert_eq!(status, 200);
    assert!(
        roster["settings"]["tiles"].is_null(),
        "{}",
        roster["settings"]
    );
    let page = app
        .http
        .get(format!("{}/dashboard", app.base))
        .send()
        .await
        .unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("img-src 'self' data:;"), "{policy}");
}

#[tokio::test]
async fn a_tile_server_is_given_to_the_pages_and_allowed_for_images_only() {
    let template = "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png?key=abc";
    let app = spawn_with_tiles(
        Service::all(),
        DispatchConfig::default(),
        Some(tiles(template, Some("  © OpenStreetMap contributors "))),
    )
    .await;
    let (status, roster) = get(&app.http, &format!("{}/api/v1/roster", app.base)).await;
    assert_eq!(status, 200);
    assert_eq!(
        roster["settings"]["tiles"],
        serde_json::json!({ "url": template, "attribution": "© OpenStreetMap contributors" })
    );
    for path in ["/console", "/dashboard", "/"] {
        let page = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let policy = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("img-src 'self' data: https://tiles.example.org:8443;"),
            "{path}: {policy}"
        );
        assert_eq!(policy.matches("tiles.example.org").count(), 1, "{policy}");
        assert!(policy.contains("connect-src 'self';"), "{policy}");
    }

    // Without a credit, the attribution is null; a process without the pages still tells them.
    let app = spawn_with_tiles(
        vec![Service::Caselog],
        DispatchConfig::default(),
        Some(tiles("http://127.0.0.1:9000/{z}/{x}/{y}.png", None)),
    )
    .await;
    let (_, roster) = get(&app.http, &format!("{}/api/v1/roster", app.base)).await;
    assert_eq!(
        roster["settings"]["tiles"],
        serde_json::json!({ "url": "http://127.0.0.1:9000/{z}/{x}/{y}.png", "attribution": null })
    );
}

#[test]
fn a_tile_template_is_checked_at_start_up() {
    let origin = |url: &str| tiles(url, None).origin().to_owned();
    assert_eq!(
        origin("https://tiles.example.org/{z}/{x}/{y}.png"),
        "https://tiles.example.org"
    );
    assert_eq!(
        origin("http://localhost:8000/t?z={z}&x={x}&y={y}"),
        "http://localhost:8000"
    );
    assert_eq!(
        origin("HTTPS://Tiles.Example.org:443/{z}/{x}/{y}@2x.png"),
        "https://tiles.example.org"
    );
    assert_eq!(quickclear::cli::tiles(None, None).unwrap(), None);

    for (url, attribution, says) in [
        (
            "ftp://tiles.example.org/{z}/{x}/{y}.png",
            None,
            "http:// or https://",
        ),
        (
            "javascript:alert(1)//{z}{x}{y}",
            None,
            "http:// or https://",
        ),
        ("file:///tiles/{z}/{x}/{y}.png", None, "http:// or https://"),
        ("/tiles/{z}/{x}/{y}.png", None, "is not a URL"),
        ("tiles.example.org/{z}/{x}/{y}.png", None, "is not a URL"),
        ("https://tiles.example.org/{z}/{x}.png", None, "lacks {y}"),
        (
            "https://tiles.example.org/tile.png",
            None,
            "lacks {z}, {x}, {y}",
        ),
        ("https://{z}.example.org/{x}/{y}.png", None, "not the host"),
        (
            "https://me:secret@tiles.example.org/{z}/{x}/{y}.png",
            None,
            "password",
        ),
        (
            "https://tiles.example.org/{z}/{x}/{y}.png",
            Some("two\nlines"),
            "one line",
        ),
        (
            "https://tiles.example.org/{z}/{x}/{y}.png",
            Some(&*"x".repeat(201)),
            "longer than 200",
        ),
    ] {
        let error = quickclear::cli::tiles(Some(url), attribution)
            .unwrap_err()
            .to_string();
        assert!(error.contains(says), "{url}: {error}");
        assert!(error.starts_with("--tile-"), "{url}: {error}");
    }
}

#[test]
fn the_tile_options_are_on_up_and_serve() {
    use clap::Parser;
    use quickclear::cli::{Cli, Command};
    let template = "https://tiles.example.org/{z}/{x}/{y}.png";
    let up = Cli::try_parse_from([
        "quickclear",
        "up",
        "--demo",
        "--tile-url",
        template,
        "--tile-attribution",
        "© OSM",
    ])
    .unwrap();
    let Command::Up(args) = up.command else {
        panic!("not up")
    };
    let layer = quickclear::cli::tile_layer(&args.common).unwrap().unwrap();
    assert_eq!(
        (layer.url(), layer.attribution()),
        (template, Some("© OSM"))
    );

    let serve = Cli::try_parse_from([
        "quickclear",
        "serve",
        "console",
        "--nats",
        "nats://127.0.0.1:4222",
        "--tile-url",
        "gopher://x/{z}/{x}/{y}",
    ])
    .unwrap();
    let Command::Serve(args) = serve.command else {
        panic!("not serve")
    };
    let error = quickclear::cli::tile_layer(&args.common).unwrap_err();
    assert!(error.to_string().contains("http:// or https://"), "{error}");

    // A credit without tiles is refused by the parser itself.
    assert!(
        Cli::try_parse_from(["quickclear", "up", "--demo", "--tile-attribution", "x"]).is_err()
    );
    let up = Cli::try_parse_from(["quickclear", "up", "--demo"]).unwrap();
    let Command::Up(args) = up.command else {
        panic!("not up")
    };
    assert_eq!(quickclear::cli::tile_layer(&args.common).unwrap(), None);
}

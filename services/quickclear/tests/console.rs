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

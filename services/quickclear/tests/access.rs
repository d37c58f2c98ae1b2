//! Sign-in and roles, over real HTTP: sessions (cookie and bearer), expiry, tampering, sign-out,
//! what each role may read and do, the public routes' rate limits, and the actor each command
//! records. Every refusal is a specific problem and writes nothing.

mod common;

use chrono::{Duration as Age, Utc};
use common::*;
use quickclear::services::Service;
use quickclear_access::{Access, AccessConfig};
use quickclear_dispatch::DispatchConfig;
use quickclear_schemas::{Actor, ActorKind, CaseId};
use serde_json::{Value, json};
use std::time::Duration;

/// The demo accounts' password (`infra/users/demo.toml`).
const PASSWORD: &str = "quickclear-demo";

/// Sends a request and checks the answer is the named problem and that the log did not move.
async fn refused(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    status: u16,
    problem: &str,
) -> reqwest::header::HeaderMap {
    let head = app.store.head().await.unwrap();
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), status, "status for {problem}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["type"],
        format!("https://quickclear.dev/problems/{problem}"),
        "{body}"
    );
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    if status == 401 {
        assert!(headers.contains_key("www-authenticate"), "{problem}");
    }
    assert_eq!(
        app.store.head().await.unwrap(),
        head,
        "{problem}: nothing written"
    );
    headers
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

fn command(unit: &str, action: &str) -> Value {
    json!({"command_id": uuid::Uuid::new_v4(), "unit": unit, "action": action})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_who_am_i_and_sign_out() {
    let app = spawn_app().await;
    let response = sign_in(&app, "d001", PASSWORD).await;
    assert_eq!(response.status(), 201);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for part in [
        "qc_session=v1.",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=43",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "served over plain HTTP");
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["username"], "d001");
    assert_eq!(session["role"], "squad");
    assert_eq!(session["unit"], "D001");
    assert!(
        session["display_name"]
            .as_str()
            .unwrap()
            .contains("District 1")
    );
    let token = session["token"].as_str().unwrap().to_owned();
    let expires_at: chrono::DateTime<Utc> =
        session["expires_at"].as_str().unwrap().parse().unwrap();
    let ttl = expires_at - Utc::now();
    assert!(ttl > Age::hours(11) && ttl <= Age::hours(12), "{ttl}");

    // The same session, from the cookie a browser sends back, or from a bearer header.
    let url = format!("{}/api/v1/session", app.base);
    let cookie_pair = cookie.split(';').next().unwrap().to_owned();
    let by_cookie = reqwest::Client::new()
        .get(&url)
        .header("cookie", format!("lang=en; {cookie_pair}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);
    let who: Value = by_cookie.json().await.unwrap();
    assert_eq!(who["username"], "d001");
    assert_eq!(who["unit"], "D001");
    assert!(who.get("token").is_none(), "the token is given once");
    let bearer = client_with(&token);
    assert_eq!(get(&bearer, &url).await.0, 200);

    // Sign-out ends the session and clears the cookie; the token is refused afterwards.
    let out = bearer.delete(&url).send().await.unwrap();
    assert_eq!(out.status(), 204);
    let cleared = out.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.starts_with("qc_session=;") && cleared.contains("Max-Age=0"));
    refused(&app, bearer.get(&url), 401, "session-ended").await;
    refused(
        &app,
        bearer
            .post(format!("{}/api/v1/reports", app.base))
            .json(&report_body()),
        401,
        "session-ended",
    )
    .await;
    assert_eq!(
        bearer.delete(&url).send().await.unwrap().status(),
        204,
        "signing out again is harmless"
    );
    refused(
        &app,
        reqwest::Client::new().get(&url),
        401,
        "authentication-required",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_an_unknown_user_gets_one_answer_and_writes_nothing() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/session", app.base);
    let attempt = |username: &str, password: &str| {
        reqwest::Client::new()
            .post(&url)
            .json(&json!({"username": username, "password": password}))
    };
    refused(
        &app,
        attempt("dispatcher", "not-the-password"),
        401,
        "wrong-credentials",
    )
    .await;
    refused(&app, attempt("nobody", PASSWORD), 401, "wrong-credentials").await;
    refused(
        &app,
        reqwest::Client::new()
            .post(&url)
            .json(&json!({"username": "dispatcher", "password": PASSWORD, "remember": true})),
        422,
        "invalid-json",
    )
    .await;

    // Ten failures in ten minutes for one username, then even the right password waits.
    for _ in 0..9 {
        assert_eq!(sign_in(&app, "d002", "guess").await.status(), 401);
    }
    let headers = refused(&app, attempt("d002", "guess"), 401, "wrong-credentials").await;
    assert!(!headers.contains_key("retry-after"));
    let headers = refused(&app, attempt("d002", PASSWORD), 429, "rate-limited").await;
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=60).contains(&retry_after),
        "a token every minute: {retry_after}"
    );
    assert_eq!(
        sign_in(&app, "d003", PASSWORD).await.status(),
        201,
        "other usernames are not held up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_expired_tampered_and_foreign_sessions_are_refused() {
    let app = spawn_app().await;
    let reports = format!("{}/api/v1/reports", app.base);
    let file = |http: &reqwest::Client| http.post(&reports).json(&report_body());

    refused(
        &app,
        file(&reqwest::Client::new()),
        401,
        "authentication-required",
    )
    .await;
    let yesterday = Utc::now() - Age::hours(13);
    let expired = app.access.issue("dispatcher", yesterday).unwrap().token;
    refused(&app, file(&client_with(&expired)), 401, "session-expired").await;

    // A dispatcher's token with its payload swapped for an admin's: the signature no longer fits.
    let dispatcher = app.access.issue("dispatcher", Utc::now()).unwrap().token;
    let admin = app.access.issue("admin", Utc::now()).unwrap().token;
    let part = |token: &str, i: usize| token.split('.').nth(i).unwrap().to_owned();
    let tampered = format!("v1.{}.{}", part(&admin, 1), part(&dispatcher, 2));
    refused(&app, file(&client_with(&tampered)), 401, "invalid-session").await;
    // Signed by a process with another key (no shared secret: a random one).
    let elsewhere = AccessConfig::parse(quickclear::cli::DEMO_USERS).unwrap();
    let elsewhere = Access::new(&elsewhere, &roster()).unwrap();
    let foreign = elsewhere.issue("admin", Utc::now()).unwrap().token;
    refused(&app, file(&client_with(&foreign)), 401, "invalid-session").await;
    refused(&app, file(&client_with("garbage")), 401, "invalid-session").await;
    refused(
        &app,
        file(&reqwest::Client::new()).header("authorization", "Basic ZGlzcGF0Y2hlcjp4"),
        401,
        "invalid-session",
    )
    .await;

    // Every API route needs a session, even one that does not exist; the rest stays open.
    for path in ["/api/v1/cases", "/api/v1/roster", "/api/v1/no-such-thing"] {
        refused(
            &app,
            reqwest::Client::new().get(format!("{}{path}", app.base)),
            401,
            "authentication-required",
        )
        .await;
    }
    for path in ["/healthz", "/metrics"] {
        let (status, _) = get(&reqwest::Client::new(), &format!("{}{path}", app.base)).await;
        assert_eq!(status, 200, "{path}");
    }
    assert_eq!(
        post(&client_with(&dispatcher), &reports, &report_body())
            .await
            .0,
        201
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_squad_member_sees_and_acts_for_their_own_unit_only() {
    let app = spawn_app().await;
    let (case_id, case) = dispatched_case(&app).await;
    let ours = unit_of(&case, "precinct");
    assert_eq!(ours, "D001");
    let member = app.client_as("d001");
    let outsider = app.client_as("d002");
    let base = &app.base;
    let commands = format!("{base}/api/v1/cases/{case_id}/tasks/precinct/commands");

    refused(
        &app,
        outsider.get(format!("{base}/api/v1/units/D001/feed")),
        403,
        "other-unit",
    )
    .await;
    refused(
        &app,
        outsider.get(format!("{base}/api/v1/units/D001/advisories")),
        403,
        "other-unit",
    )
    .await;
    refused(
        &app,
        outsider
            .post(format!("{base}/api/v1/units/D001/positions"))
            .json(&json!({"pings": []})),
        403,
        "other-unit",
    )
    .await;
    // Acting on D001's task as D001, or as their own unit (the case then refuses: not theirs).
    refused(
        &app,
        outsider
            .post(&commands)
            .json(&command("D001", "acknowledge")),
        403,
        "other-unit",
    )
    .await;
    refused(
        &app,
        outsider
            .post(&commands)
            .json(&command("D002", "acknowledge")),
        409,
        "task-held-by-other-unit",
    )
    .await;
    refused(
        &app,
        outsider.get(format!("{base}/api/v1/cases/{case_id}")),
        403,
        "other-unit",
    )
    .await;
    refused(
        &app,
        outsider.get(format!("{base}/api/v1/cases")),
        403,
        "forbidden",
    )
    .await;
    refused(
        &app,
        outsider
            .post(format!("{base}/api/v1/reports"))
            .json(&report_body()),
        403,
        "forbidden",
    )
    .await;

    // The unit's own member reads the case in full (they contact the victim) and acts on it.
    let (status, seen) = get(&member, &format!("{base}/api/v1/cases/{case_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(seen["report"]["reporter"]["name"], "Ana Ruiz");
    let mut terminal = Terminal::connect(&member, base, "D001", None).await;
    assert_eq!(
        terminal.next_for(&case_id).await.data["type"],
        "task_assigned"
    );
    let (status, body) = post(&member, &commands, &command("D001", "acknowledge")).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("acknowledged"))
    );

    // A dispatcher follows any unit's feed but does not act for it.
    let dispatcher = app.client_as("dispatcher");
    Terminal::connect(&dispatcher, base, "D002", None).await;
    refused(
        &app,
        dispatcher
            .post(&commands)
            .json(&command("D001", "en_route")),
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysts_never_see_reporters_and_file_nothing() {
    let app = spawn_app().await;
    let (case_id, _) = dispatched_case(&app).await;
    let url = format!("{}/api/v1/cases/{case_id}", app.base);
    // The precinct interviews the victim, who gives their name and number again.
    let interview = json!({"command_id": uuid::Uuid::new_v4(), "unit": "D001",
        "action": "record_finding", "finding": {"kind": "interview", "person": "Ana Ruiz",
        "statement": "call me back on +1 312 555 0100; a man in a red cap"}});
    let (status, body) = post(
        &app.client_as("d001"),
        &format!(
            "{}/api/v1/cases/{case_id}/tasks/precinct/commands",
            app.base
        ),
        &interview,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, full) = get(&app.client_as("dispatcher"), &url).await;
    assert_eq!(status, 200);
    assert_eq!(
        full["report"]["reporter"],
        json!({"name": "Ana Ruiz", "phone": "+1 312 555 0100"})
    );
    let finding = |case: &Value| {
        case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event_type"] == "FindingRecorded")
            .map(|e| e["data"]["finding"].clone())
            .expect("the interview is in the timeline")
    };
    assert_eq!(
        finding(&full)["person"],
        "Ana Ruiz",
        "dispatchers see it all"
    );

    let analyst = app.client_as("analyst");
    let response = analyst.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains("Ana Ruiz") && !text.contains("555 0100"),
        "{text}"
    );
    let redacted: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(redacted["report"]["reporter"], Value::Null);
    let received = &redacted["timeline"][0];
    assert_eq!(received["event_type"], "ReportReceived");
    assert_eq!(received["data"]["report"]["reporter"], Value::Null);
    assert_eq!(
        redacted["report"]["description"], "(withheld)",
        "free text about people is withheld too (tests/privacy.rs)"
    );
    assert_eq!(
        finding(&redacted),
        json!({"kind": "interview", "person": "(withheld)", "statement": "(withheld)"})
    );

    for path in [
        "/api/v1/cases",
        "/api/v1/stats/clearance",
        "/api/v1/analytics/concentration",
        "/api/v1/roster",
    ] {
        let (status, body) = get(&analyst, &format!("{}{path}", app.base)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (_, list) = get(&analyst, &format!("{}/api/v1/cases", app.base)).await;
    assert!(!list.to_string().contains("Ana Ruiz"));

    let base = &app.base;
    refused(
        &app,
        analyst
            .post(format!("{base}/api/v1/reports"))
            .json(&report_body()),
        403,
        "forbidden",
    )
    .await;
    refused(
        &app,
        analyst
            .post(format!("{base}/api/v1/cases/{case_id}/resolution"))
            .json(&json!({"command_id": uuid::Uuid::new_v4(), "resolution": "closed_administratively", "reason": "test"})),
        403,
        "forbidden",
    )
    .await;
    refused(
        &app,
        analyst.get(format!("{base}/api/v1/units/D001/feed")),
        403,
        "forbidden",
    )
    .await;
}

/// Without dispatch, nothing but the requests themselves appends: "nothing written" is exact.
async fn intake_only() -> TestApp {
    spawn_services(vec![Service::Intake], DispatchConfig::default()).await
}

fn doorplate_report() -> Value {
    json!({
        "occurred": {"at": Utc::now().to_rfc3339()},
        "offence": "bicycle_theft",
        "description": "bike taken from the rack"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_door_plate_form_is_rate_limited_per_plate_and_per_address() {
    let app = intake_only().await;
    let public = reqwest::Client::new();
    let plate = |id: &str| format!("{}/api/v1/doorplates/{id}/reports", app.base);
    // Six reports per plate from one address in ten minutes: the seventh waits for a token (one per
    // 100 s).
    for id in ["DP-0001", "DP-0002"] {
        for _ in 0..6 {
            let (status, body) = post(&public, &plate(id), &doorplate_report()).await;
            assert_eq!(status, 201, "{id}: {body}");
        }
        let headers = refused(
            &app,
            public.post(plate(id)).json(&doorplate_report()),
            429,
            "rate-limited",
        )
        .await;
        let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((90..=100).contains(&retry_after), "{retry_after}");
    }
    // A signed-in dispatcher is not held to the public limits.
    let dispatcher = app.client_as("dispatcher");
    assert_eq!(
        post(&dispatcher, &plate("DP-0001"), &doorplate_report())
            .await
            .0,
        201
    );
    // Twenty tries per address in ten minutes, whatever the plate (and alarms count too): fourteen
    // so far, six more.
    for _ in 0..6 {
        assert_eq!(
            post(&public, &plate("DP-0003"), &doorplate_report())
                .await
                .0,
            201
        );
    }
    refused(
        &app,
        public.post(plate("DP-0004")).json(&doorplate_report()),
        429,
        "rate-limited",
    )
    .await;
    refused(
        &app,
        public.post(format!("{}/api/v1/alarms/AL-0001", app.base)),
        429,
        "rate-limited",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_door_plate_lookup_is_public_read_only_and_rate_limited() {
    let app = intake_only().await;
    let public = reqwest::Client::new();
    let lookup = |id: &str| format!("{}/api/v1/doorplates/{id}", app.base);

    // No account: the plate's own public place, and nothing else.
    let response = public.get(lookup("DP-0001")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"id": "DP-0001", "address": "233 S Wacker Dr",
               "at": {"lat": 41.8789, "lng": -87.6359}})
    );
    // A stale or foreign token is ignored, as on the report form.
    let stale = client_with("not-a-token");
    let (status, body) = get(&stale, &lookup("DP-0002")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["address"], "875 N Michigan Ave");

    // An unknown plate is a problem, and writes nothing.
    refused(
        &app,
        public.get(lookup("DP-9999")),
        404,
        "unknown-doorplate",
    )
    .await;

    // Only this GET opened: other methods and paths under the plate still need a session.
    refused(
        &app,
        public.delete(lookup("DP-0001")),
        401,
        "authentication-required",
    )
    .await;
    refused(
        &app,
        public.get(format!("{}/reports", lookup("DP-0001"))),
        401,
        "authentication-required",
    )
    .await;

    // Twenty public requests per address in ten minutes, lookups and reports alike: three so far.
    for i in 0..17 {
        let (status, body) = get(&public, &lookup("DP-0003")).await;
        assert_eq!(status, 200, "lookup {i}: {body}");
    }
    let headers = refused(&app, public.get(lookup("DP-0003")), 429, "rate-limited").await;
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    refused(&app, public.get(lookup("DP-9999")), 429, "rate-limited").await;
    refused(
        &app,
        public
            .post(format!("{}/reports", lookup("DP-0004")))
            .json(&doorplate_report()),
        429,
        "rate-limited",
    )
    .await;
    // A dispatcher's session is not held to the public limits.
    let (status, body) = get(&app.client_as("dispatcher"), &lookup("DP-0003")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarm_presses_without_the_devices_secret_are_limited_per_device_and_address() {
    let app = intake_only().await;
    let alarm = |id: &str| format!("{}/api/v1/alarms/{id}", app.base);
    let shop = from("127.0.0.2");
    for _ in 0..2 {
        assert_eq!(
            shop.post(alarm("AL-0002")).send().await.unwrap().status(),
            201
        );
    }
    refused(&app, shop.post(alarm("AL-0002")), 429, "rate-limited").await;
    let other_device = shop.post(alarm("AL-0003")).send().await.unwrap();
    assert_eq!(other_device.status(), 201);
    let other_address = from("127.0.0.3")
        .post(alarm("AL-0002"))
        .send()
        .await
        .unwrap();
    assert_eq!(other_address.status(), 201);
}

/// A client whose requests come from `address` (every 127.x.y.z is this machine), so one test can
/// play several callers.
fn from(address: &str) -> reqwest::Client {
    let address: std::net::IpAddr = address.parse().unwrap();
    reqwest::Client::builder()
        .local_address(address)
        .build()
        .unwrap()
}

fn sign_in_from(
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::RequestBuilder {
    from(address)
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": username, "password": password}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_from_one_address_do_not_lock_the_user_out_elsewhere() {
    let app = intake_only().await;
    for _ in 0..10 {
        refused(
            &app,
            sign_in_from(&app, "127.0.0.2", "dispatcher", "guess"),
            401,
            "wrong-credentials",
        )
        .await;
    }
    refused(
        &app,
        sign_in_from(&app, "127.0.0.2", "dispatcher", PASSWORD),
        429,
        "rate-limited",
    )
    .await;
    let elsewhere = sign_in_from(&app, "127.0.0.3", "dispatcher", PASSWORD);
    assert_eq!(elsewhere.send().await.unwrap().status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_username_is_answered_and_throttled_like_a_known_one() {
    let app = intake_only().await;
    // Ten failures for a name from one address, then 429 for that name there, known or not.
    for username in ["dispatcher", "ghost-1"] {
        for _ in 0..10 {
            refused(
                &app,
                sign_in_from(&app, "127.0.0.2", username, "guess"),
                401,
                "wrong-credentials",
            )
            .await;
        }
        refused(
            &app,
            sign_in_from(&app, "127.0.0.2", username, "guess"),
            429,
            "rate-limited",
        )
        .await;
    }
    // A name not tried yet is answered the same whether it exists or not: no 429 gives it away.
    for username in ["analyst", "ghost-2"] {
        refused(
            &app,
            sign_in_from(&app, "127.0.0.2", username, "guess"),
            401,
            "wrong-credentials",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_trying_many_usernames_is_throttled_as_a_whole() {
    let app = intake_only().await;
    // Thirty failures per address in ten minutes, whatever the names (here d001 ... d030).
    for district in 1..=30 {
        refused(
            &app,
            sign_in_from(&app, "127.0.0.2", &format!("d{district:03}"), "guess"),
            401,
            "wrong-credentials",
        )
        .await;
    }
    refused(
        &app,
        sign_in_from(&app, "127.0.0.2", "analyst", PASSWORD),
        429,
        "rate-limited",
    )
    .await;
    let elsewhere = sign_in_from(&app, "127.0.0.3", "analyst", PASSWORD);
    assert_eq!(elsewhere.send().await.unwrap().status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn others_using_up_a_door_plates_budget_do_not_block_a_fresh_address() {
    let app = intake_only().await;
    let plate = format!("{}/api/v1/doorplates/DP-0001/reports", app.base);
    for prankster in ["127.0.0.2", "127.0.0.3"] {
        let prankster = from(prankster);
        for _ in 0..6 {
            assert_eq!(post(&prankster, &plate, &doorplate_report()).await.0, 201);
        }
        refused(
            &app,
            prankster.post(&plate).json(&doorplate_report()),
            429,
            "rate-limited",
        )
        .await;
    }
    let (status, body) = post(&from("127.0.0.4"), &plate, &doorplate_report()).await;
    assert_eq!(status, 201, "the resident gets through: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_alarm_press_is_refused_without_counting_against_the_device() {
    let app = intake_only().await;
    let alarm = format!("{}/api/v1/alarms/AL-0001", app.base);
    let shop = from("127.0.0.2");
    for _ in 0..7 {
        refused(
            &app,
            shop.post(&alarm)
                .header("content-type", "application/json")
                .body("{\"pressed_at\":"),
            400,
            "malformed-json",
        )
        .await;
    }
    let tomorrow = Utc::now() + Age::days(1);
    refused(
        &app,
        shop.post(&alarm).json(&json!({"pressed_at": tomorrow})),
        422,
        "invalid-request",
    )
    .await;
    let response = shop.post(&alarm).send().await.unwrap();
    assert_eq!(response.status(), 201, "the device's budget is untouched");
}

/// The Chicago roster file, with `secret` as alarm AL-0001's.
fn roster_with_alarm_secret(dir: &std::path::Path, secret: &str) -> quickclear_roster::Roster {
    let infra = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/roster");
    let text = std::fs::read_to_string(format!("{infra}/chicago.toml")).unwrap();
    let text = text.replace("geojson = \"", &format!("geojson = \"{infra}/"));
    assert!(
        text.trim_end().ends_with("lng = -87.6278 }"),
        "AL-0001 is the file's last entry"
    );
    let digest = sha256_hex(secret);
    let path = dir.join("roster.toml");
    std::fs::write(&path, format!("{text}secret_sha256 = \"{digest}\"\n")).unwrap();
    quickclear_roster::config::load(&path).unwrap()
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_with_its_secret_gets_through_when_presses_without_it_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "the shop's alarm secret, thirty-two characters or more";
    let roster = std::sync::Arc::new(roster_with_alarm_secret(dir.path(), secret));
    let app = spawn_with_roster(roster, vec![Service::Intake], DispatchConfig::default()).await;
    let alarm = format!("{}/api/v1/alarms/AL-0001", app.base);
    let shop = from("127.0.0.2");
    let mut cases = Vec::new();
    for _ in 0..2 {
        let response = shop.post(&alarm).send().await.unwrap();
        assert_eq!(response.status(), 201);
        cases.push(response.json::<Value>().await.unwrap());
    }
    refused(&app, shop.post(&alarm), 429, "rate-limited").await;
    refused(
        &app,
        shop.post(&alarm)
            .header("authorization", "Device not-the-secret"),
        429,
        "rate-limited",
    )
    .await;
    let response = shop
        .post(&alarm)
        .header("authorization", format!("Device {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    cases.push(response.json::<Value>().await.unwrap());

    // The case log tells the device's own presses from anyone's.
    let mut actors = Vec::new();
    for case in &cases {
        let case = CaseId(case["case_id"].as_str().unwrap().parse().unwrap());
        let commits = app.store.read_stream(case).await.unwrap();
        actors.push(commits[0].events[0].actor.clone());
    }
    assert_eq!(
        actors,
        [
            Actor::new(ActorKind::Public, "AL-0001"),
            Actor::new(ActorKind::Public, "AL-0001"),
            Actor::new(ActorKind::Device, "AL-0001"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_records_the_signed_in_user_as_its_actor() {
    let app = spawn_app().await;
    let dispatcher = app.client_as("dispatcher");
    let base = &app.base;
    let (_, accepted) = post(
        &dispatcher,
        &format!("{base}/api/v1/reports"),
        &report_body(),
    )
    .await;
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    let (_, from_plate) = post(
        &reqwest::Client::new(),
        &format!("{base}/api/v1/doorplates/DP-0002/reports"),
        &doorplate_report(),
    )
    .await;
    quickclear_testkit::eventually("the dispatch", Duration::from_secs(10), || async {
        let (_, case) = get(&app.http, &format!("{base}/api/v1/cases/{case_id}")).await;
        (!case["dispatched_at"].is_null()).then_some(())
    })
    .await;
    let commands = format!("{base}/api/v1/cases/{case_id}/tasks/precinct/commands");
    let ack = command("D001", "acknowledge");
    assert_eq!(post(&app.client_as("d001"), &commands, &ack).await.0, 200);
    assert_eq!(
        post(&app.http, &commands, &command("D001", "en_route"))
            .await
            .0,
        200
    );
    let resolve = json!({"command_id": uuid::Uuid::new_v4(), "resolution": "closed_administratively", "reason": "duplicate"});
    let resolution = format!("{base}/api/v1/cases/{case_id}/resolution");
    assert_eq!(post(&dispatcher, &resolution, &resolve).await.0, 200);

    let actors = |case: &str| {
        let store = app.store.clone();
        let case = CaseId(case.parse().unwrap());
        async move {
            let commits = store.read_stream(case).await.unwrap();
            commits
                .into_iter()
                .flat_map(|c| c.events)
                .map(|e| (e.event.type_name(), e.actor))
                .collect::<Vec<_>>()
        }
    };
    let recorded = actors(&case_id).await;
    let actor = |kind, id: &str| Actor::new(kind, id);
    for expected in [
        ("ReportReceived", actor(ActorKind::Dispatcher, "dispatcher")),
        ("CaseDispatched", Actor::system("dispatch")),
        ("TaskAcknowledged", actor(ActorKind::Unit, "d001")),
        ("TaskEnRoute", actor(ActorKind::Admin, "admin")),
        ("CaseClosed", actor(ActorKind::Dispatcher, "dispatcher")),
    ] {
        assert!(recorded.contains(&expected), "{expected:?} in {recorded:?}");
    }
    let plate_case = from_plate["case_id"].as_str().unwrap();
    assert_eq!(
        actors(plate_case).await[0],
        ("ReportReceived", actor(ActorKind::Public, "DP-0002"))
    );
}

/// Runs the binary to completion with `stdin`.
async fn quickclear(args: &[&str], stdin: &str) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_quickclear"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("QUICKCLEAR_USERS")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

/// `quickclear up` on the Chicago roster file: it must refuse to start; what it said.
async fn up_refused(data_dir: &std::path::Path, users: Option<&std::path::Path>) -> String {
    let roster = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../infra/roster/chicago.toml"
    );
    let data_dir = data_dir.display().to_string();
    let mut args = vec!["up", "--config", roster, "--data-dir", &data_dir];
    let users = users.map(|path| path.display().to_string());
    if let Some(users) = &users {
        args.extend(["--users", users]);
    }
    let output = quickclear(&args, "").await;
    assert!(!output.status.success());
    String::from_utf8(output.stderr).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_starts_only_with_a_sound_users_file() {
    let hashed = quickclear(&["hash-password"], "correct horse battery\n").await;
    assert!(hashed.status.success());
    let hash = String::from_utf8(hashed.stdout).unwrap().trim().to_owned();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(
        !quickclear(&["hash-password"], "short\n")
            .await
            .status
            .success()
    );

    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let stderr = up_refused(&data_dir, None).await;
    assert!(stderr.contains("no users: pass --users FILE"), "{stderr}");
    let files = [
        (
            "password = \"hunter22\"",
            "user \"ana\": a plaintext `password` is never accepted",
        ),
        (
            "password_hash = \"hunter22\"",
            "user \"ana\": password_hash is not an argon2id PHC string",
        ),
        (
            &format!("password_hash = \"{hash}\"\nunit = \"D999\""),
            "user \"ana\": only squad members have a unit",
        ),
    ];
    for (line, expected) in files {
        let users = dir.path().join("users.toml");
        let text = format!("[[user]]\nusername = \"ana\"\nrole = \"dispatcher\"\n{line}\n");
        std::fs::write(&users, text).unwrap();
        let stderr = up_refused(&data_dir, Some(&users)).await;
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
        assert!(stderr.contains("users.toml"), "the file is named: {stderr}");
    }
    assert!(!data_dir.exists(), "nothing was opened");
}

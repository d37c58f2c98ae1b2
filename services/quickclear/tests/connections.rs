//! One client cannot hold the process down: held connections are closed by the header-read timeout
//! while others are answered, connections beyond a cap are closed at once, a request sent too
//! slowly is answered `503 request-timeout`, and live feeds outlast every timeout on heartbeats.
//! Real TCP sockets from several loopback addresses (127.0.0.x) against the in-process app, with
//! short timeouts.

mod common;

use common::{TestApp, post, report_body, spawn_with_limits};
use futures::StreamExt;
use quickclear::listener::ConnectionLimits;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};

fn server(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("http://").parse().unwrap()
}

/// A connection from `127.0.0.<host>`.
async fn connect_from(host: u8, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, host), 0)))
        .unwrap();
    socket.connect(server).await.unwrap()
}

/// Holds `stream` open, sending a request head one byte every half second when `trickle`, until the
/// server closes it (how long that took) or `patience` runs out (`None`).
async fn held_until_closed(
    mut stream: TcpStream,
    trickle: bool,
    patience: Duration,
) -> Option<Duration> {
    let opened = Instant::now();
    let mut head = b"GET /healthz HTTP/1.1\r\nHost: quickclear\r\nX-Slow: ".iter();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut buffer = [0; 1024];
    let deadline = sleep(patience);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return Some(opened.elapsed()),
                Ok(_) => {}
            },
            _ = tick.tick(), if trickle => {
                let byte = *head.next().unwrap_or(&b'x');
                if stream.write_all(&[byte]).await.is_err() {
                    return Some(opened.elapsed());
                }
            }
            () = &mut deadline => return None,
        }
    }
}

/// Sends `GET /healthz` on `stream`; the status line of the answer, or `None` if it was closed.
async fn healthz_on(stream: &mut TcpStream) -> Option<String> {
    let request = b"GET /healthz HTTP/1.1\r\nHost: quickclear\r\n\r\n";
    stream.write_all(request).await.ok()?;
    let mut answer = Vec::new();
    let mut buffer = [0; 512];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let read = timeout(Duration::from_secs(2), stream.read(&mut buffer))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            return None;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&answer);
    Some(line.lines().next().unwrap_or_default().to_owned())
}

/// Whether the server closes `stream` within a second without a word.
async fn closed_at_once(mut stream: TcpStream) -> bool {
    let mut buffer = [0; 64];
    matches!(
        timeout(Duration::from_secs(1), stream.read(&mut buffer)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_connections_are_closed_by_the_timeouts_while_others_are_answered() {
    let header_read = Duration::from_secs(2);
    let app = spawn_with_limits(ConnectionLimits {
        header_read,
        idle: Duration::from_secs(4),
        request: Duration::from_secs(2),
        ..ConnectionLimits::default()
    })
    .await;
    let server = server(&app);
    // 600 idle connections from ten addresses, 300 slowloris ones from five more: each address
    // stays under its cap, so only the timeouts can free them.
    let mut held = JoinSet::new();
    for (hosts, trickle) in [(2..12, false), (12..17, true)] {
        for host in hosts {
            for _ in 0..60 {
                let stream = connect_from(host, server).await;
                held.spawn(held_until_closed(stream, trickle, header_read * 3));
            }
        }
    }
    assert_eq!(held.len(), 900);

    // Meanwhile a new client is answered at once, on a new connection each time.
    let other = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let probing = Instant::now();
    while probing.elapsed() < header_read - Duration::from_millis(500) {
        for path in ["/healthz", "/api/v1/roster"] {
            let asked = Instant::now();
            let answer = other
                .get(format!("{}{path}", app.base))
                .bearer_auth(app.access.issue("admin", chrono::Utc::now()).unwrap().token)
                .timeout(Duration::from_secs(1))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{path} unanswered while connections are held: {e}"));
            assert_eq!(answer.status(), 200, "{path}");
            assert!(asked.elapsed() < Duration::from_secs(1), "{path}");
        }
        sleep(Duration::from_millis(100)).await;
    }

    let mut closed_after = Vec::new();
    while let Some(closed) = held.join_next().await {
        closed_after.push(
            closed
                .unwrap()
                .expect("held connection never closed by the server"),
        );
    }
    let earliest = closed_after.iter().min().unwrap();
    let latest = closed_after.iter().max().unwrap();
    assert!(
        *earliest > header_read - Duration::from_millis(500),
        "closed by the timeout, not refused: {earliest:?}"
    );
    assert!(*latest < header_read * 2, "closed in time: {latest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_a_cap_are_closed_at_once_and_others_are_served() {
    let app = spawn_with_limits(ConnectionLimits {
        per_address: 4,
        total: 8,
        ..ConnectionLimits::default()
    })
    .await;
    let server = server(&app);
    let mut first_client = Vec::new();
    for _ in 0..4 {
        first_client.push(connect_from(2, server).await);
    }
    assert!(
        closed_at_once(connect_from(2, server).await).await,
        "a fifth from one address"
    );

    let mut second = connect_from(3, server).await;
    assert_eq!(
        healthz_on(&mut second).await.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "another address is served"
    );
    let mut third_client = Vec::new();
    for _ in 0..3 {
        third_client.push(connect_from(4, server).await);
    }
    assert!(
        closed_at_once(connect_from(5, server).await).await,
        "a ninth in all"
    );

    // A connection given up frees its place.
    drop(first_client.pop());
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let mut stream = connect_from(5, server).await;
        match healthz_on(&mut stream).await {
            Some(status) => break assert_eq!(status, "HTTP/1.1 200 OK"),
            None => assert!(Instant::now() < deadline, "the freed place is not taken"),
        }
        sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_too_slowly_is_answered_503_request_timeout() {
    let app = spawn_with_limits(ConnectionLimits {
        request: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;
    let token = app
        .access
        .issue("dispatcher", chrono::Utc::now())
        .unwrap()
        .token;
    let mut stream = connect_from(1, server(&app)).await;
    let head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: quickclear\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let sent = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0; 1024];
    // The body's next byte every 200 ms: never idle, never finished.
    while !String::from_utf8_lossy(&answer).contains("request-timeout") {
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "no answer: {}",
            String::from_utf8_lossy(&answer)
        );
        match timeout(Duration::from_millis(200), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(read)) => answer.extend_from_slice(&buffer[..read]),
            Err(_) => {
                let _ = stream.write_all(b" ").await;
            }
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable"),
        "{answer}"
    );
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(
        answer.contains("https://quickclear.dev/problems/request-timeout"),
        "{answer}"
    );
}

/// Everything a server-sent event stream sends, as text, while it stays open.
struct Stream {
    text: Arc<Mutex<String>>,
    open: Arc<Mutex<bool>>,
}

impl Stream {
    async fn open(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", response.url());
        let text: Arc<Mutex<String>> = Arc::default();
        let open = Arc::new(Mutex::new(true));
        let (into, closing) = (Arc::clone(&text), Arc::clone(&open));
        tokio::spawn(async move {
            let mut bytes = response.bytes_stream();
            while let Some(Ok(chunk)) = bytes.next().await {
                into.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk));
            }
            *closing.lock().unwrap() = false;
        });
        Self { text, open }
    }

    /// SSE comment frames (`:`), which is what a heartbeat is.
    fn heartbeats(&self) -> usize {
        let text = self.text.lock().unwrap();
        text.split("\n\n").filter(|frame| *frame == ":").count()
    }

    fn holds(&self, needle: &str) -> bool {
        self.text.lock().unwrap().contains(needle)
    }

    fn is_open(&self) -> bool {
        *self.open.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_feeds_outlast_the_timeouts_on_heartbeats() {
    let idle = Duration::from_secs(2);
    let app = spawn_with_limits(ConnectionLimits {
        header_read: Duration::from_secs(1),
        idle,
        request: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;
    let unit = app.client_as("d001");
    let feeds = [
        Stream::open(unit.get(format!("{}/api/v1/units/D001/feed", app.base))).await,
        Stream::open(app.http.get(format!("{}/api/v1/cases/live", app.base))).await,
        Stream::open(unit.get(format!("{}/api/v1/units/D001/advisories", app.base))).await,
    ];
    sleep(idle * 2).await;
    for (feed, name) in feeds.iter().zip(["unit feed", "board", "advisories"]) {
        assert!(feed.is_open(), "{name} closed");
        // A heartbeat every idle / 4 = 500 ms at most: 8 in the 4 s, less the first's delay.
        assert!(feed.heartbeats() >= 6, "{name}: {}", feed.heartbeats());
    }

    let (status, accepted) = post(
        &app.http,
        &format!("{}/api/v1/reports", app.base),
        &report_body(),
    )
    .await;
    assert_eq!(status, 201);
    let case_id = accepted["case_id"].as_str().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(feeds[0].holds(case_id) && feeds[1].holds(case_id)) {
        assert!(Instant::now() < deadline, "no live event after the wait");
        sleep(Duration::from_millis(50)).await;
    }
}

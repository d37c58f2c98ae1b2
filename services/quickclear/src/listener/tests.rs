//! The limits' arithmetic, and the listener on a small router: the idle timeout, what it spares,
//! and a graceful stop.

use super::*;
use axum::body::{Body, Bytes};
use axum::routing::get;
use std::convert::Infallible;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep, timeout};

const IDLE: Duration = Duration::from_millis(600);

fn router() -> Router {
    Router::new()
        .route(
            "/endless",
            get(|| async {
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                Body::from_stream(futures::stream::repeat_with(move || {
                    Ok::<_, Infallible>(chunk.clone())
                }))
            }),
        )
        .route(
            "/slow",
            get(|| async {
                sleep(IDLE * 2).await;
                "done"
            }),
        )
}

/// The listener on `127.0.0.1:0` with [`IDLE`]; stops when the sender is sent or dropped.
async fn start() -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let limits = ConnectionLimits {
        idle: IDLE,
        ..ConnectionLimits::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(serve(listener, router(), limits, async {
        let _ = stopped.await;
    }));
    (address, stop, serving)
}

async fn ask(address: SocketAddr, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// Reads until the server closes `stream` (or resets it), at most for `patience`: what was read,
/// or `None` if it is still open.
async fn read_to_close(stream: &mut TcpStream, patience: Duration) -> Option<String> {
    let mut read = Vec::new();
    let mut buffer = [0; 64 * 1024];
    let deadline = Instant::now() + patience;
    loop {
        match timeout(deadline - Instant::now(), stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&read).into_owned()),
            Ok(Ok(n)) => read.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_cut_off_after_the_idle_timeout() {
    let (address, _stop, _serving) = start().await;
    let mut stream = ask(address, "/endless").await;
    // Kernel buffers fill, the server's writes stall, nothing moves.
    sleep(IDLE * 2).await;
    let drained = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(drained.is_some(), "still streaming");
}

#[tokio::test]
async fn a_request_being_handled_is_never_idle() {
    let (address, _stop, _serving) = start().await;
    let mut stream = ask(address, "/slow").await;
    let mut answer = [0; 256];
    let read = timeout(IDLE * 4, stream.read(&mut answer)).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read.unwrap()]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("done"), "{answer}");
}

#[tokio::test]
async fn a_stop_lets_the_request_in_hand_finish_and_closes_the_rest() {
    let (address, stop, serving) = start().await;
    let mut unused = TcpStream::connect(address).await.unwrap();
    let mut busy = ask(address, "/slow").await;
    sleep(IDLE / 2).await;
    let stopping = Instant::now();
    stop.send(()).unwrap();
    let answer = read_to_close(&mut busy, IDLE * 4).await.unwrap();
    assert!(answer.ends_with("done"), "{answer}");
    assert_eq!(
        read_to_close(&mut unused, IDLE).await.as_deref(),
        Some(""),
        "an unused connection is closed"
    );
    timeout(IDLE * 4, serving).await.unwrap().unwrap();
    assert!(stopping.elapsed() < IDLE * 3);
    assert!(
        TcpStream::connect(address).await.is_err(),
        "no longer listening"
    );
}

#[test]
fn the_total_leaves_the_reserved_files_free() {
    let limits = ConnectionLimits::default().within_open_files(1024);
    assert_eq!(limits.total, 1024 - RESERVED_FILES as usize);
    assert_eq!(limits.per_address, 128);
    let tiny = ConnectionLimits::default().within_open_files(300);
    assert_eq!((tiny.total, tiny.per_address), (44, 44));
    let roomy = ConnectionLimits::default().within_open_files(1 << 20);
    assert_eq!(roomy, ConnectionLimits::default());
}

#[test]
fn heartbeats_come_well_within_the_idle_timeout() {
    assert_eq!(
        ConnectionLimits::default().heartbeat(),
        Duration::from_secs(15)
    );
    let short = ConnectionLimits {
        idle: Duration::from_secs(2),
        ..ConnectionLimits::default()
    };
    assert_eq!(short.heartbeat(), Duration::from_millis(500));
}

//! One connection: its socket options, hyper's HTTP/1.1 with the header-read timeout, the idle
//! timeout, the client's address for the handlers, and a graceful close when the process stops.

use super::ConnectionLimits;
use super::admission::Slot;
use super::metrics::TIMEOUTS;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};
use tower::Service;

/// Serves `stream` until the client closes it, a timeout does, or the process stops (`stopping`).
/// `slot` is given back when it ends.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    slot: Slot,
    mut stopping: watch::Receiver<bool>,
) {
    configure(&stream, &limits);
    let activity = Arc::new(Activity::new());
    let service = {
        let activity = activity.clone();
        service_fn(move |mut request: hyper::Request<Incoming>| {
            // The public routes rate-limit per client address (`quickclear_access::public`).
            request.extensions_mut().insert(ConnectInfo(peer));
            let handling = activity.handling();
            let answer = router.clone().call(request);
            async move {
                let response = answer.await;
                drop(handling);
                response
            }
        })
    };
    let io = TokioIo::new(Tracked {
        stream,
        activity: activity.clone(),
    });
    let mut connection = pin!(
        http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(io, service)
    );
    let mut idle = pin!(activity.idle_for(limits.idle));
    let mut closing = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    if error.is_timeout() {
                        TIMEOUTS.with_label_values(&["header-read"]).inc();
                    }
                    tracing::debug!(%peer, %error, "connection ended");
                }
                break;
            }
            // Nothing is moving: dropping the connection closes it, no goodbye needed.
            () = &mut idle => {
                TIMEOUTS.with_label_values(&["idle"]).inc();
                tracing::debug!(%peer, "idle connection closed");
                break;
            }
            _ = stopping.wait_for(|&stop| stop), if !closing => {
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
    drop(slot);
}

fn configure(stream: &TcpStream, limits: &ConnectionLimits) {
    // Terminal feeds write small SSE frames; without TCP_NODELAY, Nagle's algorithm holds each one
    // until the previous is acknowledged, and the terminal's delayed ACK adds ~40 ms to the tail
    // (docs/benchmarks.md).
    if let Err(error) = stream.set_nodelay(true) {
        tracing::warn!(%error, "cannot set TCP_NODELAY");
    }
    // What a vanished peer never acknowledges (a feed's heartbeat at the latest) fails the
    // connection after the idle timeout, not after Linux's ~15 minutes of retransmissions.
    #[cfg(target_os = "linux")]
    if let Err(error) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(limits.idle)) {
        tracing::warn!(%error, "cannot set TCP_USER_TIMEOUT");
    }
}

/// When a byte last moved on a connection, and how many of its requests are being handled.
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to when a byte last moved or an answer was last handed over.
    last: AtomicU64,
    handling: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            last: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let millis = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(millis, Ordering::Relaxed);
    }

    fn handling(self: &Arc<Self>) -> Handling {
        self.handling.fetch_add(1, Ordering::Relaxed);
        Handling(self.clone())
    }

    /// Completes once nothing has moved for `limit` while no request was being handled: a
    /// request's own time (an analysis computing) is the request timeout's business.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let now = Instant::now();
            let quiet_until =
                self.opened + Duration::from_millis(self.last.load(Ordering::Relaxed)) + limit;
            if self.handling.load(Ordering::Relaxed) > 0 {
                sleep_until(now + limit).await;
            } else if now >= quiet_until {
                return;
            } else {
                sleep_until(quiet_until).await;
            }
        }
    }
}

/// A request being handled; when it is answered (or given up), the quiet time starts again.
struct Handling(Arc<Activity>);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.touch();
        self.0.handling.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting each time bytes move either way.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Tracked {
    fn note(&self, polled: &Poll<io::Result<usize>>) {
        if matches!(polled, Poll::Ready(Ok(n)) if *n > 0) {
            self.activity.touch();
        }
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.note(&polled);
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.note(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

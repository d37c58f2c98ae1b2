//! The HTTP listener: each connection is served by hyper (HTTP/1.1) under the timeouts of
//! [`ConnectionLimits`], and no client, nor all clients together, may hold more connections than
//! its cap (docs/api.md, "Connections and timeouts").
//!
//! `axum::serve` sets none of hyper's timeouts: a client could hold any number of connections for as
//! long as it liked, sending nothing or a header byte now and then, until the process had no open
//! files left and answered no one, `/healthz` included.

mod admission;
mod connection;
mod metrics;
mod request_timeout;

use admission::Admission;
use axum::Router;
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long a connection may take over each step, and how many one client and all clients may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's head must arrive in full within this of the server starting to wait for it: on
    /// a new connection, or on a kept-alive one after its last answer. So it is also how long an
    /// unused connection is kept open.
    pub header_read: Duration,
    /// A connection on which no byte has moved either way for this long, while no request on it
    /// is being handled, is closed: a client that stopped reading an answer, or a stream without
    /// heartbeats. Server-sent event streams send a heartbeat a quarter of it apart at most.
    pub idle: Duration,
    /// A request whose answer is not ready within this gets `503 request-timeout`: a body sent too
    /// slowly, or a handler stuck. The analytics (`/api/v1/analytics/...`) are exempt: they compute
    /// under their own cap, and cutting them would not stop the computation.
    pub request: Duration,
    /// Connections one client may hold at once (an IPv6 client counts per /64).
    pub per_address: usize,
    /// Connections all clients may hold at once; the rest of the process's open files stay free.
    pub total: usize,
}

/// Open files the process keeps for itself beyond its connections: the stores' files, NATS, the
/// pages it serves, the runtime's own.
pub const RESERVED_FILES: u64 = 256;

impl Default for ConnectionLimits {
    /// Production values (docs/api.md says why each).
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            request: Duration::from_secs(30),
            per_address: 128,
            total: 4096,
        }
    }
}

impl ConnectionLimits {
    /// How often a quiet server-sent event stream sends a heartbeat: every 15 s, or more often when
    /// the idle timeout is under a minute.
    pub fn heartbeat(&self) -> Duration {
        (self.idle / 4).min(quickclear_platform::Heartbeat::DEFAULT)
    }

    /// These limits with the total lowered, if need be, to leave [`RESERVED_FILES`] of
    /// `open_files` free, and the per-address cap no higher than the total.
    pub fn within_open_files(mut self, open_files: u64) -> Self {
        let room = usize::try_from(open_files.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
        if self.total > room {
            tracing::warn!(
                open_files,
                wanted = self.total,
                total = room.max(1),
                "the open-file limit leaves room for fewer connections"
            );
            self.total = room.max(1);
        }
        self.per_address = self.per_address.min(self.total);
        self
    }
}

/// Raises this process's open-file limit to its hard limit (every connection is an open file) and
/// returns the limit now in force.
pub fn raise_open_file_limit() -> io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// Serves `router` on `listener` until `shutdown` completes; then accepts no more connections, lets
/// each finish the request it is on, and returns once all have closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let admission = Admission::new(&limits);
    let router = request_timeout::layer(router, limits.request);
    // Every connection holds a receiver: the channel closes when the last connection has.
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    pause_after(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Beyond its cap a connection is closed at once, before a byte is read: it costs the
        // process nothing, and a browser's EventSource retries by itself.
        let Some(slot) = admission.admit(peer.ip()) else {
            continue;
        };
        tokio::spawn(connection::serve(
            stream,
            peer,
            router.clone(),
            limits,
            slot,
            stopping.clone(),
        ));
    }
    drop(listener);
    drop(stopping);
    stop.send_replace(true);
    stop.closed().await;
}

/// After a failed accept: a connection that went away before it was accepted is nothing; anything
/// else (out of open files, which the total cap is there to prevent) is logged and waited out
/// briefly rather than retried in a tight loop.
async fn pause_after(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[cfg(test)]
mod tests;

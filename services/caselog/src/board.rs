//! The dispatchers' live board: `GET /api/v1/cases/live`, server-sent events.
//!
//! A connection first gets every open case and every case resolved in the last 24 hours, then each
//! case again whenever it changes. An entry is the case's whole board state, so a page that
//! reconnects (and gets a fresh snapshot) or misses a change cannot end up wrong.

use crate::routes::CaseLog;
use crate::summaries::Summary;
use crate::view::TaskView;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use chrono::{DateTime, Duration, Utc};
use futures::Stream;
use quickclear_access::{Allowed, Oversight};
use quickclear_platform::Heartbeat;
use serde::Serialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

/// How long a resolved case stays on the board.
const RESOLVED_KEPT: Duration = Duration::hours(24);

#[derive(Serialize)]
struct BoardEntry<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    resolved_at: Option<DateTime<Utc>>,
    /// When an open case still without its units is reported as waiting for dispatch (`/readyz`
    /// says so too); `null` once dispatched.
    dispatch_due_at: Option<DateTime<Utc>>,
    tasks: Vec<BoardTask<'a>>,
}

#[derive(Serialize)]
struct BoardTask<'a> {
    #[serde(flatten)]
    task: &'a TaskView,
    /// When the task is escalated if its unit has not acknowledged it; `null` once acknowledged.
    ack_due_at: Option<DateTime<Utc>>,
}

/// Dispatchers, analysts and admins: an entry carries no reporter.
pub async fn live(
    State(caselog): State<Arc<CaseLog>>,
    _: Allowed<Oversight>,
    heartbeat: Heartbeat,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed before the snapshot is taken, so no change falls between the two.
    let changes = caselog.summaries.changes();
    let (sender, events) = mpsc::channel(64);
    tokio::spawn(stream_board(caselog, changes, sender));
    Sse::new(ReceiverStream::new(events)).keep_alive(heartbeat.keep_alive())
}

async fn stream_board(
    caselog: Arc<CaseLog>,
    mut changes: broadcast::Receiver<Arc<Summary>>,
    sender: mpsc::Sender<Result<Event, Infallible>>,
) {
    let mut pending = snapshot(&caselog);
    loop {
        for summary in pending.drain(..) {
            if sender.send(Ok(event(&caselog, &summary))).await.is_err() {
                return;
            }
        }
        match changes.recv().await {
            Ok(summary) => pending.push(summary),
            Err(broadcast::error::RecvError::Lagged(_)) => pending = snapshot(&caselog),
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn snapshot(caselog: &CaseLog) -> Vec<Arc<Summary>> {
    let since = caselog.clock.now() - RESOLVED_KEPT;
    caselog
        .summaries
        .select(|s| s.resolved_at().is_none_or(|at| at >= since))
        .into_iter()
        .map(Arc::new)
        .collect()
}

fn event(caselog: &CaseLog, summary: &Summary) -> Event {
    let tasks = summary
        .tasks
        .iter()
        .map(|task| BoardTask {
            task,
            ack_due_at: (task.status == "assigned")
                .then_some(task.assigned_at)
                .flatten()
                .map(|at| at + caselog.ack_window),
        })
        .collect();
    let entry = BoardEntry {
        summary,
        resolved_at: summary.resolved_at(),
        dispatch_due_at: (summary.dispatched_at.is_none() && summary.resolved_at().is_none())
            .then(|| summary.reported_at + caselog.clock.span_of(caselog.dispatch_within)),
        tasks,
    };
    Event::default()
        .json_data(&entry)
        .expect("a board entry serializes")
}

//! The embedded adapter: the case log in one SQLite file.
//!
//! One writer thread owns the write connection and commits appends in groups: it takes every append
//! waiting in its queue, checks and inserts each in one transaction, commits once, then fsyncs the
//! WAL once. Under load many appends share one fsync; alone, an append costs one. Between the commit
//! and the fsync the group is already in the log: [`EventStore::subscribe_unsynced`] subscribers
//! (dispatch) get it then, and the writer waits a moment ([`SYNC_LINGER`]) for their answers, which
//! it commits too, so that a report and its dispatch share one fsync.
//! Once durable, the group is broadcast in log order to live subscribers, which first catch up from
//! the file through a reader connection, and its appenders get their answers. Reads never show a
//! commit before it is durable.
//!
//! Being local, the store always knows what became of an append: a refusal means nothing was
//! written. The one exception is an fsync that fails after its group committed: those appends
//! answer [`StoreError::OutcomeUnknown`], and the store takes no more.

mod chain;

use crate::codec;
use crate::metrics::{APPEND_SECONDS, CONFLICTS, SQLITE_SYNC_SECONDS};
use crate::port::{
    Acker, Appended, ChainReport, Commit, Delivery, DurableSubscription, EventStore,
    ExpectedVersion, Position, StoreError, Subscription, channel_stream,
};
use async_trait::async_trait;
use quickclear_schemas::{CaseId, EventEnvelope};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;
use tokio::sync::{broadcast, oneshot, watch};

const CATCH_UP_BATCH: usize = 512;
const LIVE_BUFFER: usize = 8192;
const MAX_GROUP: usize = 512;
/// How long a commit waits for company before its fsync, when someone follows the log unsynced: in
/// that time dispatch has usually appended its answer to the report just committed, and the two
/// share one fsync instead of paying one each (ADR 0006).
const SYNC_LINGER: std::time::Duration = std::time::Duration::from_micros(200);
/// How often the WAL is copied into the database file, off the writer's path.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS commits (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    stream_version INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    events BLOB NOT NULL,
    UNIQUE (stream, stream_version),
    UNIQUE (stream, commit_id)
);
-- The case log is append-only: nothing can rewrite it, not even by hand with the sqlite3 shell.
CREATE TRIGGER IF NOT EXISTS commits_no_update BEFORE UPDATE ON commits
BEGIN SELECT RAISE(ABORT, 'the case log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS commits_no_delete BEFORE DELETE ON commits
BEGIN SELECT RAISE(ABORT, 'the case log is append-only'); END;
CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
";

/// The SQLite event store. Cheap to clone: clones share the file, writer and subscribers.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// The file, for checks that read all of it on a connection of their own.
    path: PathBuf,
    writer: mpsc::Sender<WriteRequest>,
    /// Dropped with the store, which ends the checkpointer thread.
    _checkpointer: mpsc::Sender<()>,
    reader: Mutex<Connection>,
    /// Commits as soon as they are in the log, before they are durable.
    written: broadcast::Sender<Arc<Commit>>,
    /// Commits once they are durable.
    live: broadcast::Sender<Arc<Commit>>,
    /// The last durable position, advanced before any writer hears its append is stored.
    durable: watch::Sender<DurableHead>,
}

#[derive(Clone, Copy, Debug, Default)]
struct DurableHead {
    position: Position,
    /// An fsync failed: what is on the disk is unknown, so nothing more is written or shown.
    disk_failed: bool,
}

const DISK_FAILED: &str = "the case log's disk failed to sync a commit: no further appends are \
    accepted until the process is restarted on a healthy disk";

/// Which commits a subscription follows.
#[derive(Clone, Copy)]
enum Follow {
    Durable,
    Written,
}

enum WriteRequest {
    Append {
        case_id: CaseId,
        expected: ExpectedVersion,
        commit_id: String,
        events: Vec<EventEnvelope>,
        reply: oneshot::Sender<Result<Appended, StoreError>>,
    },
    Checkpoint {
        name: String,
        position: Position,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

fn unexpected(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(e.to_string())
}

/// When a commit reaches the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is fsync'd before its append returns or anyone reads it: nothing acknowledged
    /// is ever lost, even to a power cut (what SQLite's `synchronous=FULL` gives, with the fsync
    /// taken out of the commit so that it can follow the unsynced subscribers' work).
    #[default]
    EveryCommit,
    /// Commits reach the OS at once and the disk at the next checkpoint (within
    /// [`CHECKPOINT_EVERY`]): a crash of the process loses nothing, a power cut or kernel crash
    /// can lose the last fraction of a second of acknowledged appends (`synchronous=NORMAL`).
    Checkpoint,
}

/// A connection in WAL mode (readers run beside the writer) that syncs what it checkpoints.
fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError::Unavailable(format!("open {}: {e}", path.display())))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;",
    )
    .map_err(unexpected)?;
    Ok(conn)
}

/// The WAL file, to fsync after each commit. SQLite keeps it (the same file) for as long as any
/// connection is open, and the store holds its connections for its whole life.
fn open_wal(path: &Path) -> Result<File, StoreError> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let file = File::open(&wal)
        .map_err(|e| StoreError::Unavailable(format!("open {}: {e}", Path::new(&wal).display())))?;
    // A process that stopped between a commit and its fsync left it to the OS: make it durable
    // before anything of it is shown.
    file.sync_data()
        .map_err(|e| StoreError::Unavailable(format!("{DISK_FAILED}: {e}")))?;
    Ok(file)
}

impl SqliteStore {
    /// Opens (or creates) the store in `path`, every commit fsync'd before its append returns.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Durability::EveryCommit)
    }

    /// Opens (or creates) the store in `path` with the given durability of the writer's commits.
    pub fn open_with(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        let write_conn = open_connection(path)?;
        quick_check(&write_conn, path)?;
        write_conn.execute_batch(SCHEMA).map_err(unexpected)?;
        write_conn
            .execute_batch(chain::SCHEMA)
            .map_err(unexpected)?;
        let link = chain::head(&write_conn).map_err(unexpected)?;
        // The writer's commits only write the WAL; `Writer::sync` makes them durable (or, with
        // `Checkpoint`, the next checkpoint does). The writer never checkpoints: a checkpoint
        // copies the WAL into the database file and fsyncs it, and on the writer it would stall
        // every append queued behind that commit (the 1-5 ms tail of appends). A thread of its own
        // does it instead.
        write_conn
            .execute_batch("PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;")
            .map_err(unexpected)?;
        let wal = match durability {
            Durability::EveryCommit => Some(open_wal(path)?),
            Durability::Checkpoint => None,
        };
        let checkpointer = spawn_checkpointer(open_connection(path)?)?;
        let head: Position = write_conn
            .query_row("SELECT COALESCE(MAX(position), 0) FROM commits", [], |r| {
                r.get(0)
            })
            .map_err(unexpected)?;
        let reader = open_connection(path)?;
        let (writer, requests) = mpsc::channel();
        let (written, _) = broadcast::channel(LIVE_BUFFER);
        let (live, _) = broadcast::channel(LIVE_BUFFER);
        let (durable, _) = watch::channel(DurableHead {
            position: head,
            disk_failed: false,
        });
        let inner = Arc::new(Inner {
            path: path.to_owned(),
            writer,
            _checkpointer: checkpointer,
            reader: Mutex::new(reader),
            written: written.clone(),
            live: live.clone(),
            durable: durable.clone(),
        });
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let writer = Writer {
                    conn: write_conn,
                    link,
                    wal,
                    written,
                    live,
                    durable,
                };
                writer.run(&requests);
            })
            .map_err(unexpected)?;
        Ok(Self { inner })
    }

    async fn read<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .reader
                .lock()
                .map_err(|_| unexpected("reader lock poisoned"))?;
            query(&conn)
        })
        .await
        .map_err(unexpected)?
    }

    /// Waits until every commit up to `position` is durable, so that a read shows nothing a power
    /// cut could take back.
    async fn durable(&self, position: Position) -> Result<(), StoreError> {
        let mut head = self.inner.durable.subscribe();
        let head = *head
            .wait_for(|h| h.position >= position || h.disk_failed)
            .await
            .map_err(|_| unexpected("writer thread stopped"))?;
        if head.position >= position {
            Ok(())
        } else {
            Err(StoreError::Unavailable(DISK_FAILED.into()))
        }
    }

    /// Commits after `after`, a batch at a time: durable ones, or whatever is in the log. A commit
    /// that cannot be read ends the batch: those before it come first, then its error.
    async fn commits_after(
        &self,
        after: Position,
        follow: Follow,
    ) -> Result<(Vec<Commit>, Option<StoreError>), StoreError> {
        let (commits, error) = self
            .read(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT position, stream, commit_id, events FROM commits
                     WHERE position > ?1 ORDER BY position LIMIT ?2",
                    )
                    .map_err(unexpected)?;
                let rows = stmt
                    .query_map(params![after, CATCH_UP_BATCH as i64], row_to_raw)
                    .map_err(unexpected)?;
                let mut commits = Vec::new();
                for row in rows {
                    match row.map_err(unexpected).and_then(raw_to_commit) {
                        Ok(commit) => commits.push(commit),
                        Err(error) => return Ok((commits, Some(error))),
                    }
                }
                Ok((commits, None))
            })
            .await?;
        if let (Follow::Durable, Some(last)) = (follow, commits.last()) {
            self.durable(last.position).await?;
        }
        Ok((commits, error))
    }

    fn follow(&self, after: Position, follow: Follow) -> Subscription {
        let (sender, receiver) = tokio::sync::mpsc::channel(CATCH_UP_BATCH);
        let live = match follow {
            Follow::Durable => self.inner.live.subscribe(),
            Follow::Written => self.inner.written.subscribe(),
        };
        let store = self.clone();
        tokio::spawn(async move {
            if let Err(e) = feed(store, after, follow, live, &sender).await {
                let _ = sender.send(Err(e)).await;
            }
        });
        Box::pin(channel_stream(receiver))
    }
}

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] until the returned sender is dropped. PASSIVE
/// never blocks the writer or readers; frames a reader still needs wait for the next round, and the
/// writer starts the WAL over once a checkpoint has caught up.
fn spawn_checkpointer(conn: Connection) -> Result<mpsc::Sender<()>, StoreError> {
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("sqlite-checkpointer".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY)
            {
                if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                    tracing::warn!(%error, "WAL checkpoint failed; retrying");
                }
            }
        })
        .map_err(unexpected)?;
    Ok(stop)
}

type RawCommit = (Position, String, String, Vec<u8>);

fn row_to_raw(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawCommit> {
    // Read whatever a damaged or hand-edited row holds: deciding whether it is a commit is
    // `raw_to_commit`'s job, which names the position when it is not.
    Ok((
        row.get(0)?,
        chain::stored_text(row, 1)?,
        chain::stored_text(row, 2)?,
        chain::stored_bytes(row, 3)?,
    ))
}

fn raw_to_commit((position, stream, commit_id, events): RawCommit) -> Result<Commit, StoreError> {
    let undecodable = |reason: String| StoreError::Undecodable { position, reason };
    let case_id = CaseId(
        stream
            .parse()
            .map_err(|e| undecodable(format!("stream {stream:?}: {e}")))?,
    );
    Ok(Commit {
        position,
        case_id,
        commit_id,
        events: codec::decode(&events).map_err(|e| undecodable(e.to_string()))?,
    })
}

struct Writer {
    conn: Connection,
    /// The chain's last link: the next commit's is made from it ([`chain::link`]).
    link: chain::Link,
    /// The WAL to fsync after each commit, when every commit is durable before it is answered.
    wal: Option<File>,
    written: broadcast::Sender<Arc<Commit>>,
    live: broadcast::Sender<Arc<Commit>>,
    durable: watch::Sender<DurableHead>,
}

/// The next requests in the queue, up to [`MAX_GROUP`], for one transaction.
fn take_group(first: WriteRequest, requests: &mpsc::Receiver<WriteRequest>) -> Vec<WriteRequest> {
    let mut group = vec![first];
    group.extend(requests.try_iter().take(MAX_GROUP));
    group
}

/// Commits in the log but not yet durable, and the answers owed to their requests.
#[derive(Default)]
struct Unsynced {
    stored: Vec<Arc<Commit>>,
    answers: Vec<Answer>,
}

/// A request's answer, sent once its group is durable.
enum Answer {
    Append(
        oneshot::Sender<Result<Appended, StoreError>>,
        Result<Appended, StoreError>,
    ),
    Checkpoint(
        oneshot::Sender<Result<(), StoreError>>,
        Result<(), StoreError>,
    ),
}

impl Answer {
    fn send(self) {
        match self {
            Answer::Append(reply, result) => drop(reply.send(result)),
            Answer::Checkpoint(reply, result) => drop(reply.send(result)),
        }
    }

    /// The group's transaction committed but its fsync failed: its appends are in the file and may
    /// or may not survive a power cut, the one case where this store cannot tell.
    fn unsynced(self) {
        match self {
            Answer::Append(reply, _) => {
                drop(reply.send(Err(StoreError::OutcomeUnknown(DISK_FAILED.into()))));
            }
            Answer::Checkpoint(reply, _) => {
                drop(reply.send(Err(StoreError::Unavailable(DISK_FAILED.into()))));
            }
        }
    }
}

impl Writer {
    /// Serves the queue until the store is dropped: commit what is waiting, linger for company,
    /// one fsync for all of it, answer.
    fn run(mut self, requests: &mpsc::Receiver<WriteRequest>) {
        while let Ok(first) = requests.recv() {
            let mut pending = Unsynced::default();
            self.commit_group(take_group(first, requests), &mut pending);
            if self.lingers() {
                let deadline = Instant::now() + SYNC_LINGER;
                while pending.answers.len() < MAX_GROUP {
                    let wait = deadline.saturating_duration_since(Instant::now());
                    let Ok(next) = requests.recv_timeout(wait) else {
                        break;
                    };
                    self.commit_group(take_group(next, requests), &mut pending);
                }
            }
            self.make_durable(pending);
        }
    }

    /// Whether a commit should wait [`SYNC_LINGER`] for more before its fsync: only when there is
    /// an fsync to share and someone who may answer the commit before it.
    fn lingers(&self) -> bool {
        self.wal.is_some() && self.written.receiver_count() > 0
    }

    /// Writes a group of requests in one transaction and shows its commits to the unsynced
    /// subscribers; the answers wait in `pending` for [`Writer::make_durable`].
    fn commit_group(&mut self, group: Vec<WriteRequest>, pending: &mut Unsynced) {
        if self.durable.borrow().disk_failed {
            fail_all(group, DISK_FAILED);
            return;
        }
        let link_before = self.link;
        let mut tx = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => {
                fail_all(group, &format!("begin: {e}"));
                return;
            }
        };
        let mut outcomes = Vec::with_capacity(group.len());
        for request in group {
            let outcome = match &request {
                WriteRequest::Append {
                    case_id,
                    expected,
                    commit_id,
                    events,
                    ..
                } => append_one(
                    &mut tx,
                    &mut self.link,
                    (*case_id, *expected, commit_id),
                    events,
                )
                .map(Some),
                WriteRequest::Checkpoint { name, position, .. } => tx
                    .execute(
                        "INSERT INTO checkpoints (name, position) VALUES (?1, ?2)
                         ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                        params![name, position],
                    )
                    .map(|_| None)
                    .map_err(unexpected),
            };
            outcomes.push((request, outcome));
        }
        if let Err(e) = tx.commit() {
            self.link = link_before;
            fail_all(
                outcomes.into_iter().map(|(r, _)| r).collect(),
                &format!("commit: {e}"),
            );
            return;
        }
        let first_new = pending.stored.len();
        for (request, outcome) in outcomes {
            match request {
                WriteRequest::Append {
                    case_id,
                    commit_id,
                    events,
                    reply,
                    ..
                } => {
                    let result = outcome.map(|new| new.expect("appends answer a position"));
                    if let Ok(appended) = &result
                        && !appended.duplicate
                    {
                        pending.stored.push(Arc::new(Commit {
                            position: appended.position,
                            case_id,
                            commit_id,
                            events,
                        }));
                    }
                    pending.answers.push(Answer::Append(reply, result));
                }
                WriteRequest::Checkpoint { reply, .. } => {
                    pending
                        .answers
                        .push(Answer::Checkpoint(reply, outcome.map(|_| ())));
                }
            }
        }
        // No subscriber is fine, on either broadcast: they catch up from the file.
        for commit in &pending.stored[first_new..] {
            let _ = self.written.send(commit.clone());
        }
    }

    /// Makes every pending commit durable with one fsync, then publishes and answers them.
    fn make_durable(&mut self, pending: Unsynced) {
        let Unsynced { stored, answers } = pending;
        if let Err(error) = self.sync() {
            tracing::error!(%error, "{DISK_FAILED}");
            self.durable.send_modify(|head| head.disk_failed = true);
            answers.into_iter().for_each(Answer::unsynced);
            return;
        }
        if let Some(last) = stored.last() {
            self.durable
                .send_modify(|head| head.position = last.position);
        }
        for commit in stored {
            let _ = self.live.send(commit);
        }
        answers.into_iter().for_each(Answer::send);
    }

    /// Makes what was committed so far durable, when every commit must be before it is answered.
    fn sync(&self) -> std::io::Result<()> {
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        let _timer = SQLITE_SYNC_SECONDS.start_timer();
        wal.sync_data()
    }
}

fn fail_all(group: Vec<WriteRequest>, why: &str) {
    for request in group {
        let error = || StoreError::Unavailable(why.to_owned());
        match request {
            WriteRequest::Append { reply, .. } => drop(reply.send(Err(error()))),
            WriteRequest::Checkpoint { reply, .. } => drop(reply.send(Err(error()))),
        }
    }
}

/// Checks and inserts one commit and its link, in a savepoint of the group's transaction: a
/// refusal or failure leaves nothing of it behind.
fn append_one(
    tx: &mut rusqlite::Transaction<'_>,
    link: &mut chain::Link,
    (case_id, expected, commit_id): (CaseId, ExpectedVersion, &str),
    events: &[EventEnvelope],
) -> Result<Appended, StoreError> {
    let tx = tx.savepoint().map_err(unexpected)?;
    let stream = case_id.to_string();
    let existing: Option<Position> = tx
        .prepare_cached("SELECT position FROM commits WHERE stream = ?1 AND commit_id = ?2")
        .and_then(|mut s| s.query_row([&stream, commit_id], |r| r.get(0)).optional())
        .map_err(unexpected)?;
    if let Some(position) = existing {
        return Ok(Appended {
            position,
            duplicate: true,
        });
    }
    let (last, version): (Option<Position>, u64) = tx
        .prepare_cached("SELECT MAX(position), COUNT(*) FROM commits WHERE stream = ?1")
        .and_then(|mut s| s.query_row([&stream], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(unexpected)?;
    if ExpectedVersion::after(last) != expected {
        CONFLICTS.with_label_values(&["sqlite"]).inc();
        return Err(StoreError::Conflict { case_id, expected });
    }
    let encoded = codec::encode(events)?;
    tx.prepare_cached(
        "INSERT INTO commits (stream, stream_version, commit_id, events) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![stream, version + 1, commit_id, encoded]))
    .map_err(unexpected)?;
    let position = tx.last_insert_rowid() as Position;
    let stored = chain::Stored {
        position,
        stream: &stream,
        version: version + 1,
        commit_id,
        events: &encoded,
    };
    let next = chain::link(link, &stored);
    chain::record(&tx, position, &next).map_err(unexpected)?;
    tx.commit().map_err(unexpected)?;
    *link = next;
    Ok(Appended {
        position,
        duplicate: false,
    })
}

fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Unavailable(format!("open {}: {e}", path.display())))
}

/// SQLite's quick check of the file's structure (not of the rows' contents): a damaged file is
/// refused at open, before anything of it is served.
fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    // A file too damaged for the check to run is reported the same way.
    let findings =
        integrity_findings(conn, "quick_check").unwrap_or_else(|error| vec![error.to_string()]);
    match findings.first() {
        None => Ok(()),
        Some(first) => Err(StoreError::Unexpected(format!(
            "{} is damaged ({first}; {} finding(s) in all): restore it from a backup; \
             `quickclear verify` runs the full check",
            path.display(),
            findings.len()
        ))),
    }
}

/// What `PRAGMA <check>` (`quick_check` or `integrity_check`) found; empty when the file is sound.
fn integrity_findings(conn: &Connection, check: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare(&format!("PRAGMA {check}"))?;
    let findings = statement
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(findings.into_iter().filter(|f| f != "ok").collect())
}

/// The full check of an embedded log, for `quickclear verify`: SQLite's integrity check of the
/// file, then the whole chain of links.
pub fn verify_file(path: &Path) -> Result<(Vec<String>, ChainReport), StoreError> {
    let conn = open_read_only(path)?;
    let findings = integrity_findings(&conn, "integrity_check").map_err(unexpected)?;
    let chain = chain::verify(&conn).map_err(unexpected)?;
    Ok((findings, chain))
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append(
        &self,
        case_id: CaseId,
        expected: ExpectedVersion,
        commit_id: &str,
        events: &[EventEnvelope],
    ) -> Result<Appended, StoreError> {
        let started = Instant::now();
        let (reply, answer) = oneshot::channel();
        let request = WriteRequest::Append {
            case_id,
            expected,
            commit_id: commit_id.to_owned(),
            events: events.to_vec(),
            reply,
        };
        self.inner
            .writer
            .send(request)
            .map_err(|_| unexpected("writer thread stopped"))?;
        let result = answer
            .await
            .map_err(|_| unexpected("writer thread stopped"))?;
        APPEND_SECONDS
            .with_label_values(&["sqlite"])
            .observe(started.elapsed().as_secs_f64());
        result
    }

    async fn read_stream(&self, case_id: CaseId) -> Result<Vec<Commit>, StoreError> {
        let commits = self
            .read(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT position, stream, commit_id, events FROM commits
                     WHERE stream = ?1 ORDER BY position",
                    )
                    .map_err(unexpected)?;
                let rows = stmt
                    .query_map([case_id.to_string()], row_to_raw)
                    .map_err(unexpected)?;
                rows.map(|r| r.map_err(unexpected).and_then(raw_to_commit))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        if let Some(last) = commits.last() {
            self.durable(last.position).await?;
        }
        Ok(commits)
    }

    async fn subscribe(&self, after: Position) -> Result<Subscription, StoreError> {
        Ok(self.follow(after, Follow::Durable))
    }

    async fn subscribe_unsynced(&self, after: Position) -> Result<Subscription, StoreError> {
        Ok(self.follow(after, Follow::Written))
    }

    async fn subscribe_durable(&self, name: &str) -> Result<DurableSubscription, StoreError> {
        let owned = name.to_owned();
        let from: Position = self
            .read(move |conn| {
                conn.query_row(
                    "SELECT position FROM checkpoints WHERE name = ?1",
                    [owned],
                    |r| r.get(0),
                )
                .optional()
                .map(Option::unwrap_or_default)
                .map_err(unexpected)
            })
            .await?;
        Ok(DurableSubscription {
            deliveries: self.subscribe(from).await?,
            acker: Box::new(SqliteAcker {
                store: self.clone(),
                name: name.to_owned(),
            }),
        })
    }

    async fn head(&self) -> Result<Position, StoreError> {
        Ok(self.inner.durable.borrow().position)
    }

    /// On a connection of its own, off the async workers, so reads go on meanwhile.
    async fn verify_chain(&self) -> Result<Option<ChainReport>, StoreError> {
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = open_read_only(&path)?;
            chain::verify(&conn).map(Some).map_err(unexpected)
        })
        .await
        .map_err(unexpected)?
    }
}

type Sender = tokio::sync::mpsc::Sender<Result<Delivery, StoreError>>;

/// Catches up from the file, then follows the live broadcast; falls back to the file whenever the
/// subscriber lagged so far behind that the broadcast dropped commits it had not seen.
async fn feed(
    store: SqliteStore,
    mut position: Position,
    follow: Follow,
    mut live: broadcast::Receiver<Arc<Commit>>,
    sender: &Sender,
) -> Result<(), StoreError> {
    let mut caught_up = false;
    loop {
        loop {
            let (batch, error) = store.commits_after(position, follow).await?;
            let done = batch.len() < CATCH_UP_BATCH;
            for commit in batch {
                position = commit.position;
                if sender
                    .send(Ok(Delivery::Commit(Arc::new(commit))))
                    .await
                    .is_err()
                {
                    return Ok(());
                }
            }
            if let Some(error) = error {
                return Err(error);
            }
            if done {
                break;
            }
        }
        if !caught_up {
            caught_up = true;
            if sender.send(Ok(Delivery::CaughtUp)).await.is_err() {
                return Ok(());
            }
        }
        loop {
            match live.recv().await {
                Ok(commit) if commit.position <= position => {}
                Ok(commit) => {
                    position = commit.position;
                    if sender.send(Ok(Delivery::Commit(commit))).await.is_err() {
                        return Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            }
        }
    }
}

struct SqliteAcker {
    store: SqliteStore,
    name: String,
}

#[async_trait]
impl Acker for SqliteAcker {
    async fn ack(&mut self, position: Position) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        let request = WriteRequest::Checkpoint {
            name: self.name.clone(),
            position,
            reply,
        };
        self.store
            .inner
            .writer
            .send(request)
            .map_err(|_| unexpected("writer thread stopped"))?;
        answer
            .await
            .map_err(|_| unexpected("writer thread stopped"))?
    }
}

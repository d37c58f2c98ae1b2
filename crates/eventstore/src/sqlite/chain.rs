//! Tamper evidence for the embedded log (ADR 0008): each commit's link is a SHA-256 of the previous
//! link and the commit's every stored field, kept in the append-only `chain` table beside it. A
//! commit rewritten by hand (even with its table's triggers dropped and put back), removed, or
//! inserted without its link breaks the chain at its position, and [`verify`] says where.

use crate::port::{Break, ChainReport, Position};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

pub type Link = [u8; 32];

/// The link before the first commit.
pub const GENESIS: Link = [0; 32];

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chain (
    position INTEGER PRIMARY KEY,
    link BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS chain_no_update BEFORE UPDATE ON chain
BEGIN SELECT RAISE(ABORT, 'the case log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS chain_no_delete BEFORE DELETE ON chain
BEGIN SELECT RAISE(ABORT, 'the case log is append-only'); END;
";

/// A commit's stored fields, as the link covers them.
pub struct Stored<'a> {
    pub position: Position,
    pub stream: &'a str,
    pub version: u64,
    pub commit_id: &'a str,
    pub events: &'a [u8],
}

/// The link of `commit`, after `previous`. Variable fields are length-prefixed, so no two
/// different commits hash the same bytes.
pub fn link(previous: &Link, commit: &Stored<'_>) -> Link {
    let mut hash = Sha256::new();
    hash.update(previous);
    hash.update(commit.position.to_be_bytes());
    hash.update(commit.version.to_be_bytes());
    for field in [
        commit.stream.as_bytes(),
        commit.commit_id.as_bytes(),
        commit.events,
    ] {
        hash.update((field.len() as u64).to_be_bytes());
        hash.update(field);
    }
    hash.finalize().into()
}

pub fn record(conn: &Connection, position: Position, link: &Link) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO chain (position, link) VALUES (?1, ?2)")?
        .execute(params![position, link.as_slice()])
        .map(drop)
}

/// The last link recorded, after linking any commit that has none: a log written before the chain
/// existed is linked from its first commit on the first open (trusted as it stands then).
pub fn head(conn: &Connection) -> rusqlite::Result<Link> {
    let last: Option<(Position, Vec<u8>)> = conn
        .query_row(
            "SELECT position, link FROM chain ORDER BY position DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (after, mut head) = match last {
        Some((position, link)) => (position, to_link(&link)),
        None => (0, GENESIS),
    };
    let mut unlinked = conn.prepare(
        "SELECT position, stream, stream_version, commit_id, events FROM commits
         WHERE position > ?1 ORDER BY position",
    )?;
    let mut rows = unlinked.query([after])?;
    while let Some(row) = rows.next()? {
        let position;
        (position, head) = link_row(&head, row)?;
        record(conn, position, &head)?;
    }
    Ok(head)
}

/// The position and link of a commit read as `position, stream, stream_version, commit_id,
/// events` (the first five columns of `row`), after `previous`.
fn link_row(previous: &Link, row: &rusqlite::Row<'_>) -> rusqlite::Result<(Position, Link)> {
    let position = row.get(0)?;
    let (stream, version, commit_id) = (stored_text(row, 1)?, row.get(2)?, stored_text(row, 3)?);
    let stored = Stored {
        position,
        stream: &stream,
        version,
        commit_id: &commit_id,
        events: &stored_bytes(row, 4)?,
    };
    Ok((position, link(previous, &stored)))
}

/// A column's bytes whatever its storage class: a value rewritten by hand may be text, not a blob.
pub fn stored_bytes(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(column)? {
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => bytes.to_vec(),
        ValueRef::Integer(n) => n.to_string().into_bytes(),
        ValueRef::Real(x) => x.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    })
}

/// A column as text, whatever its storage class (invalid UTF-8 replaced).
pub fn stored_text(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<String> {
    stored_bytes(row, column).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn to_link(bytes: &[u8]) -> Link {
    // A stored link of the wrong length never matches a computed one: verification reports it.
    let mut link = [0xff; 32];
    let n = bytes.len().min(32);
    link[..n].copy_from_slice(&bytes[..n]);
    link
}

/// Walks the whole log and its chain. Each break is reported once: the walk goes on from the
/// stored link, so one rewritten commit does not flag every commit after it.
pub fn verify(conn: &Connection) -> rusqlite::Result<ChainReport> {
    let mut walk = conn.prepare(
        "SELECT c.position, c.stream, c.stream_version, c.commit_id, c.events, chain.link
         FROM commits c LEFT JOIN chain ON chain.position = c.position
         UNION ALL
         SELECT chain.position, NULL, NULL, NULL, NULL, chain.link
         FROM chain LEFT JOIN commits c ON c.position = chain.position WHERE c.position IS NULL
         ORDER BY 1",
    )?;
    let mut rows = walk.query([])?;
    let mut report = ChainReport::default();
    let mut previous = GENESIS;
    while let Some(row) = rows.next()? {
        let position: Position = row.get(0)?;
        let stored: Option<Vec<u8>> = row.get(5)?;
        if row.get::<_, Option<String>>(1)?.is_none() {
            report.breaks.push(Break {
                position,
                what: "the commit is missing: it was removed",
            });
            previous = stored.as_deref().map_or(previous, to_link);
            continue;
        }
        report.commits += 1;
        let (_, expected) = link_row(&previous, row)?;
        previous = match stored {
            None => {
                report.breaks.push(Break {
                    position,
                    what: "the commit has no link: it was inserted by hand",
                });
                expected
            }
            Some(stored) if to_link(&stored) != expected => {
                report.breaks.push(Break {
                    position,
                    what: "the commit does not match its link: it was rewritten, or one before it was removed",
                });
                to_link(&stored)
            }
            Some(stored) => to_link(&stored),
        };
    }
    Ok(report)
}

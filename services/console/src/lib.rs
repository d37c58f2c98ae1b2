//! The pages (docs/console.md): plain HTML, CSS and JavaScript modules from `assets/`, built into
//! the binary by `build.rs`.
//!
//! - [`Console::serve`]: the router's fallback; a URL path `P` is `assets/P` or `assets/P.html`,
//!   `/` is `index.html`. `None` for anything that is not a page (`/api/...`, other methods,
//!   unknown files), which the caller answers with its own 404.
//! - [`Console::from_env`]: `QUICKCLEAR_CONSOLE_DIR` serves the files from disk on every request
//!   instead of the embedded copies, for working on the pages without rebuilding.
//! - [`Console::with_tile_origin`]: the maps' tile server (`--tile-url`), whose images the
//!   Content-Security-Policy then allows; without one, pages load images from themselves only.
//! - `kind`: content types and ETags, shared with `build.rs`; `respond`: the headers.

mod kind;
mod respond;

use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

/// Development override: serve the pages from this directory instead of the embedded copies.
pub const DIR_VARIABLE: &str = "QUICKCLEAR_CONSOLE_DIR";

struct Asset {
    path: &'static str,
    bytes: &'static [u8],
    content_type: &'static str,
    etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// One file, ready to answer with.
struct File {
    path: String,
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
    etag: Cow<'static, str>,
}

/// Where the pages come from.
#[derive(Clone, Debug, Default)]
pub struct Console {
    /// `None`: the copies built into the binary.
    dir: Option<Arc<PathBuf>>,
    /// The HTML pages' Content-Security-Policy when it differs from the default (a tile server).
    policy: Option<HeaderValue>,
}

impl Console {
    /// The embedded pages.
    pub fn embedded() -> Self {
        Self::default()
    }

    /// The pages from `dir`, read on every request.
    pub fn from_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(Arc::new(dir.into())),
            policy: None,
        }
    }

    /// Lets the pages load images (map tiles) from `origin`, a `scheme://host[:port]` such as
    /// `https://tiles.example.org`. Refused (`Err` with the reason) for anything else, so the
    /// policy cannot be widened by accident.
    pub fn with_tile_origin(mut self, origin: &str) -> Result<Self, String> {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .ok_or_else(|| format!("the tile origin {origin:?} is not http:// or https://"))?;
        let plain = !rest.is_empty()
            && rest.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
            });
        if !plain {
            return Err(format!(
                "the tile origin {origin:?} is not a plain scheme://host[:port]"
            ));
        }
        let policy = respond::content_security_policy(Some(origin));
        self.policy = Some(HeaderValue::from_str(&policy).map_err(|e| e.to_string())?);
        Ok(self)
    }

    /// The directory in `QUICKCLEAR_CONSOLE_DIR` if set, else the embedded pages.
    pub fn from_env() -> Self {
        match std::env::var_os(DIR_VARIABLE) {
            Some(dir) if !dir.is_empty() => {
                let dir = PathBuf::from(dir);
                tracing::info!(dir = %dir.display(), "serving the pages from disk");
                Self::from_dir(dir)
            }
            _ => Self::embedded(),
        }
    }

    /// The page or file for `request`, or `None` when it is not one of ours.
    pub async fn serve(&self, request: Request) -> Option<Response> {
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let candidates = candidates(request.uri().path())?;
        let file = match &self.dir {
            None => candidates.iter().find_map(|name| embedded(name)),
            Some(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    candidates.iter().find_map(|name| from_disk(&dir, name))
                })
                .await
                .ok()
                .flatten()
            }
        }?;
        Some(respond::respond(
            &file,
            request.headers(),
            self.policy.as_ref(),
        ))
    }
}

/// The asset names a URL path may mean, or `None` for a path that cannot be a page: under `/api/`,
/// or with a segment that is empty, hidden (`.`, `..`, `.git`) or has characters asset names never
/// have (which also rules out `%`-encoded traversal and backslashes).
fn candidates(path: &str) -> Option<Vec<String>> {
    let relative = path.strip_prefix('/')?;
    if relative.is_empty() {
        return Some(vec!["index.html".to_owned()]);
    }
    let segments: Vec<&str> = relative.split('/').collect();
    if segments[0] == "api" {
        return None;
    }
    let safe = |segment: &&str| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    if !segments.iter().all(safe) {
        return None;
    }
    Some(vec![relative.to_owned(), format!("{relative}.html")])
}

fn embedded(name: &str) -> Option<File> {
    let index = ASSETS.binary_search_by(|a| a.path.cmp(name)).ok()?;
    let asset = &ASSETS[index];
    Some(File {
        path: asset.path.to_owned(),
        bytes: Cow::Borrowed(asset.bytes),
        content_type: asset.content_type,
        etag: Cow::Borrowed(asset.etag),
    })
}

fn from_disk(dir: &std::path::Path, name: &str) -> Option<File> {
    let path = dir.join(name);
    if !path.is_file() {
        return None;
    }
    match std::fs::read(&path) {
        Ok(bytes) => Some(File {
            path: name.to_owned(),
            content_type: kind::content_type(name),
            etag: Cow::Owned(kind::etag(&bytes)),
            bytes: Cow::Owned(bytes),
        }),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read a page");
            None
        }
    }
}

#[cfg(test)]
mod tests;

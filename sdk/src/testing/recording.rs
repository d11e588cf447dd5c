//! Recorded back-end answers: a TOML file of exchanges, each body inline or in a file beside
//! it. `agora-portal channel record` writes them from a real back-end; the fake host replays
//! them to a channel's `backend::fetch` in native tests.
//!
//! ```toml
//! [[exchange]]
//! backend = "feed"              # the manifest's [backends.feed]
//! method = "GET"
//! path = "/rss.xml"             # as the channel asks it: empty, /… or ?…
//! status = 200
//! headers = [["content-type", "application/rss+xml"]]
//! body_file = "feed.rss.xml"    # beside this file; or `body = "…"` for text
//! # request_contains = "<codEtu>21900456</codEtu>"  # only a request whose body holds this
//! ```
//!
//! Two requests to one path (SOAP services answer every call on one URL) are told apart by
//! `request_contains`: an exchange with it answers only a request whose body holds that
//! text, and is preferred to one without.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One request and the back-end's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The back-end's name in the manifest.
    pub backend: String,
    /// `GET`, `HEAD`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// Path and query as the channel asks them.
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The answer's body.
    pub body: Vec<u8>,
    /// Text the request's body must hold for this exchange to answer it (none: any).
    pub request_contains: Option<String>,
}

/// A set of exchanges, as read from or written to one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recording {
    /// The exchanges, in the order recorded.
    pub exchanges: Vec<Exchange>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "exchange")]
    exchanges: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    backend: String,
    #[serde(default = "get")]
    method: String,
    path: String,
    #[serde(default = "ok")]
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_contains: Option<String>,
}

fn get() -> String {
    "GET".into()
}

fn ok() -> u16 {
    200
}

/// Why a recording could not be read or written; names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingError(pub String);

impl std::fmt::Display for RecordingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RecordingError {}

impl Recording {
    /// One exchange answering `GET path` on `backend` with 200 and `body`.
    pub fn get(backend: &str, path: &str, body: impl Into<Vec<u8>>) -> Recording {
        Recording {
            exchanges: vec![Exchange {
                backend: backend.into(),
                method: "GET".into(),
                path: path.into(),
                status: 200,
                headers: Vec::new(),
                body: body.into(),
                request_contains: None,
            }],
        }
    }

    /// Read a recording file (bodies in files are read relative to its folder).
    pub fn load(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
        let path = path.as_ref();
        let err = |why: String| RecordingError(format!("{}: {why}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let file: File = toml::from_str(&text).map_err(|e| err(e.message().to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut exchanges = Vec::new();
        for (i, e) in file.exchanges.into_iter().enumerate() {
            let body = match (e.body, e.body_file) {
                (Some(text), None) => text.into_bytes(),
                (None, Some(file)) => {
                    let at = dir.join(&file);
                    std::fs::read(&at)
                        .map_err(|x| err(format!("exchange {}: body_file {}: {x}", i + 1, at.display())))?
                }
                (None, None) => Vec::new(),
                (Some(_), Some(_)) => return Err(err(format!("exchange {}: body and body_file both set", i + 1))),
            };
            exchanges.push(Exchange {
                backend: e.backend,
                method: e.method.to_ascii_uppercase(),
                path: e.path,
                status: e.status,
                headers: e.headers,
                body,
                request_contains: e.request_contains,
            });
        }
        Ok(Recording { exchanges })
    }

    /// Write this recording as `file` (a `.toml`), each body beside it as
    /// `<file stem>.<n>.body`; returns the files written.
    pub fn save(&self, file: impl AsRef<Path>) -> Result<Vec<PathBuf>, RecordingError> {
        let file = file.as_ref();
        let err = |why: String| RecordingError(format!("{}: {why}", file.display()));
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("recording");
        let mut written = Vec::new();
        let mut entries = Vec::new();
        for (i, x) in self.exchanges.iter().enumerate() {
            let body_name = PathBuf::from(format!("{stem}.{}.body", i + 1));
            let at = dir.join(&body_name);
            std::fs::write(&at, &x.body).map_err(|e| err(format!("{}: {e}", at.display())))?;
            written.push(at);
            entries.push(Entry {
                backend: x.backend.clone(),
                method: x.method.clone(),
                path: x.path.clone(),
                status: x.status,
                headers: x.headers.clone(),
                body: None,
                body_file: Some(body_name),
                request_contains: x.request_contains.clone(),
            });
        }
        let text = toml::to_string_pretty(&File { exchanges: entries }).map_err(|e| err(e.to_string()))?;
        let text = format!("# Back-end answers replayed by agora_channel_sdk::testing (see its docs).\n{text}");
        std::fs::write(file, text).map_err(|e| err(e.to_string()))?;
        written.push(file.to_path_buf());
        Ok(written)
    }
}

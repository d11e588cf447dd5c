//! The signed-in person's agenda, address book and files on the institution's DAV server
//! (`agora:channel/dav@0.3.0`, granted by `[dav]`): the host reads CalDAV, CardDAV and
//! WebDAV with its own credential and hands typed values; the channel never sees XML,
//! iCalendar, vCard, a password or a ticket.

use crate::bindings::agora::channel0_3_0::dav as wit;
use crate::error::ChannelError;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// `UID`.
    pub uid: String,
    /// Title.
    pub summary: String,
    /// Place (empty when none).
    pub location: String,
    /// Description, truncated (empty when none).
    pub description: String,
    /// Start, ms since the epoch (all day: 00:00 UTC of the day).
    pub start_unix_ms: i64,
    /// End (exclusive).
    pub end_unix_ms: i64,
    /// A day rather than a time: show it as a date, without converting it to a zone.
    pub all_day: bool,
}

/// One contact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// Name as shown.
    pub full_name: String,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Organisation (empty when none).
    pub organisation: String,
}

/// One document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    /// File name.
    pub name: String,
    /// Absolute URL that opens it.
    pub href: String,
    /// Media type (empty when unknown).
    pub content_type: String,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// Last modified, ms since the epoch (0 when unknown).
    pub modified_unix_ms: i64,
}

/// Why the DAV server could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DavError {
    /// Not granted by `[dav]`, no DAV server on this portal, or nobody signed in.
    NotGranted(String),
    /// The server refused the portal's credential.
    AuthFailed(String),
    /// The server is down, slow or answered something unreadable.
    Unavailable(String),
}

impl std::fmt::Display for DavError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DavError::NotGranted(m) => write!(f, "dav not available: {m}"),
            DavError::AuthFailed(m) => write!(f, "dav login refused: {m}"),
            DavError::Unavailable(m) => write!(f, "dav: {m}"),
        }
    }
}

impl From<DavError> for ChannelError {
    fn from(e: DavError) -> Self {
        match e {
            DavError::NotGranted(_) => ChannelError::not_applicable(e.to_string()),
            DavError::AuthFailed(_) | DavError::Unavailable(_) => ChannelError::backend_unavailable(e.to_string()),
        }
    }
}

fn error(e: wit::DavError) -> DavError {
    match e {
        wit::DavError::NotGranted(m) => DavError::NotGranted(m),
        wit::DavError::AuthFailed(m) => DavError::AuthFailed(m),
        wit::DavError::Unavailable(m) => DavError::Unavailable(m),
    }
}

/// Events overlapping `[from_unix_ms, to_unix_ms)`, earliest first, at most `max` (≤ 100).
pub fn events(from_unix_ms: i64, to_unix_ms: i64, max: u32) -> Result<Vec<Event>, DavError> {
    let found = crate::host::dav_events(from_unix_ms, to_unix_ms, max).map_err(error)?;
    Ok(found
        .into_iter()
        .map(|e| Event {
            uid: e.uid,
            summary: e.summary,
            location: e.location,
            description: e.description,
            start_unix_ms: e.start_unix_ms,
            end_unix_ms: e.end_unix_ms,
            all_day: e.all_day,
        })
        .collect())
}

/// Contacts whose name, e-mail or organisation contains `query` (empty: all), by name.
pub fn contacts(query: &str, max: u32) -> Result<Vec<Contact>, DavError> {
    let found = crate::host::dav_contacts(query, max).map_err(error)?;
    Ok(found
        .into_iter()
        .map(|c| Contact {
            full_name: c.full_name,
            emails: c.emails,
            phones: c.phones,
            organisation: c.organisation,
        })
        .collect())
}

/// Documents of the person's home collection, newest first, at most `max` (≤ 100).
pub fn files(max: u32) -> Result<Vec<File>, DavError> {
    let found = crate::host::dav_files(max).map_err(error)?;
    Ok(found
        .into_iter()
        .map(|f| File {
            name: f.name,
            href: f.href,
            content_type: f.content_type,
            size: f.size,
            modified_unix_ms: f.modified_unix_ms,
        })
        .collect())
}

//! `agora:channel/dav` (0.3): the signed-in person's events, contacts and files on the
//! institution's DAV server, read by the portal's [`DavService`] with a credential the
//! channel never sees (a service account or a CAS proxy ticket) and parsed by the host
//! (XML, iCalendar, vCard): the channel gets typed values. Each call counts against
//! `limits.requests`; what `[dav]` does not grant is refused with the key to add.

use super::shape::{Capability, Getter, HasView, View};
use crate::bindings::v0_3::agora::channel0_3_0::dav::{self as wit, DavError, Host};
use crate::manifest::{ChannelManifest, DavGrant, ManifestError};
use std::sync::Arc;
use wasmtime::component::{Component, Linker};

/// Most items one call returns, whatever the channel asks.
pub const MAX_ITEMS: u32 = 100;

/// One event of the person's calendars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavEvent {
    /// `UID`.
    pub uid: String,
    /// `SUMMARY`.
    pub summary: String,
    /// `LOCATION` (empty when none).
    pub location: String,
    /// `DESCRIPTION`, truncated (empty when none).
    pub description: String,
    /// Start, ms since the epoch (all-day: 00:00 UTC of the day).
    pub start_unix_ms: i64,
    /// End (exclusive), ms since the epoch.
    pub end_unix_ms: i64,
    /// A day, not a time.
    pub all_day: bool,
}

/// One card of the person's address books.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DavContact {
    /// `FN`.
    pub full_name: String,
    /// `EMAIL`s.
    pub emails: Vec<String>,
    /// `TEL`s.
    pub phones: Vec<String>,
    /// `ORG`.
    pub organisation: String,
}

/// One document of the person's home collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavFile {
    /// Last path segment, decoded.
    pub name: String,
    /// Absolute URL that opens it.
    pub href: String,
    /// `getcontenttype`.
    pub content_type: String,
    /// `getcontentlength`.
    pub size: u64,
    /// `getlastmodified`, ms since the epoch (0 when unknown).
    pub modified_unix_ms: i64,
}

/// Why the DAV server could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DavFailure {
    /// The server refused the credential.
    AuthFailed(String),
    /// The server is down, slow, or answered something unreadable.
    Unavailable(String),
}

/// The signed-in person's DAV collections, read by the portal.
pub trait DavService: Send + Sync {
    /// Events overlapping `[from, to)` (ms), earliest first, at most `max`.
    fn events(
        &self,
        from_ms: i64,
        to_ms: i64,
        max: u32,
    ) -> futures::future::BoxFuture<'_, Result<Vec<DavEvent>, DavFailure>>;
    /// Cards matching `query` (empty: all), by name, at most `max`.
    fn contacts<'a>(
        &'a self,
        query: &'a str,
        max: u32,
    ) -> futures::future::BoxFuture<'a, Result<Vec<DavContact>, DavFailure>>;
    /// Documents of the home collection, newest first, at most `max`.
    fn files(&self, max: u32) -> futures::future::BoxFuture<'_, Result<Vec<DavFile>, DavFailure>>;
}

/// The dav capability.
pub struct Dav;

/// Per-render state: the grant (if any) and the person's DAV service (if any).
pub struct DavState {
    grant: Option<Arc<DavGrant>>,
    service: Option<Arc<dyn DavService>>,
}

impl Capability for Dav {
    const INTERFACE: &'static str = "agora:channel/dav";
    type Grant = Option<Arc<DavGrant>>;
    type Hook = Option<Arc<dyn DavService>>;
    type State = DavState;

    fn grant(manifest: &ChannelManifest) -> Result<Option<Arc<DavGrant>>, ManifestError> {
        match &manifest.dav {
            Some(d) if !(d.calendars || d.contacts || d.files) => Err(super::shape::grant_error(
                manifest,
                "dav",
                "grant at least one of calendars = true, contacts = true, files = true",
            )),
            other => Ok(other.clone().map(Arc::new)),
        }
    }

    fn prepare(grant: &Option<Arc<DavGrant>>, service: Option<Arc<dyn DavService>>) -> DavState {
        DavState {
            grant: grant.clone(),
            service,
        }
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, DavState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<DavState>>(linker, get)
    }
}

impl View<'_, DavState> {
    /// The service, when the budget allows, `[dav] <key>` grants and a server is bound.
    fn service(&mut self, key: &str, granted: fn(&DavGrant) -> bool) -> Result<Arc<dyn DavService>, DavError> {
        if self.ledger.take_request().is_err() {
            return Err(DavError::Unavailable("request budget of this render spent".into()));
        }
        if !self.state.grant.as_deref().is_some_and(granted) {
            let msg = format!("add {key} = true to [dav] in channel.toml (world agora:channel/channel@0.3.0)");
            self.ledger.refuse(&format!("dav {key}: {msg}"));
            return Err(DavError::NotGranted(msg));
        }
        self.state.service.clone().ok_or_else(|| {
            DavError::NotGranted(
                "no DAV server is configured on this portal ([dav] in portal.toml), or nobody is signed in".into(),
            )
        })
    }
}

/// The WIT error of a failure, counted.
fn failed(what: &'static str, failure: DavFailure) -> DavError {
    let (outcome, error) = match failure {
        DavFailure::AuthFailed(m) => ("auth_failed", DavError::AuthFailed(m)),
        DavFailure::Unavailable(m) => ("unavailable", DavError::Unavailable(m)),
    };
    metrics::counter!("agora_dav_requests_total", "call" => what, "outcome" => outcome).increment(1);
    error
}

/// Count a success.
fn ok<T>(what: &'static str, value: T) -> T {
    metrics::counter!("agora_dav_requests_total", "call" => what, "outcome" => "ok").increment(1);
    value
}

impl Host for View<'_, DavState> {
    async fn events(&mut self, from_unix_ms: i64, to_unix_ms: i64, max: u32) -> Result<Vec<wit::Event>, DavError> {
        let dav = self.service("calendars", |g| g.calendars)?;
        let found = self
            .ledger
            .host_work(dav.events(from_unix_ms, to_unix_ms, max.min(MAX_ITEMS)))
            .await;
        let found = found.map_err(|f| failed("events", f))?;
        Ok(ok(
            "events",
            found
                .into_iter()
                .map(|e| wit::Event {
                    uid: e.uid,
                    summary: e.summary,
                    location: e.location,
                    description: e.description,
                    start_unix_ms: e.start_unix_ms,
                    end_unix_ms: e.end_unix_ms,
                    all_day: e.all_day,
                })
                .collect(),
        ))
    }

    async fn contacts(&mut self, query: String, max: u32) -> Result<Vec<wit::Contact>, DavError> {
        let dav = self.service("contacts", |g| g.contacts)?;
        let query: String = query.chars().take(64).collect();
        let found = self.ledger.host_work(dav.contacts(&query, max.min(MAX_ITEMS))).await;
        let found = found.map_err(|f| failed("contacts", f))?;
        Ok(ok(
            "contacts",
            found
                .into_iter()
                .map(|c| wit::Contact {
                    full_name: c.full_name,
                    emails: c.emails,
                    phones: c.phones,
                    organisation: c.organisation,
                })
                .collect(),
        ))
    }

    async fn files(&mut self, max: u32) -> Result<Vec<wit::File>, DavError> {
        let dav = self.service("files", |g| g.files)?;
        let found = self.ledger.host_work(dav.files(max.min(MAX_ITEMS))).await;
        let found = found.map_err(|f| failed("files", f))?;
        Ok(ok(
            "files",
            found
                .into_iter()
                .map(|f| wit::File {
                    name: f.name,
                    href: f.href,
                    content_type: f.content_type,
                    size: f.size,
                    modified_unix_ms: f.modified_unix_ms,
                })
                .collect(),
        ))
    }
}

//! Native tests of a channel: `cargo test` renders it without a portal.
//!
//! With the `testing` feature, off wasm, every call a channel makes to the host is answered
//! by a fake host that keeps the manifest's grants: a [`Persona`] (only the attributes
//! `[attributes] read` grants), [`Recording`]s of back-end answers (only the back-ends
//! `[backends.*]` declares, within `[limits] requests`), the channel's cache (kept across the
//! renders of one [`Harness`]), request parameters, the page language and the clock, people
//! for the directory, a mailbox. The configuration is the manifest's defaults with the
//! test's values on top, as the portal decodes it.
//!
//! ```toml
//! # the channel's Cargo.toml
//! [dev-dependencies]
//! agora-channel-sdk = { version = "0.1", features = ["testing"] }
//! ```
//!
//! ```ignore
//! use agora_channel_sdk::testing::{Harness, Persona, Recording};
//!
//! #[test]
//! fn the_feed_is_listed() {
//!     let page = Harness::new(env!("CARGO_MANIFEST_DIR"))
//!         .persona(Persona::from_ldif_file("tests/fixtures/people.ldif", "alice.martin").unwrap())
//!         .locale("en")
//!         .config("max_items", 3)
//!         .recording(Recording::load("tests/fixtures/feed.toml").unwrap())
//!         .render::<MyChannel>();
//!     assert!(page.html().contains("Exam timetable published"));
//! }
//! ```
//!
//! What the fake host does not do is the portal's job after a render: sanitising the HTML
//! (`page.html()` is what the channel returned), caching renders, budgets of CPU, memory and
//! time. Those are tested by deploying the package (`agora-portal channel dev`).

pub(crate) mod dav;
pub(crate) mod fake;
mod manifest;
mod persona;
mod recording;

pub use persona::{Persona, entries as ldif_entries};
pub use recording::{Exchange, Recording, RecordingError};

use crate::bindings::{agora::channel0_1_0::mail as wit_mail, agora::channel0_2_0::context::RenderContext};
use crate::notify::Notification;
use crate::{Channel, ChannelError, ErrorKind, Output, SearchItem};
use fake::World;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lower case with accents removed, for the fake directory's name matching.
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'í' | 'Î' | 'Ï' | 'Í' => 'i',
            'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' | 'Ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => 'u',
            'ç' | 'Ç' => 'c',
            'ÿ' | 'Ÿ' => 'y',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A channel's renders in a test: one manifest, one person, one set of back-end answers.
/// Builder methods panic with a clear message on a bad fixture (the test fails there).
#[derive(Debug)]
pub struct Harness {
    dir: PathBuf,
    world: Option<World>,
    overrides: BTreeMap<String, serde_json::Value>,
    locale: String,
    publication: String,
    signed_in: bool,
    portal_url: String,
    time_zone: String,
}

impl Harness {
    /// A harness for the channel whose `channel.toml` is in `crate_dir` (pass
    /// `env!("CARGO_MANIFEST_DIR")`): its grants and configuration defaults apply. The page
    /// is French, signed in, at 2026-09-01T08:00:00Z, for a person with uid `test.user`.
    pub fn new(crate_dir: impl AsRef<Path>) -> Harness {
        let dir = crate_dir.as_ref().to_path_buf();
        let manifest = manifest::Manifest::load(&dir.join("channel.toml"))
            .unwrap_or_else(|e| panic!("cannot read the channel's manifest: {e}"));
        let publication = manifest.id.clone();
        Harness {
            dir,
            world: Some(World {
                manifest,
                attributes: Persona::new("test.user").attributes,
                now_unix_ms: 1_788_249_600_000,
                ..World::default()
            }),
            overrides: BTreeMap::new(),
            locale: "fr".into(),
            publication,
            signed_in: true,
            portal_url: "https://ent.example.edu/".into(),
            time_zone: "Europe/Paris".into(),
        }
    }

    fn world(&mut self) -> &mut World {
        self.world.get_or_insert_with(World::default)
    }

    /// Render for `persona`.
    pub fn persona(mut self, persona: Persona) -> Harness {
        self.world().attributes = persona.attributes;
        self.signed_in = true;
        self
    }

    /// Render the guest page (no one signed in, no attributes).
    pub fn guest(mut self) -> Harness {
        self.world().attributes.clear();
        self.signed_in = false;
        self
    }

    /// The page's language tag (`fr`, `en`, `en-GB`…).
    pub fn locale(mut self, tag: &str) -> Harness {
        self.locale = tag.into();
        self
    }

    /// The institution's time zone the render is told (`Europe/Paris` by default).
    pub fn time_zone(mut self, zone: &str) -> Harness {
        self.time_zone = zone.into();
        self
    }

    /// The render's clock, milliseconds since the Unix epoch.
    pub fn now_unix_ms(mut self, ms: i64) -> Harness {
        self.world().now_unix_ms = ms;
        self
    }

    /// The publication's id (the manifest's channel id by default).
    pub fn publication(mut self, id: &str) -> Harness {
        self.publication = id.into();
        self
    }

    /// Set one configuration key over the manifest's default.
    pub fn config(mut self, key: &str, value: impl Into<serde_json::Value>) -> Harness {
        self.overrides.insert(key.into(), value.into());
        self
    }

    /// Back-end answers to replay.
    pub fn recording(mut self, recording: Recording) -> Harness {
        self.world().recordings.push(recording);
        self
    }

    /// [`Recording::load`] of `file`, relative to the crate's folder.
    pub fn recording_file(self, file: &str) -> Harness {
        let path = self.dir.join(file);
        let recording = Recording::load(&path).unwrap_or_else(|e| panic!("cannot read a recording: {e}"));
        self.recording(recording)
    }

    /// `backend` does not answer (every request to it is `Unavailable`).
    pub fn backend_down(mut self, backend: &str) -> Harness {
        self.world().down.push(backend.into());
        self
    }

    /// A query parameter addressed to the channel (`?<publication>.<name>=value`), or `tab`.
    pub fn param(mut self, name: &str, value: &str) -> Harness {
        self.world().params.insert(name.into(), value.into());
        self
    }

    /// People the directory holds, for `directory::search`.
    pub fn directory(mut self, people: impl IntoIterator<Item = Persona>) -> Harness {
        self.world().people = people.into_iter().map(|p| p.attributes).collect();
        self
    }

    /// The directory does not answer (every search is `Unavailable`).
    pub fn directory_down(mut self) -> Harness {
        self.world().directory_down = true;
        self
    }

    /// The person's mailbox `name`, for `mail::summary`.
    pub fn mailbox(mut self, summary: crate::mail::Summary) -> Harness {
        let s = wit_mail::MailboxSummary {
            mailbox: summary.mailbox.clone(),
            messages: summary.messages,
            unseen: summary.unseen,
            latest: summary
                .latest
                .into_iter()
                .map(|m| wit_mail::Message {
                    uid: m.uid,
                    from: m.from,
                    subject: m.subject,
                    date: m.date,
                    seen: m.seen,
                })
                .collect(),
        };
        self.world().mailboxes.insert(summary.mailbox, s);
        self
    }

    /// The mail server refuses the host's credentials.
    pub fn mail_refused(mut self) -> Harness {
        self.world().mail_error = Some(wit_mail::MailError::AuthFailed("testing: login refused".into()));
        self
    }

    fn context(&self) -> RenderContext {
        let config = self
            .world
            .as_ref()
            .map(|w| w.manifest.config(&self.overrides))
            .unwrap_or_default();
        RenderContext {
            publication: self.publication.clone(),
            locale: self.locale.clone(),
            now_unix_ms: self.world.as_ref().map_or(0, |w| w.now_unix_ms),
            time_zone: self.time_zone.clone(),
            tab: self.world.as_ref().and_then(|w| w.params.get("tab").cloned()),
            signed_in: self.signed_in,
            config_json: config.to_string(),
            portal_url: self.portal_url.clone(),
        }
    }

    fn run<R>(&mut self, f: impl FnOnce(RenderContext) -> R) -> (R, Record) {
        let ctx = self.context();
        let mut world = self.world.take().unwrap_or_default();
        // Each render starts its own records and budget; the cache is kept.
        world.requests_made = 0;
        world.fetched.clear();
        world.logs.clear();
        world.notifications.clear();
        world.refusals.clear();
        let (out, world) = fake::with_world(world, || f(ctx));
        let record = Record {
            fetched: world.fetched.clone(),
            logs: world.logs.clone(),
            notifications: world.notifications.clone(),
            refusals: world.refusals.clone(),
        };
        self.world = Some(world);
        (out, record)
    }

    /// Render the channel `C` once. The harness may render again (the cache is kept).
    pub fn render<C: Channel>(&mut self) -> Rendered {
        let (result, record) = self.run(|ctx| crate::__render::<C>(ctx));
        Rendered {
            result: result
                .map(|o| Output {
                    html: o.html,
                    title: o.title,
                })
                .map_err(ChannelError::from_wit),
            record,
        }
    }

    /// Ask the channel `C` what matches `query`, as the portal's search field does, and keep
    /// what the portal would keep: none without `[search]` in the manifest, at most its
    /// `max_results`, items with a title and a link on the portal (`/…`) or over https,
    /// titles cut to 120 characters and descriptions to 300.
    pub fn search<C: Channel>(&mut self, query: &str) -> Result<Vec<SearchItem>, ChannelError> {
        let max = self.world.as_ref().and_then(|w| w.manifest.search);
        let (result, _) = self.run(|ctx| crate::__search::<C>(ctx, query.to_string()));
        let items = result.map_err(ChannelError::from_wit)?;
        let Some(max) = max else {
            return Ok(Vec::new());
        };
        // The host's rule (`acceptable_link`): a path on the portal, or https with a host; no
        // control character or backslash; at most 1 KiB.
        let sound = |link: &str| {
            let clean = link.len() <= 1024 && !link.chars().any(|c| c.is_control() || c == '\\');
            let on_portal = link.starts_with('/') && !link.starts_with("//");
            let https = link
                .strip_prefix("https://")
                .is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '?', '#']));
            clean && (on_portal || https)
        };
        Ok(items
            .into_iter()
            .filter(|i| !i.title.trim().is_empty() && sound(&i.link))
            .take(max as usize)
            .map(|i| SearchItem {
                title: i.title.trim().chars().take(120).collect(),
                description: i.description.trim().chars().take(300).collect(),
                link: i.link,
            })
            .collect())
    }
}

/// What a render did besides its output.
#[derive(Debug, Clone, Default)]
struct Record {
    fetched: Vec<String>,
    logs: Vec<(String, String)>,
    notifications: Vec<Notification>,
    refusals: Vec<String>,
}

/// One render's outcome in a test.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// What the channel returned.
    pub result: Result<Output, ChannelError>,
    record: Record,
}

impl Rendered {
    /// The HTML the channel returned; panics with the channel's error when it failed.
    pub fn html(&self) -> &str {
        match &self.result {
            Ok(out) => &out.html,
            Err(e) => panic!("the channel failed instead of rendering: {e}"),
        }
    }

    /// The HTML's text: tags removed, the five basic entities decoded, white space collapsed.
    /// For assertions on what a person reads.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in self.html().chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    out.push(' ');
                }
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        let out = out
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The title the channel set, if any.
    pub fn title(&self) -> Option<&str> {
        self.result.as_ref().ok().and_then(|o| o.title.as_deref())
    }

    /// The kind of failure; panics when the channel rendered.
    pub fn error_kind(&self) -> ErrorKind {
        match &self.result {
            Ok(_) => panic!("the channel rendered instead of failing"),
            Err(e) => e.kind,
        }
    }

    /// The back-end requests made, as `METHOD backend path`, in order.
    pub fn fetched(&self) -> &[String] {
        &self.record.fetched
    }

    /// The channel's log lines, as `(level, message)`.
    pub fn logs(&self) -> &[(String, String)] {
        &self.record.logs
    }

    /// The notifications raised (kept by the portal only when the render succeeds).
    pub fn notifications(&self) -> &[Notification] {
        &self.record.notifications
    }

    /// What the fake host refused (an ungranted attribute, an undeclared back-end…), as the
    /// portal would report to an administrator.
    pub fn refusals(&self) -> &[String] {
        &self.record.refusals
    }
}

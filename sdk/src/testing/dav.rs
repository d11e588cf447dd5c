//! The fake DAV server of native tests: the person's events, contacts and files as the host
//! would hand them, within `[dav]`'s grants, or a refusal or an outage.

use super::Harness;
use crate::bindings::agora::channel0_3_0::dav as wit;
use crate::dav::{Contact, Event, File};

/// What the fake host answers for `dav`.
#[derive(Debug, Default)]
pub(crate) struct FakeDav {
    /// Set by the harness: a server is bound.
    pub bound: bool,
    pub events: Vec<wit::Event>,
    pub contacts: Vec<wit::Contact>,
    pub files: Vec<wit::File>,
    pub error: Option<wit::DavError>,
}

impl Harness {
    /// The person's events (the host filters them by the asked range and sorts them).
    pub fn events(mut self, events: impl IntoIterator<Item = Event>) -> Harness {
        let dav = &mut self.world().dav;
        dav.bound = true;
        dav.events = events
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
            .collect();
        self
    }

    /// The person's contacts (the host filters them by the query, accent-blind).
    pub fn contacts(mut self, contacts: impl IntoIterator<Item = Contact>) -> Harness {
        let dav = &mut self.world().dav;
        dav.bound = true;
        dav.contacts = contacts
            .into_iter()
            .map(|c| wit::Contact {
                full_name: c.full_name,
                emails: c.emails,
                phones: c.phones,
                organisation: c.organisation,
            })
            .collect();
        self
    }

    /// The person's files (the host sorts them, newest first).
    pub fn files(mut self, files: impl IntoIterator<Item = File>) -> Harness {
        let dav = &mut self.world().dav;
        dav.bound = true;
        dav.files = files
            .into_iter()
            .map(|f| wit::File {
                name: f.name,
                href: f.href,
                content_type: f.content_type,
                size: f.size,
                modified_unix_ms: f.modified_unix_ms,
            })
            .collect();
        self
    }

    /// The DAV server refuses the portal's credential.
    pub fn dav_refused(mut self) -> Harness {
        let dav = &mut self.world().dav;
        dav.bound = true;
        dav.error = Some(wit::DavError::AuthFailed("testing: credential refused".into()));
        self
    }

    /// The DAV server is down.
    pub fn dav_down(mut self) -> Harness {
        let dav = &mut self.world().dav;
        dav.bound = true;
        dav.error = Some(wit::DavError::Unavailable(
            "testing: the DAV server cannot be reached".into(),
        ));
        self
    }
}

use super::fold;

/// The checks the host makes before answering: budget, grant, a bound server.
fn answer<T>(
    granted: impl Fn(&super::manifest::Manifest) -> bool,
    key: &str,
    f: impl FnOnce(&FakeDav) -> T,
) -> Result<T, wit::DavError> {
    super::fake::world(|w| {
        w.requests_made += 1;
        if w.requests_made > w.manifest.requests {
            return Err(wit::DavError::Unavailable("request budget of this render spent".into()));
        }
        if !granted(&w.manifest) {
            w.refusals.push(format!("dav {key}: add {key} = true to [dav]"));
            return Err(wit::DavError::NotGranted(format!(
                "add {key} = true to [dav] in channel.toml"
            )));
        }
        if !w.dav.bound {
            return Err(wit::DavError::NotGranted(
                "no DAV server is bound (testing: none given)".into(),
            ));
        }
        if let Some(e) = w.dav.error.clone() {
            return Err(e);
        }
        Ok(f(&w.dav))
    })
}

/// `dav.events`.
pub fn dav_events(from: i64, to: i64, max: u32) -> Result<Vec<wit::Event>, wit::DavError> {
    answer(
        |m| m.dav.0,
        "calendars",
        |d| {
            let mut found: Vec<wit::Event> = d
                .events
                .iter()
                .filter(|e| e.start_unix_ms < to && (e.end_unix_ms > from || e.start_unix_ms >= from))
                .cloned()
                .collect();
            found.sort_by_key(|e| e.start_unix_ms);
            found.truncate(max.min(100) as usize);
            found
        },
    )
}

/// `dav.contacts`.
pub fn dav_contacts(query: &str, max: u32) -> Result<Vec<wit::Contact>, wit::DavError> {
    let wanted = fold(query.trim());
    answer(
        |m| m.dav.1,
        "contacts",
        |d| {
            let mut found: Vec<wit::Contact> = d
                .contacts
                .iter()
                .filter(|c| {
                    wanted.is_empty()
                        || fold(&c.full_name).contains(&wanted)
                        || fold(&c.organisation).contains(&wanted)
                        || c.emails.iter().any(|e| fold(e).contains(&wanted))
                })
                .cloned()
                .collect();
            found.sort_by_key(|c| fold(&c.full_name));
            found.truncate(max.min(100) as usize);
            found
        },
    )
}

/// `dav.files`.
pub fn dav_files(max: u32) -> Result<Vec<wit::File>, wit::DavError> {
    answer(
        |m| m.dav.2,
        "files",
        |d| {
            let mut found = d.files.clone();
            found.sort_by_key(|f| std::cmp::Reverse(f.modified_unix_ms));
            found.truncate(max.min(100) as usize);
            found
        },
    )
}

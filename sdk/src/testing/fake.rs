//! The fake host behind [`crate::host`] in native tests: one [`World`] per thread, put in
//! place by the harness for the length of one render, answering as the portal would within
//! the manifest's grants (an ungranted attribute reads empty, an undeclared back-end is
//! refused, the request budget runs out).

use super::manifest::Manifest;
use super::recording::Recording;
use crate::bindings::agora::channel0_1_0::{backend, directory, log::Level, mail, notify};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// What a render sees of the host, and what it did to it.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub manifest: Manifest,
    pub attributes: BTreeMap<String, Vec<String>>,
    pub params: BTreeMap<String, String>,
    pub recordings: Vec<Recording>,
    pub down: Vec<String>,
    pub cache: BTreeMap<String, (Vec<u8>, Option<i64>)>,
    pub now_unix_ms: i64,
    pub people: Vec<BTreeMap<String, Vec<String>>>,
    pub mailboxes: BTreeMap<String, mail::MailboxSummary>,
    pub mail_error: Option<mail::MailError>,
    pub directory_down: bool,
    pub dav: super::dav::FakeDav,
    // Records of the render.
    pub requests_made: u32,
    pub fetched: Vec<String>,
    pub logs: Vec<(String, String)>,
    pub notifications: Vec<crate::notify::Notification>,
    pub refusals: Vec<String>,
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

/// Run `f` with `world` as this thread's host, and give the world back with what the render
/// did to it.
pub(crate) fn with_world<R>(world: World, f: impl FnOnce() -> R) -> (R, World) {
    WORLD.with(|w| *w.borrow_mut() = Some(world));
    // A panicking render must not leave its world behind for the next test on this thread.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = WORLD.try_with(|w| w.borrow_mut().take());
        }
    }
    let reset = Reset;
    let out = f();
    let world = WORLD.with(|w| w.borrow_mut().take()).unwrap_or_default();
    drop(reset);
    (out, world)
}

/// Run `f` on this thread's host (a render is under way).
pub(crate) fn world<R>(f: impl FnOnce(&mut World) -> R) -> R {
    WORLD.with(|w| match w.borrow_mut().as_mut() {
        Some(world) => f(world),
        None => panic!(
            "a channel called the portal outside a render: in a native test, call it through \
             agora_channel_sdk::testing::Harness (render or search)"
        ),
    })
}

fn method_name(m: backend::Method) -> &'static str {
    match m {
        backend::Method::Get => "GET",
        backend::Method::Head => "HEAD",
        backend::Method::Post => "POST",
        backend::Method::Put => "PUT",
        backend::Method::Delete => "DELETE",
    }
}

/// `backend.fetch`: the recorded answer to the same back-end, method and path.
pub fn fetch(req: &backend::Request) -> Result<backend::Response, backend::FetchError> {
    world(|w| {
        w.requests_made += 1;
        let method = method_name(req.method);
        if !w.manifest.backends.iter().any(|b| b == &req.backend) {
            let why = format!(
                "back-end `{}` is not declared: add [backends.{}] to channel.toml",
                req.backend, req.backend
            );
            w.refusals.push(why.clone());
            return Err(backend::FetchError::NotGranted(why));
        }
        if w.requests_made > w.manifest.requests {
            w.refusals
                .push(format!("request budget of {} spent", w.manifest.requests));
            return Err(backend::FetchError::BudgetExhausted);
        }
        if !(req.path.is_empty() || req.path.starts_with('/') || req.path.starts_with('?')) {
            return Err(backend::FetchError::InvalidRequest(format!(
                "path `{}` must be empty or start with / or ?",
                req.path
            )));
        }
        if let Some((name, _)) = req.headers.iter().find(|(n, _)| {
            ["authorization", "cookie", "host"]
                .iter()
                .any(|r| n.eq_ignore_ascii_case(r))
        }) {
            return Err(backend::FetchError::InvalidRequest(format!(
                "header `{name}` is reserved to the host"
            )));
        }
        w.fetched.push(format!("{method} {} {}", req.backend, req.path));
        if w.down.iter().any(|b| b == &req.backend) {
            return Err(backend::FetchError::Unavailable(format!(
                "{} is down (testing)",
                req.backend
            )));
        }
        let sent = String::from_utf8_lossy(req.body.as_deref().unwrap_or_default()).into_owned();
        let candidates = || {
            w.recordings
                .iter()
                .flat_map(|r| r.exchanges.iter())
                .filter(|x| x.backend == req.backend && x.method.eq_ignore_ascii_case(method) && x.path == req.path)
        };
        // One that names what the request holds first, else one for any request.
        let answer = candidates()
            .find(|x| x.request_contains.as_deref().is_some_and(|t| sent.contains(t)))
            .or_else(|| candidates().find(|x| x.request_contains.is_none()));
        match answer {
            Some(x) => Ok(backend::Response {
                status: x.status,
                headers: x.headers.clone(),
                body: x.body.clone(),
            }),
            None => {
                let known: Vec<String> = w
                    .recordings
                    .iter()
                    .flat_map(|r| r.exchanges.iter())
                    .map(|x| format!("{} {} {}", x.method, x.backend, x.path))
                    .collect();
                Err(backend::FetchError::Unavailable(format!(
                    "no recorded answer for {method} {} {} (recorded: {})",
                    req.backend,
                    req.path,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )))
            }
        }
    })
}

/// `cache.get`: what an earlier render of the same harness stored, until its expiry.
pub fn cache_get(key: &str) -> Option<Vec<u8>> {
    world(|w| {
        let now = w.now_unix_ms;
        match w.cache.get(key) {
            Some((value, expiry)) if expiry.is_none_or(|e| e > now) => Some(value.clone()),
            _ => None,
        }
    })
}

/// `cache.set`, with the host's bounds (keys of 512 bytes, values of 4 MiB).
pub fn cache_set(key: &str, value: &[u8], ttl_seconds: u32) {
    world(|w| {
        if key.len() > 512 || value.len() > 4 * 1024 * 1024 {
            w.refusals.push(format!("cache entry `{key}` too large"));
            return;
        }
        let expiry = w.now_unix_ms + i64::from(ttl_seconds) * 1000;
        w.cache.insert(key.to_string(), (value.to_vec(), Some(expiry)));
    })
}

/// `person.attribute`: only what `[attributes] read` grants.
pub fn attribute(name: &str) -> Vec<String> {
    world(|w| {
        if !w.manifest.attributes.iter().any(|a| a == name) {
            w.refusals
                .push(format!("attribute `{name}` is not in [attributes] read"));
            return Vec::new();
        }
        w.attributes.get(name).cloned().unwrap_or_default()
    })
}

/// `log.log`: kept for the test to read.
pub fn log(level: Level, message: &str) {
    let level = match level {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    };
    let kept = WORLD.with(|w| match w.borrow_mut().as_mut() {
        Some(world) => {
            world.logs.push((level.to_string(), message.to_string()));
            true
        }
        None => false,
    });
    if !kept {
        eprintln!("channel log outside a render ({level}): {message}");
    }
}

/// `request.param`.
pub fn param(name: &str) -> Option<String> {
    world(|w| w.params.get(name).cloned())
}

/// `directory.search`: the harness's people whose names hold the query (accents and case
/// ignored), red list dropped, only the attributes `[directory]` lists.
pub fn directory_search(query: &str, max: u32) -> Result<Vec<directory::Entry>, directory::DirectoryError> {
    world(|w| {
        w.requests_made += 1;
        let Some(grant) = w.manifest.directory.clone() else {
            return Err(directory::DirectoryError::NotGranted(
                "add a [directory] section with the attributes to return to channel.toml".into(),
            ));
        };
        if w.directory_down {
            return Err(directory::DirectoryError::Unavailable(
                "the directory is down (testing)".into(),
            ));
        }
        if query.trim().chars().count() < 2 {
            return Err(directory::DirectoryError::InvalidQuery("at least 2 characters".into()));
        }
        let wanted = super::fold(query);
        let found = w
            .people
            .iter()
            .filter(|p| {
                !p.get("supannListeRouge")
                    .is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case("true")))
            })
            .filter(|p| {
                ["cn", "displayName", "sn", "givenName"].iter().any(|a| {
                    p.get(*a)
                        .is_some_and(|v| v.iter().any(|x| super::fold(x).contains(&wanted)))
                })
            })
            .take(max.min(grant.max_results).min(50) as usize)
            .map(|p| directory::Entry {
                attributes: grant
                    .attributes
                    .iter()
                    .filter_map(|a| p.get(a).map(|v| (a.clone(), v.clone())))
                    .collect(),
            })
            .collect();
        Ok(found)
    })
}

/// `mail.summary`: the harness's mailbox, only those `[mail] mailboxes` grants.
pub fn mail_summary(mailbox: &str, latest: u32) -> Result<mail::MailboxSummary, mail::MailError> {
    world(|w| {
        w.requests_made += 1;
        if !w.manifest.mailboxes.iter().any(|m| m == mailbox) {
            return Err(mail::MailError::NotGranted(format!(
                "mailbox `{mailbox}` is not in [mail] mailboxes"
            )));
        }
        if let Some(e) = w.mail_error.clone() {
            return Err(e);
        }
        match w.mailboxes.get(mailbox) {
            Some(summary) => {
                let mut summary = summary.clone();
                summary.latest.truncate(latest as usize);
                Ok(summary)
            }
            None => Err(mail::MailError::NotGranted(
                "no mail server is bound (testing: no mailbox given)".into(),
            )),
        }
    })
}

/// `notify.raise`, with the host's checks (grant, lengths, link, budget).
pub fn raise(n: &notify::Notification) -> Result<(), notify::NotifyError> {
    world(|w| {
        let Some(max) = w.manifest.notifications else {
            return Err(notify::NotifyError::NotGranted(
                "add a [notifications] section to channel.toml".into(),
            ));
        };
        if n.key.is_empty() || n.title.chars().count() > 120 || n.body.chars().count() > 400 {
            return Err(notify::NotifyError::Invalid(
                "a notification needs a key, at most 120 characters of title and 400 of body".into(),
            ));
        }
        if n.link
            .as_deref()
            .is_some_and(|l| !(l.starts_with('/') && !l.starts_with("//") || l.starts_with("https://")))
        {
            return Err(notify::NotifyError::Invalid(
                "a link is a path on the portal or an https URL".into(),
            ));
        }
        if w.notifications.len() as u32 >= max {
            return Err(notify::NotifyError::BudgetExhausted);
        }
        w.notifications.push(crate::notify::Notification {
            key: n.key.clone(),
            title: n.title.clone(),
            body: n.body.clone(),
            link: n.link.clone(),
        });
        Ok(())
    })
}

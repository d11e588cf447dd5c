//! `agora:channel/notify`: notifications for the signed-in person, as `[notifications]`
//! grants. The host only collects them during the render, checked (key, text lengths, a link
//! on the portal or over https); the embedder keeps them when the render succeeds
//! ([`crate::render::Rendered::notifications`]) and decides whose they are.

use super::shape::{Capability, Getter, HasView, View, grant_error};
use crate::bindings::agora::channel0_1_0::notify::{self as wit, Host, Notification, NotifyError};
use crate::manifest::{ChannelManifest, ManifestError, NotificationsGrant};
use wasmtime::component::{Component, Linker};

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 128;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 400;
/// Longest link, in bytes.
pub const MAX_LINK_BYTES: usize = 1024;
/// Most notifications one render may raise (the manifest's `max_per_render` at most).
pub const MAX_PER_RENDER: u32 = 20;

/// A notification a channel raised, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    /// Stable id within the publication for this person.
    pub key: String,
    /// Title (text).
    pub title: String,
    /// Body (text, may be empty).
    pub body: String,
    /// A path on the portal (`/…`) or an `https://` URL.
    pub link: Option<String>,
}

/// The notify capability.
pub struct Notify;

/// Per-render state: the grant (if any) and what the render raised so far.
pub struct NotifyState {
    grant: Option<NotificationsGrant>,
    /// Notifications raised by this render, in order.
    pub raised: Vec<Raised>,
}

impl Capability for Notify {
    const INTERFACE: &'static str = "agora:channel/notify";
    type Grant = Option<NotificationsGrant>;
    type Hook = ();
    type State = NotifyState;

    fn grant(manifest: &ChannelManifest) -> Result<Option<NotificationsGrant>, ManifestError> {
        let Some(grant) = &manifest.notifications else {
            return Ok(None);
        };
        if !(1..=MAX_PER_RENDER).contains(&grant.max_per_render) {
            return Err(grant_error(
                manifest,
                "notifications.max_per_render",
                format!("must be 1..={MAX_PER_RENDER}"),
            ));
        }
        if !manifest.cache.vary_by.iter().any(|v| v == "user") {
            return Err(grant_error(
                manifest,
                "notifications",
                "notifications are one person's: [cache] vary_by must include \"user\"",
            ));
        }
        Ok(Some(grant.clone()))
    }

    fn prepare(grant: &Option<NotificationsGrant>, _hook: ()) -> NotifyState {
        NotifyState {
            grant: grant.clone(),
            raised: Vec::new(),
        }
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, NotifyState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<NotifyState>>(linker, get)
    }
}

/// Whether `link` may be followed from the portal: a path on it, or an https URL.
pub fn acceptable_link(link: &str) -> bool {
    if link.len() > MAX_LINK_BYTES || link.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    if let Some(rest) = link.strip_prefix('/') {
        // `//host` would leave the portal.
        return !rest.starts_with('/');
    }
    url::Url::parse(link).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some())
}

/// Check one notification.
pub fn check(n: Notification) -> Result<Raised, String> {
    let key = n.key.trim();
    if key.is_empty() || key.len() > MAX_KEY_BYTES || key.chars().any(char::is_control) {
        return Err(format!(
            "the key must be 1 to {MAX_KEY_BYTES} bytes without control characters"
        ));
    }
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!("the title must be 1 to {MAX_TITLE_CHARS} characters"));
    }
    if n.body.chars().count() > MAX_BODY_CHARS {
        return Err(format!("the body must be at most {MAX_BODY_CHARS} characters"));
    }
    let link = match n.link {
        Some(l) if !acceptable_link(&l) => {
            return Err("the link must be a path on the portal or an https:// URL".into());
        }
        other => other,
    };
    Ok(Raised {
        key: key.to_string(),
        title: title.to_string(),
        body: n.body.trim().to_string(),
        link,
    })
}

impl Host for View<'_, NotifyState> {
    async fn raise(&mut self, notification: Notification) -> Result<(), NotifyError> {
        let Some(grant) = &self.state.grant else {
            let msg = "add a [notifications] section to channel.toml".to_string();
            self.ledger.refuse(&format!("notification: {msg}"));
            return Err(NotifyError::NotGranted(msg));
        };
        if self.state.raised.len() >= grant.max_per_render as usize {
            self.ledger.refuse("notification: max_per_render reached");
            return Err(NotifyError::BudgetExhausted);
        }
        match check(notification) {
            Ok(raised) => {
                self.state.raised.retain(|r| r.key != raised.key);
                self.state.raised.push(raised);
                Ok(())
            }
            Err(why) => {
                self.ledger.refuse(&format!("notification: {why}"));
                Err(NotifyError::Invalid(why))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(key: &str, title: &str, link: Option<&str>) -> Notification {
        Notification {
            key: key.into(),
            title: title.into(),
            body: String::new(),
            link: link.map(Into::into),
        }
    }

    #[test]
    fn links_stay_on_the_portal_or_go_over_https() {
        assert!(acceptable_link("/?tab=studies"));
        assert!(acceptable_link("https://mail.univ.fr/"));
        for bad in [
            "//evil.example/",
            "javascript:alert(1)",
            "http://plain.example/",
            "/\\evil",
            "data:text/html,x",
        ] {
            assert!(!acceptable_link(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_notifications_are_refused_with_a_reason() {
        assert!(check(n("grade:1", "Nouvelle note", Some("/"))).is_ok());
        assert!(check(n("", "t", None)).unwrap_err().contains("key"));
        assert!(check(n("k", "  ", None)).unwrap_err().contains("title"));
        assert!(check(n("k", &"x".repeat(121), None)).unwrap_err().contains("title"));
        assert!(check(n("k", "t", Some("javascript:x"))).unwrap_err().contains("link"));
    }
}

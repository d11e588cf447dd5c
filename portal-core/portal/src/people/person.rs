//! A [`Person`]: a uid plus multi-valued attributes (SupAnn / eduPerson names), whatever
//! source they came from, with the attributes of `agora_channel_host::NEVER_SHOWN` never kept.

use agora_channel_host::Attributes;
use std::sync::Arc;

/// Drop the attributes of `NEVER_SHOWN` (passwords, private addresses) from what a source,
/// a sign-on assertion or a proxy header gave: applied to every source, so none of them
/// reaches a session, a cache or a channel.
pub fn without_secrets(mut attributes: Attributes) -> Attributes {
    attributes.retain(|name, _| !agora_channel_host::never_shown(name));
    attributes
}

/// Whether `name` is an attribute the portal never keeps (`NEVER_SHOWN`).
pub fn never_kept(name: &str) -> bool {
    agora_channel_host::never_shown(name)
}

/// A signed-in (or guest) person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Login (`uid`); empty for a guest.
    pub uid: String,
    /// Attributes (name → values).
    pub attributes: Arc<Attributes>,
}

/// The attribute under which channels may read the person's populations (ids), when their
/// manifest grants it (`[attributes] read = ["agoraPopulations"]`).
pub const POPULATIONS_ATTRIBUTE: &str = "agoraPopulations";

impl Person {
    /// The same person with their populations as the [`POPULATIONS_ATTRIBUTE`] attribute.
    pub fn with_populations(mut self, populations: &[String]) -> Person {
        if self.is_signed_in() {
            Arc::make_mut(&mut self.attributes).insert(POPULATIONS_ATTRIBUTE.to_string(), populations.to_vec());
        }
        self
    }

    /// The anonymous visitor of the guest page.
    pub fn guest() -> Self {
        Person {
            uid: String::new(),
            attributes: Arc::new(Attributes::new()),
        }
    }

    /// Whether this is a signed-in person.
    pub fn is_signed_in(&self) -> bool {
        !self.uid.is_empty()
    }

    /// First value of an attribute.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    /// Name to show: `displayName`, else `cn`, else the login.
    pub fn display_name(&self) -> &str {
        self.first("displayName")
            .or_else(|| self.first("cn"))
            .unwrap_or(&self.uid)
    }
}

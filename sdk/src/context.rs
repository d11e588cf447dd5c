//! The render context a channel receives.

use crate::bindings::agora::channel::{person, types::RenderContext};

/// User interface language of the page being rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// French (the default for French institutions).
    Fr,
    /// English.
    En,
}

/// Everything a channel knows about the render: who (through granted attributes only),
/// in which language, when, and with which configuration.
#[derive(Debug)]
pub struct Context<C> {
    /// Identifier of the publication (the configured instance of this channel).
    pub publication: String,
    /// Language of the page.
    pub locale: Locale,
    /// Current time in milliseconds since the Unix epoch.
    pub now_unix_ms: i64,
    /// Whether a user is signed in (false on the guest page).
    pub signed_in: bool,
    /// The decoded configuration.
    pub config: C,
    /// Public base URL of the portal.
    pub portal_url: String,
}

impl<C> Context<C> {
    pub(crate) fn new(raw: RenderContext, config: C) -> Self {
        Context {
            publication: raw.publication,
            locale: if raw.locale == "en" { Locale::En } else { Locale::Fr },
            now_unix_ms: raw.now_unix_ms,
            signed_in: raw.signed_in,
            config,
            portal_url: raw.portal_url,
        }
    }

    /// All values of a person attribute. Empty if the person has none or if the channel's
    /// manifest does not list the attribute under `[attributes] read`.
    pub fn attribute(&self, name: &str) -> Vec<String> {
        person::attribute(name)
    }

    /// The values of `name` in the page's language: the portal gives some attributes in
    /// words per language with an LDAP language option (`agoraFormation;lang-fr`, see the
    /// nomenclature in docs/channels.md); grant both `name;lang-fr` and `name;lang-en`.
    pub fn localized_attribute(&self, name: &str) -> Vec<String> {
        let lang = match self.locale {
            Locale::Fr => "fr",
            Locale::En => "en",
        };
        person::attribute(&format!("{name};lang-{lang}"))
    }

    /// The first value of a person attribute, if any.
    pub fn first_attribute(&self, name: &str) -> Option<String> {
        person::attribute(name).into_iter().next()
    }

    /// Pick the French or English text according to the page language.
    pub fn tr<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            Locale::Fr => fr,
            Locale::En => en,
        }
    }
}

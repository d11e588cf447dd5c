//! The render context a channel receives.

use crate::bindings::agora::channel0_2_0::context::RenderContext;
use crate::host;

/// User interface language of the page being rendered, for the texts a channel writes in
/// French and English ([`Context::tr`]). The host's tag itself is [`Context::language`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// French: a tag whose primary language is `fr` (`fr`, `fr-FR`, `fr-CA`…).
    Fr,
    /// English: a tag whose primary language is `en`, and any language the channel has no
    /// texts for (`de`, `es`…), English being the portal's fallback for foreign readers.
    En,
}

impl Locale {
    /// The locale of a BCP 47 language tag, by its primary language subtag, case-blind:
    /// `fr`, `FR`, `fr-CA` are French; `en`, `en-GB` and any other language are English.
    pub fn from_tag(tag: &str) -> Locale {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Locale::Fr
        } else {
            Locale::En
        }
    }

    /// The primary language subtag: `fr` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }
}

/// Everything a channel knows about the render: who (through granted attributes only),
/// in which language, when, and with which configuration.
#[derive(Debug)]
pub struct Context<C> {
    /// Identifier of the publication (the configured instance of this channel).
    pub publication: String,
    /// Language of the page, for [`Context::tr`].
    pub locale: Locale,
    /// The page's language tag as the host gave it (`fr`, `en`, `en-GB`…).
    pub language: String,
    /// Current time in milliseconds since the Unix epoch.
    pub now_unix_ms: i64,
    /// The institution's time zone (`Europe/Paris`): see [`crate::time::utc_offset`].
    pub time_zone: String,
    /// The page's tab, when it has tabs.
    pub tab: Option<String>,
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
            locale: Locale::from_tag(&raw.locale),
            language: raw.locale,
            now_unix_ms: raw.now_unix_ms,
            time_zone: raw.time_zone,
            tab: raw.tab,
            signed_in: raw.signed_in,
            config,
            portal_url: raw.portal_url,
        }
    }

    /// All values of a person attribute. Empty if the person has none or if the channel's
    /// manifest does not list the attribute under `[attributes] read`.
    pub fn attribute(&self, name: &str) -> Vec<String> {
        host::attribute(name)
    }

    /// The values of `name` in the page's language: the portal gives some attributes in
    /// words per language with an LDAP language option (`agoraFormation;lang-fr`, see the
    /// nomenclature in docs/channels.md); grant both `name;lang-fr` and `name;lang-en`.
    pub fn localized_attribute(&self, name: &str) -> Vec<String> {
        host::attribute(&format!("{name};lang-{}", self.locale.code()))
    }

    /// The first value of a person attribute, if any.
    pub fn first_attribute(&self, name: &str) -> Option<String> {
        host::attribute(name).into_iter().next()
    }

    /// Pick the French or English text according to the page language.
    pub fn tr<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            Locale::Fr => fr,
            Locale::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn a_locale_is_read_from_the_primary_language_of_its_tag() {
        assert_eq!(Locale::from_tag("fr"), Locale::Fr);
        assert_eq!(Locale::from_tag("fr-CA"), Locale::Fr);
        assert_eq!(Locale::from_tag("FR"), Locale::Fr);
        assert_eq!(Locale::from_tag("en"), Locale::En);
        // Before: everything but exactly `en` was French.
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag("EN"), Locale::En);
        assert_eq!(Locale::from_tag("de"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
    }
}

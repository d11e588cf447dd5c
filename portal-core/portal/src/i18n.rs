//! User interface strings in French and English (`<theme>/i18n/{fr,en}.toml`) and the choice
//! of language for a request: `?lang=` (remembered in a cookie), the cookie, the browser's
//! `Accept-Language`, then the configured default.

use crate::config::ConfigError;
use std::collections::BTreeMap;
use std::path::Path;

/// Languages the portal speaks.
pub const LOCALES: &[&str] = &["fr", "en"];

/// Name of the cookie remembering an explicit language choice.
pub const LANG_COOKIE: &str = "agora_lang";

/// Key prefixes of the strings the home page templates (`page_open.html`, `header.html`,
/// `page_close.html`) see; `slot.html` sees `slot.*`. Rendering the hot page with a subset
/// keeps each render from copying the whole catalogue. Strings of theme overrides for the
/// page go under `page.`.
pub const PAGE_PREFIXES: &[&str] = &[
    "a11y.",
    "inbox.",
    "search.link",
    "scheme.",
    "establishment.change",
    "auth.",
    "lang.",
    "nav.",
    "guest.",
    "footer.",
    "slot.",
    "customise.",
    "page.",
];

/// Strings per locale: key → text.
#[derive(Debug, Clone)]
pub struct Catalog {
    strings: BTreeMap<String, BTreeMap<String, String>>,
    page: BTreeMap<String, BTreeMap<String, String>>,
    slot: BTreeMap<String, BTreeMap<String, String>>,
}

impl Catalog {
    /// Load `dir/fr.toml` and `dir/en.toml`; both must define the same keys.
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        let mut strings = BTreeMap::new();
        for locale in LOCALES {
            let path = dir.join(format!("{locale}.toml"));
            let file = path.display().to_string();
            let text =
                std::fs::read_to_string(&path).map_err(|e| ConfigError::new(&file, "", format!("cannot read: {e}")))?;
            let table: BTreeMap<String, String> = toml::from_str(&text)
                .map_err(|e| ConfigError::new(&file, "", e.to_string().trim_end().replace('\n', " ")))?;
            strings.insert(locale.to_string(), table);
        }
        let fr = &strings["fr"];
        let en = &strings["en"];
        if let Some(k) = fr.keys().find(|k| !en.contains_key(*k)) {
            return Err(ConfigError::new(
                dir.join("en.toml").display().to_string(),
                k,
                "missing (present in fr.toml)",
            ));
        }
        if let Some(k) = en.keys().find(|k| !fr.contains_key(*k)) {
            return Err(ConfigError::new(
                dir.join("fr.toml").display().to_string(),
                k,
                "missing (present in en.toml)",
            ));
        }
        let subset = |prefixes: &[&str]| -> BTreeMap<String, BTreeMap<String, String>> {
            strings
                .iter()
                .map(|(locale, table)| {
                    let kept = table
                        .iter()
                        .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    (locale.clone(), kept)
                })
                .collect()
        };
        let page = subset(PAGE_PREFIXES);
        let slot = subset(&["slot."]);
        Ok(Catalog { strings, page, slot })
    }

    /// The strings of the home page templates ([`PAGE_PREFIXES`]).
    pub fn page_table(&self, locale: &str) -> &BTreeMap<String, String> {
        self.page.get(locale).unwrap_or(&self.page["fr"])
    }

    /// The strings of `slot.html` (`slot.*`).
    pub fn slot_table(&self, locale: &str) -> &BTreeMap<String, String> {
        self.slot.get(locale).unwrap_or(&self.slot["fr"])
    }

    /// All strings of a locale (for templates).
    pub fn table(&self, locale: &str) -> &BTreeMap<String, String> {
        self.strings.get(locale).unwrap_or(&self.strings["fr"])
    }

    /// One string; the key itself when missing, so a gap is visible but harmless.
    pub fn get<'a>(&'a self, locale: &str, key: &'a str) -> &'a str {
        self.table(locale).get(key).map(String::as_str).unwrap_or(key)
    }
}

/// Pick the locale from an explicit choice, the cookie, then `Accept-Language`.
pub fn negotiate(query: Option<&str>, cookie: Option<&str>, accept_language: Option<&str>, default: &str) -> String {
    for choice in [query, cookie].into_iter().flatten() {
        if LOCALES.contains(&choice) {
            return choice.to_string();
        }
    }
    if let Some(header) = accept_language {
        let mut ranked: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        for (_, tag) in ranked {
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            if let Some(l) = LOCALES.iter().find(|l| **l == primary) {
                return l.to_string();
            }
        }
    }
    default.to_string()
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    #[test]
    fn explicit_choice_then_cookie_then_browser_then_default() {
        assert_eq!(negotiate(Some("en"), Some("fr"), Some("fr"), "fr"), "en");
        assert_eq!(negotiate(Some("de"), Some("en"), None, "fr"), "en");
        assert_eq!(negotiate(None, None, Some("de-DE,en-GB;q=0.8,fr;q=0.5"), "fr"), "en");
        assert_eq!(negotiate(None, None, Some("de"), "fr"), "fr");
        assert_eq!(negotiate(None, None, Some("garbage;;q=x"), "en"), "en");
    }
}

//! The channel manifest, `channel.toml`: what a channel is and the least it needs.
//!
//! ```toml
//! [channel]
//! id = "news"
//! version = "0.1.0"
//! world = "agora:channel/channel@0.1.0"
//! name = { fr = "Actualités", en = "News" }
//!
//! [backends.feed]                 # named back-ends; the admin binds each to a URL
//! description = "The feed to show"
//! # required_when = { system = "pegase" }   # bound only by publications so configured
//!
//! [attributes]
//! read = ["displayName"]          # the only person attributes the channel can read
//!
//! [config.max_items]              # configuration schema, checked for each publication
//! type = "integer"
//! default = 6
//! min = 1
//!
//! [cache]
//! ttl_seconds = 120
//! vary_by = []                    # [] = one render shared by all, ["user"] = per user,
//!                                 # or attribute names: shared by users with equal values
//! [limits]
//! memory_mib = 32
//! ```

use crate::limits::Limits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The WIT worlds this host serves.
pub const SUPPORTED_WORLDS: &[&str] = &[
    "agora:channel/channel@0.3.0",
    "agora:channel/channel@0.2.0",
    "agora:channel/channel@0.1.0",
    "agora:channel/searchable-channel@0.1.0",
];

/// A manifest that failed to load, with the file and the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{reason}", path.display(), key.as_ref().map(|k| format!("[{k}]: ")).unwrap_or_default())]
pub struct ManifestError {
    /// The manifest file.
    pub path: PathBuf,
    /// The key at fault, when known (e.g. `cache.vary_by`).
    pub key: Option<String>,
    /// What is wrong, for a person.
    pub reason: String,
}

/// Text in French and English.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    /// French text.
    pub fr: String,
    /// English text.
    pub en: String,
}

impl LocalizedText {
    /// The text for a locale code (`en` or anything else for French).
    pub fn get(&self, locale: &str) -> &str {
        if locale == "en" { &self.en } else { &self.fr }
    }
}

/// The `[channel]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelInfo {
    /// Stable identifier, `[a-z0-9-]+`.
    pub id: String,
    /// Semantic version of the channel.
    pub version: String,
    /// The WIT world the component implements.
    pub world: String,
    /// Display name.
    pub name: LocalizedText,
    /// One-line description.
    #[serde(default)]
    pub description: LocalizedText,
    /// Catalogue category.
    #[serde(default)]
    pub category: String,
    /// An SVG file of the package (`icon.svg`), shown before the channel's title; checked and
    /// rebuilt from a small allowlist at load ([`crate::icon`]).
    #[serde(default)]
    pub icon: Option<String>,
}

/// One declared back-end.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendDecl {
    /// What the back-end is for (shown to admins binding it).
    #[serde(default)]
    pub description: String,
    /// The back-end is needed only by publications whose configuration has these values
    /// (`required_when = { system = "pegase" }`); others may leave it unbound. Without it,
    /// every publication binds it.
    #[serde(default)]
    pub required_when: BTreeMap<String, toml::Value>,
}

impl BackendDecl {
    /// Whether a publication with the configuration `config` (defaults applied) must bind
    /// this back-end.
    pub fn required(&self, config: &serde_json::Map<String, serde_json::Value>) -> bool {
        self.required_when
            .iter()
            .all(|(key, value)| serde_json::to_value(value).is_ok_and(|v| config.get(key) == Some(&v)))
    }
}

/// The `[attributes]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeGrants {
    /// Person attributes the channel may read.
    #[serde(default)]
    pub read: Vec<String>,
}

/// Type of one configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigType {
    /// A string.
    String,
    /// A 64-bit integer, optionally bounded by `min`/`max`.
    Integer,
    /// A boolean.
    Boolean,
    /// A list of strings.
    StringList,
}

/// Schema of one configuration key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigField {
    /// The value type.
    #[serde(rename = "type")]
    pub kind: ConfigType,
    /// Default value; a key without default is required in every publication.
    pub default: Option<toml::Value>,
    /// Lower bound for integers.
    pub min: Option<i64>,
    /// Upper bound for integers.
    pub max: Option<i64>,
    /// The only values a string may take (none: any string).
    #[serde(default)]
    pub choices: Vec<String>,
    /// What the key does.
    #[serde(default)]
    pub description: String,
    /// The preference's label on the customisation page, per language (`{ fr, en }`); the
    /// description when absent.
    #[serde(default)]
    pub label: Option<LocalizedText>,
    /// Each user may set their own value (a preference), within the same type and bounds.
    #[serde(default)]
    pub preference: bool,
}

impl ConfigField {
    /// Parse a user's preference `text` for this key: the key must be a preference and the
    /// value fit its type and bounds (lists: one item per line, or comma-separated on one
    /// line; a boolean left empty, as an unticked checkbox sends nothing, is false).
    pub fn preference_value(&self, text: &str) -> Result<toml::Value, String> {
        if !self.preference {
            return Err("this setting is not a user preference".into());
        }
        let value = match self.kind {
            ConfigType::String => toml::Value::String(text.to_string()),
            ConfigType::Integer => toml::Value::Integer(
                text.trim()
                    .parse()
                    .map_err(|_| format!("`{text}` is not a whole number"))?,
            ),
            ConfigType::Boolean => match text.trim() {
                "true" | "on" | "1" => toml::Value::Boolean(true),
                "false" | "off" | "0" | "" => toml::Value::Boolean(false),
                _ => return Err(format!("`{text}` is not true or false")),
            },
            ConfigType::StringList => toml::Value::Array(
                text.split(if text.contains('\n') { '\n' } else { ',' })
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(|s| toml::Value::String(s.to_string()))
                    .collect(),
            ),
        };
        check_value(self, &value)?;
        Ok(value)
    }
}

/// The `[directory]` table: the channel may search the directory and see these attributes
/// of the people it finds (never a red-listed person, never a secret attribute).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryGrant {
    /// Attributes returned for each person found.
    pub attributes: Vec<String>,
    /// Most people returned by one search (the host caps it at 50).
    #[serde(default = "default_max_results")]
    pub max_results: u32,
}

fn default_max_results() -> u32 {
    20
}

/// The `[mail]` table: the host may read these mailboxes of the signed-in user for the
/// channel (counts and latest headers; never a message body).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailGrant {
    /// Mailbox names, e.g. `["INBOX"]`.
    pub mailboxes: Vec<String>,
}

/// The `[dav]` table (world `agora:channel/channel@0.3.0`): what the host may read on the
/// signed-in person's DAV server for the channel (typed values; never a document or a
/// credential).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavGrant {
    /// Events of the person's calendars (CalDAV).
    #[serde(default)]
    pub calendars: bool,
    /// Cards of the person's address books (CardDAV).
    #[serde(default)]
    pub contacts: bool,
    /// Documents of the person's home collection (WebDAV).
    #[serde(default)]
    pub files: bool,
}

/// The `[notifications]` table: the channel may raise notifications for the person it
/// renders for (its renders must be per user).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsGrant {
    /// Most notifications one render may raise (1..=20, default 5).
    #[serde(default = "default_max_per_render")]
    pub max_per_render: u32,
}

fn default_max_per_render() -> u32 {
    5
}

/// The `[search]` table: the channel answers the portal's search field (its component
/// exports `search`, world `searchable-channel`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchGrant {
    /// Most items kept from one search (1..=20, default 5).
    #[serde(default = "default_search_results")]
    pub max_results: u32,
}

fn default_search_results() -> u32 {
    5
}

/// The `[cache]` table: how long a render is reused and who shares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachePolicy {
    /// How long a good render is served without re-rendering; 0 disables reuse (the last
    /// good render is still kept to show when a fresh render fails).
    #[serde(default)]
    pub ttl_seconds: u32,
    /// What distinguishes two cached renders besides publication and language: `"user"`
    /// and/or attribute names. Empty: one render shared by every user.
    #[serde(default = "per_user")]
    pub vary_by: Vec<String>,
}

fn per_user() -> Vec<String> {
    vec!["user".to_string()]
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            ttl_seconds: 0,
            vary_by: per_user(),
        }
    }
}

/// A parsed and validated `channel.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelManifest {
    /// Identity and description.
    pub channel: ChannelInfo,
    /// Named back-ends the channel may call.
    #[serde(default)]
    pub backends: BTreeMap<String, BackendDecl>,
    /// Attributes the channel may read.
    #[serde(default)]
    pub attributes: AttributeGrants,
    /// Configuration schema.
    #[serde(default)]
    pub config: BTreeMap<String, ConfigField>,
    /// Directory search, when granted.
    #[serde(default)]
    pub directory: Option<DirectoryGrant>,
    /// Mailboxes the channel may summarise, when granted.
    #[serde(default)]
    pub mail: Option<MailGrant>,
    /// Calendars, address books and files the host may read, when granted.
    #[serde(default)]
    pub dav: Option<DavGrant>,
    /// Notifications the channel may raise, when granted.
    #[serde(default)]
    pub notifications: Option<NotificationsGrant>,
    /// Whether (and how much) the channel answers searches.
    #[serde(default)]
    pub search: Option<SearchGrant>,
    /// Render cache policy.
    #[serde(default)]
    pub cache: CachePolicy,
    /// Resource limits.
    #[serde(default)]
    pub limits: Limits,
    /// Where the manifest was read from (set by [`ChannelManifest::load`]).
    #[serde(skip)]
    pub source: PathBuf,
}

impl ChannelManifest {
    /// Read and validate a manifest file.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError {
            path: path.to_path_buf(),
            key: None,
            reason: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// Parse and validate manifest text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let mut manifest: ChannelManifest = toml::from_str(text).map_err(|e| ManifestError {
            path: path.to_path_buf(),
            key: None,
            reason: e.to_string().trim_end().replace('\n', " "),
        })?;
        manifest.source = path.to_path_buf();
        manifest.validate()?;
        Ok(manifest)
    }

    fn error(&self, key: &str, reason: impl Into<String>) -> ManifestError {
        ManifestError {
            path: self.source.clone(),
            key: Some(key.to_string()),
            reason: reason.into(),
        }
    }

    fn validate(&self) -> Result<(), ManifestError> {
        let id = &self.channel.id;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(self.error("channel.id", format!("`{id}` must be made of a-z, 0-9 and '-'")));
        }
        if !SUPPORTED_WORLDS.contains(&self.channel.world.as_str()) {
            return Err(self.error(
                "channel.world",
                format!(
                    "`{}` is not served by this portal (supported: {})",
                    self.channel.world,
                    SUPPORTED_WORLDS.join(", ")
                ),
            ));
        }
        for attr in &self.cache.vary_by {
            if attr != "user" && !self.attributes.read.contains(attr) {
                return Err(self.error(
                    "cache.vary_by",
                    format!("`{attr}` is neither \"user\" nor an attribute listed in [attributes] read"),
                ));
            }
        }
        if let Some(search) = &self.search
            && !(1..=20).contains(&search.max_results)
        {
            return Err(self.error("search.max_results", "must be 1..=20"));
        }
        if let Some((key, value, max)) = self.limits.first_above_ceiling() {
            return Err(self.error(&format!("limits.{key}"), format!("{value} is outside 1..={max}")));
        }
        for (name, backend) in &self.backends {
            for (key, value) in &backend.required_when {
                let Some(field) = self.config.get(key) else {
                    return Err(self.error(
                        &format!("backends.{name}.required_when"),
                        format!("`{key}` is not a key of [config]"),
                    ));
                };
                check_value(field, value)
                    .map_err(|reason| self.error(&format!("backends.{name}.required_when.{key}"), reason))?;
            }
        }
        for (key, field) in &self.config {
            if !field.choices.is_empty() && field.kind != ConfigType::String {
                return Err(self.error(&format!("config.{key}.choices"), "only strings have choices"));
            }
            if let (Some(min), Some(max)) = (field.min, field.max)
                && min > max
            {
                return Err(self.error(&format!("config.{key}"), format!("min {min} is above max {max}")));
            }
            if let Some(default) = &field.default {
                check_value(field, default).map_err(|reason| self.error(&format!("config.{key}.default"), reason))?;
            }
        }
        Ok(())
    }
}

/// Check one configuration value against its schema; the error is for a person.
pub fn check_value(field: &ConfigField, value: &toml::Value) -> Result<(), String> {
    match (field.kind, value) {
        (ConfigType::String, toml::Value::String(s)) if !field.choices.is_empty() && !field.choices.contains(s) => {
            Err(format!("`{s}` is not one of {}", field.choices.join(", ")))
        }
        (ConfigType::String, toml::Value::String(_)) | (ConfigType::Boolean, toml::Value::Boolean(_)) => Ok(()),
        (ConfigType::Integer, toml::Value::Integer(i)) => {
            if field.min.is_some_and(|m| *i < m) || field.max.is_some_and(|m| *i > m) {
                Err(format!(
                    "{i} is outside {}..={}",
                    field.min.map(|m| m.to_string()).unwrap_or_default(),
                    field.max.map(|m| m.to_string()).unwrap_or_default()
                ))
            } else {
                Ok(())
            }
        }
        (ConfigType::StringList, toml::Value::Array(items)) if items.iter().all(|v| v.is_str()) => Ok(()),
        (kind, v) => Err(format!("expected {}, found {}", type_name(kind), v.type_str())),
    }
}

fn type_name(kind: ConfigType) -> &'static str {
    match kind {
        ConfigType::String => "a string",
        ConfigType::Integer => "an integer",
        ConfigType::Boolean => "a boolean",
        ConfigType::StringList => "a list of strings",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_lists_take_one_item_per_line_and_an_empty_boolean_is_false() {
        let field = |kind| ConfigField {
            kind,
            default: None,
            min: None,
            max: None,
            choices: Vec::new(),
            description: String::new(),
            label: None,
            preference: true,
        };
        let list = field(ConfigType::StringList);
        let lines = list
            .preference_value("A | https://a.fr/\r\nB, with a comma | https://b.fr/\n\n")
            .expect("list");
        assert_eq!(
            lines,
            toml::Value::Array(vec![
                "A | https://a.fr/".into(),
                "B, with a comma | https://b.fr/".into()
            ])
        );
        let commas = list.preference_value("a, b").expect("list");
        assert_eq!(commas, toml::Value::Array(vec!["a".into(), "b".into()]));
        let switch = field(ConfigType::Boolean);
        assert_eq!(switch.preference_value("").expect("bool"), toml::Value::Boolean(false));
        assert_eq!(
            switch.preference_value("true").expect("bool"),
            toml::Value::Boolean(true)
        );
    }

    const GOOD: &str = r#"
        [channel]
        id = "news"
        version = "0.1.0"
        world = "agora:channel/channel@0.1.0"
        name = { fr = "Actualités", en = "News" }
        [backends.feed]
        [attributes]
        read = ["displayName"]
        [config.max_items]
        type = "integer"
        default = 6
        min = 1
        max = 50
        [cache]
        ttl_seconds = 60
        vary_by = ["displayName"]
    "#;

    fn parse(text: &str) -> Result<ChannelManifest, ManifestError> {
        ChannelManifest::parse(text, Path::new("channels/news/channel.toml"))
    }

    #[test]
    fn a_good_manifest_loads_with_default_limits() {
        let m = parse(GOOD).expect("valid");
        assert_eq!(m.channel.id, "news");
        assert_eq!(m.limits, Limits::default());
        assert!(m.backends.contains_key("feed"));
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let err = parse("[channel\nid = 1").unwrap_err().to_string();
        assert!(err.starts_with("channels/news/channel.toml: "), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = parse(&GOOD.replace("[attributes]", "[attributes]\nwrite = []"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `write`"), "{err}");
    }

    #[test]
    fn vary_by_must_name_granted_attributes() {
        let err = parse(&GOOD.replace("vary_by = [\"displayName\"]", "vary_by = [\"mail\"]")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("cache.vary_by"));
        assert!(err.to_string().contains("`mail`"));
    }

    #[test]
    fn defaults_must_fit_their_schema() {
        let err = parse(&GOOD.replace("default = 6", "default = 99")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("config.max_items.default"));
        let err = parse(&GOOD.replace("default = 6", "default = \"six\"")).unwrap_err();
        assert!(err.reason.contains("expected an integer, found string"), "{err}");
    }

    #[test]
    fn limits_above_the_ceiling_are_refused() {
        let err = parse(&format!("{GOOD}\n[limits]\nmemory_mib = 4096\n")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("limits.memory_mib"));
    }

    #[test]
    fn unsupported_worlds_are_refused() {
        let err = parse(&GOOD.replace("@0.1.0\"", "@9.0.0\"")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("channel.world"));
    }
}

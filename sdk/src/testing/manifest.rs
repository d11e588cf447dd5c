//! What the fake host needs of `channel.toml`: the grants and the configuration defaults.
//! The portal validates a manifest fully when it loads the package (`agora-portal check`,
//! `agora-portal channel package`); this reads it as that check would have accepted it.

use std::collections::BTreeMap;
use std::path::Path;

/// The grants and defaults of one manifest.
#[derive(Debug, Clone, Default)]
pub(crate) struct Manifest {
    /// `[channel] id`.
    pub id: String,
    /// `[backends.*]` names.
    pub backends: Vec<String>,
    /// `[attributes] read`.
    pub attributes: Vec<String>,
    /// `[config.*] default`, as JSON.
    pub defaults: serde_json::Map<String, serde_json::Value>,
    /// `[directory]`, when granted.
    pub directory: Option<DirectoryGrant>,
    /// `[mail] mailboxes`.
    pub mailboxes: Vec<String>,
    /// `[dav]`: calendars, contacts, files granted.
    pub dav: (bool, bool, bool),
    /// `[notifications] max_per_render`, when granted.
    pub notifications: Option<u32>,
    /// `[limits] requests`.
    pub requests: u32,
    /// `[search] max_results`, when the channel answers searches.
    pub search: Option<u32>,
}

/// `[directory]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct DirectoryGrant {
    pub attributes: Vec<String>,
    pub max_results: u32,
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn number(v: Option<&toml::Value>, default: u32) -> u32 {
    v.and_then(toml::Value::as_integer)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(default)
}

/// A TOML value as JSON (dates as their text).
pub(crate) fn to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::from(*f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

impl Manifest {
    /// Read `path` (a `channel.toml`).
    pub fn load(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Read a manifest's text.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
        let table = |name: &str| doc.get(name).and_then(toml::Value::as_table);
        let id = table("channel")
            .and_then(|c| c.get("id"))
            .and_then(toml::Value::as_str)
            .ok_or("[channel] id is missing")?
            .to_string();
        let mut defaults = serde_json::Map::new();
        for (key, field) in table("config").into_iter().flatten() {
            if let Some(default) = field.get("default") {
                defaults.insert(key.clone(), to_json(default));
            }
        }
        Ok(Manifest {
            id,
            backends: table("backends")
                .map(|b| b.keys().cloned().collect())
                .unwrap_or_default(),
            attributes: strings(table("attributes").and_then(|a| a.get("read"))),
            defaults,
            directory: table("directory").map(|d| DirectoryGrant {
                attributes: strings(d.get("attributes")),
                max_results: number(d.get("max_results"), 20),
            }),
            mailboxes: strings(table("mail").and_then(|m| m.get("mailboxes"))),
            dav: table("dav")
                .map(|d| {
                    let on = |k: &str| d.get(k).and_then(toml::Value::as_bool).unwrap_or(false);
                    (on("calendars"), on("contacts"), on("files"))
                })
                .unwrap_or_default(),
            notifications: table("notifications").map(|n| number(n.get("max_per_render"), 5)),
            requests: number(table("limits").and_then(|l| l.get("requests")), 8),
            search: table("search").map(|s| number(s.get("max_results"), 5)),
        })
    }

    /// The configuration a render decodes: the defaults, then `overrides` on top.
    pub fn config(&self, overrides: &BTreeMap<String, serde_json::Value>) -> serde_json::Value {
        let mut config = self.defaults.clone();
        for (k, v) in overrides {
            config.insert(k.clone(), v.clone());
        }
        serde_json::Value::Object(config)
    }
}

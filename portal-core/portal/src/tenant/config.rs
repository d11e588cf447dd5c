//! One tenant's configuration: `<tenants>/<id>/tenant.toml` layered on the platform's
//! `portal.toml`, and the tenant's own files beside it.
//!
//! * `[tenant]` says who the establishment is: name, acronym, host names, support contact.
//! * A section an establishment sets for itself (sign-on, directory, skin, languages,
//!   administrators…) replaces the platform's whole: what it does not say is the built-in
//!   default, never the platform's value, so a platform secret (an LDAP bind password, an
//!   OIDC client secret) never goes to a tenant's own server. Sections it does not set are
//!   the platform's. `[paths]` is the exception: only the tenant's four files, relative to
//!   its directory and inside it. The platform's own sections
//!   (listening address, Redis, database, TLS trust, the channel engine, the session key,
//!   logs, demo mode) are refused there, with the file, the key and why.
//! * `channels.toml`, `populations.toml`, `catalogue.toml` and `fragments/` are the tenant's
//!   when its directory has them, else the platform's.

use crate::config::{ConfigError, PortalConfig};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Sections of `portal.toml` only the platform sets: a tenant file naming one is refused.
pub const PLATFORM_ONLY: &[&str] = &[
    "server", "redis", "storage", "tls", "channels", "session", "log", "demo",
];

/// Sections a tenant may set for itself, over the platform's.
pub const PER_TENANT: &[&str] = &[
    "skin",
    "i18n",
    "auth",
    "cas",
    "oidc",
    "trusted_headers",
    "ldap",
    "directory",
    "mail",
    "dav",
    "sms",
    "statistics",
    "admin",
    "limits",
    "paths",
];

/// `[paths]` keys a tenant may set (its own files); the others are the platform's.
const TENANT_PATHS: &[&str] = &[
    "channels",
    "populations",
    "fragments",
    "catalogue",
    "announcements",
    "nomenclature",
];

/// Who the establishment is (`[tenant]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Its name by language (`{ fr = "Université Toulouse Capitole", en = "…" }`).
    pub name: BTreeMap<String, String>,
    /// The short name users know (`UT1`), shown in the establishment picker.
    #[serde(default)]
    pub acronym: String,
    /// Host names that select this tenant (`ent.ut-capitole.fr`), without scheme or port.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Whom users write to when something is wrong.
    #[serde(default)]
    pub support: Support,
}

/// A support contact (`[tenant.support]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Support {
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// A help page.
    #[serde(default)]
    pub url: String,
    /// A telephone number, as written.
    #[serde(default)]
    pub phone: String,
}

impl Identity {
    /// The name in `locale`, else French, else any, else `fallback`.
    pub fn name_in<'a>(&'a self, locale: &str, fallback: &'a str) -> &'a str {
        self.name
            .get(locale)
            .or_else(|| self.name.get("fr"))
            .or_else(|| self.name.values().next())
            .map(String::as_str)
            .unwrap_or(fallback)
    }
}

/// One tenant, loaded and checked.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    /// Its id: the directory's name (lowercase letters, digits and `-`).
    pub id: String,
    /// Who it is.
    pub identity: Identity,
    /// The platform's configuration with the tenant's sections over it; relative paths are
    /// resolved against the tenant's directory.
    pub portal: PortalConfig,
}

/// Whether `id` may name a tenant: 1 to 32 lowercase ASCII letters, digits or `-`, starting
/// with a letter or digit (it appears in database rows, Redis keys and metrics).
pub fn valid_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// A host name as tenants are matched: lowercase, without a port or a trailing dot
/// (`[2001:db8::1]:443` is `[2001:db8::1]`; a bare IPv6 address is kept whole).
pub fn normalise_host(host: &str) -> String {
    let host = host.trim();
    let without_port = if let Some(end) = host.find(']').filter(|_| host.starts_with('[')) {
        &host[..=end]
    } else if host.matches(':').count() == 1 {
        host.split_once(':').map_or(host, |(name, _)| name)
    } else {
        host
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

/// Load the tenant of directory `dir` over `platform`.
pub fn load(platform: &PortalConfig, dir: &Path) -> Result<TenantConfig, ConfigError> {
    let file = dir.join("tenant.toml");
    let shown = file.display().to_string();
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !valid_id(&id) {
        return Err(ConfigError::new(
            dir.display().to_string(),
            "",
            format!("`{id}` cannot name a tenant: use 1 to 32 lowercase letters, digits or `-`"),
        ));
    }
    let text = std::fs::read_to_string(&file).map_err(|e| ConfigError::new(&shown, "", format!("cannot read: {e}")))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::new(&shown, "", e.to_string()))?;
    check_sections(&table, &shown)?;
    let identity: Identity = match table.get("tenant") {
        Some(t) => t
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::new(&shown, "tenant", e.to_string()))?,
        None => {
            return Err(ConfigError::new(
                &shown,
                "tenant",
                "missing: say who the establishment is",
            ));
        }
    };
    if identity.name.is_empty() {
        return Err(ConfigError::new(&shown, "tenant.name", "missing"));
    }
    let mut overrides = table.clone();
    overrides.remove("tenant");
    let base = replaced_sections(&with_absolute_paths(platform), &overrides, &shown)?;
    let figment = Figment::from(Serialized::defaults(&base))
        .merge(Toml::string(&toml::to_string(&overrides).unwrap_or_default()));
    let mut portal: PortalConfig = figment
        .extract()
        .map_err(|e| ConfigError::new(&shown, e.path.join("."), e.kind.to_string()))?;
    portal.base_dir = dir.to_path_buf();
    portal.source = shown.clone();
    // The platform's administrators are the platform's to name, whatever `[admin]` says.
    portal.admin.platform = platform.admin.platform.clone();
    let paths = overrides.get("paths").and_then(toml::Value::as_table);
    for (key, own) in [
        ("channels", dir.join("channels.toml")),
        ("populations", dir.join("populations.toml")),
        ("catalogue", dir.join("catalogue.toml")),
        ("announcements", dir.join("announcements.toml")),
        ("nomenclature", dir.join("nomenclature.toml")),
        ("fragments", dir.join("fragments")),
    ] {
        if paths.is_some_and(|p| p.contains_key(key)) || !own.exists() {
            continue;
        }
        let slot = match key {
            "channels" => &mut portal.paths.channels,
            "populations" => &mut portal.paths.populations,
            "catalogue" => &mut portal.paths.catalogue,
            "announcements" => &mut portal.paths.announcements,
            "nomenclature" => &mut portal.paths.nomenclature,
            _ => &mut portal.paths.fragments,
        };
        *slot = own;
    }
    portal.validate()?;
    let mut identity = identity;
    identity.hosts = identity.hosts.iter().map(|h| normalise_host(h)).collect();
    if identity.hosts.iter().any(String::is_empty) {
        return Err(ConfigError::new(&shown, "tenant.hosts", "an empty host name"));
    }
    if let Some(host) = identity.hosts.first() {
        portal.server.public_url =
            public_url_on(&platform.public_url(), host).map_err(|why| ConfigError::new(&shown, "tenant.hosts", why))?;
    }
    Ok(TenantConfig { id, identity, portal })
}

/// The platform's public URL with `host` for its host (scheme, port and path kept): where
/// a tenant with a host of its own is reached, its sign-on's service URL included.
fn public_url_on(platform_url: &str, host: &str) -> Result<String, String> {
    let mut url = url::Url::parse(platform_url).map_err(|e| format!("the platform's public URL: {e}"))?;
    url.set_host(Some(host))
        .map_err(|e| format!("`{host}` is not a host name: {e}"))?;
    Ok(url.to_string())
}

/// Refuse unknown sections, platform-only sections and platform-only paths.
fn check_sections(table: &toml::Table, file: &str) -> Result<(), ConfigError> {
    for key in table.keys() {
        if key == "tenant" || PER_TENANT.contains(&key.as_str()) {
            continue;
        }
        let reason = if PLATFORM_ONLY.contains(&key.as_str()) {
            "set for the whole platform in portal.toml, not per tenant".to_string()
        } else {
            format!("unknown section (a tenant may set [tenant], {})", PER_TENANT.join(", "))
        };
        return Err(ConfigError::new(file, key.as_str(), reason));
    }
    if table
        .get("admin")
        .and_then(toml::Value::as_table)
        .is_some_and(|a| a.contains_key("platform"))
    {
        return Err(ConfigError::new(
            file,
            "admin.platform",
            "platform administrators are named in portal.toml, not by a tenant",
        ));
    }
    if let Some(paths) = table.get("paths").and_then(toml::Value::as_table) {
        for (key, value) in paths {
            let inside = value.as_str().is_some_and(|p| {
                let p = Path::new(p);
                p.is_relative() && p.components().all(|c| matches!(c, std::path::Component::Normal(_)))
            });
            if TENANT_PATHS.contains(&key.as_str()) && !inside {
                return Err(ConfigError::new(
                    file,
                    format!("paths.{key}"),
                    "a path inside the tenant's directory (relative, without `..`)",
                ));
            }
            if !TENANT_PATHS.contains(&key.as_str()) {
                return Err(ConfigError::new(
                    file,
                    format!("paths.{key}"),
                    format!(
                        "set for the whole platform; a tenant sets only {}",
                        TENANT_PATHS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `base` with every section the tenant sets (but `[paths]`) back to the built-in default,
/// so that the tenant's keys are all it gets of that section.
fn replaced_sections(
    base: &PortalConfig,
    overrides: &toml::Table,
    file: &str,
) -> Result<serde_json::Value, ConfigError> {
    let encode = |c: &PortalConfig| serde_json::to_value(c).map_err(|e| ConfigError::new(file, "", e.to_string()));
    let mut value = encode(base)?;
    let defaults = encode(&PortalConfig::default())?;
    for section in overrides.keys().filter(|k| k.as_str() != "paths") {
        if let (Some(slot), Some(default)) = (value.get_mut(section.as_str()), defaults.get(section.as_str())) {
            *slot = default.clone();
        }
    }
    Ok(value)
}

/// The platform's configuration with every path absolute, so that a tenant resolving its
/// own relative paths against its directory still finds the platform's files.
fn with_absolute_paths(platform: &PortalConfig) -> PortalConfig {
    let mut c = platform.clone();
    let abs = |p: &PathBuf| -> PathBuf { platform.resolve(p) };
    c.paths.data_dir = abs(&platform.paths.data_dir);
    c.paths.theme_dir = abs(&platform.paths.theme_dir);
    c.paths.theme_overrides = platform.paths.theme_overrides.as_ref().map(abs);
    c.paths.channels = abs(&platform.paths.channels);
    c.paths.channel_packages = abs(&platform.paths.channel_packages);
    c.paths.fragments = abs(&platform.paths.fragments);
    c.paths.catalogue = abs(&platform.paths.catalogue);
    c.paths.announcements = abs(&platform.paths.announcements);
    c.paths.nomenclature = abs(&platform.paths.nomenclature);
    c.paths.populations = abs(&platform.paths.populations);
    if !platform.demo.directory.as_os_str().is_empty() {
        c.demo.directory = abs(&platform.demo.directory);
    }
    if !platform.tls.extra_ca_file.as_os_str().is_empty() {
        c.tls.extra_ca_file = abs(&platform.tls.extra_ca_file);
    }
    c
}

//! The channel registry: `config/channels.toml` lists the publications (a channel package
//! configured for this portal: back-end bindings, configuration, title, and optionally the
//! deployed version to use: see [`super::packages`]). Loading checks each publication
//! against its channel's manifest and pre-instantiates each package folder once.
//!
//! String values may use `${VAR}` to take an environment variable (secrets, host names);
//! a missing variable is a start-up error naming the key.

use crate::config::ConfigError;
use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{ChannelEngine, LoadedChannel, Publication};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One publication ready to render.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The validated publication.
    pub publication: Arc<Publication>,
    /// Its channel, loaded and pre-instantiated.
    pub channel: LoadedChannel,
    /// Draft, approved, published, expired or in maintenance.
    pub lifecycle: super::lifecycle::Lifecycle,
}

impl Entry {
    /// Whether a render of this publication for one person may only ever be shown to that
    /// person: it is made with their credentials (their mailbox, a CAS proxy ticket of their
    /// session) or is their own data fetched from a back-end (rendered for them alone,
    /// `vary_by = ["user"]`). The view-as page withholds such slots, from cache or fresh.
    pub fn personal_only(&self) -> bool {
        let manifest = &self.channel.manifest;
        let credentials = manifest.mail.is_some()
            || manifest.dav.is_some()
            || self
                .publication
                .backends
                .values()
                .any(|b| matches!(b.auth, agora_channel_host::BackendAuth::CasProxy { .. }));
        let own_data = !manifest.backends.is_empty() && manifest.cache.vary_by.iter().any(|v| v == "user");
        credentials || own_data
    }
}

/// All publications of the portal, by id.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    channels: BTreeMap<String, toml::Value>,
}

impl Registry {
    /// Load `channels_file`, finding packages in the deployed store `deployed` and under
    /// `packages_dir` ([`super::packages::resolve`]).
    pub fn load(
        engine: &ChannelEngine,
        channels_file: &Path,
        packages_dir: &Path,
        deployed: &Path,
    ) -> Result<Self, ConfigError> {
        Self::load_with_env(engine, channels_file, packages_dir, deployed, &|k| {
            std::env::var(k).ok()
        })
    }

    /// Like [`Registry::load`] with a given environment lookup (tests).
    pub fn load_with_env(
        engine: &ChannelEngine,
        channels_file: &Path,
        packages_dir: &Path,
        deployed: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = channels_file.display().to_string();
        let text = std::fs::read_to_string(channels_file)
            .map_err(|e| ConfigError::new(&file, "", format!("cannot read: {e}")))?;
        let parsed: RegistryFile = toml::from_str(&text)
            .map_err(|e| ConfigError::new(&file, "", e.to_string().trim_end().replace('\n', " ")))?;
        // By folder: two publications of one package version share one load.
        let mut packages: HashMap<PathBuf, (String, LoadedChannel)> = HashMap::new();
        let mut entries = BTreeMap::new();
        for (id, mut value) in parsed.channels {
            let key = format!("channels.{id}");
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(ConfigError::new(
                    &file,
                    key,
                    "publication ids are made of letters, digits, '-' and '_'",
                ));
            }
            expand_env(&mut value, &key, env).map_err(|(k, reason)| ConfigError::new(&file, k, reason))?;
            let lifecycle = super::lifecycle::Lifecycle::take(&mut value, &file, &key)?;
            let spec: PublicationSpec = value
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::new(&file, &key, e.message().to_string()))?;
            let dir = super::packages::resolve(&spec.package, spec.version.as_deref(), packages_dir, deployed)
                .map_err(|reason| ConfigError::new(&file, format!("{key}.version"), reason))?;
            let channel = match packages.get(&dir) {
                Some((_, c)) => c.clone(),
                None => {
                    let loaded = engine
                        .load_package(&dir)
                        .map_err(|e| ConfigError::new(&file, format!("{key}.package"), e.to_string()))?;
                    // A channel id names one package: a second package claiming it (by mistake
                    // or to pass for it in logs, metrics and the catalogue) is refused.
                    let id = &loaded.manifest.channel.id;
                    if let Some((other, _)) = packages
                        .values()
                        .find(|(name, c)| c.manifest.channel.id == *id && *name != spec.package)
                    {
                        return Err(ConfigError::new(
                            &file,
                            format!("{key}.package"),
                            format!(
                                "package `{}` declares channel id `{id}`, already declared by package `{other}` ({}): channel ids must be unique",
                                spec.package,
                                loaded.manifest.source.display()
                            ),
                        ));
                    }
                    packages.insert(dir, (spec.package.clone(), loaded.clone()));
                    loaded
                }
            };
            let publication = Publication::new(&id, &spec, &channel.manifest)
                .map_err(|e| ConfigError::new(&file, format!("{key}.{}", e.key), e.reason))?;
            entries.insert(
                id,
                Entry {
                    publication: Arc::new(publication),
                    channel,
                    lifecycle,
                },
            );
        }
        Ok(Registry { entries })
    }

    /// These publications, belonging to tenant `scope` (their channel caches apart from
    /// every other tenant's).
    pub fn in_scope(mut self, scope: &str) -> Self {
        for entry in self.entries.values_mut() {
            entry.publication = Arc::new((*entry.publication).clone().in_scope(scope));
        }
        self
    }

    /// These publications with every render's CPU time capped at `cpu_ms` (a tenant's
    /// `[limits] channel_cpu_ms`; 0: each channel's own budget).
    pub fn with_cpu_ceiling(mut self, cpu_ms: u32) -> Self {
        if cpu_ms == 0 {
            return self;
        }
        for entry in self.entries.values_mut() {
            if entry.channel.manifest.limits.cpu_ms > cpu_ms {
                let mut manifest = (*entry.channel.manifest).clone();
                manifest.limits.cpu_ms = cpu_ms;
                entry.channel.manifest = Arc::new(manifest);
            }
        }
        self
    }

    /// A publication by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// All publications.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }

    /// Number of publications.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no publications.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Replace `${VAR}` in every string of `value`; the error names the key and the variable.
fn expand_env(
    value: &mut toml::Value,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), (String, String)> {
    match value {
        toml::Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else {
                    return Err((key.to_string(), "unterminated `${`".into()));
                };
                let var = &after[..end];
                let val =
                    env(var).ok_or_else(|| (key.to_string(), format!("environment variable {var} is not set")))?;
                out.push_str(&val);
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            *s = out;
        }
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                expand_env(item, &format!("{key}[{i}]"), env)?;
            }
        }
        toml::Value::Table(t) => {
            for (k, v) in t.iter_mut() {
                expand_env(v, &format!("{key}.{k}"), env)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion_names_the_missing_variable() {
        let mut v: toml::Value = toml::from_str("a = { url = \"${HOST}/x\", n = [\"${NOPE}\"] }").expect("toml");
        let env = |k: &str| (k == "HOST").then(|| "http://h".to_string());
        let err = expand_env(&mut v, "channels.p", &env).unwrap_err();
        assert_eq!(err.0, "channels.p.a.n[0]");
        assert!(err.1.contains("NOPE"));
        let mut v: toml::Value = toml::from_str("url = \"${HOST}/x\"").expect("toml");
        expand_env(&mut v, "k", &env).expect("expands");
        assert_eq!(v["url"].as_str(), Some("http://h/x"));
    }
}

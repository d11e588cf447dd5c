//! Portal configuration: built-in defaults → `config/portal.toml` → `PORTAL_*` environment
//! variables (`PORTAL_SERVER__LISTEN=0.0.0.0:8080`: `__` separates levels), merged with
//! figment. A bad value stops start-up with the file, the key and the reason.

mod defaults;
pub mod secret;
pub mod sections;
mod validate;

pub use secret::{Secret, key_bytes, redact};
pub use sections::*;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The environment provider type (re-exported for tests that load configuration).
pub type EnvProvider = Env;

/// A configuration error a person can act on: which file, which key, what is wrong.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{file}: [{key}]: {reason}")]
pub struct ConfigError {
    /// The file (or `environment variable PORTAL_…`) the bad value came from.
    pub file: String,
    /// The dotted key at fault.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    /// An error in `file` at `key`.
    pub fn new(file: impl Into<String>, key: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            file: file.into(),
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    /// `[server]`
    pub server: ServerConfig,
    /// `[paths]`
    pub paths: PathsConfig,
    /// `[skin]`
    pub skin: SkinConfig,
    /// `[i18n]`
    pub i18n: I18nConfig,
    /// `[channels]`
    pub channels: ChannelsConfig,
    /// `[session]`
    pub session: SessionConfig,
    /// `[redis]`
    pub redis: RedisConfig,
    /// `[tls]`
    pub tls: TlsConfig,
    /// `[limits]`
    pub limits: LimitsConfig,
    /// `[auth]`
    pub auth: AuthConfig,
    /// `[cas]`
    pub cas: CasConfig,
    /// `[oidc]`
    pub oidc: OidcConfig,
    /// `[trusted_headers]`
    pub trusted_headers: TrustedHeadersConfig,
    /// `[ldap]`
    pub ldap: LdapConfig,
    /// `[directory]`
    pub directory: DirectoryConfig,
    /// `[storage]`
    pub storage: StorageConfig,
    /// `[mail]`
    pub mail: MailConfig,
    /// `[dav]`
    pub dav: DavConfig,
    /// `[admin]`
    pub admin: AdminConfig,
    /// `[statistics]`
    pub statistics: StatisticsConfig,
    /// `[sms]`
    pub sms: SmsConfig,
    /// `[demo]`
    pub demo: DemoConfig,
    /// `[log]`
    pub log: LogConfig,
    /// Directory relative paths are resolved against (not a key; set by [`PortalConfig::load`]).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// Where the configuration came from, for messages.
    #[serde(skip)]
    pub source: String,
}

impl PortalConfig {
    /// Load defaults, then `file` (if it exists), then `PORTAL_*` variables; validate.
    /// Relative paths are resolved against the file's own directory, as nginx or systemd
    /// do (`/etc/agora/portal.toml`: `data` is `/etc/agora/data`, never `/etc/data`).
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        Self::load_with_env(file, Env::prefixed("PORTAL_").split("__"))
    }

    /// Like [`PortalConfig::load`] with a given environment provider (tests).
    pub fn load_with_env(file: &Path, env: Env) -> Result<Self, ConfigError> {
        let shown = file.display().to_string();
        if !file.exists() {
            return Err(ConfigError::new(shown, "", "file not found"));
        }
        let figment = Figment::from(Serialized::defaults(PortalConfig::default()))
            .merge(Toml::file(file))
            .merge(env);
        let mut config: PortalConfig = figment.extract().map_err(|e| from_figment(&figment, e, &shown))?;
        config.base_dir = match file.parent() {
            Some(root) if !root.as_os_str().is_empty() => root.to_path_buf(),
            _ => PathBuf::from("."),
        };
        config.source = shown;
        config.validate()?;
        Ok(config)
    }

    /// Resolve a configured path against the configuration file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// The public base URL, always ending with `/`.
    pub fn public_url(&self) -> String {
        let url = if self.server.public_url.is_empty() {
            format!("http://{}/", self.server.listen)
        } else {
            self.server.public_url.clone()
        };
        if url.ends_with('/') { url } else { format!("{url}/") }
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}

/// Turn a figment error into file + key + reason.
fn from_figment(figment: &Figment, e: figment::Error, file: &str) -> ConfigError {
    let key = e.path.join(".");
    let origin = figment
        .find_metadata(&key)
        .map(|m| match &m.source {
            Some(figment::Source::File(p)) => p.display().to_string(),
            _ if m.name.contains("environment") => {
                format!(
                    "environment variable PORTAL_{}",
                    key.to_ascii_uppercase().replace('.', "__")
                )
            }
            _ => file.to_string(),
        })
        .unwrap_or_else(|| file.to_string());
    let reason = e.kind.to_string();
    ConfigError::new(origin, key, reason)
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let config_dir = dir.join("config");
        std::fs::create_dir_all(&config_dir).expect("mkdir");
        for f in ["channels.toml", "catalogue.toml", "populations.toml"] {
            std::fs::write(config_dir.join(f), "").expect("write");
        }
        std::fs::create_dir_all(config_dir.join("fragments")).expect("mkdir");
        std::fs::create_dir_all(config_dir.join("themes/default")).expect("mkdir");
        let file = config_dir.join("portal.toml");
        std::fs::write(&file, text).expect("write");
        file
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("agora-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut c = PortalConfig::default();
        c.ldap.bind_password = "ldap-pw-1".into();
        c.oidc.client_secret = "oidc-secret-2".into();
        c.trusted_headers.secret = "proxy-secret-3".into();
        c.mail.master_password = "imap-pw-4".into();
        c.storage.url = "postgres://agora:pg-pw-5@db/agora".into();
        let shown = format!("{c:?}");
        for secret in ["ldap-pw-1", "oidc-secret-2", "proxy-secret-3", "imap-pw-4", "pg-pw-5"] {
            assert!(!shown.contains(secret), "{secret} shows in {shown}");
        }
        assert!(shown.contains("postgres://agora:***@db/agora"), "{shown}");
    }

    fn no_env() -> Env {
        Env::prefixed("AGORA_TEST_NOTHING_")
    }

    #[test]
    fn defaults_then_file_then_env() {
        let d = tmp("layers");
        let f = write(
            &d,
            "[server]\nlisten = \"127.0.0.1:9000\"\n[skin]\ninstitution = \"Université de Test\"\n",
        );
        let c = PortalConfig::load_with_env(&f, no_env()).expect("loads");
        assert_eq!(c.server.listen.port(), 9000);
        assert_eq!(c.skin.institution, "Université de Test");
        assert_eq!(c.skin.portal_name, "ENT");
        assert_eq!(c.base_dir, d.join("config"), "relative to the file's own folder");
        assert_eq!(c.resolve(&c.paths.data_dir), d.join("config/data"));
        assert_eq!(c.resolve(&c.paths.channels), d.join("config/channels.toml"));
        figment::Jail::expect_with(|jail| {
            jail.set_env("PORTAL_SERVER__LISTEN", "127.0.0.1:9100");
            let c = PortalConfig::load(&f).expect("loads");
            assert_eq!(c.server.listen.port(), 9100);
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_names_file_key_and_reason() {
        let d = tmp("bad");
        let f = write(&d, "[server]\nlisten = \"not an address\"\n");
        let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
        assert_eq!(e.key, "server.listen");
        assert!(e.file.ends_with("config/portal.toml"), "{e}");
        assert!(e.to_string().contains("server.listen"), "{e}");

        let f = write(&d, "[skin]\nprimary_color = \"blue\"\n");
        let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
        assert_eq!(e.key, "skin.primary_color");
        assert!(e.reason.contains("#rrggbb"));

        let f = write(&d, "[server]\nlisten = \"127.0.0.1:1\"\nmystery = 1\n");
        let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
        assert!(e.reason.contains("mystery"), "{e}");

        let f = write(&d, "[server\nlisten = 1");
        let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
        assert!(e.to_string().contains("portal.toml"), "{e}");

        let f = write(&d, "[server]\npublic_url = \"https://www.univ.fr/ent/\"\n");
        let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
        assert_eq!(e.key, "server.public_url");
        assert!(e.reason.contains("root of its own host"), "{e}");

        for logout in ["https://evil.example/", "//evil.example/x", "Shibboleth.sso/Logout"] {
            let f = write(
                &d,
                &format!(
                    "[trusted_headers]\nenabled = true\nproxies = [\"127.0.0.1\"]\n\
                     secret = \"0123456789abcdef\"\nlogout_path = \"{logout}\"\n"
                ),
            );
            let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
            assert_eq!(e.key, "trusted_headers.logout_path", "{logout}");
        }
    }

    #[test]
    fn several_nodes_need_one_cookie_key_and_one_database() {
        let d = tmp("redis");
        let key = "ab".repeat(64);
        let pg = "postgres://agora:pw@db/agora";
        for (toml, wanted_key, reason) in [
            (
                format!("[redis]\nurl = \"redis://127.0.0.1:6379/\"\n[storage]\nurl = \"{pg}\"\n"),
                "session.key",
                "same key",
            ),
            (
                format!("[redis]\nurl = \"redis://127.0.0.1:6379/\"\n[session]\nkey = \"{key}\"\n"),
                "storage.url",
                "PostgreSQL",
            ),
            (
                format!(
                    "[redis]\nurl = \"rediss://cache:6380/\"\n[session]\nkey = \"{key}\"\n[storage]\nurl = \"{pg}\"\n"
                ),
                "redis.url",
                "TLS",
            ),
            (
                format!("[redis]\nurl = \"127.0.0.1:6379\"\n[session]\nkey = \"{key}\"\n[storage]\nurl = \"{pg}\"\n"),
                "redis.url",
                "redis://",
            ),
            (
                "[session]\nkey = \"short\"\n".to_string(),
                "session.key",
                "openssl rand",
            ),
        ] {
            let f = write(&d, &toml);
            let e = PortalConfig::load_with_env(&f, no_env()).unwrap_err();
            assert_eq!(e.key, wanted_key, "{toml}: {e}");
            assert!(e.reason.contains(reason), "{toml}: {e}");
        }
        let f = write(
            &d,
            &format!(
                "[redis]\nurl = \"redis://:pw@127.0.0.1:6379/\"\n[session]\nkey = \"{key}\"\n[storage]\nurl = \"{pg}\"\n"
            ),
        );
        let config = PortalConfig::load_with_env(&f, no_env()).expect("a valid several-node configuration");
        assert!(!format!("{config:?}").contains(&key), "the cookie key never shows");
        assert!(
            !format!("{config:?}").contains(":pw@"),
            "the Redis password never shows"
        );
    }

    #[test]
    fn a_bad_env_value_names_the_variable() {
        let d = tmp("env");
        let f = write(&d, "");
        figment::Jail::expect_with(|jail| {
            jail.set_env("PORTAL_SESSION__IDLE_MINUTES", "soon");
            let e = PortalConfig::load(&f).unwrap_err();
            assert_eq!(e.key, "session.idle_minutes");
            assert!(e.file.contains("PORTAL_SESSION__IDLE_MINUTES"), "{e}");
            Ok(())
        });
    }
}

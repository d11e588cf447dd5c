//! Checks a loaded configuration before anything starts: each failure names the file, the
//! key and the reason.

use super::sections::{DavAuthKind, MailAuth};
use super::{ConfigError, PortalConfig};

impl PortalConfig {
    pub(super) fn err(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::new(self.source.clone(), key, reason)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !self.server.public_url.is_empty() {
            let url = url::Url::parse(&self.server.public_url)
                .map_err(|e| self.err("server.public_url", format!("not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(self.err("server.public_url", "must be an http(s) URL with a host"));
            }
            if url.path() != "/" || url.query().is_some() {
                return Err(self.err(
                    "server.public_url",
                    format!(
                        "`{}` has a path: the portal is served at the root of its own host name \
                         (e.g. https://ent.univ.fr/)",
                        self.server.public_url
                    ),
                ));
            }
        }
        for (key, value) in [
            ("skin.primary_color", &self.skin.primary_color),
            ("skin.accent_color", &self.skin.accent_color),
        ] {
            let ok = value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit());
            if !ok {
                return Err(self.err(key, format!("`{value}` is not a colour of the form #rrggbb")));
            }
        }
        if !self.cas.server_url.is_empty() {
            agora_cas::CasClient::new(&self.cas.server_url, reqwest_free_client())
                .map_err(|e| self.err("cas.server_url", e.to_string()))?;
        }
        if !self.storage.url.is_empty()
            && !self.storage.url.starts_with("postgres://")
            && !self.storage.url.starts_with("postgresql://")
        {
            return Err(self.err("storage.url", "must be empty (SQLite) or a postgres:// URL"));
        }
        if !self.ldap.url.is_empty() {
            let url = url::Url::parse(&self.ldap.url).map_err(|e| self.err("ldap.url", format!("not a URL: {e}")))?;
            if !matches!(url.scheme(), "ldap" | "ldaps") {
                return Err(self.err("ldap.url", "must be ldap:// or ldaps://"));
            }
            if !self.ldap.filter.contains("{login}") {
                return Err(self.err("ldap.filter", "must contain {login}"));
            }
            if self.ldap.base_dn.is_empty() {
                return Err(self.err("ldap.base_dn", "is required when [ldap] url is set"));
            }
            if self.ldap.pool_size == 0 {
                return Err(self.err("ldap.pool_size", "must be at least 1"));
            }
        }
        if !self.oidc.issuer_url.is_empty() {
            let url = url::Url::parse(&self.oidc.issuer_url)
                .map_err(|e| self.err("oidc.issuer_url", format!("not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(self.err("oidc.issuer_url", "must be an http(s) URL"));
            }
            if self.oidc.client_id.is_empty() {
                return Err(self.err("oidc.client_id", "is required when [oidc] issuer_url is set"));
            }
            if !self.cas.server_url.is_empty() {
                return Err(self.err(
                    "oidc.issuer_url",
                    "cannot be combined with [cas] server_url: choose one sign-on",
                ));
            }
        }
        if self.trusted_headers.enabled {
            if self.trusted_headers.proxies.is_empty() {
                return Err(self.err(
                    "trusted_headers.proxies",
                    "list the reverse proxy addresses allowed to sign users on",
                ));
            }
            if self.trusted_headers.secret.len() < 16 {
                return Err(self.err(
                    "trusted_headers.secret",
                    "must be at least 16 characters (set PORTAL_TRUSTED_HEADERS__SECRET)",
                ));
            }
            let logout = &self.trusted_headers.logout_path;
            if !logout.is_empty()
                && (!logout.starts_with('/') || logout.starts_with("//") || logout.contains(['\\', '\r', '\n']))
            {
                return Err(self.err(
                    "trusted_headers.logout_path",
                    format!("`{logout}` is not a path on this host (e.g. /Shibboleth.sso/Logout)"),
                ));
            }
            if !self.cas.server_url.is_empty() {
                return Err(self.err(
                    "trusted_headers.enabled",
                    "cannot be combined with [cas] server_url: choose one sign-on",
                ));
            }
        }
        if self.auth.absolute_hours == 0 {
            return Err(self.err("auth.absolute_hours", "must be at least 1"));
        }
        if !matches!(self.i18n.default_locale.as_str(), "fr" | "en") {
            return Err(self.err(
                "i18n.default_locale",
                format!("`{}` is not one of: fr, en", self.i18n.default_locale),
            ));
        }
        if self.sms.enabled() {
            match url::Url::parse(&self.sms.url) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => {}
                _ => return Err(self.err("sms.url", format!("`{}` is not an http(s) URL", self.sms.url))),
            }
            if self.sms.account.is_empty() {
                return Err(self.err("sms.account", "the SMS-U account to charge is needed"));
            }
            if self.sms.user.is_empty() {
                return Err(self.err("sms.user", "SMS-U's application login is needed"));
            }
            if self.sms.max_chars == 0 || self.sms.max_recipients == 0 {
                return Err(self.err("sms.max_chars", "max_chars and max_recipients must be at least 1"));
            }
        }
        if self.statistics.flush_seconds == 0 {
            return Err(self.err("statistics.flush_seconds", "must be at least 1"));
        }
        if self.statistics.keep_days == 0 {
            return Err(self.err(
                "statistics.keep_days",
                "must be at least 1 (set enabled = false to count nothing)",
            ));
        }
        let zone = &self.i18n.time_zone;
        if zone.is_empty()
            || zone.len() > 64
            || !zone
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        {
            return Err(self.err(
                "i18n.time_zone",
                format!("`{zone}` is not a time zone name such as Europe/Paris or Indian/Reunion"),
            ));
        }
        if self.mail.enabled() {
            match self.mail.auth {
                MailAuth::CasProxy if self.mail.cas_service.is_empty() => {
                    return Err(self.err(
                        "mail.cas_service",
                        "the IMAP server's CAS service is needed for auth = \"cas-proxy\"",
                    ));
                }
                MailAuth::Master if self.mail.master_user.is_empty() => {
                    return Err(self.err("mail.master_user", "a master user is needed for auth = \"master\""));
                }
                MailAuth::CasProxy | MailAuth::Master => {}
            }
        }
        if self.dav.enabled() {
            for (key, url) in [
                ("dav.calendars_url", &self.dav.calendars_url),
                ("dav.contacts_url", &self.dav.contacts_url),
                ("dav.files_url", &self.dav.files_url),
            ] {
                if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(self.err(key, "an http(s) URL, `{uid}` standing for the person's uid"));
                }
            }
            match self.dav.auth {
                DavAuthKind::ServiceAccount if self.dav.user.is_empty() => {
                    return Err(self.err("dav.user", "a service account is needed for auth = \"service-account\""));
                }
                DavAuthKind::CasProxy if self.dav.cas_service.is_empty() => {
                    return Err(self.err(
                        "dav.cas_service",
                        "the DAV server's CAS service is needed for auth = \"cas-proxy\"",
                    ));
                }
                DavAuthKind::ServiceAccount | DavAuthKind::CasProxy => {}
            }
        }
        if !self.session.key.is_empty()
            && let Err(why) = super::key_bytes(&self.session.key)
        {
            return Err(self.err("session.key", &why));
        }
        if !self.redis.url.is_empty() {
            let url = self.redis.url.expose();
            if url.starts_with("rediss://") {
                return Err(self.err(
                    "redis.url",
                    "TLS to Redis (rediss://) is not supported yet: reach Redis on a private network or through a local TLS tunnel",
                ));
            }
            if !(url.starts_with("redis://") || url.starts_with("unix://")) {
                return Err(self.err("redis.url", "must start with redis:// or unix://"));
            }
            if self.storage.url.is_empty() {
                return Err(self.err(
                    "storage.url",
                    "is needed with [redis] url: every node must keep users' edits in the same PostgreSQL database",
                ));
            }
            if self.session.key.is_empty() {
                return Err(self.err(
                    "session.key",
                    "is needed with [redis] url: every node must sign cookies with the same key (generate one with `openssl rand -hex 64`)",
                ));
            }
            if self.redis.timeout_ms == 0 {
                return Err(self.err("redis.timeout_ms", "must be at least 1"));
            }
        }
        if self.session.idle_minutes == 0 {
            return Err(self.err("session.idle_minutes", "must be at least 1"));
        }
        if self.channels.max_instances == 0 {
            return Err(self.err("channels.max_instances", "must be at least 1"));
        }
        for (key, path) in [
            ("paths.theme_dir", &self.paths.theme_dir),
            ("paths.channels", &self.paths.channels),
            ("paths.fragments", &self.paths.fragments),
            ("paths.catalogue", &self.paths.catalogue),
            ("paths.populations", &self.paths.populations),
        ] {
            let p = self.resolve(path);
            if !p.exists() {
                return Err(self.err(key, format!("{} does not exist", p.display())));
            }
        }
        if self.demo.enabled && !self.resolve(&self.demo.directory).exists() {
            return Err(self.err(
                "demo.directory",
                format!("{} does not exist", self.resolve(&self.demo.directory).display()),
            ));
        }
        Ok(())
    }
}

/// A client only used to check URLs at start-up.
fn reqwest_free_client() -> reqwest::Client {
    reqwest::Client::new()
}

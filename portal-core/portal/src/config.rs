//! Portal configuration: built-in defaults → `config/portal.toml` → `PORTAL_*` environment
//! variables (`PORTAL_SERVER__LISTEN=0.0.0.0:8080`: `__` separates levels), merged with
//! figment. A bad value stops start-up with the file, the key and the reason.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
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

/// `[server]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Public base URL as users see it (behind the reverse proxy), e.g. `https://ent.univ.fr/`.
    /// Empty: `http://<listen>/`.
    pub public_url: String,
    /// HTTP worker threads (0: one per core).
    pub workers: usize,
    /// Addresses allowed to read `/metrics` (the TCP peer, e.g. the Prometheus server);
    /// loopback by default. Others get 403.
    pub metrics_from: Vec<std::net::IpAddr>,
}

/// `[paths]`: every relative path is resolved against the directory of `portal.toml`'s parent
/// (the project or installation root).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathsConfig {
    /// Where the portal keeps its database and compiled channels.
    pub data_dir: PathBuf,
    /// The theme directory (holding `templates/`, `static/`, `i18n/`).
    pub theme_dir: PathBuf,
    /// Optional directory of templates overriding the theme's, file by file.
    pub theme_overrides: Option<PathBuf>,
    /// The channel registry (`channels.toml`).
    pub channels: PathBuf,
    /// Directory holding the channel packages (`<package>/channel.toml` + `channel.wasm`).
    pub channel_packages: PathBuf,
    /// Directory of layout fragments (one `*.toml` per fragment), hot-reloaded.
    pub fragments: PathBuf,
    /// The channel catalogue (`catalogue.toml`): who may add which channel, categories.
    pub catalogue: PathBuf,
    /// Population definitions (`populations.toml`).
    pub populations: PathBuf,
}

/// `[skin]`: the institution's look.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkinConfig {
    /// Institution name shown in the header.
    pub institution: String,
    /// Short name of the portal ("ENT").
    pub portal_name: String,
    /// Logo URL (relative to the portal or absolute https).
    pub logo_url: String,
    /// Main colour, `#rrggbb`.
    pub primary_color: String,
    /// Accent colour, `#rrggbb`.
    pub accent_color: String,
}

/// `[i18n]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nConfig {
    /// Language when the browser asks for none we have: `fr` or `en`.
    pub default_locale: String,
}

/// `[channels]`: runtime settings of the channel host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsConfig {
    /// Threads of the dedicated render runtime (0: one per core).
    pub render_threads: usize,
    /// Concurrent channel instances.
    pub max_instances: u32,
    /// Bytes of the channels' key-value cache.
    pub cache_mib: u64,
    /// Rendered fragments kept for reuse and as "last good render".
    pub render_cache_entries: u64,
}

/// `[session]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Minutes of inactivity after which a session ends.
    pub idle_minutes: u64,
    /// Name of the session cookie.
    pub cookie_name: String,
}

/// `[auth]`: what signed-out visitors get and how long a sign-in lasts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Serve the guest page to visitors who are not signed in (otherwise: send them to sign-on).
    pub guest_page: bool,
    /// Hours after sign-in when a session ends whatever the activity.
    pub absolute_hours: u64,
}

/// `[cas]`: sign-on with a CAS 3.0 server. Off while `server_url` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasConfig {
    /// Base URL of the CAS server, e.g. `https://cas.univ.fr/cas/`.
    pub server_url: String,
    /// Ask CAS for fresh credentials at every portal sign-in.
    pub renew: bool,
    /// For guests, try once per session to pick up an existing CAS session silently.
    pub gateway: bool,
    /// Ask for a proxy-granting ticket (needed by back-ends bound with `auth = cas-proxy`).
    pub proxy: bool,
    /// Timeout of back-channel calls to the CAS server, ms.
    pub timeout_ms: u64,
    /// Sign out of CAS too when signing out of the portal.
    pub logout_from_cas: bool,
}

/// `[oidc]`: sign-on with an OpenID Connect provider (authorization code flow with PKCE).
/// Off while `issuer_url` is empty.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer URL (discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer_url: String,
    /// Client id registered with the provider.
    pub client_id: String,
    /// Client secret (set it with `PORTAL_OIDC__CLIENT_SECRET`); empty for a public client.
    pub client_secret: String,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// The claim giving the portal login (`preferred_username`, `sub`, `uid` …).
    pub login_claim: String,
    /// Claims mapped to person attributes: claim name → attribute name.
    pub claims: std::collections::BTreeMap<String, String>,
    /// Sign out of the provider too (RP-initiated logout, when the provider advertises an
    /// `end_session_endpoint`); register the portal's public URL as a post-logout redirect URI.
    pub logout_from_provider: bool,
    /// Timeout of each call to the provider (discovery, keys, token endpoint), ms.
    pub timeout_ms: u64,
}

/// `[trusted_headers]`: sign-on done by a reverse proxy (Apache mod_shib for the RENATER
/// federation), which passes the user and attributes as request headers. Accepted only from
/// the listed proxy addresses and with the shared secret header; refused otherwise.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedHeadersConfig {
    /// Turn the mode on.
    pub enabled: bool,
    /// IP addresses of the reverse proxies (the TCP peer, never `X-Forwarded-For`).
    pub proxies: Vec<std::net::IpAddr>,
    /// Header carrying the shared secret.
    pub secret_header: String,
    /// The shared secret (set it with `PORTAL_TRUSTED_HEADERS__SECRET`).
    pub secret: String,
    /// Header carrying the login.
    pub user_header: String,
    /// Attribute headers: header name → attribute name. A SAML `urn:oid:` name is looked
    /// for in the header of the same name with `:` turned into `_` (HTTP forbids `:`).
    /// Multiple values are separated by `;`, as mod_shib does.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Where sign-out sends the browser to end the proxy's session too (mod_shib's
    /// `/Shibboleth.sso/Logout`), with `?return=<public_url>`; a path on the portal's host.
    /// Empty: sign-out is local only (and the proxy signs the user straight back in).
    pub logout_path: String,
}

/// `[mail]`: the IMAP server the portal reads users' mailboxes on, for channels granted
/// `[mail]`. Off while `imap_host` is empty.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// IMAP server host name.
    pub imap_host: String,
    /// IMAP port (143 for `none`/`starttls`, 993 for `tls`).
    pub imap_port: u16,
    /// `tls` (implicit TLS), `starttls`, or `none` (loopback tests only).
    pub tls: String,
    /// How the portal logs in as the user: `cas-proxy` (a CAS proxy ticket for `cas_service`
    /// is the IMAP password; the server validates it at CAS) or `master` (a master user).
    pub auth: String,
    /// CAS service of the IMAP server, for `cas-proxy` (e.g. `imap://imap.univ.fr`).
    pub cas_service: String,
    /// Master user login, for `master`.
    pub master_user: String,
    /// Master user password (set it with `PORTAL_MAIL__MASTER_PASSWORD`).
    pub master_password: String,
    /// Between the user's login and the master login (`user*master` for Dovecot).
    pub master_separator: String,
    /// Whole conversation budget, ms.
    pub timeout_ms: u64,
}

impl MailConfig {
    /// Whether a mail server is configured.
    pub fn enabled(&self) -> bool {
        !self.imap_host.is_empty()
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("imap_host", &self.imap_host)
            .field("imap_port", &self.imap_port)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .field("cas_service", &self.cas_service)
            .field("master_user", &self.master_user)
            .field("master_password", &"***")
            .finish()
    }
}

/// `[ldap]`: the institution's directory (SupAnn). Off while `url` is empty.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// DN to bind as (empty: anonymous).
    pub bind_dn: String,
    /// Password of `bind_dn` (set it with `PORTAL_LDAP__BIND_PASSWORD`).
    pub bind_password: String,
    /// Where people are searched.
    pub base_dn: String,
    /// Search filter; `{login}` is replaced by the escaped login.
    pub filter: String,
    /// Attributes read (never `userPassword`, whatever is listed).
    pub attributes: Vec<String>,
    /// Timeout of connection and search, ms.
    pub timeout_ms: u64,
    /// Upgrade `ldap://` with StartTLS.
    pub starttls: bool,
    /// Verify the server certificate (turn off only for tests).
    pub tls_verify: bool,
    /// Connections kept open.
    pub pool_size: usize,
}

/// Secrets never reach logs, even through `{:?}` of the configuration.
impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .field("login_claim", &self.login_claim)
            .field("claims", &self.claims)
            .field("logout_from_provider", &self.logout_from_provider)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("url", &crate::storage::redact(&self.url))
            .finish()
    }
}

impl std::fmt::Debug for TrustedHeadersConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedHeadersConfig")
            .field("enabled", &self.enabled)
            .field("proxies", &self.proxies)
            .field("secret_header", &self.secret_header)
            .field("secret", &"***")
            .field("user_header", &self.user_header)
            .field("attributes", &self.attributes)
            .field("logout_path", &self.logout_path)
            .finish()
    }
}

impl std::fmt::Debug for LdapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapConfig")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &"***")
            .field("base_dn", &self.base_dn)
            .field("filter", &self.filter)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

/// `[directory]`: how attribute sources are merged and cached.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// How long a resolved person is reused, seconds.
    pub cache_seconds: u64,
    /// Attributes for which the sign-on assertion wins over the directory (by default the
    /// directory wins and sign-on attributes only fill gaps).
    pub signon_wins: Vec<String>,
}

/// `[storage]`: where layouts, preferences and last good renders are kept.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Empty: SQLite in `paths.data_dir/portal.db`. Or `postgres://user:pass@host/db` (set
    /// it with `PORTAL_STORAGE__URL` to keep the password out of files).
    pub url: String,
}

/// `[admin]`: who may use the administration API (`/admin/…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Logins of administrators.
    pub uids: Vec<String>,
    /// Members of these populations are administrators too.
    pub populations: Vec<String>,
    /// How often (seconds) `populations.toml`, the fragments and the catalogue are checked
    /// for changes and reloaded; 0 turns hot reload off.
    pub reload_seconds: u64,
}

/// `[demo]`: the persona login, for demonstrations and development only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Enable the persona login page. Never in production.
    pub enabled: bool,
    /// LDIF file with the demo people.
    pub directory: PathBuf,
    /// The `uid`s offered on the persona page, in order.
    pub personas: Vec<String>,
}

/// `[log]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `pretty` for people, `json` for log collectors.
    pub format: String,
    /// A tracing filter, e.g. `info,agora_portal=debug`.
    pub filter: String,
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
    /// `[admin]`
    pub admin: AdminConfig,
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

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            server: ServerConfig {
                listen: ([127, 0, 0, 1], 8080).into(),
                public_url: String::new(),
                workers: 0,
                metrics_from: vec![
                    std::net::IpAddr::from([127, 0, 0, 1]),
                    std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
                ],
            },
            paths: PathsConfig {
                data_dir: "data".into(),
                theme_dir: "themes/default".into(),
                theme_overrides: None,
                channels: "config/channels.toml".into(),
                channel_packages: "target/channels".into(),
                fragments: "config/fragments".into(),
                catalogue: "config/catalogue.toml".into(),
                populations: "config/populations.toml".into(),
            },
            skin: SkinConfig {
                institution: "Université".into(),
                portal_name: "ENT".into(),
                logo_url: "/static/logo.svg".into(),
                primary_color: "#1d3f72".into(),
                accent_color: "#e0a100".into(),
            },
            i18n: I18nConfig {
                default_locale: "fr".into(),
            },
            channels: ChannelsConfig {
                render_threads: 0,
                max_instances: 256,
                cache_mib: 64,
                render_cache_entries: 100_000,
            },
            session: SessionConfig {
                idle_minutes: 120,
                cookie_name: "agora_session".into(),
            },
            auth: AuthConfig {
                guest_page: true,
                absolute_hours: 12,
            },
            cas: CasConfig {
                server_url: String::new(),
                renew: false,
                gateway: false,
                proxy: true,
                timeout_ms: 5000,
                logout_from_cas: true,
            },
            oidc: OidcConfig {
                issuer_url: String::new(),
                client_id: String::new(),
                client_secret: String::new(),
                scopes: vec!["profile".into(), "email".into()],
                login_claim: "preferred_username".into(),
                claims: [
                    ("name".to_string(), "displayName".to_string()),
                    ("email".to_string(), "mail".to_string()),
                    ("given_name".to_string(), "givenName".to_string()),
                    ("family_name".to_string(), "sn".to_string()),
                ]
                .into(),
                logout_from_provider: true,
                timeout_ms: 5000,
            },
            trusted_headers: TrustedHeadersConfig {
                enabled: false,
                proxies: Vec::new(),
                secret_header: "X-Agora-Proxy-Secret".into(),
                secret: String::new(),
                user_header: "REMOTE_USER".into(),
                attributes: std::collections::BTreeMap::new(),
                logout_path: "/Shibboleth.sso/Logout".into(),
            },
            ldap: LdapConfig {
                url: String::new(),
                bind_dn: String::new(),
                bind_password: String::new(),
                base_dn: String::new(),
                filter: "(|(uid={login})(supannAliasLogin={login}))".into(),
                attributes: [
                    "uid",
                    "cn",
                    "sn",
                    "givenName",
                    "displayName",
                    "mail",
                    "eduPersonAffiliation",
                    "eduPersonPrimaryAffiliation",
                    "eduPersonPrincipalName",
                    "supannAliasLogin",
                    "supannCivilite",
                    "supannEtablissement",
                    "supannEntiteAffectation",
                    "supannEntiteAffectationPrincipale",
                    "supannEtuId",
                    "supannEmpId",
                    "supannCodeINE",
                    "supannEtuInscription",
                    "supannRoleEntite",
                    "supannEmpCorps",
                    "supannActivite",
                    "supannListeRouge",
                    "memberOf",
                    "telephoneNumber",
                ]
                .into_iter()
                .map(String::from)
                .collect(),
                timeout_ms: 2000,
                starttls: false,
                tls_verify: true,
                pool_size: 4,
            },
            storage: StorageConfig { url: String::new() },
            mail: MailConfig {
                imap_host: String::new(),
                imap_port: 993,
                tls: "tls".into(),
                auth: "cas-proxy".into(),
                cas_service: String::new(),
                master_user: String::new(),
                master_password: String::new(),
                master_separator: "*".into(),
                timeout_ms: 3000,
            },
            directory: DirectoryConfig {
                cache_seconds: 300,
                signon_wins: Vec::new(),
            },
            admin: AdminConfig {
                uids: Vec::new(),
                populations: Vec::new(),
                reload_seconds: 2,
            },
            demo: DemoConfig {
                enabled: false,
                directory: "examples/demo/directory.ldif".into(),
                personas: Vec::new(),
            },
            log: LogConfig {
                format: "pretty".into(),
                filter: "info".into(),
            },
            base_dir: PathBuf::from("."),
            source: "built-in defaults".into(),
        }
    }
}

impl PortalConfig {
    /// Load defaults, then `file` (if it exists), then `PORTAL_*` variables; validate.
    /// Relative paths are resolved against the parent of the file's directory
    /// (`config/portal.toml` → the installation root).
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
        // `config/portal.toml` → the installation root is the parent of `config/`.
        config.base_dir = match file.parent().and_then(Path::parent) {
            Some(root) if !root.as_os_str().is_empty() => root.to_path_buf(),
            _ => PathBuf::from("."),
        };
        config.source = shown;
        config.validate()?;
        Ok(config)
    }

    fn err(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::new(self.source.clone(), key, reason)
    }

    fn validate(&self) -> Result<(), ConfigError> {
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
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(self.err(
                "log.format",
                format!("`{}` is not one of: pretty, json", self.log.format),
            ));
        }
        if self.mail.enabled() {
            if !["tls", "starttls", "none"].contains(&self.mail.tls.as_str()) {
                return Err(self.err(
                    "mail.tls",
                    format!("`{}` is not one of: tls, starttls, none", self.mail.tls),
                ));
            }
            match self.mail.auth.as_str() {
                "cas-proxy" if self.mail.cas_service.is_empty() => {
                    return Err(self.err(
                        "mail.cas_service",
                        "the IMAP server's CAS service is needed for auth = \"cas-proxy\"",
                    ));
                }
                "master" if self.mail.master_user.is_empty() => {
                    return Err(self.err("mail.master_user", "a master user is needed for auth = \"master\""));
                }
                "cas-proxy" | "master" => {}
                other => return Err(self.err("mail.auth", format!("`{other}` is not one of: cas-proxy, master"))),
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

    /// Resolve a configured path against the installation root.
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

/// A client only used to check URLs at start-up.
fn reqwest_free_client() -> reqwest::Client {
    reqwest::Client::new()
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
        std::fs::create_dir_all(dir.join("themes/default")).expect("mkdir");
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
        assert_eq!(c.base_dir, d);
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

//! The sections of `portal.toml`, one struct each. Secrets are [`Secret`]s (never shown by
//! `{:?}`), closed choices are enums.

use super::secret::Secret;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// The bearer token Prometheus presents to read `/metrics`
    /// (`Authorization: Bearer …`; set it with `PORTAL_SERVER__METRICS_TOKEN`). Empty: the
    /// metrics are closed (a peer address proves nothing behind a reverse proxy).
    pub metrics_token: Secret,
    /// If set, only these TCP peers may read `/metrics`, token or not. Empty: any peer
    /// with the token.
    pub metrics_from: Vec<std::net::IpAddr>,
    /// The reverse proxies in front of the portal: a request from one of them is counted
    /// for the client its `X-Forwarded-For` names (rate limits, access log), else for the
    /// peer address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// `[limits]`: rate limits, counted by every node together when `[redis] url` is set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Sign-in attempts (returns from CAS or OIDC, demo sign-ins) per client address and
    /// minute; 0 (the default): no limit. Set it with `[server] trusted_proxies`.
    pub signin_per_minute: u64,
    /// JSON API calls per signed-in person and minute; 0: no limit.
    pub api_per_minute: u64,
    /// Channel renders of this tenant running at once, across its users; 0 (the default):
    /// no limit but the render threads'. A render waiting longer than its channel's
    /// `wall_ms` shows the last good render, marked busy.
    pub concurrent_renders: usize,
    /// A ceiling on the CPU time of any one render of this tenant's channels, in ms; 0 (the
    /// default): each channel's own `limits.cpu_ms`.
    pub channel_cpu_ms: u32,
}

/// `[paths]`: every relative path is resolved against the directory holding `portal.toml`
/// (`/etc/agora/portal.toml`: `channels.toml` is `/etc/agora/channels.toml`).
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
    /// Administrators' announcements (`announcements.toml`), hot-reloaded; optional.
    pub announcements: PathBuf,
    /// The institution's codes in words (`nomenclature.toml`), hot-reloaded; optional.
    pub nomenclature: PathBuf,
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
    /// The institution's time zone (IANA name), told to channels (`agora:channel@0.2.0`).
    pub time_zone: String,
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
    /// The bearer token of the deployment API (`PUT /api/v1/admin/packages`, used by
    /// `agora-channel deploy`); empty: deployment is off.
    pub deploy_token: Secret,
    /// Largest package a deployment may send, in MiB (component, manifest and icon).
    pub deploy_max_mib: u64,
}

/// `[session]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Minutes of inactivity after which a session ends.
    pub idle_minutes: u64,
    /// Name of the session cookie.
    pub cookie_name: String,
    /// The key signing the portal's cookies (at least 64 bytes, written as 128 hex digits
    /// or base64). Empty: a key kept in `<data>/session.key`, created on first start; with
    /// several nodes (`[redis] url`), required and the same on every node.
    pub key: Secret,
}

/// `[tls]`: which servers outgoing connections trust, beyond the web PKI and the system's
/// store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// A PEM file of CA certificates to trust as well (the university's own CA), for every
    /// outgoing connection: channel back-ends, CAS, OpenID Connect, IMAP, LDAP. Empty: none.
    pub extra_ca_file: PathBuf,
}

/// `[redis]`: state shared by several portal nodes (sessions, the CAS ticket index,
/// proxy-granting tickets, events between nodes). Empty `url`: one node, everything in
/// the process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// `redis://[:password@]host:port[/db]`.
    pub url: Secret,
    /// Put before every key and channel, so one Redis can serve several portals.
    pub key_prefix: String,
    /// A command not answered within this many milliseconds counts as a failure.
    pub timeout_ms: u64,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Issuer URL (discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer_url: String,
    /// Client id registered with the provider.
    pub client_id: String,
    /// Client secret (set it with `PORTAL_OIDC__CLIENT_SECRET`); empty for a public client.
    pub client_secret: Secret,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedHeadersConfig {
    /// Turn the mode on.
    pub enabled: bool,
    /// IP addresses of the reverse proxies (the TCP peer, never `X-Forwarded-For`).
    pub proxies: Vec<std::net::IpAddr>,
    /// Header carrying the shared secret.
    pub secret_header: String,
    /// The shared secret (set it with `PORTAL_TRUSTED_HEADERS__SECRET`).
    pub secret: Secret,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// IMAP server host name.
    pub imap_host: String,
    /// IMAP port (143 for `none`/`starttls`, 993 for `tls`).
    pub imap_port: u16,
    /// `tls` (implicit TLS), `starttls`, or `none` (loopback tests only).
    pub tls: MailTls,
    /// How the portal logs in as the user: `cas-proxy` (a CAS proxy ticket for `cas_service`
    /// is the IMAP password; the server validates it at CAS) or `master` (a master user).
    pub auth: MailAuth,
    /// CAS service of the IMAP server, for `cas-proxy` (e.g. `imap://imap.univ.fr`).
    pub cas_service: String,
    /// Master user login, for `master`.
    pub master_user: String,
    /// Master user password (set it with `PORTAL_MAIL__MASTER_PASSWORD`).
    pub master_password: Secret,
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

/// `[dav]`: the DAV server(s) the portal reads people's calendars (CalDAV), address books
/// (CardDAV) and files (WebDAV) on, for channels granted `[dav]`. Each URL is a template
/// (`{uid}` is the person's uid); an empty one turns that part off, all empty turns `[dav]` off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DavConfig {
    /// The person's calendar home, e.g. `https://partage.univ.fr/dav/{uid}/`.
    pub calendars_url: String,
    /// The person's address-book home.
    pub contacts_url: String,
    /// The person's home collection of documents.
    pub files_url: String,
    /// `service-account` (HTTP Basic as `user`, allowed to read everyone's collections) or
    /// `cas-proxy` (the person's uid and a CAS proxy ticket for `cas_service`).
    pub auth: DavAuthKind,
    /// The service account's login, for `service-account`.
    pub user: String,
    /// Its password (set it with `PORTAL_DAV__PASSWORD`).
    pub password: Secret,
    /// The DAV server's CAS service, for `cas-proxy`.
    pub cas_service: String,
    /// Deadline of one call, ms.
    pub timeout_ms: u64,
}

impl DavConfig {
    /// Whether a DAV server is configured.
    pub fn enabled(&self) -> bool {
        !(self.calendars_url.is_empty() && self.contacts_url.is_empty() && self.files_url.is_empty())
    }
}

/// `[dav] auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DavAuthKind {
    /// HTTP Basic as a service account.
    ServiceAccount,
    /// HTTP Basic as the person with a CAS proxy ticket.
    CasProxy,
}

/// `[ldap]`: the institution's directory (SupAnn). Off while `url` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// DN to bind as (empty: anonymous).
    pub bind_dn: String,
    /// Password of `bind_dn` (set it with `PORTAL_LDAP__BIND_PASSWORD`).
    pub bind_password: Secret,
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

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("url", &super::secret::redact(&self.url))
            .finish()
    }
}

/// `[admin]`: who may use the administration API (`/admin/…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Logins of administrators.
    pub uids: Vec<String>,
    /// Members of these populations are administrators too.
    pub populations: Vec<String>,
    /// Platform administrators, as `<tenant>:<uid>` (`default:<uid>` on a one-tenant
    /// installation): administrators of the tenant they sign in to who also see, on
    /// `/admin`, every tenant's state (hosts, publications, refused configuration). Never
    /// another tenant's people. Set in `portal.toml` only.
    pub platform: Vec<String>,
    /// How often (seconds) `populations.toml`, the fragments and the catalogue are checked
    /// for changes and reloaded; 0 turns hot reload off.
    pub reload_seconds: u64,
}

/// `[statistics]`: usage statistics (page views, sign-ins, channel use per day, population
/// and channel), counted without any trail of who did what.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatisticsConfig {
    /// Count at all.
    pub enabled: bool,
    /// Counts below this are shown as "fewer than" this, on the page and in the CSV: a
    /// small population's figures do not tell what one person does.
    pub min_count: u32,
    /// Days kept; older days are deleted.
    pub keep_days: u32,
    /// How often (seconds) counts gathered in memory are added to the database.
    pub flush_seconds: u64,
}

/// `[sms]`: SMS to groups and populations through ESUP SMS-U (off while `url` is empty).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// SMS-U's web service, e.g. `https://smsuapi.univ.fr/ws/`.
    pub url: String,
    /// The portal's application login at SMS-U (HTTP Basic).
    pub user: String,
    /// Its password (set it with `PORTAL_SMS__PASSWORD`).
    pub password: Secret,
    /// The SMS-U account sends are charged to (its quota).
    pub account: String,
    /// Who may send, by login.
    pub sender_uids: Vec<String>,
    /// Who may send, by population.
    pub sender_populations: Vec<String>,
    /// Who approves large sends, by login.
    pub approver_uids: Vec<String>,
    /// Who approves large sends, by population.
    pub approver_populations: Vec<String>,
    /// Populations senders may address (besides their own groups).
    pub populations: Vec<String>,
    /// A send to more recipients than this waits for an approver.
    pub approval_over: u32,
    /// The directory attribute holding the mobile number.
    pub phone_attribute: String,
    /// Longest text, in characters.
    pub max_chars: u32,
    /// Most recipients of one send.
    pub max_recipients: u32,
    /// Deadline of one call to SMS-U, ms.
    pub timeout_ms: u64,
}

impl SmsConfig {
    /// Whether SMS-U is configured.
    pub fn enabled(&self) -> bool {
        !self.url.is_empty()
    }
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
    /// Self-managed groups created at start when they do not exist yet (a TOML file of
    /// `[groups.<id>]` tables; empty: none). Demo mode only.
    pub groups: PathBuf,
}

/// `[log]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info,agora_portal=debug`.
    pub filter: String,
    /// One line per request (target `agora_portal::access`: request id, method, path
    /// without its query, status, duration, peer), and an `X-Request-Id` on every answer.
    pub access: bool,
}

/// `[mail] tls`: how the IMAP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Implicit TLS (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143).
    Starttls,
    /// No TLS (loopback tests only).
    None,
}

/// `[mail] auth`: how the portal logs in to IMAP as the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailAuth {
    /// A CAS proxy ticket for `cas_service` is the password; the server validates it at CAS.
    CasProxy,
    /// A master user logs in on the user's behalf.
    Master,
}

/// `[log] format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people reading a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

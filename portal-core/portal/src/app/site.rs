//! One tenant's site: its [`PortalState`], built from its configuration over the
//! [`Platform`]. Everything here is the tenant's own (theme, publications, populations,
//! layouts, people, sign-on, caches); what it shares is scoped to it (its rows of the
//! database, its Redis keys, its events, its channels' cache namespace).

use super::StartError;
use super::platform::Platform;
use crate::config::{ConfigError, PortalConfig};
use crate::live::{Live, RegistrySource};
use crate::page::{EditStore, SlotRenderer};
use crate::people::{AttributeSource, LdifDirectory, PersonResolver, SourcesDirectory};
use crate::signon::cas::CasSignOn;
use crate::signon::oidc::OidcSignOn;
use crate::tenant::Identity;
use crate::theme::Theme;
use crate::web::PortalState;
use std::sync::Arc;
use std::time::Duration;

/// Build the site of tenant `id` (who it is: `identity`) configured by `config`.
pub fn build(
    platform: &Platform,
    id: &str,
    identity: Identity,
    config: PortalConfig,
) -> Result<PortalState, StartError> {
    let scope = Platform::scope_of(id);
    let storage = platform.database.tenant(id);
    let mut theme = Theme::load(&config)?;
    theme.picked = id != crate::storage::DEFAULT_TENANT && identity.hosts.is_empty();
    if config.limits.signin_per_minute > 0 && platform.config.server.trusted_proxies.is_empty() {
        tracing::warn!(
            tenant = id,
            "[limits] signin_per_minute counts per client address, and [server] trusted_proxies is empty: behind a reverse proxy every user has its address and shares one limit"
        );
    }
    let live = Live::start(
        &config,
        RegistrySource {
            engine: platform.engine.clone(),
            scope: scope.trim_end_matches(':').to_string(),
            cpu_ceiling_ms: config.limits.channel_cpu_ms,
        },
    )?;
    let trust = &platform.trust;

    let mut sources: Vec<Arc<dyn AttributeSource>> = Vec::new();
    if !config.ldap.url.is_empty() {
        sources.push(Arc::new(
            crate::people::ldap::LdapDirectory::new(config.ldap.clone()).with_tls(trust.client_config()),
        ));
    }
    let demo_directory = if config.demo.enabled {
        let dir = Arc::new(demo_directory(&config)?);
        sources.push(dir.clone());
        tracing::warn!(
            tenant = id,
            "demo mode is on: anyone can sign in as a demo persona; never enable it in production"
        );
        Some(dir)
    } else {
        None
    };
    let everyone = Arc::new(SourcesDirectory::new(sources.clone()));
    let sms = sms_service(&config, trust, &storage)?;
    let directory: Arc<dyn agora_channel_host::DirectoryService> = everyone.clone();
    let people = PersonResolver::new(sources, Duration::from_secs(config.directory.cache_seconds.max(1)))
        .with_signon_wins(config.directory.signon_wins.clone());
    let redis = platform.redis_of(id);
    let events = platform.events_of(id);
    let inbox = crate::inbox::Inbox::new(storage.clone(), 100_000, events.clone());
    let groups = crate::groups::Groups::new(storage.clone(), events.clone());
    if config.demo.enabled && !config.demo.groups.as_os_str().is_empty() {
        let path = config.resolve(&config.demo.groups);
        let seed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| crate::groups::seed::Seed::parse(&text))
            .map_err(|e| ConfigError::new(path.display().to_string(), "demo.groups", e))?;
        let (storage, tenant) = (storage.clone(), id.to_string());
        tokio::spawn(async move {
            match seed.apply(&storage, crate::clock::now_ms()).await {
                Ok(n) if n > 0 => tracing::info!(tenant, created = n, "demo groups created"),
                Ok(_) => {}
                Err(e) => tracing::warn!(tenant, "cannot create the demo groups: {e}"),
            }
        });
    }
    let usage = crate::statistics::Usage::new(storage.clone(), config.statistics.enabled);
    usage.start(
        Duration::from_secs(config.statistics.flush_seconds),
        config.statistics.keep_days,
    );
    let slots = SlotRenderer::new(
        platform.engine.clone(),
        storage.clone(),
        config.public_url(),
        config.channels.render_cache_entries,
    )
    .with_time_zone(&config.i18n.time_zone)
    .with_shared(redis.clone())
    .with_limits(id, config.limits.concurrent_renders)
    .with_inbox(inbox.clone());
    let cas = CasSignOn::from_config(&config, trust)
        .map_err(|e| ConfigError::new(&config.source, "cas.server_url", e.to_string()))?
        .map(|cas| cas.with_shared(redis.clone()));
    let oidc = OidcSignOn::from_config(&config.oidc, &config.public_url(), trust);
    if cas.is_none() && oidc.is_none() && !config.trusted_headers.enabled && !config.demo.enabled {
        tracing::warn!(
            tenant = id,
            "no sign-on is configured ([cas] server_url is empty, demo off): only the guest page is served"
        );
    }
    let dav = dav_client(&config, trust)?;
    Ok(PortalState {
        tenant: id.into(),
        identity,
        mail: Arc::new(config.mail.clone()),
        dav,
        config,
        theme: Arc::new(theme),
        live: Arc::new(live),
        slots: Arc::new(slots),
        kept: Arc::default(),
        people,
        memberships: Default::default(),
        tls: trust.client_config(),
        demo_directory,
        directory,
        everyone,
        sms,
        edits: EditStore::new(storage.clone(), 100_000, events.clone()),
        inbox,
        groups,
        usage,
        storage,
        metrics: platform.metrics.clone(),
        session_key: platform.session_key.clone(),
        sessions: platform.sessions.clone(),
        counters: platform.counters.clone(),
        redis,
        events,
        cas,
        oidc,
    })
}

/// SMS through SMS-U, when `[sms] url` is set.
fn sms_service(
    config: &PortalConfig,
    trust: &crate::tls::Trust,
    storage: &crate::storage::Storage,
) -> Result<Option<crate::sms::Sms>, ConfigError> {
    let sms = &config.sms;
    if !sms.enabled() {
        return Ok(None);
    }
    let url = url::Url::parse(&sms.url).map_err(|e| ConfigError::new(&config.source, "sms.url", e.to_string()))?;
    let client = crate::sms::client::SmsuClient::build(
        trust.http(reqwest::Client::builder()),
        url,
        &sms.user,
        sms.password.expose(),
        Duration::from_millis(sms.timeout_ms.max(100)),
    )
    .map_err(|e| ConfigError::new(&config.source, "sms", e.to_string()))?;
    Ok(Some(crate::sms::Sms::new(client, storage.clone(), sms.clone())))
}

/// Start watching the site's files (publications and packages, populations, fragments,
/// catalogue…), when `[admin] reload_seconds` is set.
pub fn watch(state: &Arc<PortalState>) {
    if state.config.admin.reload_seconds > 0 {
        crate::live::watch(
            Arc::downgrade(&state.live),
            state.config.clone(),
            Duration::from_secs(state.config.admin.reload_seconds),
            state.events.clone(),
        );
    }
}

/// The demo directory, with every configured persona in it.
pub(super) fn demo_directory(config: &PortalConfig) -> Result<LdifDirectory, StartError> {
    let path = config.resolve(&config.demo.directory);
    let dir =
        LdifDirectory::load(&path).map_err(|e| ConfigError::new(&config.source, "demo.directory", e.to_string()))?;
    for uid in &config.demo.personas {
        if !dir.uids().contains(uid) {
            return Err(ConfigError::new(
                &config.source,
                "demo.personas",
                format!("`{uid}` is not in {}", path.display()),
            )
            .into());
        }
    }
    Ok(dir)
}

/// The DAV client of `[dav]`, when a DAV server is configured.
fn dav_client(
    config: &PortalConfig,
    trust: &crate::tls::Trust,
) -> Result<Option<agora_channel_host::dav::DavClient>, ConfigError> {
    use agora_channel_host::dav::{DavAuth, DavClient, DavSettings};
    let dav = &config.dav;
    if !dav.enabled() {
        return Ok(None);
    }
    let auth = match dav.auth {
        crate::config::DavAuthKind::ServiceAccount => DavAuth::ServiceAccount {
            user: dav.user.clone(),
            password: agora_channel_host::Secret::new(dav.password.expose()),
        },
        crate::config::DavAuthKind::CasProxy => DavAuth::CasProxy {
            service: dav.cas_service.clone(),
        },
    };
    let settings = DavSettings {
        calendars_url: dav.calendars_url.clone(),
        contacts_url: dav.contacts_url.clone(),
        files_url: dav.files_url.clone(),
        auth,
        time_zone: config.i18n.time_zone.clone(),
        timeout: Duration::from_millis(dav.timeout_ms.max(100)),
    };
    DavClient::new(settings, &trust.added_roots())
        .map(Some)
        .map_err(|e| ConfigError::new(&config.source, "dav", e.to_string()))
}

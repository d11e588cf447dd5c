//! [`PortalState`]: what the handlers share. Domain modules never see it whole: handlers
//! hand each the parts it needs ([`PortalState::pages`], [`PortalState::site`] …).

use crate::config::{MailConfig, PortalConfig};
use crate::live::{Live, LiveConfig};
use crate::page::{EditStore, Pages, Site, SlotRenderer};
use crate::people::{LdifDirectory, PersonResolver};
use crate::session::store::SessionStore;
use crate::signon::cas::CasSignOn;
use crate::signon::oidc::OidcSignOn;
use crate::storage::Storage;
use crate::theme::Theme;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Everything a request handler needs: one tenant's site, shared by all workers. The
/// request's tenant picks it ([`super::tenant`]); handlers receive it as [`super::tenant::Site`].
pub struct PortalState {
    /// The tenant's id (`default` on a one-tenant installation).
    pub tenant: Arc<str>,
    /// Who the establishment is (name, acronym, hosts, support).
    pub identity: crate::tenant::Identity,
    /// The configuration.
    pub config: PortalConfig,
    /// Templates and strings.
    pub theme: Arc<Theme>,
    /// Publications and their packages, populations, layout fragments and catalogue,
    /// hot-reloaded.
    pub live: Arc<Live>,
    /// Slot rendering with cache and fallbacks.
    pub slots: Arc<SlotRenderer>,
    /// Recently rendered page shells and slot chunks.
    pub kept: Arc<crate::page::kept::PageCache>,
    /// People and attributes.
    pub people: PersonResolver,
    /// Signed-in people's populations, kept a minute.
    pub memberships: crate::people::populations::MembershipCache,
    /// The directory channels may search (`[directory]` grant), over the attribute sources.
    pub directory: Arc<dyn agora_channel_host::DirectoryService>,
    /// The IMAP server settings, shared by every user's mail service.
    pub mail: Arc<MailConfig>,
    /// The DAV client of `[dav]` (calendars, address books, files), when configured.
    pub dav: Option<agora_channel_host::dav::DavClient>,
    /// What outgoing TLS connections trust (IMAP here; the others hold their own copy).
    pub tls: Arc<tokio_rustls::rustls::ClientConfig>,
    /// Everyone the directory lists (the audience of a population-wide SMS).
    pub everyone: Arc<crate::people::SourcesDirectory>,
    /// SMS through ESUP SMS-U, when `[sms]` is configured.
    pub sms: Option<crate::sms::Sms>,
    /// The demo directory, when demo mode is on.
    pub demo_directory: Option<Arc<LdifDirectory>>,
    /// Database.
    pub storage: Storage,
    /// Users' layout edits (cached reads over `storage`).
    pub edits: EditStore,
    /// Announcements read and dismissed, channels' notifications (cached reads over `storage`).
    pub inbox: crate::inbox::Inbox,
    /// Self-managed groups (cached reads over `storage`).
    pub groups: crate::groups::Groups,
    /// Usage statistics, counted in memory and added to `storage` now and then.
    pub usage: crate::statistics::Usage,
    /// Prometheus exposition.
    pub metrics: PrometheusHandle,
    /// Signing and encryption key of the session cookie.
    pub session_key: actix_web::cookie::Key,
    /// Server-side sessions: in the process, or on Redis.
    pub sessions: SessionStore,
    /// The shared store of several nodes (`[redis] url`), when configured.
    pub redis: Option<agora_shared::Redis>,
    /// Events between nodes (a user's edit …); within the process on one node.
    pub events: agora_shared::Events,
    /// Rate-limit counters, shared by the nodes on Redis.
    pub counters: agora_shared::Counters,
    /// CAS sign-on, when configured.
    pub cas: Option<CasSignOn>,
    /// OpenID Connect sign-on, when configured.
    pub oidc: Option<OidcSignOn>,
}

impl PortalState {
    /// What page streaming needs, with the publications of `live` (the set the page's
    /// layout was built from).
    pub fn pages(&self, live: &LiveConfig) -> Pages {
        Pages {
            theme: self.theme.clone(),
            registry: live.registry.clone(),
            slots: self.slots.clone(),
            kept: self.kept.clone(),
        }
    }

    /// What building a person's page needs, with the publications of `live`.
    pub fn site<'a>(&'a self, live: &'a LiveConfig) -> Site<'a> {
        Site {
            theme: &self.theme,
            registry: &live.registry,
            edits: &self.edits,
        }
    }
}

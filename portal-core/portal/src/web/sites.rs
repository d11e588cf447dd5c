//! [`Sites`]: the live sites of the platform, by tenant id and host name, swapped whole
//! when tenants are added, changed or removed (built by `crate::app::sites`).

use super::state::PortalState;
use crate::storage::DEFAULT_TENANT;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// One generation of the platform's sites.
#[derive(Default)]
pub struct SiteMap {
    pub(crate) sites: BTreeMap<String, Site>,
    pub(crate) by_host: HashMap<String, String>,
    /// Whether the sites come from `tenants/` (else the one site of `portal.toml`).
    pub(crate) tenanted: bool,
}

/// A live site and the fingerprint of the files it was built from.
pub(crate) struct Site {
    pub(crate) state: Arc<PortalState>,
    pub(crate) fingerprint: String,
}

/// An establishment as the picker lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    /// Tenant id.
    pub id: String,
    /// Name in the asked language.
    pub name: String,
    /// Acronym (`UT1`).
    pub acronym: String,
    /// Its own address (`https://ent.ut-capitole.fr/`) when it has a host name; empty when
    /// it is served on the shared host.
    pub url: String,
    /// Support contact.
    pub support: crate::tenant::Support,
}

impl SiteMap {
    /// The site of tenant `id`.
    pub fn get(&self, id: &str) -> Option<&Arc<PortalState>> {
        self.sites.get(id).map(|s| &s.state)
    }

    /// The site whose host name is `host` (port and case ignored).
    pub fn by_host(&self, host: &str) -> Option<&Arc<PortalState>> {
        let id = self.by_host.get(&crate::tenant::config::normalise_host(host))?;
        self.get(id)
    }

    /// The site every request goes to on a one-tenant installation.
    pub fn only(&self) -> Option<&Arc<PortalState>> {
        if self.tenanted { None } else { self.get(DEFAULT_TENANT) }
    }

    /// A site to answer platform requests with when no tenant is chosen (`/health`,
    /// `/static/…`): the first.
    pub fn any(&self) -> Option<&Arc<PortalState>> {
        self.sites.values().next().map(|s| &s.state)
    }

    /// Every site, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<PortalState>> {
        self.sites.values().map(|s| &s.state)
    }

    /// How many sites.
    pub fn len(&self) -> usize {
        self.sites.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// The establishments, as the picker lists them in `locale`.
    pub fn listed(&self, locale: &str) -> Vec<Listed> {
        self.iter()
            .map(|s| Listed {
                id: s.tenant.to_string(),
                name: s.identity.name_in(locale, &s.tenant).to_string(),
                acronym: s.identity.acronym.clone(),
                url: if s.identity.hosts.is_empty() {
                    String::new()
                } else {
                    s.config.public_url()
                },
                support: s.identity.support.clone(),
            })
            .collect()
    }
}

/// The live sites: read by every request, replaced whole by a reload.
#[derive(Default)]
pub struct Sites(RwLock<Arc<SiteMap>>);

impl Sites {
    /// The current generation.
    pub fn current(&self) -> Arc<SiteMap> {
        match self.0.read() {
            Ok(m) => m.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serve `map` from now on.
    pub(crate) fn replace(&self, map: SiteMap) {
        match self.0.write() {
            Ok(mut m) => *m = Arc::new(map),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(map),
        }
    }
}

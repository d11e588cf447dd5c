//! [`Sites`]: the live sites of the platform, by tenant id and host name, swapped whole
//! when tenants are added, changed or removed ([`Sites::reload`]).

use super::platform::Platform;
use crate::config::ConfigError;
use crate::storage::DEFAULT_TENANT;
use crate::tenant::{TenantConfig, TenantSet};
use crate::web::PortalState;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

/// One generation of the platform's sites.
#[derive(Default)]
pub struct SiteMap {
    sites: BTreeMap<String, Site>,
    by_host: HashMap<String, String>,
    /// Whether the sites come from `tenants/` (else the one site of `portal.toml`).
    tenanted: bool,
}

/// A live site and the fingerprint of the files it was built from.
struct Site {
    state: Arc<PortalState>,
    fingerprint: String,
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

    fn replace(&self, map: SiteMap) {
        match self.0.write() {
            Ok(mut m) => *m = Arc::new(map),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(map),
        }
    }

    /// Build the sites of `platform`: one per tenant of `tenants/`, or the one site of
    /// `portal.toml` when there is none. A tenant that fails to build is refused (logged,
    /// the others served); at start-up, no site at all is an error.
    pub fn start(platform: &Platform) -> Result<Self, super::StartError> {
        let loaded = TenantSet::load(&platform.config);
        let sites = Sites::default();
        if loaded.tenants.is_empty() && loaded.refused.is_empty() {
            let state = super::site::build(
                platform,
                DEFAULT_TENANT,
                crate::tenant::Identity::default(),
                platform.config.clone(),
            )?;
            let mut map = SiteMap::default();
            map.sites.insert(
                DEFAULT_TENANT.into(),
                Site {
                    state: Arc::new(state),
                    fingerprint: String::new(),
                },
            );
            sites.replace(map);
            return Ok(sites);
        }
        let first_refused = loaded.refused.into_iter().next();
        let (map, refused) = build_map(platform, loaded.tenants, &SiteMap::default());
        if map.is_empty() {
            let why = refused.into_iter().next().or(first_refused).unwrap_or_else(|| {
                ConfigError::new(TenantSet::dir(&platform.config).display().to_string(), "", "no tenant")
            });
            return Err(why.into());
        }
        sites.replace(map);
        Ok(sites)
    }

    /// Read `tenants/` again: new tenants are built, changed ones rebuilt, removed ones
    /// dropped; a tenant whose files are now wrong keeps its previous site (and says why in
    /// the log). Returns the errors. Blocking (files, compiling channels): call it off the
    /// request threads, within the Tokio runtime.
    pub fn reload(&self, platform: &Platform) -> Vec<ConfigError> {
        let before = self.current();
        if !before.tenanted {
            return Vec::new();
        }
        let loaded = TenantSet::load(&platform.config);
        let mut refused = loaded.refused;
        let (mut map, failed) = build_map(platform, loaded.tenants, &before);
        // A tenant present before whose files are now refused stays as it was.
        for e in refused.iter().chain(failed.iter()) {
            for (id, site) in &before.sites {
                if !map.sites.contains_key(id) && Path::new(&e.file).starts_with(site.state.config.base_dir.as_path()) {
                    tracing::warn!(tenant = %id, "tenant's new files refused, its previous configuration stays live");
                    for host in &site.state.identity.hosts {
                        map.by_host.entry(host.clone()).or_insert_with(|| id.clone());
                    }
                    map.sites.insert(
                        id.clone(),
                        Site {
                            state: site.state.clone(),
                            fingerprint: site.fingerprint.clone(),
                        },
                    );
                }
            }
        }
        refused.extend(failed);
        if map.is_empty() {
            tracing::error!(
                "no tenant would be left: the tenants' directory change is refused, every site stays as it was"
            );
            return refused;
        }
        let (added, removed): (Vec<_>, Vec<_>) = (
            map.sites
                .keys()
                .filter(|k| !before.sites.contains_key(*k))
                .cloned()
                .collect(),
            before
                .sites
                .keys()
                .filter(|k| !map.sites.contains_key(*k))
                .cloned()
                .collect(),
        );
        let changed: Vec<_> = map
            .sites
            .iter()
            .filter(|(k, s)| before.sites.get(*k).is_some_and(|b| b.fingerprint != s.fingerprint))
            .map(|(k, _)| k.clone())
            .collect();
        if !added.is_empty() || !removed.is_empty() || !changed.is_empty() {
            tracing::info!(?added, ?changed, ?removed, "tenants reloaded");
            for id in &added {
                if let Some(s) = map.get(id) {
                    super::site::watch(s);
                }
            }
            for id in &changed {
                if let Some(s) = map.get(id) {
                    super::site::watch(s);
                }
            }
            self.replace(map);
        }
        refused
    }
}

/// The sites of `tenants`, reusing from `before` those whose files did not change.
fn build_map(platform: &Platform, tenants: TenantSet, before: &SiteMap) -> (SiteMap, Vec<ConfigError>) {
    let mut map = SiteMap {
        tenanted: true,
        ..SiteMap::default()
    };
    let mut refused = Vec::new();
    for tenant in tenants.iter() {
        let fingerprint = fingerprint(&tenant.portal.base_dir);
        let state = match before.sites.get(&tenant.id) {
            Some(old) if old.fingerprint == fingerprint => old.state.clone(),
            _ => match build_one(platform, tenant) {
                Ok(s) => Arc::new(s),
                Err(e) => {
                    tracing::error!(tenant = %tenant.id, "tenant refused, the others are served: {e}");
                    refused.push(match e {
                        super::StartError::Config(c) => c,
                        other => ConfigError::new(&tenant.portal.source, "", other.to_string()),
                    });
                    continue;
                }
            },
        };
        for host in &tenant.identity.hosts {
            map.by_host.insert(host.clone(), tenant.id.clone());
        }
        map.sites.insert(tenant.id.clone(), Site { state, fingerprint });
    }
    (map, refused)
}

fn build_one(platform: &Platform, tenant: &TenantConfig) -> Result<PortalState, super::StartError> {
    super::site::build(platform, &tenant.id, tenant.identity.clone(), tenant.portal.clone())
}

/// A hash of every file under `dir` (names and contents): what a tenant was built from.
fn fingerprint(dir: &Path) -> String {
    fn walk(dir: &Path, h: &mut Sha256) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            h.update(p.to_string_lossy().as_bytes());
            h.update([0]);
            if p.is_dir() {
                walk(&p, h);
            } else if let Ok(bytes) = std::fs::read(&p) {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
        }
    }
    let mut h = Sha256::new();
    walk(dir, &mut h);
    hex::encode(h.finalize())
}

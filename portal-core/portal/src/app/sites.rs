//! Building the platform's [`Sites`]: one per tenant of `tenants/`, or the one site of
//! `portal.toml`; and reading `tenants/` again ([`reload`]).

use super::platform::Platform;
use crate::config::ConfigError;
use crate::storage::DEFAULT_TENANT;
use crate::tenant::{TenantConfig, TenantSet};
use crate::web::PortalState;
use crate::web::sites::{Site, SiteMap, Sites};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Build the sites of `platform`: one per tenant of `tenants/`, or the one site of
/// `portal.toml` when there is none. A tenant that fails to build is refused (logged,
/// the others served); at start-up, no site at all is an error.
pub fn start(platform: &Platform) -> Result<Sites, super::StartError> {
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
pub fn reload(sites: &Sites, platform: &Platform) -> Vec<ConfigError> {
    let before = sites.current();
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
        for s in added.iter().chain(&changed).filter_map(|id| map.get(id)) {
            super::site::watch(s);
        }
        sites.replace(map);
    }
    refused
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

//! Tenants: the establishments one platform serves (issue 13). Each is a directory
//! `tenants/<id>/` beside `portal.toml`, holding `tenant.toml` (who it is, and the settings it
//! sets for itself over the platform's) and, if it has its own, `channels.toml`,
//! `populations.toml`, `catalogue.toml` and `fragments/`. No `tenants/` directory (or an
//! empty one): a one-tenant installation, configured by `portal.toml` alone, as before.
//!
//! | module | job |
//! |---|---|
//! | [`config`] | one tenant's files, layered on the platform's and checked |
//!
//! Loading is per tenant: a broken tenant is reported with its file, key and reason and left
//! out, and the others load ([`TenantSet::load`]). A host name claimed by two tenants is an
//! error of the second.

pub mod config;

pub use config::{Identity, Support, TenantConfig};

use crate::config::{ConfigError, PortalConfig};
use std::collections::HashMap;
use std::path::PathBuf;

/// The tenants of a platform, by id and by host name.
#[derive(Debug, Default)]
pub struct TenantSet {
    tenants: Vec<TenantConfig>,
    by_host: HashMap<String, usize>,
}

/// What loading the tenants' directories gave.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The tenants that loaded and checked cleanly.
    pub tenants: TenantSet,
    /// One error per tenant left out.
    pub refused: Vec<ConfigError>,
}

impl TenantSet {
    /// The directory of `platform`'s tenants: `tenants/` beside its `portal.toml`.
    pub fn dir(platform: &PortalConfig) -> PathBuf {
        platform.base_dir.join("tenants")
    }

    /// Load every `tenants/<id>/` of `platform`, in id order.
    pub fn load(platform: &PortalConfig) -> Loaded {
        let dir = Self::dir(platform);
        let mut dirs: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect(),
            Err(_) => Vec::new(),
        };
        dirs.sort();
        let mut loaded = Loaded::default();
        for d in dirs {
            match config::load(platform, &d).and_then(|t| loaded.tenants.add(t)) {
                Ok(()) => {}
                Err(e) => {
                    tracing::error!(file = %e.file, key = %e.key, reason = %e.reason, "tenant refused; the others are served");
                    loaded.refused.push(e);
                }
            }
        }
        loaded
    }

    /// Add `tenant`, unless its id or one of its hosts is taken.
    pub fn add(&mut self, tenant: TenantConfig) -> Result<(), ConfigError> {
        if self.get(&tenant.id).is_some() {
            return Err(ConfigError::new(
                &tenant.portal.source,
                "",
                format!("a tenant `{}` exists already", tenant.id),
            ));
        }
        for host in &tenant.identity.hosts {
            if let Some(&other) = self.by_host.get(host) {
                return Err(ConfigError::new(
                    &tenant.portal.source,
                    "tenant.hosts",
                    format!("`{host}` is already the host of tenant `{}`", self.tenants[other].id),
                ));
            }
        }
        let index = self.tenants.len();
        for host in &tenant.identity.hosts {
            self.by_host.insert(host.clone(), index);
        }
        self.tenants.push(tenant);
        Ok(())
    }

    /// The tenant `id`.
    pub fn get(&self, id: &str) -> Option<&TenantConfig> {
        self.tenants.iter().find(|t| t.id == id)
    }

    /// The tenant whose host is `host` (as the request's `Host` gives it, port and case
    /// ignored).
    pub fn by_host(&self, host: &str) -> Option<&TenantConfig> {
        self.by_host
            .get(&config::normalise_host(host))
            .map(|&i| &self.tenants[i])
    }

    /// Every tenant, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &TenantConfig> {
        self.tenants.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.tenants.len()
    }

    /// Whether there is none (a one-tenant installation).
    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty()
    }
}

#[cfg(test)]
mod tests;

//! `agora:channel/directory`: search people by name, as `[directory]` grants: only the
//! listed attributes, never a red-listed person (`supannListeRouge: TRUE`), never a secret
//! attribute, at most `max_results` (itself at most 50). Each search counts against
//! `limits.requests`.

use super::person::{Attributes, never_shown};
use super::shape::{Capability, Getter, HasView, View, grant_error};
use crate::bindings::agora::channel0_1_0::directory::{self as wit, DirectoryError, Entry, Host};
use crate::manifest::{ChannelManifest, DirectoryGrant, ManifestError};
use std::sync::Arc;
use wasmtime::component::{Component, Linker};

/// One person found in the directory: attribute → values.
pub type DirectoryEntry = Attributes;

/// Why a directory search failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryFailure {
    /// The query cannot be used (too short, only wildcards).
    InvalidQuery(String),
    /// The directory is down or slow.
    Unavailable(String),
}

/// The institution's directory, as the portal reaches it (LDAP, demo LDIF).
pub trait DirectoryService: Send + Sync {
    /// People whose name matches `query`, at most `max`, with all their public attributes
    /// (the host filters them down to the manifest's grant and drops red-listed people).
    fn search<'a>(
        &'a self,
        query: &'a str,
        max: u32,
    ) -> futures::future::BoxFuture<'a, Result<Vec<DirectoryEntry>, DirectoryFailure>>;
}

/// The directory capability.
pub struct Directory;

/// Per-render state: the grant (if any) and the portal's directory (if any).
pub struct DirectoryState {
    grant: Option<Arc<DirectoryGrant>>,
    service: Option<Arc<dyn DirectoryService>>,
}

impl Capability for Directory {
    const INTERFACE: &'static str = "agora:channel/directory";
    type Grant = Option<Arc<DirectoryGrant>>;
    type Hook = Option<Arc<dyn DirectoryService>>;
    type State = DirectoryState;

    fn grant(manifest: &ChannelManifest) -> Result<Option<Arc<DirectoryGrant>>, ManifestError> {
        let Some(d) = &manifest.directory else {
            return Ok(None);
        };
        if d.attributes.is_empty() {
            return Err(grant_error(
                manifest,
                "directory.attributes",
                "list the attributes shown for each person found",
            ));
        }
        if let Some(secret) = d.attributes.iter().find(|a| never_shown(a)) {
            return Err(grant_error(
                manifest,
                "directory.attributes",
                format!("`{secret}` is never given to channels"),
            ));
        }
        if !(1..=50).contains(&d.max_results) {
            return Err(grant_error(manifest, "directory.max_results", "must be 1..=50"));
        }
        Ok(Some(Arc::new(d.clone())))
    }

    fn prepare(grant: &Option<Arc<DirectoryGrant>>, service: Option<Arc<dyn DirectoryService>>) -> DirectoryState {
        DirectoryState {
            grant: grant.clone(),
            service,
        }
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, DirectoryState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<DirectoryState>>(linker, get)
    }
}

/// Whether an entry is on the red list (any value `TRUE`, case-insensitive).
pub fn red_listed(entry: &DirectoryEntry) -> bool {
    entry
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("supannListeRouge"))
        .is_some_and(|(_, values)| values.iter().any(|v| v.trim().eq_ignore_ascii_case("true")))
}

/// Check a query: at least two letters or digits once wildcards and spaces are gone.
pub fn check_query(query: &str) -> Result<String, String> {
    let cleaned: String = query
        .chars()
        .filter(|c| !matches!(c, '*' | '(' | ')' | '\\' | '\0'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if cleaned.chars().filter(|c| c.is_alphanumeric()).count() < 2 || cleaned.chars().count() > 64 {
        return Err("type 2 to 64 characters of a name".into());
    }
    Ok(cleaned)
}

impl Host for View<'_, DirectoryState> {
    async fn search(&mut self, query: String, max: u32) -> Result<Vec<Entry>, DirectoryError> {
        if self.ledger.take_request().is_err() {
            return Err(DirectoryError::Unavailable(
                "request budget of this render spent".into(),
            ));
        }
        let Some(grant) = self.state.grant.clone() else {
            let msg = "add a [directory] section (attributes = [...]) to channel.toml".to_string();
            self.ledger.refuse(&format!("directory search: {msg}"));
            return Err(DirectoryError::NotGranted(msg));
        };
        let Some(directory) = self.state.service.clone() else {
            return Err(DirectoryError::Unavailable(
                "no directory is configured on this portal".into(),
            ));
        };
        let query = check_query(&query).map_err(DirectoryError::InvalidQuery)?;
        let max = max.clamp(1, grant.max_results);
        // Ask for a few more: red-listed people are removed after the search.
        let found = self.ledger.host_work(directory.search(&query, max + 10)).await;
        let found = found.map_err(|e| match e {
            DirectoryFailure::InvalidQuery(m) => DirectoryError::InvalidQuery(m),
            DirectoryFailure::Unavailable(m) => DirectoryError::Unavailable(m),
        })?;
        Ok(found
            .into_iter()
            .filter(|e| !red_listed(e))
            .take(max as usize)
            .map(|e| Entry {
                attributes: grant
                    .attributes
                    .iter()
                    .filter(|a| !never_shown(a))
                    .filter_map(|a| {
                        e.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(a))
                            .map(|(_, v)| (a.clone(), v.clone()))
                    })
                    .collect(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_need_two_real_characters_and_lose_filter_syntax() {
        assert_eq!(check_query("  du*pont ").as_deref(), Ok("dupont"));
        assert_eq!(check_query("Jean (Dupont)").as_deref(), Ok("Jean Dupont"));
        assert!(check_query("*").is_err());
        assert!(check_query("a").is_err());
        assert!(check_query(&"x".repeat(80)).is_err());
    }

    #[test]
    fn red_list_is_read_case_insensitively() {
        let mut e = DirectoryEntry::new();
        e.insert("supannListeRouge".into(), vec!["TRUE".into()]);
        assert!(red_listed(&e));
        e.insert("supannListeRouge".into(), vec!["FALSE".into()]);
        assert!(!red_listed(&e));
        let mut e = DirectoryEntry::new();
        e.insert("SUPANNLISTEROUGE".into(), vec!["true".into()]);
        assert!(red_listed(&e));
    }
}

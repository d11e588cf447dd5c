//! People and where their attributes come from.
//!
//! A [`Person`] is a login plus multi-valued attributes (SupAnn / eduPerson names). Sources
//! implement [`AttributeSource`]: the demo LDIF directory here; LDAP and sign-on attributes
//! plug into the same trait. [`PersonResolver`] asks the sources and caches the result.

use crate::ldif;
use agora_channel_host::Attributes;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Attributes never kept on a person, whatever a source returns.
pub const NEVER_KEPT: &[&str] = &["userPassword", "sambaNTPassword", "sambaLMPassword", "supannMailPerso"];

/// A signed-in (or guest) person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Login (`uid`); empty for a guest.
    pub uid: String,
    /// Attributes (name → values).
    pub attributes: Arc<Attributes>,
}

/// The attribute under which channels may read the person's populations (ids), when their
/// manifest grants it (`[attributes] read = ["agoraPopulations"]`).
pub const POPULATIONS_ATTRIBUTE: &str = "agoraPopulations";

impl Person {
    /// The same person with their populations as the [`POPULATIONS_ATTRIBUTE`] attribute.
    pub fn with_populations(mut self, populations: &[String]) -> Person {
        if self.is_signed_in() {
            Arc::make_mut(&mut self.attributes).insert(POPULATIONS_ATTRIBUTE.to_string(), populations.to_vec());
        }
        self
    }

    /// The anonymous visitor of the guest page.
    pub fn guest() -> Self {
        Person {
            uid: String::new(),
            attributes: Arc::new(Attributes::new()),
        }
    }

    /// Whether this is a signed-in person.
    pub fn is_signed_in(&self) -> bool {
        !self.uid.is_empty()
    }

    /// First value of an attribute.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    /// Name to show: `displayName`, else `cn`, else the login.
    pub fn display_name(&self) -> &str {
        self.first("displayName")
            .or_else(|| self.first("cn"))
            .unwrap_or(&self.uid)
    }
}

/// A source of attributes failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source cannot be reached or answered an error.
    #[error("{source_name} is unavailable: {detail}")]
    Unavailable {
        /// Source name.
        source_name: String,
        /// Detail for the logs.
        detail: String,
    },
    /// The source's data is malformed.
    #[error("{source_name}: {detail}")]
    Malformed {
        /// Source name.
        source_name: String,
        /// Detail for the logs.
        detail: String,
    },
}

/// Where attributes come from (LDIF file, LDAP directory, sign-on assertion …).
pub trait AttributeSource: Send + Sync {
    /// Name for logs and messages.
    fn name(&self) -> &str;
    /// Attributes of `login`, `None` when the source does not know them.
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<Attributes>, SourceError>>;

    /// People whose name contains every word of `words` (case-insensitive), at most `max`;
    /// `None` when this source cannot search (sign-on attributes, for instance).
    fn search<'a>(
        &'a self,
        _words: &'a [String],
        _max: u32,
    ) -> Option<BoxFuture<'a, Result<Vec<Attributes>, SourceError>>> {
        None
    }
}

/// The attributes a directory search matches words against.
pub const NAME_ATTRIBUTES: &[&str] = &["cn", "displayName", "sn", "givenName"];

/// The portal's directory for channels: the first attribute source that can search.
pub struct SourcesDirectory {
    sources: Vec<Arc<dyn AttributeSource>>,
}

impl SourcesDirectory {
    /// A directory over `sources` (searched in order; the first that can search answers).
    pub fn new(sources: Vec<Arc<dyn AttributeSource>>) -> Self {
        SourcesDirectory { sources }
    }
}

impl agora_channel_host::DirectoryService for SourcesDirectory {
    fn search<'a>(
        &'a self,
        query: &'a str,
        max: u32,
    ) -> BoxFuture<'a, Result<Vec<Attributes>, agora_channel_host::DirectoryFailure>> {
        use agora_channel_host::DirectoryFailure;
        Box::pin(async move {
            let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
            if words.is_empty() {
                return Err(DirectoryFailure::InvalidQuery("empty query".into()));
            }
            for source in &self.sources {
                if let Some(search) = source.search(&words, max) {
                    return search.await.map_err(|e| DirectoryFailure::Unavailable(e.to_string()));
                }
            }
            Err(DirectoryFailure::Unavailable("no attribute source can search".into()))
        })
    }
}

/// The demo directory: people read from an LDIF file (SupAnn entries), found by `uid` or
/// `supannAliasLogin`, exactly as an LDAP search would find them.
pub struct LdifDirectory {
    name: String,
    by_login: HashMap<String, Arc<Attributes>>,
    order: Vec<String>,
}

impl LdifDirectory {
    /// Read `path`. Every entry with a `uid` becomes a person.
    pub fn load(path: &Path) -> Result<Self, SourceError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SourceError::Unavailable {
            source_name: name.clone(),
            detail: e.to_string(),
        })?;
        let entries = ldif::parse(&text).map_err(|e| SourceError::Malformed {
            source_name: name.clone(),
            detail: e.to_string(),
        })?;
        let mut by_login = HashMap::new();
        let mut order = Vec::new();
        for entry in entries {
            let mut attrs = entry.attributes;
            for never in NEVER_KEPT {
                attrs.retain(|k, _| !k.eq_ignore_ascii_case(never));
            }
            let Some(uid) = attrs.get("uid").and_then(|v| v.first()).cloned() else {
                continue;
            };
            let aliases = attrs.get("supannAliasLogin").cloned().unwrap_or_default();
            let attrs = Arc::new(attrs);
            order.push(uid.clone());
            for alias in aliases {
                by_login.insert(alias, attrs.clone());
            }
            by_login.insert(uid, attrs);
        }
        Ok(LdifDirectory { name, by_login, order })
    }

    /// The `uid`s of the file, in order.
    pub fn uids(&self) -> &[String] {
        &self.order
    }
}

impl AttributeSource for LdifDirectory {
    fn name(&self) -> &str {
        &self.name
    }

    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<Attributes>, SourceError>> {
        Box::pin(async move { Ok(self.by_login.get(login).map(|a| (**a).clone())) })
    }

    fn search<'a>(
        &'a self,
        words: &'a [String],
        max: u32,
    ) -> Option<BoxFuture<'a, Result<Vec<Attributes>, SourceError>>> {
        Some(Box::pin(async move {
            let found = self
                .order
                .iter()
                .filter_map(|uid| self.by_login.get(uid))
                .filter(|attrs| {
                    let names: String = NAME_ATTRIBUTES
                        .iter()
                        .filter_map(|n| attrs.get(*n))
                        .flatten()
                        .map(|v| v.to_lowercase())
                        .collect::<Vec<_>>()
                        .join(" ");
                    words.iter().all(|w| names.contains(w.as_str()))
                })
                .take(max as usize)
                .map(|a| (**a).clone())
                .collect();
            Ok(found)
        }))
    }
}

/// Result of resolving a login: the person and notices for the user (a source was down …).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The person.
    pub person: Person,
    /// Sources that failed (shown to the user as a notice, logged in detail).
    pub failed_sources: Vec<String>,
}

/// Merges attributes from the sources (earlier sources win per attribute) and caches people.
pub struct PersonResolver {
    sources: Vec<Arc<dyn AttributeSource>>,
    signon_wins: Vec<String>,
    cache: moka::future::Cache<String, Arc<Person>>,
}

impl PersonResolver {
    /// A resolver over `sources`, caching people for `ttl`.
    pub fn new(sources: Vec<Arc<dyn AttributeSource>>, ttl: Duration) -> Self {
        PersonResolver {
            sources,
            signon_wins: Vec::new(),
            cache: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// Let the sign-on assertion win over the directory for these attributes.
    pub fn with_signon_wins(mut self, attributes: Vec<String>) -> Self {
        self.signon_wins = attributes;
        self
    }

    /// The cached person for `login`, if any (no source is asked).
    pub async fn cached(&self, login: &str) -> Option<Person> {
        self.cache.get(login).await.map(|p| (*p).clone())
    }

    /// Resolve `login` with `signon` attributes (those that arrived with the sign-on assertion).
    /// A failing source does not stop sign-on: the person gets what the others know.
    pub async fn resolve(&self, login: &str, signon: Attributes) -> Resolved {
        if let Some(p) = self.cache.get(login).await {
            return Resolved {
                person: (*p).clone(),
                failed_sources: Vec::new(),
            };
        }
        let mut merged = Attributes::new();
        let mut failed = Vec::new();
        for source in &self.sources {
            match source.lookup(login).await {
                Ok(Some(attrs)) => {
                    for (k, v) in attrs {
                        merged.entry(k).or_insert(v);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(source = source.name(), login, "attribute source failed: {e}");
                    failed.push(source.name().to_string());
                }
            }
        }
        for (k, v) in signon {
            if self.signon_wins.contains(&k) {
                merged.insert(k, v);
            } else {
                merged.entry(k).or_insert(v);
            }
        }
        merged.entry("uid".into()).or_insert_with(|| vec![login.to_string()]);
        let person = Person {
            uid: login.to_string(),
            attributes: Arc::new(merged),
        };
        if failed.is_empty() {
            self.cache.insert(login.to_string(), Arc::new(person.clone())).await;
        }
        Resolved {
            person,
            failed_sources: failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(text: &str) -> LdifDirectory {
        let p = std::env::temp_dir().join(format!("agora-person-{}-{}.ldif", std::process::id(), text.len()));
        std::fs::write(&p, text).expect("write");
        LdifDirectory::load(&p).expect("loads")
    }

    #[tokio::test]
    async fn people_are_found_by_uid_or_alias_and_passwords_dropped() {
        let d = dir(
            "dn: uid=amartin,dc=u\nuid: amartin\nsupannAliasLogin: alice.martin\nuserPassword: secret\ndisplayName: Alice Martin\n",
        );
        let r = PersonResolver::new(vec![Arc::new(d)], Duration::from_secs(60));
        let p = r.resolve("alice.martin", Attributes::new()).await.person;
        assert_eq!(p.display_name(), "Alice Martin");
        assert!(!p.attributes.contains_key("userPassword"));
    }

    #[tokio::test]
    async fn the_directory_wins_unless_configured_otherwise() {
        let d = || dir("dn: uid=b,dc=u\nuid: b\ndisplayName: From Directory\nmail: b@dir\n");
        let mut signon = Attributes::new();
        signon.insert("displayName".into(), vec!["From Sign-on".into()]);
        signon.insert("title".into(), vec!["Dr".into()]);
        let r = PersonResolver::new(vec![Arc::new(d())], Duration::from_secs(60));
        let p = r.resolve("b", signon.clone()).await.person;
        assert_eq!(p.display_name(), "From Directory");
        assert_eq!(p.first("title"), Some("Dr"), "sign-on fills gaps");
        let r = PersonResolver::new(vec![Arc::new(d())], Duration::from_secs(60))
            .with_signon_wins(vec!["displayName".into()]);
        assert_eq!(r.resolve("b", signon).await.person.display_name(), "From Sign-on");
    }

    #[tokio::test]
    async fn a_failing_source_lets_the_user_in_with_signon_attributes() {
        struct Down;
        impl AttributeSource for Down {
            fn name(&self) -> &str {
                "ldap"
            }
            fn lookup<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<Attributes>, SourceError>> {
                Box::pin(async {
                    Err(SourceError::Unavailable {
                        source_name: "ldap".into(),
                        detail: "connection refused".into(),
                    })
                })
            }
        }
        let r = PersonResolver::new(vec![Arc::new(Down)], Duration::from_secs(60));
        let mut signon = Attributes::new();
        signon.insert("displayName".into(), vec!["Bob".into()]);
        let res = r.resolve("bob", signon).await;
        assert_eq!(res.person.display_name(), "Bob");
        assert_eq!(res.failed_sources, vec!["ldap"]);
    }
}

//! [`PersonResolver`]: asks the attribute sources for a login, merges what they say with the
//! sign-on attributes, and caches people under the directory's `uid`.

use super::person::{Person, without_secrets};
use super::source::AttributeSource;
use agora_channel_host::Attributes;
use std::sync::Arc;
use std::time::Duration;

/// Result of resolving a login: the person and notices for the user (a source was down …).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The person.
    pub person: Person,
    /// Sources that failed (shown to the user as a notice, logged in detail).
    pub failed_sources: Vec<String>,
    /// Whether a source knew this login (false: only the login and sign-on attributes).
    pub known: bool,
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
                known: true,
            };
        }
        let mut merged = Attributes::new();
        let mut failed = Vec::new();
        let mut known = false;
        for source in &self.sources {
            match source.lookup(login).await {
                Ok(Some(attrs)) => {
                    known = true;
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
        for (k, v) in without_secrets(signon) {
            if self.signon_wins.contains(&k) {
                merged.insert(k, v);
            } else {
                merged.entry(k).or_insert(v);
            }
        }
        // The person is the directory's `uid`, whichever login was typed (an alias such as
        // `supannAliasLogin`, a typed login released by CAS): one identity, one session key,
        // one set of edits.
        let uid = merged
            .get("uid")
            .and_then(|v| v.first())
            .filter(|u| !u.is_empty())
            .cloned()
            .unwrap_or_else(|| login.to_string());
        merged.entry("uid".into()).or_insert_with(|| vec![uid.clone()]);
        let person = Person {
            uid: uid.clone(),
            attributes: Arc::new(merged),
        };
        if failed.is_empty() {
            let cached = Arc::new(person.clone());
            if uid != login {
                self.cache.insert(login.to_string(), cached.clone()).await;
            }
            self.cache.insert(uid, cached).await;
        }
        Resolved {
            person,
            failed_sources: failed,
            known,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::ldif::LdifDirectory;
    use crate::people::source::SourceError;
    use futures::future::BoxFuture;

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
        assert_eq!(p.uid, "amartin", "an alias login resolves to the directory's uid");
        assert!(!p.attributes.contains_key("userPassword"));
        assert_eq!(r.cached("amartin").await.map(|p| p.uid), Some("amartin".into()));
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

    #[tokio::test]
    async fn secrets_released_at_sign_on_are_never_kept() {
        let r = PersonResolver::new(Vec::new(), Duration::from_secs(60));
        let mut signon = Attributes::new();
        signon.insert("userPassword".into(), vec!["{SSHA}secret".into()]);
        signon.insert("supannMailPerso".into(), vec!["me@home.example".into()]);
        signon.insert("SAMBANTPASSWORD".into(), vec!["0123".into()]);
        signon.insert("mail".into(), vec!["c@univ.example".into()]);
        let p = r.resolve("c", signon).await.person;
        assert_eq!(p.first("mail"), Some("c@univ.example"));
        for secret in ["userPassword", "supannMailPerso", "SAMBANTPASSWORD"] {
            assert!(!p.attributes.contains_key(secret), "{secret} was kept");
        }
    }
}

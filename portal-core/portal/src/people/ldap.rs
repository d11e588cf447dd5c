//! People from the institution's LDAP directory (SupAnn schema), with ldap3: a small pool of
//! bound connections, timeouts on connect and search, StartTLS / LDAPS, a filter template
//! with the login escaped (RFC 4515). Malformed SupAnn values are kept and reported, never
//! dropped silently; a directory that is down or slow fails the lookup, not the sign-in.

use super::person::never_kept;
use super::source::{AttributeSource, NAME_ATTRIBUTES, SourceError, names_match};
use crate::config::LdapConfig;
use agora_channel_host::Attributes;
use futures::future::BoxFuture;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use std::time::Duration;
use tokio::sync::Mutex;

/// The LDAP attribute source.
pub struct LdapDirectory {
    config: LdapConfig,
    name: String,
    idle: Mutex<Vec<Ldap>>,
    tls: Option<std::sync::Arc<tokio_rustls::rustls::ClientConfig>>,
}

impl LdapDirectory {
    /// A source for `config` (connections are opened lazily).
    pub fn new(config: LdapConfig) -> Self {
        let name = format!("LDAP {}", config.url);
        LdapDirectory {
            config,
            name,
            idle: Mutex::new(Vec::new()),
            tls: None,
        }
    }

    /// Trust these roots for LDAPS and StartTLS (default: the system's store).
    pub fn with_tls(mut self, tls: std::sync::Arc<tokio_rustls::rustls::ClientConfig>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The configured spelling of an attribute name (LDAP names are case-insensitive).
    fn configured_name(&self, name: String) -> String {
        self.config
            .attributes
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&name))
            .cloned()
            .unwrap_or(name)
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.timeout_ms)
    }

    fn unavailable(&self, detail: impl std::fmt::Display) -> SourceError {
        SourceError::Unavailable {
            source_name: self.name.clone(),
            detail: detail.to_string(),
        }
    }

    async fn connect(&self) -> Result<Ldap, SourceError> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout())
            .set_starttls(self.config.starttls)
            .set_no_tls_verify(!self.config.tls_verify);
        if let Some(tls) = &self.tls
            && self.config.tls_verify
        {
            settings = settings.set_config(tls.clone());
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.config.url)
            .await
            .map_err(|e| self.unavailable(e))?;
        ldap3::drive!(conn);
        if !self.config.bind_dn.is_empty() {
            ldap.with_timeout(self.timeout())
                .simple_bind(&self.config.bind_dn, self.config.bind_password.expose())
                .await
                .and_then(|r| r.success())
                .map_err(|e| self.unavailable(format!("bind as {}: {e}", self.config.bind_dn)))?;
        }
        Ok(ldap)
    }

    /// A pooled connection, or a new one.
    async fn checkout(&self) -> Result<Ldap, SourceError> {
        let pooled = self.idle.lock().await.pop();
        match pooled {
            Some(l) => Ok(l),
            None => self.connect().await,
        }
    }

    /// Give a connection that worked back to the pool (dropped when the pool is full).
    async fn give_back(&self, ldap: Ldap) {
        let mut idle = self.idle.lock().await;
        if idle.len() < self.config.pool_size {
            idle.push(ldap);
        }
    }

    /// The configured attributes to ask for, never a password.
    fn requested_attributes(&self) -> Vec<&str> {
        self.config
            .attributes
            .iter()
            .map(String::as_str)
            .filter(|a| !never_kept(a))
            .collect()
    }

    /// An entry's attributes under their configured names, never a password.
    fn kept_attributes(&self, entry: SearchEntry) -> impl Iterator<Item = (String, Vec<String>)> + '_ {
        entry
            .attrs
            .into_iter()
            .filter(|(name, _)| !never_kept(name))
            .map(|(name, values)| (self.configured_name(name), values))
    }

    async fn search(&self, ldap: &mut Ldap, login: &str) -> Result<Option<Attributes>, SourceError> {
        let filter = self.config.filter.replace("{login}", &ldap3::ldap_escape(login));
        let attrs = self.requested_attributes();
        let (entries, _) = ldap
            .with_timeout(self.timeout())
            .search(&self.config.base_dn, Scope::Subtree, &filter, attrs)
            .await
            .and_then(|r| r.success())
            .map_err(|e| self.unavailable(format!("search {filter}: {e}")))?;
        let Some(entry) = entries.into_iter().next() else {
            return Ok(None);
        };
        let mut out = Attributes::new();
        for (name, values) in self.kept_attributes(SearchEntry::construct(entry)) {
            for v in &values {
                if let Some(problem) = supann_problem(&name, v) {
                    tracing::warn!(login, attribute = %name, "malformed directory value kept as is: {problem}");
                }
            }
            out.insert(name, values);
        }
        Ok(Some(out))
    }
}

/// Why a SupAnn composite value is malformed, if it is.
fn supann_problem(name: &str, value: &str) -> Option<String> {
    match name {
        "supannEtuInscription" => value
            .parse::<agora_supann::EtuInscription>()
            .err()
            .map(|e| e.to_string()),
        "supannRoleEntite" => value.parse::<agora_supann::RoleEntite>().err().map(|e| e.to_string()),
        "supannListeRouge" => agora_supann::liste_rouge(value).err().map(|e| e.to_string()),
        _ => None,
    }
}

/// The LDAP filter of a name search: every word somewhere in a name attribute, people
/// only, red-listed people excluded (the host drops them again whatever the filter finds).
///
/// Directories compare names with case-insensitive but accent-sensitive rules, so each
/// letter that may carry an accent (`e` for `é è ê ë` …) becomes a wildcard: `helene` asks
/// for `*h*l*` (`n` may be `ñ`), which finds Hélène; [`names_match`] then keeps only the real matches.
pub fn search_filter(words: &[String]) -> String {
    let mut filter = String::from("(&(objectClass=person)(!(supannListeRouge=TRUE))");
    for w in words {
        let pattern = accent_wildcards(w);
        filter.push_str("(|");
        for attr in NAME_ATTRIBUTES {
            if pattern.is_empty() {
                // Every letter may carry an accent (`eau`): any name, filtered afterwards.
                filter.push_str(&format!("({attr}=*)"));
            } else {
                filter.push_str(&format!("({attr}=*{pattern}*)"));
            }
        }
        filter.push(')');
    }
    filter.push(')');
    filter
}

/// `word` (folded) as an LDAP substring pattern: letters that may carry an accent or stand
/// for a ligature are wildcards, the rest is escaped (RFC 4515).
fn accent_wildcards(word: &str) -> String {
    let mut pattern = String::new();
    let mut literal = String::new();
    for c in word.chars() {
        if "aceinouy".contains(c) {
            pattern.push_str(&ldap3::ldap_escape(&literal));
            literal.clear();
            if !pattern.ends_with('*') {
                pattern.push('*');
            }
        } else {
            literal.push(c);
        }
    }
    pattern.push_str(&ldap3::ldap_escape(&literal));
    pattern.trim_matches('*').to_string()
}

/// How many entries to ask the directory for, to keep `max` after the accent-blind filter
/// let through near misses.
fn widened(max: u32) -> u32 {
    // Never below `max` (a listing of everyone asks for more than 500).
    max.saturating_mul(5).min(500).max(max)
}

impl LdapDirectory {
    async fn search_people(&self, words: &[String], max: u32) -> Result<Vec<Attributes>, SourceError> {
        let mut ldap = self.checkout().await?;
        let filter = search_filter(words);
        let mut attrs = self.requested_attributes();
        attrs.push("supannListeRouge");
        let search = ldap
            .with_timeout(self.timeout())
            .with_search_options(ldap3::SearchOptions::new().sizelimit(widened(max) as i32))
            .search(&self.config.base_dn, Scope::Subtree, &filter, attrs);
        let result = match tokio::time::timeout(self.timeout() * 2, search).await {
            Ok(Ok(r)) => Ok(r.0),
            Ok(Err(e)) => Err(self.unavailable(format!("search {filter}: {e}"))),
            Err(_) => Err(self.unavailable("no answer in time")),
        };
        match result {
            Ok(entries) => {
                self.give_back(ldap).await;
                Ok(entries
                    .into_iter()
                    .map(|e| self.kept_attributes(SearchEntry::construct(e)).collect::<Attributes>())
                    .filter(|attrs| names_match(attrs, words))
                    .take(max as usize)
                    .collect())
            }
            Err(e) => Err(e),
        }
    }
}

impl AttributeSource for LdapDirectory {
    fn name(&self) -> &str {
        &self.name
    }

    fn search<'a>(
        &'a self,
        words: &'a [String],
        max: u32,
    ) -> Option<BoxFuture<'a, Result<Vec<Attributes>, SourceError>>> {
        Some(Box::pin(self.search_people(words, max)))
    }

    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<Attributes>, SourceError>> {
        Box::pin(async move {
            let mut ldap = self.checkout().await?;
            let result = match tokio::time::timeout(self.timeout() * 2, self.search(&mut ldap, login)).await {
                Ok(r) => r,
                Err(_) => Err(self.unavailable("no answer in time")),
            };
            match &result {
                Ok(_) => self.give_back(ldap).await,
                // A connection that failed is dropped, never reused.
                Err(_) => drop(ldap),
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::search_filter;

    #[test]
    fn accented_letters_become_wildcards_and_filter_syntax_is_escaped() {
        let f = search_filter(&["helene".into()]);
        assert!(f.contains("(cn=*h*l*)"), "{f}");
        let f = search_filter(&["eau".into()]);
        assert!(f.contains("(cn=*)") && !f.contains("**"), "{f}");
        let f = search_filter(&["d*)(uid=x".into()]);
        assert!(f.contains("\\2a") && f.contains("\\29"), "{f}");
    }
}

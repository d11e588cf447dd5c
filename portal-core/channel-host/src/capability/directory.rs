//! `agora:channel/directory`: search people by name, as `[directory]` grants: only the
//! listed attributes, never a red-listed person (`supannListeRouge: TRUE`), never a secret
//! attribute, at most `max_results` (itself at most 50).

use crate::bindings::agora::channel::directory::{DirectoryError, Entry, Host};
use crate::render::{DirectoryFailure, NEVER_SHOWN, RenderState};
use std::time::Instant;

/// Whether an entry is on the red list (any value `TRUE`, case-insensitive).
pub fn red_listed(entry: &crate::render::DirectoryEntry) -> bool {
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

impl Host for RenderState {
    async fn search(&mut self, query: String, max: u32) -> Result<Vec<Entry>, DirectoryError> {
        let Some(grant) = self.manifest.directory.clone() else {
            let msg = "add a [directory] section (attributes = [...]) to channel.toml".to_string();
            self.refusals.push(format!("directory search: {msg}"));
            return Err(DirectoryError::NotGranted(msg));
        };
        let Some(directory) = self.directory.clone() else {
            return Err(DirectoryError::Unavailable(
                "no directory is configured on this portal".into(),
            ));
        };
        let query = check_query(&query).map_err(DirectoryError::InvalidQuery)?;
        let max = max.clamp(1, grant.max_results);
        if self.requests_made >= self.limits.requests {
            return Err(DirectoryError::Unavailable(
                "request budget of this render spent".into(),
            ));
        }
        self.requests_made += 1;
        let started = Instant::now();
        // Ask for a few more: red-listed people are removed after the search.
        let found = directory.search(&query, max + 10).await;
        self.host_wait += started.elapsed();
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
                    .filter(|a| !NEVER_SHOWN.iter().any(|n| n.eq_ignore_ascii_case(a)))
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
        let mut e = crate::render::DirectoryEntry::new();
        e.insert("supannListeRouge".into(), vec!["TRUE".into()]);
        assert!(red_listed(&e));
        e.insert("supannListeRouge".into(), vec!["FALSE".into()]);
        assert!(!red_listed(&e));
        let mut e = crate::render::DirectoryEntry::new();
        e.insert("SUPANNLISTEROUGE".into(), vec!["true".into()]);
        assert!(red_listed(&e));
    }
}

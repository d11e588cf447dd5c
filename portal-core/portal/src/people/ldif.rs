//! A reader for LDIF content files (RFC 2849): entries separated by blank lines, folded lines
//! continued by a leading space, `attr:: base64` values, `#` comments. Used by the demo
//! directory and by tests; a malformed entry is reported with its line, never half-read.
//! [`LdifDirectory`] is the demo directory read from such a file.

use super::person::without_secrets;
use super::source::{AttributeSource, SourceError, names_match};
use agora_channel_host::Attributes;
use base64::Engine;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// One entry: its DN and attributes (name → values, in file order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifEntry {
    /// Distinguished name.
    pub dn: String,
    /// Attributes, names as written.
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// A malformed LDIF document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {reason}")]
pub struct LdifError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parse a whole LDIF document.
pub fn parse(text: &str) -> Result<Vec<LdifEntry>, LdifError> {
    // Unfold: a line starting with one space continues the previous one.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = raw.strip_prefix(' ') {
            match lines.last_mut() {
                Some((_, last)) if !last.is_empty() => last.push_str(cont),
                _ => {
                    return Err(LdifError {
                        line: i + 1,
                        reason: "continuation line without a line to continue".into(),
                    });
                }
            }
        } else {
            lines.push((i + 1, raw.to_string()));
        }
    }
    let mut entries = Vec::new();
    let mut current: Option<LdifEntry> = None;
    for (line, text) in lines {
        if text.starts_with('#') {
            continue;
        }
        if text.trim().is_empty() {
            if let Some(e) = current.take() {
                entries.push(e);
            }
            continue;
        }
        if text.starts_with("version:") && current.is_none() && entries.is_empty() {
            continue;
        }
        let (name, value) = parse_line(&text).map_err(|reason| LdifError { line, reason })?;
        match current.as_mut() {
            None if name.eq_ignore_ascii_case("dn") => {
                current = Some(LdifEntry {
                    dn: value,
                    attributes: BTreeMap::new(),
                });
            }
            None => {
                return Err(LdifError {
                    line,
                    reason: format!("entry must start with `dn:`, found `{name}:`"),
                });
            }
            Some(entry) => entry.attributes.entry(name).or_default().push(value),
        }
    }
    if let Some(e) = current.take() {
        entries.push(e);
    }
    Ok(entries)
}

fn parse_line(text: &str) -> Result<(String, String), String> {
    let Some((name, rest)) = text.split_once(':') else {
        return Err(format!(
            "`{}` is not `attribute: value`",
            text.chars().take(40).collect::<String>()
        ));
    };
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';' || c == '.')
    {
        return Err(format!("`{name}` is not an attribute name"));
    }
    let value = if let Some(b64) = rest.strip_prefix(':') {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| format!("{name}: bad base64 value: {e}"))?;
        String::from_utf8(bytes).map_err(|_| format!("{name}: base64 value is not UTF-8 text"))?
    } else if rest.starts_with('<') {
        return Err(format!("{name}: URL values (`:<`) are not supported"));
    } else {
        rest.strip_prefix(' ').unwrap_or(rest).to_string()
    };
    Ok((name.to_string(), value))
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
        let entries = parse(&text).map_err(|e| SourceError::Malformed {
            source_name: name.clone(),
            detail: e.to_string(),
        })?;
        let mut by_login = HashMap::new();
        let mut order = Vec::new();
        for entry in entries {
            let attrs = without_secrets(entry.attributes);
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
                .filter(|attrs| names_match(attrs, words))
                .take(max as usize)
                .map(|a| (**a).clone())
                .collect();
            Ok(found)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_folding_and_base64() {
        let text = "version: 1\n# people\ndn: uid=a,ou=people,dc=u\nuid: a\ndisplayName:: w4lsb2RpZQ==\ndescription: long\n  value\neduPersonAffiliation: student\neduPersonAffiliation: member\n\ndn: uid=b,ou=people,dc=u\nuid: b\n";
        let entries = parse(text).expect("parses");
        assert_eq!(entries.len(), 2);
        let a = &entries[0];
        assert_eq!(a.attributes["displayName"], vec!["Élodie"]);
        assert_eq!(a.attributes["description"], vec!["long value"]);
        assert_eq!(a.attributes["eduPersonAffiliation"], vec!["student", "member"]);
    }

    #[test]
    fn malformed_documents_say_where() {
        assert_eq!(parse("uid: a\n").unwrap_err().line, 1);
        assert_eq!(parse("dn: x\nnot a pair\n").unwrap_err().line, 2);
        assert!(parse("dn: x\nphoto:: !!!\n").unwrap_err().reason.contains("base64"));
        assert_eq!(parse(" leading\n").unwrap_err().line, 1);
    }
}

//! The person a native test renders for: built in code, or read from an LDIF entry (the
//! portal's demo directory, a test directory, an export of a real one).

use std::collections::BTreeMap;
use std::path::Path;

/// A person's attributes, as the portal would hand them to a render (before the manifest's
/// grants, which the fake host applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Persona {
    /// Attribute name → values.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl Persona {
    /// A person with `uid` and nothing else.
    pub fn new(uid: &str) -> Persona {
        Persona::default().with("uid", uid)
    }

    /// Add one value to `name`.
    pub fn with(mut self, name: &str, value: &str) -> Persona {
        self.attributes
            .entry(name.to_string())
            .or_default()
            .push(value.to_string());
        self
    }

    /// The entry whose `uid` is `uid` in the LDIF text `ldif` (RFC 2849: folded lines,
    /// `attr:: base64` values, comments; `attr;lang-fr` options kept in the name).
    pub fn from_ldif(ldif: &str, uid: &str) -> Result<Persona, String> {
        entries(ldif)?
            .into_iter()
            .find(|e| e.get("uid").is_some_and(|v| v.iter().any(|u| u == uid)))
            .map(|attributes| Persona { attributes })
            .ok_or_else(|| format!("no entry with uid `{uid}`"))
    }

    /// [`Persona::from_ldif`] on a file; the error names it.
    pub fn from_ldif_file(path: impl AsRef<Path>, uid: &str) -> Result<Persona, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Persona::from_ldif(&text, uid).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Every entry of an LDIF text, attribute names as written (the `dn` left out).
pub fn entries(ldif: &str) -> Result<Vec<BTreeMap<String, Vec<String>>>, String> {
    use base64::Engine as _;
    // Unfold: a line starting with one space continues the previous one.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (n, raw) in ldif.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix(' ') {
            match lines.last_mut() {
                Some((_, last)) if !last.is_empty() => last.push_str(rest),
                _ => return Err(format!("line {}: a continuation with nothing to continue", n + 1)),
            }
        } else {
            lines.push((n + 1, raw.to_string()));
        }
    }
    let mut out = Vec::new();
    let mut entry: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_entry = false;
    for (n, line) in lines {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if in_entry {
                out.push(std::mem::take(&mut entry));
                in_entry = false;
            }
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("line {n}: `{line}` is not `attribute: value`"))?;
        let value = if let Some(b64) = value.strip_prefix(':') {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| format!("line {n}: {name}:: is not base64 ({e})"))?;
            String::from_utf8(bytes).map_err(|_| format!("line {n}: {name}:: is not UTF-8 text"))?
        } else if value.starts_with('<') {
            return Err(format!("line {n}: {name}:< (a value from a URL) is not supported"));
        } else {
            value.trim_start().to_string()
        };
        in_entry = true;
        if name.eq_ignore_ascii_case("dn") || name.eq_ignore_ascii_case("version") {
            continue;
        }
        entry.entry(name.to_string()).or_default().push(value);
    }
    if in_entry {
        out.push(entry);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ldif_entry_is_read_with_folds_base64_and_options() {
        let ldif = "version: 1\n# people\ndn: uid=a,ou=people\nuid: a\ndisplayName:: w4lsaXNl\n\
                    description: a long\n  line\nagoraFormation;lang-fr: L1\n\ndn: uid=b\nuid: b\n";
        let a = Persona::from_ldif(ldif, "a").expect("entry a");
        assert_eq!(a.attributes["displayName"], vec!["Élise"]);
        assert_eq!(a.attributes["description"], vec!["a long line"]);
        assert_eq!(a.attributes["agoraFormation;lang-fr"], vec!["L1"]);
        assert!(Persona::from_ldif(ldif, "c").is_err());
        assert!(Persona::from_ldif("uid a\n", "a").unwrap_err().contains("line 1"));
    }
}

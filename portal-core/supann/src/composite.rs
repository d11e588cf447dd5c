//! Composite values: `[key=value][key=value]…`.

use crate::SupannError;
use std::fmt;
use std::str::FromStr;

/// A composite value: keys and values in their original order. Unknown keys are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Composite {
    /// `(key, value)` pairs, in order.
    pub pairs: Vec<(String, String)>,
}

impl Composite {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Pairs whose key is not in `known`.
    pub fn unknown<'a>(&'a self, known: &'a [&str]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl FromStr for Composite {
    type Err = SupannError;

    fn from_str(s: &str) -> Result<Self, SupannError> {
        let mut pairs = Vec::new();
        let mut pos = 0;
        let bytes = s.as_bytes();
        if s.is_empty() {
            return Err(SupannError::new(s, 0, "empty composite value"));
        }
        while pos < bytes.len() {
            if bytes[pos] != b'[' {
                return Err(SupannError::new(s, pos, "expected `[`"));
            }
            let Some(close) = s[pos..].find(']').map(|i| pos + i) else {
                return Err(SupannError::new(s, pos, "`[` not closed by `]`"));
            };
            let inner = &s[pos + 1..close];
            if inner.contains('[') {
                return Err(SupannError::new(
                    s,
                    pos + 1 + inner.find('[').unwrap_or(0),
                    "`[` inside a pair",
                ));
            }
            let Some(eq) = inner.find('=') else {
                return Err(SupannError::new(s, pos + 1, "pair without `=`"));
            };
            let key = &inner[..eq];
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(SupannError::new(s, pos + 1, format!("`{key}` is not a key")));
            }
            pairs.push((key.to_string(), inner[eq + 1..].to_string()));
            pos = close + 1;
        }
        Ok(Composite { pairs })
    }
}

impl fmt::Display for Composite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in &self.pairs {
            write!(f, "[{k}={v}]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_in_order_with_unknown_keys_kept() {
        let c: Composite = "[role={SUPANN}D30][type={SUPANN}S302][code=UFR27][x-local=42]"
            .parse()
            .expect("valid");
        assert_eq!(c.get("code"), Some("UFR27"));
        assert_eq!(
            c.unknown(&["role", "type", "code"]).collect::<Vec<_>>(),
            vec![("x-local", "42")]
        );
        assert_eq!(
            c.to_string(),
            "[role={SUPANN}D30][type={SUPANN}S302][code=UFR27][x-local=42]"
        );
    }

    #[test]
    fn malformed_composites_say_where() {
        let e = "[etab=x][anneeinsc".parse::<Composite>().unwrap_err();
        assert_eq!(e.position, 8);
        let e = "[etab=x] [a=b]".parse::<Composite>().unwrap_err();
        assert_eq!(e.position, 8);
        assert!("[novalue]".parse::<Composite>().is_err());
        assert!("[=v]".parse::<Composite>().is_err());
        assert!("".parse::<Composite>().is_err());
        assert!("[a=[b]]".parse::<Composite>().is_err());
    }
}

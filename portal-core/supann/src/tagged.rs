//! Tagged values: `{LABEL}code`.

use crate::SupannError;
use std::fmt;
use std::str::FromStr;

/// A code with an optional label naming its nomenclature: `{SUPANN}L3` → label `SUPANN`,
/// code `L3`; `{UAI:0751717J}L3MATH` → label `UAI:0751717J`; `UFR27` → no label.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tagged {
    /// The nomenclature (`SUPANN`, `SISE`, `UAI`, `UAI:0751717J`, `NCORPS`, `CNU` …).
    pub label: Option<String>,
    /// The code itself.
    pub code: String,
}

impl Tagged {
    /// Whether the label is `label` (case-sensitive, as SupAnn labels are upper case).
    pub fn has_label(&self, label: &str) -> bool {
        self.label.as_deref() == Some(label)
    }
}

impl FromStr for Tagged {
    type Err = SupannError;

    fn from_str(s: &str) -> Result<Self, SupannError> {
        let Some(rest) = s.strip_prefix('{') else {
            if s.contains(['{', '}']) {
                return Err(SupannError::new(
                    s,
                    s.find(['{', '}']).unwrap_or(0),
                    "brace inside an untagged code",
                ));
            }
            return Ok(Tagged {
                label: None,
                code: s.to_string(),
            });
        };
        let Some(end) = rest.find('}') else {
            return Err(SupannError::new(s, s.len(), "label not closed by `}`"));
        };
        let label = &rest[..end];
        let code = &rest[end + 1..];
        if label.is_empty() {
            return Err(SupannError::new(s, 1, "empty label"));
        }
        if label.contains('{') || code.contains(['{', '}']) {
            return Err(SupannError::new(s, end + 1, "more than one label"));
        }
        Ok(Tagged {
            label: Some(label.to_string()),
            code: code.to_string(),
        })
    }
}

impl fmt::Display for Tagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.label {
            Some(l) => write!(f, "{{{l}}}{}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_codes() {
        let t: Tagged = "{SUPANN}L3".parse().expect("valid");
        assert_eq!((t.label.as_deref(), t.code.as_str()), (Some("SUPANN"), "L3"));
        let t: Tagged = "{UAI:0751717J}L3MATH".parse().expect("valid");
        assert_eq!(t.label.as_deref(), Some("UAI:0751717J"));
        let t: Tagged = "UFR27".parse().expect("valid");
        assert_eq!(t.label, None);
        assert_eq!(t.to_string(), "UFR27");
    }

    #[test]
    fn malformed_tags_are_reported() {
        for bad in ["{SUPANN", "{}L3", "{A}{B}x", "L{3", "{A}x}"] {
            assert!(bad.parse::<Tagged>().is_err(), "{bad}");
        }
    }
}

//! Secrets in the configuration: a [`Secret`] is never shown by `{:?}` and must be asked for
//! by name ([`Secret::expose`]) wherever it is used, so a log line cannot carry it by
//! accident.

use serde::{Deserialize, Serialize};

/// A password, shared secret or client secret from the configuration.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that sends it (a bind, a token request …).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether none is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Its length in bytes (for "at least 16 characters" checks).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "(none)" } else { "***" })
    }
}

/// A database URL with its password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_passwords_in_urls_never_show() {
        assert_eq!(format!("{:?}", Secret::from("hunter2")), "***");
        assert_eq!(
            redact("postgres://agora:hunter2@db/agora"),
            "postgres://agora:***@db/agora"
        );
    }
}

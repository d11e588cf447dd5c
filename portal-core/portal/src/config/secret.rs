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

/// The bytes of a signing key written as hex (128 digits or more) or base64: at least
/// 64 bytes.
pub fn key_bytes(key: &Secret) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let text = key.expose().trim();
    if !text.is_empty()
        && text.len() < 128
        && text.len().is_multiple_of(2)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(format!(
            "{} hex digits are {} bytes: at least 64 bytes (128 hex digits) are needed (generate one with `openssl rand -hex 64`)",
            text.len(),
            text.len() / 2
        ));
    }
    let bytes = if text.len() >= 128 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| format!("not valid hex: {e}"))?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| "neither hex nor base64 (generate one with `openssl rand -hex 64`)".to_string())?
    };
    if bytes.len() < 64 {
        return Err(format!(
            "{} bytes: at least 64 are needed (generate one with `openssl rand -hex 64`)",
            bytes.len()
        ));
    }
    Ok(bytes)
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
    fn signing_keys_are_hex_or_base64_of_64_bytes() {
        let hex64 = "ab".repeat(64);
        assert_eq!(key_bytes(&Secret::from(hex64.as_str())).map(|b| b.len()), Ok(64));
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 80]);
        assert_eq!(key_bytes(&Secret::from(b64.as_str())).map(|b| b.len()), Ok(80));
        let short = key_bytes(&Secret::from("ab".repeat(20).as_str())).unwrap_err();
        assert!(short.contains("at least 64"), "{short}");
        let bad = key_bytes(&Secret::from("not a key!")).unwrap_err();
        assert!(bad.contains("openssl rand"), "{bad}");
    }

    #[test]
    fn secrets_and_passwords_in_urls_never_show() {
        assert_eq!(format!("{:?}", Secret::from("hunter2")), "***");
        assert_eq!(
            redact("postgres://agora:hunter2@db/agora"),
            "postgres://agora:***@db/agora"
        );
    }
}

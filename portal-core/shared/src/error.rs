//! What can go wrong talking to the shared store.

/// A failed operation on the shared store. The message names the server (without its
/// password) and the cause; it never holds a stored value.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SharedError {
    /// The configured URL is not a Redis URL.
    #[error("`{url}` is not a Redis URL: {reason}")]
    BadUrl {
        /// The URL, password removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// Redis did not answer in time, refused the connection, or the connection broke.
    #[error("the shared store (Redis at {url}) is unreachable: {reason}")]
    Unreachable {
        /// The URL, password removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// Redis answered with an error (wrong password, out of memory, read-only replica…).
    #[error("the shared store (Redis at {url}) refused the command: {reason}")]
    Refused {
        /// The URL, password removed.
        url: String,
        /// Redis's answer.
        reason: String,
    },
}

impl SharedError {
    /// Whether this is a connection problem (down, slow) rather than a refusal.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SharedError::Unreachable { .. })
    }

    pub(crate) fn from_redis(url: &str, e: &redis::RedisError) -> Self {
        let reason = e.to_string();
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
            SharedError::Unreachable {
                url: url.to_string(),
                reason,
            }
        } else {
            SharedError::Refused {
                url: url.to_string(),
                reason,
            }
        }
    }
}

/// `url` without its password, for messages and logs.
pub(crate) fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::shown_url;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            shown_url("redis://:s3cret@10.0.0.1:6379/0"),
            "redis://:***@10.0.0.1:6379/0"
        );
        assert_eq!(shown_url("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert!(!shown_url("redis://u:pw@h").contains("pw"));
        assert_eq!(shown_url("not a url :pw"), "(unparsable URL)");
    }
}

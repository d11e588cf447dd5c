//! Where attributes come from: the [`AttributeSource`] trait (LDIF file, LDAP directory,
//! sign-on assertion …) and its failures.

use crate::text::fold;
use agora_channel_host::Attributes;
use futures::future::BoxFuture;

/// A source of attributes failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The source cannot be reached or answered an error.
    #[error("{source_name} is unavailable: {detail}")]
    Unavailable {
        /// Source name.
        source_name: String,
        /// Detail for the logs.
        detail: String,
    },
    /// The source's data is malformed.
    #[error("{source_name}: {detail}")]
    Malformed {
        /// Source name.
        source_name: String,
        /// Detail for the logs.
        detail: String,
    },
}

/// Where attributes come from (LDIF file, LDAP directory, sign-on assertion …).
pub trait AttributeSource: Send + Sync {
    /// Name for logs and messages.
    fn name(&self) -> &str;
    /// Attributes of `login`, `None` when the source does not know them.
    fn lookup<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Option<Attributes>, SourceError>>;

    /// People whose name contains every word of `words` (case-insensitive), at most `max`;
    /// `None` when this source cannot search (sign-on attributes, for instance).
    fn search<'a>(
        &'a self,
        _words: &'a [String],
        _max: u32,
    ) -> Option<BoxFuture<'a, Result<Vec<Attributes>, SourceError>>> {
        None
    }
}

/// The attributes a directory search matches words against.
pub const NAME_ATTRIBUTES: &[&str] = &["cn", "displayName", "sn", "givenName"];

/// Whether every word of `words` (already [`fold`]ed) is in one of the name attributes of
/// `attributes`, accents and case aside.
pub fn names_match(attributes: &Attributes, words: &[String]) -> bool {
    let names = NAME_ATTRIBUTES
        .iter()
        .filter_map(|n| attributes.get(*n))
        .flatten()
        .map(|v| fold(v))
        .collect::<Vec<_>>()
        .join(" ");
    words.iter().all(|w| names.contains(w.as_str()))
}

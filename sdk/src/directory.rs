//! Search the institution's directory (granted by `[directory]` in the manifest). The host
//! returns only the attributes the manifest lists and never a red-listed person.

use crate::bindings::agora::channel0_1_0::directory as wit;
use crate::error::ChannelError;
use std::collections::BTreeMap;

/// One person found: attribute → values.
pub type Person = BTreeMap<String, Vec<String>>;

/// Why a search gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// The manifest does not grant `[directory]`.
    NotGranted(String),
    /// The query is too short or malformed (tell the user).
    InvalidQuery(String),
    /// The directory is down or slow.
    Unavailable(String),
}

impl From<SearchError> for ChannelError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::NotGranted(m) => ChannelError::bad_config(format!("directory not granted: {m}")),
            SearchError::InvalidQuery(m) => ChannelError::internal(format!("invalid directory query: {m}")),
            SearchError::Unavailable(m) => ChannelError::backend_unavailable(format!("directory: {m}")),
        }
    }
}

/// People whose name matches `query`, at most `max`.
pub fn search(query: &str, max: u32) -> Result<Vec<Person>, SearchError> {
    match crate::host::directory_search(query, max) {
        Ok(entries) => Ok(entries
            .into_iter()
            .map(|e| e.attributes.into_iter().collect())
            .collect()),
        Err(wit::DirectoryError::NotGranted(m)) => Err(SearchError::NotGranted(m)),
        Err(wit::DirectoryError::InvalidQuery(m)) => Err(SearchError::InvalidQuery(m)),
        Err(wit::DirectoryError::Unavailable(m)) => Err(SearchError::Unavailable(m)),
    }
}

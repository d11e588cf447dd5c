//! The directory channels may search (`[directory]` grant): the first attribute source that
//! can search answers, accents and case aside.

use super::source::AttributeSource;
use crate::text::fold;
use agora_channel_host::Attributes;
use futures::future::BoxFuture;
use std::sync::Arc;

/// The portal's directory for channels: the first attribute source that can search.
pub struct SourcesDirectory {
    sources: Vec<Arc<dyn AttributeSource>>,
}

impl SourcesDirectory {
    /// A directory over `sources` (searched in order; the first that can search answers).
    pub fn new(sources: Vec<Arc<dyn AttributeSource>>) -> Self {
        SourcesDirectory { sources }
    }

    /// Everyone the first source that can search lists (people, red-listed ones aside), at
    /// most `max` (an LDAP directory also stops at its own size limit): the audience of a
    /// population-wide send.
    pub async fn everyone(&self, max: u32) -> Result<Vec<Attributes>, super::SourceError> {
        for source in &self.sources {
            if let Some(search) = source.search(&[], max) {
                return search.await;
            }
        }
        Ok(Vec::new())
    }
}

impl agora_channel_host::DirectoryService for SourcesDirectory {
    fn search<'a>(
        &'a self,
        query: &'a str,
        max: u32,
    ) -> BoxFuture<'a, Result<Vec<Attributes>, agora_channel_host::DirectoryFailure>> {
        use agora_channel_host::DirectoryFailure;
        Box::pin(async move {
            let words: Vec<String> = query.split_whitespace().map(fold).collect();
            if words.is_empty() {
                return Err(DirectoryFailure::InvalidQuery("empty query".into()));
            }
            for source in &self.sources {
                if let Some(search) = source.search(&words, max) {
                    return search.await.map_err(|e| DirectoryFailure::Unavailable(e.to_string()));
                }
            }
            Err(DirectoryFailure::Unavailable("no attribute source can search".into()))
        })
    }
}

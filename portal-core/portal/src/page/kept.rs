//! What page views keep for the next ones, in this node's memory: rendered shells per person
//! and rendered slot chunks. Both are pure functions of what keys them, so a hit is exactly
//! what rendering again would give.

use bytes::Bytes;
use std::hash::BuildHasher;
use std::sync::Arc;

/// The rendered shells (page head, header, tabs, slot places) and slot chunks of recent
/// pages.
///
/// * A shell is kept per person (the key starts with their uid) for a minute: a page view
///   whose shell inputs did not change (layout, tab, language, token, no message) skips
///   building the template context and rendering it.
/// * A slot chunk (`slot.html` around a channel's fresh HTML) is kept per slot place,
///   title, language and HTML: the channel's HTML is part of the key and compared on every
///   hit, so a chunk is never served for other content (another person's render).
///
/// Each weighs at most [`PageCache::BYTES`].
pub struct PageCache {
    shells: moka::sync::Cache<(String, u64), Arc<(Bytes, Bytes)>>,
    chunks: moka::sync::Cache<u64, Arc<KeptChunk>>,
    hasher: std::collections::hash_map::RandomState,
}

/// A rendered fresh slot and what it was rendered from.
pub struct KeptChunk {
    name: String,
    title: String,
    locale: String,
    channel_title: Option<String>,
    html: Arc<str>,
    chunk: Bytes,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache {
            shells: moka::sync::Cache::builder()
                .max_capacity(Self::BYTES)
                .weigher(|_, v: &Arc<(Bytes, Bytes)>| weight(v.0.len() + v.1.len()))
                .time_to_live(std::time::Duration::from_secs(60))
                .build(),
            chunks: moka::sync::Cache::builder()
                .max_capacity(Self::BYTES)
                .weigher(|_, v: &Arc<KeptChunk>| weight(v.html.len() + v.chunk.len()))
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

fn weight(bytes: usize) -> u32 {
    bytes.try_into().unwrap_or(u32::MAX)
}

impl PageCache {
    /// Most bytes kept for shells, and for slot chunks.
    pub const BYTES: u64 = 16 * 1024 * 1024;

    /// The kept shell and page end of `key` (uid, hash of the shell's inputs).
    pub fn shell(&self, key: &(String, u64)) -> Option<Arc<(Bytes, Bytes)>> {
        self.shells.get(key)
    }

    /// Keep a shell and page end.
    pub fn keep_shell(&self, key: (String, u64), shell: Arc<(Bytes, Bytes)>) {
        self.shells.insert(key, shell);
    }

    fn chunk_key(&self, name: &str, title: &str, locale: &str, channel_title: Option<&str>, html: &Arc<str>) -> u64 {
        self.hasher.hash_one((name, title, locale, channel_title, &**html))
    }

    /// The rendered chunk of a fresh slot, if it was kept for exactly these inputs.
    pub fn chunk(
        &self,
        name: &str,
        title: &str,
        locale: &str,
        channel_title: Option<&str>,
        html: &Arc<str>,
    ) -> Option<Bytes> {
        let kept = self
            .chunks
            .get(&self.chunk_key(name, title, locale, channel_title, html))?;
        // The hash only finds the entry; the inputs themselves decide.
        (kept.name == name
            && kept.title == title
            && kept.locale == locale
            && kept.channel_title.as_deref() == channel_title
            && (Arc::ptr_eq(&kept.html, html) || *kept.html == **html))
            .then(|| kept.chunk.clone())
    }

    /// Keep the rendered chunk of a fresh slot.
    pub fn keep_chunk(
        &self,
        name: &str,
        title: &str,
        locale: &str,
        channel_title: Option<&str>,
        html: &Arc<str>,
        chunk: &Bytes,
    ) {
        let key = self.chunk_key(name, title, locale, channel_title, html);
        self.chunks.insert(
            key,
            Arc::new(KeptChunk {
                name: name.to_string(),
                title: title.to_string(),
                locale: locale.to_string(),
                channel_title: channel_title.map(str::to_string),
                html: html.clone(),
                chunk: chunk.clone(),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::PageCache;
    use bytes::Bytes;
    use std::sync::Arc;

    #[test]
    fn a_chunk_is_served_only_for_the_very_same_inputs() {
        let kept = PageCache::default();
        let alice: Arc<str> = "<p>Alice's mail</p>".into();
        kept.keep_chunk(
            "s-0",
            "Mail",
            "fr",
            None,
            &alice,
            &Bytes::from("<div>Alice's mail</div>"),
        );
        // The same text in another allocation (a render read back from Redis) is the same.
        let same_text: Arc<str> = "<p>Alice's mail</p>".into();
        assert_eq!(
            kept.chunk("s-0", "Mail", "fr", None, &same_text).as_deref(),
            Some(&b"<div>Alice's mail</div>"[..])
        );
        for (name, title, locale, channel_title, html) in [
            ("s-0", "Mail", "fr", None, "<p>Bob's mail</p>"),
            ("s-1", "Mail", "fr", None, "<p>Alice's mail</p>"),
            ("s-0", "Courriel", "fr", None, "<p>Alice's mail</p>"),
            ("s-0", "Mail", "en", None, "<p>Alice's mail</p>"),
            ("s-0", "Mail", "fr", Some("3 unread"), "<p>Alice's mail</p>"),
        ] {
            let html: Arc<str> = html.into();
            assert_eq!(
                kept.chunk(name, title, locale, channel_title, &html),
                None,
                "{name} {title} {locale} {html}"
            );
        }
    }
}

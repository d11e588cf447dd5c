//! Per-person caches of what the store holds (edits, inbox, groups): each node drops a
//! person's entry when another node says it changed (`<prefix><uid>` on
//! [`agora_shared::Events`]), and everything when messages may have been missed.

use agora_shared::Event;
use tokio::sync::broadcast::error::RecvError;

/// Drop `cache`'s entry for `uid` on every message `<prefix><uid>`, and every entry on a
/// resync or a lagging subscription. Must be called within a Tokio runtime; stops when
/// the events close.
pub fn on_events<V>(events: &agora_shared::Events, prefix: &'static str, cache: moka::future::Cache<String, V>)
where
    V: Clone + Send + Sync + 'static,
{
    let mut heard = events.subscribe();
    tokio::spawn(async move {
        loop {
            match heard.recv().await {
                Ok(Event::Message(m)) => {
                    if let Some(uid) = m.strip_prefix(prefix) {
                        cache.invalidate(uid).await;
                    }
                }
                // Messages may have been missed: trust nothing cached.
                Ok(Event::Resync) | Err(RecvError::Lagged(_)) => cache.invalidate_all(),
                Err(RecvError::Closed) => return,
            }
        }
    });
}

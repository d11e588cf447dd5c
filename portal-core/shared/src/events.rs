//! Events broadcast to every node: what a node changed that others cache.

use crate::store::Redis;
use futures::StreamExt;
use std::time::Duration;
use tokio::sync::broadcast;

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message published by a node (this one included).
    Message(String),
    /// The connection to the other nodes was lost and is back: messages may have been
    /// missed, so drop whatever was cached on their account.
    Resync,
}

/// Publishes and receives events: across nodes on Redis, within the process otherwise.
#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Event>,
    redis: Option<(Redis, String)>,
    /// Published messages carry it, and subscribers hear only theirs ([`Events::scoped`]).
    scope: std::sync::Arc<str>,
}

/// Between a scope and its message on the wire.
const SCOPE_END: char = '\u{1f}';

/// The events of one scope, as [`Events::subscribe`] gives them.
pub struct Subscription {
    rx: broadcast::Receiver<Event>,
    scope: std::sync::Arc<str>,
}

impl Subscription {
    /// The next event of this scope: a message published in it (the scope taken off), or a
    /// [`Event::Resync`]. Messages of other scopes are skipped.
    pub async fn recv(&mut self) -> Result<Event, broadcast::error::RecvError> {
        loop {
            match self.rx.recv().await? {
                Event::Resync => return Ok(Event::Resync),
                Event::Message(m) => {
                    if let Some(own) = unscoped(&self.scope, &m) {
                        return Ok(Event::Message(own.to_string()));
                    }
                }
            }
        }
    }
}

/// `message` without `scope`, if it was published in it.
fn unscoped<'a>(scope: &str, message: &'a str) -> Option<&'a str> {
    match message.split_once(SCOPE_END) {
        None => scope.is_empty().then_some(message),
        Some((s, rest)) => (s == scope && !scope.is_empty()).then_some(rest),
    }
}

impl Default for Events {
    fn default() -> Self {
        Events::local()
    }
}

impl Events {
    /// Events within this process only (one node).
    pub fn local() -> Self {
        let (local, _) = broadcast::channel(1024);
        Events {
            local,
            redis: None,
            scope: "".into(),
        }
    }

    /// Events across every node using `redis` (channel `<prefix>events`). Starts a task
    /// that keeps a subscription open, reconnecting after a loss (then sends
    /// [`Event::Resync`]). Must be called within a Tokio runtime.
    pub fn on_redis(redis: &Redis) -> Self {
        let (local, _) = broadcast::channel(1024);
        let channel = format!("{}events", redis.prefix());
        tokio::spawn(subscribe(redis.clone(), channel.clone(), local.downgrade()));
        Events {
            local,
            redis: Some((redis.clone(), channel)),
            scope: "".into(),
        }
    }

    /// The events of `scope` (a tenant), over the same connection: what is published there
    /// is heard only by subscribers of the same scope. The empty scope is the unscoped one.
    pub fn scoped(&self, scope: &str) -> Events {
        Events {
            local: self.local.clone(),
            redis: self.redis.clone(),
            scope: scope.into(),
        }
    }

    /// Receive the events of this scope published from now on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.local.subscribe(),
            scope: self.scope.clone(),
        }
    }

    /// Tell every node (this one included). On Redis a failure is logged and returned: the
    /// change itself is already stored, others see it when their cache expires.
    pub async fn publish(&self, message: &str) -> Result<(), crate::SharedError> {
        let scoped;
        let message = if self.scope.is_empty() {
            message
        } else {
            scoped = format!("{}{SCOPE_END}{message}", self.scope);
            &scoped
        };
        match &self.redis {
            None => {
                let _ = self.local.send(Event::Message(message.to_string()));
                Ok(())
            }
            Some((redis, channel)) => redis.publish(channel, message).await.inspect_err(|e| {
                tracing::warn!("cannot tell the other nodes ({message}): {e}");
            }),
        }
    }
}

/// Keep a subscription to `channel` open while anyone may listen.
async fn subscribe(redis: Redis, channel: String, local: broadcast::WeakSender<Event>) {
    let mut delay = Duration::from_millis(200);
    let mut connected_before = false;
    loop {
        let Some(sender) = local.upgrade() else { return };
        match redis.client().get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    if connected_before {
                        tracing::info!(
                            redis = redis.shown_url(),
                            "events from the other nodes: connected again"
                        );
                    }
                    // Whatever happened while not subscribed is unknown.
                    let _ = sender.send(Event::Resync);
                    connected_before = true;
                    delay = Duration::from_millis(200);
                    drop(sender);
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        let Some(sender) = local.upgrade() else { return };
                        match msg.get_payload::<String>() {
                            Ok(text) => {
                                let _ = sender.send(Event::Message(text));
                            }
                            Err(e) => tracing::warn!("unreadable event from Redis: {e}"),
                        }
                    }
                    tracing::warn!(
                        redis = redis.shown_url(),
                        "events from the other nodes: connection lost, reconnecting"
                    );
                }
                Err(e) => tracing::warn!(redis = redis.shown_url(), "cannot subscribe to events: {e}"),
            },
            Err(e) => tracing::debug!(redis = redis.shown_url(), "events: Redis unreachable: {e}"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_hears_only_its_own_messages() {
        let root = Events::local();
        let (a, b) = (root.scoped("a"), root.scoped("b"));
        let (mut hear_root, mut hear_a, mut hear_b) = (root.subscribe(), a.subscribe(), b.subscribe());
        a.publish("edits:jdupont").await.expect("publish");
        b.publish("reload").await.expect("publish");
        root.publish("edits:x").await.expect("publish");
        assert_eq!(hear_a.recv().await.ok(), Some(Event::Message("edits:jdupont".into())));
        assert_eq!(hear_b.recv().await.ok(), Some(Event::Message("reload".into())));
        assert_eq!(hear_root.recv().await.ok(), Some(Event::Message("edits:x".into())));
        // Nothing else is waiting for any of them.
        for h in [&mut hear_a, &mut hear_b, &mut hear_root] {
            assert!(tokio::time::timeout(Duration::from_millis(20), h.recv()).await.is_err());
        }
        // A scope cannot be forged by a message naming another one.
        assert_eq!(unscoped("a", "b\u{1f}x"), None);
        assert_eq!(unscoped("", "a\u{1f}x"), None);
    }
}

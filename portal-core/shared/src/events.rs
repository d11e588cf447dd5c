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
        Events { local, redis: None }
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
        }
    }

    /// Receive the events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// Tell every node (this one included). On Redis a failure is logged and returned: the
    /// change itself is already stored, others see it when their cache expires.
    pub async fn publish(&self, message: &str) -> Result<(), crate::SharedError> {
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

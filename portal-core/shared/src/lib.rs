//! State shared by the nodes of one portal.
//!
//! A portal node keeps per-person state (sessions, the CAS ticket index, proxy-granting
//! tickets) and caches. On one node it lives in the process; with several nodes behind a
//! load balancer it must live where every node sees it, which is Redis here:
//!
//! * [`Redis`]: keyed values with a lifetime (`SET … PX`, `GETDEL`, `SET … XX`), counters
//!   over a window (rate limits), and a health probe. Every key is prefixed
//!   (`agora:` by default), so one Redis can serve several portals or tenants.
//! * [`Counters`]: hits per key over a window (rate limits), in the process or on Redis.
//! * [`Events`]: messages broadcast to every node (a user's edit, a reloaded file), over
//!   Redis publish/subscribe, or within the process when there is no Redis. After a lost
//!   connection a subscriber receives [`Event::Resync`]: messages may have been missed, so
//!   whatever was cached from them must be dropped.
//!
//! Errors are values ([`SharedError`]); nothing here retries a failed command: the caller
//! decides what a user sees when the shared store is down (see `docs/operations.md`).

mod counters;
mod error;
mod events;
mod store;

pub use counters::Counters;
pub use error::SharedError;
pub use events::{Event, Events, Subscription};
pub use store::{Redis, RedisOptions};

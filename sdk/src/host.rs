//! The one seam between the SDK and the host: every call a channel makes to the portal goes
//! through these functions.
//!
//! In a component (`wasm32`) they are the `agora:channel` imports. Off wasm with the
//! `testing` feature they are answered by [`crate::testing`]'s fake host (a persona,
//! recorded back-end answers, an in-memory cache…), so `cargo test` renders a channel
//! natively. Off wasm without the feature they are wit-bindgen's native stand-ins, which
//! panic: pure helpers can be tested, a render cannot.

#[cfg(not(all(feature = "testing", not(target_arch = "wasm32"))))]
mod imports {
    pub use crate::bindings::agora::channel0_1_0::backend::fetch;
    pub use crate::bindings::agora::channel0_1_0::cache::{get as cache_get, set as cache_set};
    pub use crate::bindings::agora::channel0_1_0::directory::search as directory_search;
    pub use crate::bindings::agora::channel0_1_0::log::log;
    pub use crate::bindings::agora::channel0_1_0::mail::summary as mail_summary;
    pub use crate::bindings::agora::channel0_1_0::notify::raise;
    pub use crate::bindings::agora::channel0_1_0::person::attribute;
    pub use crate::bindings::agora::channel0_1_0::request::param;
    pub use crate::bindings::agora::channel0_3_0::dav::{
        contacts as dav_contacts, events as dav_events, files as dav_files,
    };
}

#[cfg(all(feature = "testing", not(target_arch = "wasm32")))]
mod imports {
    pub use crate::testing::dav::{dav_contacts, dav_events, dav_files};
    pub use crate::testing::fake::{
        attribute, cache_get, cache_set, directory_search, fetch, log, mail_summary, param, raise,
    };
}

pub(crate) use imports::*;

//! # Agora channel SDK
//!
//! Write a portal channel in Rust: implement [`Channel`] for a type, call
//! [`export_channel!`] once, and build the crate as a `cdylib` for `wasm32-wasip2`.
//! The SDK hides the WIT plumbing (`agora:channel@0.3.0`, in `sdk/wit/`).
//!
//! ```ignore
//! use agora_channel_sdk::prelude::*;
//!
//! struct Hello;
//!
//! #[derive(serde::Deserialize, Default)]
//! struct Config { greeting: Option<String> }
//!
//! impl Channel for Hello {
//!     type Config = Config;
//!     fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
//!         let name = ctx.first_attribute("displayName").unwrap_or_default();
//!         Ok(Output::html(format!("<p>{} {}</p>", ctx.tr("Bonjour", "Hello"), escape(&name))))
//!     }
//! }
//!
//! agora_channel_sdk::export_channel!(Hello);
//! ```
//!
//! What a channel may do is decided by its manifest (`channel.toml`): the back-ends it may
//! call by name, the person attributes it may read, its configuration schema and its limits.
//! Everything else is refused by the host, with a message naming the manifest entry to add.

pub mod backend;
pub mod cache;
pub mod dav;
pub mod directory;
pub mod html;
pub mod log;
pub mod mail;
pub mod notify;
pub mod request;
pub mod time;

#[cfg(all(feature = "testing", not(target_arch = "wasm32")))]
pub mod testing;

mod context;
mod error;
mod host;

pub use context::{Context, Locale};
pub use error::{ChannelError, ErrorKind};
pub use html::escape;

#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "agora:channel/channel@0.3.0",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "agora_channel_sdk::bindings",
        export_macro_name: "export",
    });
}

/// Re-exports for `use agora_channel_sdk::prelude::*`.
pub mod prelude {
    pub use crate::backend::{self, FetchError, Method, Request, Response};
    pub use crate::cache;
    pub use crate::html::{self, escape, safe_url};
    pub use crate::log;
    pub use crate::{Channel, ChannelError, Context, ErrorKind, Locale, Output, SearchItem};
    pub use crate::{dav, directory, mail, notify, request};
}

/// What a channel returns: an HTML fragment (sanitised by the host) and an optional title.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// The slot's HTML fragment.
    pub html: String,
    /// A title replacing the publication title, if any.
    pub title: Option<String>,
}

impl Output {
    /// An output made of an HTML fragment only.
    pub fn html(html: impl Into<String>) -> Self {
        Output {
            html: html.into(),
            title: None,
        }
    }

    /// Set the title shown above the fragment.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// A portal channel. One value of `Config` is decoded from the publication's configuration
/// (JSON, validated by the host against the manifest's `[config]` schema) for each render.
pub trait Channel {
    /// The channel's configuration; missing keys take the manifest's defaults before decoding.
    type Config: serde::de::DeserializeOwned;

    /// Render the channel for one user and one page.
    fn render(ctx: &Context<Self::Config>) -> Result<Output, ChannelError>;

    /// What this channel offers that matches `query`, best first, for the portal's search
    /// field. Asked only when the manifest has a `[search]` section; none by default.
    fn search(ctx: &Context<Self::Config>, query: &str) -> Result<Vec<SearchItem>, ChannelError> {
        let _ = (ctx, query);
        Ok(Vec::new())
    }
}

/// One thing a channel offers that matches a search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchItem {
    /// At most 120 characters.
    pub title: String,
    /// At most 300 characters (may be empty).
    pub description: String,
    /// A path on the portal or an `https://` URL.
    pub link: String,
}

/// Glue called by [`export_channel!`]; not part of the public API.
#[doc(hidden)]
pub fn __search<C: Channel>(
    ctx: bindings::agora::channel0_2_0::context::RenderContext,
    query: String,
) -> Result<Vec<bindings::agora::channel0_1_0::types::SearchItem>, bindings::agora::channel0_1_0::types::RenderError> {
    install_panic_hook();
    let config: C::Config = serde_json::from_str(&ctx.config_json)
        .map_err(|e| ChannelError::bad_config(format!("configuration does not decode: {e}")).into_wit())?;
    let context = Context::new(ctx, config);
    match C::search(&context, &query) {
        Ok(items) => Ok(items
            .into_iter()
            .map(|i| bindings::agora::channel0_1_0::types::SearchItem {
                title: i.title,
                description: i.description,
                link: i.link,
            })
            .collect()),
        Err(e) => Err(e.into_wit()),
    }
}

/// Glue called by [`export_channel!`]; not part of the public API.
#[doc(hidden)]
pub fn __render<C: Channel>(
    ctx: bindings::agora::channel0_2_0::context::RenderContext,
) -> Result<bindings::agora::channel0_1_0::types::RenderOutput, bindings::agora::channel0_1_0::types::RenderError> {
    install_panic_hook();
    let config: C::Config = serde_json::from_str(&ctx.config_json)
        .map_err(|e| ChannelError::bad_config(format!("configuration does not decode: {e}")).into_wit())?;
    let context = Context::new(ctx, config);
    match C::render(&context) {
        Ok(out) => Ok(bindings::agora::channel0_1_0::types::RenderOutput {
            html: out.html,
            title: out.title,
        }),
        Err(e) => Err(e.into_wit()),
    }
}

/// Send panic messages to the host log before the trap, so the portal can say what happened.
/// In native tests the test runner's own panic output is kept instead.
#[cfg(all(feature = "testing", not(target_arch = "wasm32")))]
fn install_panic_hook() {}

/// Send panic messages to the host log before the trap, so the portal can say what happened.
#[cfg(not(all(feature = "testing", not(target_arch = "wasm32"))))]
fn install_panic_hook() {
    use std::sync::Once;
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "panic".to_string()
            };
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            log::error(&format!("panic: {msg}{at}"));
        }));
    });
}

/// Export a type implementing [`Channel`] as the component's `render` and `search` functions
/// (world `searchable-channel`).
#[macro_export]
macro_rules! export_channel {
    ($ty:ty) => {
        #[doc(hidden)]
        pub struct __AgoraChannelExport;

        impl $crate::bindings::Guest for __AgoraChannelExport {
            fn render(
                ctx: $crate::bindings::agora::channel0_2_0::context::RenderContext,
            ) -> ::core::result::Result<
                $crate::bindings::agora::channel0_1_0::types::RenderOutput,
                $crate::bindings::agora::channel0_1_0::types::RenderError,
            > {
                $crate::__render::<$ty>(ctx)
            }

            fn search(
                ctx: $crate::bindings::agora::channel0_2_0::context::RenderContext,
                query: ::std::string::String,
            ) -> ::core::result::Result<
                ::std::vec::Vec<$crate::bindings::agora::channel0_1_0::types::SearchItem>,
                $crate::bindings::agora::channel0_1_0::types::RenderError,
            > {
                $crate::__search::<$ty>(ctx, query)
            }
        }

        $crate::bindings::export!(__AgoraChannelExport with_types_in $crate::bindings);
    };
}

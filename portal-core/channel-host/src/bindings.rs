//! Host-side bindings generated from `sdk/wit/`: the 0.1 interfaces (every capability) and
//! world, which 0.2 imports unchanged. The 0.2 world differs only by its render context
//! ([`RenderContextV2`], lowered by hand) and is called by export name (`render.rs`).

wasmtime::component::bindgen!({
    path: "../../sdk/wit",
    world: "agora:channel/channel@0.1.0",
    imports: { default: async },
    exports: { default: async },
});

/// `agora:channel/context@0.2.0`'s `render-context`, as the host hands it to a 0.2
/// component (fields in the WIT's order: the component model compares records by shape).
#[derive(Clone, Debug, wasmtime::component::ComponentType, wasmtime::component::Lower)]
#[component(record)]
pub struct RenderContextV2 {
    /// The publication's id.
    pub publication: String,
    /// The page's language tag.
    pub locale: String,
    /// The render's clock.
    #[component(name = "now-unix-ms")]
    pub now_unix_ms: i64,
    /// The institution's time zone.
    #[component(name = "time-zone")]
    pub time_zone: String,
    /// Whether a person is signed in.
    #[component(name = "signed-in")]
    pub signed_in: bool,
    /// The page's tab.
    pub tab: Option<String>,
    /// The publication's configuration, JSON.
    #[component(name = "config-json")]
    pub config_json: String,
    /// The portal's public URL.
    #[component(name = "portal-url")]
    pub portal_url: String,
}

/// Host-side bindings of `agora:channel@0.3.0`: only its new interface, `dav`, is used (the
/// rest of the 0.3 world is 0.2's, served as such).
pub mod v0_3 {
    wasmtime::component::bindgen!({
        path: "../../sdk/wit",
        world: "agora:channel/channel@0.3.0",
        imports: { default: async },
        exports: { default: async },
    });
}

//! Host-side bindings generated from `sdk/wit/channel.wit`.

wasmtime::component::bindgen!({
    path: "../../sdk/wit",
    world: "channel",
    imports: { default: async },
    exports: { default: async },
});

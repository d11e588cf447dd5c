//! The few `wasi:*` functions a Rust guest built for `wasm32-wasip2` may touch without asking:
//! randomness (hash-map seeds, UUIDs). Every other `wasi:*` import (files, sockets,
//! environment, clocks, stdio) is linked as a trap: channels have no ambient authority.

use crate::render::RenderState;
use wasmtime::component::{Component, Linker};

/// Link `wasi:random/*` for `component` (whatever 0.2.x version it imports).
pub fn link_random(linker: &mut Linker<RenderState>, component: &Component) -> wasmtime::Result<()> {
    let engine = linker.engine().clone();
    let names: Vec<String> = component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    for name in names {
        if name.starts_with("wasi:random/random@") {
            let mut inst = linker.instance(&name)?;
            inst.func_wrap("get-random-bytes", |_, (len,): (u64,)| Ok((random_bytes(len),)))?;
            inst.func_wrap("get-random-u64", |_, (): ()| Ok((rand::random::<u64>(),)))?;
        } else if name.starts_with("wasi:random/insecure@") {
            let mut inst = linker.instance(&name)?;
            inst.func_wrap("get-insecure-random-bytes", |_, (len,): (u64,)| {
                Ok((random_bytes(len),))
            })?;
            inst.func_wrap("get-insecure-random-u64", |_, (): ()| Ok((rand::random::<u64>(),)))?;
        } else if name.starts_with("wasi:random/insecure-seed@") {
            let mut inst = linker.instance(&name)?;
            inst.func_wrap("insecure-seed", |_, (): ()| {
                Ok(((rand::random::<u64>(), rand::random::<u64>()),))
            })?;
        }
    }
    Ok(())
}

fn random_bytes(len: u64) -> Vec<u8> {
    // A guest asking for more than 64 KiB at once gets 64 KiB: it cannot make the host allocate.
    let len = len.min(64 * 1024) as usize;
    let mut v = vec![0u8; len];
    rand::fill(&mut v[..]);
    v
}

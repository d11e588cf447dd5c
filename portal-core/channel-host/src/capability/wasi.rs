//! The few `wasi:*` functions a guest built for `wasm32-wasip2` may touch without asking:
//! randomness (hash-map seeds, UUIDs), and the process environment, which is empty (no
//! variables, no arguments, no working directory: language runtimes such as CPython read it
//! when they start, and an empty one tells them nothing). Every other `wasi:*` import (files,
//! sockets, clocks, stdio) is linked as a trap: channels have no ambient authority.

use super::shape::{Capability, Getter};
use crate::manifest::{ChannelManifest, ManifestError};
use wasmtime::component::{Component, Linker};

/// Prefix of the trap message wasmtime gives for an import linked as a trap; the import's
/// name follows between backquotes.
pub const FORBIDDEN_IMPORT_PREFIX: &str = "unknown import: `";

/// The name of the forbidden import a trap message is about, if it is one.
pub fn forbidden_import(message: &str) -> Option<&str> {
    let rest = &message[message.find(FORBIDDEN_IMPORT_PREFIX)? + FORBIDDEN_IMPORT_PREFIX.len()..];
    rest.split('`').next()
}

/// The WASI capability: randomness, and an empty environment.
pub struct Wasi;

impl Capability for Wasi {
    const INTERFACE: &'static str = "wasi:random/*";
    type Grant = ();
    type Hook = ();
    type State = ();

    fn grant(_manifest: &ChannelManifest) -> Result<(), ManifestError> {
        Ok(())
    }

    fn prepare(_grant: &(), _hook: ()) {}

    /// Link `wasi:random/*` for `component` (whatever 0.2.x version it imports); every other
    /// `wasi:*` import is left to be linked as a trap.
    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        component: &Component,
        _get: Getter<T, ()>,
    ) -> wasmtime::Result<()> {
        link_random(linker, component)
    }
}

fn link_random<T: Send + 'static>(linker: &mut Linker<T>, component: &Component) -> wasmtime::Result<()> {
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
        } else if name.starts_with("wasi:cli/environment@") {
            // Nothing to read: the host's variables (secrets among them) are never a guest's.
            let mut inst = linker.instance(&name)?;
            inst.func_wrap("get-environment", |_, (): ()| Ok((Vec::<(String, String)>::new(),)))?;
            inst.func_wrap("get-arguments", |_, (): ()| Ok((Vec::<String>::new(),)))?;
            inst.func_wrap("initial-cwd", |_, (): ()| Ok((None::<String>,)))?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn forbidden_imports_are_named_from_the_trap_message() {
        let msg = "error while executing: unknown import: `wasi:filesystem/preopens@0.2.3#get-directories` has not been defined";
        assert_eq!(
            super::forbidden_import(msg),
            Some("wasi:filesystem/preopens@0.2.3#get-directories")
        );
        assert_eq!(super::forbidden_import("wasm trap: unreachable"), None);
    }
}

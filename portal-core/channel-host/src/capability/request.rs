//! `agora:channel/request`: the query parameters addressed to this channel
//! (`?<publication>.<name>=…`), and `tab`. Always granted: they come from the user's own
//! request and carry nothing the channel could not put in a link itself.

use super::shape::{Capability, Getter, HasView, View};
use crate::bindings::agora::channel0_1_0::request::{self as wit, Host};
use crate::manifest::{ChannelManifest, ManifestError};
use std::collections::BTreeMap;
use wasmtime::component::{Component, Linker};

/// The channel's own query parameters: name → value.
pub type Params = BTreeMap<String, String>;

/// The request capability (always granted).
pub struct Request;

impl Capability for Request {
    const INTERFACE: &'static str = "agora:channel/request";
    type Grant = ();
    type Hook = Params;
    type State = Params;

    fn grant(_manifest: &ChannelManifest) -> Result<(), ManifestError> {
        Ok(())
    }

    fn prepare(_grant: &(), params: Params) -> Params {
        params
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, Params>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<Params>>(linker, get)
    }
}

impl Host for View<'_, Params> {
    async fn param(&mut self, name: String) -> Option<String> {
        self.state.get(&name).cloned()
    }
}

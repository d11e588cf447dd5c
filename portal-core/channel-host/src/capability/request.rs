//! `agora:channel/request`: the query parameters addressed to this channel
//! (`?<publication>.<name>=…`), and `tab`. Always granted: they come from the user's own
//! request and carry nothing the channel could not put in a link itself.

use crate::bindings::agora::channel::request::Host;
use crate::render::RenderState;

impl Host for RenderState {
    async fn param(&mut self, name: String) -> Option<String> {
        self.params.get(&name).cloned()
    }
}

//! `agora:channel/person`: the person's attributes, filtered by `[attributes] read`.

use crate::bindings::agora::channel::person::Host;
use crate::render::RenderState;

impl Host for RenderState {
    async fn attribute(&mut self, name: String) -> Vec<String> {
        if !self.manifest.attributes.read.iter().any(|a| a == &name) {
            tracing::debug!(
                channel = %self.manifest.channel.id,
                publication = %self.publication.id,
                attribute = %name,
                "attribute not granted: add it to [attributes] read in channel.toml"
            );
            self.refusals
                .push(format!("attribute `{name}` is not in [attributes] read"));
            return Vec::new();
        }
        self.attributes.get(&name).cloned().unwrap_or_default()
    }
}

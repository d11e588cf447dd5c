//! `agora:channel/person`: the person's attributes, filtered by `[attributes] read`; the
//! attributes of [`NEVER_SHOWN`] never reach a channel, whatever its manifest says.

use super::shape::{Capability, Getter, HasView, View};
use crate::bindings::agora::channel0_1_0::person::{self as wit, Host};
use crate::ledger::quoted;
use crate::manifest::{ChannelManifest, ManifestError};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::component::{Component, Linker};

/// A person's attributes: name → values (multi-valued, as in LDAP).
pub type Attributes = BTreeMap<String, Vec<String>>;

/// Attributes no channel ever receives, whatever its manifest says (directory entries too),
/// and that the portal never keeps from any source (directory, sign-on assertion, proxy
/// headers): credentials and the person's private address. The one list of the project.
pub const NEVER_SHOWN: &[&str] = &[
    "userPassword",
    "sambaNTPassword",
    "sambaLMPassword",
    "supannMailPerso",
    "supannEtuSecretariat",
];

/// Whether `name` is one of [`NEVER_SHOWN`] (case-insensitive, as LDAP names are).
pub fn never_shown(name: &str) -> bool {
    NEVER_SHOWN.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The person capability.
pub struct Person;

/// Per-render state: the granted names and the person's attributes.
pub struct PersonState {
    readable: Arc<[String]>,
    attributes: Arc<Attributes>,
}

impl Capability for Person {
    const INTERFACE: &'static str = "agora:channel/person";
    type Grant = Arc<[String]>;
    type Hook = Arc<Attributes>;
    type State = PersonState;

    fn grant(manifest: &ChannelManifest) -> Result<Arc<[String]>, ManifestError> {
        Ok(manifest
            .attributes
            .read
            .iter()
            .filter(|a| !never_shown(a))
            .cloned()
            .collect())
    }

    fn prepare(grant: &Arc<[String]>, attributes: Arc<Attributes>) -> PersonState {
        PersonState {
            readable: grant.clone(),
            attributes,
        }
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, PersonState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<PersonState>>(linker, get)
    }
}

impl Host for View<'_, PersonState> {
    async fn attribute(&mut self, name: String) -> Vec<String> {
        if !self.state.readable.iter().any(|a| a == &name) {
            self.ledger
                .refuse(&format!("attribute `{}` is not in [attributes] read", quoted(&name)));
            return Vec::new();
        }
        self.state.attributes.get(&name).cloned().unwrap_or_default()
    }
}

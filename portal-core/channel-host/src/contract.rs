//! Which version of the contract a component was built against, and how it is called.
//!
//! The host serves `agora:channel@0.1.0` (worlds `channel` and `searchable-channel`),
//! `agora:channel@0.2.0` and `agora:channel@0.3.0` (world `channel`) side by side. They import
//! the same 0.1 capability interfaces (0.3 adds `dav`), so one linker serves them all; 0.1
//! and 0.2 differ by the render context their `render` and `search` exports take, 0.3 takes
//! 0.2's. The version is read from the component itself (the fields of its `render`'s
//! context, and whether it imports a 0.3 interface) and must be the one its manifest's
//! `world` names — a 0.3 manifest may carry a component that uses nothing of 0.3, which is
//! call for call a 0.2 one.

use crate::bindings::ChannelPre;
use crate::state::RenderState;
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{Component, InstancePre};

/// A version of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    /// `agora:channel@0.1.0`.
    V0_1,
    /// `agora:channel@0.2.0`.
    V0_2,
    /// `agora:channel@0.3.0`: 0.2 plus `dav`, called like 0.2.
    V0_3,
}

impl Contract {
    /// The contract a manifest's `world` names.
    pub fn of_world(world: &str) -> Option<Contract> {
        match world {
            "agora:channel/channel@0.1.0" | "agora:channel/searchable-channel@0.1.0" => Some(Contract::V0_1),
            "agora:channel/channel@0.2.0" => Some(Contract::V0_2),
            "agora:channel/channel@0.3.0" => Some(Contract::V0_3),
            _ => None,
        }
    }

    /// The contract `component` was built against, from its `render` export's context.
    pub fn of_component(component: &Component, engine: &wasmtime::Engine) -> Result<Contract, String> {
        let ty = component.component_type();
        let Some(ComponentItem::ComponentFunc(render)) = ty.get_export(engine, "render").map(|e| e.ty) else {
            return Err("the component exports no `render` function: is it a channel?".into());
        };
        match render.params().next() {
            Some((_, Type::Record(context))) if context.fields().any(|f| f.name == "time-zone") => {
                let v0_3 = ty.imports(engine).any(|(name, _)| name.ends_with("@0.3.0"));
                Ok(if v0_3 { Contract::V0_3 } else { Contract::V0_2 })
            }
            Some((_, Type::Record(_))) => Ok(Contract::V0_1),
            _ => Err("its `render` does not take a render context".into()),
        }
    }

    /// `0.1`, `0.2` or `0.3`.
    pub fn version(self) -> &'static str {
        match self {
            Contract::V0_1 => "0.1",
            Contract::V0_2 => "0.2",
            Contract::V0_3 => "0.3",
        }
    }

    /// Whether a component of contract `self` may be served under a manifest naming
    /// `declared`: the same contract, or a 0.3 manifest over a component that uses nothing
    /// of 0.3 (a 0.2 component, call for call).
    pub fn served_as(self, declared: Option<Contract>) -> bool {
        declared == Some(self) || (self == Contract::V0_2 && declared == Some(Contract::V0_3))
    }
}

/// A component pre-instantiated for its contract.
#[derive(Clone)]
pub(crate) enum Pre {
    /// 0.1: the generated bindings check and call `render`.
    V0_1(ChannelPre<RenderState>),
    /// 0.2: `render` and `search` are called by name with the 0.2 context.
    V0_2(InstancePre<RenderState>),
}

impl Pre {
    /// The instance to create for one render.
    pub(crate) fn instance_pre(&self) -> &InstancePre<RenderState> {
        match self {
            Pre::V0_1(pre) => pre.instance_pre(),
            Pre::V0_2(pre) => pre,
        }
    }

    /// The contract it speaks.
    pub(crate) fn contract(&self) -> Contract {
        match self {
            Pre::V0_1(_) => Contract::V0_1,
            Pre::V0_2(_) => Contract::V0_2,
        }
    }
}

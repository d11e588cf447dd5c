//! The demo personas: anyone may sign in as one of them, in demo mode only.

use crate::config::PortalConfig;
use crate::people::LdifDirectory;

/// The `uid`s offered on the persona page, in order (the configured list, else everyone in
/// the demo directory).
pub fn personas(config: &PortalConfig, directory: &LdifDirectory) -> Vec<String> {
    if config.demo.personas.is_empty() {
        directory.uids().to_vec()
    } else {
        config.demo.personas.clone()
    }
}

/// Whether signing in as `uid` is allowed (a persona on offer).
pub fn may_sign_in_as(config: &PortalConfig, directory: &LdifDirectory, uid: &str) -> bool {
    if config.demo.personas.is_empty() {
        directory.uids().iter().any(|u| u == uid)
    } else {
        config.demo.personas.iter().any(|u| u == uid)
    }
}

//! Structured logs, tagged by the host with the channel and publication.

use crate::bindings::agora::channel0_1_0::log::Level;

/// Log at debug level.
pub fn debug(message: &str) {
    crate::host::log(Level::Debug, message)
}
/// Log at info level.
pub fn info(message: &str) {
    crate::host::log(Level::Info, message)
}
/// Log at warn level.
pub fn warn(message: &str) {
    crate::host::log(Level::Warn, message)
}
/// Log at error level.
pub fn error(message: &str) {
    crate::host::log(Level::Error, message)
}

//! Structured logs, tagged by the host with the channel and publication.

use crate::bindings::agora::channel::log::{self as wit, Level};

/// Log at debug level.
pub fn debug(message: &str) {
    wit::log(Level::Debug, message)
}
/// Log at info level.
pub fn info(message: &str) {
    wit::log(Level::Info, message)
}
/// Log at warn level.
pub fn warn(message: &str) {
    wit::log(Level::Warn, message)
}
/// Log at error level.
pub fn error(message: &str) {
    wit::log(Level::Error, message)
}

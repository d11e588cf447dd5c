//! The query parameters addressed to this channel: a GET form of the channel names its
//! inputs `<publication>.<name>` (use [`input_name`]) and reads them back with [`param`].

/// The value of `?<publication>.<name>=` on the page URL, or `tab` (the current tab id).
pub fn param(name: &str) -> Option<String> {
    crate::host::param(name)
}

/// The name to give a form input so that its value comes back to this channel as `name`.
pub fn input_name(publication: &str, name: &str) -> String {
    format!("{publication}.{name}")
}

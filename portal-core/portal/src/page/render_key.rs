//! The render cache's key: everything a render was made from (publication, component,
//! configuration, language, preferences, the channel's parameters, signed in or not) and for
//! whom, as the manifest's `vary_by` and the publication's credentials say. Two requests with
//! one key may share one render; any difference that could change what a render shows, or
//! who may see it, makes another key.

use super::slot::Preferences;
use crate::live::registry::Entry;
use crate::people::Person;
use sha2::{Digest, Sha256};

/// The cache key of `entry` for `person` in `locale`, with the person's preferences and
/// the channel's query parameters.
pub fn cache_key(
    entry: &Entry,
    person: &Person,
    locale: &str,
    preferences: &Preferences,
    params: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut h = Sha256::new();
    h.update(entry.publication.id.as_bytes());
    h.update([0]);
    h.update(locale.as_bytes());
    // What made the render: the component and the publication's configuration (a package
    // or publication deployed without a restart never serves the previous one's renders)…
    h.update([6]);
    h.update(entry.channel.component_hash.as_bytes());
    h.update([0]);
    h.update(entry.publication.config_json.as_bytes());
    // …and for whom: a render made for a signed-in person is never a guest's, even when
    // it varies by nothing (a directory search's results, a greeting).
    h.update([7, u8::from(person.is_signed_in())]);
    for (k, v) in params {
        h.update([4]);
        h.update(k.as_bytes());
        h.update([3]);
        h.update(v.as_bytes());
    }
    for (k, v) in preferences {
        h.update([2]);
        h.update(k.as_bytes());
        h.update([3]);
        h.update(v.as_bytes());
    }
    // A back-end reached with a per-user credential makes every render personal, whatever
    // the manifest's `vary_by` says: never share it between users.
    if entry
        .publication
        .backends
        .values()
        .any(|b| matches!(b.auth, agora_channel_host::BackendAuth::CasProxy { .. }))
    {
        h.update([5]);
        h.update(person.uid.as_bytes());
    }
    for vary in &entry.channel.manifest.cache.vary_by {
        h.update([0]);
        if vary == "user" {
            h.update(person.uid.as_bytes());
        } else if let Some(values) = person.attributes.get(vary) {
            for v in values {
                h.update(v.as_bytes());
                h.update([1]);
            }
        }
    }
    hex::encode(h.finalize())
}

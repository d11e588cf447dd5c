//! The channel's private key-value cache (shared by all renders of this channel on the portal).

/// Read a cached value.
pub fn get(key: &str) -> Option<Vec<u8>> {
    crate::host::cache_get(key)
}

/// Store a value for at most `ttl_seconds`.
pub fn set(key: &str, value: &[u8], ttl_seconds: u32) {
    crate::host::cache_set(key, value, ttl_seconds)
}

/// Return the cached value for `key`, or compute, store and return it.
/// Errors from `compute` are returned and nothing is stored.
pub fn get_or_try_insert<E>(
    key: &str,
    ttl_seconds: u32,
    compute: impl FnOnce() -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, E> {
    if let Some(v) = get(key) {
        return Ok(v);
    }
    let v = compute()?;
    set(key, &v, ttl_seconds);
    Ok(v)
}

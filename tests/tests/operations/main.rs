//! The operations kit (issue 12), in one test binary (each binary links the whole portal):
//! the access log, rate limits, TLS trust of an institution's own CA, and the Debian package.
//! The several-node tests are in `cluster.rs`.

mod access_log;
mod debian_package;
mod rate_limits;
mod tls_trust;

//! # agora-cas — a CAS 3.0 client
//!
//! ```no_run
//! # async fn demo() -> Result<(), agora_cas::CasError> {
//! use agora_cas::{CasClient, LoginOptions};
//! let cas = CasClient::new("https://cas.univ.fr/cas/", reqwest::Client::new())?;
//! let service = "https://ent.univ.fr/login/cas";
//! let redirect = cas.login_url(service, LoginOptions::default());
//! // … the browser comes back to `service?ticket=ST-…`
//! let v = cas.validate(service, "ST-1-abc", None).await?;
//! println!("{} {:?}", v.user, v.attributes.get("mail"));
//! # Ok(()) }
//! ```
//!
//! The protocol facts this follows: responses are XML in the namespace
//! `http://www.yale.edu/tp/cas` (matched by namespace, never by prefix); tickets are
//! single-use; `service` is compared byte for byte, so build it once with
//! [`service::canonical_service`] and keep return paths elsewhere.

pub mod client;
pub mod error;
pub mod logout;
pub mod response;
pub mod service;
mod xml;

pub use client::{CasClient, LoginOptions};
pub use error::{CasError, FailureCode};
pub use logout::{LogoutRequest, parse_logout_request};
pub use response::{Validation, parse_proxy_response, parse_validation};

/// The CAS protocol XML namespace.
pub const CAS_NS: &str = "http://www.yale.edu/tp/cas";
/// Largest CAS response or logout request accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

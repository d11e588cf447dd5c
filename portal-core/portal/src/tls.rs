//! Which TLS servers the portal trusts, for every outgoing connection (channel back-ends,
//! CAS, OpenID Connect, IMAP, LDAP): the web PKI roots, the system's store (where an
//! institution installs its own CA: `/etc/ssl/certs` on Debian), and the certificates of
//! `[tls] extra_ca_file` (PEM), for a CA that is in neither.

use crate::config::{ConfigError, PortalConfig};
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// The trusted roots, loaded once at start.
#[derive(Clone)]
pub struct Trust {
    /// Roots beyond the web PKI (the system's, then the extra file's), DER.
    added: Arc<Vec<CertificateDer<'static>>>,
    /// Everything, for the rustls clients (IMAP, LDAP).
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").field("added_roots", &self.added.len()).finish()
    }
}

impl Trust {
    /// The web PKI, the system's store (unreadable parts are logged and skipped) and
    /// `[tls] extra_ca_file` (a file that cannot be read, or holds no certificate, stops
    /// start-up with the file, the key and the reason).
    pub fn from_config(config: &PortalConfig) -> Result<Self, ConfigError> {
        let mut added: Vec<CertificateDer<'static>> = Vec::new();
        let system = rustls_native_certs::load_native_certs();
        for e in &system.errors {
            tracing::warn!("part of the system's certificate store is unreadable: {e}");
        }
        added.extend(system.certs);
        if !config.tls.extra_ca_file.as_os_str().is_empty() {
            let path = config.resolve(&config.tls.extra_ca_file);
            let err = |reason: String| ConfigError::new(&config.source, "tls.extra_ca_file", reason);
            let text = std::fs::read(&path).map_err(|e| err(format!("{}: cannot read: {e}", path.display())))?;
            let certs: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(&text)
                    .collect::<Result<_, _>>()
                    .map_err(|e| err(format!("{}: not PEM certificates: {e:?}", path.display())))?;
            if certs.is_empty() {
                return Err(err(format!("{}: holds no certificate", path.display())));
            }
            tracing::info!(file = %path.display(), certificates = certs.len(), "extra trusted CA certificates");
            added.extend(certs);
        }
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // Only certificates usable as roots go on (to the HTTP clients too): one odd file in
        // the system's store must not stop start-up.
        let before = added.len();
        added.retain(|c| roots.add(c.clone()).is_ok());
        if added.len() < before {
            tracing::warn!(
                ignored = before - added.len(),
                "some trusted certificates are not usable as roots"
            );
        }
        let config =
            ClientConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| ConfigError::new(&config.source, "tls", format!("TLS configuration: {e}")))?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Trust {
            added: Arc::new(added),
            config: Arc::new(config),
        })
    }

    /// A rustls client configuration trusting all of them (IMAP, LDAP).
    pub fn client_config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// The roots beyond the web PKI, DER, for HTTP clients (which keep their web PKI roots).
    pub fn added_roots(&self) -> Vec<Vec<u8>> {
        self.added.iter().map(|c| c.as_ref().to_vec()).collect()
    }

    /// `builder` trusting them too.
    pub fn http(&self, mut builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        for der in self.added.iter() {
            if let Ok(cert) = reqwest::Certificate::from_der(der.as_ref()) {
                builder = builder.add_root_certificate(cert);
            }
        }
        builder
    }
}

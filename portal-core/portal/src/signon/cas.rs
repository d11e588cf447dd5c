//! Sign-on with CAS 3.0: the service URL (built once from the public URL), the PGT callback
//! store, proxy tickets for back-ends bound with `auth = cas-proxy`, and return paths that
//! cannot redirect anywhere but this portal.

use crate::config::PortalConfig;
use agora_cas::service::canonical_service;
use agora_cas::{CasClient, CasError, LoginOptions};
use agora_channel_host::ProxyTicketIssuer;
use futures::future::BoxFuture;
use std::time::Duration;

/// Path of the CAS service (the ticket comes back here; logout requests are POSTed here).
pub const SERVICE_PATH: &str = "login/cas";
/// Path of the proxy-granting-ticket callback.
pub const PGT_CALLBACK_PATH: &str = "login/cas/proxy-callback";

/// CAS sign-on for this portal.
#[derive(Clone)]
pub struct CasSignOn {
    /// The client.
    pub client: CasClient,
    /// The one service URL used for every sign-in.
    pub service: String,
    /// The PGT callback URL (when proxying is on).
    pub pgt_callback: Option<String>,
    /// Options for `/login` redirects.
    pub renew: bool,
    /// Try gateway for guests.
    pub gateway: bool,
    /// Sign out of CAS too.
    pub logout_from_cas: bool,
    pgt_by_iou: moka::future::Cache<String, String>,
    /// With several nodes, the callback and the validation may reach different nodes: the
    /// PGT then waits on Redis.
    shared: Option<agora_shared::Redis>,
}

/// How long a delivered PGT waits for the validation that takes it.
const PGT_WAIT: Duration = Duration::from_secs(300);

impl CasSignOn {
    /// Build from configuration; `None` when CAS is off.
    pub fn from_config(config: &PortalConfig, trust: &crate::tls::Trust) -> Result<Option<Self>, CasError> {
        if config.cas.server_url.is_empty() {
            return Ok(None);
        }
        let http = trust
            .http(reqwest::Client::builder())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CasError::Unreachable(e.to_string()))?;
        let client =
            CasClient::new(&config.cas.server_url, http)?.with_timeout(Duration::from_millis(config.cas.timeout_ms));
        let base = config.public_url();
        Ok(Some(CasSignOn {
            client,
            service: canonical_service(&base, SERVICE_PATH)?,
            pgt_callback: if config.cas.proxy {
                Some(canonical_service(&base, PGT_CALLBACK_PATH)?)
            } else {
                None
            },
            renew: config.cas.renew,
            gateway: config.cas.gateway,
            logout_from_cas: config.cas.logout_from_cas,
            pgt_by_iou: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(PGT_WAIT)
                .build(),
            shared: None,
        }))
    }

    /// Keep delivered PGTs on `redis`, for every node to take.
    pub fn with_shared(mut self, redis: Option<agora_shared::Redis>) -> Self {
        self.shared = redis;
        self
    }

    /// Where to send the browser to sign in.
    pub fn login_redirect(&self, gateway: bool) -> String {
        self.client
            .login_url(
                &self.service,
                LoginOptions {
                    renew: self.renew && !gateway,
                    gateway,
                },
            )
            .to_string()
    }

    /// Remember a PGT delivered to the callback.
    pub async fn store_pgt(&self, iou: &str, pgt: &str) -> Result<(), agora_shared::SharedError> {
        match &self.shared {
            Some(redis) => redis.set(&redis.key("pgtiou", iou), pgt.as_bytes(), PGT_WAIT).await,
            None => {
                self.pgt_by_iou.insert(iou.to_string(), pgt.to_string()).await;
                Ok(())
            }
        }
    }

    /// Take the PGT delivered for `iou` (the callback arrives before the validation answer).
    /// A shared store that fails is logged: the sign-in goes on without proxy tickets.
    pub async fn take_pgt(&self, iou: &str) -> Option<String> {
        match &self.shared {
            Some(redis) => match redis.take(&redis.key("pgtiou", iou)).await {
                Ok(pgt) => pgt.map(|b| String::from_utf8_lossy(&b).into_owned()),
                Err(e) => {
                    tracing::error!("cannot take the proxy-granting ticket: {e}");
                    None
                }
            },
            None => self.pgt_by_iou.remove(iou).await,
        }
    }

    /// A proxy-ticket issuer for one user's PGT, for channel back-ends.
    pub fn issuer(&self, pgt: String) -> PgtIssuer {
        PgtIssuer {
            client: self.client.clone(),
            pgt,
        }
    }
}

/// Mints proxy tickets with one user's PGT. The PGT stays here, never reaches a channel.
pub struct PgtIssuer {
    client: CasClient,
    pgt: String,
}

impl ProxyTicketIssuer for PgtIssuer {
    fn issue<'a>(&'a self, target_service: &'a str) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move {
            self.client
                .proxy_ticket(&self.pgt, target_service)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

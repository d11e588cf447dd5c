//! One render of one publication for one user: a fresh store, a guest CPU budget enforced by
//! epoch interruption, a memory cap, a wall-clock timeout around everything (host calls
//! included), and the output size-checked and sanitised.

use crate::bindings::agora::channel::types::{ErrorKind, RenderContext};
use crate::capability::cache::ChannelCache;
use crate::engine::{ChannelEngine, LoadedChannel};
use crate::limits::Limits;
use crate::manifest::ChannelManifest;
use crate::publication::Publication;
use crate::sanitize::sanitize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{ResourceLimiter, Store, UpdateDeadline};

/// A person's attributes: name → values (multi-valued, as in LDAP).
pub type Attributes = BTreeMap<String, Vec<String>>;

/// Mints CAS proxy tickets for the signed-in user (the portal holds the PGT; channels never
/// see it, nor a ticket for another back-end).
pub trait ProxyTicketIssuer: Send + Sync {
    /// A proxy ticket for `target_service`, or why not.
    fn issue<'a>(&'a self, target_service: &'a str) -> futures::future::BoxFuture<'a, Result<String, String>>;
}

/// Attributes no channel ever receives, whatever its manifest says (directory entries too).
pub const NEVER_SHOWN: &[&str] = &[
    "userPassword",
    "sambaNTPassword",
    "sambaLMPassword",
    "supannEtuSecretariat",
];

/// One person found in the directory: attribute → values.
pub type DirectoryEntry = Attributes;

/// Why a directory search failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryFailure {
    /// The query cannot be used (too short, only wildcards).
    InvalidQuery(String),
    /// The directory is down or slow.
    Unavailable(String),
}

/// The institution's directory, as the portal reaches it (LDAP, demo LDIF).
pub trait DirectoryService: Send + Sync {
    /// People whose name matches `query`, at most `max`, with all their public attributes
    /// (the host filters them down to the manifest's grant and drops red-listed people).
    fn search<'a>(
        &'a self,
        query: &'a str,
        max: u32,
    ) -> futures::future::BoxFuture<'a, Result<Vec<DirectoryEntry>, DirectoryFailure>>;
}

/// One message in a mailbox summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMessage {
    /// IMAP UID.
    pub uid: u32,
    /// `From:` as sent.
    pub from: String,
    /// `Subject:` as sent (RFC 2047 words undecoded).
    pub subject: String,
    /// `Date:` as sent.
    pub date: String,
    /// Whether it has been read.
    pub seen: bool,
}

/// Counts and latest messages of one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxSummary {
    /// Mailbox name.
    pub mailbox: String,
    /// Messages in it.
    pub messages: u32,
    /// Unread messages.
    pub unseen: u32,
    /// Latest messages, newest first.
    pub latest: Vec<MailMessage>,
}

/// Why a mailbox could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailFailure {
    /// The server refused the credentials.
    AuthFailed(String),
    /// The server is down, slow, or answered something unreadable.
    Unavailable(String),
}

/// The signed-in user's mailboxes, read by the portal (the channel never sees a socket, a
/// password or a ticket).
pub trait MailService: Send + Sync {
    /// Summary of `mailbox` with at most `latest` messages.
    fn summary<'a>(
        &'a self,
        mailbox: &'a str,
        latest: u32,
    ) -> futures::future::BoxFuture<'a, Result<MailboxSummary, MailFailure>>;
}

/// What the portal asks one render for.
#[derive(Clone)]
pub struct RenderRequest {
    /// `fr` or `en`.
    pub locale: String,
    /// Current time, ms since the Unix epoch.
    pub now_unix_ms: i64,
    /// Whether a user is signed in.
    pub signed_in: bool,
    /// All the person's attributes; the host passes on only those the manifest grants.
    pub attributes: Arc<Attributes>,
    /// Public base URL of the portal.
    pub portal_url: String,
    /// Proxy tickets for back-ends bound with `auth = cas-proxy` (none on the guest page).
    pub proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
    /// Query parameters addressed to this channel (`?<publication>.<name>=`), plus `tab`.
    pub params: std::collections::BTreeMap<String, String>,
    /// The directory, for channels granted `[directory]`.
    pub directory: Option<Arc<dyn DirectoryService>>,
    /// The user's mail, for channels granted `[mail]` (none on the guest page).
    pub mail: Option<Arc<dyn MailService>>,
}

impl std::fmt::Debug for RenderRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderRequest")
            .field("locale", &self.locale)
            .field("signed_in", &self.signed_in)
            .field("attributes", &self.attributes.len())
            .field("proxy_tickets", &self.proxy_tickets.is_some())
            .field("params", &self.params)
            .field("directory", &self.directory.is_some())
            .field("mail", &self.mail.is_some())
            .finish()
    }
}

/// A successful render.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Sanitised HTML fragment.
    pub html: String,
    /// Title chosen by the channel, if any.
    pub title: Option<String>,
    /// Wall-clock time of the render.
    pub elapsed: Duration,
}

/// Why a render produced nothing. Every variant leaves the host and the other renders intact.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RenderFailure {
    /// The channel panicked (message from the SDK's panic hook).
    #[error("the channel panicked: {0}")]
    Panic(String),
    /// The channel trapped for another reason.
    #[error("the channel crashed: {0}")]
    Trap(String),
    /// Guest CPU budget (`limits.cpu_ms`) exceeded: an endless or very long computation.
    #[error("the channel used more than {0} ms of CPU")]
    CpuBudget(u32),
    /// The whole render took longer than `limits.wall_ms`.
    #[error("the channel did not answer within {0} ms")]
    Timeout(u32),
    /// The channel tried to grow its memory beyond `limits.memory_mib`.
    #[error("the channel tried to use more than {0} MiB of memory")]
    MemoryLimit(u32),
    /// The HTML output exceeded `limits.output_bytes`.
    #[error("the channel returned {0} bytes of HTML, more than allowed")]
    OutputTooLarge(usize),
    /// The channel reported an error itself.
    #[error("the channel reported {kind:?}: {detail}")]
    Channel {
        /// Broad reason.
        kind: ChannelErrorKind,
        /// Detail for the logs.
        detail: String,
        /// Capability refusals seen during the render (manifest entries to add).
        refusals: Vec<String>,
    },
    /// The component could not be instantiated (e.g. the instance pool is exhausted).
    #[error("the channel could not start: {0}")]
    Instantiate(String),
}

/// Broad reason of a failure reported by the channel itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelErrorKind {
    /// A back-end is unavailable.
    BackendUnavailable,
    /// A back-end answered garbage.
    BackendGarbage,
    /// The configuration is wrong, or a capability was refused.
    BadConfig,
    /// Nothing to show for this user.
    NotApplicable,
    /// A bug in the channel.
    Internal,
}

impl From<ErrorKind> for ChannelErrorKind {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::BackendUnavailable => ChannelErrorKind::BackendUnavailable,
            ErrorKind::BackendGarbage => ChannelErrorKind::BackendGarbage,
            ErrorKind::BadConfig => ChannelErrorKind::BadConfig,
            ErrorKind::NotApplicable => ChannelErrorKind::NotApplicable,
            ErrorKind::Internal => ChannelErrorKind::Internal,
        }
    }
}

impl RenderFailure {
    /// A short stable label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            RenderFailure::Panic(_) => "panic",
            RenderFailure::Trap(_) => "trap",
            RenderFailure::CpuBudget(_) => "cpu_budget",
            RenderFailure::Timeout(_) => "timeout",
            RenderFailure::MemoryLimit(_) => "memory_limit",
            RenderFailure::OutputTooLarge(_) => "output_too_large",
            RenderFailure::Channel { .. } => "channel_error",
            RenderFailure::Instantiate(_) => "instantiate",
        }
    }
}

/// Caps linear memory and table growth, and remembers a refusal so a later trap can be
/// explained as "memory limit" rather than a bare `unreachable`.
pub(crate) struct MemoryCap {
    max_bytes: usize,
    pub(crate) denied: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Per-render state living in the wasmtime store; dropped with the store after the render.
pub struct RenderState {
    pub(crate) manifest: Arc<ChannelManifest>,
    pub(crate) publication: Arc<Publication>,
    pub(crate) attributes: Arc<Attributes>,
    pub(crate) limits: Limits,
    pub(crate) http: reqwest::Client,
    pub(crate) cache: ChannelCache,
    pub(crate) memory: MemoryCap,
    pub(crate) requests_made: u32,
    pub(crate) log_bytes: u32,
    pub(crate) started: Instant,
    pub(crate) host_wait: Duration,
    pub(crate) cpu_exceeded: bool,
    pub(crate) last_panic: Option<String>,
    pub(crate) refusals: Vec<String>,
    pub(crate) proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
    pub(crate) params: std::collections::BTreeMap<String, String>,
    pub(crate) directory: Option<Arc<dyn DirectoryService>>,
    pub(crate) mail: Option<Arc<dyn MailService>>,
}

impl ChannelEngine {
    /// Render `publication` of `channel` for one request. Runs on the engine's render runtime;
    /// never takes longer than the channel's `limits.wall_ms` (plus scheduling noise).
    pub async fn render(
        &self,
        channel: &LoadedChannel,
        publication: &Arc<Publication>,
        request: RenderRequest,
    ) -> Result<Rendered, RenderFailure> {
        let job = self.render_job(channel, publication, request);
        let result = match self.runtime() {
            Some(handle) => handle
                .spawn(job)
                .await
                .unwrap_or_else(|e| Err(RenderFailure::Trap(format!("render task failed: {e}")))),
            None => job.await,
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(f) => f.label(),
        };
        metrics::counter!("agora_channel_renders_total", "channel" => channel.manifest.channel.id.clone(), "outcome" => outcome).increment(1);
        result
    }

    fn render_job(
        &self,
        channel: &LoadedChannel,
        publication: &Arc<Publication>,
        request: RenderRequest,
    ) -> impl std::future::Future<Output = Result<Rendered, RenderFailure>> + Send + 'static {
        let limits = channel.manifest.limits.clone();
        let state = RenderState {
            manifest: channel.manifest.clone(),
            publication: publication.clone(),
            attributes: request.attributes.clone(),
            limits: limits.clone(),
            http: self.http().clone(),
            cache: self.cache().clone(),
            memory: MemoryCap {
                max_bytes: limits.memory_mib as usize * 1024 * 1024,
                denied: false,
            },
            requests_made: 0,
            log_bytes: 0,
            started: Instant::now(),
            host_wait: Duration::ZERO,
            cpu_exceeded: false,
            last_panic: None,
            refusals: Vec::new(),
            proxy_tickets: request.proxy_tickets.clone(),
            params: request.params.clone(),
            directory: request.directory.clone(),
            mail: request.mail.clone(),
        };
        let ctx = RenderContext {
            publication: publication.id.clone(),
            locale: request.locale,
            now_unix_ms: request.now_unix_ms,
            signed_in: request.signed_in,
            config_json: publication.config_json.clone(),
            portal_url: request.portal_url,
        };
        let pre = channel.pre.clone();
        let engine = self.wasmtime().clone();
        async move {
            let started = Instant::now();
            let mut store = Store::new(&engine, state);
            store.limiter(|s| &mut s.memory);
            let cpu = limits.cpu();
            store.set_epoch_deadline(1);
            store.epoch_deadline_callback(move |ctx| {
                let s = ctx.data();
                let guest_time = s.started.elapsed().saturating_sub(s.host_wait);
                if guest_time >= cpu {
                    ctx.into_data_mut_cpu_exceeded();
                    Ok(UpdateDeadline::Interrupt)
                } else {
                    Ok(UpdateDeadline::Yield(1))
                }
            });
            let call = async {
                let instance = pre.instantiate_async(&mut store).await.map_err(Stage::Instantiate)?;
                instance.call_render(&mut store, &ctx).await.map_err(Stage::Call)
            };
            let outcome = tokio::time::timeout(limits.wall(), call).await;
            let state = store.data();
            let output = match outcome {
                Err(_elapsed) => return Err(RenderFailure::Timeout(limits.wall_ms)),
                Ok(Err(Stage::Instantiate(e))) => {
                    return Err(RenderFailure::Instantiate(format!("{e:#}")));
                }
                Ok(Err(Stage::Call(e))) => return Err(classify_trap(state, &limits, e)),
                Ok(Ok(Err(err))) => {
                    return Err(RenderFailure::Channel {
                        kind: err.kind.into(),
                        detail: err.detail,
                        refusals: state.refusals.clone(),
                    });
                }
                Ok(Ok(Ok(output))) => output,
            };
            if output.html.len() > limits.output_bytes as usize {
                return Err(RenderFailure::OutputTooLarge(output.html.len()));
            }
            Ok(Rendered {
                html: sanitize(&output.html),
                title: output.title,
                elapsed: started.elapsed(),
            })
        }
    }
}

enum Stage {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

/// Mark the CPU budget as spent from inside the epoch callback.
trait CpuFlag {
    fn into_data_mut_cpu_exceeded(self);
}

impl CpuFlag for wasmtime::StoreContextMut<'_, RenderState> {
    fn into_data_mut_cpu_exceeded(mut self) {
        self.data_mut().cpu_exceeded = true;
    }
}

fn classify_trap(state: &RenderState, limits: &Limits, e: wasmtime::Error) -> RenderFailure {
    if state.memory.denied {
        RenderFailure::MemoryLimit(limits.memory_mib)
    } else if state.cpu_exceeded {
        RenderFailure::CpuBudget(limits.cpu_ms)
    } else if let Some(p) = &state.last_panic {
        RenderFailure::Panic(p.clone())
    } else {
        RenderFailure::Trap(format!("{e:#}").lines().next().unwrap_or("trap").to_string())
    }
}

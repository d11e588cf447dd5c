//! One render of one publication for one user: a fresh store with every capability prepared,
//! a guest CPU budget charged from the thread CPU clock (checked at each epoch tick), a memory
//! cap, a wall-clock timeout around everything (host calls included), and everything the
//! channel returns size-checked; the HTML sanitised.

use crate::bindings::RenderContextV2;
use crate::bindings::agora::channel0_1_0::types::{ErrorKind, RenderContext};
use crate::capability::backend::BackendHook;
use crate::capability::cache::{CacheHook, ChannelCache};
use crate::capability::person::Attributes;
use crate::capability::request::Params;
use crate::capability::wasi::forbidden_import;
use crate::contract::Contract;
use crate::cpu::Metered;
use crate::engine::{ChannelEngine, LoadedChannel};
use crate::ledger::{Ledger, truncate};
use crate::limits::Limits;
use crate::publication::Publication;
use crate::sanitize::sanitize;
use crate::services::Services;
use crate::state::{Hooks, RenderState};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Store, UpdateDeadline};

/// Longest channel error detail kept (for the logs and administrators).
pub const MAX_DETAIL_BYTES: usize = 512;

/// What the portal asks one render for.
#[derive(Clone)]
pub struct RenderRequest {
    /// `fr` or `en`.
    pub locale: String,
    /// Current time, ms since the Unix epoch.
    pub now_unix_ms: i64,
    /// The institution's time zone (`Europe/Paris`), told to 0.2 channels.
    pub time_zone: String,
    /// Whether a user is signed in.
    pub signed_in: bool,
    /// All the person's attributes; the host passes on only those the manifest grants.
    pub attributes: Arc<Attributes>,
    /// Public base URL of the portal.
    pub portal_url: String,
    /// Query parameters addressed to this channel (`?<publication>.<name>=`), plus `tab`.
    pub params: Params,
    /// The page's services (proxy tickets, directory, mail).
    pub services: Services,
}

impl std::fmt::Debug for RenderRequest {
    /// The person's attributes and the parameters are the user's data: only counted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderRequest")
            .field("locale", &self.locale)
            .field("signed_in", &self.signed_in)
            .field("attributes", &self.attributes.len())
            .field("params", &self.params.len())
            .field("services", &self.services)
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
    /// Notifications the channel raised for the person (kept by the embedder).
    pub notifications: Vec<crate::capability::notify::Raised>,
}

/// Why a render produced nothing. Every variant leaves the host and the other renders intact.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RenderFailure {
    /// The channel panicked (message from the SDK's panic hook).
    #[error("the channel panicked: {0}")]
    Panic(String),
    /// The channel trapped for another reason (said in words: stack overflow, unreachable…).
    #[error("the channel crashed: {0}")]
    Trap(String),
    /// The channel called a function channels may not use (a `wasi:*` import other than
    /// randomness): its name.
    #[error("the channel called `{0}`, which channels may not use (no files, sockets, clocks or stdio)")]
    Forbidden(String),
    /// Guest CPU budget (`limits.cpu_ms`) exceeded: an endless or very long computation.
    #[error("the channel used more than {0} ms of CPU")]
    CpuBudget(u32),
    /// The whole render took longer than `limits.wall_ms`.
    #[error("the channel did not answer within {0} ms")]
    Timeout(u32),
    /// The channel tried to grow its memory beyond `limits.memory_mib`.
    #[error("the channel tried to use more than {0} MiB of memory")]
    MemoryLimit(u32),
    /// The channel asked for more than `limits.requests` back-end, directory or mail calls.
    #[error("the channel made more than {0} requests to its services")]
    RequestBudget(u32),
    /// What the channel returned (HTML, title, error detail) exceeded `limits.output_bytes`.
    #[error("the channel returned {0} bytes, more than allowed")]
    OutputTooLarge(usize),
    /// The channel reported an error itself.
    #[error("the channel reported {kind:?}: {detail}")]
    Channel {
        /// Broad reason.
        kind: ChannelErrorKind,
        /// Detail for the logs and administrators (at most [`MAX_DETAIL_BYTES`]); never
        /// shown verbatim to users (the WIT contract).
        detail: String,
        /// Capability refusals seen during the render (manifest entries to add), bounded.
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
            RenderFailure::Forbidden(_) => "forbidden_import",
            RenderFailure::CpuBudget(_) => "cpu_budget",
            RenderFailure::Timeout(_) => "timeout",
            RenderFailure::MemoryLimit(_) => "memory_limit",
            RenderFailure::RequestBudget(_) => "request_budget",
            RenderFailure::OutputTooLarge(_) => "output_too_large",
            RenderFailure::Channel { .. } => "channel_error",
            RenderFailure::Instantiate(_) => "instantiate",
        }
    }
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
        let result = match self.run(channel, publication, request, Job::Render).await {
            Ok(Done::Rendered(r)) => Ok(r),
            Ok(Done::Found(_)) => Err(RenderFailure::Trap("a search answered a render".into())),
            Err(f) => Err(f),
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(f) => f.label(),
        };
        metrics::counter!("agora_channel_renders_total", "channel" => channel.manifest.channel.id.clone(), "outcome" => outcome).increment(1);
        result
    }

    /// Ask `publication` of `channel` what matches `query` (its manifest must have
    /// `[search]`), under the same budgets, capabilities and sandbox as a render. Items are
    /// checked (text lengths, links on the portal or over https) and at most
    /// `[search] max_results` kept.
    pub async fn search(
        &self,
        channel: &LoadedChannel,
        publication: &Arc<Publication>,
        request: RenderRequest,
        query: &str,
    ) -> Result<Vec<crate::search::Found>, RenderFailure> {
        let Some(grant) = channel.manifest.search.clone() else {
            return Ok(Vec::new());
        };
        let result = match self
            .run(channel, publication, request, Job::Search(query.to_string()))
            .await
        {
            Ok(Done::Found(items)) => Ok(crate::search::checked(items, grant.max_results as usize)),
            Ok(Done::Rendered(_)) => Err(RenderFailure::Trap("a render answered a search".into())),
            Err(f) => Err(f),
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(f) => f.label(),
        };
        metrics::counter!("agora_channel_searches_total", "channel" => channel.manifest.channel.id.clone(), "outcome" => outcome).increment(1);
        result
    }

    /// One call of the channel (a render or a search) on the render runtime.
    async fn run(
        &self,
        channel: &LoadedChannel,
        publication: &Arc<Publication>,
        request: RenderRequest,
        job: Job,
    ) -> Result<Done, RenderFailure> {
        let job = self.job(channel, publication, request, job);
        match self.runtime() {
            Some(handle) => handle
                .spawn(job)
                .await
                .unwrap_or_else(|e| Err(RenderFailure::Trap(format!("render task failed: {e}")))),
            None => job.await,
        }
    }

    fn job(
        &self,
        channel: &LoadedChannel,
        publication: &Arc<Publication>,
        request: RenderRequest,
        job: Job,
    ) -> impl std::future::Future<Output = Result<Done, RenderFailure>> + Send + 'static {
        let limits = channel.manifest.limits.clone();
        let ledger = Ledger::new(
            channel.id.clone(),
            publication.id.as_str().into(),
            limits.clone(),
            self.host_lines().clone(),
        );
        // The page's tab, told to 0.2 channels in their context (and to all as `tab`).
        let tab = request.params.get("tab").cloned();
        let hooks = Hooks {
            backend: BackendHook {
                http: self.http().clone(),
                publication: publication.clone(),
                proxy_tickets: request.services.proxy_tickets.clone(),
                tokens: self.tokens().clone(),
            },
            cache: CacheHook {
                cache: self.cache().clone(),
                namespace: ChannelCache::namespace(&publication.scope, &publication.id, &channel.component_hash),
            },
            attributes: request.attributes,
            params: request.params,
            services: request.services,
        };
        let state = RenderState::prepare(&channel.grants, hooks, ledger, limits.memory_mib as usize * 1024 * 1024);
        let ctx = match channel.pre.contract() {
            Contract::V0_1 => Context::V0_1(RenderContext {
                publication: publication.id.clone(),
                locale: request.locale,
                now_unix_ms: request.now_unix_ms,
                signed_in: request.signed_in,
                config_json: publication.config_json.clone(),
                portal_url: request.portal_url,
            }),
            Contract::V0_2 | Contract::V0_3 => Context::V0_2(RenderContextV2 {
                publication: publication.id.clone(),
                locale: request.locale,
                now_unix_ms: request.now_unix_ms,
                time_zone: request.time_zone,
                signed_in: request.signed_in,
                tab,
                config_json: publication.config_json.clone(),
                portal_url: request.portal_url,
            }),
        };
        let pre = channel.pre.clone();
        let engine = self.wasmtime().clone();
        async move {
            let started = Instant::now();
            let mut store = Store::new(&engine, state);
            store.limiter(|s| &mut s.memory);
            let cpu = limits.cpu();
            let meter = store.data().cpu.clone();
            store.set_epoch_deadline(1);
            store.epoch_deadline_callback(move |mut ctx| {
                if ctx.data().cpu.used() >= cpu {
                    ctx.data_mut().cpu_exceeded = true;
                    Ok(UpdateDeadline::Interrupt)
                } else {
                    Ok(UpdateDeadline::Yield(1))
                }
            });
            let call = async {
                let instance = pre
                    .instance_pre()
                    .instantiate_async(&mut store)
                    .await
                    .map_err(Stage::Instantiate)?;
                match (job, ctx) {
                    (Job::Render, Context::V0_1(ctx)) => {
                        let channel =
                            crate::bindings::Channel::new(&mut store, &instance).map_err(Stage::Instantiate)?;
                        let answer = channel.call_render(&mut store, &ctx).await.map_err(Stage::Call)?;
                        Ok(answer.map(Answer::Render))
                    }
                    (Job::Render, Context::V0_2(ctx)) => {
                        let render: RenderV2 = instance
                            .get_typed_func(&mut store, "render")
                            .map_err(Stage::Instantiate)?;
                        let (answer,) = render.call_async(&mut store, (ctx,)).await.map_err(Stage::Call)?;
                        Ok(answer.map(Answer::Render))
                    }
                    (Job::Search(query), Context::V0_1(ctx)) => crate::search::call(&mut store, &instance, ctx, query)
                        .await
                        .map(|answer| answer.map(Answer::Search))
                        .map_err(Stage::Call),
                    (Job::Search(query), Context::V0_2(ctx)) => crate::search::call(&mut store, &instance, ctx, query)
                        .await
                        .map(|answer| answer.map(Answer::Search))
                        .map_err(Stage::Call),
                }
            };
            let outcome = tokio::time::timeout(limits.wall(), Metered::new(call, meter)).await;
            let state = store.data_mut();
            let notifications = std::mem::take(&mut state.notify.raised);
            let state = &*state;
            let output = match outcome {
                Err(_elapsed) => return Err(RenderFailure::Timeout(limits.wall_ms)),
                Ok(Err(Stage::Instantiate(e))) => {
                    return Err(RenderFailure::Instantiate(format!("{e:#}")));
                }
                Ok(Err(Stage::Call(e))) => return Err(classify_trap(state, &limits, e)),
                Ok(Ok(Err(err))) => {
                    let record = state.ledger.record();
                    if record.requests_exhausted {
                        return Err(RenderFailure::RequestBudget(limits.requests));
                    }
                    if err.detail.len() > limits.output_bytes as usize {
                        return Err(RenderFailure::OutputTooLarge(err.detail.len()));
                    }
                    return Err(RenderFailure::Channel {
                        kind: err.kind.into(),
                        detail: truncate(&err.detail, MAX_DETAIL_BYTES).to_string(),
                        refusals: record.refusals.clone(),
                    });
                }
                Ok(Ok(Ok(Answer::Render(output)))) => output,
                Ok(Ok(Ok(Answer::Search(items)))) => return Ok(Done::Found(items)),
            };
            let returned = output.html.len() + output.title.as_ref().map_or(0, String::len);
            if returned > limits.output_bytes as usize {
                return Err(RenderFailure::OutputTooLarge(returned));
            }
            Ok(Done::Rendered(Rendered {
                html: sanitize(&output.html),
                title: output.title,
                elapsed: started.elapsed(),
                notifications,
            }))
        }
    }
}

/// The render context, in the version the component speaks.
enum Context {
    V0_1(RenderContext),
    V0_2(RenderContextV2),
}

/// A 0.2 component's `render`.
type RenderV2 = wasmtime::component::TypedFunc<
    (RenderContextV2,),
    (
        Result<
            crate::bindings::agora::channel0_1_0::types::RenderOutput,
            crate::bindings::agora::channel0_1_0::types::RenderError,
        >,
    ),
>;

enum Stage {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

/// What the channel is asked.
enum Job {
    Render,
    Search(String),
}

/// What it answered (before checks).
enum Answer {
    Render(crate::bindings::agora::channel0_1_0::types::RenderOutput),
    Search(Vec<crate::bindings::agora::channel0_1_0::types::SearchItem>),
}

/// A call's result, checked.
enum Done {
    Rendered(Rendered),
    Found(Vec<crate::bindings::agora::channel0_1_0::types::SearchItem>),
}

/// Say in words why the guest trapped.
fn classify_trap(state: &RenderState, limits: &Limits, e: wasmtime::Error) -> RenderFailure {
    if state.memory.denied {
        return RenderFailure::MemoryLimit(limits.memory_mib);
    }
    if state.cpu_exceeded {
        return RenderFailure::CpuBudget(limits.cpu_ms);
    }
    if let Some(p) = state.last_panic() {
        return RenderFailure::Panic(p.to_string());
    }
    let text = format!("{e:#}");
    if let Some(name) = forbidden_import(&text) {
        return RenderFailure::Forbidden(truncate(name, 128).to_string());
    }
    if state.ledger.record().requests_exhausted {
        return RenderFailure::RequestBudget(limits.requests);
    }
    let said = match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::StackOverflow) => "stack overflow (a recursion too deep)".to_string(),
        Some(wasmtime::Trap::UnreachableCodeReached) => {
            "reached code its author marked unreachable (an abort or a bug in the channel)".to_string()
        }
        Some(wasmtime::Trap::MemoryOutOfBounds) => "read or wrote outside its memory".to_string(),
        Some(wasmtime::Trap::IntegerDivisionByZero) => "divided by zero".to_string(),
        Some(wasmtime::Trap::IntegerOverflow) => "integer overflow".to_string(),
        Some(wasmtime::Trap::IndirectCallToNull | wasmtime::Trap::BadSignature) => {
            "called a function that does not exist".to_string()
        }
        Some(other) => other.to_string(),
        None => text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.contains("wasm backtrace"))
            .unwrap_or("trap")
            .to_string(),
    };
    RenderFailure::Trap(truncate(&said, 256).to_string())
}

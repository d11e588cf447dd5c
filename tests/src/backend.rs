//! A scriptable HTTP back-end on a free loopback port: each path answers what the test says,
//! optionally after a gate opens (to hold a channel in a host call as long as the test wants).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// What one path answers.
#[derive(Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
    /// Content type.
    pub content_type: String,
    /// When set, the answer waits until this gate is opened (true).
    pub gate: Option<watch::Receiver<bool>>,
    /// Delay before answering.
    pub delay: std::time::Duration,
}

impl Answer {
    /// 200 with a body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Answer {
            status: 200,
            body: body.into(),
            content_type: content_type.into(),
            gate: None,
            delay: std::time::Duration::ZERO,
        }
    }

    /// A status with a short text body.
    pub fn status(status: u16) -> Self {
        Answer {
            status,
            body: format!("status {status}").into_bytes(),
            content_type: "text/plain".into(),
            gate: None,
            delay: std::time::Duration::ZERO,
        }
    }

    /// The same answer, after `delay`.
    pub fn delayed(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The same answer, held until `gate` opens.
    pub fn gated(mut self, gate: watch::Receiver<bool>) -> Self {
        self.gate = Some(gate);
        self
    }
}

/// The back-end server.
#[derive(Clone)]
pub struct TestBackend {
    /// Base URL without trailing slash.
    pub url: String,
    routes: Arc<Mutex<HashMap<String, Answer>>>,
    hits: Arc<Mutex<HashMap<String, u32>>>,
    handlers: Arc<Mutex<HashMap<String, Handler>>>,
    /// Bumped on every request, so a test can await a hit instead of polling.
    hit_signal: watch::Sender<u64>,
}

/// A computed answer: receives the request target (path and query).
pub type Handler = Arc<dyn Fn(String) -> futures::future::BoxFuture<'static, Answer> + Send + Sync>;

impl TestBackend {
    /// Start on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind backend");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let routes: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let handlers: Arc<Mutex<HashMap<String, Handler>>> = Arc::default();
        let (hit_signal, _) = watch::channel(0u64);
        let (r, h, hs, sig) = (routes.clone(), hits.clone(), handlers.clone(), hit_signal.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (routes, hits, handlers, sig) = (r.clone(), h.clone(), hs.clone(), sig.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut tmp = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let route = path.split('?').next().unwrap_or("/").to_string();
                    *hits.lock().expect("hits").entry(route.clone()).or_default() += 1;
                    sig.send_modify(|n| *n += 1);
                    let handler = handlers.lock().expect("handlers").get(&route).cloned();
                    let answer = match handler {
                        Some(h) => h(path.clone()).await,
                        None => routes
                            .lock()
                            .expect("routes")
                            .get(&route)
                            .cloned()
                            .unwrap_or_else(|| Answer::status(404)),
                    };
                    if let Some(mut gate) = answer.gate.clone() {
                        while !*gate.borrow() {
                            if gate.changed().await.is_err() {
                                return;
                            }
                        }
                    }
                    if !answer.delay.is_zero() {
                        tokio::time::sleep(answer.delay).await;
                    }
                    let head = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        answer.status,
                        answer.content_type,
                        answer.body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&answer.body).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        TestBackend {
            url,
            routes,
            hits,
            handlers,
            hit_signal,
        }
    }

    /// Set what `path` answers.
    pub fn route(&self, path: &str, answer: Answer) {
        self.routes.lock().expect("routes").insert(path.to_string(), answer);
    }

    /// Compute what `path` answers (query strings reach the handler).
    pub fn route_fn(&self, path: &str, handler: Handler) {
        self.handlers
            .lock()
            .expect("handlers")
            .insert(path.to_string(), handler);
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> u32 {
        self.hits.lock().expect("hits").get(path).copied().unwrap_or(0)
    }

    /// Wait until `path` has received at least `n` requests (the test's own timeout bounds it).
    pub async fn wait_for_hits(&self, path: &str, n: u32) {
        let mut signal = self.hit_signal.subscribe();
        while self.hits(path) < n {
            if signal.changed().await.is_err() {
                return;
            }
        }
    }
}

/// A back-end handler that validates the request's `ticket` at CAS for `service` and
/// answers `ok(user)`, or 403.
pub fn ticket_checking(cas_url: &str, service: String, ok: fn(&str) -> Answer) -> Handler {
    let cas_client = agora_cas::CasClient::new(cas_url, reqwest::Client::new()).expect("cas client");
    Arc::new(move |target: String| {
        let cas_client = cas_client.clone();
        let service = service.clone();
        Box::pin(async move {
            let url = url::Url::parse(&format!("http://x{target}")).expect("target");
            let ticket = url
                .query_pairs()
                .find(|(k, _)| k == "ticket")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            match cas_client.validate(&service, &ticket, None).await {
                Ok(v) => ok(&v.user),
                Err(e) => Answer {
                    status: 403,
                    ..Answer::ok("text/plain", format!("refused: {e}"))
                },
            }
        })
    })
}

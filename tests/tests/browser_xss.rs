//! 0 scripts run in headless Chromium (Debian `chromium`, `chromium-driver`): every vector of
//! the XSS corpus (`portal-core/channel-host/tests/xss/corpus.txt`), sanitised, on one page
//! served from a loopback server of the test **without any Content-Security-Policy**, so that
//! what is tested is the sanitiser and not the portal's CSP.
//!
//! The corpus' payloads call `alert(1)` or `__xss_hit()`; a trusted script of the page
//! records every such call (alert, confirm, prompt and print included), every navigation the
//! page attempts (cancelled) and every form submission that would leave the portal or not be
//! a GET (cancelled). Once the page is loaded the test gives handlers their chance: it
//! focuses every element, dispatches mouse, pointer, keyboard, focus, drag, clipboard,
//! animation and load events on each, clicks every link that Chromium reads as unsafe and
//! every submit button, tabs through the page with the keyboard, sweeps the pointer over it,
//! and waits for timers. Chromium's own URL parser also judges every URL attribute. No hit,
//! no dialog, no navigation may happen.
//!
//! A control page of unsanitised vectors, visited first, shows that each kind of hit is seen
//! (so the test cannot pass by seeing nothing). Host names resolve to nothing
//! (`--host-resolver-rules`): nothing leaves the machine.

#[path = "../../portal-core/channel-host/tests/xss/corpus.rs"]
mod corpus;

use agora_channel_host::sanitize::sanitize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The trusted part of every page: records hits, in `<head>` before any vector.
const HARNESS: &str = r#"<script>
var __xss_hits = [];
// Vectors may clobber properties of forms (<input name=closest>…): the harness uses the
// prototypes' own methods and getters, never the elements' properties.
var __xss_closest = Element.prototype.closest, __xss_get_attribute = Element.prototype.getAttribute;
var __xss_getter = function (proto, name) { return Object.getOwnPropertyDescriptor(proto, name).get; };
function __xss_vector(el) {
  var v = el instanceof Element ? __xss_closest.call(el, '[data-v]') : null;
  return v ? __xss_get_attribute.call(v, 'data-v') : '?';
}
function __xss_record(kind, el, detail) {
  __xss_hits.push({ kind: kind, vector: __xss_vector(el), detail: String(detail) });
}
function __xss_source() {
  return document.currentScript || (window.event && window.event.target) || null;
}
function __xss_hit(what) {
  __xss_record('exec', __xss_source(), what === undefined ? '__xss_hit()' : '__xss_hit(' + what + ')');
}
['alert', 'confirm', 'prompt', 'print'].forEach(function (name) {
  window[name] = function (message) { __xss_record('exec', __xss_source(), name + '(' + message + ')'); };
});
if (window.navigation) {
  navigation.addEventListener('navigate', function (e) {
    __xss_record('navigation', null, e.navigationType + ' to ' + e.destination.url);
    if (e.cancelable) { e.preventDefault(); }
  });
}
var __xss_form_action = __xss_getter(HTMLFormElement.prototype, 'action');
var __xss_form_method = __xss_getter(HTMLFormElement.prototype, 'method');
document.addEventListener('submit', function (e) {
  var form = e.target, by = e.submitter;
  var action = by ? by.formAction : __xss_form_action.call(form);
  var method = (by && by.formMethod) || __xss_form_method.call(form);
  var target = (by && by.formTarget) || __xss_get_attribute.call(form, 'target') || '';
  var url = new URL(action, document.baseURI);
  if (url.origin !== location.origin || method !== 'get' || target !== '') {
    __xss_record('form', form, 'submits ' + method + ' to ' + url.href + (target ? ' in ' + target : ''));
  }
  e.preventDefault();
}, true);
</script>"#;

/// Run once the page has loaded: what Chromium itself reads as unsafe, then every chance a
/// handler could have (focus, events, clicks on unsafe links and on submit buttons).
const PROBE: &str = r#"
const root = document.getElementById('vectors');
if (!root) { return { elements: 0, clicked: 0 }; }
const XHTML = 'http://www.w3.org/1999/xhtml';
const FORBIDDEN = new Set(['script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'base', 'meta', 'link', 'svg', 'math', 'template', 'noscript', 'textarea', 'select', 'portal', 'fencedframe',
  'video', 'audio', 'source', 'track', 'dialog']);
const FORBIDDEN_ATTRIBUTES = new Set(['style', 'srcdoc', 'srcset', 'formaction', 'formmethod', 'formtarget',
  'target', 'form', 'ping', 'autofocus', 'popovertarget', 'commandfor', 'command', 'http-equiv']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'cite', 'poster', 'background', 'data',
  'longdesc', 'codebase', 'manifest', 'icon', 'xlink:href']);
const SAFE = new Set(['http:', 'https:', 'mailto:', 'tel:']);
const inputType = __xss_getter(HTMLInputElement.prototype, 'type');
const buttonType = __xss_getter(HTMLButtonElement.prototype, 'type');
const localName = __xss_getter(Element.prototype, 'localName');
const namespace = __xss_getter(Element.prototype, 'namespaceURI');
const attributes = __xss_getter(Element.prototype, 'attributes');
const { focus, click } = HTMLElement.prototype;
const dispatch = EventTarget.prototype.dispatchEvent;
const all = Array.from(root.querySelectorAll('*'));
for (const el of all) {
  const name = localName.call(el);
  if (namespace.call(el) !== XHTML) { __xss_record('dom', el, 'element ' + name + ' in ' + namespace.call(el)); }
  if (FORBIDDEN.has(name)) { __xss_record('dom', el, 'element <' + name + '>'); }
  for (const a of Array.from(attributes.call(el))) {
    const n = a.name.toLowerCase();
    if (n.startsWith('on')) { __xss_record('dom', el, 'handler ' + n + '=' + a.value); }
    if (FORBIDDEN_ATTRIBUTES.has(n)) { __xss_record('dom', el, 'attribute ' + n + '=' + a.value); }
    if (!URL_ATTRIBUTES.has(n)) { continue; }
    let url;
    try { url = new URL(a.value, document.baseURI); } catch (e) {
      __xss_record('url', el, n + '=' + JSON.stringify(a.value) + ' does not parse'); continue;
    }
    if (name === 'form' && n === 'action') {
      if (url.origin !== location.origin) {
        __xss_record('url', el, 'form action ' + JSON.stringify(a.value) + ' is ' + url.href);
      }
    } else if (!SAFE.has(url.protocol)) {
      __xss_record('url', el, n + '=' + JSON.stringify(a.value) + ' is a ' + url.protocol + ' URL');
    }
  }
  if (name === 'form' && __xss_form_method.call(el) !== 'get') {
    __xss_record('form', el, 'method ' + __xss_form_method.call(el));
  }
  if (name === 'input' && !['text', 'search', 'hidden'].includes(inputType.call(el))) {
    __xss_record('dom', el, 'input type ' + inputType.call(el));
  }
}
const EVENTS = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'mouseout', 'mouseleave',
  'dblclick', 'auxclick', 'contextmenu', 'wheel', 'pointerover', 'pointerenter', 'pointerdown', 'pointerup',
  'pointermove', 'pointerout', 'touchstart', 'touchend', 'focus', 'focusin', 'blur', 'focusout', 'keydown',
  'keypress', 'keyup', 'input', 'beforeinput', 'change', 'invalid', 'select', 'submit', 'reset', 'search',
  'copy', 'cut', 'paste', 'beforecopy', 'drag', 'dragstart', 'dragend', 'dragenter', 'dragover', 'drop',
  'scroll', 'scrollend', 'animationstart', 'animationend', 'transitionend', 'toggle', 'beforetoggle', 'load',
  'error', 'abort', 'begin', 'start', 'finish', 'bounce', 'play', 'loadstart', 'canplay', 'show', 'close',
  'cancel', 'resize', 'message', 'hashchange', 'popstate', 'pageshow', 'readystatechange'];
const NOT_CLICKED = new Set(['a', 'area', 'button', 'input', 'label', 'summary', 'form', 'select', 'option']);
for (const el of all) {
  try { if (el instanceof HTMLElement) { focus.call(el); } } catch (e) {}
  for (const type of EVENTS) {
    try { dispatch.call(el, new MouseEvent(type, { bubbles: false, cancelable: true })); } catch (e) {}
  }
  if (!NOT_CLICKED.has(localName.call(el))) {
    try { dispatch.call(el, new MouseEvent('click', { bubbles: false, cancelable: true })); } catch (e) {}
  }
}
if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
let clicked = 0;
for (const el of all) {
  const name = localName.call(el), href = __xss_get_attribute.call(el, 'href');
  let unsafe = false;
  if (href !== null && (name === 'a' || name === 'area')) {
    try { unsafe = !SAFE.has(new URL(href, document.baseURI).protocol); } catch (e) { unsafe = true; }
  }
  const submits = (name === 'button' && buttonType.call(el) === 'submit')
    || (name === 'input' && ['submit', 'image'].includes(inputType.call(el)));
  if ((unsafe || submits) && el instanceof HTMLElement) { try { click.call(el); clicked++; } catch (e) {} }
}
window.scrollTo(0, 0);
return { elements: all.length, clicked: clicked };
"#;

/// What the page says once every chance was given.
const COLLECT: &str = "return { hits: window.__xss_hits || null, token: window.__xss_token || null, \
    href: location.href, vectors: document.querySelectorAll('[data-v]').length };";

/// One page: the harness, then each fragment in a `<section data-v=…>`.
fn page(token: &str, fragments: &[(String, String)]) -> String {
    let mut html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>xss</title>{HARNESS}\
         <script>var __xss_token = \"{token}\";</script></head><body><main id=\"vectors\">"
    );
    for (id, fragment) in fragments {
        html.push_str(&format!("<section data-v=\"{id}\">{fragment}</section>\n"));
    }
    html.push_str("</main></body></html>");
    html
}

/// A loopback HTTP server that serves `pages` by path (404 for anything else), with no
/// Content-Security-Policy; it stops when the test's runtime does.
async fn serve(pages: HashMap<&'static str, String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let pages = Arc::new(pages);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let pages = pages.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let (status, kind, body) = match pages.get(path) {
                    Some(body) => ("200 OK", "text/html; charset=utf-8", body.as_str()),
                    None => ("404 Not Found", "text/plain", "not found"),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    url
}

/// A chromedriver process and one headless Chromium session, with user prompts left open
/// so that the test sees them (each is recorded, then dismissed).
struct Chromium {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    dialogs: Vec<String>,
    profile: PathBuf,
}

impl Chromium {
    async fn start() -> Self {
        for binary in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: run `cargo xtask test`, which installs chromium and chromium-driver"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let profile = std::env::temp_dir().join(format!("agora-browser-xss-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("profile directory");
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", profile.join("chromedriver.log").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "unhandledPromptBehavior": "ignore",
            "timeouts": { "pageLoad": 20000, "script": 10000 },
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-quic", "--window-size=1280,900",
                         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                         format!("--user-data-dir={}", profile.join("chromium").display())]
            }
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {res}"))
            .to_string();
        Chromium {
            driver,
            base,
            session,
            http,
            dialogs: Vec::new(),
            profile,
        }
    }

    /// One WebDriver command; `Err((error, message))` on a WebDriver error.
    async fn raw(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, (String, String)> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res: Value = req.send().await.expect("webdriver call").json().await.expect("json");
        match res["value"]["error"].as_str() {
            Some(error) => Err((error.to_string(), res["value"]["message"].to_string())),
            None => Ok(res["value"].clone()),
        }
    }

    /// Record and dismiss an open dialog, if any; whether there was one.
    async fn take_dialog(&mut self) -> bool {
        match self.raw(reqwest::Method::GET, "/alert/text", None).await {
            Ok(text) => {
                self.dialogs.push(text.as_str().unwrap_or_default().to_string());
                let _ = self.raw(reqwest::Method::POST, "/alert/dismiss", Some(json!({}))).await;
                true
            }
            Err(_) => false,
        }
    }

    /// A command, retried after recording and dismissing any dialog that blocks it.
    async fn try_call(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        for _ in 0..10 {
            match self.raw(method.clone(), path, body.clone()).await {
                Ok(value) => return Ok(value),
                Err((error, _)) if error == "unexpected alert open" => {
                    self.take_dialog().await;
                }
                Err((error, message)) => return Err(format!("WebDriver {path}: {error}: {message}")),
            }
        }
        Err(format!("WebDriver {path}: dialogs keep opening"))
    }

    async fn try_script(&mut self, script: &str) -> Result<Value, String> {
        self.try_call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Open `url` (WebDriver waits for the load event; a dialog opened meanwhile is
    /// recorded, and the load is then awaited by hand).
    async fn goto(&mut self, url: &str) {
        if let Err((error, message)) = self
            .raw(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await
        {
            assert_eq!(error, "unexpected alert open", "WebDriver /url: {message}");
            while self.take_dialog().await {}
            for _ in 0..100 {
                if self.try_script("return document.readyState;").await == Ok(json!("complete")) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Give every handler of the page at `url` its chance, then say what happened. A page
    /// that navigates away meanwhile (the navigation control) makes some of these calls
    /// fail: that is seen at the end, from what the page says (or no longer says).
    async fn visit(&mut self, url: &str) -> Visit {
        self.dialogs.clear();
        self.goto(url).await;
        let probed = self.try_script(PROBE).await.unwrap_or_default();
        // The keyboard: Tab through the page (focus moves for real).
        let tabs: Vec<Value> = (0..60)
            .flat_map(|_| {
                [
                    json!({"type": "keyDown", "value": "\u{E004}"}),
                    json!({"type": "keyUp", "value": "\u{E004}"}),
                ]
            })
            .collect();
        let keyboard = json!({"type": "key", "id": "keyboard", "actions": tabs});
        let _ = self
            .try_call(
                reqwest::Method::POST,
                "/actions",
                Some(json!({ "actions": [keyboard] })),
            )
            .await;
        // The pointer: a sweep over the viewport, at three scroll positions.
        for scroll in ["0", "document.body.scrollHeight / 2", "document.body.scrollHeight"] {
            let size = self
                .try_script(&format!(
                    "window.scrollTo(0, {scroll}); return [window.innerWidth, window.innerHeight];"
                ))
                .await
                .unwrap_or_default();
            let (width, height) = (size[0].as_u64().unwrap_or(0), size[1].as_u64().unwrap_or(0));
            if width < 16 || height < 16 {
                continue;
            }
            let moves: Vec<Value> = (0..24)
                .map(|i| {
                    let (x, y) = ((i % 4) * (width - 2) / 4 + 1, (i / 4) * (height - 2) / 6 + 1);
                    json!({"type": "pointerMove", "duration": 0, "x": x, "y": y})
                })
                .collect();
            let pointer =
                json!({"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": moves});
            let _ = self
                .try_call(reqwest::Method::POST, "/actions", Some(json!({ "actions": [pointer] })))
                .await;
        }
        let _ = self.raw(reqwest::Method::DELETE, "/actions", None).await;
        // Timers, late loads and errors.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let mut collected = Value::Null;
        for _ in 0..20 {
            match self.try_script(COLLECT).await {
                Ok(value) => {
                    collected = value;
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        while self.take_dialog().await {}
        Visit {
            hits: collected["hits"].as_array().cloned().unwrap_or_default(),
            token: collected["token"].as_str().map(str::to_string),
            href: collected["href"].as_str().unwrap_or_default().to_string(),
            vectors: collected["vectors"].as_u64().unwrap_or(0) as usize,
            elements: probed["elements"].as_u64().unwrap_or(0) as usize,
            dialogs: self.dialogs.clone(),
        }
    }
}

impl Chromium {
    /// End the session, so that Chromium exits with it: a plain blocking request, as this
    /// runs in `drop`, maybe while a panic unwinds.
    fn end_session(&self) {
        use std::io::{Read, Write};
        let address = self.base.trim_start_matches("http://");
        let Ok(mut stream) = std::net::TcpStream::connect(address) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return;
        }
        // Wait for the whole answer (chromedriver keeps the connection open).
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_string())
                    })
                    .and_then(|v| v.parse::<usize>().ok());
                if length.is_none_or(|length| body.len() >= length) {
                    return;
                }
            }
        }
    }
}

impl Drop for Chromium {
    /// The session first (killing chromedriver alone leaves Chromium running, e.g. when the
    /// test failed), then chromedriver.
    fn drop(&mut self) {
        self.end_session();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// What a visit saw.
#[derive(Debug)]
struct Visit {
    hits: Vec<Value>,
    token: Option<String>,
    href: String,
    vectors: usize,
    elements: usize,
    dialogs: Vec<String>,
}

impl Visit {
    /// Whether some hit of `kind` has `detail` in its description.
    fn saw(&self, kind: &str, detail: &str) -> bool {
        self.hits
            .iter()
            .any(|h| h["kind"] == kind && h["detail"].as_str().is_some_and(|d| d.contains(detail)))
    }
}

/// Unsanitised vectors, one per kind of hit the test must be able to see.
const CONTROLS: &[&str] = &[
    "<script>__xss_hit('control script')</script>",
    "<img src=\"/missing.png\" onerror=\"__xss_hit('control onerror')\">",
    "<svg onload=\"alert('control svg')\"></svg>",
    "<div onmouseover=\"__xss_hit('control hover')\">hover</div>",
    "<input onfocus=\"__xss_hit('control focus')\">",
    "<a href=\"javascript:__xss_hit('control link')\">link</a>",
    "<form action=\"/&#9;/evil.example/x\"><input name=\"q\" value=\"x\"><button>Go</button></form>",
    "<form method=\"post\" action=\"/\"><button>Go</button></form>",
    "<input type=\"password\" name=\"pw\">",
    "<iframe srcdoc=\"<script>setTimeout(function () { alert('control dialog') }, 200)</script>\"></iframe>",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sanitised_vector_runs_script_in_chromium() {
    tokio::time::timeout(Duration::from_secs(90), run())
        .await
        .expect("the browser test took more than 90 s");
}

async fn run() {
    let vectors = corpus::vectors();
    assert!(vectors.len() >= 300, "the corpus has {} vectors", vectors.len());
    let sanitised: Vec<(String, String)> = vectors
        .iter()
        .map(|v| (v.line.to_string(), sanitize(&v.html)))
        .collect();
    let controls: Vec<(String, String)> = CONTROLS
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("control-{i}"), c.to_string()))
        .collect();
    let navigation = vec![(
        "control-navigation".to_string(),
        "<meta http-equiv=\"refresh\" content=\"0;url=/elsewhere\">".to_string(),
    )];
    let url = serve(HashMap::from([
        ("/control", page("control", &controls)),
        ("/control-navigation", page("control-navigation", &navigation)),
        ("/xss", page("xss", &sanitised)),
    ]))
    .await;
    let mut chromium = Chromium::start().await;

    // The controls: each kind of hit is seen when the vector is not sanitised.
    let control = chromium.visit(&format!("{url}/control")).await;
    for (kind, detail) in [
        ("exec", "control script"),
        ("exec", "control onerror"),
        ("exec", "alert(control svg)"),
        ("exec", "control hover"),
        ("exec", "control focus"),
        ("exec", "control link"),
        ("url", "javascript:"),
        ("url", "form action \"/\\t/evil.example/x\" is http://evil.example/x"),
        ("form", "submits get to http://evil.example/x"),
        ("form", "method post"),
        ("dom", "input type password"),
        ("dom", "element <iframe>"),
    ] {
        assert!(
            control.saw(kind, detail),
            "the control page did not show {kind} `{detail}`: {control:#?}"
        );
    }
    assert!(
        control.dialogs.iter().any(|d| d == "control dialog"),
        "the control dialog was not seen: {control:#?}"
    );
    let navigated = chromium.visit(&format!("{url}/control-navigation")).await;
    assert!(
        navigated.saw("navigation", "/elsewhere") || navigated.token.as_deref() != Some("control-navigation"),
        "the control navigation was not seen: {navigated:#?}"
    );

    // The corpus, sanitised.
    let page_url = format!("{url}/xss");
    let visit = chromium.visit(&page_url).await;
    drop(chromium);
    let by_line: HashMap<String, &corpus::Vector> = vectors.iter().map(|v| (v.line.to_string(), v)).collect();
    let report: Vec<String> = visit
        .hits
        .iter()
        .map(|h| {
            let id = h["vector"].as_str().unwrap_or("?");
            let vector = by_line
                .get(id)
                .map(|v| format!("corpus.txt:{} [{}] {:?}", v.line, v.class, v.html))
                .unwrap_or_else(|| format!("vector {id}"));
            format!(
                "{}: {} ({vector})",
                h["kind"].as_str().unwrap_or("?"),
                h["detail"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert!(
        report.is_empty() && visit.dialogs.is_empty(),
        "{} hits and {} dialogs in Chromium:\n{}\ndialogs: {:?}",
        report.len(),
        visit.dialogs.len(),
        report.join("\n"),
        visit.dialogs
    );
    assert_eq!(visit.token.as_deref(), Some("xss"), "the page was replaced: {visit:#?}");
    assert_eq!(visit.href, page_url, "the page navigated away");
    assert_eq!(visit.vectors, vectors.len(), "every vector is on the page");
    assert!(
        visit.elements > vectors.len(),
        "the sanitised vectors left content to probe: {visit:#?}"
    );
}

//! A minimal W3C WebDriver client, enough to drive the real headless Chromium through
//! Debian's `chromedriver` like a person would: open pages, click, press keys, read what the
//! page shows (through its shadow root), take screenshots. Everything stays on loopback.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A chromedriver process and one browser session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: PathBuf,
}

/// The W3C key code of Tab, Enter.
pub const TAB: &str = "\u{E004}";
/// Enter.
pub const ENTER: &str = "\u{E007}";
/// Shift (held by [`Browser::press_shifted`]).
pub const SHIFT: &str = "\u{E008}";

/// The element that has the keyboard focus, looking inside shadow roots: its accessible
/// label (aria-label, else its text).
const DEEP_FOCUS: &str = "let a = document.activeElement; \
    while (a && a.shadowRoot && a.shadowRoot.activeElement) { a = a.shadowRoot.activeElement; } \
    return a ? (a.getAttribute('aria-label') || a.textContent.trim()) : null;";

impl Browser {
    /// Start chromedriver on a free loopback port and open a headless Chromium session
    /// (`width`×`height` window, a fresh profile under `dir`).
    pub async fn start(dir: &Path, width: u32, height: u32) -> Self {
        for binary in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: run `cargo xtask test`, which installs chromium and chromium-driver"
            );
        }
        let port = crate::peers::free_port();
        let log = dir.join("chromedriver.log");
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        crate::peers::wait_for_port(port, "chromedriver", &log);
        let profile = dir.join("chromium-profile");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-quic",
                         format!("--window-size={width},{height}"),
                         format!("--user-data-dir={}", profile.display())]
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
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    /// One WebDriver command; a WebDriver error is `Err("<path>: <error>: <message>")`.
    async fn try_call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res: Value = req.send().await.expect("webdriver call").json().await.expect("json");
        if let Some(error) = res["value"]["error"].as_str() {
            return Err(format!("WebDriver {path}: {error}: {}", res["value"]["message"]));
        }
        Ok(res["value"].clone())
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Open `url` and wait for it to load (WebDriver waits for the load event).
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
        // Seen: a following `wait_for_url` waits for the document after this one.
        self.script("window.__agoraSeen = true; return null;").await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Wait (up to 10 s) until the browser shows a document this method has not returned
    /// before, loaded, at a URL that satisfies `test`: e.g. after a form posted by a click or
    /// a key press has been answered. Each document it returns is marked, so two submissions
    /// that lead to the same URL are still told apart (the second wait needs a new document).
    pub async fn wait_for_url(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        const NEW_AND_LOADED: &str = "if (window.__agoraSeen || document.readyState !== 'complete') \
                                      { return false; } window.__agoraSeen = true; return true;";
        for _ in 0..200 {
            // Between two documents a command may fail (no document yet): just try again.
            if let Ok(url) = self.try_call(reqwest::Method::GET, "/url", None).await
                && url.as_str().is_some_and(&test)
                && self
                    .try_call(
                        reqwest::Method::POST,
                        "/execute/sync",
                        Some(json!({ "script": NEW_AND_LOADED, "args": [] })),
                    )
                    .await
                    == Ok(Value::Bool(true))
            {
                return url.as_str().unwrap_or_default().to_string();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the browser never reached {what} (at {})", self.url().await);
    }

    /// Run `script` (a function body) in the page and return its result.
    pub async fn script(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Poll `script` (a function body) until it returns `expected`, 5 s at most: the wait
    /// for a page the script updates in place (same document, so no [`Self::wait_for_url`]).
    pub async fn wait_for_script(&self, what: &str, script: &str, expected: Value) {
        let mut last = Value::Null;
        for _ in 0..100 {
            last = self.script(script).await;
            if last == expected {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{what}: expected {expected}, got {last}");
    }

    /// Run `script` (a function body) in the page with `args` (its `arguments`); its result.
    pub async fn script_with(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Run `script` (a function body whose last argument is the callback to call with the
    /// result) in the page; its result (WebDriver's script timeout applies: 30 s by default).
    pub async fn script_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Browse without the portal's script (`/static/agora.js` blocked, as an old phone or a
    /// failed download would leave it): what the no-script forms do alone.
    pub async fn without_script(&self) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.setBlockedURLs", json!({ "urls": ["*/static/agora.js"] }))
            .await;
    }

    /// Emulate the `prefers-color-scheme` media feature (`light` or `dark`) through
    /// chromedriver's DevTools bridge, as a phone set to dark mode would ask.
    pub async fn color_scheme(&self, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )
        .await;
    }

    /// One Chrome DevTools Protocol command (`Network.emulateNetworkConditions`, …) through
    /// chromedriver; its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
        .await
    }

    /// Sign in as demo persona `uid` at the portal `base`, from its persona page in `lang`, as
    /// a person would (click their card), and wait for the home page.
    pub async fn sign_in_as(&self, base: &str, uid: &str, lang: &str) {
        self.goto(&format!("{base}/login?lang={lang}")).await;
        self.click(&format!("form:has(input[name=uid][value='{uid}']) button"))
            .await;
        self.wait_for_url("the home page", |u| !u.contains("/login")).await;
    }

    /// Click the first element matching the CSS `selector` (light DOM).
    pub async fn click(&self, selector: &str) {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": selector })),
            )
            .await;
        let id = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {selector}"))
            .to_string();
        self.call(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({})))
            .await;
    }

    /// Press and release `key` (e.g. [`TAB`], [`ENTER`]) where the focus is.
    pub async fn press(&self, key: &str) {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": key }, { "type": "keyUp", "value": key } ] }] });
        self.call(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// Press Shift+`key` (Shift+[`TAB`]: the previous control).
    pub async fn press_shifted(&self, key: &str) {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": SHIFT }, { "type": "keyDown", "value": key },
            { "type": "keyUp", "value": key }, { "type": "keyUp", "value": SHIFT } ] }] });
        self.call(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// The label of the focused element (through shadow roots).
    pub async fn focused(&self) -> Option<String> {
        self.script(DEEP_FOCUS).await.as_str().map(str::to_string)
    }

    /// Press Tab until the focused element is labelled `label` (at most `max` presses);
    /// returns how many presses it took.
    pub async fn tab_to(&self, label: &str, max: usize) -> usize {
        for presses in 0..=max {
            if self.focused().await.as_deref() == Some(label) {
                return presses;
            }
            self.press(TAB).await;
        }
        panic!(
            "`{label}` cannot be reached with the keyboard (last focus: {:?})",
            self.focused().await
        );
    }

    /// Forget every cookie of the current site (signed out, no language or establishment).
    pub async fn clear_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Resize the window.
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Save a PNG screenshot of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("screenshot is base64");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// End the session and stop chromedriver.
    pub async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

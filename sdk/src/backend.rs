//! Outbound HTTP to the named back-ends of the channel's manifest.

use crate::bindings::agora::channel0_1_0::backend as wit;

pub use wit::Method;

/// One request to a named back-end.
#[derive(Debug, Clone)]
pub struct Request {
    backend: String,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// A GET of `path` (empty, or starting with `/` or `?`) on back-end `backend`.
    pub fn get(backend: &str, path: &str) -> Self {
        Request {
            backend: backend.into(),
            method: Method::Get,
            path: path.into(),
            headers: vec![],
            body: None,
        }
    }

    /// A POST of `body` to `path` on back-end `backend`.
    pub fn post(backend: &str, path: &str, body: Vec<u8>) -> Self {
        Request {
            backend: backend.into(),
            method: Method::Post,
            path: path.into(),
            headers: vec![],
            body: Some(body),
        }
    }

    /// Add a request header (`authorization`, `cookie` and `host` are reserved to the host).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Perform the request.
    pub fn send(self) -> Result<Response, FetchError> {
        let req = wit::Request {
            backend: self.backend,
            method: self.method,
            path: self.path,
            headers: self.headers,
            body: self.body,
        };
        crate::host::fetch(&req).map(Response::from).map_err(FetchError::from)
    }
}

/// Shorthand for `Request::get(backend, path).send()`.
pub fn get(backend: &str, path: &str) -> Result<Response, FetchError> {
    Request::get(backend, path).send()
}

/// A back-end's answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (names in lower case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// True for 2xx statuses.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl From<wit::Response> for Response {
    fn from(r: wit::Response) -> Self {
        Response {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

/// Why a back-end request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Not declared in the manifest or not bound by the admin; names the entry to add.
    NotGranted(String),
    /// The request is invalid (path leaving the base URL, reserved header …).
    InvalidRequest(String),
    /// The per-render request budget is spent.
    BudgetExhausted,
    /// No answer in time.
    Timeout,
    /// The answer was larger than allowed.
    TooLarge,
    /// The back-end could not be reached.
    Unavailable(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::NotGranted(m) => write!(f, "not granted: {m}"),
            FetchError::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            FetchError::BudgetExhausted => f.write_str("request budget exhausted"),
            FetchError::Timeout => f.write_str("back-end timed out"),
            FetchError::TooLarge => f.write_str("back-end answer too large"),
            FetchError::Unavailable(m) => write!(f, "back-end unavailable: {m}"),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<wit::FetchError> for FetchError {
    fn from(e: wit::FetchError) -> Self {
        match e {
            wit::FetchError::NotGranted(m) => FetchError::NotGranted(m),
            wit::FetchError::InvalidRequest(m) => FetchError::InvalidRequest(m),
            wit::FetchError::BudgetExhausted => FetchError::BudgetExhausted,
            wit::FetchError::Timeout => FetchError::Timeout,
            wit::FetchError::TooLarge => FetchError::TooLarge,
            wit::FetchError::Unavailable(m) => FetchError::Unavailable(m),
        }
    }
}

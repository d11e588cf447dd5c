//! Typed CAS errors.

/// A failure code from `<cas:authenticationFailure code="…">` or `<cas:proxyFailure>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureCode {
    /// Not all required parameters were present.
    InvalidRequest,
    /// The ticket failed the validation specification (e.g. `renew`).
    InvalidTicketSpec,
    /// The service may not use proxy authentication.
    UnauthorizedServiceProxy,
    /// The proxy callback URL was refused.
    InvalidProxyCallback,
    /// Unknown, expired, already used, or not a ticket.
    InvalidTicket,
    /// The ticket was issued for another service.
    InvalidService,
    /// The CAS server failed.
    InternalError,
    /// A code this client does not know.
    Other(String),
}

impl FailureCode {
    /// Map the wire code.
    pub fn from_code(code: &str) -> Self {
        match code.trim() {
            "INVALID_REQUEST" => FailureCode::InvalidRequest,
            "INVALID_TICKET_SPEC" => FailureCode::InvalidTicketSpec,
            "UNAUTHORIZED_SERVICE_PROXY" | "UNAUTHORIZED_SERVICE" => FailureCode::UnauthorizedServiceProxy,
            "INVALID_PROXY_CALLBACK" => FailureCode::InvalidProxyCallback,
            "INVALID_TICKET" | "BAD_PGT" => FailureCode::InvalidTicket,
            "INVALID_SERVICE" => FailureCode::InvalidService,
            "INTERNAL_ERROR" => FailureCode::InternalError,
            other => FailureCode::Other(other.to_string()),
        }
    }
}

/// Why a CAS operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CasError {
    /// The server answered with a failure.
    #[error("CAS refused: {code:?}: {message}")]
    Failure {
        /// The failure code.
        code: FailureCode,
        /// The server's message.
        message: String,
    },
    /// The document is not a CAS response (or logout request) this client can trust.
    #[error("malformed CAS document: {0}")]
    Malformed(String),
    /// The document exceeds [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES).
    #[error("CAS document larger than {0} bytes")]
    TooLarge(usize),
    /// A URL is unusable.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The ticket is not of the form `ST-…` / `PT-…` (checked before any request).
    #[error("not a CAS ticket")]
    NotATicket,
    /// The CAS server could not be reached or answered an HTTP error.
    #[error("CAS server unreachable: {0}")]
    Unreachable(String),
}

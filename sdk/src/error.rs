//! Channel render errors.

use crate::bindings::agora::channel0_1_0::types;

/// Broad reason of a failed render; the host turns it into a message in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A back-end is down, slow or refused the request.
    BackendUnavailable,
    /// A back-end answered something unreadable.
    BackendGarbage,
    /// The configuration does not make sense.
    BadConfig,
    /// Nothing to show for this user.
    NotApplicable,
    /// A bug in the channel.
    Internal,
}

/// A render failure with a detail for the logs (never shown verbatim to users).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelError {
    /// Why the render failed.
    pub kind: ErrorKind,
    /// Detail for administrators.
    pub detail: String,
}

impl ChannelError {
    /// A back-end could not be used.
    pub fn backend_unavailable(detail: impl Into<String>) -> Self {
        ChannelError {
            kind: ErrorKind::BackendUnavailable,
            detail: detail.into(),
        }
    }
    /// A back-end answered garbage.
    pub fn backend_garbage(detail: impl Into<String>) -> Self {
        ChannelError {
            kind: ErrorKind::BackendGarbage,
            detail: detail.into(),
        }
    }
    /// The configuration is wrong.
    pub fn bad_config(detail: impl Into<String>) -> Self {
        ChannelError {
            kind: ErrorKind::BadConfig,
            detail: detail.into(),
        }
    }
    /// Nothing applies to this user.
    pub fn not_applicable(detail: impl Into<String>) -> Self {
        ChannelError {
            kind: ErrorKind::NotApplicable,
            detail: detail.into(),
        }
    }
    /// A bug.
    pub fn internal(detail: impl Into<String>) -> Self {
        ChannelError {
            kind: ErrorKind::Internal,
            detail: detail.into(),
        }
    }

    pub(crate) fn into_wit(self) -> types::RenderError {
        let kind = match self.kind {
            ErrorKind::BackendUnavailable => types::ErrorKind::BackendUnavailable,
            ErrorKind::BackendGarbage => types::ErrorKind::BackendGarbage,
            ErrorKind::BadConfig => types::ErrorKind::BadConfig,
            ErrorKind::NotApplicable => types::ErrorKind::NotApplicable,
            ErrorKind::Internal => types::ErrorKind::Internal,
        };
        types::RenderError {
            kind,
            detail: self.detail,
        }
    }

    /// The SDK's error from the contract's (the native test harness reads renders back).
    #[cfg(feature = "testing")]
    pub(crate) fn from_wit(e: types::RenderError) -> Self {
        let kind = match e.kind {
            types::ErrorKind::BackendUnavailable => ErrorKind::BackendUnavailable,
            types::ErrorKind::BackendGarbage => ErrorKind::BackendGarbage,
            types::ErrorKind::BadConfig => ErrorKind::BadConfig,
            types::ErrorKind::NotApplicable => ErrorKind::NotApplicable,
            types::ErrorKind::Internal => ErrorKind::Internal,
        };
        ChannelError { kind, detail: e.detail }
    }
}

impl From<crate::backend::FetchError> for ChannelError {
    fn from(e: crate::backend::FetchError) -> Self {
        use crate::backend::FetchError as F;
        match e {
            F::NotGranted(m) => ChannelError::bad_config(format!("back-end not granted: {m}")),
            F::InvalidRequest(m) => ChannelError::internal(format!("invalid back-end request: {m}")),
            other => ChannelError::backend_unavailable(other.to_string()),
        }
    }
}

impl std::fmt::Display for ChannelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            ErrorKind::BackendUnavailable => "back-end unavailable",
            ErrorKind::BackendGarbage => "back-end answered garbage",
            ErrorKind::BadConfig => "bad configuration",
            ErrorKind::NotApplicable => "not applicable",
            ErrorKind::Internal => "internal error",
        };
        write!(f, "{kind}: {}", self.detail)
    }
}

impl std::error::Error for ChannelError {}

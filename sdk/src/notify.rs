//! Notifications for the signed-in person (granted by `[notifications]`): "new grade
//! published", "2 new messages". The portal shows them in its notification list and counts
//! the unread ones in its header. Raising the same key again with the same text changes
//! nothing, so a channel may raise what it sees at every render; with other text it replaces
//! the previous one and is unread again. They are kept only if the render succeeds.

use crate::bindings::agora::channel0_1_0::notify as wit;

/// One notification: text only (the portal escapes it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notification {
    /// Stable id within the channel for this person (`grade:MAT101:1`), at most 128 bytes.
    pub key: String,
    /// At most 120 characters.
    pub title: String,
    /// At most 400 characters (may be empty).
    pub body: String,
    /// A path on the portal (`/?tab=studies`) or an `https://` URL.
    pub link: Option<String>,
}

/// Why a notification was not raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyError {
    /// The manifest has no `[notifications]` section.
    NotGranted(String),
    /// Empty key, text too long, or a link that is neither a portal path nor https.
    Invalid(String),
    /// The render raised `max_per_render` already.
    BudgetExhausted,
}

/// Raise `notification` for the person the page is rendered for.
pub fn raise(notification: &Notification) -> Result<(), NotifyError> {
    crate::host::raise(&wit::Notification {
        key: notification.key.clone(),
        title: notification.title.clone(),
        body: notification.body.clone(),
        link: notification.link.clone(),
    })
    .map_err(|e| match e {
        wit::NotifyError::NotGranted(m) => NotifyError::NotGranted(m),
        wit::NotifyError::Invalid(m) => NotifyError::Invalid(m),
        wit::NotifyError::BudgetExhausted => NotifyError::BudgetExhausted,
    })
}

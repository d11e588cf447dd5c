//! The signed-in user's mailboxes, read by the host (granted by `[mail] mailboxes`).

use crate::bindings::agora::channel0_1_0::mail as wit;
use crate::error::ChannelError;

/// One message's headers, as sent (decode RFC 2047 words before showing them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// IMAP UID.
    pub uid: u32,
    /// `From:`.
    pub from: String,
    /// `Subject:`.
    pub subject: String,
    /// `Date:`.
    pub date: String,
    /// Already read.
    pub seen: bool,
}

/// Counts and the latest messages of a mailbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Mailbox name.
    pub mailbox: String,
    /// Messages.
    pub messages: u32,
    /// Unread messages.
    pub unseen: u32,
    /// Latest messages.
    pub latest: Vec<Message>,
}

/// Summary of `mailbox` with at most `latest` messages.
pub fn summary(mailbox: &str, latest: u32) -> Result<Summary, ChannelError> {
    match crate::host::mail_summary(mailbox, latest) {
        Ok(s) => Ok(Summary {
            mailbox: s.mailbox,
            messages: s.messages,
            unseen: s.unseen,
            latest: s
                .latest
                .into_iter()
                .map(|m| Message {
                    uid: m.uid,
                    from: m.from,
                    subject: m.subject,
                    date: m.date,
                    seen: m.seen,
                })
                .collect(),
        }),
        Err(wit::MailError::NotGranted(m)) => Err(ChannelError::not_applicable(format!("mail: {m}"))),
        Err(wit::MailError::AuthFailed(m)) => {
            Err(ChannelError::backend_unavailable(format!("mail login refused: {m}")))
        }
        Err(wit::MailError::Unavailable(m)) => Err(ChannelError::backend_unavailable(format!("mail: {m}"))),
    }
}

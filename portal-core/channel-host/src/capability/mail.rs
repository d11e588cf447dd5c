//! `agora:channel/mail`: counts and latest headers of the signed-in user's mailboxes that
//! `[mail] mailboxes` lists, read by the portal's IMAP client with credentials the channel
//! never sees (a CAS proxy ticket or a master user). Each summary counts against
//! `limits.requests`.

use super::shape::{Capability, Getter, HasView, View, grant_error};
use crate::bindings::agora::channel0_1_0::mail::{self as wit, Host, MailError, Message};
use crate::ledger::quoted;
use crate::manifest::{ChannelManifest, MailGrant, ManifestError};
use std::sync::Arc;
use wasmtime::component::{Component, Linker};

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

/// The mail capability.
pub struct Mail;

/// Per-render state: the grant (if any) and the user's mail (if any).
pub struct MailState {
    grant: Option<Arc<MailGrant>>,
    service: Option<Arc<dyn MailService>>,
}

impl Capability for Mail {
    const INTERFACE: &'static str = "agora:channel/mail";
    type Grant = Option<Arc<MailGrant>>;
    type Hook = Option<Arc<dyn MailService>>;
    type State = MailState;

    fn grant(manifest: &ChannelManifest) -> Result<Option<Arc<MailGrant>>, ManifestError> {
        match &manifest.mail {
            Some(m) if m.mailboxes.is_empty() => Err(grant_error(
                manifest,
                "mail.mailboxes",
                "list the mailboxes the channel may summarise, e.g. [\"INBOX\"]",
            )),
            other => Ok(other.clone().map(Arc::new)),
        }
    }

    fn prepare(grant: &Option<Arc<MailGrant>>, service: Option<Arc<dyn MailService>>) -> MailState {
        MailState {
            grant: grant.clone(),
            service,
        }
    }

    fn link<T: Send + 'static>(
        linker: &mut Linker<T>,
        _component: &Component,
        get: Getter<T, MailState>,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasView<MailState>>(linker, get)
    }
}

impl Host for View<'_, MailState> {
    async fn summary(&mut self, mailbox: String, latest: u32) -> Result<wit::MailboxSummary, MailError> {
        if self.ledger.take_request().is_err() {
            return Err(MailError::Unavailable("request budget of this render spent".into()));
        }
        let granted = self
            .state
            .grant
            .as_ref()
            .is_some_and(|m| m.mailboxes.iter().any(|b| b == &mailbox));
        if !granted {
            let name = quoted(&mailbox);
            let msg = format!("add \"{name}\" to [mail] mailboxes in channel.toml");
            self.ledger.refuse(&format!("mailbox `{name}`: {msg}"));
            return Err(MailError::NotGranted(msg));
        }
        let Some(mail) = self.state.service.clone() else {
            return Err(MailError::NotGranted(
                "no mail server is configured on this portal ([mail] in portal.toml), or nobody is signed in".into(),
            ));
        };
        let result = self.ledger.host_work(mail.summary(&mailbox, latest.min(50))).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(MailFailure::AuthFailed(_)) => "auth_failed",
            Err(MailFailure::Unavailable(_)) => "unavailable",
        };
        metrics::counter!("agora_mail_requests_total", "outcome" => outcome).increment(1);
        match result {
            Ok(s) => Ok(wit::MailboxSummary {
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
            Err(MailFailure::AuthFailed(m)) => Err(MailError::AuthFailed(m)),
            Err(MailFailure::Unavailable(m)) => Err(MailError::Unavailable(m)),
        }
    }
}

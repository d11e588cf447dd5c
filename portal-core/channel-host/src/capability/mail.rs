//! `agora:channel/mail`: counts and latest headers of the signed-in user's mailboxes that
//! `[mail] mailboxes` lists, read by the portal's IMAP client with credentials the channel
//! never sees (a CAS proxy ticket or a master user).

use crate::bindings::agora::channel::mail::{Host, MailError, MailboxSummary, Message};
use crate::render::{MailFailure, RenderState};
use std::time::Instant;

impl Host for RenderState {
    async fn summary(&mut self, mailbox: String, latest: u32) -> Result<MailboxSummary, MailError> {
        let granted = self
            .manifest
            .mail
            .as_ref()
            .is_some_and(|m| m.mailboxes.iter().any(|b| b == &mailbox));
        if !granted {
            let msg = format!("add \"{mailbox}\" to [mail] mailboxes in channel.toml");
            self.refusals.push(format!("mailbox `{mailbox}`: {msg}"));
            return Err(MailError::NotGranted(msg));
        }
        let Some(mail) = self.mail.clone() else {
            return Err(MailError::NotGranted(
                "no mail server is configured on this portal ([mail] in portal.toml), or nobody is signed in".into(),
            ));
        };
        if self.requests_made >= self.limits.requests {
            return Err(MailError::Unavailable("request budget of this render spent".into()));
        }
        self.requests_made += 1;
        let started = Instant::now();
        let result = mail.summary(&mailbox, latest.min(50)).await;
        self.host_wait += started.elapsed();
        let outcome = match &result {
            Ok(_) => "ok",
            Err(MailFailure::AuthFailed(_)) => "auth_failed",
            Err(MailFailure::Unavailable(_)) => "unavailable",
        };
        metrics::counter!("agora_mail_requests_total", "outcome" => outcome).increment(1);
        match result {
            Ok(s) => Ok(MailboxSummary {
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

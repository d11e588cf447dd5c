//! SMS to a group or a population through ESUP SMS-U, for the staff allowed to send
//! (`[sms] sender_uids`, `sender_populations`). The portal holds SMS-U's application
//! credentials ([`client`]); the sender picks an audience — one of their self-managed
//! groups or a population the establishment offers (`[sms] populations`) — and writes the
//! text; the portal counts the recipients who have a number (`[sms] phone_attribute`, read
//! from the directory at that moment, never kept) and asks SMS-U whether the account's quota
//! allows it before anything leaves. A send to more than `[sms] approval_over` recipients
//! waits for an approver (`approver_uids`, `approver_populations`; never the sender), who is
//! told in their notifications. Each send's status is SMS-U's (`MessageInfos`).

pub mod client;

use crate::config::SmsConfig;
use crate::people::{Person, PersonResolver, SourcesDirectory};
use crate::storage::{Storage, StorageError, StoredSms};
use client::{SmsuClient, SmsuError, TrackInfos};
use std::sync::Arc;

/// The source of the notifications SMS sends raise.
pub const NOTIFICATION_SOURCE: &str = "portal:sms";

/// Who receives a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The members of a self-managed group.
    Group(String),
    /// The people of a population.
    Population(String),
}

impl Audience {
    /// From its form value (`group:<id>`, `population:<id>`).
    pub fn parse(value: &str) -> Option<Self> {
        match value.split_once(':')? {
            ("group", id) if !id.is_empty() => Some(Audience::Group(id.to_string())),
            ("population", id) if !id.is_empty() => Some(Audience::Population(id.to_string())),
            _ => None,
        }
    }

    /// Its form value.
    pub fn value(&self) -> String {
        match self {
            Audience::Group(id) => format!("group:{id}"),
            Audience::Population(id) => format!("population:{id}"),
        }
    }
}

/// Why a send did not happen (each has a message: `sms.error.*`).
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The person may not send, or not to this audience, or not approve this.
    #[error("not allowed")]
    NotAllowed,
    /// Empty or too long a text.
    #[error("the text is empty or too long")]
    BadText,
    /// Nobody in the audience has a number.
    #[error("nobody to send to")]
    NoRecipient,
    /// More recipients than `[sms] max_recipients`.
    #[error("too many recipients")]
    TooMany,
    /// SMS-U said no or did not answer.
    #[error(transparent)]
    Smsu(#[from] SmsuError),
    /// The directory could not list the audience.
    #[error("the directory is unavailable: {0}")]
    Directory(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl SmsError {
    /// The i18n key of the message shown.
    pub fn key(&self) -> &'static str {
        match self {
            SmsError::NotAllowed => "sms.error.not_allowed",
            SmsError::BadText => "sms.error.text",
            SmsError::NoRecipient => "sms.error.no_recipient",
            SmsError::TooMany => "sms.error.too_many",
            SmsError::Smsu(SmsuError::Quota) => "sms.error.quota",
            SmsError::Smsu(SmsuError::Invalid(_)) => "sms.error.refused",
            SmsError::Smsu(_) | SmsError::Directory(_) => "sms.error.unavailable",
            SmsError::Storage(_) => "notice.storage_unavailable",
        }
    }
}

/// What is needed to read an audience: people, their groups, the populations.
pub struct Directory<'a> {
    /// Attributes of one person (group members).
    pub people: &'a PersonResolver,
    /// Everyone the directory lists (population audiences).
    pub everyone: &'a SourcesDirectory,
    /// Groups (members, and the people's groups for group-based populations).
    pub groups: &'a crate::groups::Groups,
    /// The populations.
    pub populations: &'a agora_population::PopulationSet,
}

/// SMS sending for one tenant (cheap to clone).
#[derive(Clone)]
pub struct Sms {
    client: SmsuClient,
    storage: Storage,
    settings: Arc<SmsConfig>,
}

/// A send's recipients, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients {
    /// The numbers (never shown, never kept).
    pub numbers: Vec<String>,
    /// People of the audience without a usable number.
    pub without_number: usize,
}

/// A send as its sender sees it, with SMS-U's tracking when sent.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SendView {
    /// The send.
    pub sms: StoredSms,
    /// SMS-U's tracking (`None` before it is sent, or when SMS-U does not answer).
    pub track: Option<TrackInfos>,
}

impl Sms {
    /// SMS over `client`, kept in `storage`.
    pub fn new(client: SmsuClient, storage: Storage, settings: SmsConfig) -> Self {
        Sms {
            client,
            storage,
            settings: Arc::new(settings),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &SmsConfig {
        &self.settings
    }

    /// Whether `person`, of `populations`, may send.
    pub fn may_send(&self, person: &Person, populations: &[String]) -> bool {
        let s = &self.settings;
        person.is_signed_in()
            && (s.sender_uids.contains(&person.uid) || s.sender_populations.iter().any(|p| populations.contains(p)))
    }

    /// Whether `person`, of `populations`, may approve large sends.
    pub fn may_approve(&self, person: &Person, populations: &[String]) -> bool {
        let s = &self.settings;
        person.is_signed_in()
            && (s.approver_uids.contains(&person.uid) || s.approver_populations.iter().any(|p| populations.contains(p)))
    }

    /// The audiences `person` may send to: their groups (as a member), then the offered
    /// populations, as (form value, name).
    pub async fn audiences(
        &self,
        person: &Person,
        groups: &crate::groups::Groups,
        populations: &agora_population::PopulationSet,
        locale: &str,
    ) -> Result<Vec<(String, String)>, StorageError> {
        let mut out: Vec<(String, String)> = groups
            .member_of(&person.uid)
            .await?
            .iter()
            .map(|(id, name)| (Audience::Group(id.clone()).value(), name.clone()))
            .collect();
        for id in &self.settings.populations {
            out.push((
                Audience::Population(id.clone()).value(),
                populations.label_of(id, locale),
            ));
        }
        Ok(out)
    }

    fn number_of(&self, attributes: &agora_channel_host::Attributes) -> Option<String> {
        attributes
            .get(&self.settings.phone_attribute)
            .and_then(|v| v.iter().find_map(|n| client::normalise(n)))
    }

    /// Who `audience` reaches now. `sender` must be a member of a group audience, and a
    /// population audience must be one the establishment offers.
    pub async fn recipients(
        &self,
        sender: &str,
        audience: &Audience,
        dir: &Directory<'_>,
        now_ms: i64,
    ) -> Result<Recipients, SmsError> {
        let mut numbers = Vec::new();
        let mut without_number = 0;
        match audience {
            Audience::Group(id) => {
                if !dir.groups.member_of(sender).await?.iter().any(|(g, _)| g == id) {
                    return Err(SmsError::NotAllowed);
                }
                for m in self.storage.group_members(id).await? {
                    if !matches!(m.state.as_str(), "member" | "admin") {
                        continue;
                    }
                    let resolved = dir.people.resolve(&m.uid, Default::default()).await;
                    match self.number_of(&resolved.person.attributes) {
                        Some(n) => numbers.push(n),
                        None => without_number += 1,
                    }
                }
            }
            Audience::Population(id) => {
                if !self.settings.populations.contains(id) {
                    return Err(SmsError::NotAllowed);
                }
                for person in self.people_in(std::slice::from_ref(id), dir, now_ms).await? {
                    match self.number_of(&person.attributes) {
                        Some(n) => numbers.push(n),
                        None => without_number += 1,
                    }
                }
            }
        }
        numbers.sort();
        numbers.dedup();
        if numbers.len() > self.settings.max_recipients as usize {
            return Err(SmsError::TooMany);
        }
        Ok(Recipients {
            numbers,
            without_number,
        })
    }

    /// The people the directory lists (with their groups) who belong to one of `populations`.
    async fn people_in(
        &self,
        populations: &[String],
        dir: &Directory<'_>,
        now_ms: i64,
    ) -> Result<Vec<Person>, SmsError> {
        let everyone = dir
            .everyone
            .everyone(self.settings.max_recipients.saturating_add(1))
            .await
            .map_err(|e| SmsError::Directory(e.to_string()))?;
        let mut found = Vec::new();
        for attributes in everyone {
            let Some(uid) = attributes.get("uid").and_then(|v| v.first()).cloned() else {
                continue;
            };
            let person = dir
                .groups
                .attach(Person {
                    uid,
                    attributes: Arc::new(attributes),
                })
                .await;
            let theirs = crate::people::populations::memberships(dir.populations, &person, now_ms);
            if populations.iter().any(|p| theirs.contains(p)) {
                found.push(person);
            }
        }
        Ok(found)
    }

    /// Who approves large sends: `approver_uids`, and the people of `approver_populations`
    /// the directory lists, but never `sender`.
    pub async fn approvers(&self, sender: &str, dir: &Directory<'_>, now_ms: i64) -> Result<Vec<String>, SmsError> {
        let mut out: Vec<String> = self.settings.approver_uids.clone();
        if !self.settings.approver_populations.is_empty() {
            let people = self.people_in(&self.settings.approver_populations, dir, now_ms).await?;
            out.extend(people.into_iter().map(|p| p.uid));
        }
        out.retain(|uid| uid != sender);
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Check the text.
    pub fn check_text(&self, message: &str) -> Result<String, SmsError> {
        let text = message.trim();
        if text.is_empty() || text.chars().count() > self.settings.max_chars as usize {
            return Err(SmsError::BadText);
        }
        Ok(text.to_string())
    }

    /// Whether SMS-U's account allows `count` more SMS.
    pub async fn check_quota(&self, count: usize) -> Result<(), SmsError> {
        Ok(self.client.check_quota(&self.settings.account, count).await?)
    }

    /// Whether a send to `count` recipients waits for an approver.
    pub fn needs_approval(&self, count: usize) -> bool {
        count > self.settings.approval_over as usize
    }

    /// Send (or, above the threshold, keep for an approver) `message` from `sender` to
    /// `audience`, whose recipients are `to`. Returns the stored send.
    pub async fn submit(
        &self,
        sender: &str,
        audience: &Audience,
        audience_label: &str,
        to: &Recipients,
        message: &str,
        now_ms: i64,
    ) -> Result<StoredSms, SmsError> {
        if to.numbers.is_empty() {
            return Err(SmsError::NoRecipient);
        }
        let mut sms = StoredSms {
            id: 0,
            sender: sender.to_string(),
            audience: audience.value(),
            audience_label: audience_label.to_string(),
            recipients: to.numbers.len() as i64,
            message: message.to_string(),
            state: "awaiting".into(),
            smsu_id: None,
            created_at_ms: now_ms,
            decided_by: None,
            error: None,
        };
        if self.needs_approval(to.numbers.len()) {
            self.check_quota(to.numbers.len()).await?;
            sms.id = self.storage.insert_sms(&sms).await?;
            return Ok(sms);
        }
        let sent = self.client.send(&self.settings.account, &to.numbers, message).await;
        match sent {
            Ok(id) => {
                sms.state = "sent".into();
                sms.smsu_id = Some(id);
                sms.id = self.storage.insert_sms(&sms).await?;
                tracing::info!(sender, audience = %sms.audience, recipients = sms.recipients, smsu_id = id, "SMS sent");
                Ok(sms)
            }
            Err(e) => {
                sms.state = "failed".into();
                sms.error = Some(e.to_string());
                self.storage.insert_sms(&sms).await?;
                Err(e.into())
            }
        }
    }

    /// Approver `approver` decides on the awaiting send `id`: the recipients are read again
    /// (`to`) and the SMS leaves, or the send is refused. `Ok(None)` when it was not
    /// awaiting (another approver was first); refused for the send's own sender.
    pub async fn decide(
        &self,
        id: i64,
        approver: &str,
        approve: bool,
        to: Option<&Recipients>,
        now_ms: i64,
    ) -> Result<Option<StoredSms>, SmsError> {
        let Some(sms) = self.storage.sms(id).await? else {
            return Ok(None);
        };
        if sms.sender == approver {
            return Err(SmsError::NotAllowed);
        }
        let state = if approve { "sending" } else { "refused" };
        if !self.storage.decide_sms(id, approver, state, now_ms).await? {
            return Ok(None);
        }
        if approve {
            let outcome = match to {
                Some(to) if !to.numbers.is_empty() => self
                    .client
                    .send(&self.settings.account, &to.numbers, &sms.message)
                    .await
                    .map_err(|e| e.to_string()),
                _ => Err(SmsError::NoRecipient.to_string()),
            };
            match &outcome {
                Ok(smsu_id) => self.storage.sms_outcome(id, Some(*smsu_id), None).await?,
                Err(why) => self.storage.sms_outcome(id, None, Some(why)).await?,
            }
            tracing::info!(approver, id, sent = outcome.is_ok(), "large SMS send decided");
        }
        Ok(self.storage.sms(id).await?)
    }

    /// `sender`'s latest sends with SMS-U's tracking.
    pub async fn history(&self, sender: &str) -> Result<Vec<SendView>, StorageError> {
        let mut out = Vec::new();
        for sms in self.storage.sms_of(sender, 10).await? {
            let track = match sms.smsu_id {
                Some(id) => self.client.infos(id).await.ok(),
                None => None,
            };
            out.push(SendView { sms, track });
        }
        Ok(out)
    }

    /// The sends awaiting an approver.
    pub async fn awaiting(&self) -> Result<Vec<StoredSms>, StorageError> {
        self.storage.sms_awaiting(50).await
    }

    /// The send `id`.
    pub async fn get(&self, id: i64) -> Result<Option<StoredSms>, StorageError> {
        self.storage.sms(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::Audience;

    #[test]
    fn audiences_round_trip_and_nothing_else_parses() {
        for a in [Audience::Group("chorale".into()), Audience::Population("staff".into())] {
            assert_eq!(Audience::parse(&a.value()), Some(a));
        }
        assert_eq!(Audience::parse("group:"), None);
        assert_eq!(Audience::parse("uid:alice"), None);
        assert_eq!(Audience::parse("nothing"), None);
    }
}

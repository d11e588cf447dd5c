//! Self-managed groups (the bureau virtuel's structural feature): anyone signed in creates
//! a group that is public (anyone joins), closed (joining is a request its administrators
//! accept or refuse) or private (by invitation only); administrators invite, accept,
//! remove and promote. [`rules`] decides who may; [`Groups`] applies it, keeps it in the
//! tenant's storage (every change audited), tells the people concerned through their
//! notifications, and hands a person's groups to the rest of the portal:
//!
//! - as the attributes [`GROUP_ATTRIBUTE`] (ids) and [`GROUP_NAME_ATTRIBUTE`] (names, same
//!   order), whatever the directory or the sign-on said under those names: population
//!   rules (`{ group = "…" }`) and so fragments and announcements can address a group, and
//!   channels granted those attributes (the "my groups" channel) read them;
//! - through a per-person cache dropped on every change here and, with several nodes, by
//!   the others' messages; a lost message is made good within [`Groups::TTL`].

pub mod rules;
pub mod seed;

use crate::people::Person;
use crate::storage::{AuditEntry, Storage, StorageError, StoredGroup, StoredMember};
use rules::{Refusal, Standing, Visibility};
use std::sync::Arc;

/// The attribute holding the ids of the person's groups (members and administrators).
pub const GROUP_ATTRIBUTE: &str = "agoraGroup";
/// The attribute holding their names, in the same order.
pub const GROUP_NAME_ATTRIBUTE: &str = "agoraGroupName";
/// The source of the notifications groups send.
pub const NOTIFICATION_SOURCE: &str = "portal:groups";

const GROUPS_EVENT: &str = "groups:";
const SEPARATOR: char = '\u{1f}';

/// The title of a notification the portal itself raised ([`NOTIFICATION_SOURCE`], the
/// SMS approvals) in the reader's language: `stored` is the message's i18n key and the
/// name it names; `say` gives the message.
pub fn notification_title(stored: &str, say: impl Fn(&str) -> String) -> String {
    match stored.split_once(SEPARATOR) {
        Some((key, name)) if key.starts_with("groups.notify.") || key.starts_with("sms.notify.") => {
            say(key).replace("{group}", name).replace("{name}", name)
        }
        _ => stored.to_string(),
    }
}

/// How [`notification_title`] reads a stored title: `key` and `name`.
pub fn stored_title(key: &str, name: &str) -> String {
    format!("{key}{SEPARATOR}{name}")
}

/// Why a group action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// The rules refuse it.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// What was typed cannot be used (the i18n key says why).
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A group as one person sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupView {
    /// The group.
    pub group: StoredGroup,
    /// The person's standing.
    pub standing: Standing,
    /// Everyone in it with their state (members only see it; empty otherwise).
    pub members: Vec<StoredMember>,
    /// Its changes, newest first (administrators only; empty otherwise).
    pub audit: Vec<AuditEntry>,
}

/// What a person asks for a new group.
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// Id wished (a slug); made from the name when empty.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Visibility.
    pub visibility: Visibility,
}

#[derive(Debug)]
struct Attached {
    base: Arc<agora_channel_host::Attributes>,
    groups: Arc<Vec<(String, String)>>,
    attributes: Arc<agora_channel_host::Attributes>,
}

/// Groups of one tenant, through a per-person cache (cheap to clone).
#[derive(Clone)]
pub struct Groups {
    storage: Storage,
    events: agora_shared::Events,
    /// uid → (id, name) of the groups they are a member of.
    mine: moka::future::Cache<String, Arc<Vec<(String, String)>>>,
    /// uid → their attributes with their groups, kept so that the same attributes give the
    /// same `Arc` (the populations cache compares by identity).
    attached: moka::sync::Cache<String, Arc<Attached>>,
}

/// Most changes shown to a group's administrators.
const AUDIT_SHOWN: i64 = 50;

/// A slug from `text`: lower-case ASCII letters, digits and dashes, at most 40 bytes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in crate::text::fold(text).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

impl Groups {
    /// How long a person's cached groups are trusted without reading the store.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    /// Groups over `storage`, told of other nodes' changes by `events`. Must be called
    /// within a Tokio runtime.
    pub fn new(storage: Storage, events: agora_shared::Events) -> Self {
        let mine: moka::future::Cache<String, Arc<Vec<(String, String)>>> = moka::future::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(Self::TTL)
            .build();
        crate::forget::on_events(&events, GROUPS_EVENT, mine.clone());
        Groups {
            storage,
            events,
            mine,
            attached: moka::sync::Cache::new(100_000),
        }
    }

    async fn changed(&self, uid: &str) {
        self.mine.invalidate(uid).await;
        let _ = self.events.publish(&format!("{GROUPS_EVENT}{uid}")).await;
    }

    /// The (id, name) of the groups `uid` is a member of.
    pub async fn member_of(&self, uid: &str) -> Result<Arc<Vec<(String, String)>>, StorageError> {
        if let Some(hit) = self.mine.get(uid).await {
            return Ok(hit);
        }
        let found: Vec<(String, String)> = self
            .storage
            .groups_of(uid)
            .await?
            .into_iter()
            .filter(|(_, state)| Standing::parse(state).is_some_and(Standing::is_member))
            .map(|(g, _)| (g.id, g.name))
            .collect();
        let found = Arc::new(found);
        self.mine.insert(uid.to_string(), found.clone()).await;
        Ok(found)
    }

    /// `person` with their groups as [`GROUP_ATTRIBUTE`] and [`GROUP_NAME_ATTRIBUTE`]
    /// (replacing whatever a source said under those names). When the store cannot be
    /// read, the person has no group (logged).
    pub async fn attach(&self, mut person: Person) -> Person {
        if !person.is_signed_in() {
            return person;
        }
        let groups = match self.member_of(&person.uid).await {
            Ok(groups) => groups,
            Err(e) => {
                tracing::warn!("cannot read the person's groups: {e}");
                Arc::new(Vec::new())
            }
        };
        if let Some(kept) = self.attached.get(&person.uid)
            && Arc::ptr_eq(&kept.base, &person.attributes)
            && Arc::ptr_eq(&kept.groups, &groups)
        {
            person.attributes = kept.attributes.clone();
            return person;
        }
        let base = person.attributes.clone();
        let mut attributes = (*base).clone();
        attributes.remove(GROUP_ATTRIBUTE);
        attributes.remove(GROUP_NAME_ATTRIBUTE);
        if !groups.is_empty() {
            attributes.insert(
                GROUP_ATTRIBUTE.into(),
                groups.iter().map(|(id, _)| id.clone()).collect(),
            );
            attributes.insert(
                GROUP_NAME_ATTRIBUTE.into(),
                groups.iter().map(|(_, n)| n.clone()).collect(),
            );
        }
        let attributes = Arc::new(attributes);
        self.attached.insert(
            person.uid.clone(),
            Arc::new(Attached {
                base,
                groups,
                attributes: attributes.clone(),
            }),
        );
        person.attributes = attributes;
        person
    }

    async fn standing(&self, group: &str, uid: &str) -> Result<Standing, StorageError> {
        Ok(self
            .storage
            .member_state(group, uid)
            .await?
            .as_deref()
            .and_then(Standing::parse)
            .unwrap_or(Standing::Outsider))
    }

    /// The group `id` and `uid`'s standing in it; a private group is not found by an
    /// outsider.
    async fn load(&self, id: &str, uid: &str) -> Result<(StoredGroup, Visibility, Standing), GroupError> {
        let group = self.storage.group(id).await?.ok_or(Refusal::NotFound)?;
        let visibility = Visibility::parse(&group.visibility).unwrap_or(Visibility::Private);
        let standing = self.standing(id, uid).await?;
        rules::may_see(visibility, standing)?;
        Ok((group, visibility, standing))
    }

    async fn admins(&self, id: &str) -> Result<Vec<String>, StorageError> {
        Ok(self
            .storage
            .group_members(id)
            .await?
            .into_iter()
            .filter(|m| m.state == "admin")
            .map(|m| m.uid)
            .collect())
    }

    async fn tell(&self, uid: &str, key: &str, text_key: &str, group: &StoredGroup, now: i64) {
        // Kept as the message's key and the group's name: the list says it in the reader's
        // language ([`notification_title`]).
        let title = format!("{text_key}{SEPARATOR}{}", group.name);
        let link = format!("/groups/{}", group.id);
        let source = NOTIFICATION_SOURCE;
        match self.storage.notify_person(uid, source, key, &title, &link, now).await {
            Ok(()) => {
                // The inbox of that person changed: its cache is dropped by the same event
                // name the inbox listens to.
                let _ = self.events.publish(&format!("inbox:{uid}")).await;
            }
            Err(e) => tracing::warn!(group = %group.id, "cannot tell a person about a group: {e}"),
        }
    }

    /// What `uid` sees of the group `id`.
    pub async fn view(&self, id: &str, uid: &str) -> Result<GroupView, GroupError> {
        let (group, visibility, standing) = self.load(id, uid).await?;
        let members = if rules::may_list_members(visibility, standing).is_ok() {
            let all = self.storage.group_members(id).await?;
            if standing == Standing::Admin {
                all
            } else {
                // Members see who is in, not who asked or who is invited.
                all.into_iter()
                    .filter(|m| Standing::parse(&m.state).is_some_and(Standing::is_member))
                    .collect()
            }
        } else {
            Vec::new()
        };
        let audit = if standing == Standing::Admin {
            self.storage.group_audit(id, AUDIT_SHOWN).await?
        } else {
            Vec::new()
        };
        Ok(GroupView {
            group,
            standing,
            members,
            audit,
        })
    }

    /// The groups `uid` is in or pending in, with their standing.
    pub async fn mine(&self, uid: &str) -> Result<Vec<(StoredGroup, Standing)>, StorageError> {
        Ok(self
            .storage
            .groups_of(uid)
            .await?
            .into_iter()
            .filter_map(|(g, s)| Standing::parse(&s).map(|s| (g, s)))
            .collect())
    }

    /// Public and closed groups whose name or description hold every word of `query`.
    pub async fn find(&self, query: &str) -> Result<Vec<StoredGroup>, StorageError> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.storage.listed_groups(&words, 50).await
    }

    /// `uid` creates a group; returns its id.
    pub async fn create(&self, uid: &str, new: NewGroup, now: i64) -> Result<String, GroupError> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(GroupError::Invalid("groups.invalid.name"));
        }
        if new.description.chars().count() > 500 {
            return Err(GroupError::Invalid("groups.invalid.description"));
        }
        let id = slug(if new.id.trim().is_empty() { name } else { &new.id });
        if id.is_empty() {
            return Err(GroupError::Invalid("groups.invalid.name"));
        }
        let group = StoredGroup {
            id: id.clone(),
            name: name.to_string(),
            description: new.description.trim().to_string(),
            visibility: new.visibility.as_str().to_string(),
            created_by: uid.to_string(),
            created_at_ms: now,
        };
        if !self.storage.create_group(&group).await? {
            return Err(GroupError::Invalid("groups.invalid.taken"));
        }
        self.changed(uid).await;
        Ok(id)
    }

    /// `uid` joins `id` (a public group), asks to (closed), or accepts an invitation.
    /// Returns their standing after.
    pub async fn join(&self, id: &str, uid: &str, now: i64) -> Result<Standing, GroupError> {
        let (group, visibility, standing) = self.load(id, uid).await?;
        let after = rules::join(visibility, standing)?;
        let (state, action) = match (standing, after) {
            (Standing::Invited, _) => ("member", "accepted-invitation"),
            (_, Standing::Requested) => ("requested", "requested"),
            _ => ("member", "joined"),
        };
        self.storage.set_member(id, uid, state, uid, action, now).await?;
        if after == Standing::Requested {
            for admin in self.admins(id).await? {
                self.tell(
                    &admin,
                    &format!("request:{id}:{uid}"),
                    "groups.notify.request",
                    &group,
                    now,
                )
                .await;
            }
        }
        self.changed(uid).await;
        Ok(after)
    }

    /// `uid` declines the invitation to `id`.
    pub async fn decline(&self, id: &str, uid: &str, now: i64) -> Result<(), GroupError> {
        let (_, _, standing) = self.load(id, uid).await?;
        rules::answer_invitation(standing)?;
        self.storage.remove_member(id, uid, uid, "declined", now).await?;
        Ok(())
    }

    /// `uid` leaves `id`.
    pub async fn leave(&self, id: &str, uid: &str, now: i64) -> Result<(), GroupError> {
        let (_, _, standing) = self.load(id, uid).await?;
        rules::leave(standing, self.admins(id).await?.len())?;
        self.storage.remove_member(id, uid, uid, "left", now).await?;
        self.changed(uid).await;
        Ok(())
    }

    /// `actor` lets `who` in: a member now, told so.
    async fn accept(&self, group: &StoredGroup, actor: &str, who: &str, now: i64) -> Result<(), GroupError> {
        let id = &group.id;
        self.storage
            .set_member(id, who, "member", actor, "accepted", now)
            .await?;
        self.tell(who, &format!("accepted:{id}"), "groups.notify.accepted", group, now)
            .await;
        self.changed(who).await;
        Ok(())
    }

    /// Administrator `actor` invites `who` to `id` (`who` must exist: the caller checks the
    /// directory). Someone who had asked to join is accepted.
    pub async fn invite(&self, id: &str, actor: &str, who: &str, now: i64) -> Result<Standing, GroupError> {
        let (group, visibility, mine) = self.load(id, actor).await?;
        let their = self.standing(id, who).await?;
        let after = rules::invite(visibility, mine, their)?;
        if after == Standing::Member {
            self.accept(&group, actor, who, now).await?;
        } else {
            self.storage
                .set_member(id, who, "invited", actor, "invited", now)
                .await?;
            self.tell(who, &format!("invited:{id}"), "groups.notify.invited", &group, now)
                .await;
        }
        Ok(after)
    }

    /// Administrator `actor` accepts (or refuses) `who`'s request to join `id`.
    pub async fn answer(&self, id: &str, actor: &str, who: &str, accept: bool, now: i64) -> Result<(), GroupError> {
        let (group, visibility, mine) = self.load(id, actor).await?;
        let their = self.standing(id, who).await?;
        rules::answer_request(visibility, mine, their)?;
        if accept {
            self.accept(&group, actor, who, now).await?;
        } else {
            self.storage.remove_member(id, who, actor, "refused", now).await?;
            self.tell(who, &format!("refused:{id}"), "groups.notify.refused", &group, now)
                .await;
        }
        Ok(())
    }

    /// Administrator `actor` removes `who` from `id` (or withdraws their invitation).
    pub async fn remove(&self, id: &str, actor: &str, who: &str, now: i64) -> Result<(), GroupError> {
        let (_, visibility, mine) = self.load(id, actor).await?;
        let their = self.standing(id, who).await?;
        rules::remove(visibility, mine, their, self.admins(id).await?.len())?;
        self.storage.remove_member(id, who, actor, "removed", now).await?;
        self.changed(who).await;
        Ok(())
    }

    /// Administrator `actor` makes member `who` an administrator of `id`.
    pub async fn promote(&self, id: &str, actor: &str, who: &str, now: i64) -> Result<(), GroupError> {
        let (_, visibility, mine) = self.load(id, actor).await?;
        let their = self.standing(id, who).await?;
        rules::promote(visibility, mine, their)?;
        self.storage
            .set_member(id, who, "admin", actor, "promoted", now)
            .await?;
        Ok(())
    }

    /// Administrator `actor` deletes `id`.
    pub async fn delete(&self, id: &str, actor: &str, now: i64) -> Result<(), GroupError> {
        let (_, visibility, mine) = self.load(id, actor).await?;
        rules::must_admin(visibility, mine)?;
        let members = self.storage.group_members(id).await?;
        self.storage.delete_group(id, actor, now).await?;
        for m in members {
            self.changed(&m.uid).await;
        }
        Ok(())
    }
}

//! A person's own page: the merge of their fragments plus their stored edits, with edits
//! that no longer apply kept aside and announced once, in their language.

use super::Site;
use crate::live::LiveConfig;
use crate::people::Person;
use crate::storage::{Storage, StorageError, StoredEdit};
use agora_layout::{Edit, Layout, Policy, Refusal, apply, replay};
use std::sync::Arc;

/// Users' edits, read through a small in-process cache: a page view costs no database
/// query when the user's edits have not changed. Every write through this type refreshes
/// the cache and tells the other nodes ([`agora_shared::Events`]), which drop their copy at
/// once; if that message is lost (Redis down), a write made on another node is seen here
/// after at most [`EditStore::TTL`].
#[derive(Clone)]
pub struct EditStore {
    storage: Storage,
    cache: moka::future::Cache<String, Arc<Vec<StoredEdit>>>,
    events: agora_shared::Events,
}

/// The event telling every node that a user's edits changed.
const EDITS_EVENT: &str = "edits:";

impl EditStore {
    /// How long cached edits are trusted without reading the store.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    /// A store of edits over `storage`, caching up to `users` users, told of other nodes'
    /// writes by `events`. Must be called within a Tokio runtime (it listens to `events`).
    pub fn new(storage: Storage, users: u64, events: agora_shared::Events) -> Self {
        let cache: moka::future::Cache<String, Arc<Vec<StoredEdit>>> = moka::future::Cache::builder()
            .max_capacity(users)
            .time_to_live(Self::TTL)
            .build();
        crate::forget::on_events(&events, EDITS_EVENT, cache.clone());
        EditStore { storage, cache, events }
    }

    /// Drop the cached edits of `uid` here and on every other node.
    async fn changed(&self, uid: &str) {
        self.cache.invalidate(uid).await;
        // A failure is logged by `publish`; the other nodes' copies expire within TTL.
        let _ = self.events.publish(&format!("{EDITS_EVENT}{uid}")).await;
    }

    /// Every edit of `uid`, oldest first.
    pub async fn edits(&self, uid: &str) -> Result<Arc<Vec<StoredEdit>>, StorageError> {
        if let Some(hit) = self.cache.get(uid).await {
            return Ok(hit);
        }
        let edits = Arc::new(self.storage.edits(uid).await?);
        self.cache.insert(uid.to_string(), edits.clone()).await;
        Ok(edits)
    }

    /// Append an edit.
    pub async fn add(&self, uid: &str, edit: &Edit) -> Result<(), StorageError> {
        let result = self.storage.add_edit(uid, edit).await.map(|_| ());
        self.changed(uid).await;
        result
    }

    /// Keep an edit aside with its reason.
    pub async fn set_aside(&self, uid: &str, id: i64, refusal: &Refusal) -> Result<(), StorageError> {
        let result = self.storage.set_aside(id, refusal).await;
        self.changed(uid).await;
        result
    }

    /// The user has been told about their set-aside edits.
    pub async fn mark_noticed(&self, uid: &str) -> Result<(), StorageError> {
        let result = self.storage.mark_noticed(uid).await;
        self.changed(uid).await;
        result
    }

    /// Forget every edit of `uid`.
    pub async fn reset(&self, uid: &str) -> Result<u64, StorageError> {
        let result = self.storage.reset_edits(uid).await;
        self.changed(uid).await;
        result
    }

    /// Replace every edit of `uid` (import).
    pub async fn replace(&self, uid: &str, edits: &[Edit]) -> Result<(), StorageError> {
        let result = self.storage.replace_edits(uid, edits).await;
        self.changed(uid).await;
        result
    }
}

/// What a person may do beyond the layout: add what their catalogue offers, set the
/// preferences channels declare.
pub struct UserPolicy<'a> {
    site: Site<'a>,
    live: &'a LiveConfig,
    memberships: &'a [String],
}

impl<'a> UserPolicy<'a> {
    /// The policy for a member of `memberships`.
    pub fn new(site: Site<'a>, live: &'a LiveConfig, memberships: &'a [String]) -> Self {
        UserPolicy {
            site,
            live,
            memberships,
        }
    }
}

impl Policy for UserPolicy<'_> {
    fn may_add(&self, publication: &str) -> bool {
        self.live.catalogue.may_add(self.memberships, publication)
    }

    fn check_preference(&self, publication: &str, key: &str, value: &str) -> Result<(), String> {
        let entry = self
            .site
            .registry
            .get(publication)
            .ok_or_else(|| "no such channel".to_string())?;
        let field = entry
            .channel
            .manifest
            .config
            .get(key)
            .ok_or_else(|| format!("the channel has no setting `{key}`"))?;
        field.preference_value(value).map(|_| ())
    }
}

/// A person's page, ready to show.
pub struct PersonalPage {
    /// The page after the edits that apply.
    pub layout: Layout,
    /// Every stored edit, set-aside ones included (for the API, "view as" and export).
    pub edits: Vec<StoredEdit>,
    /// Messages about edits newly set aside or not yet shown, in the user's language.
    pub notices: Vec<String>,
}

/// Build the page of `person` (member of `memberships`). With `commit`, edits that no longer
/// apply are stored as set aside and their notices marked as shown; without (view as), the
/// store is left untouched.
pub async fn personal_page(
    site: Site<'_>,
    live: &LiveConfig,
    person: &Person,
    memberships: &[String],
    locale: &str,
    commit: bool,
) -> Result<PersonalPage, StorageError> {
    let base = live.fragments.layout_for(person.is_signed_in(), memberships);
    if !person.is_signed_in() {
        return Ok(PersonalPage {
            layout: base,
            edits: Vec::new(),
            notices: Vec::new(),
        });
    }
    let mut edits: Vec<StoredEdit> = site.edits.edits(&person.uid).await?.as_ref().clone();
    let active: Vec<&StoredEdit> = edits.iter().filter(|e| e.set_aside.is_none()).collect();
    let ops: Vec<Edit> = active.iter().map(|e| e.edit.clone()).collect();
    let policy = UserPolicy::new(site, live, memberships);
    let replayed = replay(base, &ops, &policy);
    let mut newly: Vec<(i64, Refusal)> = Vec::new();
    for conflict in &replayed.conflicts {
        let id = active[conflict.index].id;
        tracing::info!(uid = %person.uid, edit = id, reason = %conflict.refusal, "edit no longer applies, set aside");
        if commit {
            site.edits.set_aside(&person.uid, id, &conflict.refusal).await?;
        }
        newly.push((id, conflict.refusal.clone()));
    }
    for (id, refusal) in newly {
        if let Some(e) = edits.iter_mut().find(|e| e.id == id) {
            e.set_aside = Some(refusal);
        }
    }
    let notices: Vec<String> = edits
        .iter()
        .filter(|e| !e.noticed)
        .filter_map(|e| {
            e.set_aside
                .as_ref()
                .map(|r| set_aside_notice(site, &replayed.layout, locale, &e.edit, r))
        })
        .collect();
    if commit && !notices.is_empty() {
        site.edits.mark_noticed(&person.uid).await?;
    }
    Ok(PersonalPage {
        layout: replayed.layout,
        edits,
        notices,
    })
}

/// Why a submitted edit was not stored.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// It does not apply to the page as it is (given, unchanged, to explain the refusal).
    #[error("{0}")]
    Refused(Refusal, Box<Layout>),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Guests have no page of their own.
    #[error("sign in to customise your page")]
    NotSignedIn,
}

/// Check `edit` against `person`'s page as it is now, and store it if it applies. Returns
/// the page after the edit.
pub async fn submit_edit(
    site: Site<'_>,
    live: &LiveConfig,
    person: &Person,
    memberships: &[String],
    edit: Edit,
) -> Result<Layout, EditError> {
    if !person.is_signed_in() {
        return Err(EditError::NotSignedIn);
    }
    let page = personal_page(site, live, person, memberships, "fr", false).await?;
    let mut layout = page.layout;
    if let Err(refusal) = apply(&mut layout, &edit, &UserPolicy::new(site, live, memberships)) {
        return Err(EditError::Refused(refusal, Box::new(layout)));
    }
    site.edits.add(&person.uid, &edit).await?;
    metrics::counter!("agora_layout_edits_total", "op" => op_name(&edit)).increment(1);
    Ok(layout)
}

/// The operation's name, as in JSON.
pub fn op_name(edit: &Edit) -> &'static str {
    match edit {
        Edit::AddChannel { .. } => "add-channel",
        Edit::RemoveChannel { .. } => "remove-channel",
        Edit::MoveChannel { .. } => "move-channel",
        Edit::AddTab { .. } => "add-tab",
        Edit::RemoveTab { .. } => "remove-tab",
        Edit::RenameTab { .. } => "rename-tab",
        Edit::MoveTab { .. } => "move-tab",
        Edit::SetColumns { .. } => "set-columns",
        Edit::SetPreference { .. } => "set-preference",
        Edit::SetFavourite { .. } => "set-favourite",
    }
}

/// The title of a publication in `locale` (its id if unknown).
pub fn channel_title(site: Site<'_>, locale: &str, publication: &str) -> String {
    site.registry
        .get(publication)
        .map(|e| e.publication.title.get(locale).to_string())
        .unwrap_or_else(|| publication.to_string())
}

fn tab_title(layout: &Layout, locale: &str, tab: &str) -> String {
    layout
        .tab(tab)
        .map(|t| t.title.get(locale).to_string())
        .unwrap_or_else(|| tab.to_string())
}

/// Fill `{channel}`, `{tab}` and `{title}` in a message.
fn fill(site: Site<'_>, layout: &Layout, locale: &str, template: &str, edit: &Edit) -> String {
    let channel = edit
        .publication()
        .map(|p| channel_title(site, locale, p))
        .unwrap_or_default();
    let tab = edit.tab().map(|t| tab_title(layout, locale, t)).unwrap_or_default();
    let title = match edit {
        Edit::AddTab { title, .. } | Edit::RenameTab { title, .. } => title.as_str(),
        _ => "",
    };
    template
        .replace("{channel}", &channel)
        .replace("{tab}", &tab)
        .replace("{title}", title)
}

/// "Your change “…” no longer applies: …", in the user's language.
pub fn set_aside_notice(site: Site<'_>, layout: &Layout, locale: &str, edit: &Edit, refusal: &Refusal) -> String {
    let catalog = &site.theme.catalog;
    let what = fill(
        site,
        layout,
        locale,
        catalog.get(locale, &format!("edit.op.{}", op_name(edit))),
        edit,
    );
    let why = reason_text(site, layout, locale, edit, refusal, refusal.key());
    catalog
        .get(locale, "notice.edit_set_aside")
        .replace("{edit}", &what)
        .replace("{reason}", &why)
}

/// Why an edit the user just submitted was refused, in the user's language. A channel the
/// catalogue does not offer is "not offered", never "no longer offered" (that is for edits
/// set aside because the catalogue changed).
pub fn refusal_text(site: Site<'_>, layout: &Layout, locale: &str, edit: &Edit, refusal: &Refusal) -> String {
    let key = match refusal {
        Refusal::NotInCatalogue { .. } => "edit.refused.not_offered",
        other => other.key(),
    };
    reason_text(site, layout, locale, edit, refusal, key)
}

/// The message `key` for `refusal`, filled in.
fn reason_text(site: Site<'_>, layout: &Layout, locale: &str, edit: &Edit, refusal: &Refusal, key: &str) -> String {
    let mut template = site.theme.catalog.get(locale, key).to_string();
    // The refusal may name another channel than the edit (a tab holding a mandatory one).
    let named = match refusal {
        Refusal::NotOnPage { publication }
        | Refusal::AlreadyOnPage { publication }
        | Refusal::NotInCatalogue { publication }
        | Refusal::ChannelLocked { publication }
        | Refusal::ChannelMandatory { publication } => Some(publication),
        Refusal::BadPreference {
            publication, reason, ..
        } => {
            template = template.replace("{reason}", reason);
            Some(publication)
        }
        _ => None,
    };
    if let Some(p) = named {
        template = template.replace("{channel}", &channel_title(site, locale, p));
    }
    fill(site, layout, locale, &template, edit)
}

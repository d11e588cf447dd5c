//! "An administrator views a person": the one path behind the view-as page, the view-as API,
//! the explain page and `agora-portal explain UID`. It resolves the person from the
//! directory alone (never from anyone's session), explains their populations, and says which
//! publications may not be shown to anyone but them
//! ([`crate::live::registry::Entry::personal_only`]).

use crate::clock::now_ms;
use crate::live::LiveConfig;
use crate::people::{PersonResolver, Resolved};
use agora_population::Explanation;
use std::sync::Arc;

/// Why there is nothing to view.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// No attribute source knows this uid (and none failed).
    #[error("no one with uid `{0}` is known to the directory")]
    Unknown(String),
}

/// A person as an administrator sees them.
pub struct PersonView {
    /// The person, from the directory (never from their session).
    pub resolved: Resolved,
    /// Why they are or are not in each population.
    pub explanations: Vec<Explanation>,
    /// The populations they belong to.
    pub memberships: Vec<String>,
    /// The live set this was computed with.
    pub live: Arc<LiveConfig>,
}

impl PersonView {
    /// View `uid` (a uid or any login the directory knows), with their groups.
    pub async fn of(
        people: &PersonResolver,
        groups: &crate::groups::Groups,
        live: Arc<LiveConfig>,
        uid: &str,
    ) -> Result<Self, ViewError> {
        let mut resolved = people.resolve(uid, Default::default()).await;
        if !resolved.known && resolved.failed_sources.is_empty() {
            return Err(ViewError::Unknown(uid.to_string()));
        }
        resolved.person = groups.attach(resolved.person).await;
        let explanations = crate::people::populations::explain(&live.populations, &resolved.person, now_ms());
        let memberships = explanations
            .iter()
            .filter(|e| e.outcome.matched)
            .map(|e| e.population.clone())
            .collect();
        Ok(PersonView {
            resolved,
            explanations,
            memberships,
            live,
        })
    }

    /// The explanations as text, one population after another.
    pub fn text(&self) -> String {
        self.explanations.iter().map(|e| e.to_text()).collect()
    }
}

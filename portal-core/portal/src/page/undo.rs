//! Undo of a destructive customisation: removing a service, deleting a tab (and what was in
//! it), going back to the institution's page. Before one of those, the user's edits as they
//! were are kept in their session ([`Undo`]); the next page offers "Undo", which puts them
//! back (`POST /layout/undo`). One undo at a time, the latest, for [`UNDO_FOR_MS`]; any other
//! edit forgets it, since putting the old edits back would silently undo that edit too.
//! Works the same with or without the script.

use super::EditStore;
use crate::storage::StorageError;
use agora_layout::Edit;

/// How long an undo is offered after the action, ms.
pub const UNDO_FOR_MS: i64 = 10 * 60_000;

/// What undoes one destructive customisation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Undo {
    /// The user's edits before it, oldest first (those set aside left out: they did not
    /// apply then either).
    pub edits: Vec<Edit>,
    /// The tab to show once undone.
    pub here: String,
    /// The control to focus there (see [`super::focus`]).
    pub focus: String,
    /// When the action was made, ms since the Unix epoch.
    pub at_ms: i64,
}

impl Undo {
    /// What undoes an action `uid` is about to make: their edits now. Once undone, the page
    /// shows `here` with the focus on `focus`.
    pub async fn before(
        edits: &EditStore,
        uid: &str,
        here: &str,
        focus: &str,
        now_ms: i64,
    ) -> Result<Self, StorageError> {
        let stored = edits.edits(uid).await?;
        Ok(Undo {
            edits: stored
                .iter()
                .filter(|e| e.set_aside.is_none())
                .map(|e| e.edit.clone())
                .collect(),
            here: here.to_string(),
            focus: focus.to_string(),
            at_ms: now_ms,
        })
    }

    /// Whether it may still be undone at `now_ms`.
    pub fn fresh(&self, now_ms: i64) -> bool {
        (0..UNDO_FOR_MS).contains(&(now_ms - self.at_ms))
    }

    /// Put `uid`'s edits back as they were.
    pub async fn apply(&self, edits: &EditStore, uid: &str) -> Result<(), StorageError> {
        edits.replace(uid, &self.edits).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undo_is_offered_for_ten_minutes() {
        let undo = Undo {
            edits: Vec::new(),
            here: String::new(),
            focus: String::new(),
            at_ms: 1_000_000,
        };
        assert!(undo.fresh(1_000_000));
        assert!(undo.fresh(1_000_000 + UNDO_FOR_MS - 1));
        assert!(!undo.fresh(1_000_000 + UNDO_FOR_MS));
        // A clock gone backwards is not a licence to undo.
        assert!(!undo.fresh(999_999));
    }
}

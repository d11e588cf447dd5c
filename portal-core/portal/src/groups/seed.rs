//! Demo groups (`[demo] groups`): a TOML file of groups created at start when they do not
//! exist yet, with their administrators, members and invitations, so the demo personas
//! have groups to see. Never used outside demo mode.
//!
//! ```toml
//! [groups.tutorat-l1]
//! name = "Tutorat L1 mathématiques"
//! description = "Les tuteurs et leurs étudiants"
//! visibility = "closed"
//! admins = ["claire.dubois"]
//! members = ["alice.martin"]
//! requested = ["bruno.leroy"]
//! invited = []
//! ```

use super::rules::Visibility;
use crate::storage::{Storage, StorageError, StoredGroup};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One demo group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGroup {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Visibility.
    pub visibility: Visibility,
    /// Administrators (at least one).
    pub admins: Vec<String>,
    /// Members.
    #[serde(default)]
    pub members: Vec<String>,
    /// Requests to join, pending.
    #[serde(default)]
    pub requested: Vec<String>,
    /// Invitations, pending.
    #[serde(default)]
    pub invited: Vec<String>,
}

/// The demo groups file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Groups by id.
    pub groups: BTreeMap<String, SeedGroup>,
}

impl Seed {
    /// Parse the file's text; the error says which group and why.
    pub fn parse(text: &str) -> Result<Seed, String> {
        let seed: Seed = toml::from_str(text).map_err(|e| e.to_string())?;
        for (id, g) in &seed.groups {
            if super::slug(id) != *id {
                return Err(format!("groups.{id}: an id is lower-case letters, digits and dashes"));
            }
            if g.admins.is_empty() {
                return Err(format!("groups.{id}: admins: a group needs an administrator"));
            }
        }
        Ok(seed)
    }

    /// Create the groups that do not exist yet; returns how many were created.
    pub async fn apply(&self, storage: &Storage, now: i64) -> Result<usize, StorageError> {
        let mut created = 0;
        for (id, g) in &self.groups {
            let group = StoredGroup {
                id: id.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                visibility: g.visibility.as_str().to_string(),
                created_by: g.admins[0].clone(),
                created_at_ms: now,
            };
            if !storage.create_group(&group).await? {
                continue;
            }
            created += 1;
            let actor = &g.admins[0];
            for (uids, state, action) in [
                (&g.admins[1..], "admin", "promoted"),
                (&g.members[..], "member", "joined"),
                (&g.requested[..], "requested", "requested"),
                (&g.invited[..], "invited", "invited"),
            ] {
                for uid in uids {
                    storage.set_member(id, uid, state, actor, action, now).await?;
                }
            }
        }
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_without_administrator_or_with_a_bad_id_is_refused() {
        let bad = Seed::parse("[groups.x]\nname = \"X\"\nvisibility = \"public\"\nadmins = []\n");
        assert!(bad.expect_err("refused").contains("groups.x: admins"));
        let bad = Seed::parse("[groups.X_Y]\nname = \"X\"\nvisibility = \"public\"\nadmins = [\"a\"]\n");
        assert!(bad.expect_err("refused").contains("groups.X_Y"));
        let bad = Seed::parse("[groups.x]\nname = \"X\"\nvisibility = \"secret\"\nadmins = [\"a\"]\n");
        assert!(bad.is_err());
    }

    #[test]
    fn the_shipped_demo_groups_load() {
        let text = include_str!("../../../../config/demo-groups.toml");
        let seed = Seed::parse(text).expect("valid");
        assert!(seed.groups.len() >= 2);
    }
}

//! Fragments: the admin's layout pieces, one TOML file each under `config/fragments/`.
//!
//! ```toml
//! # config/fragments/students.toml — the fragment id is the file name
//! description = "What every student sees"
//! populations = ["students"]     # or: everyone = true (signed-in users), guests = true
//! precedence = 50                # higher comes first (tabs to the left, slots on top)
//!
//! [[tabs]]
//! id = "studies"
//! title = { fr = "Scolarité", en = "Studies" }
//! movable = false                # flags: movable, deletable, editable, accepts_children;
//! columns = [                    # `locked = true` = not movable, deletable nor editable
//!   ["timetable", { publication = "grades", locked = true }],
//!   { slots = ["campus-news"], accepts_children = false },
//! ]
//! ```

use crate::model::{Flags, Layout, Text, merge};
use crate::{MAX_COLUMNS, USER_TAB_PREFIX};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// A fragment that cannot be used: names the file, the key and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {key}: {reason}")]
pub struct FragmentError {
    /// The file at fault.
    pub file: String,
    /// The key at fault (`tabs[0].columns[1][2]`), empty for the whole file.
    pub key: String,
    /// What is wrong, for a person.
    pub reason: String,
}

impl FragmentError {
    fn new(file: &str, key: impl Into<String>, reason: impl Into<String>) -> Self {
        FragmentError {
            file: file.to_string(),
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// What the fragments may refer to: the portal checks ids against its registry and
/// populations.
pub trait Known {
    /// Whether a publication with this id exists.
    fn publication(&self, id: &str) -> bool;
    /// Whether a population with this id exists.
    fn population(&self, id: &str) -> bool;
}

/// Who receives a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// Members of any of these populations.
    pub populations: Vec<String>,
    /// Every signed-in user.
    pub everyone: bool,
    /// Visitors who are not signed in.
    pub guests: bool,
}

impl Audience {
    /// Whether a person (signed in or not, member of `memberships`) receives the fragment.
    pub fn includes(&self, signed_in: bool, memberships: &[String]) -> bool {
        if signed_in {
            self.everyone || self.populations.iter().any(|p| memberships.contains(p))
        } else {
            self.guests
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FragmentFile {
    #[serde(default)]
    description: String,
    #[serde(default)]
    populations: Vec<String>,
    #[serde(default)]
    everyone: bool,
    #[serde(default)]
    guests: bool,
    #[serde(default)]
    precedence: i32,
    #[serde(default)]
    tabs: Vec<FragmentTab>,
}

/// Flag fields shared by tabs and slots, as written (unset = allowed).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
struct FlagSpec {
    locked: Option<bool>,
    movable: Option<bool>,
    deletable: Option<bool>,
    editable: Option<bool>,
    accepts_children: Option<bool>,
}

impl FlagSpec {
    fn flags(&self) -> Flags {
        let locked = self.locked.unwrap_or(false);
        Flags {
            movable: self.movable.unwrap_or(!locked),
            deletable: self.deletable.unwrap_or(!locked),
            editable: self.editable.unwrap_or(!locked),
            accepts_children: self.accepts_children.unwrap_or(true),
        }
    }
}

/// One tab of a fragment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FragmentTab {
    /// Tab id.
    pub id: String,
    /// Title.
    pub title: Text,
    locked: Option<bool>,
    movable: Option<bool>,
    deletable: Option<bool>,
    editable: Option<bool>,
    accepts_children: Option<bool>,
    /// Columns, left to right.
    #[serde(default)]
    pub columns: Vec<FragmentColumn>,
}

impl FragmentTab {
    /// The tab's flags.
    pub fn flags(&self) -> Flags {
        FlagSpec {
            locked: self.locked,
            movable: self.movable,
            deletable: self.deletable,
            editable: self.editable,
            accepts_children: self.accepts_children,
        }
        .flags()
    }
}

/// One column: a list of slots, or a table with `slots` and `accepts_children`.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "a list of slots, or { slots = [...], accepts_children = false }"
)]
pub enum FragmentColumn {
    /// Just the slots.
    Slots(Vec<FragmentSlot>),
    /// Slots and flags.
    Table(ColumnTable),
}

/// A column written as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnTable {
    /// Slots, top to bottom.
    pub slots: Vec<FragmentSlot>,
    /// Whether users may add channels here (default: the tab's flag).
    pub accepts_children: Option<bool>,
}

impl FragmentColumn {
    /// The slots.
    pub fn slots(&self) -> &[FragmentSlot] {
        match self {
            FragmentColumn::Slots(s) | FragmentColumn::Table(ColumnTable { slots: s, .. }) => s,
        }
    }

    /// The column's own `accepts_children`, if set.
    pub fn accepts_children(&self) -> Option<bool> {
        match self {
            FragmentColumn::Slots(_) => None,
            FragmentColumn::Table(t) => t.accepts_children,
        }
    }
}

/// One slot: a publication id, or a table with `publication` and flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "a publication id, or { publication = \"…\", locked/movable/deletable = true|false }"
)]
pub enum FragmentSlot {
    /// Just the publication.
    Id(String),
    /// Publication and flags.
    Table(SlotTable),
}

/// A slot written as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotTable {
    /// Publication id.
    pub publication: String,
    /// Shorthand for not movable and not deletable.
    pub locked: Option<bool>,
    /// May be moved.
    pub movable: Option<bool>,
    /// May be removed.
    pub deletable: Option<bool>,
}

impl FragmentSlot {
    /// The publication id.
    pub fn publication(&self) -> &str {
        match self {
            FragmentSlot::Id(p) | FragmentSlot::Table(SlotTable { publication: p, .. }) => p,
        }
    }

    /// The slot's flags.
    pub fn flags(&self) -> Flags {
        match self {
            FragmentSlot::Id(_) => Flags {
                editable: false,
                accepts_children: false,
                ..Flags::default()
            },
            FragmentSlot::Table(t) => {
                let f = FlagSpec {
                    locked: t.locked,
                    movable: t.movable,
                    deletable: t.deletable,
                    ..FlagSpec::default()
                }
                .flags();
                Flags {
                    editable: false,
                    accepts_children: false,
                    ..f
                }
            }
        }
    }
}

/// A validated fragment.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// Id (the file name without `.toml`).
    pub id: String,
    /// What it is for, for admins.
    pub description: String,
    /// Who receives it.
    pub audience: Audience,
    /// Higher comes first.
    pub precedence: i32,
    /// Tabs.
    pub tabs: Vec<FragmentTab>,
    /// The file it was read from (for messages).
    pub file: String,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Fragment {
    /// Parse and check the fragment `id` from `text` (read from `file`).
    pub fn parse(id: &str, file: &str, text: &str, known: &dyn Known) -> Result<Self, FragmentError> {
        if !valid_id(id) {
            return Err(FragmentError::new(
                file,
                "",
                format!("the file name `{id}` must be a fragment id: lower-case letters, digits, `-` or `_`"),
            ));
        }
        let raw: FragmentFile = toml::from_str(text)
            .map_err(|e| FragmentError::new(file, "", e.to_string().trim_end().replace('\n', " ")))?;
        if raw.populations.is_empty() && !raw.everyone && !raw.guests {
            return Err(FragmentError::new(
                file,
                "populations",
                "say who receives this fragment: populations = [\"…\"], everyone = true or guests = true",
            ));
        }
        for (i, p) in raw.populations.iter().enumerate() {
            if !known.population(p) {
                return Err(FragmentError::new(
                    file,
                    format!("populations[{i}]"),
                    format!("no population `{p}` in populations.toml"),
                ));
            }
        }
        if raw.tabs.is_empty() {
            return Err(FragmentError::new(
                file,
                "tabs",
                "a fragment needs at least one [[tabs]]",
            ));
        }
        let mut tab_ids = HashSet::new();
        let mut placed = HashSet::new();
        for (t, tab) in raw.tabs.iter().enumerate() {
            let key = format!("tabs[{t}]");
            if !valid_id(&tab.id) || tab.id.starts_with(USER_TAB_PREFIX) {
                return Err(FragmentError::new(
                    file,
                    format!("{key}.id"),
                    format!(
                        "`{}` is not a valid tab id (lower-case letters, digits, `-`, `_`; not starting with `{USER_TAB_PREFIX}`, kept for users' tabs)",
                        tab.id
                    ),
                ));
            }
            if !tab_ids.insert(tab.id.as_str()) {
                return Err(FragmentError::new(
                    file,
                    format!("{key}.id"),
                    format!("tab `{}` appears twice", tab.id),
                ));
            }
            if tab.columns.is_empty() || tab.columns.len() > MAX_COLUMNS {
                return Err(FragmentError::new(
                    file,
                    format!("{key}.columns"),
                    format!("a tab has 1 to {MAX_COLUMNS} columns, not {}", tab.columns.len()),
                ));
            }
            for (c, column) in tab.columns.iter().enumerate() {
                for (s, slot) in column.slots().iter().enumerate() {
                    let key = format!("{key}.columns[{c}][{s}]");
                    let p = slot.publication();
                    if !known.publication(p) {
                        return Err(FragmentError::new(
                            file,
                            key,
                            format!("no publication `{p}` in channels.toml"),
                        ));
                    }
                    if !placed.insert(p) {
                        return Err(FragmentError::new(
                            file,
                            key,
                            format!("publication `{p}` is placed twice in this fragment"),
                        ));
                    }
                }
            }
        }
        Ok(Fragment {
            id: id.to_string(),
            description: raw.description,
            audience: Audience {
                populations: raw.populations,
                everyone: raw.everyone,
                guests: raw.guests,
            },
            precedence: raw.precedence,
            tabs: raw.tabs,
            file: file.to_string(),
        })
    }
}

/// All the fragments of the portal.
#[derive(Debug, Clone, Default)]
pub struct FragmentSet {
    fragments: Vec<Fragment>,
}

impl FragmentSet {
    /// Build from already parsed fragments (ids must be unique).
    pub fn new(fragments: Vec<Fragment>) -> Self {
        FragmentSet { fragments }
    }

    /// Read every `*.toml` of `dir` (sorted by name), checking each against `known`.
    pub fn load_dir(dir: &Path, known: &dyn Known) -> Result<Self, FragmentError> {
        let shown = dir.display().to_string();
        let entries =
            std::fs::read_dir(dir).map_err(|e| FragmentError::new(&shown, "", format!("cannot read: {e}")))?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut fragments = Vec::new();
        for path in files {
            let file = path.display().to_string();
            let id = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| FragmentError::new(&file, "", format!("cannot read: {e}")))?;
            fragments.push(Fragment::parse(&id, &file, &text, known)?);
        }
        if !fragments
            .iter()
            .any(|f| f.audience.everyone || !f.audience.populations.is_empty())
        {
            return Err(FragmentError::new(
                &shown,
                "",
                "no fragment for signed-in users: add one with everyone = true or populations = [\"…\"]",
            ));
        }
        Ok(FragmentSet { fragments })
    }

    /// Every fragment.
    pub fn all(&self) -> &[Fragment] {
        &self.fragments
    }

    /// The fragment `id`.
    pub fn get(&self, id: &str) -> Option<&Fragment> {
        self.fragments.iter().find(|f| f.id == id)
    }

    /// The fragments a person receives.
    pub fn for_person(&self, signed_in: bool, memberships: &[String]) -> Vec<&Fragment> {
        self.fragments
            .iter()
            .filter(|f| f.audience.includes(signed_in, memberships))
            .collect()
    }

    /// The default page of a person: the merge of their fragments.
    pub fn layout_for(&self, signed_in: bool, memberships: &[String]) -> Layout {
        merge(&self.for_person(signed_in, memberships))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct All;
    impl Known for All {
        fn publication(&self, id: &str) -> bool {
            id != "ghost"
        }
        fn population(&self, id: &str) -> bool {
            id != "nobody"
        }
    }

    fn parse(text: &str) -> Result<Fragment, FragmentError> {
        Fragment::parse("f", "fragments/f.toml", text, &All)
    }

    #[test]
    fn flags_default_to_allowed_and_locked_clears_them() {
        let f = parse(
            r#"everyone = true
[[tabs]]
id = "home"
title = { fr = "Accueil", en = "Home" }
locked = true
accepts_children = false
columns = [["a", { publication = "b", locked = true }], { slots = ["c"], accepts_children = true }]
"#,
        )
        .expect("parses");
        let tab = &f.tabs[0];
        assert_eq!(
            tab.flags(),
            Flags {
                movable: false,
                deletable: false,
                editable: false,
                accepts_children: false
            }
        );
        assert!(tab.columns[0].slots()[0].flags().movable);
        assert!(!tab.columns[0].slots()[1].flags().deletable);
        let layout = merge(&[&f]);
        assert!(!layout.tabs[0].columns[0].accepts_children, "inherits the tab's flag");
        assert!(layout.tabs[0].columns[1].accepts_children, "the column's own flag wins");
    }

    #[test]
    fn errors_name_the_key() {
        let err = parse("populations = [\"nobody\"]\n[[tabs]]\nid=\"x\"\ntitle={fr=\"x\",en=\"x\"}\ncolumns=[[\"a\"]]")
            .expect_err("unknown population");
        assert_eq!(err.key, "populations[0]");
        let err = parse("everyone = true\n[[tabs]]\nid=\"x\"\ntitle={fr=\"x\",en=\"x\"}\ncolumns=[[\"a\", \"ghost\"]]")
            .expect_err("unknown publication");
        assert_eq!(err.key, "tabs[0].columns[0][1]");
        assert!(err.reason.contains("ghost"), "{err}");
        let err = parse("[[tabs]]\nid=\"x\"\ntitle={fr=\"x\",en=\"x\"}\ncolumns=[[\"a\"]]").expect_err("no audience");
        assert_eq!(err.key, "populations");
        let err = parse("everyone = true\n[[tabs]]\nid=\"my-x\"\ntitle={fr=\"x\",en=\"x\"}\ncolumns=[[\"a\"]]")
            .expect_err("reserved prefix");
        assert_eq!(err.key, "tabs[0].id");
        let err = parse("everyone = true\n[[tabs]]\nid=\"x\"\ntitle={fr=\"x\",en=\"x\"}\ncolumns=[[{ publication = \"a\", colour = 1 }]]")
            .expect_err("unknown field in a slot");
        assert!(
            err.reason.contains("line 5") && err.reason.contains("a list of slots"),
            "{err}"
        );
        let err = parse("everyone = true\nprecedence = \"high\"\n").expect_err("bad type");
        assert!(err.reason.contains("precedence"), "{err}");
    }
}

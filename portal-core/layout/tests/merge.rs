//! Merge semantics, lock flags, replay with conflicts, and a property test: any sequence of
//! edits against any fragment set yields a valid page (no lost slot, no duplicate, locks held).

use agora_layout::{Edit, Flags, Fragment, FragmentSet, Known, Layout, Origin, Policy, Refusal, apply, merge, replay};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

struct Everything;
impl Known for Everything {
    fn publication(&self, _: &str) -> bool {
        true
    }
    fn population(&self, _: &str) -> bool {
        true
    }
}

/// A catalogue allowing some publications.
struct Catalogue(Vec<String>);
impl Policy for Catalogue {
    fn may_add(&self, publication: &str) -> bool {
        self.0.iter().any(|p| p == publication)
    }
    fn check_preference(&self, _: &str, key: &str, value: &str) -> Result<(), String> {
        if key == "items" && value.parse::<u8>().is_ok() {
            Ok(())
        } else {
            Err("items is a number".into())
        }
    }
}

fn fragment(id: &str, text: &str) -> Fragment {
    Fragment::parse(id, &format!("{id}.toml"), text, &Everything).unwrap_or_else(|e| panic!("{e}"))
}

fn base() -> Vec<Fragment> {
    vec![
        fragment(
            "all",
            r#"everyone = true
precedence = 10
[[tabs]]
id = "home"
title = { fr = "Accueil", en = "Home" }
movable = false
deletable = false
columns = [["welcome", "news"], ["library"]]
"#,
        ),
        fragment(
            "students",
            r#"populations = ["students"]
precedence = 50
[[tabs]]
id = "home"
title = { fr = "Mon accueil", en = "My home" }
columns = [[{ publication = "grades", locked = true }], [], ["timetable"]]
[[tabs]]
id = "studies"
title = { fr = "Scolarité", en = "Studies" }
accepts_children = false
columns = [["news", "moodle"]]
"#,
        ),
        fragment(
            "guests",
            r#"guests = true
[[tabs]]
id = "home"
title = { fr = "Accueil", en = "Home" }
columns = [["welcome"]]
"#,
        ),
    ]
}

fn column(layout: &Layout, tab: &str, c: usize) -> Vec<String> {
    layout.tab(tab).expect("tab").columns[c]
        .slots
        .iter()
        .map(|s| s.publication.clone())
        .collect()
}

#[test]
fn fragments_merge_by_precedence_and_a_channel_appears_once() {
    let set = FragmentSet::new(base());
    let layout = set.layout_for(true, &["students".into()]);
    let ids: Vec<&str> = layout.tabs.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["home", "studies"],
        "students' fragment (50) comes before everyone's (10)"
    );
    let home = layout.tab("home").expect("home");
    assert_eq!(home.title.en, "My home", "the highest precedence titles the shared tab");
    assert_eq!(
        column(&layout, "home", 0),
        ["grades", "welcome"],
        "news is placed by the students' fragment, in studies"
    );
    assert_eq!(column(&layout, "home", 1), ["library"]);
    assert_eq!(column(&layout, "home", 2), ["timetable"]);
    assert_eq!(column(&layout, "studies", 0), ["news", "moodle"]);
    assert!(
        !home.flags.deletable,
        "the lock of everyone's fragment holds on the shared tab"
    );
    assert_eq!(home.origin, Origin::Fragment("students".into()));

    let staff = set.layout_for(true, &["teachers".into()]);
    assert_eq!(staff.tabs.len(), 1);
    assert_eq!(column(&staff, "home", 0), ["welcome", "news"]);
    let guest = set.layout_for(false, &[]);
    assert_eq!(column(&guest, "home", 0), ["welcome"]);
}

#[test]
fn locks_are_honoured() {
    let set = FragmentSet::new(base());
    let mut layout = set.layout_for(true, &["students".into()]);
    let policy = Catalogue(vec!["mail".into()]);
    let refused = |layout: &mut Layout, edit: Edit| apply(layout, &edit, &policy).expect_err("refused");
    assert!(matches!(
        refused(
            &mut layout,
            Edit::RemoveChannel {
                publication: "grades".into()
            }
        ),
        Refusal::ChannelMandatory { .. }
    ));
    assert!(matches!(
        refused(
            &mut layout,
            Edit::MoveChannel {
                publication: "grades".into(),
                tab: "home".into(),
                column: 1,
                position: None
            }
        ),
        Refusal::ChannelLocked { .. }
    ));
    assert!(matches!(
        refused(&mut layout, Edit::RemoveTab { tab: "home".into() }),
        Refusal::TabLocked { .. }
    ));
    assert!(matches!(
        refused(
            &mut layout,
            Edit::AddChannel {
                publication: "mail".into(),
                tab: "studies".into(),
                column: 0,
                position: None
            }
        ),
        Refusal::ColumnClosed { .. }
    ));
    assert!(matches!(
        refused(
            &mut layout,
            Edit::AddChannel {
                publication: "secret".into(),
                tab: "home".into(),
                column: 0,
                position: None
            }
        ),
        Refusal::NotInCatalogue { .. }
    ));
    assert!(matches!(
        refused(
            &mut layout,
            Edit::SetColumns {
                tab: "home".into(),
                count: 0
            }
        ),
        Refusal::BadColumnCount
    ));
    assert!(matches!(
        refused(
            &mut layout,
            Edit::SetPreference {
                publication: "news".into(),
                key: "items".into(),
                value: "many".into()
            }
        ),
        Refusal::BadPreference { .. }
    ));
    // Refusals leave the page as it was.
    assert_eq!(layout, set.layout_for(true, &["students".into()]));

    // Movable slots move within the locked tab; the locked one stays in its column.
    apply(
        &mut layout,
        &Edit::MoveChannel {
            publication: "library".into(),
            tab: "home".into(),
            column: 0,
            position: Some(0),
        },
        &policy,
    )
    .expect("moves");
    assert_eq!(column(&layout, "home", 0), ["library", "grades", "welcome"]);
    apply(
        &mut layout,
        &Edit::RenameTab {
            tab: "studies".into(),
            title: " Mes cours ".into(),
        },
        &policy,
    )
    .expect("renames");
    assert_eq!(layout.tab("studies").expect("tab").title.fr, "Mes cours");
}

#[test]
fn edits_replay_and_conflicts_are_reported_not_dropped() {
    let edits = vec![
        Edit::AddTab {
            id: "my-1".into(),
            title: "Perso".into(),
        },
        Edit::AddChannel {
            publication: "mail".into(),
            tab: "my-1".into(),
            column: 0,
            position: None,
        },
        Edit::MoveChannel {
            publication: "timetable".into(),
            tab: "my-1".into(),
            column: 0,
            position: Some(0),
        },
        Edit::SetColumns {
            tab: "home".into(),
            count: 2,
        },
        Edit::SetPreference {
            publication: "mail".into(),
            key: "items".into(),
            value: "5".into(),
        },
        Edit::SetFavourite {
            publication: "mail".into(),
            favourite: true,
        },
    ];
    let policy = Catalogue(vec!["mail".into()]);
    let set = FragmentSet::new(base());
    let done = replay(set.layout_for(true, &["students".into()]), &edits, &policy);
    assert!(done.conflicts.is_empty(), "{:?}", done.conflicts);
    assert_eq!(column(&done.layout, "my-1", 0), ["timetable", "mail"]);
    assert_eq!(done.layout.tab("home").expect("home").columns.len(), 2);
    assert_eq!(done.layout.favourites, ["mail"]);
    assert_eq!(done.layout.preferences["mail"]["items"], "5");

    // The admin removes the students' fragment and the user leaves the population able to add
    // mail: the edits about them are reported, the others still apply.
    let mut changed = base();
    changed.retain(|f| f.id != "students");
    let set = FragmentSet::new(changed);
    let done = replay(set.layout_for(true, &[]), &edits, &Catalogue(vec![]));
    let refused: Vec<(usize, &str)> = done.conflicts.iter().map(|c| (c.index, c.refusal.key())).collect();
    assert_eq!(
        refused,
        [
            (1, "edit.refused.not_in_catalogue"),
            (2, "edit.refused.not_on_page"),
            (4, "edit.refused.not_on_page"),
            (5, "edit.refused.not_in_catalogue"),
        ]
    );
    assert!(done.layout.tab("my-1").is_some(), "the user's own tab is still there");
}

#[test]
fn edits_round_trip_as_json() {
    let edit: Edit =
        serde_json::from_str(r#"{"op":"move-channel","publication":"news","tab":"home","column":1}"#).expect("parses");
    assert_eq!(
        edit,
        Edit::MoveChannel {
            publication: "news".into(),
            tab: "home".into(),
            column: 1,
            position: None
        }
    );
    let back: Edit = serde_json::from_str(&serde_json::to_string(&edit).expect("json")).expect("parses");
    assert_eq!(back, edit);
    assert!(serde_json::from_str::<Edit>(r#"{"op":"explode"}"#).is_err());
}

// ---- property test ----

const PUBLICATIONS: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
const TABS: [&str; 4] = ["t0", "t1", "t2", "my-x"];

fn arb_flags() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("locked = true".to_string()),
        Just("movable = false".to_string()),
        Just("deletable = false".to_string()),
    ]
}

prop_compose! {
    /// A fragment for every signed-in user: up to 3 tabs of 1–3 columns, each publication
    /// placed at most once, with random lock flags on tabs, columns and slots.
    fn arb_fragment()(
        publications in Just(PUBLICATIONS.to_vec()).prop_shuffle(),
        tabs in prop::collection::btree_map(0..3usize, (1..4usize, any::<bool>(), any::<bool>()), 1..3),
        places in prop::collection::vec(0..12usize, PUBLICATIONS.len()),
        flags in prop::collection::vec(arb_flags(), PUBLICATIONS.len()),
        precedence in -5..5i32,
    ) -> String {
        let tabs: Vec<(usize, (usize, bool, bool))> = tabs.into_iter().collect();
        let mut columns: Vec<Vec<Vec<String>>> = tabs.iter().map(|(_, (n, _, _))| vec![Vec::new(); *n]).collect();
        for (i, p) in publications.iter().enumerate() {
            // Some publications are left out (places beyond the tabs' columns).
            let (t, c) = (places[i] % 4, places[i] / 4);
            if let Some(col) = columns.get_mut(t).and_then(|cols| cols.get_mut(c)) {
                let extra = if flags[i].is_empty() { String::new() } else { format!(", {}", flags[i]) };
                col.push(format!("{{ publication = \"{p}\"{extra} }}"));
            }
        }
        let mut text = format!("everyone = true\nprecedence = {precedence}\n");
        for ((t, (_, locked, closed)), cols) in tabs.iter().zip(columns) {
            let cols: Vec<String> = cols.iter().map(|c| format!("[{}]", c.join(", "))).collect();
            text.push_str(&format!(
                "[[tabs]]\nid = \"{}\"\ntitle = {{ fr = \"T\", en = \"T\" }}\nlocked = {locked}\naccepts_children = {}\ncolumns = [{}]\n",
                TABS[*t], !closed, cols.join(", ")
            ));
        }
        text
    }
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    let p = (0..PUBLICATIONS.len()).prop_map(|i| PUBLICATIONS[i].to_string());
    let t = (0..TABS.len()).prop_map(|i| TABS[i].to_string());
    prop_oneof![
        (p.clone(), t.clone(), 0..5usize, prop::option::of(0..4usize)).prop_map(
            |(publication, tab, column, position)| Edit::AddChannel {
                publication,
                tab,
                column,
                position
            }
        ),
        p.clone().prop_map(|publication| Edit::RemoveChannel { publication }),
        (p.clone(), t.clone(), 0..5usize, prop::option::of(0..4usize)).prop_map(
            |(publication, tab, column, position)| Edit::MoveChannel {
                publication,
                tab,
                column,
                position
            }
        ),
        Just(Edit::AddTab {
            id: "my-x".into(),
            title: "Mine".into()
        }),
        t.clone().prop_map(|tab| Edit::RemoveTab { tab }),
        (t.clone(), 0..4usize).prop_map(|(tab, position)| Edit::MoveTab { tab, position }),
        (t.clone(), 0..6usize).prop_map(|(tab, count)| Edit::SetColumns { tab, count }),
        (t, "[a-z ]{0,50}").prop_map(|(tab, title)| Edit::RenameTab { tab, title }),
        (p.clone(), any::<bool>()).prop_map(|(publication, favourite)| Edit::SetFavourite { publication, favourite }),
        p.prop_map(|publication| Edit::SetPreference {
            publication,
            key: "items".into(),
            value: "3".into()
        }),
    ]
}

/// Where each locked (not movable) slot sits: publication → (tab id, column).
fn locked_places(layout: &Layout) -> HashMap<String, (String, usize)> {
    let mut out = HashMap::new();
    for tab in &layout.tabs {
        for (c, column) in tab.columns.iter().enumerate() {
            for slot in column.slots.iter().filter(|s| !s.flags.movable) {
                out.insert(slot.publication.clone(), (tab.id.clone(), c));
            }
        }
    }
    out
}

fn mandatory(layout: &Layout) -> BTreeSet<String> {
    layout
        .tabs
        .iter()
        .flat_map(|t| t.columns.iter())
        .flat_map(|c| c.slots.iter())
        .filter(|s| !s.flags.deletable)
        .map(|s| s.publication.clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_edits_on_any_fragments_give_a_valid_page(
        fragments in prop::collection::vec(arb_fragment(), 1..4),
        edits in prop::collection::vec(arb_edit(), 0..25),
        catalogue in prop::collection::vec(0..PUBLICATIONS.len(), 0..8),
    ) {
        let parsed: Vec<Fragment> = fragments
            .iter()
            .enumerate()
            .map(|(i, text)| fragment(&format!("f{i}"), text))
            .collect();
        let refs: Vec<&Fragment> = parsed.iter().collect();
        let base = merge(&refs);
        let policy = Catalogue(catalogue.iter().map(|&i| PUBLICATIONS[i].to_string()).collect());
        let locked = locked_places(&base);
        let must_stay = mandatory(&base);
        let fixed_tabs: Vec<String> = base.tabs.iter().filter(|t| !t.flags.deletable).map(|t| t.id.clone()).collect();

        let mut layout = base.clone();
        for edit in &edits {
            let before: BTreeSet<String> = layout.publications().map(str::to_string).collect();
            let snapshot = layout.clone();
            let outcome = apply(&mut layout, edit, &policy);
            let after: BTreeSet<String> = layout.publications().map(str::to_string).collect();
            let all: Vec<&str> = layout.publications().collect();
            // No duplicate.
            prop_assert_eq!(all.len(), after.len(), "duplicate after {:?}", edit);
            match &outcome {
                Err(_) => prop_assert_eq!(&layout, &snapshot, "a refused edit changed the page"),
                Ok(()) => {
                    // No lost slot: only a removal removes, only an addition adds.
                    let gone: Vec<&String> = before.difference(&after).collect();
                    let new: Vec<&String> = after.difference(&before).collect();
                    match edit {
                        Edit::RemoveChannel { publication } => prop_assert_eq!(gone, vec![publication]),
                        Edit::RemoveTab { tab } => {
                            let held: BTreeSet<String> = snapshot.tab(tab).expect("tab").columns.iter()
                                .flat_map(|c| c.slots.iter().map(|s| s.publication.clone())).collect();
                            prop_assert_eq!(gone.into_iter().cloned().collect::<BTreeSet<_>>(), held);
                        }
                        _ => prop_assert!(gone.is_empty(), "{:?} lost {:?}", edit, gone),
                    }
                    match edit {
                        Edit::AddChannel { publication, .. } => prop_assert_eq!(new, vec![publication]),
                        _ => prop_assert!(new.is_empty(), "{:?} added {:?}", edit, new),
                    }
                }
            }
            // Locks held.
            for (publication, (tab, column)) in &locked {
                // Not movable but deletable: it may go, with its tab or alone (and come back as
                // the user's own); while the admin's slot is there, it is where the admin put it.
                if let Some((t, c, s)) = layout.find(publication)
                    && layout.tabs[t].columns[c].slots[s].origin != Origin::User
                {
                    prop_assert_eq!(&layout.tabs[t].id, tab);
                    prop_assert_eq!(c, *column);
                }
            }
            for publication in &must_stay {
                prop_assert!(layout.find(publication).is_some(), "mandatory {} removed", publication);
            }
            for tab in &fixed_tabs {
                prop_assert!(layout.tab(tab).is_some(), "locked tab {} removed", tab);
            }
            for tab in &layout.tabs {
                prop_assert!(!tab.columns.is_empty() && tab.columns.len() <= agora_layout::MAX_COLUMNS);
            }
        }
        // Replay gives the same page as applying one by one.
        let replayed = replay(base, &edits, &policy);
        prop_assert_eq!(replayed.layout, layout);
    }
}

#[test]
fn user_nodes_are_fully_editable() {
    let mut layout = Layout::default();
    apply(
        &mut layout,
        &Edit::AddTab {
            id: "my-1".into(),
            title: "A".into(),
        },
        &Catalogue(vec![]),
    )
    .expect("adds");
    assert_eq!(layout.tabs[0].flags, Flags::default());
    assert_eq!(layout.tabs[0].origin, Origin::User);
    assert!(matches!(
        apply(
            &mut layout,
            &Edit::AddTab {
                id: "home".into(),
                title: "B".into()
            },
            &Catalogue(vec![])
        ),
        Err(Refusal::BadTabId { .. })
    ));
}

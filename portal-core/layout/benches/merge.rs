//! Layout merge for one user: 10 fragments (the user is in 5 populations, which select 7 of
//! them, the everyone fragment included), then 20 edits replayed on top.
//!
//! `cargo bench -p agora-layout --bench merge`

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use agora_layout::{Edit, Fragment, FragmentSet, Known, Policy, replay};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

struct Everything;
impl Known for Everything {
    fn publication(&self, _: &str) -> bool {
        true
    }
    fn population(&self, _: &str) -> bool {
        true
    }
}
impl Policy for Everything {
    fn may_add(&self, _: &str) -> bool {
        true
    }
    fn check_preference(&self, _: &str, _: &str, _: &str) -> Result<(), String> {
        Ok(())
    }
}

fn fragments() -> FragmentSet {
    let mut out = Vec::new();
    for f in 0..10 {
        let audience = if f == 0 {
            "everyone = true".to_string()
        } else {
            format!("populations = [\"pop{}\"]", f % 8)
        };
        let mut text = format!("{audience}\nprecedence = {}\n", f * 10);
        for t in 0..3 {
            let columns: Vec<String> = (0..3)
                .map(|c| {
                    let slots: Vec<String> = (0..2)
                        .map(|s| {
                            let lock = if s == 0 && c == 0 { ", locked = true" } else { "" };
                            format!("{{ publication = \"p{f}-{t}-{c}-{s}\"{lock} }}")
                        })
                        .collect();
                    format!("[{}]", slots.join(", "))
                })
                .collect();
            text.push_str(&format!(
                "[[tabs]]\nid = \"tab{}\"\ntitle = {{ fr = \"Onglet\", en = \"Tab\" }}\ncolumns = [{}]\n",
                (f + t) % 5,
                columns.join(", ")
            ));
        }
        out.push(Fragment::parse(&format!("f{f}"), "bench", &text, &Everything).expect("fragment"));
    }
    FragmentSet::new(out)
}

fn edits() -> Vec<Edit> {
    let mut edits = vec![Edit::AddTab {
        id: "my-1".into(),
        title: "Perso".into(),
    }];
    for i in 0..6 {
        edits.push(Edit::AddChannel {
            publication: format!("extra{i}"),
            tab: "my-1".into(),
            column: 0,
            position: None,
        });
    }
    for i in 0..5 {
        edits.push(Edit::MoveChannel {
            publication: format!("p0-{}-1-1", i % 3),
            tab: "my-1".into(),
            column: 0,
            position: Some(0),
        });
    }
    edits.push(Edit::RemoveChannel {
        publication: "p0-0-2-0".into(),
    });
    edits.push(Edit::RenameTab {
        tab: "tab1".into(),
        title: "Cours".into(),
    });
    edits.push(Edit::SetColumns {
        tab: "my-1".into(),
        count: 2,
    });
    edits.push(Edit::MoveTab {
        tab: "my-1".into(),
        position: 0,
    });
    edits.push(Edit::SetPreference {
        publication: "extra1".into(),
        key: "items".into(),
        value: "5".into(),
    });
    edits.push(Edit::SetFavourite {
        publication: "extra2".into(),
        favourite: true,
    });
    edits.push(Edit::RemoveChannel {
        publication: "p1-0-0-0".into(),
    }); // locked: a conflict
    edits.push(Edit::MoveChannel {
        publication: "gone".into(),
        tab: "tab0".into(),
        column: 0,
        position: None,
    });
    assert_eq!(edits.len(), 20);
    edits
}

fn bench(c: &mut Criterion) {
    let set = fragments();
    let edits = edits();
    let memberships: Vec<String> = ["pop1", "pop2", "pop3", "pop4", "pop5"].map(String::from).to_vec();
    assert_eq!(set.for_person(true, &memberships).len(), 7);
    c.bench_function("layout: merge 7 of 10 fragments + replay 20 edits", |b| {
        b.iter(|| {
            let base = set.layout_for(true, black_box(&memberships));
            replay(base, black_box(&edits), &Everything)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

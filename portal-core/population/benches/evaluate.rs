//! Evaluating 100 populations for one person (goal ≤ 100 µs). Run with
//! `cargo bench -p agora-population --bench evaluate`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use agora_population::{Attributes, PopulationSet, Subject};
use criterion::{Criterion, criterion_group, criterion_main};

fn rules() -> String {
    let mut text = String::from("[populations.students]\nrule = { affiliation = \"student\" }\n");
    for i in 0..99 {
        let rule = match i % 6 {
            0 => format!(
                "{{ all = [{{ include = \"students\" }}, {{ inscription = {{ year = \"current\", levels = \"L1..L3\", affect = \"UFR{i}\" }} }}] }}"
            ),
            1 => format!("{{ entity = \"UFR{i}\" }}"),
            2 => format!("{{ role = {{ role = \"D30\", entity = \"UFR{i}\" }} }}"),
            3 => format!("{{ matches = {{ attribute = \"mail\", regex = \"^[a-z.]+@dept{i}\\\\.univ\\\\.fr$\" }} }}"),
            4 => format!(
                "{{ any = [{{ primary_affiliation = \"staff\" }}, {{ has = {{ attribute = \"supannActivite\", value = \"{{CNU}}{i}\" }} }}] }}"
            ),
            _ => format!(
                "{{ not = {{ one_of = {{ attribute = \"eduPersonAffiliation\", values = [\"alum\", \"retired\", \"x{i}\"] }} }} }}"
            ),
        };
        text.push_str(&format!("[populations.p{i}]\nrule = {rule}\n"));
    }
    text
}

fn person() -> Attributes {
    let mut a = Attributes::new();
    for (k, v) in [
        ("eduPersonAffiliation", "student"),
        ("eduPersonAffiliation", "member"),
        ("eduPersonPrimaryAffiliation", "student"),
        ("mail", "alice.martin@etu.univ-agora.fr"),
        ("supannEntiteAffectation", "UFR27"),
        (
            "supannEtuInscription",
            "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L1][affect=UFR27][diplome={SISE}2500256][etape={UAI:0751717J}L1MATH]",
        ),
        (
            "supannEtuInscription",
            "[etab={UAI}0751717J][anneeinsc=2025][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L1][affect=UFR27]",
        ),
    ] {
        a.entry(k.to_string()).or_default().push(v.to_string());
    }
    a
}

fn bench(c: &mut Criterion) {
    let set = PopulationSet::from_toml(&rules()).expect("rules");
    assert_eq!(set.len(), 100);
    let attrs = person();
    c.bench_function("100_populations_one_person_including_parse", |b| {
        b.iter(|| set.memberships(&Subject::new(&attrs, 2026)).len())
    });
    let subject = Subject::new(&attrs, 2026);
    c.bench_function("100_populations_one_person_prepared", |b| {
        b.iter(|| set.memberships(&subject).len())
    });
}

criterion_group!(evaluate, bench);
criterion_main!(evaluate);

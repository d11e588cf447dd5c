//! Population rules on named fixtures: membership, validation errors and explanations.

use agora_population::{Attributes, PopulationSet, Subject};

fn person(pairs: &[(&str, &str)]) -> Attributes {
    let mut a = Attributes::new();
    for (k, v) in pairs {
        a.entry(k.to_string()).or_default().push(v.to_string());
    }
    a
}

const RULES: &str = r#"
[populations.students]
label = { fr = "Étudiants", en = "Students" }
rule = { affiliation = "student" }

[populations.licence-ufr27]
label = { fr = "Licence UFR 27", en = "UFR 27 undergraduates" }
rule = { all = [
  { include = "students" },
  { inscription = { year = "current", levels = "L1..L3", affect = "UFR27" } },
] }

[populations.teachers]
rule = { any = [{ affiliation = "teacher" }, { affiliation = "faculty" }] }

[populations.admin-staff]
rule = { all = [{ primary_affiliation = "staff" }, { not = { affiliation = "teacher" } }] }

[populations.ufr27-directors]
rule = { role = { role = "D30", entity = "UFR27" } }

[populations.mail-at-univ]
rule = { matches = { attribute = "mail", regex = "@univ-agora\\.fr$" } }

[populations.senior]
rule = { compare = { attribute = "supannEmpCorps-seniority", op = ">=", value = 10 } }

[populations.with-student-number]
rule = { present = "supannEtuId" }
"#;

fn student_l1_ufr27() -> Attributes {
    person(&[
        ("uid", "alice"),
        ("eduPersonAffiliation", "student"),
        ("eduPersonAffiliation", "member"),
        ("eduPersonPrimaryAffiliation", "student"),
        ("mail", "alice@etu.univ-agora.fr"),
        ("supannEtuId", "22400123"),
        (
            "supannEtuInscription",
            "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L1][affect=UFR27][etape={UAI:0751717J}L1MATH]",
        ),
    ])
}

fn student_two_years() -> Attributes {
    person(&[
        ("eduPersonAffiliation", "student"),
        (
            "supannEtuInscription",
            "[etab={UAI}0751717J][anneeinsc=2025][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L2][affect=UFR27]",
        ),
        (
            "supannEtuInscription",
            "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XA][cursusann={SUPANN}M1][affect=UFR27]",
        ),
    ])
}

fn teacher_director() -> Attributes {
    person(&[
        ("eduPersonAffiliation", "teacher"),
        ("eduPersonAffiliation", "employee"),
        ("eduPersonPrimaryAffiliation", "teacher"),
        ("mail", "claire@univ-agora.fr"),
        ("supannRoleEntite", "[role={SUPANN}D30][type={SUPANN}S302][code=UFR27]"),
        ("supannEmpCorps-seniority", "12"),
    ])
}

fn staff() -> Attributes {
    person(&[
        ("eduPersonAffiliation", "staff"),
        ("eduPersonPrimaryAffiliation", "staff"),
        ("supannEmpCorps-seniority", "3"),
    ])
}

fn memberships(set: &PopulationSet, a: &Attributes) -> Vec<String> {
    let mut m: Vec<String> = set
        .memberships(&Subject::new(a, 2026))
        .into_iter()
        .map(str::to_string)
        .collect();
    m.sort();
    m
}

#[test]
fn each_fixture_gets_the_expected_populations() {
    let set = PopulationSet::from_toml(RULES).expect("valid rules");
    assert_eq!(
        memberships(&set, &student_l1_ufr27()),
        ["licence-ufr27", "students", "with-student-number"]
    );
    // Last year's L2 does not count for the current year; this year's M1 is not licence.
    assert_eq!(memberships(&set, &student_two_years()), ["students"]);
    assert_eq!(
        memberships(&set, &teacher_director()),
        ["mail-at-univ", "senior", "teachers", "ufr27-directors"]
    );
    assert_eq!(memberships(&set, &staff()), ["admin-staff"]);
}

#[test]
fn the_academic_year_turns_in_september() {
    let set = PopulationSet::from_toml(RULES).expect("valid rules");
    assert_eq!(set.academic_year(2026, 11), 2026);
    assert_eq!(set.academic_year(2027, 3), 2026);
    // Seen from 2025–2026, the L2 inscription is the current one.
    let m: Vec<&str> = set.memberships(&Subject::new(&student_two_years(), 2025));
    assert!(m.contains(&"licence-ufr27"), "{m:?}");
}

#[test]
fn explanations_name_the_deciding_rule_and_values() {
    let set = PopulationSet::from_toml(RULES).expect("valid rules");
    let attrs = student_two_years();
    let explanations = set.explain(&Subject::new(&attrs, 2026));
    let licence = explanations
        .iter()
        .find(|e| e.population == "licence-ufr27")
        .expect("explained");
    assert!(!licence.outcome.matched);
    let text = licence.to_text();
    assert!(text.contains("✔ member of population `students`"), "{text}");
    assert!(
        text.contains("✘ an inscription with current year (2026), levels L1..L3, affect UFR27"),
        "{text}"
    );
    assert!(
        text.contains("cursusann={SUPANN}M1"),
        "the values looked at are shown: {text}"
    );
}

#[test]
fn a_malformed_composite_is_reported_not_silently_dropped() {
    let set = PopulationSet::from_toml(RULES).expect("valid rules");
    let attrs = person(&[
        ("eduPersonAffiliation", "student"),
        ("supannEtuInscription", "[etab={UAI}0751717J][anneeinsc=20"),
    ]);
    let subject = Subject::new(&attrs, 2026);
    assert_eq!(subject.malformed.len(), 1);
    let text = set.explain(&subject).iter().map(|e| e.to_text()).collect::<String>();
    assert!(text.contains("malformed supannEtuInscription"), "{text}");
}

#[test]
fn invalid_definitions_are_refused_with_the_population_and_reason() {
    let cases = [
        (
            "[populations.a]\nrule = { include = \"nope\" }",
            "a",
            "unknown population `nope`",
        ),
        (
            "[populations.a]\nrule = { include = \"b\" }\n[populations.b]\nrule = { include = \"a\" }",
            "a",
            "include cycle",
        ),
        (
            "[populations.a]\nrule = { matches = { attribute = \"x\", regex = \"(\" } }",
            "a",
            "regex",
        ),
        (
            "[populations.a]\nrule = { inscription = { levels = \"L3..L1\" } }",
            "a",
            "levels",
        ),
        (
            "[populations.a]\nrule = { inscription = { year = \"next\" } }",
            "a",
            "current",
        ),
    ];
    for (text, population, reason) in cases {
        let e = PopulationSet::from_toml(text).unwrap_err();
        assert_eq!(e.population, population, "{text}");
        assert!(e.reason.contains(reason), "{text}: {e}");
    }
    let e = PopulationSet::from_toml("[populations.a]\nrule = { sometimes = true }").unwrap_err();
    assert!(e.to_string().contains("sometimes"), "{e}");
}

const L2_DROIT: &str = "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}01][typedip={SISE}XB][cursusann={SUPANN}L2][affect=UFR01][diplome={SISE}2000123][etape={UAI:0751717J}L2DROIT]";

#[test]
fn rule_values_may_be_written_as_the_directory_writes_them() {
    let set = PopulationSet::from_toml(
        r#"
[populations.bare-diplome]
rule = { inscription = { diplome = "2000123" } }
[populations.tagged-diplome]
rule = { inscription = { diplome = "{SISE}2000123" } }
[populations.tagged-etape]
rule = { inscription = { etape = "{UAI:0751717J}L2DROIT", year = 2026 } }
[populations.bare-etape]
rule = { inscription = { etape = "L2DROIT" } }
[populations.tagged-typedip]
rule = { inscription = { typedip = "{SISE}XB" } }
[populations.tagged-role]
rule = { role = { role = "{SUPANN}D30", entity = "UFR01" } }
[populations.other-etab]
rule = { inscription = { etape = "{UAI:0000000X}L2DROIT" } }
[populations.other-label]
rule = { inscription = { diplome = "{UAI}2000123" } }
[populations.other-code]
rule = { inscription = { diplome = "{SISE}2000124" } }
"#,
    )
    .expect("valid rules");
    let attrs = person(&[
        ("supannEtuInscription", L2_DROIT),
        ("supannRoleEntite", "[role={SUPANN}D30][type={SUPANN}S302][code=UFR01]"),
    ]);
    assert_eq!(
        memberships(&set, &attrs),
        [
            "bare-diplome",
            "bare-etape",
            "tagged-diplome",
            "tagged-etape",
            "tagged-role",
            "tagged-typedip"
        ]
    );
    // A tagged value that cannot be one is refused, naming the population.
    let e = PopulationSet::from_toml("[populations.l2]\nrule = { inscription = { diplome = \"{SISE2000123\" } }")
        .unwrap_err();
    assert_eq!(e.population, "l2", "{e}");
    assert!(e.reason.contains("diplome `{SISE2000123`"), "{e}");
}

#[test]
fn explanations_flag_malformed_values_in_text_and_json() {
    let set = PopulationSet::from_toml(
        r#"
[populations.students]
rule = { affiliation = "student" }
[populations.l1]
rule = { all = [{ include = "students" }, { inscription = { levels = "L1" } }] }
[populations.directors]
rule = { role = { role = "D30" } }
[populations.enrolled]
rule = { present = "supannEtuInscription" }
"#,
    )
    .expect("valid rules");
    let attrs = person(&[
        ("eduPersonAffiliation", "student"),
        ("supannEtuInscription", "[etab={UAI}0751717J][anneeinsc=20"),
        ("supannRoleEntite", "[role={SUPANN}D30][code=UFR27"),
    ]);
    let explanations = set.explain(&Subject::new(&attrs, 2026));
    let find = |id: &str| explanations.iter().find(|e| e.population == id).expect("explained");

    let text = find("directors").to_text();
    assert!(
        text.contains("⚠ malformed supannRoleEntite `[role={SUPANN}D30][code=UFR27`: `[` not closed by `]`"),
        "{text}"
    );
    let text = find("enrolled").to_text();
    assert!(text.contains("⚠ malformed supannEtuInscription"), "{text}");
    assert!(
        !text.contains("supannRoleEntite"),
        "only what the rule looked at: {text}"
    );

    let json = serde_json::to_value(find("l1")).expect("serialisable");
    let inscription = &json["outcome"]["children"][1];
    assert_eq!(
        inscription["malformed"],
        serde_json::json!([{
            "attribute": "supannEtuInscription",
            "value": "[etab={UAI}0751717J][anneeinsc=20",
            "position": 20,
            "reason": "`[` not closed by `]`",
        }]),
        "{json}"
    );
    assert!(json["outcome"]["children"][0].get("malformed").is_none(), "{json}");
    let json = serde_json::to_value(find("students")).expect("serialisable");
    assert!(json["outcome"].get("malformed").is_none(), "{json}");
}

#[test]
fn a_group_rule_holds_for_the_members_of_that_portal_group_only() {
    let set = PopulationSet::from_toml(
        "[populations.tutors]\nlabel = { fr = \"Tuteurs\", en = \"Tutors\" }\nrule = { group = \"tutorat-l1\" }\n",
    )
    .expect("valid rules");
    assert_eq!(
        memberships(
            &set,
            &person(&[("agoraGroup", "chorale"), ("agoraGroup", "tutorat-l1")])
        ),
        vec!["tutors"]
    );
    assert!(memberships(&set, &person(&[("agoraGroup", "tutorat-l2")])).is_empty());
    assert!(memberships(&set, &person(&[("agoraGroupName", "tutorat-l1")])).is_empty());
}

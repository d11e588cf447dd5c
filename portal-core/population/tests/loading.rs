//! Loading `populations.toml`: errors that name the population and where, warnings for
//! attribute names no directory is likely to hold (issue 11, defects 1 and 4).

use agora_population::{PopulationSet, WarningKind};

#[test]
fn an_unknown_test_names_the_population_the_path_and_the_key() {
    let e = PopulationSet::from_toml("[populations.l2-droit]\nrule = { foo = 1 }\n").unwrap_err();
    assert_eq!(e.population, "l2-droit", "{e}");
    assert!(
        e.to_string()
            .starts_with("population `l2-droit`: unknown test `foo` at `rule` (known: all, any, not,"),
        "{e}"
    );
    // Nested: the path says which sub-rule.
    let e = PopulationSet::from_toml(
        "[populations.l2-droit]\nrule = { all = [{ affiliation = \"student\" }, { not = { inscripton = {} } }] }\n",
    )
    .unwrap_err();
    assert_eq!(e.population, "l2-droit", "{e}");
    assert!(
        e.reason
            .starts_with("unknown test `inscripton` at `rule.all[1].not` (did you mean `inscription`?)"),
        "{e}"
    );
}

#[test]
fn other_shape_errors_name_the_population_and_the_path() {
    let cases = [
        (
            "rule = { inscription = { etap = \"L2DROIT\" } }",
            "`rule.inscription`: unknown field `etap`",
        ),
        (
            "rule = { equals = { attribute = \"mail\" } }",
            "`rule.equals`: missing field `value`",
        ),
        (
            "rule = { all = [], any = [] }",
            "`rule`: a rule has exactly one test, found 2 (all, any)",
        ),
        ("rule = { any = [\"student\"] }", "`rule.any[0]`: a rule is a table"),
        (
            "rule = { all = { affiliation = \"student\" } }",
            "`rule.all`: expected a list of rules",
        ),
        (
            "rules = { affiliation = \"student\" }",
            "unknown key `rules` (known: label, rule)",
        ),
        (
            "label = { fr = \"L2\" }\nrule = { affiliation = \"student\" }",
            "`label`: missing field `en`",
        ),
        ("label = { fr = \"L2\", en = \"L2\" }", "missing `rule`"),
    ];
    for (body, reason) in cases {
        let text = format!("[populations.l2-droit]\n{body}\n");
        let e = PopulationSet::from_toml(&text).unwrap_err();
        assert_eq!(e.population, "l2-droit", "{text}: {e}");
        assert!(e.reason.contains(reason), "{text}: {e}");
    }
    // File-level errors still give the TOML position.
    let e = PopulationSet::from_toml("academic_year_start = 9\n").unwrap_err();
    assert_eq!(e.population, "", "{e}");
    assert!(e.reason.contains("academic_year_start"), "{e}");
}

#[test]
fn a_misspelt_attribute_gives_a_warning_with_the_nearest_known_name() {
    let set = PopulationSet::from_toml(
        r#"
[populations.l2-droit]
rule = { all = [
  { has = { attribute = "supannEntiteAfectation", value = "UFR01" } },
  { present = "supannEtuInscription" },
] }

[populations.staff]
rule = { any = [{ equals = { attribute = "edupersonprimaryaffiliation", value = "staff" } }, { affiliation = "staff" }] }

[populations.local]
rule = { matches = { attribute = "x-badge", regex = "^B" } }
"#,
    )
    .expect("warnings are not errors");
    let warnings = set.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    let said: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        said[0],
        "population `l2-droit`: unknown attribute `supannEntiteAfectation` at `rule.all[0].has` \
         (did you mean `supannEntiteAffectation`?)"
    );
    assert!(
        said[1].starts_with("population `local`: unknown attribute `x-badge` at `rule.matches`"),
        "{}",
        said[1]
    );
    assert!(said[1].contains("local_attributes"), "{}", said[1]);
    // Case counts: the attributes are looked up as spelt.
    assert_eq!(warnings[2].population, "staff");
    assert!(
        said[2].contains("(did you mean `eduPersonPrimaryAffiliation`? names are case-sensitive)"),
        "{}",
        said[2]
    );
    let WarningKind::UnknownAttribute { attribute, suggestion } = &warnings[0].kind else {
        panic!("{:?}", warnings[0]);
    };
    assert_eq!(
        (attribute.as_str(), suggestion.as_deref()),
        ("supannEntiteAfectation", Some("supannEntiteAffectation"))
    );
}

#[test]
fn known_and_declared_local_attributes_give_no_warning() {
    let set = PopulationSet::from_toml(
        r#"
local_attributes = ["x-badge"]

[populations.p]
rule = { all = [
  { matches = { attribute = "x-badge", regex = "^B" } },
  { present = "uid" },
  { one_of = { attribute = "supannEtablissement", values = ["{UAI}0751717J"] } },
  { has = { attribute = "eduPersonEntitlement", value = "urn:mace:x" } },
  { equals = { attribute = "mail", value = "a@b.fr" } },
  { inscription = { etape = "L2DROIT" } },
] }
"#,
    )
    .expect("valid");
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
    // The shipped configuration is clean.
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/populations.toml"))
        .expect("config/populations.toml");
    let set = PopulationSet::from_toml(&shipped).expect("valid");
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
}

#[test]
fn the_documented_examples_load_without_warnings() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/populations.md"))
        .expect("docs/populations.md");
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .collect();
    assert_eq!(blocks.len(), 2, "a whole file, then inscription rules");
    let set = PopulationSet::from_toml(blocks[0]).expect("the documented file");
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
    let rules: Vec<&str> = blocks[1].lines().filter(|l| l.starts_with("rule = ")).collect();
    assert_eq!(rules.len(), 3);
    for (i, rule) in rules.iter().enumerate() {
        let set = PopulationSet::from_toml(&format!("[populations.p{i}]\n{rule}\n")).expect(rule);
        assert!(set.warnings().is_empty(), "{rule}: {:?}", set.warnings());
    }
}

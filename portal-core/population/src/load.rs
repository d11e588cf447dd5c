//! Reading `populations.toml`: the file, then each population and its rule tree, so that
//! every error names the population and the path to the fault (`rule.all[1].not`).

use crate::lint::nearest;
use crate::rule::Rule;
use crate::{Label, PopulationError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The tests a rule table may hold, as written in TOML (one per [`Rule`] variant).
pub(crate) const TESTS: &[&str] = &[
    "all",
    "any",
    "not",
    "include",
    "equals",
    "has",
    "one_of",
    "matches",
    "present",
    "compare",
    "affiliation",
    "primary_affiliation",
    "entity",
    "role",
    "inscription",
    "group",
];

/// The keys of a population's table.
const DEFINITION_KEYS: &[&str] = &["label", "rule"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Month (1–12) when the academic year starts (September in France).
    #[serde(default = "september")]
    academic_year_starts: u32,
    /// Attribute names of the local directory that rules may test without a warning.
    #[serde(default)]
    local_attributes: Vec<String>,
    /// Populations, read one by one (see [`definition`]).
    #[serde(default)]
    populations: BTreeMap<String, toml::Value>,
}

fn september() -> u32 {
    9
}

/// One population as written.
#[derive(Debug)]
pub(crate) struct Definition {
    /// Its label.
    pub(crate) label: Label,
    /// Its rule.
    pub(crate) rule: Rule,
}

/// The whole file, read but not yet validated (includes unresolved).
#[derive(Debug)]
pub(crate) struct Document {
    /// Month when the academic year starts.
    pub(crate) academic_year_starts: u32,
    /// Declared local attribute names.
    pub(crate) local_attributes: Vec<String>,
    /// Populations by id.
    pub(crate) definitions: BTreeMap<String, Definition>,
}

/// Read a `populations.toml` document.
pub(crate) fn read(text: &str) -> Result<Document, PopulationError> {
    let file: File = toml::from_str(text).map_err(|e| PopulationError {
        population: String::new(),
        reason: one_line(&e.to_string()),
    })?;
    if !(1..=12).contains(&file.academic_year_starts) {
        return Err(PopulationError {
            population: String::new(),
            reason: "academic_year_starts must be 1..=12".into(),
        });
    }
    let mut definitions = BTreeMap::new();
    for (id, value) in file.populations {
        let def = definition(value).map_err(|reason| PopulationError {
            population: id.clone(),
            reason,
        })?;
        definitions.insert(id, def);
    }
    Ok(Document {
        academic_year_starts: file.academic_year_starts,
        local_attributes: file.local_attributes,
        definitions,
    })
}

fn one_line(message: &str) -> String {
    message.trim_end().replace('\n', " ")
}

fn definition(value: toml::Value) -> Result<Definition, String> {
    let toml::Value::Table(mut table) = value else {
        return Err("a population is a table with a `rule` (and a `label`)".into());
    };
    if let Some(key) = table.keys().find(|k| !DEFINITION_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key `{key}` (known: {})", DEFINITION_KEYS.join(", ")));
    }
    let label = match table.remove("label") {
        None => Label::default(),
        Some(v) => Label::deserialize(v).map_err(|e| format!("in `label`: {}", one_line(&e.to_string())))?,
    };
    let rule = rule(
        table.remove("rule").ok_or_else(|| "missing `rule`".to_string())?,
        "rule",
    )?;
    Ok(Definition { label, rule })
}

/// Read the rule at `path`, checking its shape before serde reads the leaves.
fn rule(value: toml::Value, path: &str) -> Result<Rule, String> {
    let toml::Value::Table(table) = value else {
        return Err(format!(
            "in `{path}`: a rule is a table with one test, like `{{ affiliation = \"student\" }}`"
        ));
    };
    if table.len() != 1 {
        let keys: Vec<&str> = table.keys().map(String::as_str).collect();
        return Err(if keys.is_empty() {
            format!("in `{path}`: a rule has exactly one test, found none")
        } else {
            format!(
                "in `{path}`: a rule has exactly one test, found {} ({})",
                keys.len(),
                keys.join(", ")
            )
        });
    }
    let Some((key, inner)) = table.into_iter().next() else {
        return Err(format!("in `{path}`: a rule has exactly one test, found none"));
    };
    match key.as_str() {
        "all" | "any" => {
            let toml::Value::Array(items) = inner else {
                return Err(format!("in `{path}.{key}`: expected a list of rules"));
            };
            let rules = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| rule(item, &format!("{path}.{key}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if key == "all" {
                Rule::All(rules)
            } else {
                Rule::Any(rules)
            })
        }
        "not" => Ok(Rule::Not(Box::new(rule(inner, &format!("{path}.not"))?))),
        known if TESTS.contains(&known) => {
            let mut one = toml::Table::new();
            one.insert(key.clone(), inner);
            Rule::deserialize(toml::Value::Table(one))
                .map_err(|e| format!("in `{path}.{key}`: {}", one_line(&e.to_string())))
        }
        unknown => Err(match nearest(unknown, TESTS.iter().copied()) {
            Some(near) => format!("unknown test `{unknown}` at `{path}` (did you mean `{near}`?)"),
            None => format!("unknown test `{unknown}` at `{path}` (known: {})", TESTS.join(", ")),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_of_tests_is_the_list_of_rule_variants() {
        let e = Rule::deserialize(toml::Value::Table(toml::Table::from_iter([(
            "zzz".to_string(),
            toml::Value::Integer(1),
        )])))
        .unwrap_err()
        .to_string();
        let expected: Vec<String> = TESTS.iter().map(|t| format!("`{t}`")).collect();
        assert!(e.contains(&expected.join(", ")), "{e}");
    }

    #[test]
    fn leaves_are_read_by_serde_with_integers_as_numbers() {
        let value: toml::Value =
            toml::from_str("r = { compare = { attribute = \"x\", op = \">=\", value = 10 } }").expect("toml");
        let r = rule(value["r"].clone(), "rule").expect("valid");
        assert!(matches!(r, Rule::Compare { value, .. } if value == 10.0), "{r:?}");
    }
}

//! # agora-population — populations that explain themselves
//!
//! A [`PopulationSet`] is loaded from TOML (see `docs/populations.md`), validated (unknown
//! tests, unknown populations in `include`, include cycles, bad regexes, bad level ranges,
//! malformed tagged values are errors naming the population, where and why; attribute
//! names no directory is likely to hold are [`Warning`]s, in [`PopulationSet::warnings`]),
//! then evaluated for a person's attributes: [`PopulationSet::memberships`] for speed,
//! [`PopulationSet::explain`] for people.

mod explain;
mod lint;
mod load;
mod rule;
mod subject;

pub use explain::{Explanation, Malformed, Outcome};
pub use lint::{KNOWN_ATTRIBUTES, Warning, WarningKind};
pub use rule::{InscriptionTest, LevelRange, RoleTest, Rule};
pub use subject::Subject;

use load::Definition;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Person attributes: name → values.
pub type Attributes = BTreeMap<String, Vec<String>>;

/// A population definition that cannot be used. Displayed as ``population `id`: reason``
/// (or the reason alone for file-level errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", if population.is_empty() { String::new() } else { format!("population `{population}`: ") })]
pub struct PopulationError {
    /// The population at fault (empty for file-level errors).
    pub population: String,
    /// What is wrong.
    pub reason: String,
}

/// Localised label.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// French.
    pub fr: String,
    /// English.
    pub en: String,
}

/// One validated population.
#[derive(Debug, Clone)]
pub struct Population {
    /// Identifier.
    pub id: String,
    /// Label.
    pub label: Label,
    /// The rule (regexes compiled, includes resolved to indexes).
    pub rule: rule::Compiled,
    /// The rule as written, for explanations.
    pub source: Rule,
}

/// All populations of the portal, in evaluation order (includes before includers).
#[derive(Debug, Clone, Default)]
pub struct PopulationSet {
    populations: Vec<Population>,
    index: HashMap<String, usize>,
    academic_year_starts: u32,
    warnings: Vec<Warning>,
}

impl PopulationSet {
    /// Parse and validate a TOML document. What loads but looks wrong (an attribute name
    /// no directory is likely to hold) is kept in [`PopulationSet::warnings`].
    pub fn from_toml(text: &str) -> Result<Self, PopulationError> {
        let file = load::read(text)?;
        // Topological order over includes, so each population is evaluated after those it includes.
        let ids: Vec<&String> = file.definitions.keys().collect();
        let mut order: Vec<String> = Vec::new();
        let mut state: HashMap<&str, u8> = HashMap::new(); // 1 = visiting, 2 = done
        fn visit<'a>(
            id: &'a str,
            defs: &'a BTreeMap<String, Definition>,
            state: &mut HashMap<&'a str, u8>,
            order: &mut Vec<String>,
            path: &mut Vec<&'a str>,
        ) -> Result<(), PopulationError> {
            match state.get(id) {
                Some(2) => return Ok(()),
                Some(1) => {
                    return Err(PopulationError {
                        population: id.to_string(),
                        reason: format!("include cycle: {} → {id}", path.join(" → ")),
                    });
                }
                _ => {}
            }
            state.insert(id, 1);
            path.push(id);
            let def = &defs[id];
            for inc in def.rule.includes() {
                if !defs.contains_key(inc) {
                    return Err(PopulationError {
                        population: id.to_string(),
                        reason: format!("includes unknown population `{inc}`"),
                    });
                }
                visit(
                    defs.get_key_value(inc).map(|(k, _)| k.as_str()).unwrap_or(inc),
                    defs,
                    state,
                    order,
                    path,
                )?;
            }
            path.pop();
            state.insert(id, 2);
            order.push(id.to_string());
            Ok(())
        }
        for id in &ids {
            visit(id, &file.definitions, &mut state, &mut order, &mut Vec::new())?;
        }
        let mut set = PopulationSet {
            populations: Vec::new(),
            index: HashMap::new(),
            academic_year_starts: file.academic_year_starts,
            warnings: file
                .definitions
                .iter()
                .flat_map(|(id, def)| lint::check(id, &def.rule, &file.local_attributes))
                .collect(),
        };
        for id in order {
            let def = &file.definitions[&id];
            let compiled = def.rule.compile(&set.index).map_err(|reason| PopulationError {
                population: id.clone(),
                reason,
            })?;
            set.index.insert(id.clone(), set.populations.len());
            set.populations.push(Population {
                id,
                label: def.label.clone(),
                rule: compiled,
                source: def.rule.clone(),
            });
        }
        Ok(set)
    }

    /// What loaded but is most likely a mistake (a misspelt attribute name…), by population
    /// id then in the order written. Worth logging at load time; empty when all is well.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Populations, in evaluation order.
    pub fn iter(&self) -> impl Iterator<Item = &Population> {
        self.populations.iter()
    }

    /// Number of populations.
    pub fn len(&self) -> usize {
        self.populations.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.populations.is_empty()
    }

    /// A population by id.
    pub fn get(&self, id: &str) -> Option<&Population> {
        self.index.get(id).map(|&i| &self.populations[i])
    }

    /// The name of population `id` in `locale` (`en`, else French), its id when it has no
    /// label in that language or does not exist.
    pub fn label_of(&self, id: &str, locale: &str) -> String {
        self.get(id)
            .map(|p| if locale == "en" { &p.label.en } else { &p.label.fr })
            .filter(|l| !l.is_empty())
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The academic year a date falls in (start year), given as (year, month).
    pub fn academic_year(&self, year: i32, month: u32) -> i32 {
        if month >= self.academic_year_starts {
            year
        } else {
            year - 1
        }
    }

    /// The populations `subject` belongs to, in evaluation order.
    pub fn memberships(&self, subject: &Subject) -> Vec<&str> {
        let mut member = vec![false; self.populations.len()];
        for (i, p) in self.populations.iter().enumerate() {
            member[i] = p.rule.eval(subject, &member);
        }
        self.populations
            .iter()
            .zip(&member)
            .filter(|(_, m)| **m)
            .map(|(p, _)| p.id.as_str())
            .collect()
    }

    /// For each population: whether `subject` belongs, and why.
    pub fn explain(&self, subject: &Subject) -> Vec<Explanation> {
        let mut member = vec![false; self.populations.len()];
        let mut out = Vec::with_capacity(self.populations.len());
        for (i, p) in self.populations.iter().enumerate() {
            let outcome = p.rule.explain(subject, &member, &self.populations);
            member[i] = outcome.matched;
            out.push(Explanation {
                population: p.id.clone(),
                label: p.label.clone(),
                outcome,
            });
        }
        out
    }
}

//! The rule language: what admins write, and its compiled form.

use crate::Population;
use crate::explain::{Malformed, Outcome};
use crate::subject::Subject;
use agora_supann::{SupannError, Tagged};
use serde::Deserialize;
use std::collections::HashMap;

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CompareOp {
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `==`
    #[serde(rename = "==")]
    Eq,
}

/// Year of an inscription: `"current"` or a start year.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum YearSpec {
    /// A start year (2026 for 2026–2027).
    Year(i32),
    /// `"current"`: the academic year of today.
    Named(String),
}

/// A range of cursus years: `"L1..L3"`, or one year `"M2"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct LevelRange(pub String);

/// An inscription test: true when one of the person's inscriptions satisfies every field given.
///
/// `etape`, `diplome` and `typedip` are SupAnn tagged values: written bare (`L2DROIT`) they
/// match the code whatever its label; written as the directory writes them
/// (`{UAI:0751717J}L2DROIT`), label and code must both match.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InscriptionTest {
    /// `"current"` or a year.
    pub year: Option<YearSpec>,
    /// Cursus years, e.g. `"L1..L3"`.
    pub levels: Option<LevelRange>,
    /// Unit (`affect`), e.g. `UFR27`.
    pub affect: Option<String>,
    /// Step (étape), e.g. `L1MATH` or `{UAI:0751717J}L1MATH`.
    pub etape: Option<String>,
    /// Diploma, e.g. `2500256` or `{SISE}2500256`.
    pub diplome: Option<String>,
    /// Diploma type, e.g. `XB` or `{SISE}XB`.
    pub typedip: Option<String>,
}

/// A role test: a `supannRoleEntite` with this role code, optionally on this entity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleTest {
    /// Role code, e.g. `D30` (any label) or `{SUPANN}D30` (that label only).
    pub role: String,
    /// Entity code, e.g. `UFR27`.
    pub entity: Option<String>,
}

/// A rule as admins write it (one key per table).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Every sub-rule holds.
    All(Vec<Rule>),
    /// At least one sub-rule holds.
    Any(Vec<Rule>),
    /// The sub-rule does not hold.
    Not(Box<Rule>),
    /// The person belongs to another population.
    Include(String),
    /// The attribute's first value equals `value`.
    Equals {
        /// Attribute name.
        attribute: String,
        /// Expected value.
        value: String,
    },
    /// One of the attribute's values equals `value` (membership in a multi-valued attribute).
    Has {
        /// Attribute name.
        attribute: String,
        /// Expected value.
        value: String,
    },
    /// One of the attribute's values is in `values`.
    OneOf {
        /// Attribute name.
        attribute: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// One of the attribute's values matches the regular expression.
    Matches {
        /// Attribute name.
        attribute: String,
        /// Regular expression (Rust `regex` syntax).
        regex: String,
    },
    /// The attribute has at least one value.
    Present(String),
    /// One of the attribute's values, read as a number, compares to `value`.
    Compare {
        /// Attribute name.
        attribute: String,
        /// Operator.
        op: CompareOp,
        /// Number compared with.
        value: f64,
    },
    /// `eduPersonAffiliation` has this value.
    Affiliation(String),
    /// `eduPersonPrimaryAffiliation` is this value.
    PrimaryAffiliation(String),
    /// `supannEntiteAffectation` has this entity.
    Entity(String),
    /// A role on an entity (`supannRoleEntite`).
    Role(RoleTest),
    /// An inscription (`supannEtuInscription`) with these properties.
    Inscription(InscriptionTest),
    /// A member of the portal's self-managed group with this id (the portal puts the
    /// person's groups in `agoraGroup`).
    Group(String),
}

impl Rule {
    /// Populations this rule includes, directly or in sub-rules.
    pub fn includes(&self) -> Vec<&str> {
        match self {
            Rule::Include(id) => vec![id.as_str()],
            Rule::All(rs) | Rule::Any(rs) => rs.iter().flat_map(Rule::includes).collect(),
            Rule::Not(r) => r.includes(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn compile(&self, index: &HashMap<String, usize>) -> Result<Compiled, String> {
        Ok(match self {
            Rule::All(rs) => Compiled::All(rs.iter().map(|r| r.compile(index)).collect::<Result<_, _>>()?),
            Rule::Any(rs) => Compiled::Any(rs.iter().map(|r| r.compile(index)).collect::<Result<_, _>>()?),
            Rule::Not(r) => Compiled::Not(Box::new(r.compile(index)?)),
            Rule::Include(id) => Compiled::Include(
                *index
                    .get(id)
                    .ok_or_else(|| format!("includes unknown population `{id}`"))?,
            ),
            Rule::Equals { attribute, value } => Compiled::Equals(attribute.clone(), value.clone()),
            Rule::Has { attribute, value } => Compiled::Has(attribute.clone(), value.clone()),
            Rule::OneOf { attribute, values } => Compiled::OneOf(attribute.clone(), values.clone()),
            Rule::Matches { attribute, regex } => Compiled::Matches(
                attribute.clone(),
                regex::Regex::new(regex).map_err(|e| format!("regex `{regex}`: {e}"))?,
            ),
            Rule::Present(a) => Compiled::Present(a.clone()),
            Rule::Compare { attribute, op, value } => Compiled::Compare(attribute.clone(), *op, *value),
            Rule::Affiliation(a) => Compiled::Has("eduPersonAffiliation".into(), a.clone()),
            Rule::PrimaryAffiliation(a) => Compiled::Equals("eduPersonPrimaryAffiliation".into(), a.clone()),
            Rule::Entity(e) => Compiled::Has("supannEntiteAffectation".into(), e.clone()),
            Rule::Group(g) => Compiled::Has("agoraGroup".into(), g.clone()),
            Rule::Role(r) => Compiled::Role {
                role: tag("role", &r.role)?,
                test: r.clone(),
            },
            Rule::Inscription(t) => {
                let year = match &t.year {
                    None => None,
                    Some(YearSpec::Year(y)) => Some(Some(*y)),
                    Some(YearSpec::Named(n)) if n == "current" => Some(None),
                    Some(YearSpec::Named(n)) => {
                        return Err(format!("inscription year `{n}`: write \"current\" or a year"));
                    }
                };
                let levels = t.levels.as_ref().map(|l| parse_levels(&l.0)).transpose()?;
                let tagged = |field: &str, value: &Option<String>| {
                    value
                        .as_ref()
                        .map(|v| tag(&format!("inscription {field}"), v))
                        .transpose()
                };
                Compiled::Inscription(Box::new(InscriptionFilter {
                    year,
                    levels,
                    etape: tagged("etape", &t.etape)?,
                    diplome: tagged("diplome", &t.diplome)?,
                    typedip: tagged("typedip", &t.typedip)?,
                    test: t.clone(),
                }))
            }
        })
    }
}

/// A rule value read as a SupAnn tagged value (`{SISE}2000123` or a bare `2000123`).
fn tag(what: &str, value: &str) -> Result<Tagged, String> {
    value
        .parse()
        .map_err(|e: SupannError| format!("{what} `{value}`: {}", e.reason))
}

/// Whether the person's `have` is the rule's `want`: same code, and same label when the rule
/// writes one.
fn tag_matches(want: &Tagged, have: &Tagged) -> bool {
    have.code == want.code && want.label.as_ref().is_none_or(|l| have.label.as_ref() == Some(l))
}

fn parse_level(s: &str) -> Option<(char, u8)> {
    let mut chars = s.trim().chars();
    let cycle = chars.next().filter(char::is_ascii_uppercase)?;
    Some((cycle, chars.as_str().parse().ok()?))
}

fn parse_levels(s: &str) -> Result<(char, u8, u8), String> {
    let (a, b) = s.split_once("..").unwrap_or((s, s));
    match (parse_level(a), parse_level(b)) {
        (Some((c1, y1)), Some((c2, y2))) if c1 == c2 && y1 <= y2 => Ok((c1, y1, y2)),
        _ => Err(format!(
            "levels `{s}`: write a range like \"L1..L3\" (same cycle, increasing) or one level like \"M2\""
        )),
    }
}

/// A compiled rule: regexes built, includes resolved.
#[derive(Debug, Clone)]
pub enum Compiled {
    /// All.
    All(Vec<Compiled>),
    /// Any.
    Any(Vec<Compiled>),
    /// Not.
    Not(Box<Compiled>),
    /// Include (population index).
    Include(usize),
    /// First value equals.
    Equals(String, String),
    /// Some value equals.
    Has(String, String),
    /// Some value in the set.
    OneOf(String, Vec<String>),
    /// Some value matches.
    Matches(String, regex::Regex),
    /// Has a value.
    Present(String),
    /// Numeric comparison.
    Compare(String, CompareOp, f64),
    /// Role on entity.
    Role {
        /// The role, read as a tagged value.
        role: Tagged,
        /// The test as written.
        test: RoleTest,
    },
    /// Inscription.
    Inscription(Box<InscriptionFilter>),
}

/// A compiled inscription test.
#[derive(Debug, Clone)]
pub struct InscriptionFilter {
    /// Year: None = any, Some(None) = current, Some(Some(y)) = y.
    pub year: Option<Option<i32>>,
    /// Cycle, first and last year.
    pub levels: Option<(char, u8, u8)>,
    /// Step, read as a tagged value.
    pub etape: Option<Tagged>,
    /// Diploma, read as a tagged value.
    pub diplome: Option<Tagged>,
    /// Diploma type, read as a tagged value.
    pub typedip: Option<Tagged>,
    /// The test as written.
    pub test: InscriptionTest,
}

fn compare(op: CompareOp, a: f64, b: f64) -> bool {
    match op {
        CompareOp::Lt => a < b,
        CompareOp::Le => a <= b,
        CompareOp::Gt => a > b,
        CompareOp::Ge => a >= b,
        CompareOp::Eq => a == b,
    }
}

impl Compiled {
    /// Evaluate; `member[i]` tells whether the subject is in population `i` (already evaluated).
    pub fn eval(&self, s: &Subject, member: &[bool]) -> bool {
        match self {
            Compiled::All(rs) => rs.iter().all(|r| r.eval(s, member)),
            Compiled::Any(rs) => rs.iter().any(|r| r.eval(s, member)),
            Compiled::Not(r) => !r.eval(s, member),
            Compiled::Include(i) => member.get(*i).copied().unwrap_or(false),
            Compiled::Equals(a, v) => s.values(a).first() == Some(v),
            Compiled::Has(a, v) => s.values(a).iter().any(|x| x == v),
            Compiled::OneOf(a, vs) => s.values(a).iter().any(|x| vs.contains(x)),
            Compiled::Matches(a, re) => s.values(a).iter().any(|x| re.is_match(x)),
            Compiled::Present(a) => !s.values(a).is_empty(),
            Compiled::Compare(a, op, n) => s
                .values(a)
                .iter()
                .any(|x| x.trim().parse::<f64>().is_ok_and(|x| compare(*op, x, *n))),
            Compiled::Role { role, test } => s.roles.iter().any(|r| {
                tag_matches(role, &r.role)
                    && test
                        .entity
                        .as_ref()
                        .is_none_or(|e| r.code.as_deref() == Some(e.as_str()))
            }),
            Compiled::Inscription(filter) => s.inscriptions.iter().any(|i| {
                let InscriptionFilter {
                    year,
                    levels,
                    etape,
                    diplome,
                    typedip,
                    test,
                } = &**filter;
                let want_year = year.map(|y| y.unwrap_or(s.current_year));
                want_year.is_none_or(|y| i32::from(i.anneeinsc) == y)
                    && levels.is_none_or(|(c, lo, hi)| {
                        i.level().is_some_and(|l| l.cycle == c && (lo..=hi).contains(&l.year))
                    })
                    && test
                        .affect
                        .as_ref()
                        .is_none_or(|a| i.affect.as_deref() == Some(a.as_str()))
                    && etape
                        .as_ref()
                        .is_none_or(|e| i.etape.as_ref().is_some_and(|x| tag_matches(e, x)))
                    && diplome
                        .as_ref()
                        .is_none_or(|d| i.diplome.as_ref().is_some_and(|x| tag_matches(d, x)))
                    && typedip.as_ref().is_none_or(|d| tag_matches(d, &i.typedip))
            }),
        }
    }

    /// Evaluate and say why.
    pub fn explain(&self, s: &Subject, member: &[bool], all: &[Population]) -> Outcome {
        let matched = self.eval(s, member);
        let seen = |a: &str| format!("{a} = {:?}", s.values(a));
        let (rule, detail, children) = match self {
            Compiled::All(rs) => (
                "all of".to_string(),
                String::new(),
                rs.iter().map(|r| r.explain(s, member, all)).collect(),
            ),
            Compiled::Any(rs) => (
                "any of".to_string(),
                String::new(),
                rs.iter().map(|r| r.explain(s, member, all)).collect(),
            ),
            Compiled::Not(r) => ("not".to_string(), String::new(), vec![r.explain(s, member, all)]),
            Compiled::Include(i) => {
                let id = all.get(*i).map(|p| p.id.as_str()).unwrap_or("?");
                (format!("member of population `{id}`"), String::new(), Vec::new())
            }
            Compiled::Equals(a, v) => (format!("{a} is `{v}`"), seen(a), Vec::new()),
            Compiled::Has(a, v) => (format!("{a} contains `{v}`"), seen(a), Vec::new()),
            Compiled::OneOf(a, vs) => (format!("{a} contains one of {vs:?}"), seen(a), Vec::new()),
            Compiled::Matches(a, re) => (format!("{a} matches /{re}/"), seen(a), Vec::new()),
            Compiled::Present(a) => (format!("{a} is present"), seen(a), Vec::new()),
            Compiled::Compare(a, op, n) => (format!("{a} {op:?} {n}"), seen(a), Vec::new()),
            Compiled::Role { test: t, .. } => (
                format!(
                    "role {}{}",
                    t.role,
                    t.entity.as_ref().map(|e| format!(" on {e}")).unwrap_or_default()
                ),
                seen("supannRoleEntite"),
                Vec::new(),
            ),
            Compiled::Inscription(filter) => {
                let InscriptionFilter { test, year, .. } = &**filter;
                let y = match year {
                    None => "any year".to_string(),
                    Some(None) => format!("current year ({})", s.current_year),
                    Some(Some(y)) => format!("year {y}"),
                };
                let mut parts = vec![y];
                if let Some(l) = &test.levels {
                    parts.push(format!("levels {}", l.0));
                }
                for (k, v) in [
                    ("affect", &test.affect),
                    ("etape", &test.etape),
                    ("diplome", &test.diplome),
                    ("typedip", &test.typedip),
                ] {
                    if let Some(v) = v {
                        parts.push(format!("{k} {v}"));
                    }
                }
                (
                    format!("an inscription with {}", parts.join(", ")),
                    seen("supannEtuInscription"),
                    Vec::new(),
                )
            }
        };
        let malformed = match self.attribute() {
            Some(a) => s
                .malformed
                .iter()
                .filter(|(attribute, _)| attribute == a)
                .map(|(attribute, e)| Malformed::new(attribute, e))
                .collect(),
            None => Vec::new(),
        };
        Outcome {
            matched,
            rule,
            detail,
            malformed,
            children,
        }
    }

    /// The attribute this test looks at itself (none for `all`, `any`, `not`, `include`).
    fn attribute(&self) -> Option<&str> {
        match self {
            Compiled::All(_) | Compiled::Any(_) | Compiled::Not(_) | Compiled::Include(_) => None,
            Compiled::Equals(a, _)
            | Compiled::Has(a, _)
            | Compiled::OneOf(a, _)
            | Compiled::Matches(a, _)
            | Compiled::Present(a)
            | Compiled::Compare(a, _, _) => Some(a),
            Compiled::Role { .. } => Some("supannRoleEntite"),
            Compiled::Inscription(_) => Some("supannEtuInscription"),
        }
    }
}

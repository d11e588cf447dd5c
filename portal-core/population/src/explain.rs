//! Explanations: which rule matched or failed, on what values.

use crate::Label;
use agora_supann::SupannError;
use serde::Serialize;
use std::fmt::Write;

/// A value of the person's that a rule looked at and that does not follow the SupAnn syntax
/// (a truncated `supannEtuInscription`, say): the rule cannot see what it holds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Malformed {
    /// The attribute.
    pub attribute: String,
    /// The value (shortened to 200 bytes).
    pub value: String,
    /// Byte offset where the problem was found.
    pub position: usize,
    /// What is wrong.
    pub reason: String,
}

impl Malformed {
    /// The malformed value `error` of `attribute`.
    pub fn new(attribute: &str, error: &SupannError) -> Self {
        Malformed {
            attribute: attribute.to_string(),
            value: error.value.clone(),
            position: error.position,
            reason: error.reason.clone(),
        }
    }
}

/// The outcome of one rule (and its sub-rules) for one person.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    /// Whether the rule holds.
    pub matched: bool,
    /// The rule, for a person.
    pub rule: String,
    /// The values the rule looked at.
    pub detail: String,
    /// Those of them that are malformed (left out of the JSON when there is none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub malformed: Vec<Malformed>,
    /// Sub-rules.
    pub children: Vec<Outcome>,
}

/// Whether a person belongs to one population, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Explanation {
    /// Population id.
    pub population: String,
    /// Its label.
    #[serde(skip)]
    pub label: Label,
    /// The rule's outcome.
    pub outcome: Outcome,
}

impl Explanation {
    /// A readable, indented text; a malformed value a rule looked at is shown under it,
    /// after `⚠`.
    pub fn to_text(&self) -> String {
        let mut out = format!("{} {}\n", if self.outcome.matched { "✔" } else { "✘" }, self.population);
        fn walk(o: &Outcome, depth: usize, out: &mut String) {
            let _ = writeln!(
                out,
                "{}{} {}{}",
                "  ".repeat(depth),
                if o.matched { "✔" } else { "✘" },
                o.rule,
                if o.detail.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", o.detail)
                }
            );
            for m in &o.malformed {
                let _ = writeln!(
                    out,
                    "{}⚠ malformed {} `{}`: {} (at byte {})",
                    "  ".repeat(depth + 1),
                    m.attribute,
                    m.value,
                    m.reason,
                    m.position
                );
            }
            for c in &o.children {
                walk(c, depth + 1, out);
            }
        }
        walk(&self.outcome, 1, &mut out);
        out
    }
}

//! Explanations: which rule matched or failed, on what values.

use crate::Label;
use serde::Serialize;
use std::fmt::Write;

/// The outcome of one rule (and its sub-rules) for one person.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    /// Whether the rule holds.
    pub matched: bool,
    /// The rule, for a person.
    pub rule: String,
    /// The values the rule looked at.
    pub detail: String,
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
    /// A readable, indented text.
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
            for c in &o.children {
                walk(c, depth + 1, out);
            }
        }
        walk(&self.outcome, 1, &mut out);
        out
    }
}

//! axe-core (the npm package `cargo xtask test` installs into `target/npm/`), injected into
//! the test Chromium through WebDriver and run on the page as it is: the WCAG 2.1 A and AA
//! rules, light DOM and open shadow roots alike.

use crate::webdriver::Browser;
use serde_json::{Value, json};

/// The WCAG levels audited (axe's tags): RGAA 4.1 follows WCAG 2.1 AA.
pub const WCAG_21_AA: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// axe's best practices RGAA asks for too (criteria 9.1 headings, 12.6 landmarks, 12.7 skip
/// link): one `h1`, one `main`, headings in order, a skip link that leads somewhere.
pub const STRUCTURE: &[&str] = &[
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "heading-order",
    "skip-link",
];

/// axe-core's script, as npm installed it.
pub fn source() -> String {
    let path = crate::repo_root().join("target/npm/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `cargo xtask test`, which installs axe-core with npm",
            path.display()
        )
    })
}

/// One rule a page breaks, with the elements that break it.
#[derive(Debug, Clone)]
pub struct Violation {
    /// axe's rule id (`color-contrast`, `page-has-heading-one`…).
    pub rule: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks, in words.
    pub help: String,
    /// Each offending element: its selector, the start of its HTML, axe's summary.
    pub nodes: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({}): {}", self.rule, self.impact, self.help)?;
        for n in &self.nodes {
            writeln!(f, "    {n}")?;
        }
        Ok(())
    }
}

const RUN: &str = "const done = arguments[arguments.length - 1]; \
    axe.run(document, { runOnly: arguments[0], resultTypes: ['violations'] }) \
      .then(r => done(r.violations.map(v => ({ rule: v.id, impact: v.impact || '', help: v.help, \
        nodes: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' ⇒ ') : t).join(' > ') \
          + '  ' + n.html.slice(0, 160) + '  — ' + (n.failureSummary || '').replace(/\\s+/g, ' ')) })))) \
      .catch(e => done({ error: String(e) }));";

/// Run axe (`source`, injected into the current document if it is not there yet) on the page
/// the browser shows; the violations of the WCAG 2.1 A/AA rules and of [`STRUCTURE`].
pub async fn audit(browser: &Browser, source: &str) -> Vec<Violation> {
    let mut found = run(browser, source, json!({ "type": "tag", "values": WCAG_21_AA })).await;
    found.extend(run(browser, source, json!({ "type": "rule", "values": STRUCTURE })).await);
    found
}

/// One axe run with its `runOnly` option.
async fn run(browser: &Browser, source: &str, only: Value) -> Vec<Violation> {
    let present = browser.script("return typeof window.axe === 'object';").await;
    if present != Value::Bool(true) {
        browser
            .script(&format!("{source}\n;window.axe = axe; return true;"))
            .await;
    }
    let found = browser.script_async(RUN, json!([only])).await;
    let Some(list) = found.as_array() else {
        panic!("axe did not run: {found}");
    };
    list.iter()
        .map(|v| Violation {
            rule: v["rule"].as_str().unwrap_or_default().to_string(),
            impact: v["impact"].as_str().unwrap_or_default().to_string(),
            help: v["help"].as_str().unwrap_or_default().to_string(),
            nodes: v["nodes"]
                .as_array()
                .map(|ns| ns.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        })
        .collect()
}

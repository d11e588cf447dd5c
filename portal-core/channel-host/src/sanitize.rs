//! Channel HTML sanitising: what a channel returns never reaches the page executable.
//!
//! Allowed: ammonia's conservative set of formatting and structure tags, `class` on any tag,
//! `http`, `https`, `mailto` and `tel` links (relative URLs too). Removed: scripts, styles,
//! event handlers, `style` attributes, frames, forms, `javascript:`/`data:` URLs, comments.
//! Links get `rel="noopener noreferrer"`.

use std::collections::HashSet;
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["class", "lang", "title", "aria-label", "aria-hidden", "role"])
        .add_tags([
            "time",
            "figure",
            "figcaption",
            "section",
            "article",
            "header",
            "footer",
            "nav",
        ])
        .add_tag_attributes("time", ["datetime"])
        .add_tag_attributes("a", ["hreflang"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
});

/// Sanitise a channel's HTML fragment.
pub fn sanitize(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let out = sanitize(
            r#"<p class="x">hi</p><script>alert(1)</script><img src="x" onerror="alert(1)">
               <a href="javascript:alert(1)">a</a><a href="JaVaScRiPt:alert(1)">b</a>
               <div style="x">s</div><iframe src="https://e/"></iframe><svg onload="alert(1)"></svg>"#,
        );
        let lower = out.to_ascii_lowercase();
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "style=",
            "<iframe",
            "onload",
            "<svg",
        ] {
            assert!(!lower.contains(bad), "{bad} survived in {out}");
        }
        assert!(out.contains(r#"<p class="x">hi</p>"#));
    }

    #[test]
    fn safe_links_keep_working_and_get_noopener() {
        let out = sanitize(r#"<a href="https://univ.fr/">u</a>"#);
        assert_eq!(out, r#"<a href="https://univ.fr/" rel="noopener noreferrer">u</a>"#);
    }
}

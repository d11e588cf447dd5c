//! Small helpers to write HTML fragments safely.

/// Escape text for use in HTML element content or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Keep a URL only if it is http(s) or mailto; anything else becomes `#`.
/// (The host sanitises again; this keeps channel output meaningful.)
pub fn safe_url(url: &str) -> &str {
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:") {
        url
    } else {
        "#"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn safe_url_refuses_javascript() {
        assert_eq!(safe_url("javascript:alert(1)"), "#");
        assert_eq!(safe_url(" JAVASCRIPT:alert(1)"), "#");
        assert_eq!(safe_url("https://univ.fr/"), "https://univ.fr/");
    }
}

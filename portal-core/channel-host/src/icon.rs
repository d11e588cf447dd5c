//! A channel's icon: an SVG file of its package, never inserted as written. It is parsed
//! (no DTD, so no entities), and rebuilt from an allowlist of shape elements and
//! presentation attributes, values re-escaped; anything that can run, load or link (scripts,
//! `foreignObject`, `use`, `image`, `href`, event handlers, `style`, `url(…)`) is refused,
//! with the reason. The result is at most [`MAX_ICON_BYTES`] and is shown decoratively
//! (`aria-hidden`), coloured by the theme (`currentColor`).

/// The largest icon file accepted.
pub const MAX_ICON_BYTES: usize = 8 * 1024;

const ELEMENTS: &[&str] = &[
    "svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "title",
];
const ATTRIBUTES: &[&str] = &[
    "viewBox",
    "d",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "fill-rule",
    "clip-rule",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "width",
    "height",
    "points",
    "opacity",
    "fill-opacity",
    "stroke-opacity",
    "transform",
];
const SVG_NS: &str = "http://www.w3.org/2000/svg";

fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Check and rebuild `text`: the sanitised SVG, or why it is refused.
pub fn sanitize_icon(text: &str) -> Result<String, String> {
    if text.len() > MAX_ICON_BYTES {
        return Err(format!("{} bytes, more than {MAX_ICON_BYTES}", text.len()));
    }
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("not well-formed SVG: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err("the root element must be <svg xmlns=\"http://www.w3.org/2000/svg\">".into());
    }
    if root.attribute("viewBox").is_none() {
        return Err("the <svg> element needs a viewBox".into());
    }
    let mut out = String::new();
    write(root, &mut out, 0)?;
    Ok(out)
}

fn write(node: roxmltree::Node, out: &mut String, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err("nested too deep".into());
    }
    let name = node.tag_name().name();
    if node.tag_name().namespace() != Some(SVG_NS) || !ELEMENTS.contains(&name) {
        return Err(format!("<{name}> is not allowed in an icon"));
    }
    out.push('<');
    out.push_str(name);
    if name == "svg" {
        out.push_str(" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\" focusable=\"false\"");
    }
    for a in node.attributes() {
        let key = a.name();
        if a.namespace().is_some() || !ATTRIBUTES.contains(&key) {
            return Err(format!("attribute `{key}` of <{name}> is not allowed in an icon"));
        }
        let value = a.value();
        let lower = value.to_ascii_lowercase();
        if lower.contains("url(") || lower.contains("javascript:") || lower.contains("expression(") {
            return Err(format!(
                "attribute `{key}` of <{name}> refers to something outside the icon"
            ));
        }
        out.push_str(&format!(" {key}=\"{}\"", escape(value)));
    }
    out.push('>');
    for child in node.children() {
        if child.is_element() {
            write(child, out, depth + 1)?;
        } else if child.is_text() && name == "title" {
            out.push_str(&escape(child.text().unwrap_or_default()));
        }
    }
    out.push_str(&format!("</{name}>"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BELL: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="currentColor" d="M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2z"/></svg>"#;

    #[test]
    fn a_plain_icon_is_kept_and_marked_decorative() {
        let icon = sanitize_icon(BELL).expect("accepted");
        assert!(
            icon.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\""),
            "{icon}"
        );
        assert!(icon.contains("<path fill=\"currentColor\" d=\"M12 22a2"), "{icon}");
    }

    #[test]
    fn anything_that_runs_loads_or_links_is_refused_with_the_reason() {
        let cases = [
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>alert(1)</script></svg>"#,
                "<script>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"/>"#,
                "onload",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink" viewBox="0 0 1 1"><use x:href="http://evil/#a"/></svg>"#,
                "<use>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect fill="url(http://evil/)"/></svg>"#,
                "outside",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><foreignObject/></svg>"#,
                "foreignObject",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" style="x"/>"#,
                "style",
            ),
            (
                r#"<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>"#,
                "well-formed",
            ),
            (r#"<svg viewBox="0 0 1 1"/>"#, "xmlns"),
            (r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#, "viewBox"),
        ];
        for (svg, why) in cases {
            let e = sanitize_icon(svg).expect_err(svg);
            assert!(e.contains(why), "{svg}: {e}");
        }
        assert!(
            sanitize_icon(&"x".repeat(MAX_ICON_BYTES + 1))
                .unwrap_err()
                .contains("bytes")
        );
    }
}

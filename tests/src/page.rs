//! Reading streamed pages: which slot holds which publication, and what each slot says.

/// The CSRF token of the first form of a page.
pub fn csrf_token(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// The slot name (`s-N`) of a publication in the page shell.
pub fn slot_of(html: &str, publication: &str) -> Option<String> {
    let marker = format!("data-publication=\"{publication}\"");
    let at = html.find(&marker)?;
    let rest = &html[at..];
    let s = rest.find("<slot name=\"")? + "<slot name=\"".len();
    let e = rest[s..].find('"')? + s;
    Some(rest[s..e].to_string())
}

/// The streamed chunk filling slot `slot` (from `<div slot="…">` to its closing tag).
pub fn chunk(html: &str, slot: &str) -> Option<String> {
    let marker = format!("<div slot=\"{slot}\"");
    let at = html.find(&marker)?;
    let rest = &html[at..];
    let end = rest[1..]
        .find("\n<div slot=")
        .map(|i| i + 1)
        .or_else(|| rest.find("</agora-page>"))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// The chunk of a publication's slot; panics with the page when absent.
pub fn publication_chunk(html: &str, publication: &str) -> String {
    let slot = slot_of(html, publication).unwrap_or_else(|| panic!("no slot for {publication} in page:\n{html}"));
    chunk(html, &slot).unwrap_or_else(|| panic!("slot {slot} ({publication}) never filled in page:\n{html}"))
}

/// The portal's one script, as every page's head names it (progressive enhancement only).
pub const PORTAL_SCRIPT: &str = "<script src=\"/static/agora.js\" defer></script>";

/// How many `<script` elements `page` has besides [`PORTAL_SCRIPT`] (0 on a sound page:
/// no inline script, nothing from a channel).
pub fn other_scripts(page: &str) -> usize {
    let lower = page.to_ascii_lowercase();
    lower.matches("<script").count() - lower.matches(PORTAL_SCRIPT).count()
}

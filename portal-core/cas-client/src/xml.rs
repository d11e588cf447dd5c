//! A small, strict, namespace-aware XML tree for CAS and SAML documents: no DTD, only the
//! five predefined entities and character references, bounded depth and size.

use crate::{CasError, MAX_DOCUMENT_BYTES};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const MAX_DEPTH: usize = 32;
const MAX_ELEMENTS: usize = 10_000;

/// One element: namespace, local name, attributes (local name → value), children, text.
#[derive(Debug, Default, Clone)]
pub(crate) struct Element {
    pub ns: Option<String>,
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn malformed(e: impl std::fmt::Display) -> CasError {
    CasError::Malformed(e.to_string())
}

fn predefined(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// Parse `doc` into its root element.
pub(crate) fn parse(doc: &str) -> Result<Element, CasError> {
    if doc.len() > MAX_DOCUMENT_BYTES {
        return Err(CasError::TooLarge(MAX_DOCUMENT_BYTES));
    }
    let mut reader = NsReader::from_str(doc);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(malformed)?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                return Err(malformed(format!(
                    "unknown namespace prefix `{}`",
                    String::from_utf8_lossy(&p)
                )));
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(malformed("document too deep or too large"));
                }
                if root.is_some() {
                    return Err(malformed("content after the root element"));
                }
                let mut el = Element {
                    ns,
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Default::default()
                };
                for attr in e.attributes() {
                    let attr = attr.map_err(malformed)?;
                    let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
                    if attr.key.as_ref().starts_with(b"xmlns") {
                        continue;
                    }
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(malformed)?
                        .into_owned();
                    el.attributes.push((key, value));
                }
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| malformed("unbalanced end tag"))?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let text = t.decode().map_err(malformed)?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(malformed("text outside the root element")),
                }
            }
            Event::CData(c) => {
                let text = c.decode().map_err(malformed)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(malformed)?
                        .ok_or_else(|| malformed("bad character reference"))?
                } else {
                    let name = r.decode().map_err(malformed)?;
                    predefined(&name).ok_or_else(|| malformed(format!("entity `&{name};` is not allowed")))?
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::DocType(_) => return Err(malformed("DTDs are not allowed")),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("truncated document"));
    }
    root.ok_or_else(|| malformed("empty document"))
}

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

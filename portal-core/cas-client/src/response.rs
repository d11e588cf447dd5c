//! CAS 3.0 `serviceResponse` documents.

use crate::xml::{self, Element};
use crate::{CAS_NS, CasError, FailureCode};
use std::collections::BTreeMap;

/// A successful ticket validation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Validation {
    /// The authenticated user.
    pub user: String,
    /// Released attributes, multi-valued, by name.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The proxy-granting ticket IOU, when a `pgtUrl` was given and accepted.
    pub pgt_iou: Option<String>,
    /// Proxies the ticket went through (for proxy tickets), most recent first.
    pub proxies: Vec<String>,
}

fn service_response(doc: &str) -> Result<Element, CasError> {
    let root = xml::parse(doc)?;
    if !root.is(CAS_NS, "serviceResponse") {
        return Err(CasError::Malformed(format!(
            "root is `{}` in namespace {:?}, expected serviceResponse in {CAS_NS}",
            root.name, root.ns
        )));
    }
    Ok(root)
}

fn failure(el: &Element) -> CasError {
    CasError::Failure {
        code: FailureCode::from_code(el.attribute("code").unwrap_or("")),
        message: el.text.trim().to_string(),
    }
}

/// Parse a `/p3/serviceValidate` or `/p3/proxyValidate` response.
pub fn parse_validation(doc: &str) -> Result<Validation, CasError> {
    let root = service_response(doc)?;
    if let Some(f) = root.child(CAS_NS, "authenticationFailure") {
        return Err(failure(f));
    }
    let ok = root
        .child(CAS_NS, "authenticationSuccess")
        .ok_or_else(|| CasError::Malformed("neither authenticationSuccess nor authenticationFailure".into()))?;
    let user = ok
        .child(CAS_NS, "user")
        .map(|u| u.text.trim().to_string())
        .unwrap_or_default();
    if user.is_empty() {
        return Err(CasError::Malformed("authenticationSuccess without a user".into()));
    }
    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |name: &str, value: &str| {
        if !name.is_empty() {
            attributes.entry(name.to_string()).or_default().push(value.to_string());
        }
    };
    for container in ok.children.iter().filter(|c| c.is(CAS_NS, "attributes")) {
        for a in &container.children {
            if a.is(CAS_NS, "attribute") {
                // Legacy form: <cas:attribute name="mail" value="x@y"/>
                if let (Some(n), Some(v)) = (a.attribute("name"), a.attribute("value")) {
                    add(n, v);
                }
            } else if a.ns.as_deref() == Some(CAS_NS) || a.ns.is_none() {
                add(&a.name, a.text.trim());
            }
        }
    }
    for a in ok.children.iter().filter(|c| c.is(CAS_NS, "attribute")) {
        if let (Some(n), Some(v)) = (a.attribute("name"), a.attribute("value")) {
            add(n, v);
        }
    }
    let pgt_iou = ok
        .child(CAS_NS, "proxyGrantingTicket")
        .map(|p| p.text.trim().to_string())
        .filter(|s| !s.is_empty());
    let proxies = ok
        .child(CAS_NS, "proxies")
        .map(|p| {
            p.children
                .iter()
                .filter(|c| c.is(CAS_NS, "proxy"))
                .map(|c| c.text.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    Ok(Validation {
        user,
        attributes,
        pgt_iou,
        proxies,
    })
}

/// Parse a `/proxy` response into the proxy ticket.
pub fn parse_proxy_response(doc: &str) -> Result<String, CasError> {
    let root = service_response(doc)?;
    if let Some(f) = root.child(CAS_NS, "proxyFailure") {
        return Err(failure(f));
    }
    root.child(CAS_NS, "proxySuccess")
        .and_then(|s| s.child(CAS_NS, "proxyTicket"))
        .map(|t| t.text.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| CasError::Malformed("proxySuccess without a proxyTicket".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUCCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>alice.martin</cas:user>
    <cas:attributes>
      <cas:displayName>Alice Martin</cas:displayName>
      <cas:eduPersonAffiliation>student</cas:eduPersonAffiliation>
      <cas:eduPersonAffiliation>member</cas:eduPersonAffiliation>
      <cas:supannEtuInscription>[etab={UAI}0751717J][cursusann={SUPANN}L1]</cas:supannEtuInscription>
      <cas:attribute name="mail" value="alice@univ.fr"/>
      <cas:note>a &amp; b &#233;</cas:note>
    </cas:attributes>
    <cas:proxyGrantingTicket>PGTIOU-84678-8a9d</cas:proxyGrantingTicket>
  </cas:authenticationSuccess>
</cas:serviceResponse>"#;

    #[test]
    fn success_with_standard_and_legacy_attributes() {
        let v = parse_validation(SUCCESS).expect("valid");
        assert_eq!(v.user, "alice.martin");
        assert_eq!(v.attributes["eduPersonAffiliation"], vec!["student", "member"]);
        assert_eq!(v.attributes["mail"], vec!["alice@univ.fr"]);
        assert_eq!(
            v.attributes["supannEtuInscription"],
            vec!["[etab={UAI}0751717J][cursusann={SUPANN}L1]"]
        );
        assert_eq!(v.attributes["note"], vec!["a & b é"]);
        assert_eq!(v.pgt_iou.as_deref(), Some("PGTIOU-84678-8a9d"));
    }

    #[test]
    fn the_namespace_matters_not_the_prefix() {
        let other_prefix = SUCCESS.replace("cas:", "c:").replace("xmlns:cas", "xmlns:c");
        assert_eq!(parse_validation(&other_prefix).expect("valid").user, "alice.martin");
        let wrong_ns = SUCCESS.replace("http://www.yale.edu/tp/cas", "http://evil.example/cas");
        assert!(matches!(parse_validation(&wrong_ns), Err(CasError::Malformed(_))));
    }

    #[test]
    fn failures_are_typed() {
        let doc = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
            <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure>
        </cas:serviceResponse>"#;
        assert_eq!(
            parse_validation(doc),
            Err(CasError::Failure {
                code: FailureCode::InvalidTicket,
                message: "Ticket ST-1 not recognized".into()
            })
        );
        let doc = doc.replace("INVALID_TICKET", "INVALID_SERVICE");
        assert!(matches!(
            parse_validation(&doc),
            Err(CasError::Failure {
                code: FailureCode::InvalidService,
                ..
            })
        ));
    }

    #[test]
    fn hostile_documents_are_refused() {
        let truncated = &SUCCESS[..SUCCESS.len() / 2];
        assert!(matches!(parse_validation(truncated), Err(CasError::Malformed(_))));
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&x;</cas:user></cas:authenticationSuccess></cas:serviceResponse>"#;
        assert!(matches!(parse_validation(xxe), Err(CasError::Malformed(m)) if m.contains("DTD")));
        let unknown_entity = SUCCESS.replace("a &amp; b", "a &lol; b");
        assert!(matches!(parse_validation(&unknown_entity), Err(CasError::Malformed(_))));
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(matches!(parse_validation(&deep), Err(CasError::Malformed(_))));
        let huge = format!("<a>{}</a>", "x".repeat(crate::MAX_DOCUMENT_BYTES + 1));
        assert!(matches!(parse_validation(&huge), Err(CasError::TooLarge(_))));
        assert!(matches!(parse_validation(""), Err(CasError::Malformed(_))));
        assert!(matches!(
            parse_validation("not xml at all"),
            Err(CasError::Malformed(_))
        ));
    }

    #[test]
    fn proxy_responses() {
        let ok = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:proxySuccess><cas:proxyTicket>PT-1-xyz</cas:proxyTicket></cas:proxySuccess></cas:serviceResponse>"#;
        assert_eq!(parse_proxy_response(ok).expect("pt"), "PT-1-xyz");
        let ko = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:proxyFailure code="INVALID_TICKET">bad pgt</cas:proxyFailure></cas:serviceResponse>"#;
        assert!(matches!(
            parse_proxy_response(ko),
            Err(CasError::Failure {
                code: FailureCode::InvalidTicket,
                ..
            })
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_input_parses_or_errors_without_panicking(s in ".{0,400}") {
            let _ = parse_validation(&s);
            let _ = parse_proxy_response(&s);
            let _ = crate::parse_logout_request(&s);
        }

        #[test]
        fn mutated_responses_never_panic(cut in 0usize..1000, junk in "[<>&;a-z:/\"= ]{0,20}") {
            let mut doc = SUCCESS.to_string();
            let at = cut.min(doc.len());
            let at = (0..=at).rev().find(|i| doc.is_char_boundary(*i)).unwrap_or(0);
            doc.insert_str(at, &junk);
            let _ = parse_validation(&doc);
        }
    }
}

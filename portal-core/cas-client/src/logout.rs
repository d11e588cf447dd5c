//! Single logout: the SAML `LogoutRequest` a CAS server POSTs (form field `logoutRequest`)
//! to every service a user signed in to, when the user signs out of CAS.

use crate::CasError;
use crate::xml;

const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// A parsed logout request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// The service ticket that opened the session to end.
    pub session_index: String,
    /// The user, when given.
    pub name_id: Option<String>,
    /// `IssueInstant`, as sent (servers differ in format; not interpreted).
    pub issue_instant: Option<String>,
}

/// Parse the `logoutRequest` form value.
pub fn parse_logout_request(doc: &str) -> Result<LogoutRequest, CasError> {
    let root = xml::parse(doc)?;
    if !root.is(SAMLP, "LogoutRequest") {
        return Err(CasError::Malformed(format!(
            "root is `{}`, expected samlp:LogoutRequest",
            root.name
        )));
    }
    let session_index = root
        .child(SAMLP, "SessionIndex")
        .map(|s| s.text.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CasError::Malformed("LogoutRequest without SessionIndex".into()))?;
    let name_id = root
        .child(SAML, "NameID")
        .map(|n| n.text.trim().to_string())
        .filter(|s| !s.is_empty());
    Ok(LogoutRequest {
        session_index,
        name_id,
        issue_instant: root.attribute("IssueInstant").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_cas_server_logout_request() {
        let doc = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
             xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="abc" Version="2.0" IssueInstant="2026-11-22T21:00:00+00:00">
             <saml:NameID>alice.martin</saml:NameID>
             <samlp:SessionIndex>ST-1700-abcdef</samlp:SessionIndex>
           </samlp:LogoutRequest>"#;
        let r = parse_logout_request(doc).expect("parses");
        assert_eq!(r.session_index, "ST-1700-abcdef");
        assert_eq!(r.name_id.as_deref(), Some("alice.martin"));
    }

    #[test]
    fn wrong_documents_are_refused() {
        assert!(parse_logout_request("<LogoutRequest><SessionIndex>ST-1</SessionIndex></LogoutRequest>").is_err());
        assert!(
            parse_logout_request(r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#)
                .is_err()
        );
    }
}

//! A WebDAV `multistatus` (RFC 4918) read with roxmltree (no DTD, no external entity): per
//! `response`, its `href` and the properties of its `200` propstat, by local name.

use std::collections::BTreeMap;

/// One `response` of a multistatus.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// `href`, as sent (a path, percent-encoded, or an absolute URL).
    pub href: String,
    /// Text of each property found (`getcontenttype`, `calendar-data`…), by local name.
    pub props: BTreeMap<String, String>,
    /// Local names of the `resourcetype` children (`collection`, `calendar`, `addressbook`).
    pub types: Vec<String>,
}

/// The responses of `body`, or why it is not a multistatus.
pub(crate) fn multistatus(body: &str) -> Result<Vec<Response>, String> {
    let doc = roxmltree::Document::parse(body).map_err(|e| format!("not well-formed XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "multistatus" {
        return Err(format!(
            "a <{}> where a multistatus was expected",
            root.tag_name().name()
        ));
    }
    let mut out = Vec::new();
    for response in root.children().filter(|n| n.tag_name().name() == "response") {
        let mut r = Response {
            href: child_text(response, "href").trim().to_string(),
            ..Response::default()
        };
        for propstat in response.children().filter(|n| n.tag_name().name() == "propstat") {
            let status = child_text(propstat, "status");
            if !status.contains(" 200") {
                continue;
            }
            for prop in propstat.children().filter(|n| n.tag_name().name() == "prop") {
                for p in prop.children().filter(|n| n.is_element()) {
                    let name = p.tag_name().name().to_string();
                    if name == "resourcetype" {
                        r.types = p
                            .children()
                            .filter(|n| n.is_element())
                            .map(|n| n.tag_name().name().to_string())
                            .collect();
                    } else {
                        let text: String = p
                            .descendants()
                            .filter(|n| n.is_text())
                            .filter_map(|n| n.text())
                            .collect();
                        r.props.insert(name, text);
                    }
                }
            }
        }
        if !r.href.is_empty() {
            out.push(r);
        }
    }
    Ok(out)
}

fn child_text(node: roxmltree::Node, name: &str) -> String {
    node.children()
        .find(|n| n.tag_name().name() == name)
        .map(|n| {
            n.descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect()
        })
        .unwrap_or_default()
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) in ms since the epoch.
pub(crate) fn http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, zone] = parts.as_slice() else {
        return None;
    };
    if !matches!(*zone, "GMT" | "UTC" | "+0000") {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let d: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let y: i64 = year.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some((super::text::days_from_civil(y, m, d) * 86_400 + h * 3_600 + mi * 60 + sec) * 1_000)
}

/// `%XX` sequences decoded (invalid ones and invalid UTF-8 kept as they are).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multistatus_is_read_and_garbage_refused() {
        let body = r#"<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
          <D:response><D:href>/alice/cal/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
          <D:response><D:href>/alice/R%C3%A9sum%C3%A9.pdf</D:href><D:propstat><D:prop><D:getcontentlength>12</D:getcontentlength><D:getlastmodified>Sun, 06 Dec 2026 21:37:52 GMT</D:getlastmodified></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
          <D:propstat><D:prop><D:getcontenttype/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>
        </D:multistatus>"#;
        let r = multistatus(body).unwrap();
        assert_eq!(r[0].types, ["collection", "calendar"]);
        assert_eq!(r[1].props.get("getcontentlength").map(String::as_str), Some("12"));
        assert!(!r[1].props.contains_key("getcontenttype"));
        assert_eq!(percent_decode("/alice/R%C3%A9sum%C3%A9.pdf"), "/alice/Résumé.pdf");
        assert_eq!(percent_decode("%zz%C3"), "%zz%C3");
        let t = http_date("Sun, 06 Dec 2026 21:37:52 GMT").unwrap();
        assert_eq!(t % 86_400_000, (21 * 3_600 + 37 * 60 + 52) * 1_000);
        assert!(multistatus("<html>oops</html>").is_err());
        assert!(multistatus("<!DOCTYPE x [<!ENTITY a 'b'>]><multistatus>&a;</multistatus>").is_err());
        assert!(multistatus("not xml").is_err());
        assert_eq!(http_date("yesterday"), None);
    }
}

//! iTop's REST/JSON API, the part the channel uses: `core/get` on a ticket class for one
//! caller, and what iTop answers.
//!
//! A request is `POST /webservices/rest.php?version=1.3` with the form field `json_data`
//! holding `{"operation":"core/get","class":…,"key":<OQL>,"output_fields":…}`. The caller's
//! credentials are the host's (Basic auth of a REST user, or an application token's
//! `Auth-Token` header): the channel never sends `auth_user`/`auth_pwd`.
//!
//! iTop answers HTTP 200 with `{"objects":{"UserRequest::12":{"code":0,"class":…,"key":"12",
//! "fields":{…}}},"code":0,"message":"Found: 1"}`; `objects` is `null` when nothing matches;
//! a non-zero `code` is an error (1 unauthorized, 2–11 a malformed call, 100 internal).

use agora_channel_sdk::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The fields asked for each ticket.
pub const OUTPUT_FIELDS: &str = "ref,title,status,start_date,last_update,priority,agent_id_friendlyname";

/// `text` as an OQL string literal: quoted with `'`, a backslash and a quote escaped with a
/// backslash (iTop's OQL lexer reads `\\` and `\'` inside a literal), so that no value can
/// end the literal and add OQL of its own.
pub fn oql_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// An iTop class or field name as configured: letters, digits and `_`, starting with a
/// letter (iTop's own rule); anything else is a configuration error, never OQL.
pub fn oql_name<'a>(name: &'a str, key: &str) -> Result<&'a str, ChannelError> {
    let mut chars = name.chars();
    let ok =
        chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(ChannelError::bad_config(format!(
            "{key} `{name}` is not an iTop name (letters, digits and _)"
        )))
    }
}

/// The OQL selecting the tickets of `class` whose caller's Person `field` is `value`.
pub fn caller_query(class: &str, field: &str, value: &str) -> Result<String, ChannelError> {
    let class = oql_name(class, "ticket_class")?;
    let field = oql_name(field, "caller_field")?;
    Ok(format!(
        "SELECT {class} AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.{field} = {}",
        oql_string(value)
    ))
}

/// `text` encoded for an `application/x-www-form-urlencoded` body.
pub fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The form body of a `core/get` of `class` for `oql`.
pub fn core_get_body(class: &str, oql: &str) -> String {
    let json = serde_json::json!({
        "operation": "core/get",
        "class": class,
        "key": oql,
        "output_fields": OUTPUT_FIELDS,
    });
    format!("json_data={}", form_encode(&json.to_string()))
}

/// One ticket as iTop sends it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ticket {
    /// iTop's key (the `id`).
    pub key: String,
    /// The class the object really is.
    pub class: String,
    /// Reference, `R-000123`.
    pub reference: String,
    /// Title.
    pub title: String,
    /// Status code (`new`, `assigned`…).
    pub status: String,
    /// Opening date, `YYYY-MM-DD hh:mm:ss` in iTop's time zone.
    pub start_date: String,
    /// Last update, likewise.
    pub last_update: String,
    /// The agent's name, empty when nobody is assigned.
    pub agent: String,
}

/// How iTop answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The tickets found (none when the person has none, or is no Person in iTop).
    Found(Vec<Ticket>),
    /// iTop refused the REST user (code 1): the binding's credentials or rights.
    Refused(String),
    /// Any other error code, with iTop's message.
    Failed(i64, String),
}

#[derive(Deserialize)]
struct RawAnswer {
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    objects: Option<BTreeMap<String, RawObject>>,
}

#[derive(Deserialize)]
struct RawObject {
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    key: Option<serde_json::Value>,
    #[serde(default)]
    fields: BTreeMap<String, serde_json::Value>,
}

fn text(fields: &BTreeMap<String, serde_json::Value>, name: &str) -> String {
    match fields.get(name) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Read iTop's JSON answer; anything that is not one is garbage.
pub fn parse_answer(body: &[u8]) -> Result<Answer, ChannelError> {
    let raw: RawAnswer = serde_json::from_slice(body)
        .map_err(|e| ChannelError::backend_garbage(format!("iTop's answer is not its JSON: {e}")))?;
    let Some(code) = raw.code else {
        return Err(ChannelError::backend_garbage("iTop's answer has no code"));
    };
    let message = raw.message.unwrap_or_default();
    match code {
        0 => {}
        1 => return Ok(Answer::Refused(message)),
        other => return Ok(Answer::Failed(other, message)),
    }
    let mut tickets = Vec::new();
    for (name, object) in raw.objects.unwrap_or_default() {
        let key = match object.key {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => name.rsplit("::").next().unwrap_or_default().to_string(),
        };
        tickets.push(Ticket {
            key,
            class: object.class.unwrap_or_default(),
            reference: text(&object.fields, "ref"),
            title: text(&object.fields, "title"),
            status: text(&object.fields, "status"),
            start_date: text(&object.fields, "start_date"),
            last_update: text(&object.fields, "last_update"),
            agent: text(&object.fields, "agent_id_friendlyname"),
        });
    }
    Ok(Answer::Found(tickets))
}

/// Ask iTop, on the back-end `itop`, for the tickets of `class` whose caller's `field` is
/// `value`; an outage, a refusal or an error code becomes the matching [`ChannelError`].
pub fn tickets_of(version: &str, class: &str, field: &str, value: &str) -> Result<Vec<Ticket>, ChannelError> {
    let oql = caller_query(class, field, value)?;
    let path = format!("/webservices/rest.php?version={}", form_encode(version));
    let resp = Request::post("itop", &path, core_get_body(class, &oql).into_bytes())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .send()?;
    match resp.status {
        200 => {}
        401 | 403 => {
            return Err(ChannelError::bad_config(format!(
                "iTop refused the REST user (HTTP {}): check the back-end's credentials",
                resp.status
            )));
        }
        s => return Err(ChannelError::backend_unavailable(format!("iTop answered HTTP {s}"))),
    }
    match parse_answer(&resp.body)? {
        Answer::Found(tickets) => Ok(tickets),
        Answer::Refused(m) => Err(ChannelError::bad_config(format!(
            "iTop refused the REST user (code 1: {m}): check the back-end's credentials and that the user has the REST Services User profile"
        ))),
        Answer::Failed(code @ 2..=13, m) => Err(ChannelError::bad_config(format!(
            "iTop refused the call (code {code}: {m}): check api_version, ticket_class and caller_field"
        ))),
        Answer::Failed(code, m) => Err(ChannelError::backend_unavailable(format!("iTop error {code}: {m}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_or_a_backslash_never_ends_the_oql_literal() {
        assert_eq!(oql_string("a.b@univ.fr"), "'a.b@univ.fr'");
        assert_eq!(oql_string("o'brien@univ.fr"), r"'o\'brien@univ.fr'");
        let hostile = r"x' OR 1=1 OR p.email = '";
        let oql = caller_query("UserRequest", "email", hostile).expect("oql");
        assert_eq!(
            oql,
            r"SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.email = 'x\' OR 1=1 OR p.email = \''"
        );
        // A trailing backslash would otherwise escape the closing quote.
        assert_eq!(oql_string(r"a\"), r"'a\\'");
        assert_eq!(oql_string(r"a\'"), r"'a\\\''");
    }

    #[test]
    fn configured_names_are_names() {
        assert!(caller_query("UserRequest WHERE 1", "email", "x").is_err());
        assert!(caller_query("UserRequest", "email = 'a' OR p.id", "x").is_err());
        assert!(caller_query("", "email", "x").is_err());
        assert!(caller_query("Incident", "employee_number", "x").is_ok());
    }

    #[test]
    fn the_body_is_a_form_with_the_json_call() {
        let body = core_get_body("UserRequest", "SELECT UserRequest WHERE id = 'é&='");
        assert!(body.starts_with("json_data=%7B%22"), "{body}");
        assert!(
            !body.contains('&') && !body.contains(' ') && !body.contains('é'),
            "{body}"
        );
        assert!(body.contains("%22operation%22%3A%22core%2Fget%22"), "{body}");
    }

    #[test]
    fn itop_answers_are_read() {
        let found = br#"{"objects":{"UserRequest::12":{"code":0,"message":"","class":"UserRequest","key":"12","fields":{"ref":"R-000012","title":"Wi-Fi","status":"assigned","last_update":"2026-11-30 14:22:05","agent_id_friendlyname":"Jean Dupont"}}},"code":0,"message":"Found: 1"}"#;
        let Answer::Found(t) = parse_answer(found).expect("json") else {
            panic!("found");
        };
        assert_eq!((t[0].key.as_str(), t[0].reference.as_str()), ("12", "R-000012"));
        assert_eq!(t[0].agent, "Jean Dupont");
        assert_eq!(
            parse_answer(br#"{"objects":null,"code":0,"message":"Found: 0"}"#).expect("json"),
            Answer::Found(Vec::new())
        );
        assert!(matches!(
            parse_answer(br#"{"code":1,"message":"Error: Invalid login"}"#),
            Ok(Answer::Refused(_))
        ));
        assert!(matches!(
            parse_answer(br#"{"code":100,"message":"Error: boom"}"#),
            Ok(Answer::Failed(100, _))
        ));
        assert!(parse_answer(b"<html>login</html>").is_err());
        assert!(parse_answer(b"{}").is_err());
    }
}

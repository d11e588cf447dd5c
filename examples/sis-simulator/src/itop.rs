//! iTop's REST/JSON API (`/webservices/rest.php`), the part a portal reads: `core/get` of
//! `UserRequest` tickets for one caller, and `list_operations`. It answers as iTop does:
//! HTTP 200 with `{"code":…,"message":…}` and, for `core/get`, `objects` keyed
//! `UserRequest::<id>` (or `null` when nothing matches); error codes are iTop's
//! (`RestResult`: 1 unauthorized, 2 missing version, 3 missing json_data, 4 invalid JSON,
//! 5/6 missing auth_user/auth_pwd, 10 unsupported version, 11 unknown operation, 100
//! internal error).
//!
//! Credentials are checked the ways iTop accepts them: HTTP Basic, the `Auth-Token` header
//! or `auth_token` parameter of an application token, or the `auth_user`/`auth_pwd` fields.
//! The OQL understood is the caller query the helpdesk channel sends,
//! `SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.email = '…'`
//! (any aliases, `email` or `employee_number`, iTop's `\'` and `\\` escapes); any other
//! query is an OQL error, as iTop would answer for what it cannot run.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The simulated iTop: its REST user, persons and user requests.
#[derive(Debug, Deserialize)]
pub struct ItopData {
    /// The REST user (profile "REST Services User").
    pub rest: RestAccount,
    /// Persons (the callers).
    #[serde(default)]
    pub person: Vec<Person>,
    /// User requests.
    #[serde(default)]
    pub request: Vec<UserRequest>,
}

/// A REST user and, optionally, an application token.
#[derive(Debug, Deserialize)]
pub struct RestAccount {
    /// Login.
    pub user: String,
    /// Password.
    pub password: String,
    /// An application token (iTop 3.1+ `authent-token`), if any.
    #[serde(default)]
    pub token: Option<String>,
}

/// An iTop `Person`.
#[derive(Debug, Deserialize)]
pub struct Person {
    /// Its key.
    pub id: u64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub name: String,
    /// Mail.
    pub email: String,
    /// Employee number (the uid, in some universities).
    #[serde(default)]
    pub employee_number: String,
}

/// An iTop `UserRequest`.
#[derive(Debug, Deserialize)]
pub struct UserRequest {
    /// Its key; the reference is `R-` and the key on 6 digits.
    pub id: u64,
    /// The caller's Person key.
    pub caller: u64,
    /// Title.
    pub title: String,
    /// Status code (`new`, `assigned`, `pending`, `resolved`, `closed`…).
    pub status: String,
    /// Opening date, iTop's `YYYY-MM-DD hh:mm:ss` (Europe/Paris).
    pub start_date: String,
    /// Last update, likewise.
    pub last_update: String,
    /// 1 critical … 4 low.
    pub priority: u8,
    /// The agent's name, empty when unassigned.
    #[serde(default)]
    pub agent: String,
}

/// An answer: the JSON iTop sends (always HTTP 200).
fn result(code: u32, message: &str) -> String {
    json!({ "code": code, "message": message }).to_string()
}

/// `application/x-www-form-urlencoded` pairs, decoded.
pub(crate) fn form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn base64(input: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether the request carries the REST user's credentials, or `Err` with iTop's answer.
fn authenticate(data: &ItopData, params: &[(String, String)], headers: &[(String, String)]) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let rest = &data.rest;
    if let Some(auth) = header("authorization") {
        let expected = format!(
            "Basic {}",
            base64(format!("{}:{}", rest.user, rest.password).as_bytes())
        );
        return if auth == expected {
            Ok(())
        } else {
            Err(result(1, "Error: Invalid login"))
        };
    }
    if let Some(token) = header("auth-token").or_else(|| param("auth_token")) {
        return if rest.token.as_deref() == Some(token) {
            Ok(())
        } else {
            Err(result(1, "Error: Invalid login"))
        };
    }
    match (param("auth_user"), param("auth_pwd")) {
        (None, _) => Err(result(5, "Error: Missing parameter 'auth_user'")),
        (Some(_), None) => Err(result(6, "Error: Missing parameter 'auth_pwd'")),
        (Some(u), Some(p)) if u == rest.user && p == rest.password => Ok(()),
        _ => Err(result(1, "Error: Invalid login")),
    }
}

/// An OQL token: a name (with dots), a string literal (unescaped), or a symbol.
#[derive(Debug, PartialEq)]
enum Token {
    Name(String),
    Text(String),
    Symbol(char),
}

fn tokens(oql: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = oql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut name = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '.')
            {
                name.push(c);
                chars.next();
            }
            out.push(Token::Name(name));
        } else if c == '\'' || c == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => return Err("unterminated string".into()),
                    Some('\\') => match chars.next() {
                        Some(e) => text.push(e),
                        None => return Err("unterminated string".into()),
                    },
                    Some(q) if q == c => break,
                    Some(other) => text.push(other),
                }
            }
            out.push(Token::Text(text));
        } else {
            out.push(Token::Symbol(c));
            chars.next();
        }
    }
    Ok(out)
}

/// The Person field and value of the caller query, or iTop's OQL error message.
fn caller_condition(oql: &str) -> Result<(String, String), String> {
    let syntax = || format!("Error: Syntax error in OQL query \"{oql}\"");
    let t = tokens(oql).map_err(|_| syntax())?;
    let name = |i: usize| match t.get(i) {
        Some(Token::Name(n)) => Some(n.as_str()),
        _ => None,
    };
    // SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.<field> = '<v>'
    let shape = [
        name(0) == Some("SELECT"),
        name(1) == Some("UserRequest"),
        name(2) == Some("AS"),
        name(4) == Some("JOIN"),
        name(5) == Some("Person"),
        name(6) == Some("AS"),
        name(8) == Some("ON"),
        t.get(10) == Some(&Token::Symbol('=')),
        name(12) == Some("WHERE"),
        t.get(14) == Some(&Token::Symbol('=')),
        t.len() == 16,
    ];
    if shape.iter().any(|ok| !ok) {
        return Err(syntax());
    }
    let (ticket, person) = (name(3).unwrap_or(""), name(7).unwrap_or(""));
    if name(9) != Some(&format!("{ticket}.caller_id")) || name(11) != Some(&format!("{person}.id")) {
        return Err(syntax());
    }
    let (Some(field), Some(Token::Text(value))) =
        (name(13).and_then(|f| f.strip_prefix(&format!("{person}."))), t.get(15))
    else {
        return Err(syntax());
    };
    if !matches!(field, "email" | "employee_number") {
        return Err(format!("Error: Unknown attribute code '{field}' for class 'Person'"));
    }
    Ok((field.to_string(), value.clone()))
}

const FIELDS: [&str; 11] = [
    "ref",
    "title",
    "status",
    "start_date",
    "last_update",
    "priority",
    "caller_id",
    "caller_id_friendlyname",
    "agent_id_friendlyname",
    "request_type",
    "friendlyname",
];

fn field(data: &ItopData, r: &UserRequest, name: &str) -> Value {
    let caller = data.person.iter().find(|p| p.id == r.caller);
    let reference = format!("R-{:06}", r.id);
    match name {
        "ref" | "friendlyname" => reference.into(),
        "title" => r.title.clone().into(),
        "status" => r.status.clone().into(),
        "start_date" => r.start_date.clone().into(),
        "last_update" => r.last_update.clone().into(),
        "priority" => r.priority.to_string().into(),
        "caller_id" => r.caller.to_string().into(),
        "caller_id_friendlyname" => caller
            .map(|p| format!("{} {}", p.first_name, p.name))
            .unwrap_or_default()
            .into(),
        "agent_id_friendlyname" => r.agent.clone().into(),
        "request_type" => "service_request".into(),
        _ => Value::Null,
    }
}

fn core_get(data: &ItopData, call: &Value) -> String {
    let class = call.get("class").and_then(Value::as_str).unwrap_or("");
    if class.is_empty() {
        return result(100, "Error: Missing parameter 'class'");
    }
    if class != "UserRequest" {
        return result(100, &format!("Error: Unknown class '{class}'"));
    }
    let Some(key) = call.get("key").and_then(Value::as_str) else {
        return result(100, "Error: Missing parameter 'key'");
    };
    let (on, value) = match caller_condition(key) {
        Ok(c) => c,
        Err(message) => return result(100, &message),
    };
    let wanted = call.get("output_fields").and_then(Value::as_str).unwrap_or("*");
    let fields: Vec<&str> = if wanted.trim() == "*" {
        FIELDS.to_vec()
    } else {
        wanted.split(',').map(str::trim).filter(|f| !f.is_empty()).collect()
    };
    if let Some(bad) = fields.iter().find(|f| !FIELDS.contains(f)) {
        return result(100, &format!("Error: output_fields: invalid attribute code '{bad}'"));
    }
    let callers: Vec<u64> = data
        .person
        .iter()
        .filter(|p| {
            if on == "email" {
                p.email == value
            } else {
                p.employee_number == value
            }
        })
        .map(|p| p.id)
        .collect();
    let mut objects = Map::new();
    for r in data.request.iter().filter(|r| callers.contains(&r.caller)) {
        let values: Map<String, Value> = fields.iter().map(|f| (f.to_string(), field(data, r, f))).collect();
        objects.insert(
            format!("UserRequest::{}", r.id),
            json!({ "code": 0, "message": "", "class": "UserRequest", "key": r.id.to_string(), "fields": values }),
        );
    }
    let found = objects.len();
    let objects = if objects.is_empty() {
        Value::Null
    } else {
        Value::Object(objects)
    };
    json!({ "objects": objects, "code": 0, "message": format!("Found: {found}") }).to_string()
}

/// Answer one call to `/webservices/rest.php` (its query string, form body and headers):
/// the JSON iTop would send.
pub fn answer(data: &ItopData, query: &str, body: &[u8], headers: &[(String, String)]) -> String {
    let mut params = form(query);
    params.extend(form(&String::from_utf8_lossy(body)));
    if let Err(refused) = authenticate(data, &params, headers) {
        return refused;
    }
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let Some(version) = param("version") else {
        return result(2, "Error: Missing parameter 'version' (e.g. '1.0')");
    };
    if !matches!(version.as_str(), "1.0" | "1.1" | "1.2" | "1.3") {
        return result(
            10,
            &format!("Error: There is no service available for version '{version}'"),
        );
    }
    let Some(json_data) = param("json_data") else {
        return result(3, "Error: Missing parameter 'json_data'");
    };
    let Ok(call) = serde_json::from_str::<Value>(&json_data) else {
        return result(4, "Error: Parameter json_data is not a valid JSON structure");
    };
    match call.get("operation").and_then(Value::as_str) {
        None => result(100, "Error: Missing parameter 'operation'"),
        Some("core/get") => core_get(data, &call),
        Some("list_operations") => json!({
            "version": version,
            "operations": [{ "verb": "core/get", "description": "Search for objects", "extension": "CoreServices" }],
            "code": 0,
            "message": "Operations: 1",
        })
        .to_string(),
        Some(verb @ ("core/create" | "core/update" | "core/delete" | "core/apply_stimulus" | "core/get_related")) => {
            result(
                1,
                &format!("Error: The current user does not have enough permissions for exercising '{verb}'"),
            )
        }
        Some(verb) => result(11, &format!("Error: Unknown verb '{verb}' in version '{version}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ItopData {
        toml::from_str(
            r#"
            rest = { user = "portal", password = "secret", token = "tok" }
            [[person]]
            id = 1
            first_name = "Sean"
            name = "O'Brien"
            email = "o'brien@univ.fr"
            [[person]]
            id = 2
            first_name = "Alice"
            name = "Martin"
            email = "alice@univ.fr"
            [[request]]
            id = 7
            caller = 1
            title = "Clavier"
            status = "new"
            start_date = "2026-11-29 08:00:00"
            last_update = "2026-11-29 08:00:00"
            priority = 4
            "#,
        )
        .expect("data")
    }

    fn call(key: &str) -> String {
        let json = json!({ "operation": "core/get", "class": "UserRequest", "key": key, "output_fields": "ref,title" });
        let body: String = json.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
        format!("json_data={body}")
    }

    fn basic() -> Vec<(String, String)> {
        vec![("Authorization".into(), format!("Basic {}", base64(b"portal:secret")))]
    }

    #[test]
    fn the_caller_query_finds_the_caller_s_requests_only() {
        let q = r"SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.email = 'o\'brien@univ.fr'";
        let a: Value =
            serde_json::from_str(&answer(&data(), "version=1.3", call(q).as_bytes(), &basic())).expect("json");
        assert_eq!(a["message"], "Found: 1");
        assert_eq!(a["objects"]["UserRequest::7"]["fields"]["ref"], "R-000007");
        let q = "SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.email = 'alice@univ.fr'";
        let a: Value =
            serde_json::from_str(&answer(&data(), "version=1.3", call(q).as_bytes(), &basic())).expect("json");
        assert_eq!(
            (a["objects"].clone(), a["message"].clone()),
            (Value::Null, "Found: 0".into())
        );
    }

    #[test]
    fn an_unescaped_quote_is_an_oql_error_not_more_results() {
        let q = "SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.email = 'x' OR '1' = '1'";
        let a: Value =
            serde_json::from_str(&answer(&data(), "version=1.3", call(q).as_bytes(), &basic())).expect("json");
        assert_eq!(a["code"], 100);
        assert!(a.get("objects").is_none());
    }

    #[test]
    fn credentials_are_checked_as_itop_does() {
        let q = "SELECT UserRequest AS t JOIN Person AS p ON t.caller_id = p.id WHERE p.email = 'a'";
        let code = |query: &str, headers: &[(String, String)]| {
            let a: Value = serde_json::from_str(&answer(&data(), query, call(q).as_bytes(), headers)).expect("json");
            a["code"].as_u64().unwrap_or(999)
        };
        let wrong = vec![("Authorization".into(), format!("Basic {}", base64(b"portal:nope")))];
        assert_eq!(code("version=1.3", &wrong), 1);
        assert_eq!(code("version=1.3", &[]), 5);
        assert_eq!(code("version=1.3&auth_user=portal", &[]), 6);
        assert_eq!(code("version=1.3&auth_user=portal&auth_pwd=secret", &[]), 0);
        assert_eq!(code("version=1.3", &[("Auth-Token".into(), "tok".into())]), 0);
        assert_eq!(code("version=1.3", &[("Auth-Token".into(), "bad".into())]), 1);
        assert_eq!(code("version=9.9", &basic()), 10);
        assert_eq!(code("", &basic()), 2);
        assert_eq!(base64(b"portal:secret"), "cG9ydGFsOnNlY3JldA==");
    }
}

//! ESUP **SMS-U**'s web service (esup-smsu-api), as its client (`HttpRequestSmsuapiWS`)
//! calls it: one URL, the action in `?action=`, HTTP Basic with the application's
//! credentials, JSON answers.
//!
//! - `POST /ws/?action=SendSms` with the form fields `phoneNumber` (repeated), `message`,
//!   `account`, optionally `id` and `senderId` → `{"id": <message id>}`; a send beyond the
//!   account's quota → `400 {"error": "InsufficientQuotaException", "message": …}`; a missing
//!   field or a bad number → `400 {"error": "InvalidParameterException", …}`.
//! - `GET /ws/?action=MayCreateAccountCheckQuotaOk&account=…&nbDest=N` → `"OK"`, or the
//!   quota error.
//! - `GET /ws/?action=MessageInfos&id=N` → the `TrackInfos` of the send (`nbDestTotal`,
//!   `nbSentSMS`, `nbProgressSMS`, `nbErrorSMS`, `nbDestBlackList`, `listNumErreur`), or
//!   `400 {"error": "UnknownMessageIdException"}`.
//! - Wrong credentials → `401`.
//!
//! Numbers on the data's black list are not sent (counted in `nbDestBlackList`); every
//! other number is "sent" at once. Every send is kept, so tests can check what left.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The SMS-U data: the application's credentials, accounts and their quotas.
#[derive(Debug, Deserialize)]
pub struct SmsuData {
    /// The application's login.
    pub user: String,
    /// Its password.
    pub password: String,
    /// Account → SMS left.
    pub quotas: BTreeMap<String, i64>,
    /// Numbers that refused SMS.
    #[serde(default)]
    pub black_list: Vec<String>,
    #[serde(skip)]
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    sent: Vec<Sent>,
    used: BTreeMap<String, i64>,
}

/// One send, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The message id given back.
    pub id: i64,
    /// The account charged.
    pub account: String,
    /// The numbers, as given.
    pub numbers: Vec<String>,
    /// The text.
    pub message: String,
}

impl SmsuData {
    /// Every send so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().map(|s| s.sent.clone()).unwrap_or_default()
    }

    fn left(&self, state: &State, account: &str) -> Option<i64> {
        let quota = *self.quotas.get(account)?;
        Some(quota - state.used.get(account).copied().unwrap_or(0))
    }
}

/// Whether `path` is SMS-U's web service.
pub fn serves(path: &str) -> bool {
    path == "/ws" || path == "/ws/"
}

type Answer = (&'static str, &'static str, String);

fn error(kind: &str, message: &str) -> Answer {
    (
        "400 Bad Request",
        "application/json",
        serde_json::json!({ "error": kind, "message": message }).to_string(),
    )
}

fn valid_number(n: &str) -> bool {
    let digits: String = n.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
    let rest = digits.strip_prefix('+').unwrap_or(&digits);
    (8..=15).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit())
}

/// Answer one request.
pub fn answer(data: &SmsuData, method: &str, query: &str, body: &[u8], headers: &[(String, String)]) -> Answer {
    let expected = format!(
        "Basic {}",
        crate::itop::base64(format!("{}:{}", data.user, data.password).as_bytes())
    );
    let authorized = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("authorization") && *v == expected);
    if !authorized {
        return ("401 Unauthorized", "text/plain", "Authentication failed".into());
    }
    let mut params = crate::itop::form(query);
    params.extend(crate::itop::form(&String::from_utf8_lossy(body)));
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let Ok(mut state) = data.state.lock() else {
        return ("500 Internal Server Error", "text/plain", "poisoned".into());
    };
    match (method, param("action").as_deref()) {
        ("POST", Some("SendSms")) => {
            let numbers: Vec<String> = params
                .iter()
                .filter(|(n, _)| n == "phoneNumber")
                .map(|(_, v)| v.clone())
                .collect();
            let (Some(message), Some(account)) = (param("message"), param("account")) else {
                return error("InvalidParameterException", "message and account are required");
            };
            if numbers.is_empty() || message.is_empty() {
                return error("InvalidParameterException", "no recipient or an empty message");
            }
            if let Some(bad) = numbers.iter().find(|n| !valid_number(n)) {
                return error("InvalidParameterException", &format!("invalid phone number {bad}"));
            }
            let Some(left) = data.left(&state, &account) else {
                return error("InvalidParameterException", &format!("unknown account {account}"));
            };
            if (numbers.len() as i64) > left {
                return error(
                    "InsufficientQuotaException",
                    &format!("quota exceeded for account {account}"),
                );
            }
            *state.used.entry(account.clone()).or_default() += numbers.len() as i64;
            let id = state.sent.len() as i64 + 1;
            state.sent.push(Sent {
                id,
                account,
                numbers,
                message,
            });
            (
                "200 OK",
                "application/json",
                serde_json::json!({ "id": id }).to_string(),
            )
        }
        ("GET", Some("MayCreateAccountCheckQuotaOk")) => {
            let account = param("account").unwrap_or_default();
            let wanted: i64 = param("nbDest").and_then(|n| n.parse().ok()).unwrap_or(0);
            match data.left(&state, &account) {
                None => error("InvalidParameterException", &format!("unknown account {account}")),
                Some(left) if wanted > left => error(
                    "InsufficientQuotaException",
                    &format!("quota exceeded for account {account}"),
                ),
                Some(_) => ("200 OK", "application/json", "\"OK\"".into()),
            }
        }
        ("GET", Some("MessageInfos")) => {
            let id: i64 = param("id").and_then(|n| n.parse().ok()).unwrap_or(0);
            let Some(sent) = state.sent.iter().find(|s| s.id == id) else {
                return error("UnknownMessageIdException", "unknown message id");
            };
            let black: Vec<&String> = sent.numbers.iter().filter(|n| data.black_list.contains(n)).collect();
            let total = sent.numbers.len();
            let body = serde_json::json!({
                "listNumErreur": black,
                "nbDestBlackList": black.len(),
                "nbDestTotal": total,
                "nbErrorSMS": 0,
                "nbProgressSMS": 0,
                "nbSentSMS": total - black.len(),
            });
            ("200 OK", "application/json", body.to_string())
        }
        _ => error("InvalidParameterException", "unknown action"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> SmsuData {
        toml::from_str("user = \"ent\"\npassword = \"s3cret\"\nblack_list = [\"+33600000002\"]\n[quotas]\nENT = 3\n")
            .expect("data")
    }

    fn auth() -> Vec<(String, String)> {
        vec![(
            "Authorization".into(),
            format!("Basic {}", crate::itop::base64(b"ent:s3cret")),
        )]
    }

    #[test]
    fn a_send_within_the_quota_is_tracked_and_one_beyond_is_refused() {
        let d = data();
        let (status, _, body) = answer(
            &d,
            "POST",
            "action=SendSms",
            b"phoneNumber=%2B33600000001&phoneNumber=%2B33600000002&message=Salle+B12&account=ENT",
            &auth(),
        );
        assert_eq!((status, body.as_str()), ("200 OK", "{\"id\":1}"));
        let (_, _, infos) = answer(&d, "GET", "action=MessageInfos&id=1", b"", &auth());
        assert!(
            infos.contains("\"nbDestTotal\":2") && infos.contains("\"nbSentSMS\":1"),
            "{infos}"
        );
        assert!(infos.contains("\"nbDestBlackList\":1"), "{infos}");
        let (status, _, body) = answer(
            &d,
            "GET",
            "action=MayCreateAccountCheckQuotaOk&account=ENT&nbDest=2",
            b"",
            &auth(),
        );
        assert_eq!(status, "400 Bad Request");
        assert!(body.contains("InsufficientQuotaException"), "{body}");
        let (status, _, _) = answer(
            &d,
            "POST",
            "action=SendSms",
            b"phoneNumber=%2B33600000001&phoneNumber=%2B33600000003&message=x&account=ENT",
            &auth(),
        );
        assert_eq!(status, "400 Bad Request");
        assert_eq!(d.sent().len(), 1);
    }

    #[test]
    fn wrong_credentials_and_bad_numbers_are_refused() {
        let d = data();
        let (status, _, _) = answer(&d, "GET", "action=MessageInfos&id=1", b"", &[]);
        assert_eq!(status, "401 Unauthorized");
        let (_, _, body) = answer(
            &d,
            "POST",
            "action=SendSms",
            b"phoneNumber=abc&message=x&account=ENT",
            &auth(),
        );
        assert!(body.contains("InvalidParameterException"), "{body}");
    }
}

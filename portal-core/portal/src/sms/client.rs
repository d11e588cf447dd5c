//! The client of ESUP SMS-U's web service (esup-smsu-api), with the application's
//! credentials (`[sms] user` / `password`, HTTP Basic), which never leave the portal:
//! `SendSms`, `MayCreateAccountCheckQuotaOk` and `MessageInfos` as esup-smsu-api's own
//! client calls them (one URL, the action in `?action=`, JSON answers, errors as
//! `400 {"error": "<Exception>", "message": …}`).

use serde::Deserialize;
use std::time::Duration;

/// Why SMS-U did not do it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmsuError {
    /// The account has not that many SMS left.
    #[error("the SMS-U account has not enough SMS left")]
    Quota,
    /// SMS-U refused the application's credentials.
    #[error("SMS-U refused the portal's credentials")]
    Unauthorized,
    /// A number or the message was refused.
    #[error("SMS-U refused the request: {0}")]
    Invalid(String),
    /// SMS-U does not know this message.
    #[error("SMS-U knows no such message")]
    UnknownMessage,
    /// SMS-U did not answer, or not as it should.
    #[error("SMS-U is unavailable: {0}")]
    Unavailable(String),
}

/// How a send went, as SMS-U tracks it (`TrackInfos`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackInfos {
    /// Recipients.
    #[serde(default)]
    pub nb_dest_total: i64,
    /// Sent.
    #[serde(default, rename = "nbSentSMS")]
    pub nb_sent_sms: i64,
    /// Still being sent.
    #[serde(default, rename = "nbProgressSMS")]
    pub nb_progress_sms: i64,
    /// Failed.
    #[serde(default, rename = "nbErrorSMS")]
    pub nb_error_sms: i64,
    /// Not sent: the number refuses SMS.
    #[serde(default)]
    pub nb_dest_black_list: i64,
}

/// SMS-U's web service.
#[derive(Clone)]
pub struct SmsuClient {
    http: reqwest::Client,
    url: url::Url,
    user: String,
    password: String,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: Option<String>,
    message: Option<String>,
}

impl SmsuClient {
    /// A client of `url` (the web service's URL) with these credentials.
    pub fn new(http: reqwest::Client, url: url::Url, user: &str, password: &str) -> Self {
        SmsuClient {
            http,
            url,
            user: user.to_string(),
            password: password.to_string(),
        }
    }

    /// A client built with `builder` (the portal's trust), answering within `timeout`.
    pub fn build(
        builder: reqwest::ClientBuilder,
        url: url::Url,
        user: &str,
        password: &str,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = builder
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self::new(http, url, user, password))
    }

    fn url_of(&self, action: &str, params: &[(&str, String)]) -> url::Url {
        let mut url = self.url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("action", action);
            for (k, v) in params {
                q.append_pair(k, v);
            }
        }
        url
    }

    async fn answer(response: Result<reqwest::Response, reqwest::Error>) -> Result<serde_json::Value, SmsuError> {
        let response = response.map_err(|e| SmsuError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| SmsuError::Unavailable(e.without_url().to_string()))?;
        match status.as_u16() {
            200 => serde_json::from_str(&text).map_err(|_| SmsuError::Unavailable("an answer that is not JSON".into())),
            401 | 403 => Err(SmsuError::Unauthorized),
            400 => {
                let err: ErrorAnswer = serde_json::from_str(&text).unwrap_or(ErrorAnswer {
                    error: None,
                    message: None,
                });
                let message = err.message.unwrap_or_default();
                Err(match err.error.as_deref() {
                    Some("InsufficientQuotaException") => SmsuError::Quota,
                    Some("UnknownMessageIdException") => SmsuError::UnknownMessage,
                    _ => SmsuError::Invalid(message),
                })
            }
            other => Err(SmsuError::Unavailable(format!("HTTP {other}"))),
        }
    }

    /// `MayCreateAccountCheckQuotaOk`: whether `account` may send `recipients` SMS.
    pub async fn check_quota(&self, account: &str, recipients: usize) -> Result<(), SmsuError> {
        let url = self.url_of(
            "MayCreateAccountCheckQuotaOk",
            &[("account", account.to_string()), ("nbDest", recipients.to_string())],
        );
        let sent = self
            .http
            .get(url)
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .await;
        Self::answer(sent).await.map(|_| ())
    }

    /// `SendSms`: send `message` to `numbers` on `account`; returns SMS-U's message id.
    pub async fn send(&self, account: &str, numbers: &[String], message: &str) -> Result<i64, SmsuError> {
        let mut form: Vec<(&str, &str)> = numbers.iter().map(|n| ("phoneNumber", n.as_str())).collect();
        form.push(("message", message));
        form.push(("account", account));
        let sent = self
            .http
            .post(self.url_of("SendSms", &[]))
            .basic_auth(&self.user, Some(&self.password))
            .form(&form)
            .send()
            .await;
        let json = Self::answer(sent).await?;
        json.get("id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| SmsuError::Unavailable("no message id in the answer".into()))
    }

    /// `MessageInfos`: how the send `id` went.
    pub async fn infos(&self, id: i64) -> Result<TrackInfos, SmsuError> {
        let sent = self
            .http
            .get(self.url_of("MessageInfos", &[("id", id.to_string())]))
            .basic_auth(&self.user, Some(&self.password))
            .send()
            .await;
        let json = Self::answer(sent).await?;
        serde_json::from_value(json).map_err(|_| SmsuError::Unavailable("a TrackInfos that cannot be read".into()))
    }
}

/// A phone number as SMS-U takes it: `+33…` for French numbers written `06 12 34 56 78`,
/// `0612345678` or `+33 6 12…`; `None` when it is not a mobile-looking number.
pub fn normalise(number: &str) -> Option<String> {
    let compact: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let international = if let Some(rest) = compact.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = compact.strip_prefix('0') {
        format!("+33{rest}")
    } else {
        compact
    };
    let digits = international.strip_prefix('+')?;
    ((8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())).then_some(international)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn numbers_are_written_as_sms_u_takes_them() {
        assert_eq!(normalise("06 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(normalise("+33 6 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(normalise("0033612345678").as_deref(), Some("+33612345678"));
        assert_eq!(normalise("+262 692 12 34 56").as_deref(), Some("+262692123456"));
        assert_eq!(normalise("not a number"), None);
        assert_eq!(normalise("12"), None);
    }
}

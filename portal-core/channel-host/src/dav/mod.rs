//! The host's DAV client behind the `dav` capability: CalDAV (RFC 4791) `calendar-query`
//! with a time range, CardDAV (RFC 6352) `addressbook-query`, WebDAV (RFC 4918) `PROPFIND`,
//! with the credential the portal holds — a service account the server lets read every
//! person's collections, or a CAS proxy ticket of the person's session that the server
//! validates — and never the channel's. Collections are found under per-person URLs
//! (`{uid}` replaced); answers are bounded ([`MAX_BODY`]), each call has one deadline, and
//! whatever the server says is parsed here ([`xml`], [`text`]) into typed values.

mod text;
mod xml;

use crate::capability::backend::ProxyTicketIssuer;
use crate::capability::dav::{DavContact, DavEvent, DavFailure, DavFile, DavService};
use crate::secret::Secret;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Largest answer read from the server, in bytes.
pub const MAX_BODY: usize = 4 << 20;
/// Most collections read for one call (calendars, address books, folders).
const MAX_COLLECTIONS: usize = 12;

/// How the portal authenticates to the DAV server.
#[derive(Debug, Clone)]
pub enum DavAuth {
    /// HTTP Basic as a service account allowed to read every person's collections.
    ServiceAccount {
        /// Its login.
        user: String,
        /// Its password.
        password: Secret,
    },
    /// HTTP Basic as the person, with a CAS proxy ticket for `service` as the password (the
    /// server validates it at CAS); only for people signed in with CAS.
    CasProxy {
        /// The DAV server's CAS service.
        service: String,
    },
}

/// The portal's DAV settings (`[dav]` in portal.toml). A URL is a template: `{uid}` is the
/// person's uid; an empty URL turns that part off.
#[derive(Debug, Clone)]
pub struct DavSettings {
    /// The person's calendar home (its calendar collections are read), or one calendar.
    pub calendars_url: String,
    /// The person's address-book home, or one address book.
    pub contacts_url: String,
    /// The person's home collection of documents.
    pub files_url: String,
    /// The credential.
    pub auth: DavAuth,
    /// The zone of floating times and unknown `TZID`s (the institution's).
    pub time_zone: String,
    /// Deadline of one call (every request it makes).
    pub timeout: Duration,
}

/// The DAV client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the DAV client: {0}")]
pub struct DavClientError(String);

/// The DAV client of a portal, shared by every person's [`PersonDav`].
#[derive(Clone)]
pub struct DavClient {
    settings: Arc<DavSettings>,
    http: reqwest::Client,
}

impl DavClient {
    /// A client for `settings`, trusting the web PKI and `extra_roots` (DER).
    pub fn new(settings: DavSettings, extra_roots: &[Vec<u8>]) -> Result<Self, DavClientError> {
        for (key, template) in [
            ("calendars_url", &settings.calendars_url),
            ("contacts_url", &settings.contacts_url),
            ("files_url", &settings.files_url),
        ] {
            // Without `{uid}`, every person would be shown the same collection.
            let per_person = template
                .split_once("://")
                .is_some_and(|(_, rest)| rest.split_once('/').is_some_and(|(_, path)| path.contains("{uid}")));
            if !template.is_empty() && !per_person {
                return Err(DavClientError(format!(
                    "{key} `{template}` must name each person's collection with {{uid}} in its path"
                )));
            }
        }
        let mut http = reqwest::Client::builder()
            .user_agent(concat!("agora-portal/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout);
        for der in extra_roots {
            let cert = reqwest::Certificate::from_der(der).map_err(|e| DavClientError(e.to_string()))?;
            http = http.add_root_certificate(cert);
        }
        Ok(DavClient {
            settings: Arc::new(settings),
            http: http.build().map_err(|e| DavClientError(e.to_string()))?,
        })
    }

    /// The DAV service of the person `uid` (`proxy_tickets`: their CAS session, for `CasProxy`).
    pub fn for_person(&self, uid: &str, proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>) -> PersonDav {
        PersonDav {
            client: self.clone(),
            uid: uid.to_string(),
            proxy_tickets,
        }
    }
}

/// One person's calendars, address books and files.
pub struct PersonDav {
    client: DavClient,
    uid: String,
    proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
}

fn unavailable(why: impl Into<String>) -> DavFailure {
    DavFailure::Unavailable(why.into())
}

impl PersonDav {
    fn settings(&self) -> &DavSettings {
        &self.client.settings
    }

    /// The template's URL for this person, the uid as one path segment.
    fn url(&self, template: &str) -> Result<Url, DavFailure> {
        if template.is_empty() {
            return Err(unavailable("this part of the DAV server is not configured"));
        }
        let ok = !self.uid.is_empty()
            && self.uid.len() <= 64
            && self
                .uid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
            && self.uid != "."
            && self.uid != "..";
        if !ok {
            return Err(unavailable("this person's uid cannot name a DAV collection"));
        }
        Url::parse(&template.replace("{uid}", &self.uid)).map_err(|e| unavailable(format!("the DAV URL: {e}")))
    }

    /// `(user, password)` for this request.
    async fn credential(&self) -> Result<(String, String), DavFailure> {
        match &self.settings().auth {
            DavAuth::ServiceAccount { user, password } => Ok((user.clone(), password.expose().to_string())),
            DavAuth::CasProxy { service } => {
                let issuer = self
                    .proxy_tickets
                    .as_ref()
                    .ok_or_else(|| DavFailure::AuthFailed("no CAS session to get a proxy ticket from".into()))?;
                let ticket = issuer
                    .issue(service)
                    .await
                    .map_err(|why| DavFailure::AuthFailed(format!("no CAS proxy ticket: {why}")))?;
                Ok((self.uid.clone(), ticket))
            }
        }
    }

    /// One request; the multistatus it answers.
    async fn call(&self, method: &str, url: &Url, depth: &str, body: String) -> Result<Vec<xml::Response>, DavFailure> {
        let (user, password) = self.credential().await?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| unavailable(e.to_string()))?;
        let response = self
            .client
            .http
            .request(method, url.clone())
            .basic_auth(user, Some(password))
            .header("Depth", depth)
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                unavailable(if e.is_timeout() {
                    "the DAV server did not answer in time".to_string()
                } else {
                    "the DAV server cannot be reached".to_string()
                })
            })?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Err(DavFailure::AuthFailed(format!(
                "the DAV server refused the portal's credential (HTTP {status})"
            )));
        }
        if status != 207 {
            return Err(unavailable(format!("the DAV server answered HTTP {status}")));
        }
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| unavailable("the DAV server's answer was cut"))?
        {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(unavailable(format!("the DAV server's answer is over {MAX_BODY} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8(bytes).map_err(|_| unavailable("the DAV server's answer is not UTF-8"))?;
        xml::multistatus(&body).map_err(|why| unavailable(format!("the DAV server's answer: {why}")))
    }

    /// The collections of type `kind` at `home` (itself when it is one), at most [`MAX_COLLECTIONS`].
    async fn collections(&self, home: &Url, kind: &str) -> Result<Vec<Url>, DavFailure> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>"#;
        let found = self.call("PROPFIND", home, "1", body.into()).await?;
        Ok(found
            .iter()
            .filter(|r| r.types.iter().any(|t| t == kind))
            .filter_map(|r| home.join(&r.href).ok())
            .filter(|u| same_origin(u, home))
            .take(MAX_COLLECTIONS)
            .collect())
    }

    async fn events_inner(&self, from_ms: i64, to_ms: i64, max: u32) -> Result<Vec<DavEvent>, DavFailure> {
        let home = self.url(&self.settings().calendars_url)?;
        let (start, end) = (utc_stamp(from_ms), utc_stamp(to_ms));
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data><c:expand start="{start}" end="{end}"/></c:calendar-data></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="{start}" end="{end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#
        );
        let mut events = Vec::new();
        for calendar in self.collections(&home, "calendar").await? {
            for r in self.call("REPORT", &calendar, "1", body.clone()).await? {
                if let Some(data) = r.props.get("calendar-data") {
                    events.extend(text::events(data, &self.settings().time_zone));
                }
            }
        }
        events.retain(|e| e.start_unix_ms < to_ms && (e.end_unix_ms > from_ms || e.start_unix_ms >= from_ms));
        events.sort_by(|a, b| (a.start_unix_ms, &a.summary).cmp(&(b.start_unix_ms, &b.summary)));
        events.dedup_by(|a, b| a.uid == b.uid && a.start_unix_ms == b.start_unix_ms);
        events.truncate(max as usize);
        Ok(events)
    }

    async fn contacts_inner(&self, query: &str, max: u32) -> Result<Vec<DavContact>, DavFailure> {
        let home = self.url(&self.settings().contacts_url)?;
        let body = r#"<?xml version="1.0" encoding="utf-8"?><c:addressbook-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><c:address-data/></d:prop></c:addressbook-query>"#;
        let mut cards = Vec::new();
        for book in self.collections(&home, "addressbook").await? {
            for r in self.call("REPORT", &book, "1", body.into()).await? {
                if let Some(data) = r.props.get("address-data") {
                    cards.extend(text::contacts(data));
                }
            }
        }
        let wanted = fold(query.trim());
        cards.retain(|c| {
            wanted.is_empty()
                || fold(&c.full_name).contains(&wanted)
                || fold(&c.organisation).contains(&wanted)
                || c.emails.iter().any(|e| fold(e).contains(&wanted))
        });
        cards.sort_by_key(|c| fold(&c.full_name));
        cards.truncate(max as usize);
        Ok(cards)
    }

    async fn files_inner(&self, max: u32) -> Result<Vec<DavFile>, DavFailure> {
        let home = self.url(&self.settings().files_url)?;
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontenttype/><d:getcontentlength/><d:getlastmodified/></d:prop></d:propfind>"#;
        let mut files = Vec::new();
        let mut folders = vec![home.clone()];
        let mut visited = 0;
        while let Some(folder) = folders.pop() {
            visited += 1;
            for r in self.call("PROPFIND", &folder, "1", body.into()).await? {
                let Ok(url) = folder.join(&r.href) else { continue };
                if !same_origin(&url, &home) || !url.path().starts_with(home.path()) {
                    continue;
                }
                if r.types.iter().any(|t| t == "collection") {
                    let same = url.path().trim_end_matches('/') == folder.path().trim_end_matches('/');
                    // One level below the home, a bounded number of folders.
                    if !same && folder == home && visited + folders.len() < MAX_COLLECTIONS {
                        folders.push(url);
                    }
                    continue;
                }
                let name = xml::percent_decode(url.path().trim_end_matches('/').rsplit('/').next().unwrap_or(""));
                if name.is_empty() || name.starts_with('.') {
                    continue;
                }
                let prop = |n: &str| r.props.get(n).map(|v| v.trim()).unwrap_or("");
                files.push(DavFile {
                    name: name.chars().take(200).collect(),
                    href: url.to_string(),
                    content_type: prop("getcontenttype").chars().take(100).collect(),
                    size: prop("getcontentlength").parse().unwrap_or(0),
                    modified_unix_ms: xml::http_date(prop("getlastmodified")).unwrap_or(0),
                });
            }
        }
        files.sort_by(|a, b| (b.modified_unix_ms, &a.name).cmp(&(a.modified_unix_ms, &b.name)));
        files.truncate(max as usize);
        Ok(files)
    }
}

impl DavService for PersonDav {
    fn events(&self, from_ms: i64, to_ms: i64, max: u32) -> BoxFuture<'_, Result<Vec<DavEvent>, DavFailure>> {
        Box::pin(self.deadline(self.events_inner(from_ms, to_ms, max)))
    }

    fn contacts<'a>(&'a self, query: &'a str, max: u32) -> BoxFuture<'a, Result<Vec<DavContact>, DavFailure>> {
        Box::pin(self.deadline(self.contacts_inner(query, max)))
    }

    fn files(&self, max: u32) -> BoxFuture<'_, Result<Vec<DavFile>, DavFailure>> {
        Box::pin(self.deadline(self.files_inner(max)))
    }
}

impl PersonDav {
    /// `work` within the settings' deadline.
    async fn deadline<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, DavFailure>>,
    ) -> Result<T, DavFailure> {
        tokio::time::timeout(self.settings().timeout, work)
            .await
            .unwrap_or_else(|_| Err(unavailable("the DAV server did not answer in time")))
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// `YYYYMMDDTHHMMSSZ` of an instant.
fn utc_stamp(ms: i64) -> String {
    let secs = ms.div_euclid(1_000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Lower case without the accents of French (and common Latin) letters.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tickets;
    impl ProxyTicketIssuer for Tickets {
        fn issue<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<String, String>> {
            Box::pin(async move { Ok(format!("PT-1-for-{service}")) })
        }
    }

    fn settings(auth: DavAuth) -> DavSettings {
        DavSettings {
            calendars_url: "https://dav.example/{uid}/".into(),
            contacts_url: String::new(),
            files_url: String::new(),
            auth,
            time_zone: "Europe/Paris".into(),
            timeout: Duration::from_secs(1),
        }
    }

    #[tokio::test]
    async fn a_cas_proxy_ticket_is_the_persons_password() {
        let client = DavClient::new(
            settings(DavAuth::CasProxy {
                service: "https://dav.example/".into(),
            }),
            &[],
        )
        .unwrap();
        let alice = client.for_person("alice.martin", Some(Arc::new(Tickets)));
        assert_eq!(
            alice.credential().await.unwrap(),
            ("alice.martin".to_string(), "PT-1-for-https://dav.example/".to_string())
        );
        let without = client.for_person("alice.martin", None);
        assert!(matches!(without.credential().await, Err(DavFailure::AuthFailed(_))));
    }

    #[tokio::test]
    async fn uids_that_would_leave_the_collection_are_refused() {
        let client = DavClient::new(
            settings(DavAuth::ServiceAccount {
                user: "portal".into(),
                password: Secret::new("pw"),
            }),
            &[],
        )
        .unwrap();
        assert_eq!(
            client
                .for_person("alice.martin", None)
                .url("https://dav.example/{uid}/")
                .unwrap()
                .path(),
            "/alice.martin/"
        );
        for uid in ["..", "a/b", "a%2fb", "", "a?b"] {
            assert!(
                client.for_person(uid, None).url("https://dav.example/{uid}/").is_err(),
                "{uid}"
            );
        }
        assert!(client.for_person("bob", None).url("").is_err());
    }

    #[test]
    fn a_url_without_uid_is_refused() {
        for url in ["https://dav.example/shared/", "https://{uid}.dav.example/", "nonsense"] {
            let mut s = settings(DavAuth::CasProxy { service: "s".into() });
            s.files_url = url.into();
            let err = DavClient::new(s, &[]).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("files_url"), "{url}: {err}");
        }
    }

    #[test]
    fn stamps_and_folding() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_796_600_272_000), "20261206T233752Z");
        assert_eq!(fold("Chloé DUBOIS"), "chloe dubois");
    }
}

//! A small IMAP4rev1 client (RFC 3501) for mailbox summaries: log in, `STATUS` for the
//! counts, `EXAMINE` (read-only), `FETCH` of the latest messages' flags and `From`,
//! `Subject`, `Date` headers with `BODY.PEEK` (nothing is marked read), `LOGOUT`. Literals
//! are read by their announced size; everything has a size cap and the caller's timeout.
//!
//! It backs the `mail` capability of channels: the portal holds the connection and the
//! credentials (a CAS proxy ticket, or a master user); the channel only sees the summary.

use crate::config::{MailAuth, MailConfig, MailTls};
use agora_channel_host::{MailFailure, MailMessage, MailService, MailboxSummary, ProxyTicketIssuer};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Largest single line or literal accepted from the server.
const MAX_CHUNK: usize = 256 * 1024;

/// One server response: its text (literals replaced by `{}`), and the literals in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Response {
    /// The response line(s), literal contents left out.
    pub text: String,
    /// Literal contents, in order of appearance.
    pub literals: Vec<Vec<u8>>,
}

/// An IMAP failure.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ImapError {
    /// The server refused the login.
    #[error("login refused: {0}")]
    Refused(String),
    /// Network or protocol failure.
    #[error("{0}")]
    Protocol(String),
}

fn protocol(e: impl std::fmt::Display) -> ImapError {
    ImapError::Protocol(e.to_string())
}

/// Quote a string for IMAP (RFC 3501 quoted); `None` when it cannot be sent quoted.
pub fn quote(value: &str) -> Option<String> {
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return None;
    }
    Some(format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// A session on any byte stream (TCP, TLS).
pub struct Session<S> {
    stream: BufReader<S>,
    tag: u32,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    /// Start on `stream` and read the greeting.
    pub async fn start(stream: S) -> Result<Self, ImapError> {
        let mut session = Session {
            stream: BufReader::new(stream),
            tag: 0,
        };
        let greeting = session.read_response().await?;
        if !(greeting.text.starts_with("* OK") || greeting.text.starts_with("* PREAUTH")) {
            return Err(ImapError::Protocol(format!("unexpected greeting: {}", greeting.text)));
        }
        Ok(session)
    }

    /// Give back the stream (for STARTTLS).
    pub fn into_inner(self) -> S {
        self.stream.into_inner()
    }

    async fn read_line(&mut self) -> Result<Vec<u8>, ImapError> {
        let mut line = Vec::new();
        let n = (&mut self.stream)
            .take(MAX_CHUNK as u64)
            .read_until(b'\n', &mut line)
            .await
            .map_err(protocol)?;
        if n == 0 {
            return Err(ImapError::Protocol("connection closed by the server".into()));
        }
        if !line.ends_with(b"\n") {
            return Err(ImapError::Protocol("line too long".into()));
        }
        Ok(line)
    }

    /// Read one response (a line, with any literals it announces).
    pub async fn read_response(&mut self) -> Result<Response, ImapError> {
        let mut response = Response::default();
        loop {
            let line = self.read_line().await?;
            let text = String::from_utf8_lossy(&line);
            let trimmed = text.trim_end_matches(['\r', '\n']);
            // A literal announcement ends the line: `{123}`.
            if let Some(open) = trimmed.rfind('{')
                && trimmed.ends_with('}')
                && let Ok(size) = trimmed[open + 1..trimmed.len() - 1].parse::<usize>()
            {
                if size > MAX_CHUNK {
                    return Err(ImapError::Protocol(format!("literal of {size} bytes refused")));
                }
                response.text.push_str(&trimmed[..open]);
                response.text.push_str("{}");
                let mut literal = vec![0u8; size];
                self.stream.read_exact(&mut literal).await.map_err(protocol)?;
                response.literals.push(literal);
                continue;
            }
            response.text.push_str(trimmed);
            return Ok(response);
        }
    }

    /// Send `command` and collect the untagged responses until its tagged completion;
    /// `Err(Refused)` when it completes with `NO`/`BAD`.
    pub async fn command(&mut self, command: &str) -> Result<Vec<Response>, ImapError> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        let stream = self.stream.get_mut();
        stream
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await
            .map_err(protocol)?;
        stream.flush().await.map_err(protocol)?;
        let mut untagged = Vec::new();
        loop {
            let r = self.read_response().await?;
            if let Some(rest) = r.text.strip_prefix(&format!("{tag} ")) {
                return if rest.starts_with("OK") {
                    Ok(untagged)
                } else {
                    Err(ImapError::Refused(rest.to_string()))
                };
            }
            if r.text.starts_with("* BYE") {
                return Err(ImapError::Protocol(format!("server closed: {}", r.text)));
            }
            untagged.push(r);
            if untagged.len() > 10_000 {
                return Err(ImapError::Protocol("too many responses".into()));
            }
        }
    }

    /// `LOGIN`.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<(), ImapError> {
        let (Some(u), Some(p)) = (quote(user), quote(password)) else {
            return Err(ImapError::Refused("credentials cannot be sent".into()));
        };
        self.command(&format!("LOGIN {u} {p}")).await.map(|_| ())
    }

    /// Counts and the latest `latest` messages of `mailbox`, newest first.
    pub async fn summary(&mut self, mailbox: &str, latest: u32) -> Result<MailboxSummary, ImapError> {
        let name = quote(mailbox).ok_or_else(|| ImapError::Protocol("bad mailbox name".into()))?;
        let status = self.command(&format!("STATUS {name} (MESSAGES UNSEEN)")).await?;
        let (messages, unseen) = status
            .iter()
            .find(|r| r.text.starts_with("* STATUS"))
            .map(|r| parse_status(&r.text))
            .ok_or_else(|| ImapError::Protocol("no STATUS answer".into()))?;
        let mut out = MailboxSummary {
            mailbox: mailbox.to_string(),
            messages,
            unseen,
            latest: Vec::new(),
        };
        if latest == 0 {
            return Ok(out);
        }
        let examine = self.command(&format!("EXAMINE {name}")).await?;
        let exists = examine
            .iter()
            .filter_map(|r| r.text.strip_prefix("* ")?.strip_suffix(" EXISTS")?.parse::<u32>().ok())
            .next_back()
            .unwrap_or(0);
        if exists == 0 {
            return Ok(out);
        }
        let first = exists.saturating_sub(latest - 1).max(1);
        let fetched = self
            .command(&format!(
                "FETCH {first}:{exists} (UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])"
            ))
            .await?;
        let mut messages: Vec<(u32, MailMessage)> = fetched.iter().filter_map(parse_fetch).collect();
        messages.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        out.latest = messages.into_iter().map(|(_, m)| m).collect();
        Ok(out)
    }

    /// `LOGOUT` (errors ignored: the summary is already read).
    pub async fn logout(&mut self) {
        let _ = self.command("LOGOUT").await;
    }
}

/// `* STATUS "INBOX" (MESSAGES 3 UNSEEN 2)` → (3, 2).
pub fn parse_status(text: &str) -> (u32, u32) {
    let inner = text
        .rfind('(')
        .map(|i| &text[i + 1..])
        .unwrap_or_default()
        .trim_end_matches(')');
    let words: Vec<&str> = inner.split_whitespace().collect();
    let value = |key: &str| {
        words
            .iter()
            .position(|w| w.eq_ignore_ascii_case(key))
            .and_then(|i| words.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (value("MESSAGES"), value("UNSEEN"))
}

/// One `* n FETCH (UID u FLAGS (...) BODY[...] {}…)` → (sequence number, message).
pub fn parse_fetch(r: &Response) -> Option<(u32, MailMessage)> {
    let rest = r.text.strip_prefix("* ")?;
    let (seq, rest) = rest.split_once(' ')?;
    let seq: u32 = seq.parse().ok()?;
    if !rest.to_ascii_uppercase().starts_with("FETCH") {
        return None;
    }
    let upper = rest.to_ascii_uppercase();
    let uid = upper
        .find("UID ")
        .and_then(|i| rest[i + 4..].split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let seen = upper
        .find("FLAGS (")
        .map(|i| &upper[i..])
        .and_then(|f| f.find(')').map(|end| f[..end].contains("\\SEEN")))
        .unwrap_or(false);
    let headers = r
        .literals
        .first()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .unwrap_or_default();
    let header = |name: &str| header_value(&headers, name).unwrap_or_default();
    Some((
        seq,
        MailMessage {
            uid,
            from: header("From"),
            subject: header("Subject"),
            date: header("Date"),
            seen,
        },
    ))
}

/// The value of header `name` in a header block, unfolded (RFC 5322 §2.2.3).
pub fn header_value(block: &str, name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in block.split("\r\n").flat_map(|l| l.split('\n')) {
        match &mut value {
            Some(v) if line.starts_with([' ', '\t']) => {
                v.push(' ');
                v.push_str(line.trim());
            }
            Some(_) => break,
            None => {
                if let Some((key, rest)) = line.split_once(':')
                    && key.eq_ignore_ascii_case(name)
                {
                    value = Some(rest.trim().to_string());
                }
            }
        }
    }
    value
}

/// Run one summary conversation over `session`.
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    mut session: Session<S>,
    user: &str,
    password: &str,
    mailbox: &str,
    latest: u32,
) -> Result<MailboxSummary, ImapError> {
    session.login(user, password).await?;
    let summary = session.summary(mailbox, latest).await;
    session.logout().await;
    summary
}

/// The signed-in user's mail, read on the portal's IMAP server.
pub struct ImapMail {
    config: Arc<MailConfig>,
    tls: Arc<tokio_rustls::rustls::ClientConfig>,
    uid: String,
    proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
}

impl ImapMail {
    /// The mail of `uid`; `proxy_tickets` is needed for `auth = "cas-proxy"`.
    pub fn new(
        config: Arc<MailConfig>,
        tls: Arc<tokio_rustls::rustls::ClientConfig>,
        uid: String,
        proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
    ) -> Self {
        ImapMail {
            config,
            tls,
            uid,
            proxy_tickets,
        }
    }

    async fn credentials(&self) -> Result<(String, String), MailFailure> {
        match self.config.auth {
            MailAuth::Master => Ok((
                format!(
                    "{}{}{}",
                    self.uid, self.config.master_separator, self.config.master_user
                ),
                self.config.master_password.expose().to_string(),
            )),
            MailAuth::CasProxy => {
                let issuer = self.proxy_tickets.as_ref().ok_or_else(|| {
                    MailFailure::AuthFailed("no CAS proxy-granting ticket in this session (sign in with CAS)".into())
                })?;
                let ticket = issuer
                    .issue(&self.config.cas_service)
                    .await
                    .map_err(MailFailure::Unavailable)?;
                Ok((self.uid.clone(), ticket))
            }
        }
    }

    async fn fetch(&self, mailbox: &str, latest: u32) -> Result<MailboxSummary, MailFailure> {
        let (user, password) = self.credentials().await?;
        let address = (self.config.imap_host.as_str(), self.config.imap_port);
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|e| MailFailure::Unavailable(format!("cannot reach {}: {e}", self.config.imap_host)))?;
        let result = match self.config.tls {
            MailTls::None => {
                converse(
                    Session::start(tcp).await.map_err(failure)?,
                    &user,
                    &password,
                    mailbox,
                    latest,
                )
                .await
            }
            MailTls::Starttls => {
                let mut plain = Session::start(tcp).await.map_err(failure)?;
                plain.command("STARTTLS").await.map_err(failure)?;
                let tls = self.handshake(plain.into_inner()).await?;
                let session = Session {
                    stream: BufReader::new(tls),
                    tag: 100,
                };
                converse(session, &user, &password, mailbox, latest).await
            }
            MailTls::Tls => {
                let tls = self.handshake(tcp).await?;
                converse(
                    Session::start(tls).await.map_err(failure)?,
                    &user,
                    &password,
                    mailbox,
                    latest,
                )
                .await
            }
        };
        result.map_err(failure)
    }

    async fn handshake(&self, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>, MailFailure> {
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.config.imap_host.clone())
            .map_err(|e| MailFailure::Unavailable(format!("bad IMAP host name: {e}")))?;
        tokio_rustls::TlsConnector::from(self.tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| MailFailure::Unavailable(format!("TLS with {}: {e}", self.config.imap_host)))
    }
}

fn failure(e: ImapError) -> MailFailure {
    match e {
        ImapError::Refused(m) => MailFailure::AuthFailed(m),
        ImapError::Protocol(m) => MailFailure::Unavailable(m),
    }
}

impl MailService for ImapMail {
    fn summary<'a>(&'a self, mailbox: &'a str, latest: u32) -> BoxFuture<'a, Result<MailboxSummary, MailFailure>> {
        Box::pin(async move {
            let budget = Duration::from_millis(self.config.timeout_ms.max(100));
            match tokio::time::timeout(budget, self.fetch(mailbox, latest)).await {
                Ok(r) => {
                    if let Err(e) = &r {
                        tracing::warn!(uid = %self.uid, error = ?e, "mailbox summary failed");
                    }
                    r
                }
                Err(_) => Err(MailFailure::Unavailable(format!(
                    "the IMAP server did not answer within {} ms",
                    budget.as_millis()
                ))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fetch_and_headers_parse() {
        assert_eq!(parse_status("* STATUS \"INBOX\" (MESSAGES 12 UNSEEN 3)"), (12, 3));
        assert_eq!(parse_status("* STATUS INBOX (UNSEEN 0 MESSAGES 1)"), (1, 0));
        let r = Response {
            text: "* 7 FETCH (UID 42 FLAGS (\\Seen \\Answered) BODY[HEADER.FIELDS (FROM SUBJECT DATE)] {}) ".into(),
            literals: vec![b"From: =?UTF-8?Q?Scolarit=C3=A9?= <scol@univ.fr>\r\nSubject: Inscriptions\r\n  p\xc3\xa9dagogiques\r\nDate: Mon, 23 Nov 2026 08:02:00 +0100\r\n\r\n".to_vec()],
        };
        let (seq, m) = parse_fetch(&r).expect("parses");
        assert_eq!((seq, m.uid, m.seen), (7, 42, true));
        assert_eq!(m.subject, "Inscriptions pédagogiques");
        assert_eq!(m.date, "Mon, 23 Nov 2026 08:02:00 +0100");
        assert!(m.from.starts_with("=?UTF-8?Q?"));
    }

    #[test]
    fn quoting_refuses_line_breaks() {
        assert_eq!(quote("a\"b\\c").as_deref(), Some("\"a\\\"b\\\\c\""));
        assert!(quote("x\r\nA2 LOGOUT").is_none());
    }

    #[tokio::test]
    async fn a_scripted_server_conversation() {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        let script = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let mut buf = vec![0u8; 4096];
            server.write_all(b"* OK ready\r\n").await.expect("greeting");
            let mut answers = vec![
                b"a1 OK logged in\r\n".to_vec(),
                b"* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 1)\r\na2 OK\r\n".to_vec(),
                b"* 2 EXISTS\r\n* 0 RECENT\r\na3 OK [READ-ONLY]\r\n".to_vec(),
                b"* 1 FETCH (UID 5 FLAGS (\\Seen) BODY[HEADER.FIELDS (FROM SUBJECT DATE)] {16}\r\nSubject: old\r\n\r\n)\r\n* 2 FETCH (UID 6 FLAGS () BODY[HEADER.FIELDS (FROM SUBJECT DATE)] {16}\r\nSubject: new\r\n\r\n)\r\na4 OK\r\n".to_vec(),
                b"* BYE\r\na5 OK\r\n".to_vec(),
            ];
            answers.reverse();
            while let Some(answer) = answers.pop() {
                let n = tokio::io::AsyncReadExt::read(&mut server, &mut buf)
                    .await
                    .expect("read");
                assert!(n > 0);
                server.write_all(&answer).await.expect("write");
            }
        });
        let session = Session::start(client).await.expect("greeting");
        let summary = converse(session, "u", "p", "INBOX", 5).await.expect("summary");
        assert_eq!((summary.messages, summary.unseen), (2, 1));
        assert_eq!(
            summary.latest.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(),
            ["new", "old"]
        );
        assert!(!summary.latest[0].seen && summary.latest[1].seen);
        script.await.expect("script");
    }
}

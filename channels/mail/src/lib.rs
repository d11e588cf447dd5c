//! The "mail" channel: unread count and the latest messages of the user's inbox (sender,
//! subject decoded per RFC 2047, date), with a link to the webmail. The portal reads the
//! mailbox over IMAP (the `mail` capability) with credentials the channel never sees.

use agora_channel_sdk::prelude::*;
use agora_channel_sdk::time;
use base64::Engine;
use serde::Deserialize;

/// Configuration of a mail publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Mailbox shown (must be in the manifest's `[mail] mailboxes`).
    pub mailbox: String,
    /// How many latest messages are listed.
    pub latest: u32,
    /// The webmail, linked from the channel.
    pub webmail_url: String,
    /// The time zone dates are shown in (the institution's), whatever the sender's.
    pub timezone: String,
}

/// Windows-1252 code points for bytes 0x80–0x9F (the rest is Latin-1).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Decode bytes in `charset` (UTF-8, ISO-8859-1/15, Windows-1252, US-ASCII); `None` for
/// others.
fn decode_charset(charset: &str, bytes: &[u8]) -> Option<String> {
    let charset = charset.to_ascii_lowercase();
    let charset = charset.split('*').next().unwrap_or_default(); // RFC 2231 language suffix
    match charset {
        "utf-8" | "utf8" | "us-ascii" => Some(String::from_utf8_lossy(bytes).into_owned()),
        "iso-8859-1" | "latin1" | "iso-8859-15" | "windows-1252" | "cp1252" => Some(
            bytes
                .iter()
                .map(|&b| match (charset, b) {
                    ("iso-8859-15", 0xA4) => '€',
                    ("windows-1252" | "cp1252", 0x80..=0x9F) => CP1252[(b - 0x80) as usize],
                    _ => b as char,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Decode one `=?charset?enc?text?=` word, if it is one.
fn decode_word(word: &str) -> Option<String> {
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = match encoding {
        "B" | "b" => base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?,
        "Q" | "q" => {
            let mut out = Vec::new();
            let raw = text.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                match raw[i] {
                    b'_' => out.push(b' '),
                    b'=' => {
                        let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                        out.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 2;
                    }
                    b => out.push(b),
                }
                i += 1;
            }
            out
        }
        _ => return None,
    };
    decode_charset(charset, &bytes)
}

/// Decode the RFC 2047 encoded words of a header value; whitespace between two encoded
/// words disappears, undecodable words stay as they are.
pub fn decode_header(value: &str) -> String {
    let mut out = String::new();
    let mut last_was_word = false;
    let mut rest = value;
    while !rest.is_empty() {
        let ws_len = rest.len() - rest.trim_start().len();
        let (ws, after) = rest.split_at(ws_len);
        let token_len = after.find(char::is_whitespace).unwrap_or(after.len());
        let (token, next) = after.split_at(token_len);
        match decode_word(token) {
            Some(decoded) => {
                if !last_was_word {
                    out.push_str(ws);
                }
                out.push_str(&decoded);
                last_was_word = true;
            }
            None => {
                out.push_str(ws);
                out.push_str(token);
                last_was_word = false;
            }
        }
        rest = next;
    }
    out.trim().to_string()
}

/// The display name of a `From:` value (or the address when there is none).
pub fn sender_name(from: &str) -> String {
    let decoded = decode_header(from);
    match decoded.find('<') {
        Some(i) if !decoded[..i].trim().is_empty() => decoded[..i].trim().trim_matches('"').to_string(),
        Some(i) => decoded[i + 1..].trim_end_matches('>').to_string(),
        None => decoded,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MOIS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.",
];

/// A short date from an RFC 5322 `Date:` in `timezone` (`Mon, 23 Nov 2026 08:02:00 -0500`
/// read in Europe/Paris → `23 Nov 14:02`); a date that does not parse is shown as sent.
pub fn short_date(date: &str, timezone: &str, en: bool) -> Result<String, ChannelError> {
    let Some(utc) = time::parse_rfc5322(date) else {
        return Ok(date.to_string());
    };
    let local = utc + time::utc_offset(timezone, utc)?;
    let (_, month, day) = time::civil_from_days(local.div_euclid(86_400));
    let seconds = local.rem_euclid(86_400);
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    let name = if en {
        MONTHS[month as usize - 1]
    } else {
        MOIS[month as usize - 1]
    };
    Ok(format!("{day} {name} {h:02}:{m:02}"))
}

/// HTML of a mailbox summary.
pub fn render_summary(
    summary: &mail::Summary,
    webmail: &str,
    timezone: &str,
    en: bool,
) -> Result<String, ChannelError> {
    let count = match (summary.unseen, en) {
        (0, true) => "No unread messages".to_string(),
        (0, false) => "Aucun message non lu".to_string(),
        (1, true) => "1 unread message".to_string(),
        (1, false) => "1 message non lu".to_string(),
        (n, true) => format!("{n} unread messages"),
        (n, false) => format!("{n} messages non lus"),
    };
    let mut html = format!("<p class=\"mail-count\"><strong>{}</strong></p>", escape(&count));
    if !summary.latest.is_empty() {
        html.push_str("<ul class=\"mail-list\">");
        for m in &summary.latest {
            let subject = decode_header(&m.subject);
            let subject = if subject.is_empty() {
                if en {
                    "(no subject)".to_string()
                } else {
                    "(sans objet)".to_string()
                }
            } else {
                subject
            };
            let (open, close) = if m.seen { ("", "") } else { ("<strong>", "</strong>") };
            html.push_str(&format!(
                "<li class=\"{}\">{open}{}{close}<br><span class=\"mail-from\">{}</span> · <span class=\"mail-date\">{}</span></li>",
                if m.seen { "mail-seen" } else { "mail-unseen" },
                escape(&subject),
                escape(&sender_name(&m.from)),
                escape(&short_date(&m.date, timezone, en)?),
            ));
        }
        html.push_str("</ul>");
    }
    if !webmail.is_empty() {
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            escape(safe_url(webmail)),
            if en { "Open my webmail" } else { "Ouvrir ma messagerie" }
        ));
    }
    Ok(html)
}

/// "2 new messages", naming the newest unread one: raised again (unread again) when the
/// count or the newest unread message changes. Nothing when all is read.
pub fn unseen_notification(summary: &mail::Summary, webmail: &str, en: bool) -> Option<notify::Notification> {
    if summary.unseen == 0 {
        return None;
    }
    let newest = summary.latest.iter().find(|m| !m.seen);
    let title = match (summary.unseen, en) {
        (1, true) => "1 new message".to_string(),
        (1, false) => "1 nouveau message".to_string(),
        (n, true) => format!("{n} new messages"),
        (n, false) => format!("{n} nouveaux messages"),
    };
    let body = newest
        .map(|m| format!("{} — {}", sender_name(&m.from), decode_header(&m.subject)))
        .unwrap_or_default()
        .chars()
        .take(400)
        .collect();
    Some(notify::Notification {
        key: format!("unseen:{}", summary.mailbox),
        title,
        body,
        link: html::safe_url(webmail)
            .starts_with("https://")
            .then(|| webmail.to_string()),
    })
}

/// The channel.
pub struct Mail;

impl Channel for Mail {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            return Err(ChannelError::not_applicable("guests have no mailbox"));
        }
        // A zone the channel does not know is the configuration's fault, mail or no mail.
        time::utc_offset(&ctx.config.timezone, ctx.now_unix_ms / 1000)?;
        let summary = mail::summary(&ctx.config.mailbox, ctx.config.latest)?;
        let en = ctx.locale == Locale::En;
        if let Some(n) = unseen_notification(&summary, &ctx.config.webmail_url, en) {
            // A refusal (not granted) costs the page nothing.
            let _ = notify::raise(&n);
        }
        Ok(Output::html(render_summary(
            &summary,
            &ctx.config.webmail_url,
            &ctx.config.timezone,
            en,
        )?))
    }
}

agora_channel_sdk::export_channel!(Mail);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode_in_the_usual_charsets() {
        assert_eq!(
            decode_header("=?UTF-8?B?SW5zY3JpcHRpb25zIHDDqWRhZ29naXF1ZXM=?="),
            "Inscriptions pédagogiques"
        );
        assert_eq!(
            decode_header("=?ISO-8859-1?Q?R=E9sultats_du_semestre?="),
            "Résultats du semestre"
        );
        assert_eq!(
            decode_header("=?utf-8?q?Caf=C3=A9?= =?utf-8?q?_gratuit?= demain"),
            "Café gratuit demain"
        );
        assert_eq!(
            decode_header("=?windows-1252?Q?=93Cours=94_annul=E9?="),
            "“Cours” annulé"
        );
        assert_eq!(decode_header("=?iso-8859-15?Q?10_=A4?="), "10 €");
        assert_eq!(decode_header("Plain subject"), "Plain subject");
        assert_eq!(
            decode_header("=?x-unknown?Q?abc?="),
            "=?x-unknown?Q?abc?=",
            "left as is"
        );
        assert_eq!(
            decode_header("=?UTF-8?B?!!!?="),
            "=?UTF-8?B?!!!?=",
            "bad base64 left as is"
        );
    }

    #[test]
    fn senders_and_dates_read_well() {
        assert_eq!(sender_name("=?UTF-8?Q?Scolarit=C3=A9?= <scol@univ.fr>"), "Scolarité");
        assert_eq!(sender_name("\"BU Sciences\" <bu@univ.fr>"), "BU Sciences");
        assert_eq!(sender_name("<noreply@univ.fr>"), "noreply@univ.fr");
        let paris = |d: &str, en: bool| short_date(d, "Europe/Paris", en).expect("a known zone");
        assert_eq!(paris("Mon, 23 Nov 2026 08:02:00 +0100", true), "23 Nov 08:02");
        assert_eq!(paris("23 Nov 2026 08:02:00 +0100", false), "23 nov. 08:02");
        assert_eq!(paris("Mon, 23 Nov 2026 23:30:00 -0500", false), "24 nov. 05:30");
        assert_eq!(paris("yesterday", false), "yesterday");
    }

    #[test]
    fn unread_mail_raises_one_notification_naming_the_newest_unread_message() {
        let message = |uid, subject: &str, seen| mail::Message {
            uid,
            from: "Scolarité <scol@univ.fr>".into(),
            subject: subject.into(),
            date: String::new(),
            seen,
        };
        let mut summary = mail::Summary {
            mailbox: "INBOX".into(),
            messages: 2,
            unseen: 2,
            latest: vec![
                message(2, "=?UTF-8?Q?Inscriptions_p=C3=A9dagogiques?=", false),
                message(1, "Vu", true),
            ],
        };
        let n = unseen_notification(&summary, "https://webmail.univ.fr/", false).expect("unread mail");
        assert_eq!(n.title, "2 nouveaux messages");
        assert_eq!(n.body, "Scolarité — Inscriptions pédagogiques");
        assert_eq!(n.link.as_deref(), Some("https://webmail.univ.fr/"));
        assert_eq!(
            unseen_notification(&summary, "javascript:x", true).and_then(|n| n.link),
            None
        );
        summary.unseen = 0;
        assert!(unseen_notification(&summary, "", false).is_none(), "all read: nothing");
    }

    #[test]
    fn the_summary_shows_unread_first_and_escapes_everything() {
        let summary = mail::Summary {
            mailbox: "INBOX".into(),
            messages: 3,
            unseen: 2,
            latest: vec![
                mail::Message {
                    uid: 3,
                    from: "Mallory <m@x.fr>".into(),
                    subject: "<script>alert(1)</script>".into(),
                    date: "Mon, 23 Nov 2026 08:02:00 +0100".into(),
                    seen: false,
                },
                mail::Message {
                    uid: 2,
                    from: "a@b.fr".into(),
                    subject: "".into(),
                    date: "".into(),
                    seen: true,
                },
            ],
        };
        let html = render_summary(&summary, "https://webmail.univ.fr", "Europe/Paris", false).expect("renders");
        assert!(html.contains("2 messages non lus"), "{html}");
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"), "{html}");
        assert!(
            html.contains("(sans objet)") && html.contains("Ouvrir ma messagerie"),
            "{html}"
        );
    }
}

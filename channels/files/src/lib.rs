//! The "files" channel: the person's most recently modified documents on the institution's
//! WebDAV server, newest first, each a link that opens it there. The portal lists the home
//! collection (the `dav` capability, `agora:channel@0.3.0`) with a credential the channel
//! never sees.

use agora_channel_sdk::dav::{self, File};
use agora_channel_sdk::prelude::*;
use agora_channel_sdk::time;
use serde::Deserialize;

/// Configuration of a files publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Most documents listed.
    pub max_files: u32,
    /// The file application, linked; empty: none.
    #[serde(default)]
    pub files_url: String,
}

const MONTHS: [(&str, &str); 12] = [
    ("janv.", "Jan"),
    ("févr.", "Feb"),
    ("mars", "Mar"),
    ("avr.", "Apr"),
    ("mai", "May"),
    ("juin", "Jun"),
    ("juil.", "Jul"),
    ("août", "Aug"),
    ("sept.", "Sep"),
    ("oct.", "Oct"),
    ("nov.", "Nov"),
    ("déc.", "Dec"),
];

/// "1,5 Mo" / "1.5 MB".
pub fn size(bytes: u64, en: bool) -> String {
    let units = if en {
        ["B", "kB", "MB", "GB"]
    } else {
        ["o", "ko", "Mo", "Go"]
    };
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < 3 {
        value /= 1000.0;
        unit += 1;
    }
    let text = if unit == 0 {
        format!("{bytes}")
    } else {
        format!("{value:.1}")
    };
    let text = if en { text } else { text.replace('.', ",") };
    format!("{text} {}", units[unit])
}

/// "6 déc. 21:37" in `zone`.
pub fn modified(ms: i64, zone: &str, en: bool) -> Result<String, ChannelError> {
    let secs = ms.div_euclid(1_000);
    let local = secs + time::utc_offset(zone, secs)?;
    let (_, m, d) = time::civil_from_days(local.div_euclid(86_400));
    let minutes = local.rem_euclid(86_400) / 60;
    let (fr, en_month) = MONTHS[(m as usize).saturating_sub(1) % 12];
    let month = if en { en_month } else { fr };
    Ok(format!("{d} {month} {:02}:{:02}", minutes / 60, minutes % 60))
}

/// The documents as a list.
pub fn render_files(files: &[File], zone: &str, en: bool) -> Result<String, ChannelError> {
    if files.is_empty() {
        return Ok(format!(
            "<p>{}</p>",
            if en {
                "No documents yet."
            } else {
                "Aucun document pour l'instant."
            }
        ));
    }
    let mut html = String::from("<ul class=\"files\">");
    for f in files {
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a>",
            escape(html::safe_url(&f.href)),
            escape(&f.name)
        ));
        let mut details = Vec::new();
        if f.modified_unix_ms > 0 {
            details.push(modified(f.modified_unix_ms, zone, en)?);
        }
        if f.size > 0 {
            details.push(size(f.size, en));
        }
        if !details.is_empty() {
            html.push_str(&format!(" <span>({})</span>", escape(&details.join(", "))));
        }
        html.push_str("</li>");
    }
    html.push_str("</ul>");
    Ok(html)
}

/// The files channel.
pub struct Files;

impl Channel for Files {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            return Err(ChannelError::not_applicable("guests have no documents"));
        }
        let en = ctx.tr("fr", "en") == "en";
        let files = dav::files(ctx.config.max_files.clamp(1, 50))?;
        let mut html = render_files(&files, &ctx.time_zone, en)?;
        let link = html::safe_url(&ctx.config.files_url);
        if !ctx.config.files_url.is_empty() && link != "#" {
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(link),
                ctx.tr("Tous mes documents", "All my documents")
            ));
        }
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Files);

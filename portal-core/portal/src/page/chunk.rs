//! One finished slot as the `<div slot="s-N">` chunk streamed after the shell: fresh, stale
//! (the last good render, with its age) or failed (what is unavailable, in words; why and the
//! technical detail only for administrators; "nothing for you here" as an empty state).

use super::slot::SlotView;
use super::stream::{PageError, render};
use crate::theme::Theme;

/// The failures whose reason a student can act on or understand ("did not answer in time",
/// "busy, try again"); the others are, to them, only "unavailable for now".
const TOLD_TO_EVERYONE: &[&str] = &[
    "slot.error.timeout",
    "slot.error.busy",
    "slot.error.backend",
    "slot.error.config",
    "slot.error.not_applicable",
    "slot.viewas.withheld",
];

/// HTML of one finished slot; a failure with its reason and detail if `technical`.
pub fn slot_chunk(
    theme: &Theme,
    name: &str,
    title: &str,
    locale: &str,
    view: &SlotView,
    technical: bool,
) -> Result<String, PageError> {
    let mut ctx = tera::Context::new();
    ctx.insert("t", theme.catalog.slot_table(locale));
    ctx.insert("slot", name);
    ctx.insert("title", title);
    match view {
        SlotView::Fresh {
            html,
            title: channel_title,
        } => {
            ctx.insert("state", "fresh");
            ctx.insert("html", html);
            ctx.insert("channel_title", channel_title);
        }
        SlotView::Stale {
            html,
            title: channel_title,
            age_seconds,
            reason_key,
        } => {
            ctx.insert("state", "stale");
            ctx.insert("html", html);
            ctx.insert("channel_title", channel_title);
            ctx.insert("age", &age_text(theme, locale, *age_seconds));
            ctx.insert("message", theme.catalog.get(locale, reason_key));
        }
        SlotView::Failed { reason_key, detail } => {
            ctx.insert("state", "failed");
            // "Nothing for you here" is an empty state, not an error.
            ctx.insert("empty", &(*reason_key == "slot.error.not_applicable"));
            let reason = theme.catalog.get(locale, reason_key);
            if TOLD_TO_EVERYONE.contains(reason_key) {
                ctx.insert("message", reason);
                ctx.insert("reason", "");
            } else {
                let unavailable = theme
                    .catalog
                    .get(locale, "slot.unavailable")
                    .replace("{channel}", title);
                ctx.insert("message", &unavailable);
                ctx.insert("reason", if technical { reason } else { "" });
            }
            ctx.insert("detail", if technical { detail.as_str() } else { "" });
        }
    }
    render(theme, "slot.html", &ctx)
}

/// "12 min" / "3 h" style age in the user's language.
fn age_text(theme: &Theme, locale: &str, seconds: i64) -> String {
    let c = &theme.catalog;
    if seconds < 60 {
        c.get(locale, "age.seconds").replace("{n}", &seconds.to_string())
    } else if seconds < 3600 {
        c.get(locale, "age.minutes").replace("{n}", &(seconds / 60).to_string())
    } else if seconds < 86400 {
        c.get(locale, "age.hours").replace("{n}", &(seconds / 3600).to_string())
    } else {
        c.get(locale, "age.days").replace("{n}", &(seconds / 86400).to_string())
    }
}

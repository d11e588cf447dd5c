//! One finished slot as the `<div slot="s-N">` chunk streamed after the shell: fresh, stale
//! (the last good render, with its age) or failed (what is unavailable, in words; why and the
//! technical detail only for administrators, and for how long when it has lasted a minute;
//! "nothing for you here" as an empty state).

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
        SlotView::Failed {
            reason_key,
            detail,
            since_seconds,
        } => {
            ctx.insert("state", "failed");
            let since = since_seconds
                .filter(|s| *s >= 60 && *reason_key != "slot.error.not_applicable")
                .map(|s| {
                    theme
                        .catalog
                        .get(locale, "slot.since")
                        .replace("{age}", &age_text(theme, locale, s))
                })
                .unwrap_or_default();
            ctx.insert("since", &since);
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
        SlotView::Maintenance { message } => {
            ctx.insert("state", "maintenance");
            ctx.insert("message", message);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_theme() -> Theme {
        let mut config = crate::config::PortalConfig::default();
        config.paths.theme_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../themes/default").into();
        Theme::load(&config).expect("the shipped theme")
    }

    fn failed(since_seconds: Option<i64>) -> SlotView {
        SlotView::Failed {
            reason_key: "slot.error.crashed",
            detail: "wasm trap: unreachable".into(),
            since_seconds,
        }
    }

    #[test]
    fn a_failure_says_what_is_unavailable_and_since_when_and_the_detail_only_to_admins() {
        let theme = shipped_theme();
        let student = slot_chunk(&theme, "s-0", "Actualités", "fr", &failed(Some(720)), false).expect("chunk");
        assert!(student.contains("« Actualités » est"), "{student}");
        assert!(student.contains("Indisponible depuis 12 min."), "{student}");
        assert!(
            !student.contains("wasm trap") && !student.contains("error-reason"),
            "{student}"
        );
        let admin = slot_chunk(&theme, "s-0", "News", "en", &failed(Some(7200)), true).expect("chunk");
        assert!(
            admin.contains("Unavailable for 2 h.") && admin.contains("wasm trap"),
            "{admin}"
        );
        // A failure of a moment ago: no "for 0 min".
        let now = slot_chunk(&theme, "s-0", "News", "en", &failed(Some(5)), false).expect("chunk");
        assert!(!now.contains("Unavailable for"), "{now}");
    }
}

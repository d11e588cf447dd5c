//! Where the keyboard focus lands after a customisation form, without script: each form names
//! its control (`focus`, e.g. `timetable:down`, `tab:rename`), the redirect carries it, and
//! the new page puts `autofocus` on that control if it still has it; else on its nearest
//! neighbour (moved to the bottom, "down" is gone: "up" gets the focus), else on another
//! control of the same channel or tab, else on the page heading (after a removal, say). The
//! focus never falls back to the top of the page.

/// The focus target meaning the page's `h1` (the skip link's target too).
pub const HEADING: &str = "heading";

/// The focus target meaning the "Undo" button offered after a removal or a reset.
pub const UNDO: &str = "undo";

/// The control of `controls` (those the page has, in page order) that gets the focus when
/// the form asked for `asked`; empty when nothing was asked.
pub fn resolve(asked: &str, controls: &[String]) -> String {
    if asked.is_empty() {
        return String::new();
    }
    if controls.iter().any(|c| c == asked) {
        return asked.to_string();
    }
    let Some((owner, action)) = asked.split_once(':') else {
        return HEADING.to_string();
    };
    let opposite = match action {
        "up" => Some("down"),
        "down" => Some("up"),
        "left" => Some("right"),
        "right" => Some("left"),
        _ => None,
    };
    if let Some(o) = opposite.map(|o| format!("{owner}:{o}"))
        && controls.contains(&o)
    {
        return o;
    }
    let prefix = format!("{owner}:");
    controls
        .iter()
        .find(|c| c.starts_with(&prefix))
        .cloned()
        .unwrap_or_else(|| HEADING.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controls(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_asked_control_keeps_the_focus() {
        let c = controls(&["news:up", "news:down", "news:remove"]);
        assert_eq!(resolve("news:down", &c), "news:down");
        assert_eq!(resolve("", &c), "");
    }

    #[test]
    fn a_control_that_is_gone_hands_the_focus_to_its_neighbour() {
        // Moved to the bottom: no "down" any more.
        let c = controls(&["news:up", "news:right", "news:remove", "tab:rename", "tab:left"]);
        assert_eq!(resolve("news:down", &c), "news:up");
        assert_eq!(resolve("tab:right", &c), "tab:left");
        // No opposite: another control of the same channel.
        assert_eq!(resolve("news:pref:count", &c), "news:up");
        // The channel itself is gone (removed): the page heading.
        assert_eq!(resolve("mail:remove", &c), HEADING);
        assert_eq!(resolve("nonsense", &c), HEADING);
    }
}

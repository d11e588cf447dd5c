//! The "news" channel: the latest items of an RSS or Atom feed read from the named back-end
//! `feed`, parsed with feed-rs. The raw feed is cached for `feed_ttl_seconds` and shared by
//! every user, so a busy page costs one back-end request per TTL.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration of a news publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Path and query on the `feed` back-end (empty for the base URL itself).
    pub path: String,
    /// How many items to show.
    pub max_items: u32,
    /// Show each item's summary.
    pub show_summary: bool,
    /// How long the fetched feed is cached, shared by every user.
    pub feed_ttl_seconds: u32,
    /// Feeds per population: `<population>=<path>`; a member of several gets them merged.
    /// People in none of them get `path`.
    pub population_paths: Vec<String>,
    /// A private feed (its back-end is bound with a per-user credential such as a CAS proxy
    /// ticket): never kept in the channel's shared cache.
    pub private: bool,
}

/// The paths to read for a member of `populations`.
pub fn paths_for(cfg_path: &str, rules: &[String], populations: &[String]) -> Result<Vec<String>, ChannelError> {
    let mut paths = Vec::new();
    for rule in rules {
        let (population, path) = rule
            .split_once('=')
            .ok_or_else(|| ChannelError::bad_config(format!("population_paths entry `{rule}` has no `=`")))?;
        if populations.iter().any(|p| p == population.trim()) && !paths.iter().any(|p| p == path.trim()) {
            paths.push(path.trim().to_string());
        }
    }
    if paths.is_empty() {
        paths.push(cfg_path.to_string());
    }
    Ok(paths)
}

/// The channel.
pub struct News;

/// One item ready to show.
#[derive(Debug, PartialEq)]
pub struct Item {
    /// Title (plain text).
    pub title: String,
    /// Link (http/https only), if any.
    pub link: Option<String>,
    /// Publication or update time, ms since epoch.
    pub when_ms: Option<i64>,
    /// Summary reduced to plain text.
    pub summary: Option<String>,
}

/// Parse a feed document into items, newest first, at most `max`.
pub fn parse_items(bytes: &[u8], max: usize) -> Result<(Option<String>, Vec<Item>), ChannelError> {
    let feed = feed_rs::parser::parse(bytes)
        .map_err(|e| ChannelError::backend_garbage(format!("feed does not parse: {e}")))?;
    let title = feed.title.map(|t| t.content);
    let mut items: Vec<Item> = feed
        .entries
        .into_iter()
        .map(|e| Item {
            title: e.title.map(|t| t.content).unwrap_or_default(),
            link: e
                .links
                .first()
                .map(|l| l.href.clone())
                .filter(|h| h.starts_with("http://") || h.starts_with("https://")),
            when_ms: e.published.or(e.updated).map(|d| d.timestamp_millis()),
            summary: e.summary.map(|s| strip_tags(&s.content)).filter(|s| !s.is_empty()),
        })
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.when_ms));
    items.truncate(max);
    Ok((title, items))
}

/// Reduce an HTML summary to its text (the host sanitises anyway; this keeps it short and plain).
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    // Every HTML character reference, named (`&eacute;`, `&laquo;`) or numeric (`&#233;`,
    // `&#xE9;`), decoded once, after the tags are gone: a decoded `<` is text, not a tag.
    let text = html_escape::decode_html_entities(&out);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 280 {
        format!("{}…", text.chars().take(280).collect::<String>())
    } else {
        text
    }
}

/// "il y a 3 h" / "3 h ago" style relative date.
fn relative(now_ms: i64, then_ms: i64, en: bool) -> String {
    let mins = (now_ms - then_ms).max(0) / 60_000;
    match (mins, en) {
        (0..=1, false) => "à l'instant".into(),
        (0..=1, true) => "just now".into(),
        (2..=59, false) => format!("il y a {mins} min"),
        (2..=59, true) => format!("{mins} min ago"),
        (60..=1439, false) => format!("il y a {} h", mins / 60),
        (60..=1439, true) => format!("{} h ago", mins / 60),
        (_, false) => format!("il y a {} j", mins / 1440),
        (_, true) => format!("{} d ago", mins / 1440),
    }
}

/// Render items as an accessible list.
pub fn render_items(items: &[Item], now_ms: i64, en: bool, show_summary: bool) -> String {
    if items.is_empty() {
        return format!(
            "<p>{}</p>",
            if en {
                "No news at the moment."
            } else {
                "Aucune actualité pour le moment."
            }
        );
    }
    let mut html = String::from("<ul class=\"news-list\">");
    for item in items {
        html.push_str("<li>");
        match &item.link {
            Some(link) => html.push_str(&format!("<a href=\"{}\">{}</a>", escape(link), escape(&item.title))),
            None => html.push_str(&format!("<span>{}</span>", escape(&item.title))),
        }
        if let Some(when) = item.when_ms {
            html.push_str(&format!(
                " <small class=\"news-date\">{}</small>",
                escape(&relative(now_ms, when, en))
            ));
        }
        if show_summary && let Some(s) = &item.summary {
            html.push_str(&format!("<p>{}</p>", escape(s)));
        }
        html.push_str("</li>");
    }
    html.push_str("</ul>");
    html
}

impl Channel for News {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let cfg = &ctx.config;
        let paths = paths_for(&cfg.path, &cfg.population_paths, &ctx.attribute("agoraPopulations"))?;
        let mut title = None;
        let mut items = Vec::new();
        for path in &paths {
            let fetch = || {
                let resp = backend::get("feed", path)?;
                if !resp.is_success() {
                    return Err(ChannelError::backend_unavailable(format!(
                        "feed answered HTTP {}",
                        resp.status
                    )));
                }
                Ok(resp.body)
            };
            let bytes = if cfg.private {
                fetch()?
            } else {
                cache::get_or_try_insert(&format!("feed:{path}"), cfg.feed_ttl_seconds, fetch)?
            };
            let (feed_title, feed_items) = parse_items(&bytes, cfg.max_items as usize)?;
            if paths.len() == 1 {
                title = feed_title;
            }
            items.extend(feed_items);
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.when_ms));
        items.truncate(cfg.max_items as usize);
        let html = render_items(&items, ctx.now_unix_ms, ctx.locale == Locale::En, cfg.show_summary);
        let out = Output::html(html);
        Ok(match title {
            Some(t) if !t.trim().is_empty() => out.with_title(t),
            _ => out,
        })
    }
}

agora_channel_sdk::export_channel!(News);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_follow_populations() {
        let rules = vec!["l1-ufr27=/l1.xml".to_string(), "teachers=/staff.xml".to_string()];
        let pops = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            paths_for("/campus.xml", &rules, &pops(&["students", "l1-ufr27"])).expect("ok"),
            ["/l1.xml"]
        );
        assert_eq!(
            paths_for("/campus.xml", &rules, &pops(&["students"])).expect("ok"),
            ["/campus.xml"]
        );
        assert_eq!(
            paths_for("", &rules, &pops(&["teachers", "l1-ufr27"])).expect("ok"),
            ["/l1.xml", "/staff.xml"]
        );
        assert!(paths_for("", &["oops".to_string()], &[]).is_err());
    }

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Campus</title>
      <item><title>Old</title><link>https://u.fr/old</link><pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate></item>
      <item><title>New &amp; shiny</title><link>javascript:alert(1)</link><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>
        <description>&lt;b&gt;Bold&lt;/b&gt; text</description></item>
    </channel></rss>"#;

    #[test]
    fn rss_items_newest_first_and_unsafe_links_dropped() {
        let (title, items) = parse_items(RSS.as_bytes(), 10).expect("parses");
        assert_eq!(title.as_deref(), Some("Campus"));
        assert_eq!(items[0].title, "New & shiny");
        assert_eq!(items[0].link, None);
        assert_eq!(items[0].summary.as_deref(), Some("Bold text"));
        assert_eq!(items[1].link.as_deref(), Some("https://u.fr/old"));
    }

    #[test]
    fn garbage_is_a_backend_garbage_error() {
        let err = parse_items(b"<html>not a feed", 10).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BackendGarbage);
    }

    #[test]
    fn items_are_escaped() {
        let items = vec![Item {
            title: "<script>x</script>".into(),
            link: None,
            when_ms: None,
            summary: None,
        }];
        let html = render_items(&items, 0, false, true);
        assert!(!html.contains("<script>"));
    }
}

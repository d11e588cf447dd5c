//! The "links" channel: the institution's services (webmail, Moodle, library…) chosen per
//! population, and the user's own bookmarks (a preference each user edits on their page).
//!
//! Links are configuration entries `"<populations>|<title fr>|<title en>|<url>"`, where
//! `<populations>` is `*` (everyone) or population ids separated by `,`, matched against the
//! person's populations (the host's `agoraPopulations` attribute). Bookmarks are entries
//! `"<title>|<url>"`. Only http(s) links are shown.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration of a links publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// The institution's links.
    pub links: Vec<String>,
    /// The user's own bookmarks.
    pub bookmarks: Vec<String>,
}

/// One link to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Text.
    pub title: String,
    /// Target (http or https).
    pub url: String,
}

fn web(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The institution's links for a member of `populations`, in the page's language.
pub fn links_for(entries: &[String], populations: &[String], en: bool) -> Result<Vec<Link>, ChannelError> {
    let mut out = Vec::new();
    for entry in entries {
        let parts: Vec<&str> = entry.split('|').map(str::trim).collect();
        let [who, fr, english, url] = parts[..] else {
            return Err(ChannelError::bad_config(format!(
                "link `{entry}`: expected <populations>|<title fr>|<title en>|<url>"
            )));
        };
        if !web(url) {
            return Err(ChannelError::bad_config(format!("link `{entry}`: only http(s) URLs")));
        }
        let shown = who == "*"
            || who
                .split(',')
                .map(str::trim)
                .any(|p| populations.iter().any(|m| m == p));
        if shown {
            out.push(Link {
                title: if en { english } else { fr }.to_string(),
                url: url.to_string(),
            });
        }
    }
    Ok(out)
}

/// The user's bookmarks; malformed or non-web entries are skipped (they are the user's own
/// typing, not the admin's configuration).
pub fn bookmarks(entries: &[String]) -> Vec<Link> {
    entries
        .iter()
        .filter_map(|e| {
            let (title, url) = e.split_once('|')?;
            let (title, url) = (title.trim(), url.trim());
            (web(url) && !title.is_empty()).then(|| Link {
                title: title.to_string(),
                url: url.to_string(),
            })
        })
        .collect()
}

fn list(links: &[Link], class: &str) -> String {
    let mut html = format!("<ul class=\"{class}\">");
    for l in links {
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>",
            escape(safe_url(&l.url)),
            escape(&l.title)
        ));
    }
    html.push_str("</ul>");
    html
}

/// HTML of the links and bookmarks.
pub fn render_links(institution: &[Link], own: &[Link], en: bool) -> String {
    let mut html = String::new();
    if institution.is_empty() && own.is_empty() {
        return format!(
            "<p>{}</p>",
            if en {
                "No links yet."
            } else {
                "Aucun lien pour l'instant."
            }
        );
    }
    if !institution.is_empty() {
        html.push_str(&list(institution, "links-grid"));
    }
    if !own.is_empty() {
        html.push_str(&format!("<h3>{}</h3>", if en { "My bookmarks" } else { "Mes favoris" }));
        html.push_str(&list(own, "links-bookmarks"));
    }
    html
}

/// Lower case without French accents, for matching what people type.
fn folded(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// The links and bookmarks whose title or address contains every word of `query`.
pub fn matching(institution: &[Link], own: &[Link], query: &str, en: bool) -> Vec<SearchItem> {
    let words: Vec<String> = query.split_whitespace().map(folded).collect();
    let hit = |l: &Link| {
        let text = folded(&format!("{} {}", l.title, l.url));
        !words.is_empty() && words.iter().all(|w| text.contains(w.as_str()))
    };
    let mine = if en { "My bookmark" } else { "Mon favori" };
    institution
        .iter()
        .filter(|l| hit(l))
        .map(|l| SearchItem {
            title: l.title.clone(),
            description: l.url.clone(),
            link: l.url.clone(),
        })
        .chain(own.iter().filter(|l| hit(l)).map(|l| SearchItem {
            title: l.title.clone(),
            description: format!("{mine} · {}", l.url),
            link: l.url.clone(),
        }))
        .collect()
}

/// The channel.
pub struct Links;

impl Channel for Links {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let en = ctx.locale == Locale::En;
        let populations = ctx.attribute("agoraPopulations");
        let institution = links_for(&ctx.config.links, &populations, en)?;
        let own = if ctx.signed_in {
            bookmarks(&ctx.config.bookmarks)
        } else {
            Vec::new()
        };
        Ok(Output::html(render_links(&institution, &own, en)))
    }

    fn search(ctx: &Context<Config>, query: &str) -> Result<Vec<SearchItem>, ChannelError> {
        let en = ctx.locale == Locale::En;
        let institution = links_for(&ctx.config.links, &ctx.attribute("agoraPopulations"), en)?;
        // What the page shows: no bookmarks without someone signed in.
        let own = if ctx.signed_in {
            bookmarks(&ctx.config.bookmarks)
        } else {
            Vec::new()
        };
        Ok(matching(&institution, &own, query, en))
    }
}

agora_channel_sdk::export_channel!(Links);

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn links_follow_populations_and_language() {
        let config = entries(&[
            "*|Messagerie|Webmail|https://webmail.univ.fr",
            "students|Moodle|Moodle|https://moodle.univ.fr",
            "teachers, admin-staff|Intranet RH|HR intranet|https://rh.univ.fr",
        ]);
        let student = links_for(&config, &entries(&["students", "l1-ufr27"]), false).expect("ok");
        assert_eq!(
            student.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
            ["Messagerie", "Moodle"]
        );
        let staff = links_for(&config, &entries(&["admin-staff"]), true).expect("ok");
        assert_eq!(
            staff.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
            ["Webmail", "HR intranet"]
        );
        assert!(links_for(&entries(&["*|a|b"]), &[], false).is_err(), "three fields");
        assert!(links_for(&entries(&["*|a|b|javascript:alert(1)"]), &[], false).is_err());
    }

    #[test]
    fn a_search_finds_links_and_bookmarks_by_every_word_accents_aside() {
        let institution = links_for(
            &entries(&[
                "*|Bibliothèque universitaire|Library|https://bu.univ.fr",
                "*|Messagerie|Webmail|https://webmail.univ.fr",
            ]),
            &[],
            false,
        )
        .expect("ok");
        let own = bookmarks(&entries(&["Labo bibliométrie|https://lab.univ.fr"]));
        let found = matching(&institution, &own, "BIBLIO", false);
        assert_eq!(
            found.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
            ["Bibliothèque universitaire", "Labo bibliométrie"]
        );
        assert!(found[1].description.starts_with("Mon favori"));
        assert!(
            matching(&institution, &own, "biblio webmail", false).is_empty(),
            "every word"
        );
        assert!(matching(&institution, &own, "  ", false).is_empty());
    }

    #[test]
    fn bookmarks_keep_only_web_links_and_everything_is_escaped() {
        let own = bookmarks(&entries(&[
            "Labo|https://lab.univ.fr",
            "bad|javascript:x",
            "no url",
            "<b>|https://x.fr/?a=1&b=2",
        ]));
        assert_eq!(own.len(), 2);
        let html = render_links(&[], &own, false);
        assert!(
            html.contains("Mes favoris") && html.contains("&lt;b&gt;") && html.contains("a=1&amp;b=2"),
            "{html}"
        );
        assert!(render_links(&[], &[], true).contains("No links yet."));
    }
}

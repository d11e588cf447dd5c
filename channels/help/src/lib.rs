//! The "help" channel: questions and answers (FAQ) written in the publication's
//! configuration, in French and English, chosen per population, grouped by topic, each a
//! closed `<details>` (the question is its `<summary>`), with a search form of its own (the
//! answers found shown in a `<dl>`) and answers to the portal's search field.
//!
//! An entry is `"<populations>|<question fr>|<answer fr>|<question en>|<answer en>"`, where
//! `<populations>` is `*` (everyone, guests included) or population ids separated by `,`; an
//! entry `"# <topic fr>|<topic en>"` starts a topic. Answers are text where
//! `[words](https://…)` is a link (https, http, mailto or a path of the portal).

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration of a help publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Topics and questions.
    pub entries: Vec<String>,
    /// Where to ask otherwise, empty for nowhere.
    pub contact_url: String,
    /// The tab holding the publication, for the search's links; empty for the home tab.
    pub tab: String,
}

/// One question and its answer, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The topic it is under, empty before any topic.
    pub topic: String,
    /// The question.
    pub question: String,
    /// The answer, with its `[link](url)` marks.
    pub answer: String,
}

/// The entries shown to a member of `populations`, in the page's language; a malformed
/// entry is the administrator's to fix.
pub fn entries_for(config: &[String], populations: &[String], en: bool) -> Result<Vec<Entry>, ChannelError> {
    let mut out = Vec::new();
    let mut topic = String::new();
    for entry in config {
        if let Some(title) = entry.trim().strip_prefix('#') {
            let (fr, english) = title.split_once('|').unwrap_or((title, title));
            topic = if en { english } else { fr }.trim().to_string();
            continue;
        }
        let parts: Vec<&str> = entry.split('|').map(str::trim).collect();
        let [who, qfr, afr, qen, aen] = parts[..] else {
            return Err(ChannelError::bad_config(format!(
                "help entry `{entry}`: expected <populations>|<question fr>|<answer fr>|<question en>|<answer en>"
            )));
        };
        if [qfr, afr, qen, aen].iter().any(|t| t.is_empty()) {
            return Err(ChannelError::bad_config(format!(
                "help entry `{entry}`: a question or answer is empty"
            )));
        }
        let shown = who == "*"
            || who
                .split(',')
                .map(str::trim)
                .any(|p| populations.iter().any(|m| m == p));
        if shown {
            let (question, answer) = if en { (qen, aen) } else { (qfr, afr) };
            out.push(Entry {
                topic: topic.clone(),
                question: question.to_string(),
                answer: answer.to_string(),
            });
        }
    }
    Ok(out)
}

/// Whether `url` may be a link of an answer: https, http, mailto, or a path of the portal.
fn linkable(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || (url.starts_with('/') && !url.starts_with("//") && !url.contains('\\'))
}

/// An answer's pieces: text, or `(words, url)` for a link.
fn pieces(answer: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = answer;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let url_part = &after[close + 2..];
            let end = url_part.find(')')?;
            let (words, url) = (&after[..close], url_part[..end].trim());
            (!words.is_empty() && !words.contains('[') && linkable(url)).then(|| (words, url, close + 2 + end + 1))
        });
        match link {
            Some((words, url, used)) => {
                out.push((rest[..open].to_string(), None));
                out.push((words.to_string(), Some(url.to_string())));
                rest = &after[used..];
            }
            None => {
                out.push((rest[..=open].to_string(), None));
                rest = after;
            }
        }
    }
    out.push((rest.to_string(), None));
    out
}

/// An answer as HTML: text escaped, `[words](url)` a link.
pub fn answer_html(answer: &str) -> String {
    pieces(answer)
        .into_iter()
        .map(|(text, url)| match url {
            Some(url) => format!("<a href=\"{}\">{}</a>", escape(&url), escape(&text)),
            None => escape(&text),
        })
        .collect()
}

/// An answer as plain text (the links' words kept).
pub fn answer_text(answer: &str) -> String {
    pieces(answer).into_iter().map(|(text, _)| text).collect()
}

/// Lower case without French accents nor hyphens (`Wi-Fi` is `wifi`), for matching what
/// people type.
fn folded(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '-')
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'œ' => 'o',
            other => other,
        })
        .collect()
}

/// The entries whose topic, question or answer holds every word of `query`.
pub fn matching<'a>(entries: &'a [Entry], query: &str) -> Vec<&'a Entry> {
    let words: Vec<String> = query.split_whitespace().map(folded).collect();
    if words.is_empty() {
        return Vec::new();
    }
    entries
        .iter()
        .filter(|e| {
            let text = folded(&format!("{} {} {}", e.topic, e.question, answer_text(&e.answer)));
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

/// The channel's search form, coming back to the same tab.
pub fn render_form(publication: &str, tab: &str, query: &str, en: bool) -> String {
    format!(
        "<form method=\"get\" action=\"/\" role=\"search\"><input type=\"hidden\" name=\"tab\" value=\"{}\"><label for=\"{id}\">{}</label> <input id=\"{id}\" type=\"search\" name=\"{}\" value=\"{}\" maxlength=\"64\" autocomplete=\"off\"> <button type=\"submit\">{}</button></form>",
        escape(tab),
        if en {
            "Search the help"
        } else {
            "Chercher dans l’aide"
        },
        escape(&request::input_name(publication, "q")),
        escape(query),
        if en { "Search" } else { "Rechercher" },
        id = escape(&format!("{publication}-q")),
    )
}

/// The questions, grouped under their topics: each a closed `<details>`, or with `open` (a
/// search's answers) a `<dl>` whose answers show (the sanitiser drops `<details open>`).
pub fn render_entries(entries: &[&Entry], open: bool) -> String {
    let mut html = String::new();
    let mut topic: Option<&str> = None;
    for e in entries {
        if topic != Some(e.topic.as_str()) {
            if open && topic.is_some() {
                html.push_str("</dl>");
            }
            if !e.topic.is_empty() {
                html.push_str(&format!("<h3>{}</h3>", escape(&e.topic)));
            }
            if open {
                html.push_str("<dl class=\"help-found\">");
            }
            topic = Some(e.topic.as_str());
        }
        if open {
            html.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                escape(&e.question),
                answer_html(&e.answer)
            ));
        } else {
            html.push_str(&format!(
                "<details class=\"help-entry\"><summary>{}</summary><p>{}</p></details>",
                escape(&e.question),
                answer_html(&e.answer)
            ));
        }
    }
    if open && topic.is_some() {
        html.push_str("</dl>");
    }
    html
}

/// The link of the help desk, when configured.
fn contact(url: &str, en: bool) -> String {
    if url.trim().is_empty() || !linkable(url.trim()) {
        return String::new();
    }
    format!(
        "<p class=\"help-contact\">{} <a href=\"{}\">{}</a></p>",
        if en {
            "Not found what you need?"
        } else {
            "Vous n’avez pas trouvé ?"
        },
        escape(url.trim()),
        if en { "Ask the help desk" } else { "Demandez au support" }
    )
}

/// The channel.
pub struct Help;

impl Channel for Help {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let en = ctx.locale == Locale::En;
        let entries = entries_for(&ctx.config.entries, &ctx.attribute("agoraPopulations"), en)?;
        let query = request::param("q").unwrap_or_default();
        let query = query.trim();
        let tab = request::param("tab").unwrap_or_default();
        let mut html = render_form(&ctx.publication, &tab, query, en);
        if query.is_empty() {
            if entries.is_empty() {
                html.push_str(&format!(
                    "<p>{}</p>",
                    if en {
                        "No questions yet."
                    } else {
                        "Aucune question pour l’instant."
                    }
                ));
            }
            html.push_str(&render_entries(&entries.iter().collect::<Vec<_>>(), false));
        } else {
            let found = matching(&entries, query);
            html.push_str(&format!(
                "<p role=\"status\">{}</p>",
                escape(&match (found.len(), en) {
                    (0, true) => format!("No answer matches “{query}”."),
                    (0, false) => format!("Aucune réponse ne correspond à « {query} »."),
                    (1, true) => format!("1 answer for “{query}”:"),
                    (1, false) => format!("1 réponse pour « {query} » :"),
                    (n, true) => format!("{n} answers for “{query}”:"),
                    (n, false) => format!("{n} réponses pour « {query} » :"),
                })
            ));
            html.push_str(&render_entries(&found, true));
        }
        html.push_str(&contact(&ctx.config.contact_url, en));
        Ok(Output::html(html))
    }

    fn search(ctx: &Context<Config>, query: &str) -> Result<Vec<SearchItem>, ChannelError> {
        let en = ctx.locale == Locale::En;
        let entries = entries_for(&ctx.config.entries, &ctx.attribute("agoraPopulations"), en)?;
        let tab = Some(ctx.config.tab.trim())
            .filter(|t| !t.is_empty())
            .or(ctx.tab.as_deref())
            .map(|t| format!("tab={}&", encode(t)))
            .unwrap_or_default();
        Ok(matching(&entries, query)
            .into_iter()
            .map(|e| SearchItem {
                title: e.question.clone(),
                description: answer_text(&e.answer).chars().take(300).collect(),
                link: format!(
                    "/?{tab}{}={}",
                    encode(&request::input_name(&ctx.publication, "q")),
                    encode(&e.question)
                ),
            })
            .collect())
    }
}

/// `text` percent-encoded for a query string.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

agora_channel_sdk::export_channel!(Help);

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entries_follow_topics_populations_and_language() {
        let config = list(&[
            "# Compte|Account",
            "*|Mot de passe oublié ?|Allez sur [le service](https://mdp.univ.fr).|Forgot password?|Go to [the service](https://mdp.univ.fr).",
            "students|Certificat de scolarité ?|Sur l'ENT.|School certificate?|On the portal.",
        ]);
        let guest = entries_for(&config, &[], false).expect("ok");
        assert_eq!(guest.len(), 1);
        assert_eq!(guest[0].topic, "Compte");
        let student = entries_for(&config, &list(&["students"]), true).expect("ok");
        assert_eq!(student[1].question, "School certificate?");
        assert!(entries_for(&list(&["*|a|b|c"]), &[], false).is_err());
        assert!(entries_for(&list(&["*|a||c|d"]), &[], false).is_err());
    }

    #[test]
    fn only_safe_links_become_links_and_the_rest_is_escaped() {
        assert_eq!(
            answer_html("Voir [ici](https://a.fr/?x=1&y=2) <b>ou</b> [là](/?tab=x)."),
            "Voir <a href=\"https://a.fr/?x=1&amp;y=2\">ici</a> &lt;b&gt;ou&lt;/b&gt; <a href=\"/?tab=x\">là</a>."
        );
        assert_eq!(answer_html("[x](javascript:alert(1))"), "[x](javascript:alert(1))");
        assert_eq!(answer_html("[x](//evil.fr)"), "[x](//evil.fr)");
        assert_eq!(answer_html("a [b] c [d"), "a [b] c [d");
        assert_eq!(answer_text("Go to [the service](https://x.fr)."), "Go to the service.");
    }

    #[test]
    fn a_search_needs_every_word_accents_and_case_aside() {
        let entries = entries_for(
            &list(&["*|Où imprimer ?|À la BU, avec votre carte.|Where to print?|At the library."]),
            &[],
            false,
        )
        .expect("ok");
        assert_eq!(matching(&entries, "IMPRIMER carte").len(), 1);
        assert_eq!(matching(&entries, "ou bu").len(), 1);
        assert!(matching(&entries, "imprimer wifi").is_empty());
        assert!(matching(&entries, "   ").is_empty());
    }
}

//! The "directory" channel (annuaire): search people by name through the host's directory
//! capability. The host never returns a red-listed person (`supannListeRouge: TRUE`) nor an
//! attribute the manifest does not grant; the channel shows only the attributes the
//! publication's configuration lists.

use agora_channel_sdk::directory::{Person, SearchError};
use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration of a directory publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Attributes shown under each name, in order (within the manifest's grant).
    pub shown: Vec<String>,
    /// Most people listed.
    pub max_results: u32,
}

/// The label of an attribute in the page's language.
fn label(attribute: &str, en: bool) -> String {
    let (fr, english) = match attribute {
        "mail" => ("Courriel", "Email"),
        "telephoneNumber" => ("Téléphone", "Phone"),
        "supannEntiteAffectation" => ("Affectation", "Unit"),
        "eduPersonPrimaryAffiliation" => ("Statut", "Status"),
        "title" => ("Fonction", "Title"),
        "roomNumber" => ("Bureau", "Office"),
        other => (other, other),
    };
    if en { english } else { fr }.to_string()
}

/// The search form, coming back to the same tab.
pub fn render_form(publication: &str, tab: &str, query: &str, en: bool) -> String {
    let input = request::input_name(publication, "q");
    format!(
        "<form method=\"get\" action=\"/\" role=\"search\"><input type=\"hidden\" name=\"tab\" value=\"{}\"><label for=\"{id}\">{}</label> <input id=\"{id}\" type=\"search\" name=\"{}\" value=\"{}\" minlength=\"2\" maxlength=\"64\" required autocomplete=\"off\"> <button type=\"submit\">{}</button></form>",
        escape(tab),
        if en { "Name" } else { "Nom" },
        escape(&input),
        escape(query),
        if en { "Search" } else { "Rechercher" },
        id = escape(&format!("{publication}-q")),
    )
}

fn first<'a>(person: &'a Person, attribute: &str) -> Option<&'a str> {
    person.get(attribute).and_then(|v| v.first()).map(String::as_str)
}

/// The people found, with the configured attributes.
pub fn render_people(people: &[Person], shown: &[String], en: bool) -> String {
    if people.is_empty() {
        return format!(
            "<p>{}</p>",
            if en {
                "Nobody matches."
            } else {
                "Aucune personne ne correspond."
            }
        );
    }
    let mut html = String::from("<ul class=\"directory-results\">");
    for p in people {
        let name = first(p, "displayName").or_else(|| first(p, "cn")).unwrap_or("?");
        html.push_str(&format!(
            "<li><strong>{}</strong><dl class=\"attribute-list\">",
            escape(name)
        ));
        for attribute in shown {
            let Some(values) = p.get(attribute).filter(|v| !v.is_empty()) else {
                continue;
            };
            let rendered: Vec<String> = values
                .iter()
                .map(|v| match attribute.as_str() {
                    "mail" => format!("<a href=\"mailto:{}\">{}</a>", escape(v), escape(v)),
                    "telephoneNumber" => {
                        let digits: String = v.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
                        format!("<a href=\"tel:{}\">{}</a>", escape(&digits), escape(v))
                    }
                    _ => escape(v),
                })
                .collect();
            html.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                escape(&label(attribute, en)),
                rendered.join(", ")
            ));
        }
        html.push_str("</dl></li>");
    }
    html.push_str("</ul>");
    html
}

/// The channel.
pub struct Directory;

impl Channel for Directory {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            // The portal gives a guest's page no directory: a search could only fail.
            return Err(ChannelError::not_applicable("guests cannot search the directory"));
        }
        let en = ctx.locale == Locale::En;
        let tab = request::param("tab").unwrap_or_default();
        let query = request::param("q").unwrap_or_default();
        let mut html = render_form(&ctx.publication, &tab, &query, en);
        if !query.trim().is_empty() {
            match directory::search(&query, ctx.config.max_results) {
                Ok(people) => html.push_str(&render_people(&people, &ctx.config.shown, en)),
                Err(SearchError::InvalidQuery(_)) => html.push_str(&format!(
                    "<p>{}</p>",
                    if en {
                        "Type at least two letters of a name."
                    } else {
                        "Tapez au moins deux lettres d'un nom."
                    }
                )),
                Err(other) => return Err(other.into()),
            }
        }
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Directory);

#[cfg(test)]
mod tests {
    use super::*;

    fn person(pairs: &[(&str, &str)]) -> Person {
        let mut p = Person::new();
        for (k, v) in pairs {
            p.entry(k.to_string()).or_default().push(v.to_string());
        }
        p
    }

    #[test]
    fn the_form_comes_back_to_this_channel_and_tab() {
        let form = render_form("annuaire", "home", "du\"pont", false);
        assert!(
            form.contains("name=\"annuaire.q\"") && form.contains("value=\"home\""),
            "{form}"
        );
        assert!(form.contains("value=\"du&quot;pont\""), "escaped: {form}");
    }

    #[test]
    fn only_configured_attributes_are_shown() {
        let people = [person(&[
            ("displayName", "Claire Dubois"),
            ("mail", "claire.dubois@univ-agora.fr"),
            ("telephoneNumber", "+33 1 44 27 00 00"),
            ("supannEntiteAffectation", "UFR27"),
            ("eduPersonPrincipalName", "cdubois@univ-agora.fr"),
        ])];
        let shown = vec!["mail".to_string(), "telephoneNumber".to_string()];
        let html = render_people(&people, &shown, true);
        assert!(html.contains("<strong>Claire Dubois</strong>"), "{html}");
        assert!(
            html.contains("mailto:claire.dubois@univ-agora.fr") && html.contains("tel:+33144270000"),
            "{html}"
        );
        assert!(!html.contains("UFR27") && !html.contains("cdubois@"), "{html}");
        assert!(render_people(&[], &shown, false).contains("Aucune personne"));
    }
}

//! The "contacts" channel: a search form over the person's address book and the contacts
//! found (name, organisation, e-mail and phone links). The portal reads the address books
//! over CardDAV (the `dav` capability, `agora:channel@0.3.0`) with a credential the channel
//! never sees.

use agora_channel_sdk::dav::{self, Contact};
use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration of a contacts publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Most contacts listed.
    pub max_results: u32,
}

/// The search form, coming back to the same tab with `<publication>.q`.
pub fn render_form(publication: &str, tab: &str, query: &str, en: bool) -> String {
    let input = request::input_name(publication, "q");
    format!(
        "<form method=\"get\" action=\"/\" role=\"search\"><input type=\"hidden\" name=\"tab\" value=\"{}\"><label for=\"{id}\">{}</label> <input id=\"{id}\" type=\"search\" name=\"{}\" value=\"{}\" maxlength=\"64\" autocomplete=\"off\"> <button type=\"submit\">{}</button></form>",
        escape(tab),
        if en {
            "Search my contacts"
        } else {
            "Chercher dans mes contacts"
        },
        escape(&input),
        escape(query),
        if en { "Search" } else { "Chercher" },
        id = escape(&format!("{publication}-q")),
    )
}

/// The contacts as a list.
pub fn render_contacts(contacts: &[Contact], query: &str, en: bool) -> String {
    if contacts.is_empty() {
        let text = match (query.is_empty(), en) {
            (true, false) => "Votre carnet d'adresses est vide.".to_string(),
            (true, true) => "Your address book is empty.".to_string(),
            (false, false) => format!("Aucun contact ne correspond à « {} ».", escape(query)),
            (false, true) => format!("No contact matches “{}”.", escape(query)),
        };
        return format!("<p>{text}</p>");
    }
    let mut html = String::from("<ul class=\"contacts\">");
    for c in contacts {
        let name = if c.full_name.is_empty() {
            c.emails.first().cloned().unwrap_or_default()
        } else {
            c.full_name.clone()
        };
        html.push_str(&format!("<li><strong>{}</strong>", escape(&name)));
        if !c.organisation.is_empty() {
            html.push_str(&format!(" <span>({})</span>", escape(&c.organisation)));
        }
        for e in &c.emails {
            html.push_str(&format!(" <a href=\"mailto:{}\">{}</a>", escape(e), escape(e)));
        }
        for p in &c.phones {
            let digits: String = p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            if digits.is_empty() {
                html.push_str(&format!(" <span>{}</span>", escape(p)));
            } else {
                html.push_str(&format!(" <a href=\"tel:{}\">{}</a>", escape(&digits), escape(p)));
            }
        }
        html.push_str("</li>");
    }
    html.push_str("</ul>");
    html
}

/// The contacts channel.
pub struct Contacts;

impl Channel for Contacts {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            return Err(ChannelError::not_applicable("guests have no address book"));
        }
        let en = ctx.tr("fr", "en") == "en";
        let tab = request::param("tab").or_else(|| ctx.tab.clone()).unwrap_or_default();
        let query: String = request::param("q")
            .unwrap_or_default()
            .trim()
            .chars()
            .take(64)
            .collect();
        let found = dav::contacts(&query, ctx.config.max_results.clamp(1, 50))?;
        let mut html = render_form(&ctx.publication, &tab, &query, en);
        html.push_str(&render_contacts(&found, &query, en));
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Contacts);

//! The "welcome" channel: greets the person and shows the attributes its manifest grants,
//! so that a newcomer (or an admin checking a population) sees what the portal knows.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration: which attributes to list, in order, with their labels.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Attribute names to show, in order.
    pub show: Vec<String>,
}

/// The channel.
pub struct Welcome;

/// Human label of a SupAnn / eduPerson attribute in the page language.
fn label(name: &str, en: bool) -> String {
    let (fr, eng) = match name {
        "displayName" => ("Nom", "Name"),
        "mail" => ("Courriel", "Email"),
        "eduPersonPrimaryAffiliation" => ("Statut", "Status"),
        "eduPersonAffiliation" => ("Affiliations", "Affiliations"),
        "supannEntiteAffectation" => ("Affectation", "Unit"),
        "supannEtuInscription" => ("Inscription", "Enrolment"),
        "supannEtuId" => ("Numéro d'étudiant", "Student number"),
        "supannEtablissement" | "agoraEtablissement" => ("Établissement", "Institution"),
        "agoraFormation" => ("Formation", "Programme"),
        "agoraAffectation" => ("Composante", "Faculty or department"),
        "uid" => ("Identifiant", "Login"),
        other => (other, other),
    };
    if en { eng.to_string() } else { fr.to_string() }
}

/// An eduPerson affiliation in words.
fn affiliation(value: &str, en: bool) -> String {
    let (fr, eng) = match value {
        "student" => ("Étudiant·e", "Student"),
        "faculty" | "teacher" => ("Enseignant·e", "Teacher"),
        "emeritus" => ("Professeur·e émérite", "Emeritus"),
        "retired" => ("Retraité·e", "Retired"),
        "registered-reader" => ("Lecteur·rice inscrit·e", "Registered reader"),
        "library-walk-in" => ("Visiteur·se de la bibliothèque", "Library visitor"),
        "staff" => ("Personnel", "Staff"),
        "employee" => ("Personnel", "Employee"),
        "researcher" => ("Chercheur·se", "Researcher"),
        "affiliate" => ("Invité·e", "Affiliate"),
        "alum" => ("Ancien·ne étudiant·e", "Alumnus"),
        "member" => ("Membre", "Member"),
        other => (other, other),
    };
    if en { eng.to_string() } else { fr.to_string() }
}

/// Make a SupAnn composite value (`[k=v][k=v]`) readable: `k: v, k: v`.
fn readable(value: &str) -> String {
    if value.starts_with('[') && value.ends_with(']') {
        value[1..value.len() - 1]
            .split("][")
            .map(|kv| kv.replacen('=', ": ", 1))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        value.to_string()
    }
}

impl Channel for Welcome {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let en = ctx.locale == Locale::En;
        if !ctx.signed_in {
            let text = ctx.tr(
                "Bienvenue sur l'ENT. Connectez-vous pour voir votre page personnelle.",
                "Welcome to the portal. Sign in to see your personal page.",
            );
            return Ok(Output::html(format!("<p>{}</p>", escape(text))));
        }
        let name = ctx
            .first_attribute("displayName")
            .unwrap_or_else(|| ctx.tr("à vous", "there").to_string());
        let mut html = format!(
            "<p class=\"welcome-greeting\">{} <strong>{}</strong>{}</p>",
            ctx.tr("Bonjour", "Hello"),
            escape(&name),
            ctx.tr("&nbsp;!", "!") // French puts a non-breaking space before "!"
        );
        html.push_str("<dl class=\"attribute-list\">");
        for attr in &ctx.config.show {
            let values = if attr.starts_with("agora") && attr != "agoraPopulations" {
                ctx.localized_attribute(attr)
            } else {
                ctx.attribute(attr)
            };
            let values: Vec<String> = if attr.starts_with("eduPerson") && attr.ends_with("Affiliation") {
                // Several values read the same (faculty and teacher, staff and employee):
                // each word once, in the directory's order.
                let mut words: Vec<String> = Vec::new();
                for word in values.iter().map(|v| affiliation(v, en)) {
                    if !words.contains(&word) {
                        words.push(word);
                    }
                }
                words
            } else {
                values
            };
            if values.is_empty() {
                continue;
            }
            html.push_str(&format!("<dt>{}</dt>", escape(&label(attr, en))));
            for v in values {
                html.push_str(&format!("<dd>{}</dd>", escape(&readable(&v))));
            }
        }
        html.push_str("</dl>");
        html.push_str(&format!(
            "<p class=\"hint\">{}</p>",
            escape(ctx.tr(
                "Ces informations viennent de l'annuaire de l'établissement.",
                "This information comes from the institution's directory.",
            ))
        ));
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Welcome);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_values_are_readable() {
        assert_eq!(
            readable("[etab={UAI}0751717J][cursusann={SUPANN}L1]"),
            "etab: {UAI}0751717J, cursusann: {SUPANN}L1"
        );
        assert_eq!(readable("student"), "student");
        assert_eq!(affiliation("faculty", false), "Enseignant·e");
        assert_eq!(affiliation("teacher", true), "Teacher");
    }
}

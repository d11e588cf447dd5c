//! The "sms" channel: the card through which the staff allowed to send reach the portal's
//! SMS page (`/sms`). The sending itself is the portal's: it holds ESUP SMS-U's application
//! credentials, reads the recipients' numbers from the directory (never shown), counts them
//! and checks the quota before anything leaves, and keeps large sends for an approver. A
//! channel has none of that, by design: it only says what the page does, in the person's
//! language, with the establishment's own rule of use when configured.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// The establishment's rule of use, shown as is (empty: none).
    pub note: String,
}

/// The channel.
pub struct Sms;

impl Channel for Sms {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            return Ok(Output::html(format!(
                "<p>{}</p>",
                escape(ctx.tr("Connectez-vous pour envoyer un SMS.", "Sign in to send an SMS."))
            )));
        }
        let mut html = format!(
            "<p>{}</p><ul><li>{}</li><li>{}</li></ul>",
            escape(ctx.tr(
                "Prévenez un groupe ou une population par SMS : une salle qui change, un examen déplacé.",
                "Tell a group or a population by SMS: a room that changes, an exam moved.",
            )),
            escape(ctx.tr(
                "Le nombre de destinataires s'affiche avant l'envoi ; personne ne voit les numéros.",
                "The number of recipients shows before sending; nobody sees the numbers.",
            )),
            escape(ctx.tr(
                "Les envois importants attendent la validation d'un responsable.",
                "Large sends wait for an approver.",
            )),
        );
        if !ctx.config.note.trim().is_empty() {
            html.push_str(&format!("<p class=\"hint\">{}</p>", escape(ctx.config.note.trim())));
        }
        html.push_str(&format!(
            "<p><a class=\"button-link\" href=\"/sms\">{}</a></p>",
            escape(ctx.tr("Écrire un SMS", "Write an SMS"))
        ));
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Sms);

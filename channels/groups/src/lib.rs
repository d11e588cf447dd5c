//! The "groups" channel ("my groups"): the self-managed groups the person is a member of,
//! each a link to its page on the portal, then links to find, join or create others.
//!
//! The portal gives a person's groups as two attributes in the same order: `agoraGroup`
//! (ids) and `agoraGroupName` (names); the channel reads nothing else.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Configuration.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Most groups listed.
    pub max: u32,
}

/// The channel.
pub struct Groups;

/// A group id as a path segment (ids are slugs, but nothing is trusted).
fn segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Channel for Groups {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        if !ctx.signed_in {
            return Ok(Output::html(format!(
                "<p>{}</p>",
                escape(ctx.tr("Connectez-vous pour voir vos groupes.", "Sign in to see your groups."))
            )));
        }
        let ids = ctx.attribute("agoraGroup");
        let names = ctx.attribute("agoraGroupName");
        let mut html = String::new();
        if ids.is_empty() {
            html.push_str(&format!(
                "<p class=\"empty-state\">{}</p>",
                escape(ctx.tr("Vous n'êtes encore dans aucun groupe.", "You are in no group yet."))
            ));
        } else {
            html.push_str("<ul class=\"link-list\">");
            for (i, id) in ids.iter().enumerate().take(ctx.config.max as usize) {
                let name = names.get(i).filter(|n| !n.trim().is_empty()).unwrap_or(id);
                html.push_str(&format!(
                    "<li><a href=\"/groups/{}\">{}</a></li>",
                    segment(id),
                    escape(name)
                ));
            }
            html.push_str("</ul>");
            if ids.len() > ctx.config.max as usize {
                html.push_str(&format!(
                    "<p><a href=\"/groups\">{}</a></p>",
                    escape(
                        &ctx.tr("Tous mes groupes ({n})", "All my groups ({n})")
                            .replace("{n}", &ids.len().to_string())
                    )
                ));
            }
        }
        html.push_str(&format!(
            "<p><a href=\"/groups#find\">{}</a> · <a href=\"/groups#create\">{}</a></p>",
            escape(ctx.tr("Trouver un groupe", "Find a group")),
            escape(ctx.tr("Créer un groupe", "Create a group"))
        ));
        Ok(Output::html(html))
    }
}

agora_channel_sdk::export_channel!(Groups);

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn ids_are_path_segments() {
        assert_eq!(segment("tutorat-l1"), "tutorat-l1");
        assert_eq!(segment("a/../b c"), "a%2F%2E%2E%2Fb%20c");
    }
}

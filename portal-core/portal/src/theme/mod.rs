//! Themes: tera templates under `<theme>/templates`, static files under `<theme>/static`,
//! strings under `<theme>/i18n`. An institution overrides any template by putting a file of
//! the same name in `paths.theme_overrides`, without forking the theme.

use crate::config::{ConfigError, PortalConfig, SkinConfig};
use crate::i18n::Catalog;
use std::path::PathBuf;
use tera::Tera;

pub mod scheme;
pub mod skin;

/// A loaded theme.
pub struct Theme {
    /// Compiled templates.
    pub tera: Tera,
    /// UI strings.
    pub catalog: Catalog,
    /// Directory of static files served under `/static/`.
    pub static_dir: PathBuf,
    /// The institution's name, logo and colours.
    pub skin: SkinConfig,
    /// `/skin.css`: the skin's colours and the text colours readable on them.
    pub skin_css: String,
    /// The theme's colour tokens per scheme, when it marks them (the scheme switch).
    pub schemes: Option<scheme::SchemeTokens>,
    /// Whether the demo banner shows.
    pub demo: bool,
    /// Whether this site is an establishment of the shared host, chosen in the picker (the
    /// header then offers to change it).
    pub picked: bool,
}

impl Theme {
    /// Load the configured theme and overrides.
    pub fn load(config: &PortalConfig) -> Result<Self, ConfigError> {
        let dir = config.resolve(&config.paths.theme_dir);
        let templates = dir.join("templates");
        let glob = format!("{}/**/*.html", templates.display());
        let mut tera =
            Tera::new(&glob).map_err(|e| ConfigError::new(templates.display().to_string(), "", tera_error(&e)))?;
        if let Some(over) = &config.paths.theme_overrides {
            let over = config.resolve(over);
            let glob = format!("{}/**/*.html", over.display());
            let extra =
                Tera::new(&glob).map_err(|e| ConfigError::new(over.display().to_string(), "", tera_error(&e)))?;
            tera.extend(&extra)
                .map_err(|e| ConfigError::new(over.display().to_string(), "", tera_error(&e)))?;
            tera.build_inheritance_chains()
                .map_err(|e| ConfigError::new(over.display().to_string(), "", tera_error(&e)))?;
        }
        tera.autoescape_on(vec![".html"]);
        for required in [
            "page_open.html",
            "page_close.html",
            "slot.html",
            "login.html",
            "error.html",
            "catalogue.html",
            "admin.html",
            "accessibility.html",
            "notifications.html",
            "search.html",
            "groups.html",
            "group.html",
            "statistics.html",
            "sms.html",
        ] {
            if !tera.get_template_names().any(|n| n == required) {
                return Err(ConfigError::new(
                    templates.display().to_string(),
                    required,
                    "template missing from the theme",
                ));
            }
        }
        let catalog = Catalog::load(&dir.join("i18n"))?;
        let schemes = std::fs::read_to_string(dir.join("static/theme.css"))
            .ok()
            .and_then(|css| scheme::SchemeTokens::extract(&css));
        Ok(Theme {
            schemes,
            tera,
            catalog,
            static_dir: dir.join("static"),
            skin: config.skin.clone(),
            skin_css: skin::skin_css(&config.skin.primary_color, &config.skin.accent_color),
            demo: config.demo.enabled,
            picked: false,
        })
    }
}

/// A tera error with its causes on one line.
pub fn tera_error(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

//! The colour scheme a person chose (light or dark) over their system's: a cookie, and the
//! theme's colour tokens for each scheme, appended to `/skin.css` when a choice is made.
//!
//! The default theme's `static/theme.css` marks its two sets of colour tokens:
//! `/* scheme:light */ … /* /scheme:light */` (in `:root`) and `/* scheme:dark */ …
//! /* /scheme:dark */` (in the `prefers-color-scheme: dark` block). They are read once at
//! start; `/skin.css`, loaded after `theme.css` in the document and in the page's shadow root,
//! then re-declares the chosen set on `:root`, which wins over the media query. A theme
//! without the marks offers no switch (the system's setting applies).

/// The cookie holding the choice (`light` or `dark`; absent: the system's).
pub const COOKIE: &str = "agora_scheme";

/// A chosen scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Light colours whatever the system says.
    Light,
    /// Dark colours whatever the system says.
    Dark,
}

impl Scheme {
    /// The scheme named `s` (`light`, `dark`); `None` for anything else (the system's).
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "light" => Some(Scheme::Light),
            "dark" => Some(Scheme::Dark),
            _ => None,
        }
    }

    /// Its name, as in the cookie.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }
}

/// The theme's colour tokens per scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeTokens {
    light: String,
    dark: String,
}

fn between<'a>(css: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("/* scheme:{name} */");
    let close = format!("/* /scheme:{name} */");
    let start = css.find(&open)? + open.len();
    let end = start + css[start..].find(&close)?;
    Some(css[start..end].trim())
}

impl SchemeTokens {
    /// The marked token sets of `theme_css`, when it has both.
    pub fn extract(theme_css: &str) -> Option<SchemeTokens> {
        let (light, dark) = (between(theme_css, "light")?, between(theme_css, "dark")?);
        // Declarations only: a stray brace would let the file's text escape the rule.
        if light.contains(['{', '}']) || dark.contains(['{', '}']) {
            return None;
        }
        Some(SchemeTokens {
            light: light.to_string(),
            dark: dark.to_string(),
        })
    }

    /// The rule forcing `scheme`.
    pub fn rule(&self, scheme: Scheme) -> String {
        let (tokens, name) = match scheme {
            Scheme::Light => (&self.light, "light"),
            Scheme::Dark => (&self.dark, "dark"),
        };
        format!("\n/* chosen: {name} */\n:root {{ {tokens} color-scheme: {name}; }}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marked_tokens_of_the_shipped_theme_are_found_and_forced() {
        let css = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../themes/default/static/theme.css"
        ))
        .expect("theme.css");
        let tokens = SchemeTokens::extract(&css).expect("the default theme marks its tokens");
        let dark = tokens.rule(Scheme::Dark);
        assert!(
            dark.contains("--bg: #12161c") && dark.contains("color-scheme: dark"),
            "{dark}"
        );
        let light = tokens.rule(Scheme::Light);
        assert!(
            light.contains("--bg: #f4f6fa") && light.contains("color-scheme: light"),
            "{light}"
        );
        assert_eq!(
            SchemeTokens::extract(":root { --bg: red }"),
            None,
            "no marks, no switch"
        );
        assert_eq!(
            SchemeTokens::extract(
                "/* scheme:light */ } body { x /* /scheme:light *//* scheme:dark *//* /scheme:dark */"
            ),
            None
        );
        assert_eq!(Scheme::parse("dark"), Some(Scheme::Dark));
        assert_eq!(Scheme::parse("auto"), None);
    }
}

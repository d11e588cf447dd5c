//! The institution's two colours (`[skin] primary_color`, `accent_color`) turned into the
//! stylesheet `/skin.css`: the colours themselves, the text colour readable on each, and a
//! version of the primary colour readable as text and links on the light and the dark
//! backgrounds of the theme. Whatever colours an institution picks, text stays at WCAG's
//! 4.5:1 (RGAA criterion 3.2) without anyone checking them by hand.

/// The light theme's page and card backgrounds (`--bg`, `--surface` in `theme.css`).
const LIGHT_BACKGROUNDS: [Rgb; 2] = [Rgb(0xf4, 0xf6, 0xfa), Rgb(0xff, 0xff, 0xff)];
/// The dark theme's page and card backgrounds.
const DARK_BACKGROUNDS: [Rgb; 2] = [Rgb(0x12, 0x16, 0x1c), Rgb(0x1f, 0x25, 0x2e)];
/// WCAG 2.1 AA for body text.
const TEXT_CONTRAST: f64 = 4.5;

/// A colour, 8 bits a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb` (as the configuration check accepts it); `None` otherwise.
    pub fn parse(hex: &str) -> Option<Rgb> {
        let h = hex.strip_prefix('#')?;
        if h.len() != 6 || !h.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// WCAG's relative luminance.
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// WCAG's contrast ratio of `self` and `other` (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// `self` moved a fraction `t` (0 to 1) of the way to `to`.
    fn mix(self, to: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, to.0), m(self.1, to.1), m(self.2, to.2))
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

const BLACK: Rgb = Rgb(0x11, 0x11, 0x11);
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// The text colour for a surface of `colour`: near-black or white, whichever contrasts more.
pub fn text_on(colour: Rgb) -> Rgb {
    if colour.contrast(BLACK) >= colour.contrast(WHITE) {
        BLACK
    } else {
        WHITE
    }
}

/// `colour`, darkened (or lightened) the least that makes it readable as text on every one
/// of `backgrounds`; `colour` itself when it already is.
pub fn readable_on(colour: Rgb, backgrounds: &[Rgb]) -> Rgb {
    let ok = |c: Rgb| backgrounds.iter().all(|b| c.contrast(*b) >= TEXT_CONTRAST);
    if ok(colour) {
        return colour;
    }
    let dark_backgrounds = backgrounds.iter().all(|b| b.luminance() < 0.2);
    let towards = if dark_backgrounds { WHITE } else { BLACK };
    (1..=20)
        .map(|i| colour.mix(towards, f64::from(i) / 20.0))
        .find(|c| ok(*c))
        .unwrap_or(towards)
}

/// The body of `/skin.css` for the colours `primary` and `accent` (`#rrggbb`; anything else
/// falls back to the theme's defaults, the configuration check having refused it already).
pub fn skin_css(primary: &str, accent: &str) -> String {
    let primary = Rgb::parse(primary).unwrap_or(Rgb(0x1d, 0x3f, 0x72));
    let accent = Rgb::parse(accent).unwrap_or(Rgb(0xe0, 0xa1, 0x00));
    let light = readable_on(primary, &LIGHT_BACKGROUNDS);
    let dark = readable_on(primary, &DARK_BACKGROUNDS);
    format!(
        ":root {{ --primary: {p}; --on-primary: {op}; --accent: {a}; --on-accent: {oa}; \
         --primary-text-light: {l}; --primary-text-dark: {d}; }}\n",
        p = primary.hex(),
        op = text_on(primary).hex(),
        a = accent.hex(),
        oa = text_on(accent).hex(),
        l = light.hex(),
        d = dark.hex(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((WHITE.contrast(Rgb(0, 0, 0)) - 21.0).abs() < 0.01);
        // The shipped accent under white text: the 2.26:1 the accessibility audit measured.
        let accent = Rgb::parse("#e0a100").expect("colour");
        assert!((accent.contrast(WHITE) - 2.26).abs() < 0.01);
        assert_eq!(text_on(accent), BLACK);
        assert!(accent.contrast(BLACK) >= TEXT_CONTRAST);
    }

    #[test]
    fn any_primary_colour_becomes_readable_on_both_themes() {
        for hex in [
            "#1d3f72", "#ffdd00", "#00a3e0", "#7f7f7f", "#000000", "#ffffff", "#c8102e",
        ] {
            let c = Rgb::parse(hex).expect("colour");
            let light = readable_on(c, &LIGHT_BACKGROUNDS);
            let dark = readable_on(c, &DARK_BACKGROUNDS);
            for b in LIGHT_BACKGROUNDS {
                assert!(
                    light.contrast(b) >= TEXT_CONTRAST,
                    "{hex} → {} on {}",
                    light.hex(),
                    b.hex()
                );
            }
            for b in DARK_BACKGROUNDS {
                assert!(
                    dark.contrast(b) >= TEXT_CONTRAST,
                    "{hex} → {} on {}",
                    dark.hex(),
                    b.hex()
                );
            }
            assert!(text_on(c).contrast(c) >= TEXT_CONTRAST, "text on {hex}");
        }
        // A colour already readable is kept as the institution chose it.
        let navy = Rgb::parse("#1d3f72").expect("colour");
        assert_eq!(readable_on(navy, &LIGHT_BACKGROUNDS), navy);
    }

    #[test]
    fn skin_css_declares_every_variable_the_theme_reads() {
        let css = skin_css("#1d3f72", "#e0a100");
        for var in [
            "--primary:",
            "--on-primary:",
            "--accent:",
            "--on-accent: #111111",
            "--primary-text-light:",
            "--primary-text-dark:",
        ] {
            assert!(css.contains(var), "{var} in {css}");
        }
        assert!(skin_css("nonsense", "").contains("--primary: #1d3f72"));
    }
}

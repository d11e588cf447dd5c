//! The institution's codes in words (`config/nomenclature.toml`, hot-reloaded with the
//! fragments): establishments (UAI), steps (étapes), SISE disciplines, units. From them the
//! portal gives channels the person's formation, institution and unit as words, in each
//! language, as attributes with an LDAP language option (RFC 3866):
//! `agoraFormation;lang-fr` = `L1 Mathématiques, 2026–2027`, `agoraFormation;lang-en`,
//! `agoraEtablissement;lang-…`, `agoraAffectation;lang-…`. A channel reads them like any
//! attribute its manifest grants (the SDK's `Context::localized_attribute`).
//!
//! ```toml
//! [etablissements]                 # supannEtablissement, etab=  ({UAI}code)
//! "0751717J" = { fr = "Université Agora", en = "Agora University" }
//! [etapes]                         # etape=  ({UAI:…}code): the formation's name
//! "L1MATH" = { fr = "L1 Mathématiques", en = "Year 1, Mathematics" }
//! [disciplines]                    # sectdisc= ({SISE}code), when the step is not listed
//! "25" = { fr = "Mathématiques", en = "Mathematics" }
//! [entites]                        # supannEntiteAffectation, affect=
//! "UFR27" = { fr = "UFR de mathématiques", en = "Faculty of Mathematics" }
//! ```
//!
//! The file is optional; a code it does not list is shown as written (never an empty line).

use super::person::Person;
use crate::config::ConfigError;
use agora_channel_host::manifest::LocalizedText;
use agora_supann::Composite;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The formation(s) of the latest academic year, in words.
pub const FORMATION: &str = "agoraFormation";
/// The institution, in words.
pub const ETABLISSEMENT: &str = "agoraEtablissement";
/// The unit (affectation), in words.
pub const AFFECTATION: &str = "agoraAffectation";
/// The languages each attribute is given in.
pub const LANGUAGES: &[&str] = &["fr", "en"];

/// The nomenclature.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nomenclature {
    #[serde(default)]
    etablissements: BTreeMap<String, LocalizedText>,
    #[serde(default)]
    etapes: BTreeMap<String, LocalizedText>,
    #[serde(default)]
    disciplines: BTreeMap<String, LocalizedText>,
    #[serde(default)]
    entites: BTreeMap<String, LocalizedText>,
}

/// The attribute `name` in language `lang` (`agoraFormation;lang-fr`).
pub fn localized(name: &str, lang: &str) -> String {
    format!("{name};lang-{lang}")
}

/// A code without its `{LABEL}` prefix.
fn bare(code: &str) -> &str {
    code.rsplit_once('}').map_or(code, |(_, c)| c)
}

impl Nomenclature {
    /// Read `path` (absent: an empty nomenclature).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| ConfigError::new(&file, "", e.to_string().trim_end().replace('\n', " "))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(ConfigError::new(&file, "", format!("cannot read: {e}"))),
        }
    }

    fn word(table: &BTreeMap<String, LocalizedText>, code: &str, lang: &str) -> String {
        table
            .get(bare(code))
            .map(|t| t.get(lang).to_string())
            .unwrap_or_else(|| bare(code).to_string())
    }

    /// One enrolment in words: the step's name, else the cursus year and the discipline,
    /// then the academic year (`L1 Mathématiques, 2026–2027`). Read leniently (a sign-on
    /// server may release a partial value): the year is all it needs.
    pub fn formation(&self, i: &Composite, year: u16, lang: &str) -> String {
        let named = i
            .get("etape")
            .and_then(|e| self.etapes.get(bare(e)))
            .map(|t| t.get(lang).to_string());
        let what = named.unwrap_or_else(|| {
            let mut parts: Vec<String> = i.get("cursusann").map(|c| bare(c).to_string()).into_iter().collect();
            if let Some(d) = i.get("sectdisc") {
                parts.push(Self::word(&self.disciplines, d, lang));
            }
            parts.join(" ")
        });
        let years = format!("{year}–{}", year + 1);
        if what.trim().is_empty() {
            years
        } else {
            format!("{what}, {years}")
        }
    }

    /// `person` with the words attributes added (signed-in people only; an enrolment without a
    /// year is left out).
    pub fn describe(&self, mut person: Person) -> Person {
        if !person.is_signed_in() {
            return person;
        }
        let values = |name: &str| person.attributes.get(name).cloned().unwrap_or_default();
        let inscriptions: Vec<(Composite, u16)> = values("supannEtuInscription")
            .iter()
            .filter_map(|v| v.parse::<Composite>().ok())
            .filter_map(|c| {
                let year = c
                    .get("anneeinsc")?
                    .parse::<u16>()
                    .ok()
                    .filter(|y| (1900..=2200).contains(y))?;
                Some((c, year))
            })
            .collect();
        let latest = inscriptions.iter().map(|(_, y)| *y).max();
        let current: Vec<&(Composite, u16)> = inscriptions.iter().filter(|(_, y)| Some(*y) == latest).collect();
        let etab = values("supannEtablissement");
        let units = values("supannEntiteAffectation");
        let mut added = Vec::new();
        for lang in LANGUAGES {
            let formations: Vec<String> = current.iter().map(|(i, year)| self.formation(i, *year, lang)).collect();
            let institutions: Vec<String> = etab.iter().map(|e| Self::word(&self.etablissements, e, lang)).collect();
            let affectations: Vec<String> = units.iter().map(|u| Self::word(&self.entites, u, lang)).collect();
            for (name, words) in [
                (FORMATION, formations),
                (ETABLISSEMENT, institutions),
                (AFFECTATION, affectations),
            ] {
                if !words.is_empty() {
                    added.push((localized(name, lang), words));
                }
            }
        }
        if !added.is_empty() {
            let attributes = Arc::make_mut(&mut person.attributes);
            attributes.extend(added);
        }
        person
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[etablissements]
"0751717J" = { fr = "Université Agora", en = "Agora University" }
[etapes]
"L1MATH" = { fr = "L1 Mathématiques", en = "Year 1, Mathematics" }
[disciplines]
"27" = { fr = "Informatique", en = "Computer science" }
[entites]
"UFR27" = { fr = "UFR de mathématiques", en = "Faculty of Mathematics" }
"#;

    fn person(inscriptions: &[&str]) -> Person {
        let mut attributes = agora_channel_host::Attributes::new();
        attributes.insert(
            "supannEtuInscription".into(),
            inscriptions.iter().map(|s| s.to_string()).collect(),
        );
        attributes.insert("supannEtablissement".into(), vec!["{UAI}0751717J".into()]);
        attributes.insert("supannEntiteAffectation".into(), vec!["UFR27".into(), "LABO9".into()]);
        Person {
            uid: "alice".into(),
            attributes: Arc::new(attributes),
        }
    }

    #[test]
    fn the_latest_enrolment_reads_in_words_and_unknown_codes_as_written() {
        let n: Nomenclature = toml::from_str(FILE).expect("parses");
        let p = n.describe(person(&[
            "[etab={UAI}0751717J][anneeinsc=2025][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L1][etape={UAI:0751717J}L0OLD]",
            "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L1][etape={UAI:0751717J}L1MATH]",
            "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}27][typedip={SISE}XA][cursusann={SUPANN}M2]",
            "not a composite",
            "[anneeinsc=2026][cursusann={SUPANN}L3][etape={UAI:0751717J}L3MATH]",
        ]));
        let get = |k: &str| p.attributes.get(k).cloned().unwrap_or_default();
        assert_eq!(
            get("agoraFormation;lang-fr"),
            [
                "L1 Mathématiques, 2026–2027",
                "M2 Informatique, 2026–2027",
                "L3, 2026–2027"
            ],
            "a partial value (as CAS may release it) still reads"
        );
        assert_eq!(
            get("agoraFormation;lang-en")[..2],
            ["Year 1, Mathematics, 2026–2027", "M2 Computer science, 2026–2027"]
        );
        assert_eq!(get("agoraEtablissement;lang-fr"), ["Université Agora"]);
        assert_eq!(get("agoraAffectation;lang-en"), ["Faculty of Mathematics", "LABO9"]);
        assert!(Nomenclature::default().describe(Person::guest()).attributes.is_empty());
    }
}

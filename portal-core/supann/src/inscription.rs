//! `supannEtuInscription`, `supannRoleEntite`, `supannEmpProfil`.

use crate::{Composite, SupannError, Tagged};
use std::fmt;
use std::str::FromStr;

/// A year of a cursus: `{SUPANN}L3` → `L`, 3; `{SUPANN}M1`; `{SUPANN}D2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CursusLevel {
    /// `L` (licence), `M` (master), `D` (doctorat), or another letter.
    pub cycle: char,
    /// Year within the cycle.
    pub year: u8,
}

impl fmt::Display for CursusLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.cycle, self.year)
    }
}

fn required<'a>(c: &'a Composite, raw: &str, key: &str) -> Result<&'a str, SupannError> {
    c.get(key)
        .ok_or_else(|| SupannError::new(raw, 0, format!("required key `{key}` is missing")))
}

fn tagged(raw: &str, key: &str, value: &str) -> Result<Tagged, SupannError> {
    value
        .parse()
        .map_err(|e: SupannError| SupannError::new(raw, 0, format!("`{key}`: {}", e.reason)))
}

fn optional_tagged(c: &Composite, raw: &str, key: &str) -> Result<Option<Tagged>, SupannError> {
    c.get(key).map(|v| tagged(raw, key, v)).transpose()
}

/// One enrolment (`supannEtuInscription`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtuInscription {
    /// Institution (`{UAI}…`).
    pub etab: Tagged,
    /// Academic year (start year: 2026 for 2026–2027).
    pub anneeinsc: u16,
    /// Enrolment regime (`{SISE}10` …).
    pub regimeinsc: Tagged,
    /// Disciplinary sector.
    pub sectdisc: Tagged,
    /// Diploma type.
    pub typedip: Tagged,
    /// Year of the cursus (`{SUPANN}L1` …).
    pub cursusann: Tagged,
    /// Unit the enrolment belongs to (`UFR27`).
    pub affect: Option<String>,
    /// Diploma.
    pub diplome: Option<Tagged>,
    /// Step (étape), e.g. `{UAI:0751717J}L3MATH`.
    pub etape: Option<Tagged>,
    /// Teaching element.
    pub eltpedago: Option<Tagged>,
    /// Keys this crate does not know, kept as written.
    pub extra: Vec<(String, String)>,
}

const INSCRIPTION_KEYS: &[&str] = &[
    "etab",
    "anneeinsc",
    "regimeinsc",
    "sectdisc",
    "typedip",
    "cursusann",
    "affect",
    "diplome",
    "etape",
    "eltpedago",
];

impl EtuInscription {
    /// The cursus year (`L1`, `M2` …) when `cursusann` is a `{SUPANN}` code of that form.
    pub fn level(&self) -> Option<CursusLevel> {
        if !self.cursusann.has_label("SUPANN") {
            return None;
        }
        let mut chars = self.cursusann.code.chars();
        let cycle = chars.next().filter(|c| c.is_ascii_uppercase())?;
        let year = chars.as_str().parse().ok()?;
        Some(CursusLevel { cycle, year })
    }
}

impl FromStr for EtuInscription {
    type Err = SupannError;

    fn from_str(raw: &str) -> Result<Self, SupannError> {
        let c: Composite = raw.parse()?;
        let year = required(&c, raw, "anneeinsc")?;
        let anneeinsc = year
            .parse::<u16>()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| SupannError::new(raw, 0, format!("`anneeinsc`: `{year}` is not a year")))?;
        Ok(EtuInscription {
            etab: tagged(raw, "etab", required(&c, raw, "etab")?)?,
            anneeinsc,
            regimeinsc: tagged(raw, "regimeinsc", required(&c, raw, "regimeinsc")?)?,
            sectdisc: tagged(raw, "sectdisc", required(&c, raw, "sectdisc")?)?,
            typedip: tagged(raw, "typedip", required(&c, raw, "typedip")?)?,
            cursusann: tagged(raw, "cursusann", required(&c, raw, "cursusann")?)?,
            affect: c.get("affect").map(str::to_string),
            diplome: optional_tagged(&c, raw, "diplome")?,
            etape: optional_tagged(&c, raw, "etape")?,
            eltpedago: optional_tagged(&c, raw, "eltpedago")?,
            extra: c
                .unknown(INSCRIPTION_KEYS)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }
}

/// A role on an entity (`supannRoleEntite`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleEntite {
    /// The role (`{SUPANN}D30` …).
    pub role: Tagged,
    /// The entity type.
    pub entity_type: Option<Tagged>,
    /// The entity code (`UFR27`).
    pub code: Option<String>,
    /// Keys this crate does not know.
    pub extra: Vec<(String, String)>,
}

impl FromStr for RoleEntite {
    type Err = SupannError;

    fn from_str(raw: &str) -> Result<Self, SupannError> {
        let c: Composite = raw.parse()?;
        Ok(RoleEntite {
            role: tagged(raw, "role", required(&c, raw, "role")?)?,
            entity_type: optional_tagged(&c, raw, "type")?,
            code: c.get("code").map(str::to_string),
            extra: c
                .unknown(&["role", "type", "code"])
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }
}

/// An employment profile (`supannEmpProfil`): a composite whose keys vary by institution
/// (etab, affil, corps, bap, emploi, activite, population, datefin …), kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmpProfil(pub Composite);

impl FromStr for EmpProfil {
    type Err = SupannError;

    fn from_str(raw: &str) -> Result<Self, SupannError> {
        Ok(EmpProfil(raw.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L3: &str = "[etab={UAI}0751717J][anneeinsc=2024][regimeinsc={SISE}10][sectdisc={SISE}25][typedip={SISE}XB][cursusann={SUPANN}L3][affect=UFR27][diplome={SISE}2500256][etape={UAI:0751717J}L3MATH]";

    #[test]
    fn the_reference_inscription() {
        let i: EtuInscription = L3.parse().expect("valid");
        assert_eq!(i.anneeinsc, 2024);
        assert_eq!(i.level(), Some(CursusLevel { cycle: 'L', year: 3 }));
        assert_eq!(i.affect.as_deref(), Some("UFR27"));
        assert_eq!(i.etape.as_ref().map(|e| e.code.as_str()), Some("L3MATH"));
        assert!(i.extra.is_empty());
    }

    #[test]
    fn unknown_keys_are_kept_and_missing_required_keys_named() {
        let i: EtuInscription = format!("{L3}[x-ade=1205]").parse().expect("valid");
        assert_eq!(i.extra, vec![("x-ade".to_string(), "1205".to_string())]);
        let e = L3
            .replace("[anneeinsc=2024]", "")
            .parse::<EtuInscription>()
            .unwrap_err();
        assert!(e.reason.contains("anneeinsc"), "{e}");
        let e = L3.replace("2024", "20x4").parse::<EtuInscription>().unwrap_err();
        assert!(e.reason.contains("not a year"), "{e}");
        let e = L3
            .replace("{SUPANN}L3", "{SUPANNL3")
            .parse::<EtuInscription>()
            .unwrap_err();
        assert!(e.reason.contains("cursusann"), "{e}");
    }

    #[test]
    fn roles() {
        let r: RoleEntite = "[role={SUPANN}D30][type={SUPANN}S302][code=UFR27]"
            .parse()
            .expect("valid");
        assert_eq!(r.role.code, "D30");
        assert_eq!(r.code.as_deref(), Some("UFR27"));
        assert!("[type={SUPANN}S302]".parse::<RoleEntite>().is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_string_parses_or_errors(s in ".{0,200}") {
            let _ = s.parse::<Tagged>();
            let _ = s.parse::<Composite>();
            let _ = s.parse::<EtuInscription>();
            let _ = s.parse::<RoleEntite>();
            let _ = crate::liste_rouge(&s);
        }

        #[test]
        fn bracketed_noise_never_panics(s in "[\\[\\]{}=a-zA-Z0-9:]{0,80}") {
            let _ = s.parse::<Composite>();
            let _ = s.parse::<EtuInscription>();
        }

        #[test]
        fn composites_round_trip(pairs in proptest::collection::vec(("[a-z][a-z0-9_-]{0,10}", "[A-Za-z0-9{}:. ]{0,20}"), 1..8)) {
            let text: String = pairs.iter().map(|(k, v)| format!("[{k}={v}]")).collect();
            let c: Composite = text.parse().expect("generated composites are valid");
            prop_assert_eq!(c.to_string(), text);
            prop_assert_eq!(c.pairs.len(), pairs.len());
        }

        #[test]
        fn tags_round_trip(label in "[A-Z][A-Z0-9:]{0,12}", code in "[A-Za-z0-9]{0,12}") {
            let text = format!("{{{label}}}{code}");
            let t: Tagged = text.parse().expect("generated tags are valid");
            prop_assert_eq!(t.to_string(), text);
        }
    }
}

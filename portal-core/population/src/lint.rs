//! Warnings at load time: attribute names that no SupAnn or eduPerson directory holds, most
//! often a typo (`supannEntiteAfectation`), which would otherwise match nobody, silently.
//!
//! They are warnings, not errors: a directory may hold attributes of its own. Those are
//! declared in `local_attributes` at the top of `populations.toml` to silence the warning.

use crate::rule::Rule;
use serde::Serialize;
use std::fmt;

/// The attribute names rules may test without a warning: the SupAnn (2021, with the older
/// names still found in directories) and eduPerson attributes a rule can meaningfully
/// test, the usual `inetOrgPerson` ones, and `uid`, which the portal always sets to the
/// login. Names are compared as written: the attributes of a person are looked up that way.
pub const KNOWN_ATTRIBUTES: &[&str] = &[
    // SupAnn.
    "supannActivite",
    "supannAffectation",
    "supannAliasLogin",
    "supannAutreMail",
    "supannAutreTelephone",
    "supannCivilite",
    "supannCMSAffectation",
    "supannCMSDateFin",
    "supannCMSId",
    "supannCMSIdEtiquette",
    "supannCMSSource",
    "supannCMSType",
    "supannCodeEntite",
    "supannCodeEntiteParent",
    "supannCodeINE",
    "supannCodePopulation",
    "supannEmpCorps",
    "supannEmpDateFin",
    "supannEmpId",
    "supannEmpProfil",
    "supannEntiteAffectation",
    "supannEntiteAffectationPrincipale",
    "supannEtablissement",
    "supannEtuAnneeInscription",
    "supannEtuCursusAnnee",
    "supannEtuDateFin",
    "supannEtuDiplome",
    "supannEtuElementPedagogique",
    "supannEtuEtape",
    "supannEtuId",
    "supannEtuInscription",
    "supannEtuRegimeInscription",
    "supannEtuSecteurDisciplinaire",
    "supannEtuTypeDiplome",
    "supannExtProfil",
    "supannGroupeAdminDN",
    "supannGroupeDateFin",
    "supannGroupeLecteurDN",
    "supannListeRouge",
    "supannNomDeNaissance",
    "supannOIDCDateDeNaissance",
    "supannOIDCGenre",
    "supannOrganisme",
    "supannParrainDN",
    "supannPrenomsEtatCivil",
    "supannRefId",
    "supannRessourceEtat",
    "supannRessourceEtatDate",
    "supannRole",
    "supannRoleEntite",
    "supannRoleGenerique",
    "supannTypeEntite",
    "supannTypeEntiteAffectation",
    // Set by the portal: the person's self-managed groups (ids, names).
    "agoraGroup",
    "agoraGroupName",
    // eduPerson.
    "eduPersonAffiliation",
    "eduPersonAssurance",
    "eduPersonEntitlement",
    "eduPersonNickname",
    "eduPersonOrcid",
    "eduPersonOrgDN",
    "eduPersonOrgUnitDN",
    "eduPersonPrimaryAffiliation",
    "eduPersonPrimaryOrgUnitDN",
    "eduPersonPrincipalName",
    "eduPersonPrincipalNamePrior",
    "eduPersonScopedAffiliation",
    "eduPersonUniqueId",
    // inetOrgPerson and friends.
    "businessCategory",
    "cn",
    "departmentNumber",
    "displayName",
    "employeeNumber",
    "employeeType",
    "givenName",
    "mail",
    "memberOf",
    "o",
    "objectClass",
    "ou",
    "preferredLanguage",
    "sn",
    "telephoneNumber",
    "title",
    // Set by the portal: the login.
    "uid",
];

/// Something that does not stop the populations from loading but is most likely a mistake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The population at fault.
    pub population: String,
    /// Where in its definition, as written: `rule.all[1].has`.
    pub path: String,
    /// What is wrong.
    #[serde(flatten)]
    pub kind: WarningKind,
}

/// What a [`Warning`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum WarningKind {
    /// A rule tests an attribute that is neither in [`KNOWN_ATTRIBUTES`] nor declared in
    /// `local_attributes`.
    UnknownAttribute {
        /// The name as written.
        attribute: String,
        /// The nearest known name (edit distance, ignoring case), when one is near enough.
        suggestion: Option<String>,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "population `{}`: ", self.population)?;
        match &self.kind {
            WarningKind::UnknownAttribute { attribute, suggestion } => {
                write!(f, "unknown attribute `{attribute}` at `{}` ", self.path)?;
                match suggestion {
                    Some(s) if s.eq_ignore_ascii_case(attribute) => {
                        write!(f, "(did you mean `{s}`? names are case-sensitive)")
                    }
                    Some(s) => write!(f, "(did you mean `{s}`?)"),
                    None => f.write_str(
                        "(no SupAnn or eduPerson attribute is spelt like it; if your directory \
                         holds it, list it in `local_attributes`)",
                    ),
                }
            }
        }
    }
}

/// The warnings for population `id`, whose rule is `rule`; `local` are the declared local
/// attribute names.
pub(crate) fn check(id: &str, rule: &Rule, local: &[String]) -> Vec<Warning> {
    let mut tested = Vec::new();
    attributes(rule, "rule".to_string(), &mut tested);
    let known = || KNOWN_ATTRIBUTES.iter().copied().chain(local.iter().map(String::as_str));
    tested
        .into_iter()
        .filter(|(_, attribute)| !known().any(|k| k == *attribute))
        .map(|(path, attribute)| Warning {
            population: id.to_string(),
            path,
            kind: WarningKind::UnknownAttribute {
                attribute: attribute.to_string(),
                suggestion: nearest(attribute, known()).map(str::to_string),
            },
        })
        .collect()
}

/// (path, attribute) for every attribute named in `rule`, in order.
fn attributes<'r>(rule: &'r Rule, path: String, out: &mut Vec<(String, &'r str)>) {
    let (test, attribute) = match rule {
        Rule::All(rs) | Rule::Any(rs) => {
            let key = if matches!(rule, Rule::All(_)) { "all" } else { "any" };
            for (i, r) in rs.iter().enumerate() {
                attributes(r, format!("{path}.{key}[{i}]"), out);
            }
            return;
        }
        Rule::Not(r) => return attributes(r, format!("{path}.not"), out),
        Rule::Equals { attribute, .. } => ("equals", attribute),
        Rule::Has { attribute, .. } => ("has", attribute),
        Rule::OneOf { attribute, .. } => ("one_of", attribute),
        Rule::Matches { attribute, .. } => ("matches", attribute),
        Rule::Present(attribute) => ("present", attribute),
        Rule::Compare { attribute, .. } => ("compare", attribute),
        // The other tests name their attribute themselves.
        Rule::Include(_)
        | Rule::Affiliation(_)
        | Rule::PrimaryAffiliation(_)
        | Rule::Entity(_)
        | Rule::Group(_)
        | Rule::Role(_)
        | Rule::Inscription(_) => return,
    };
    out.push((format!("{path}.{test}"), attribute.as_str()));
}

/// The candidate nearest to `word` by edit distance, ignoring case, if it is near enough
/// to be a typo: at most a quarter of the word's length (at least 1, at most 4) away; a
/// word of one or two characters only gets a name that differs from it by case.
pub(crate) fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word: Vec<char> = word.to_lowercase().chars().collect();
    let limit = if word.len() < 3 {
        0
    } else {
        (word.len() / 4).clamp(1, 4)
    };
    candidates
        .map(|c| (distance(&word, &c.to_lowercase().chars().collect::<Vec<_>>()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        let d = |a: &str, b: &str| distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
        assert_eq!(d("", ""), 0);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("supannEntiteAfectation", "supannEntiteAffectation"), 1);
        assert_eq!(d("é", "e"), 1);
    }

    #[test]
    fn nearest_names_are_typos_not_guesses() {
        let known = || KNOWN_ATTRIBUTES.iter().copied();
        assert_eq!(nearest("supanEtuId", known()), Some("supannEtuId"));
        assert_eq!(nearest("MAIL", known()), Some("mail"));
        assert_eq!(nearest("eduPersonAfiliation", known()), Some("eduPersonAffiliation"));
        assert_eq!(nearest("x-badge", known()), None);
        assert_eq!(nearest("foo", known()), None);
        assert_eq!(nearest("x", known()), None);
        assert_eq!(nearest("SN", known()), Some("sn"));
    }

    #[test]
    fn the_known_names_are_unique_ignoring_case() {
        let mut names: Vec<String> = KNOWN_ATTRIBUTES.iter().map(|n| n.to_lowercase()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KNOWN_ATTRIBUTES.len());
    }
}

//! Pégase through its REST services, as published in Pégase's OpenAPI descriptions:
//!
//! 1. the learner's file from INS (`INS - Inscription Externe API - V2`, operation
//!    `lireInscriptions`): `GET /gestion/inscription/{codeStructure}/{codeApprenant}/` on the
//!    `pegase-ins` back-end, whose valid (`VALIDE`) inscriptions give each year's period,
//!    formation and path (`codeChemin`: the formation's code, then the codes of `cible.chemin`,
//!    joined by `>`);
//! 2. for each of the latest years, the publishable results from COC (`COC - Contrôle du
//!    cursus - Bloc «publication» - V2`, operation `listerCursusPubliableApprenant`):
//!    `GET /etablissements/{codeStructureEtablissement}/periodes/{codePeriode}/apprenants/{codeApprenant}/chemins/{codeChemin}`
//!    on the `pegase-coc` back-end: the path itself first, then every object under it.
//!
//! The learner's code (`codeApprenant`) is the student number, `supannEtuId`. The host adds
//! the application's bearer token (`auth = { type = "jwt" }`); the channel never sees it.

use crate::{ElementResults, SessionResult, StudentRecords, YearResults};
use agora_channel_sdk::prelude::*;
use serde::Deserialize;

/// Pégase's REST services, on the back-ends `pegase-ins` and `pegase-coc`.
pub struct PegaseRest<'a> {
    /// `codeStructureEtablissement` (e.g. `ETAB00`).
    pub establishment: &'a str,
    /// How many of the latest years to ask COC for.
    pub years: usize,
}

/// A value with a code and labels (`Periode`, `Formation`, `ObjetFormationOuGroupement`…).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Labelled {
    /// `code`.
    pub code: String,
    /// `libelleCourt`.
    pub libelle_court: Option<String>,
    /// `libelleLong`.
    pub libelle_long: Option<String>,
    /// `libelleAffichage` (what learners are shown), when the schema has it.
    pub libelle_affichage: Option<String>,
    /// `anneeUniversitaire` (periods only).
    pub annee_universitaire: Option<u32>,
}

impl Labelled {
    fn label(&self) -> String {
        self.libelle_affichage
            .clone()
            .or_else(|| self.libelle_long.clone())
            .or_else(|| self.libelle_court.clone())
            .unwrap_or_else(|| self.code.clone())
    }
}

/// `CibleInscription`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cible {
    /// The objet de formation inscribed to.
    #[serde(flatten)]
    pub objet: Labelled,
    /// `formation`.
    pub formation: Labelled,
    /// `chemin`: from the formation down to the objet.
    pub chemin: Vec<Labelled>,
    /// `periode`.
    pub periode: Labelled,
}

/// `InscriptionComplete` (what the channel reads of it).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Inscription {
    /// `cible`.
    pub cible: Cible,
    /// `statutInscription`: `VALIDE`, `ANNULEE`…
    pub statut_inscription: String,
}

/// `ApprenantEtInscriptions`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Dossier {
    /// `inscriptions`.
    pub inscriptions: Vec<Inscription>,
}

/// One `Chemin` of COC's answer.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Chemin {
    /// `codeChemin`.
    pub code_chemin: String,
    /// `objetFeuille`.
    pub objet_feuille: Labelled,
    /// `bareme`.
    pub bareme: Option<f64>,
    /// `noteSession1`.
    pub note_session1: Option<f64>,
    /// `resultatSession1`.
    pub resultat_session1: Option<Labelled>,
    /// `absenceSession1`: `JUSTIFIEE`, `INJUSTIFIEE`.
    pub absence_session1: Option<String>,
    /// `creditsEctsSession1`.
    pub credits_ects_session1: Option<f64>,
    /// `concerneParSession2`.
    pub concerne_par_session2: bool,
    /// `noteSession2`.
    pub note_session2: Option<f64>,
    /// `resultatSession2`.
    pub resultat_session2: Option<Labelled>,
    /// `absenceSession2`.
    pub absence_session2: Option<String>,
    /// `creditsEctsFinaux`.
    pub credits_ects_finaux: Option<f64>,
    /// `mention`.
    pub mention: Option<Labelled>,
    /// `numeroSessionRetenue`.
    pub numero_session_retenue: Option<u32>,
    /// `publieSession1`.
    pub publie_session1: bool,
    /// `publieSession2`.
    pub publie_session2: bool,
    /// `publieEvaluationsFinales`.
    pub publie_evaluations_finales: bool,
}

/// A number as Pégase's JSON has it, written the way Apogée sends grades (`12.5`, `16`).
fn number(n: f64) -> String {
    let text = format!("{:.3}", n);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn absence(code: &str) -> String {
    match code {
        "JUSTIFIEE" => "Absence justifiée".into(),
        "INJUSTIFIEE" => "Absence injustifiée".into(),
        other => other.to_string(),
    }
}

fn session(
    n: u32,
    c: &Chemin,
    grade: Option<f64>,
    result: &Option<Labelled>,
    absent: &Option<String>,
) -> Option<SessionResult> {
    let result = result
        .as_ref()
        .map(|r| (r.libelle_court.clone().unwrap_or_else(|| r.code.clone()), r.label()))
        .or_else(|| absent.as_deref().map(|a| (a.to_string(), absence(a))));
    if grade.is_none() && result.is_none() {
        return None;
    }
    Some(SessionResult {
        session: n,
        grade: grade.map(number),
        scale: c.bareme.map(number),
        result,
        mention: None,
    })
}

/// The published sessions of one `Chemin`, the mention on the session retained.
pub fn sessions(c: &Chemin) -> Vec<SessionResult> {
    let mut out = Vec::new();
    if c.publie_session1
        && let Some(s) = session(1, c, c.note_session1, &c.resultat_session1, &c.absence_session1)
    {
        out.push(s);
    }
    if c.publie_session2
        && let Some(s) = session(2, c, c.note_session2, &c.resultat_session2, &c.absence_session2)
    {
        out.push(s);
    }
    if c.publie_evaluations_finales
        && let Some(mention) = &c.mention
    {
        let retained = c.numero_session_retenue.unwrap_or(if out.len() > 1 { 2 } else { 1 });
        let at = out
            .iter()
            .position(|s| s.session == retained)
            .or(out.len().checked_sub(1));
        if let Some(s) = at.and_then(|i| out.get_mut(i)) {
            s.mention = Some(mention.label());
        }
    }
    out
}

/// Parse INS's `lireInscriptions` answer: the valid inscriptions, most recent first.
pub fn parse_dossier(json: &[u8]) -> Result<Vec<Inscription>, ChannelError> {
    let dossier: Dossier = serde_json::from_slice(json).map_err(|e| {
        ChannelError::backend_garbage(format!("Pégase INS answer is not an ApprenantEtInscriptions: {e}"))
    })?;
    let mut valid: Vec<Inscription> = dossier
        .inscriptions
        .into_iter()
        .filter(|i| i.statut_inscription == "VALIDE" && !i.cible.periode.code.is_empty())
        .collect();
    valid.sort_by_key(|i| std::cmp::Reverse(i.cible.periode.annee_universitaire.unwrap_or(0)));
    Ok(valid)
}

/// The `codeChemin` of an inscription: the formation's code, then the path's.
pub fn code_chemin(cible: &Cible) -> String {
    let mut codes = vec![cible.formation.code.as_str()];
    codes.extend(cible.chemin.iter().map(|c| c.code.as_str()).filter(|c| !c.is_empty()));
    if codes.len() > 1 && codes[0] == codes[1] {
        codes.remove(0);
    }
    codes.join(">")
}

/// Parse COC's `listerCursusPubliableApprenant` answer for the inscription `i` into a year.
pub fn parse_cursus(json: &[u8], i: &Inscription, chemin: &str) -> Result<YearResults, ChannelError> {
    let list: Vec<Chemin> = serde_json::from_slice(json)
        .map_err(|e| ChannelError::backend_garbage(format!("Pégase COC answer is not a list of Chemin: {e}")))?;
    let root = list.iter().position(|c| c.code_chemin == chemin).unwrap_or(0);
    let mut year = year_of(i);
    for (n, c) in list.iter().enumerate() {
        if n == root {
            year.sessions = sessions(c);
            continue;
        }
        year.elements.push(ElementResults {
            code: c.objet_feuille.code.clone(),
            label: c.objet_feuille.label(),
            ects: c.credits_ects_finaux.or(c.credits_ects_session1).map(number),
            sessions: sessions(c),
        });
    }
    Ok(year)
}

/// A year of an inscription, before any result.
fn year_of(i: &Inscription) -> YearResults {
    YearResults {
        year: i.cible.periode.annee_universitaire.unwrap_or(0),
        diploma: i.cible.formation.label(),
        step: (i.cible.objet.code.clone(), i.cible.objet.label()),
        sessions: Vec::new(),
        elements: Vec::new(),
    }
}

/// A path segment: Pégase's codes are `A-Z`, `0-9` and `-` (and `>` between a path's codes);
/// anything else is percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn get(backend: &str, path: &str) -> Result<Response, ChannelError> {
    Ok(Request::get(backend, path)
        .header("accept", "application/json")
        .send()?)
}

impl StudentRecords for PegaseRest<'_> {
    fn results(&self, student_id: &str) -> Result<Vec<YearResults>, ChannelError> {
        if self.establishment.is_empty() {
            return Err(ChannelError::bad_config(
                "config.establishment: set Pégase's codeStructureEtablissement (e.g. ETAB00)",
            ));
        }
        let etab = segment(self.establishment);
        let code = segment(student_id);
        let resp = get("pegase-ins", &format!("/gestion/inscription/{etab}/{code}/"))?;
        // 404 is the documented answer for an unknown learner; some versions answer 500
        // with "apprenant non trouve" instead.
        if resp.status == 404 || (resp.status == 500 && resp.text().to_lowercase().contains("apprenant non trouv")) {
            return Ok(Vec::new());
        }
        if !resp.is_success() {
            return Err(ChannelError::backend_unavailable(format!(
                "Pégase INS answered HTTP {}",
                resp.status
            )));
        }
        let inscriptions = parse_dossier(&resp.body)?;
        let mut years = Vec::new();
        for i in inscriptions.iter().take(self.years.max(1)) {
            let chemin = code_chemin(&i.cible);
            let path = format!(
                "/etablissements/{etab}/periodes/{}/apprenants/{code}/chemins/{}",
                segment(&i.cible.periode.code),
                segment(&chemin)
            );
            let resp = get("pegase-coc", &path)?;
            match resp.status {
                // Nothing publishable for that path yet.
                404 => years.push(year_of(i)),
                s if (200..300).contains(&s) => years.push(parse_cursus(&resp.body, i, &chemin)?),
                s => {
                    return Err(ChannelError::backend_unavailable(format!(
                        "Pégase COC answered HTTP {s}"
                    )));
                }
            }
        }
        Ok(years)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOSSIER: &str = include_str!("../tests/fixtures/pegase/inscriptions-leroy.json");
    const CURSUS: &str = include_str!("../tests/fixtures/pegase/cursus-leroy-2025.json");

    #[test]
    fn recorded_pegase_answers_parse() {
        let inscriptions = parse_dossier(DOSSIER.as_bytes()).expect("parses");
        assert_eq!(inscriptions.len(), 2, "the cancelled inscription is left out");
        assert_eq!(inscriptions[0].cible.periode.annee_universitaire, Some(2026));
        let m1 = &inscriptions[1];
        assert_eq!(code_chemin(&m1.cible), "MINFO>MINFO-M1");
        let year = parse_cursus(CURSUS.as_bytes(), m1, "MINFO>MINFO-M1").expect("parses");
        assert_eq!(year.year, 2025);
        assert_eq!(year.step, ("MINFO-M1".to_string(), "M1 Informatique".to_string()));
        assert_eq!(year.diploma, "Master Informatique");
        assert_eq!(year.sessions.len(), 2);
        assert_eq!(year.sessions[1].grade.as_deref(), Some("12.87"));
        assert_eq!(year.sessions[1].mention.as_deref(), Some("Assez bien"));
        let compilation = year.elements.iter().find(|e| e.code == "INF801").expect("INF801");
        assert_eq!(compilation.ects.as_deref(), Some("6"));
        assert_eq!(compilation.sessions[0].result, Some(("AJ".into(), "Ajourné".into())));
    }

    #[test]
    fn unpublished_sessions_and_absences_read_right() {
        let c: Chemin = serde_json::from_str(
            r#"{"codeChemin":"X","objetFeuille":{"code":"X"},"bareme":20,"noteSession1":14.0,"publieSession1":false,
                "absenceSession2":"JUSTIFIEE","publieSession2":true,"concerneParSession2":true}"#,
        )
        .expect("json");
        let s = sessions(&c);
        assert_eq!(s.len(), 1, "session 1 is not published: {s:?}");
        assert_eq!(s[0].result, Some(("JUSTIFIEE".into(), "Absence justifiée".into())));
        assert_eq!(number(12.345), "12.345");
        assert_eq!(number(16.0), "16");
        assert_eq!(segment("MINFO>MINFO-M1"), "MINFO%3EMINFO-M1");
        assert_eq!(segment("../x"), "..%2Fx");
        assert!(parse_dossier(b"<html>").is_err());
        assert!(parse_cursus(b"{\"a\":1}", &Inscription::default(), "X").is_err());
    }
}

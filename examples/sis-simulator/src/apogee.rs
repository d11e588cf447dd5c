//! Apogée `PedagogiqueMetier` SOAP web service: the two calls esup-mdw makes for grades.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Students by `cod_etu`.
#[derive(Debug, Deserialize)]
pub struct ApogeeData {
    /// Students.
    pub students: BTreeMap<String, Student>,
}

/// One student.
#[derive(Debug, Deserialize)]
pub struct Student {
    /// Name (not sent; for people reading the data).
    pub name: String,
    /// Pedagogical contracts, one per academic year.
    pub years: Vec<Year>,
}

/// One academic year's contract.
#[derive(Debug, Deserialize)]
pub struct Year {
    /// `codAnu`: the year the academic year starts.
    pub year: u32,
    /// Diploma version (VDI).
    pub diploma: Code,
    /// Step version (VET).
    pub step: Code,
    /// Results of the step, per session.
    pub results: Vec<SessionResult>,
    /// Elements (ELP).
    pub elements: Vec<Element>,
}

/// A code with its version and label.
#[derive(Debug, Deserialize)]
pub struct Code {
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Web label.
    pub label: String,
}

/// An element (course unit).
#[derive(Debug, Deserialize)]
pub struct Element {
    /// `codElp`.
    pub code: String,
    /// `libElp`.
    pub label: String,
    /// ECTS credits.
    pub ects: u32,
    /// Results per session.
    pub results: Vec<SessionResult>,
}

/// A result in one session.
#[derive(Debug, Deserialize)]
pub struct SessionResult {
    /// 1 or 2.
    pub session: u32,
    /// Grade as Apogée sends it (decimal with a dot, or a letter for ungraded units).
    pub grade: String,
    /// Barème (20), 0 when not graded.
    pub scale: u32,
    /// `codTre`: ADM, AJ, ADJ, DEF, ABI…
    pub result: String,
    /// `codMen`: AB, B, TB, P.
    #[serde(default)]
    pub mention: Option<String>,
}

const ENVELOPE_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Body>";
const ENVELOPE_CLOSE: &str = "</soap:Body></soap:Envelope>";
const NS: &str = "http://gouv.education.apogee/commun/servicesmetiers/PedagogiqueMetier";

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn result_label(code: &str) -> &'static str {
    match code {
        "ADM" => "Admis",
        "AJ" => "Ajourné",
        "ADJ" => "Admis par jury",
        "DEF" => "Défaillant",
        "ABI" => "Absence injustifiée",
        _ => "",
    }
}

fn mention_label(code: &str) -> &'static str {
    match code {
        "P" => "Passable",
        "AB" => "Assez bien",
        "B" => "Bien",
        "TB" => "Très bien",
        _ => "",
    }
}

fn session_label(session: u32) -> &'static str {
    if session == 2 { "Session 2" } else { "Session 1" }
}

/// The value of the first element named `name` (any namespace prefix).
fn element_text<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    let open = request.find(&format!("{name}>")).map(|i| i + name.len() + 1)?;
    let rest = &request[open..];
    rest.find('<').map(|end| rest[..end].trim())
}

fn fault(code: &str, message: &str) -> String {
    format!(
        "{ENVELOPE_OPEN}<soap:Fault><faultcode>soap:Server</faultcode><faultstring>{}</faultstring><detail><ns1:WebBaseException xmlns:ns1=\"{NS}\"><nature>{}</nature><lastErrorMsg>{}</lastErrorMsg></ns1:WebBaseException></detail></soap:Fault>{ENVELOPE_CLOSE}",
        xml(code),
        xml(code),
        xml(message)
    )
}

fn session_result(r: &SessionResult, grade_tag: &str, scale_tag: &str) -> String {
    let mention = r
        .mention
        .as_deref()
        .map(|m| {
            format!(
                "<mention><codMen>{}</codMen><libMen>{}</libMen></mention>",
                xml(m),
                mention_label(m)
            )
        })
        .unwrap_or_default();
    format!(
        "<item><session><codSes>{}</codSes><libSes>{}</libSes></session><{grade_tag}>{}</{grade_tag}><{scale_tag}>{}</{scale_tag}><resultat><codTre>{}</codTre><libTre>{}</libTre></resultat>{mention}</item>",
        r.session,
        session_label(r.session),
        xml(&r.grade),
        r.scale,
        xml(&r.result),
        result_label(&r.result)
    )
}

/// Answer one SOAP request, or a SOAP fault.
pub fn answer(data: &ApogeeData, request: &str) -> Result<String, String> {
    let Some(cod_etu) = element_text(request, "codEtu") else {
        return Err(fault(
            "technical.parameter.noncoherentinput.codEtu",
            "Le paramètre codEtu est obligatoire",
        ));
    };
    let Some(student) = data.students.get(cod_etu) else {
        return Err(fault(
            "technical.data.nullretrieve.etudiant",
            &format!("Aucun étudiant ne correspond au code {cod_etu}"),
        ));
    };
    let method = if request.contains("recupererContratPedagogiqueResultatVdiVetV2") {
        "recupererContratPedagogiqueResultatVdiVetV2"
    } else if request.contains("recupererContratPedagogiqueResultatElpEprV6") {
        "recupererContratPedagogiqueResultatElpEprV6"
    } else {
        return Err(fault("technical.ws.unknownoperation", "Opération inconnue"));
    };
    let mut items = String::new();
    for y in &student.years {
        if method.ends_with("VdiVetV2") {
            let results: String = y
                .results
                .iter()
                .map(|r| session_result(r, "notVet", "barNotVet"))
                .collect();
            items.push_str(&format!(
                "<item><diplome><codDip>{}</codDip><codVrsVdi>{}</codVrsVdi><libWebVdi>{}</libWebVdi></diplome><etapes><item><etape><codEtp>{}</codEtp><codVrsVet>{}</codVrsVet><libWebVet>{}</libWebVet></etape><codAnu>{}</codAnu><resultatVet>{results}</resultatVet></item></etapes></item>",
                xml(&y.diploma.code),
                xml(&y.diploma.version),
                xml(&y.diploma.label),
                xml(&y.step.code),
                xml(&y.step.version),
                xml(&y.step.label),
                y.year
            ));
        } else {
            for e in &y.elements {
                let results: String = e
                    .results
                    .iter()
                    .map(|r| session_result(r, "notElp", "barNotElp"))
                    .collect();
                items.push_str(&format!(
                    "<item><codAnu>{}</codAnu><codEtp>{}</codEtp><element><codElp>{}</codElp><libElp>{}</libElp><nbrCrdElp>{}</nbrCrdElp></element><resultatElp>{results}</resultatElp></item>",
                    y.year,
                    xml(&y.step.code),
                    xml(&e.code),
                    xml(&e.label),
                    e.ects
                ));
            }
        }
    }
    Ok(format!(
        "{ENVELOPE_OPEN}<ns1:{method}Response xmlns:ns1=\"{NS}\"><{method}Return>{items}</{method}Return></ns1:{method}Response>{ENVELOPE_CLOSE}"
    ))
}

//! The "grades" channel: a student's results per year, step (étape) and element, sessions 1
//! and 2, grade out of its scale, result and mention, hidden until the student chooses to
//! show them (a closed `<details>`: nothing to click away on a shared screen).
//!
//! The student information system sits behind [`StudentRecords`]; [`ApogeeSoap`] speaks the
//! two Apogée `PedagogiqueMetier` SOAP calls esup-mdw makes, keyed by `supannEtuId`
//! (`recupererContratPedagogiqueResultatVdiVetV2` and `…ElpEprV6`); [`PegaseRest`] asks
//! Pégase's INS and COC REST services (see [`pegase`]). The publication's `system` chooses.

use agora_channel_sdk::prelude::*;
use serde::Deserialize;

pub mod pegase;
pub use pegase::PegaseRest;

/// Configuration of a grades publication.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// The student information system: `apogee` or `pegase`.
    pub system: String,
    /// Pégase's `codeStructureEtablissement` (with `system = "pegase"`).
    pub establishment: String,
    /// Path of the SOAP service on the `apogee` back-end.
    pub service_path: String,
    /// How many academic years are shown, most recent first.
    pub years: u32,
    /// Show each element's results (not only the step's).
    pub show_elements: bool,
}

/// A result in one session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionResult {
    /// 1 or 2.
    pub session: u32,
    /// The grade as sent (a decimal, or a letter for ungraded units).
    pub grade: Option<String>,
    /// Scale (barème), 0 when not graded.
    pub scale: Option<String>,
    /// Result code (ADM, AJ…) and its label.
    pub result: Option<(String, String)>,
    /// Mention label.
    pub mention: Option<String>,
}

/// An element (course unit) with its results.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementResults {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
    /// ECTS credits.
    pub ects: Option<String>,
    /// Results per session.
    pub sessions: Vec<SessionResult>,
}

/// One academic year of a student.
#[derive(Debug, Clone, PartialEq)]
pub struct YearResults {
    /// The year the academic year starts.
    pub year: u32,
    /// Diploma label.
    pub diploma: String,
    /// Step code and label.
    pub step: (String, String),
    /// The step's results per session.
    pub sessions: Vec<SessionResult>,
    /// Elements of the step.
    pub elements: Vec<ElementResults>,
}

/// A student information system.
pub trait StudentRecords {
    /// The results of the student `student_id`, most recent year first; an empty list when
    /// the system knows no such student.
    fn results(&self, student_id: &str) -> Result<Vec<YearResults>, ChannelError>;
}

/// Apogée through its SOAP web services, on the back-end named `apogee`.
pub struct ApogeeSoap<'a> {
    /// Path of the `PedagogiqueMetier` service.
    pub path: &'a str,
}

const NS: &str = "http://gouv.education.apogee/commun/servicesmetiers/PedagogiqueMetier";

/// The SOAP request of `method` for `cod_etu`.
pub fn soap_request(method: &str, cod_etu: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:ped=\"{NS}\"><soapenv:Header/><soapenv:Body><ped:{method}><codEtu>{}</codEtu><sourceRes>AET</sourceRes></ped:{method}></soapenv:Body></soapenv:Envelope>",
        escape(cod_etu)
    )
}

/// What a SOAP answer holds: the document, or the fault code.
enum Answer {
    Document(String),
    Fault(String),
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name)
}

fn text_of(node: roxmltree::Node, path: &[&str]) -> Option<String> {
    let mut n = node;
    for p in path {
        n = child(n, p)?;
    }
    n.text().map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn items<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|n| n.is_element() && n.tag_name().name() == "item")
}

fn parse_doc(xml: &str) -> Result<roxmltree::Document<'_>, ChannelError> {
    roxmltree::Document::parse(xml).map_err(|e| ChannelError::backend_garbage(format!("Apogée answer is not XML: {e}")))
}

/// The `…Return` element of a response, or the fault string.
fn classify(xml: &str) -> Result<Answer, ChannelError> {
    let doc = parse_doc(xml)?;
    if let Some(fault) = doc.descendants().find(|n| n.tag_name().name() == "Fault") {
        let code = text_of(fault, &["faultstring"]).unwrap_or_default();
        return Ok(Answer::Fault(code));
    }
    Ok(Answer::Document(xml.to_string()))
}

fn sessions(node: roxmltree::Node, grade: &str, scale: &str) -> Vec<SessionResult> {
    let mut out: Vec<SessionResult> = items(node)
        .map(|item| SessionResult {
            session: text_of(item, &["session", "codSes"])
                .and_then(|s| s.parse().ok())
                .unwrap_or(1),
            grade: text_of(item, &[grade]),
            scale: text_of(item, &[scale]),
            result: text_of(item, &["resultat", "codTre"])
                .map(|c| (c, text_of(item, &["resultat", "libTre"]).unwrap_or_default())),
            mention: text_of(item, &["mention", "libMen"]),
        })
        .collect();
    out.sort_by_key(|s| s.session);
    out
}

/// Parse a `recupererContratPedagogiqueResultatVdiVetV2` response into years (no elements).
pub fn parse_vdi_vet(xml: &str) -> Result<Vec<YearResults>, ChannelError> {
    let doc = parse_doc(xml)?;
    let ret = doc
        .descendants()
        .find(|n| n.tag_name().name().ends_with("VdiVetV2Return"))
        .ok_or_else(|| ChannelError::backend_garbage("no VdiVetV2Return in the Apogée answer"))?;
    let mut years = Vec::new();
    for contract in items(ret) {
        let diploma = text_of(contract, &["diplome", "libWebVdi"]).unwrap_or_default();
        let Some(etapes) = child(contract, "etapes") else {
            continue;
        };
        for etape in items(etapes) {
            years.push(YearResults {
                year: text_of(etape, &["codAnu"]).and_then(|y| y.parse().ok()).unwrap_or(0),
                diploma: diploma.clone(),
                step: (
                    text_of(etape, &["etape", "codEtp"]).unwrap_or_default(),
                    text_of(etape, &["etape", "libWebVet"]).unwrap_or_default(),
                ),
                sessions: child(etape, "resultatVet")
                    .map(|r| sessions(r, "notVet", "barNotVet"))
                    .unwrap_or_default(),
                elements: Vec::new(),
            });
        }
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.year));
    Ok(years)
}

/// Parse a `recupererContratPedagogiqueResultatElpEprV6` response: (year, step code, element).
pub fn parse_elp_epr(xml: &str) -> Result<Vec<(u32, String, ElementResults)>, ChannelError> {
    let doc = parse_doc(xml)?;
    let ret = doc
        .descendants()
        .find(|n| n.tag_name().name().ends_with("ElpEprV6Return"))
        .ok_or_else(|| ChannelError::backend_garbage("no ElpEprV6Return in the Apogée answer"))?;
    Ok(items(ret)
        .filter_map(|item| {
            let element = child(item, "element")?;
            Some((
                text_of(item, &["codAnu"]).and_then(|y| y.parse().ok()).unwrap_or(0),
                text_of(item, &["codEtp"]).unwrap_or_default(),
                ElementResults {
                    code: text_of(element, &["codElp"]).unwrap_or_default(),
                    label: text_of(element, &["libElp"]).unwrap_or_default(),
                    ects: text_of(element, &["nbrCrdElp"]),
                    sessions: child(item, "resultatElp")
                        .map(|r| sessions(r, "notElp", "barNotElp"))
                        .unwrap_or_default(),
                },
            ))
        })
        .collect())
}

impl ApogeeSoap<'_> {
    fn call(&self, method: &str, cod_etu: &str) -> Result<Answer, ChannelError> {
        let resp = Request::post("apogee", self.path, soap_request(method, cod_etu).into_bytes())
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .send()?;
        // SOAP faults come with HTTP 500; anything else that is not 200 is an outage.
        if !resp.is_success() && resp.status != 500 {
            return Err(ChannelError::backend_unavailable(format!(
                "Apogée answered HTTP {}",
                resp.status
            )));
        }
        let answer = classify(&resp.text());
        if resp.status == 500 && !matches!(answer, Ok(Answer::Fault(_))) {
            // A 500 without a SOAP fault (the servlet container's error page) is an outage too.
            return Err(ChannelError::backend_unavailable(
                "Apogée answered HTTP 500 without a SOAP fault",
            ));
        }
        answer
    }
}

impl StudentRecords for ApogeeSoap<'_> {
    fn results(&self, student_id: &str) -> Result<Vec<YearResults>, ChannelError> {
        let vdi = match self.call("recupererContratPedagogiqueResultatVdiVetV2", student_id)? {
            Answer::Document(xml) => xml,
            Answer::Fault(code) if code.contains("nullretrieve") => return Ok(Vec::new()),
            Answer::Fault(code) => return Err(ChannelError::backend_unavailable(format!("Apogée fault: {code}"))),
        };
        let mut years = parse_vdi_vet(&vdi)?;
        let elp = match self.call("recupererContratPedagogiqueResultatElpEprV6", student_id)? {
            Answer::Document(xml) => parse_elp_epr(&xml)?,
            Answer::Fault(code) => return Err(ChannelError::backend_unavailable(format!("Apogée fault: {code}"))),
        };
        for (year, step, element) in elp {
            if let Some(y) = years.iter_mut().find(|y| y.year == year && y.step.0 == step) {
                y.elements.push(element);
            }
        }
        Ok(years)
    }
}

fn session_text(s: &SessionResult, en: bool) -> String {
    let mut parts = Vec::new();
    match (&s.grade, s.scale.as_deref()) {
        (Some(g), Some(scale)) if scale != "0" => {
            parts.push(format!("{}/{scale}", g.replace('.', if en { "." } else { "," })))
        }
        (Some(g), _) => parts.push(g.clone()),
        _ => {}
    }
    if let Some((code, label)) = &s.result {
        parts.push(if label.is_empty() { code.clone() } else { label.clone() });
    }
    if let Some(m) = &s.mention {
        parts.push(format!("{} {m}", if en { "honours:" } else { "mention" }));
    }
    parts.join(" — ")
}

/// HTML of the results, inside a closed `<details>`.
pub fn render_results(years: &[YearResults], max_years: usize, show_elements: bool, en: bool) -> String {
    let mut html = format!(
        "<details class=\"grades\"><summary>{}</summary>",
        if en { "Show my grades" } else { "Afficher mes notes" }
    );
    if years.is_empty() {
        html.push_str(&format!(
            "<p>{}</p>",
            if en {
                "No results are available yet."
            } else {
                "Aucun résultat n'est encore disponible."
            }
        ));
    }
    for y in years.iter().take(max_years.max(1)) {
        html.push_str(&format!(
            "<h3>{}–{} · {}</h3><p class=\"grades-diploma\">{}</p>",
            y.year,
            y.year + 1,
            escape(&y.step.1),
            escape(&y.diploma)
        ));
        if y.sessions.is_empty() {
            html.push_str(&format!(
                "<p class=\"hint\">{}</p>",
                if en {
                    "Year results not published yet."
                } else {
                    "Résultats de l'année pas encore publiés."
                }
            ));
        }
        for s in &y.sessions {
            html.push_str(&format!(
                "<p><strong>Session {}</strong>{} {}</p>",
                s.session,
                if en { ":" } else { " :" },
                escape(&session_text(s, en))
            ));
        }
        if show_elements && !y.elements.is_empty() {
            // `reflow`: on a phone the theme shows one card per course, each cell named.
            html.push_str(&format!(
                "<table class=\"grades-table reflow\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">ECTS</th><th scope=\"col\">Session 1</th><th scope=\"col\">Session 2</th></tr></thead><tbody>",
                if en { "Element" } else { "Élément" }
            ));
            for e in &y.elements {
                let of = |n: u32| {
                    e.sessions
                        .iter()
                        .find(|s| s.session == n)
                        .map(|s| session_text(s, en))
                        .unwrap_or_else(|| "—".into())
                };
                html.push_str(&format!(
                    "<tr><th scope=\"row\">{}</th><td data-label=\"ECTS\">{}</td><td data-label=\"Session 1\">{}</td><td data-label=\"Session 2\">{}</td></tr>",
                    escape(&e.label),
                    escape(e.ects.as_deref().unwrap_or("")),
                    escape(&of(1)),
                    escape(&of(2))
                ));
            }
            html.push_str("</tbody></table>");
        }
    }
    html.push_str("</details>");
    html
}

/// What the portal is told of the latest year's results: one notification per session,
/// keyed by how many results it has, so a newly published one raises a new notification (the
/// grade itself is never in it: a notification may show on a shared screen).
pub fn published_notifications(years: &[YearResults], en: bool, tab: &str) -> Vec<notify::Notification> {
    let Some(latest) = years.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for session in [1, 2] {
        let graded = latest
            .elements
            .iter()
            .flat_map(|e| e.sessions.iter())
            .chain(latest.sessions.iter())
            .filter(|s| s.session == session && (s.grade.is_some() || s.result.is_some()))
            .count();
        if graded == 0 {
            continue;
        }
        let year = format!("{}–{}", latest.year, latest.year + 1);
        let (title, body) = if en {
            (
                format!("New results published: {}, session {session}", latest.step.1),
                format!("{year}: {graded} result(s) published. Open the Grades channel to see them."),
            )
        } else {
            (
                format!("Nouveaux résultats publiés : {}, session {session}", latest.step.1),
                format!("{year} : {graded} résultat(s) publié(s). Ouvrez « Notes et résultats » pour les voir."),
            )
        };
        out.push(notify::Notification {
            key: format!("results:{}:{}:s{session}:{graded}", latest.year, latest.step.0),
            title: title.chars().take(120).collect(),
            body,
            link: Some(if tab.is_empty() {
                "/".to_string()
            } else {
                format!("/?tab={tab}")
            }),
        });
    }
    out
}

/// The channel.
pub struct Grades;

impl Channel for Grades {
    type Config = Config;

    fn render(ctx: &Context<Config>) -> Result<Output, ChannelError> {
        let Some(student) = ctx.first_attribute("supannEtuId") else {
            return Err(ChannelError::not_applicable("no supannEtuId: not a student"));
        };
        let years = match ctx.config.system.as_str() {
            "pegase" => PegaseRest {
                establishment: &ctx.config.establishment,
                years: ctx.config.years as usize,
            }
            .results(&student)?,
            "apogee" => ApogeeSoap {
                path: &ctx.config.service_path,
            }
            .results(&student)?,
            other => {
                return Err(ChannelError::bad_config(format!(
                    "config.system: `{other}` is neither \"apogee\" nor \"pegase\""
                )));
            }
        };
        let en = ctx.locale == Locale::En;
        let tab = request::param("tab").unwrap_or_default();
        for n in published_notifications(&years, en, &tab) {
            // A refusal (not granted, budget) costs the page nothing.
            let _ = notify::raise(&n);
        }
        Ok(Output::html(render_results(
            &years,
            ctx.config.years as usize,
            ctx.config.show_elements,
            ctx.locale == Locale::En,
        )))
    }
}

agora_channel_sdk::export_channel!(Grades);

#[cfg(test)]
mod tests {
    use super::*;

    const VDI_VET: &str = include_str!("../tests/fixtures/vdi-vet.xml");
    const ELP_EPR: &str = include_str!("../tests/fixtures/elp-epr.xml");
    const FAULT: &str = include_str!("../tests/fixtures/fault-unknown-student.xml");

    #[test]
    fn a_newly_published_result_changes_the_notification_key_and_never_shows_the_grade() {
        let all = parse_vdi_vet(VDI_VET).expect("parses");
        assert!(
            published_notifications(&all, false, "").is_empty(),
            "2026: nothing published yet"
        );
        // The year before, as if it were the latest: its two sessions have results.
        let years = all[1..].to_vec();
        let before = published_notifications(&years, false, "studies");
        assert_eq!(before.len(), 2, "{before:?}");
        let mut more = years.clone();
        more[0].elements.push(ElementResults {
            code: "NEW1".into(),
            label: "Nouvelle UE".into(),
            ects: None,
            sessions: vec![SessionResult {
                session: 1,
                grade: Some("17.5".into()),
                ..Default::default()
            }],
        });
        let after = published_notifications(&more, false, "studies");
        assert_ne!(before[0].key, after[0].key, "one more result: a new notification");
        for n in before.iter().chain(&after) {
            assert!(!n.title.contains("17.5") && !n.body.contains("17.5"), "{n:?}");
            assert_eq!(n.link.as_deref(), Some("/?tab=studies"));
        }
        assert!(published_notifications(&[], true, "").is_empty());
    }

    #[test]
    fn recorded_apogee_answers_parse() {
        let years = parse_vdi_vet(VDI_VET).expect("parses");
        assert_eq!(years.len(), 2);
        assert_eq!(years[0].year, 2026, "most recent first");
        let m1 = &years[1];
        assert_eq!(m1.step, ("M1INFO".to_string(), "M1 Informatique".to_string()));
        assert_eq!(m1.sessions.len(), 2);
        assert_eq!(m1.sessions[1].grade.as_deref(), Some("12.87"));
        assert_eq!(m1.sessions[1].mention.as_deref(), Some("Assez bien"));
        let elements = parse_elp_epr(ELP_EPR).expect("parses");
        assert_eq!(elements.len(), 5, "three of M1, two of M2");
        let compilation = elements.iter().find(|e| e.2.code == "INF801").expect("INF801");
        assert_eq!(
            (compilation.0, compilation.1.as_str(), compilation.2.label.as_str()),
            (2025, "M1INFO", "Compilation")
        );
        assert_eq!(
            compilation.2.sessions[1].result.as_ref().map(|r| r.0.as_str()),
            Some("ADM")
        );
        assert!(matches!(classify(FAULT).expect("xml"), Answer::Fault(code) if code.contains("nullretrieve")));
    }

    #[test]
    fn results_are_hidden_until_asked_and_read_well_in_both_languages() {
        let mut years = parse_vdi_vet(VDI_VET).expect("parses");
        for (year, step, e) in parse_elp_epr(ELP_EPR).expect("parses") {
            if let Some(y) = years.iter_mut().find(|y| y.year == year && y.step.0 == step) {
                y.elements.push(e);
            }
        }
        let fr = render_results(&years, 2, true, false);
        assert!(
            fr.starts_with("<details class=\"grades\"><summary>Afficher mes notes</summary>"),
            "{fr}"
        );
        assert!(fr.contains("12,87/20 — Admis — mention Assez bien"), "{fr}");
        assert!(
            fr.contains("<th scope=\"row\">Compilation</th><td data-label=\"ECTS\">6</td><td data-label=\"Session 1\">9,5/20 — Ajourné</td><td data-label=\"Session 2\">13/20 — Admis</td>"),
            "{fr}"
        );
        assert!(fr.contains("Résultats de l'année pas encore publiés"), "{fr}");
        let en = render_results(&years, 1, false, true);
        assert!(
            en.contains("Show my grades") && !en.contains("M1 Informatique"),
            "one year only: {en}"
        );
        assert!(render_results(&[], 2, true, false).contains("Aucun résultat"));
    }

    #[test]
    fn garbage_is_reported_as_garbage() {
        assert!(parse_vdi_vet("<html>").is_err());
        assert!(parse_vdi_vet("<ok/>").is_err());
        assert!(soap_request("m", "<x>").contains("&lt;x&gt;"), "the id is escaped");
    }
}

//! Pégase's REST services, as their published OpenAPI descriptions give them:
//!
//! - `POST /cas/v1/tickets` (the authentication server, CAS REST) with the form `username`,
//!   `password`, `token=true` → `201` with an application JWT in the body (`exp` an hour
//!   later), `401` for a wrong account;
//! - `GET /api/ins/ext/v2/gestion/inscription/{codeStructure}/{codeApprenant}/` (INS,
//!   `lireInscriptions`) → the learner's `ApprenantEtInscriptions`, `404` for an unknown one;
//! - `GET /api/coc/publication/v2/etablissements/{codeStructureEtablissement}/periodes/{codePeriode}/apprenants/{codeApprenant}/chemins/{codeChemin}`
//!   (COC, `listerCursusPubliableApprenant`) → the list of `Chemin`, the requested path
//!   first, with the publishable grades and results; `404` for a path the learner is not on.
//!
//! Every API call needs `Authorization: Bearer <jwt>` with a token this simulator issued:
//! `401` without one, `403` for an expired one (as Pégase documents).

use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The application account, the establishment and the learners.
#[derive(Debug, Deserialize)]
pub struct PegaseData {
    /// The application account allowed to call the services.
    pub account: Account,
    /// `codeStructureEtablissement`.
    pub establishment: String,
    /// Learners by `codeApprenant` (the student number, `supannEtuId`).
    pub learners: BTreeMap<String, Learner>,
    /// Tokens issued, and how many token calls were made.
    #[serde(skip)]
    pub tokens: Tokens,
}

/// An application account of the authentication server.
#[derive(Debug, Deserialize)]
pub struct Account {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Lifetime of the tokens issued, in seconds.
    #[serde(default = "hour")]
    pub lifetime_seconds: i64,
}

fn hour() -> i64 {
    3600
}

/// The tokens issued so far.
#[derive(Debug, Default)]
pub struct Tokens {
    calls: AtomicUsize,
    issued: Mutex<HashMap<String, i64>>,
}

impl Tokens {
    /// How many token calls succeeded.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// One learner.
#[derive(Debug, Deserialize)]
pub struct Learner {
    /// Name (not sent; for people reading the data).
    pub name: String,
    /// Inscriptions, one per period.
    pub inscriptions: Vec<InscriptionData>,
}

/// A code and its label.
#[derive(Debug, Deserialize)]
pub struct Coded {
    /// Code.
    pub code: String,
    /// Long label.
    pub label: String,
}

/// A period of implementation.
#[derive(Debug, Deserialize)]
pub struct Period {
    /// `codePeriode` (`PER-2026`).
    pub code: String,
    /// `anneeUniversitaire`.
    pub year: u32,
}

/// One inscription and the learner's results on its path.
#[derive(Debug, Deserialize)]
pub struct InscriptionData {
    /// The period.
    pub period: Period,
    /// `VALIDE`, `ANNULEE`…
    #[serde(default = "valid")]
    pub status: String,
    /// The formation (the root of the path).
    pub formation: Coded,
    /// The objects from the formation down to the one inscribed to (`cible.chemin`).
    pub path: Vec<Coded>,
    /// Results of the inscribed object.
    #[serde(default)]
    pub results: Results,
    /// Objects under it, `under` being their path below the inscribed object.
    #[serde(default)]
    pub objects: Vec<Object>,
}

fn valid() -> String {
    "VALIDE".into()
}

/// An object of the curriculum under the inscribed one.
#[derive(Debug, Deserialize)]
pub struct Object {
    /// Codes between the inscribed object and this one (`S1` for a UE of semester 1).
    #[serde(default)]
    pub under: Vec<String>,
    /// Its code and label.
    #[serde(flatten)]
    pub coded: Coded,
    /// ECTS credits acquired.
    #[serde(default)]
    pub ects: Option<f64>,
    /// Results.
    #[serde(default)]
    pub results: Results,
}

/// Results of one object: per session, and the mention.
#[derive(Debug, Default, Deserialize)]
pub struct Results {
    /// Session 1.
    pub session1: Option<Session>,
    /// Session 2.
    pub session2: Option<Session>,
    /// Mention code (`AB`, `B`, `TB`, `P`).
    pub mention: Option<String>,
    /// Whether session 1 is published (default true).
    #[serde(default = "yes")]
    pub published1: bool,
}

fn yes() -> bool {
    true
}

/// One session's grade and result.
#[derive(Debug, Deserialize)]
pub struct Session {
    /// Grade.
    pub grade: Option<f64>,
    /// Barème.
    #[serde(default = "twenty")]
    pub scale: u32,
    /// Result code (`ADM`, `AJ`, `ADJ`, `DEF`).
    pub result: Option<String>,
    /// `JUSTIFIEE`, `INJUSTIFIEE`.
    pub absence: Option<String>,
}

fn twenty() -> u32 {
    20
}

fn labels(code: &str, long: &str, shown: &str) -> Value {
    json!({ "code": code, "libelleCourt": code, "libelleLong": long, "libelleAffichage": shown })
}

fn resultat(code: &str) -> Value {
    let (long, shown) = match code {
        "ADM" => ("ADMIS", "Admis"),
        "AJ" => ("AJOURNE", "Ajourné"),
        "ADJ" => ("ADMIS PAR JURY", "Admis par jury"),
        "DEF" => ("DEFAILLANT", "Défaillant"),
        _ => (code, code),
    };
    labels(code, long, shown)
}

fn mention(code: &str) -> Value {
    let (n, long, shown) = match code {
        "P" => ("MHO001", "PASSABLE", "Passable"),
        "AB" => ("MHO002", "ASSEZ BIEN", "Assez bien"),
        "B" => ("MHO003", "BIEN", "Bien"),
        "TB" => ("MHO004", "TRES BIEN", "Très bien"),
        _ => (code, code, code),
    };
    json!({ "code": n, "libelleCourt": code, "libelleLong": long, "libelleAffichage": shown })
}

/// One `Chemin` of COC's answer.
fn chemin(code_chemin: &str, leaf: &Coded, ects: Option<f64>, r: &Results) -> Value {
    let s1 = r.session1.as_ref().filter(|_| r.published1);
    let s2 = r.session2.as_ref();
    let retained = if s2.is_some() { 2 } else { 1 };
    let last = s2.or(s1);
    json!({
        "codeChemin": code_chemin,
        "objetFeuille": { "code": leaf.code, "libelleCourt": leaf.code, "libelleLong": leaf.label },
        // A barème only where a grade is expected (a placement is passed or not).
        "bareme": r.session1.iter().chain(s2).find(|s| s.grade.is_some()).map(|s| s.scale),
        "noteSession1": s1.and_then(|s| s.grade),
        "resultatSession1": s1.and_then(|s| s.result.as_deref()).map(resultat),
        "absenceSession1": s1.and_then(|s| s.absence.clone()),
        "creditsEctsSession1": if s2.is_none() { ects } else { None },
        "concerneParSession2": s2.is_some(),
        "noteSession2": s2.and_then(|s| s.grade),
        "resultatSession2": s2.and_then(|s| s.result.as_deref()).map(resultat),
        "absenceSession2": s2.and_then(|s| s.absence.clone()),
        "noteRetenue": last.and_then(|s| s.grade),
        "noteFinale": last.and_then(|s| s.grade),
        "resultatFinal": last.and_then(|s| s.result.as_deref()).map(resultat),
        "creditsEctsFinaux": ects,
        "mention": r.mention.as_deref().map(mention),
        "numeroSessionRetenue": last.map(|_| retained),
        "publieSession1": r.published1,
        "publieSession2": true,
        "publieEvaluationsFinales": true,
        "listeTypeAmenagement": [],
        "listeControle": [],
    })
}

fn inscription(establishment: &str, i: &InscriptionData) -> Value {
    let target = i.path.last().unwrap_or(&i.formation);
    json!({
        "codeEtablissement": establishment,
        "principale": true,
        "statutInscription": i.status,
        "statutPaiement": "PAYE",
        "dateInscription": format!("{}-07-15", i.period.year),
        "cible": {
            "code": target.code,
            "libelleCourt": target.code,
            "libelleLong": target.label,
            "codeStructure": establishment,
            "formation": { "code": i.formation.code, "libelleCourt": i.formation.code, "libelleLong": i.formation.label },
            "chemin": i.path.iter().map(|c| json!({ "code": c.code, "libelleCourt": c.code, "libelleLong": c.label, "nature": "ObjetFormation" })).collect::<Vec<_>>(),
            "periode": {
                "code": i.period.code,
                "libelleCourt": i.period.code,
                "libelleLong": format!("Année universitaire {}-{}", i.period.year, i.period.year + 1),
                "anneeUniversitaire": i.period.year,
                "dateDebut": format!("{}-09-01", i.period.year),
                "dateFin": format!("{}-08-31", i.period.year + 1),
            },
        },
    })
}

fn code_chemin(i: &InscriptionData) -> String {
    std::iter::once(i.formation.code.as_str())
        .chain(i.path.iter().map(|c| c.code.as_str()))
        .collect::<Vec<_>>()
        .join(">")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_value(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(&v.replace('+', " ")))
    })
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// What one request gets: status, content type, body.
pub type Answer = (&'static str, &'static str, String);

fn error(status: &'static str, message: &str) -> Answer {
    (status, "application/json", json!({ "message": message }).to_string())
}

/// Whether this simulator serves `path`.
pub fn serves(path: &str) -> bool {
    path == "/cas/v1/tickets" || path.starts_with("/api/ins/ext/v2/") || path.starts_with("/api/coc/publication/v2/")
}

/// Answer one request (`authorization`: the header's value, if any).
pub fn answer(
    data: &PegaseData,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &[u8],
    now: i64,
) -> Answer {
    if path == "/cas/v1/tickets" {
        return token(data, method, &String::from_utf8_lossy(body), now);
    }
    let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
        return error(
            "401 Unauthorized",
            "Full authentication is required to access this resource",
        );
    };
    match data.tokens.issued.lock().map(|t| t.get(token.trim()).copied()) {
        Ok(Some(exp)) if exp > now => {}
        Ok(Some(_)) => return error("403 Forbidden", "Le token est expiré"),
        _ => return error("401 Unauthorized", "Invalid token"),
    }
    if method != "GET" {
        return error("405 Method Not Allowed", "GET only");
    }
    let segments: Vec<String> = path.split('/').map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["", "api", "ins", "ext", "v2", "gestion", "inscription", etab, code, ""] => {
            match data.learners.get(*code).filter(|_| *etab == data.establishment) {
                Some(l) => (
                    "200 OK",
                    "application/json",
                    json!({
                        "apprenant": { "code": code },
                        "inscriptions": l.inscriptions.iter().map(|i| inscription(&data.establishment, i)).collect::<Vec<_>>(),
                    })
                    .to_string(),
                ),
                None => error("404 Not Found", "Apprenant introuvable"),
            }
        }
        [
            "",
            "api",
            "coc",
            "publication",
            "v2",
            "etablissements",
            etab,
            "periodes",
            period,
            "apprenants",
            code,
            "chemins",
            requested,
        ] => {
            let found = data
                .learners
                .get(*code)
                .filter(|_| *etab == data.establishment)
                .and_then(|l| {
                    l.inscriptions
                        .iter()
                        .find(|i| i.period.code == *period && code_chemin(i) == *requested)
                });
            let Some(i) = found else {
                return error("404 Not Found", "Chemin introuvable pour cet apprenant");
            };
            let target = i.path.last().unwrap_or(&i.formation);
            let mut list = vec![chemin(requested, target, None, &i.results)];
            for o in &i.objects {
                let mut code = requested.to_string();
                for u in &o.under {
                    code.push('>');
                    code.push_str(u);
                }
                code.push('>');
                code.push_str(&o.coded.code);
                list.push(chemin(&code, &o.coded, o.ects, &o.results));
            }
            ("200 OK", "application/json", Value::Array(list).to_string())
        }
        _ => error("404 Not Found", "Ressource inexistante"),
    }
}

/// The CAS REST token call.
fn token(data: &PegaseData, method: &str, form: &str, now: i64) -> Answer {
    if method != "POST" {
        return error("405 Method Not Allowed", "POST only");
    }
    let (user, password) = (form_value(form, "username"), form_value(form, "password"));
    if user.as_deref() != Some(data.account.username.as_str())
        || password.as_deref() != Some(data.account.password.as_str())
    {
        return (
            "401 Unauthorized",
            "text/plain;charset=UTF-8",
            "authentication failed".into(),
        );
    }
    if form_value(form, "token").as_deref() != Some("true") {
        // Without token=true CAS answers a ticket-granting ticket, which Pégase refuses.
        return (
            "201 Created",
            "text/plain;charset=UTF-8",
            format!("TGT-{now}-simulated"),
        );
    }
    let n = data.tokens.calls.fetch_add(1, Ordering::SeqCst) + 1;
    let exp = now + data.account.lifetime_seconds;
    let header = b64url(br#"{"alg":"RS256","typ":"JWT","kid":"simulated"}"#);
    let claims = json!({ "sub": data.account.username, "iss": "https://authn-app.simulated.pc-scol.fr/cas", "iat": now, "exp": exp, "jti": n });
    let jwt = format!(
        "{header}.{}.{}",
        b64url(claims.to_string().as_bytes()),
        b64url(format!("signature-{n}").as_bytes())
    );
    if let Ok(mut issued) = data.tokens.issued.lock() {
        issued.insert(jwt.clone(), exp);
    }
    ("201 Created", "application/jwt;charset=UTF-8", jwt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> PegaseData {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/pegase.toml")).expect("data");
        toml::from_str(&text).expect("pegase.toml")
    }

    #[test]
    fn services_need_a_token_from_the_account_and_refuse_an_expired_one() {
        let d = data();
        let ins = "/api/ins/ext/v2/gestion/inscription/ETAB00/22400123/";
        assert_eq!(answer(&d, "GET", ins, None, b"", 1000).0, "401 Unauthorized");
        let wrong = b"username=agora-ent&password=nope&token=true";
        assert_eq!(
            answer(&d, "POST", "/cas/v1/tickets", None, wrong, 1000).0,
            "401 Unauthorized"
        );
        let form = b"username=agora-ent&password=demo-pegase&token=true";
        let (status, _, jwt) = answer(&d, "POST", "/cas/v1/tickets", None, form, 1000);
        assert_eq!(status, "201 Created");
        assert_eq!(d.tokens.calls(), 1);
        let bearer = format!("Bearer {jwt}");
        let (status, _, body) = answer(&d, "GET", ins, Some(&bearer), b"", 1001);
        assert_eq!(status, "200 OK", "{body}");
        assert!(body.contains("\"statutInscription\":\"VALIDE\""), "{body}");
        let coc = "/api/coc/publication/v2/etablissements/ETAB00/periodes/PER-2026/apprenants/22400123/chemins/L-MATH%3EL-MATH-A1";
        let (status, _, body) = answer(&d, "GET", coc, Some(&bearer), b"", 1001);
        assert_eq!(status, "200 OK", "{body}");
        assert!(
            body.starts_with("[{") && body.contains("L-MATH>L-MATH-A1>L-MATH-S1>MATH101"),
            "{body}"
        );
        let unknown = "/api/ins/ext/v2/gestion/inscription/ETAB00/999/";
        assert_eq!(answer(&d, "GET", unknown, Some(&bearer), b"", 1001).0, "404 Not Found");
        assert_eq!(
            answer(&d, "GET", ins, Some(&bearer), b"", 1000 + 3601).0,
            "403 Forbidden"
        );
    }

    #[test]
    fn tokens_are_jwt_shaped_with_an_exp() {
        assert_eq!(b64url(b"{}"), "e30");
        assert_eq!(b64url(b"ab"), "YWI");
        assert_eq!(b64url(b"abc"), "YWJj");
        let d = data();
        let form = b"username=agora-ent&password=demo-pegase&token=true";
        let jwt = answer(&d, "POST", "/cas/v1/tickets", None, form, 5000).2;
        assert_eq!(jwt.split('.').count(), 3, "{jwt}");
    }
}

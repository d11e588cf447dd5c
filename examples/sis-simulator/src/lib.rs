//! Simulators of the back-ends a university runs that we cannot run in tests (they are
//! proprietary): **ADE Campus** iCalendar exports and the **Apogée** SOAP web services that
//! esup-mdw calls. They follow the real formats (URLs, parameters, iCalendar fields, SOAP
//! envelopes, Apogée codes and faults) with realistic data from `data/`.
//!
//! - `GET /jsp/custom/modules/plannings/anonymous_cal.jsp?resources=1205,1206&projectId=4&calType=ical&nbWeeks=2`
//!   → `text/calendar`: the courses of those resources from Monday of the current week, for
//!   `nbWeeks` weeks (1 by default), DTSTART/DTEND in UTC, DESCRIPTION listing groups then
//!   teachers then `(Exporté le:…)`, as ADE does. Unknown resource ids are ignored.
//! - `POST /services/PedagogiqueMetier` with a SOAP 1.1 envelope calling
//!   `recupererContratPedagogiqueResultatVdiVetV2` or `recupererContratPedagogiqueResultatElpEprV6`
//!   with `codEtu` → their responses, or the SOAP fault Apogée answers for an unknown student
//!   (`technical.data.nullretrieve.etudiant`).
//! - `POST /webservices/rest.php?version=1.3` with the form field `json_data` → iTop's
//!   REST/JSON answers: `core/get` of `UserRequest` for a caller (OQL joining `Person` on
//!   `caller_id`), iTop's error codes otherwise; credentials checked (see `itop.rs`).
//! - Pégase's REST services as their OpenAPI descriptions give them (see `pegase.rs`): the
//!   CAS REST token call `POST /cas/v1/tickets` (`token=true`: an application JWT), INS's
//!   `GET /api/ins/ext/v2/gestion/inscription/{codeStructure}/{codeApprenant}/` and COC's
//!   `GET /api/coc/publication/v2/etablissements/…/periodes/…/apprenants/…/chemins/{codeChemin}`,
//!   each checking the bearer token.
//! - ESUP SMS-U's web service (esup-smsu-api): `?action=SendSms`, `MayCreateAccountCheckQuotaOk`,
//!   `MessageInfos` on `/ws/`, HTTP Basic, quotas per account, a black list (see `smsu.rs`).
//!
//! Plain `std` threads, loopback only; `Simulator::start` for tests, `agora-sis-simulator`
//! binary for the demo.

mod ade;
mod apogee;
mod civil;
mod itop;
mod pegase;
mod smsu;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use ade::AdeData;
pub use apogee::ApogeeData;
pub use itop::ItopData;
pub use pegase::PegaseData;
pub use smsu::{Sent as SmsSent, SmsuData};

/// The simulated data.
pub struct Data {
    /// ADE resources and courses.
    pub ade: AdeData,
    /// Apogée students and results.
    pub apogee: ApogeeData,
    /// iTop's REST user, persons and user requests.
    pub itop: ItopData,
    /// Pégase's application account, learners and results.
    pub pegase: PegaseData,
    /// SMS-U's application credentials, accounts and quotas.
    pub smsu: SmsuData,
}

impl Data {
    /// Read `dir/ade.toml` and `dir/apogee.toml`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
        };
        Ok(Data {
            ade: toml::from_str(&read("ade.toml")?).map_err(|e| format!("ade.toml: {e}"))?,
            apogee: toml::from_str(&read("apogee.toml")?).map_err(|e| format!("apogee.toml: {e}"))?,
            itop: toml::from_str(&read("itop.toml")?).map_err(|e| format!("itop.toml: {e}"))?,
            pegase: toml::from_str(&read("pegase.toml")?).map_err(|e| format!("pegase.toml: {e}"))?,
            smsu: toml::from_str(&read("smsu.toml")?).map_err(|e| format!("smsu.toml: {e}"))?,
        })
    }
}

/// A running simulator.
pub struct Simulator {
    /// Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub url: String,
    data: Arc<Data>,
    stopped: Arc<AtomicBool>,
}

impl Simulator {
    /// Serve `data` on `addr` (`127.0.0.1:0` for a free port) in background threads.
    pub fn start(data: Data, addr: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let url = format!("http://{}", listener.local_addr()?);
        let data = Arc::new(data);
        let served = data.clone();
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stop.load(Ordering::SeqCst) {
                    // Dropping the listener closes the port: the service is down.
                    break;
                }
                let data = data.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &data);
                });
            }
        });
        Ok(Simulator {
            url,
            data: served,
            stopped,
        })
    }

    /// Stop answering: the port is closed once this returns, so a client sees the service
    /// down (connection refused). Calls under way finish.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag and drops the listener.
        if let Some(addr) = self.url.strip_prefix("http://") {
            let _ = TcpStream::connect(addr);
        }
        // The loop drops the listener right after that connection is accepted.
        for _ in 0..100 {
            if let Some(addr) = self.url.strip_prefix("http://")
                && TcpStream::connect(addr).is_err()
            {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// How many Pégase application tokens were issued (the token calls that succeeded).
    pub fn pegase_token_calls(&self) -> usize {
        self.data.pegase.tokens.calls()
    }

    /// The SMS sent through the SMS-U simulator so far.
    pub fn sms_sent(&self) -> Vec<SmsSent> {
        self.data.smsu.sent()
    }

    /// Serve the data of `dir` on a free loopback port.
    pub fn start_dir(dir: &Path) -> Result<Self, String> {
        let data = Data::load(dir)?;
        Self::start(data, "127.0.0.1:0").map_err(|e| e.to_string())
    }
}

/// Seconds since the Unix epoch now.
fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn handle(mut stream: TcpStream, data: &Data) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut length = 0usize;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, ctype, answer) = match (method, path) {
        ("GET", "/jsp/custom/modules/plannings/anonymous_cal.jsp") => {
            match ade::calendar(&data.ade, query, now_seconds()) {
                Ok(ics) => ("200 OK", "text/calendar;charset=UTF-8", ics),
                Err(e) => ("400 Bad Request", "text/plain;charset=UTF-8", e),
            }
        }
        ("POST", "/services/PedagogiqueMetier") => {
            let request = String::from_utf8_lossy(&body);
            match apogee::answer(&data.apogee, &request) {
                Ok(xml) => ("200 OK", "text/xml;charset=UTF-8", xml),
                Err(fault) => ("500 Internal Server Error", "text/xml;charset=UTF-8", fault),
            }
        }
        ("GET" | "POST", "/webservices/rest.php") => (
            "200 OK",
            "application/json",
            itop::answer(&data.itop, query, &body, &headers),
        ),
        (_, p) if smsu::serves(p) => smsu::answer(&data.smsu, method, query, &body, &headers),
        (_, p) if pegase::serves(p) => {
            let authorization = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.as_str());
            pegase::answer(&data.pegase, method, p, authorization, &body, now_seconds())
        }
        _ => ("404 Not Found", "text/plain", "not found".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )
}

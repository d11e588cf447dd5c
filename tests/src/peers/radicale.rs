//! Radicale (PyPI), a real CalDAV and CardDAV server: users in an htpasswd file (plain), a
//! rights file that lets each person read and write their own collections and a service
//! account read everyone's, collections written in its storage folder as real `.ics` and
//! `.vcf` items. The calendars and address books of the `agenda` and `contacts` channels.

use super::{free_port, venv_python, wait_for_port};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A throwaway Radicale on a free loopback port, stopped when dropped.
pub struct Radicale {
    /// Base URL, e.g. `http://127.0.0.1:41234/`.
    pub url: String,
    child: Child,
    dir: PathBuf,
}

/// Rights: the service account reads everything, a person their own collections.
const RIGHTS: &str = "\
[service-account]
user: {service}
collection: .*
permissions: Rr

[owner]
user: .+
collection: {user}(/.*)?
permissions: RrWw

[root]
user: .+
collection:
permissions: R
";

impl Radicale {
    /// Start Radicale with `users` (login, password); `service` is the login allowed to read
    /// every collection (it must be one of `users`).
    pub fn start(users: &[(&str, &str)], service: &str) -> Self {
        let python = venv_python();
        let dir = crate::temp_dir("radicale");
        let htpasswd: String = users.iter().map(|(u, p)| format!("{u}:{p}\n")).collect();
        std::fs::write(dir.join("users"), htpasswd).expect("users");
        std::fs::write(dir.join("rights"), RIGHTS.replace("{service}", service)).expect("rights");
        std::fs::create_dir_all(dir.join("collections/collection-root")).expect("storage");
        let port = free_port();
        let config = format!(
            "[server]\nhosts = 127.0.0.1:{port}\n\n[auth]\ntype = htpasswd\nhtpasswd_filename = {d}/users\n\
             htpasswd_encryption = plain\n\n[rights]\ntype = from_file\nfile = {d}/rights\n\n\
             [storage]\nfilesystem_folder = {d}/collections\n\n[web]\ntype = none\n\n[logging]\nlevel = warning\n",
            d = dir.display()
        );
        std::fs::write(dir.join("radicale.conf"), config).expect("config");
        let log = std::fs::File::create(dir.join("radicale.log")).expect("log file");
        let child = Command::new(python)
            .args(["-m", "radicale", "--config"])
            .arg(dir.join("radicale.conf"))
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start radicale");
        let server = Radicale {
            url: format!("http://127.0.0.1:{port}/"),
            child,
            dir,
        };
        wait_for_port(port, "radicale", &server.dir.join("radicale.log"));
        server
    }

    fn collection(&self, user: &str, name: &str, tag: &str) -> PathBuf {
        let path = self.dir.join("collections/collection-root").join(user).join(name);
        std::fs::create_dir_all(&path).expect("collection");
        std::fs::write(
            path.join(".Radicale.props"),
            format!("{{\"tag\": \"{tag}\", \"D:displayname\": \"{name}\"}}"),
        )
        .expect("props");
        path
    }

    /// A calendar `name` of `user` holding `events` (each a `VEVENT`'s lines, without
    /// `BEGIN`/`END`), one `.ics` item each.
    pub fn calendar(&self, user: &str, name: &str, events: &[String]) {
        let path = self.collection(user, name, "VCALENDAR");
        for (i, event) in events.iter().enumerate() {
            let ics = format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Agora tests//EN\r\nBEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                event.trim_end().replace('\n', "\r\n").replace("\r\r\n", "\r\n")
            );
            std::fs::write(path.join(format!("event-{i}.ics")), ics).expect("event");
        }
    }

    /// An address book `name` of `user` holding `cards` (each a `VCARD`'s lines).
    pub fn address_book(&self, user: &str, name: &str, cards: &[String]) {
        let path = self.collection(user, name, "VADDRESSBOOK");
        for (i, card) in cards.iter().enumerate() {
            let vcf = format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n{}\r\nEND:VCARD\r\n",
                card.trim_end().replace('\n', "\r\n").replace("\r\r\n", "\r\n")
            );
            std::fs::write(path.join(format!("card-{i}.vcf")), vcf).expect("card");
        }
    }

    /// Stop the server now (a server that is down).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `YYYYMMDDTHHMMSSZ`, an iCalendar UTC date-time, of a Unix time (seconds).
pub fn ical_utc(unix: i64) -> String {
    let (days, rem) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A `VEVENT`'s lines for [`Radicale::calendar`]: `hours` long from `start` (Unix seconds),
/// with `extra` lines (an `RRULE`…).
pub fn vevent(uid: &str, summary: &str, location: &str, start: i64, hours: i64, extra: &str) -> String {
    format!(
        "UID:{uid}\nDTSTAMP:{}\nSUMMARY:{summary}\nLOCATION:{location}\nDTSTART:{}\nDTEND:{}\n{extra}",
        ical_utc(start),
        ical_utc(start),
        ical_utc(start + hours * 3600)
    )
}

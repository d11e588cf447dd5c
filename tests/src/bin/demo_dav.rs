//! `agora-demo-dav`: the demo's calendar, address-book and file servers. Starts a throwaway
//! Radicale (CalDAV, CardDAV) and WsgiDAV (WebDAV) from `target/peers-venv` on free loopback
//! ports, with events, contacts and documents for each demo persona and one service account
//! for the portal. Prints `<radicale URL> <WsgiDAV URL> <password>` when ready, then runs until
//! its standard input closes or it is interrupted, and stops both.

use agora_tests::peers::{Radicale, WsgiDav, vevent};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncReadExt;

const DAY: i64 = 86_400;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut password = [0u8; 12];
    for (i, b) in password.iter_mut().enumerate() {
        *b = b"abcdefghjkmnpqrstuvwxyz23456789"[(std::process::id() as usize * 11 + i * 7) % 31];
    }
    let password = String::from_utf8_lossy(&password).into_owned();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // 00:00 UTC today: events at round hours (07:00 UTC is 08:00 in Paris in winter).
    let today = now - now.rem_euclid(DAY);
    let personas = ["alice.martin", "bruno.leroy", "claire.dubois", "david.moreau"];
    let mut users: Vec<(&str, &str)> = personas.iter().map(|p| (*p, "demo-not-used")).collect();
    users.push(("portal", password.as_str()));
    let radicale = Radicale::start(&users, "portal");
    let files = WsgiDav::start("portal", &password);
    let h = |d: i64, hour: i64| today + d * DAY + hour * 3600;
    for persona in personas {
        let student = matches!(persona, "alice.martin" | "bruno.leroy");
        let events = if student {
            vec![
                vevent("cm", "Cours magistral d'analyse", "Amphi Pasteur", h(0, 15), 2, ""),
                vevent(
                    "td",
                    "TD d'algèbre",
                    "Bâtiment B\\, salle 104",
                    h(1, 8),
                    2,
                    "RRULE:FREQ=WEEKLY;COUNT=12\n",
                ),
                vevent(
                    "bu",
                    "Atelier BU : recherche documentaire",
                    "BU Sciences",
                    h(2, 12),
                    1,
                    "",
                ),
                vevent("partiel", "Partiel de mi-semestre", "Gymnase", h(4, 7), 3, ""),
            ]
        } else {
            vec![
                vevent("conseil", "Conseil de département", "Salle du conseil", h(0, 13), 2, ""),
                vevent("jury", "Jury de semestre", "Salle 2.14", h(2, 9), 3, ""),
                vevent("soutenance", "Soutenances de stage", "Amphi B", h(3, 8), 4, ""),
            ]
        };
        radicale.calendar(persona, "agenda", &events);
        radicale.address_book(
            persona,
            "contacts",
            &[
                "FN:Service de la scolarité\nEMAIL:scolarite@univ-agora.fr\nTEL:+33 4 00 00 00 01\nORG:Université Agora;Scolarité\nUID:scol".into(),
                "FN:Bibliothèque universitaire\nEMAIL:bu@univ-agora.fr\nTEL:+33 4 00 00 00 02\nORG:Université Agora;BU\nUID:bu".into(),
                "FN:Chloé Dubois\nEMAIL:chloe.dubois@univ-agora.fr\nORG:Université Agora;UFR Sciences\nUID:chloe".into(),
                "FN:Support informatique\nEMAIL:support@univ-agora.fr\nTEL:+33 4 00 00 00 03\nORG:Université Agora;DSI\nUID:dsi".into(),
            ],
        );
        let hours = |n: u64| Duration::from_secs(n * 3600);
        files.put(&format!("{persona}/Rapport de projet.odt"), b"demo", hours(2));
        files.put(
            &format!("{persona}/Cours/Analyse - chapitre 3.pdf"),
            b"%PDF-1.4 demo",
            hours(26),
        );
        files.put(&format!("{persona}/Emploi du temps.ods"), b"demo", hours(24 * 5));
        files.put(&format!("{persona}/Photos/rentrée.jpg"), b"demo", hours(24 * 40));
    }
    println!("{} {} {password}", radicale.url, files.url);
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("agora-demo-dav: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            read = stdin.read(&mut buf) => if matches!(read, Ok(0) | Err(_)) { break },
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    drop(radicale);
    drop(files);
}

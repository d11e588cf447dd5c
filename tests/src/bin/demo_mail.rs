//! `agora-demo-mail`: the demo's mail server. Starts a throwaway Dovecot on a free loopback
//! port with a mailbox for each demo persona (filled by `dovecot-lda`, some messages read),
//! and a master user for the portal. Prints `<port> <master password>` when ready, then runs
//! until its standard input closes or it is interrupted, and stops Dovecot.

use agora_tests::peers::{Dovecot, DovecotAuth};
use tokio::io::AsyncReadExt;

fn message(from: &str, subject: &str, date: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: vous@univ-agora.fr\r\nSubject: {subject}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut password = [0u8; 12];
    for (i, b) in password.iter_mut().enumerate() {
        *b = b"abcdefghjkmnpqrstuvwxyz23456789"[(std::process::id() as usize * 7 + i * 13) % 31];
    }
    let password = String::from_utf8_lossy(&password).into_owned();
    let personas = ["alice.martin", "bruno.leroy", "claire.dubois", "david.moreau"];
    let users: Vec<(&str, &str)> = personas.iter().map(|p| (*p, "demo-not-used")).collect();
    let dovecot = Dovecot::start(
        &users,
        DovecotAuth::Master {
            user: "portal".into(),
            password: password.clone(),
        },
    );
    for persona in personas {
        dovecot.deliver(
            persona,
            &message(
                "ENT <ent@univ-agora.fr>",
                "Bienvenue sur votre ENT",
                "Mon, 31 Aug 2026 09:00:00 +0200",
                "Bonne rentrée !",
            ),
            true,
        );
        dovecot.deliver(
            persona,
            &message(
                "=?UTF-8?Q?Service_de_la_scolarit=C3=A9?= <scolarite@univ-agora.fr>",
                "=?UTF-8?Q?Inscriptions_p=C3=A9dagogiques_du_second_semestre?=",
                "Fri, 20 Nov 2026 14:30:00 +0100",
                "Les inscriptions pédagogiques du second semestre sont ouvertes.",
            ),
            false,
        );
        dovecot.deliver(
            persona,
            &message(
                "=?ISO-8859-1?Q?Biblioth=E8que_universitaire?= <bu@univ-agora.fr>",
                "=?ISO-8859-1?Q?Horaires_=E9tendus_pendant_les_examens?=",
                "Mon, 23 Nov 2026 08:05:00 +0100",
                "La BU Sciences ouvre jusqu'à 22 h pendant les examens.",
            ),
            false,
        );
    }
    println!("{} {password}", dovecot.port);
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("agora-demo-mail: {e}");
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
    drop(dovecot);
}

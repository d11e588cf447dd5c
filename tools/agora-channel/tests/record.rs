//! `agora-channel record` against a real HTTP server on a loopback port: the answers are
//! saved as a recording the SDK's harness replays, byte for byte, with the headers a channel
//! reads and never a cookie; recording again replaces the exchange.

use agora_channel_sdk::testing::Recording;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

fn serve(answers: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for (n, mut stream) in listener.incoming().flatten().take(answers).enumerate() {
            let mut request = [0u8; 4096];
            let read = stream.read(&mut request).unwrap_or(0);
            let path = String::from_utf8_lossy(&request[..read])
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_string();
            let body = format!("{{\"path\": \"{path}\", \"answer\": {n}, \"text\": \"café\"}}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\nset-cookie: JSESSIONID=secret\r\ncache-control: max-age=60\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

#[test]
fn answers_are_recorded_for_the_harness_without_cookies() {
    let dir = std::env::temp_dir().join(format!("agora-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let url = serve(3);
    let record = |paths: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
            .args([
                "record",
                "--backend",
                "api",
                "--url",
                &url,
                "--out",
                "fixtures/api.toml",
            ])
            .args(paths)
            .current_dir(&dir)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    record(&["/status.json", "/hours.json?day=1"]);
    let saved = Recording::load(dir.join("fixtures/api.toml")).expect("a recording");
    assert_eq!(saved.exchanges.len(), 2);
    let first = &saved.exchanges[0];
    assert_eq!(
        (
            first.backend.as_str(),
            first.method.as_str(),
            first.path.as_str(),
            first.status
        ),
        ("api", "GET", "/status.json", 200)
    );
    assert!(String::from_utf8_lossy(&first.body).contains("café"));
    assert!(
        first
            .headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("application/json"))
    );
    assert!(first.headers.iter().any(|(n, _)| n == "cache-control"));
    assert!(
        !first.headers.iter().any(|(n, _)| n == "set-cookie"),
        "never a cookie: {:?}",
        first.headers
    );
    assert_eq!(saved.exchanges[1].path, "/hours.json?day=1");

    // Again: the exchange is replaced, the other kept.
    record(&["/status.json"]);
    let again = Recording::load(dir.join("fixtures/api.toml")).expect("a recording");
    assert_eq!(again.exchanges.len(), 2);
    assert!(
        again
            .exchanges
            .iter()
            .any(|x| x.path == "/status.json" && String::from_utf8_lossy(&x.body).contains("\"answer\": 2"))
    );

    // A path the channel could not ask is refused before anything is sent.
    let out = Command::new(env!("CARGO_BIN_EXE_agora-channel"))
        .args(["record", "--backend", "api", "--url", &url, "status.json"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("starts with / or ?"));
    let _ = std::fs::remove_dir_all(&dir);
}

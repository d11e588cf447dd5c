//! The access log (issue 12): one line per request under its request id, never the query
//! string (a CAS ticket travels there), and the id returned as `X-Request-Id`, the reverse
//! proxy's own id kept when it sends one.

use agora_tests::{Site, logs, one_column_layout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_has_a_request_id_and_one_access_line_without_its_query() {
    let logs = logs::capture();
    let site = Site::new(
        "access-log",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    let portal = site.start().await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{}/health?ticket=ST-secret-4217", portal.url))
        .header("X-Request-Id", "lb-4217-a")
        .send()
        .await
        .expect("GET /health");
    assert_eq!(
        res.headers()["x-request-id"],
        "lb-4217-a",
        "the proxy's request id is kept"
    );
    let res = client
        .get(format!("{}/", portal.url))
        .header("X-Request-Id", "not a token; <script>")
        .send()
        .await
        .expect("GET /");
    let id = res.headers()["x-request-id"].to_str().expect("ascii").to_string();
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "a request id that is not a plain token is replaced: {id}"
    );
    let _ = res.text().await;

    let lines = logs.lines_with(&["agora_portal::access", "lb-4217-a"]);
    assert_eq!(lines.len(), 1, "one access line per request: {lines:?}");
    let line = &lines[0];
    for part in ["GET", "/health", "status=200", "peer=127.0.0.1"] {
        assert!(line.contains(part), "{part} in {line}");
    }
    assert!(!line.contains("ST-secret"), "never the query string: {line}");
    assert_eq!(
        logs.lines_with(&["agora_portal::access", &id]).len(),
        1,
        "the generated id is logged"
    );
    assert!(
        logs.lines_with(&["ST-secret-4217"]).is_empty(),
        "the ticket appears in no log line"
    );
    portal.stop().await;
}

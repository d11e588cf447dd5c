//! `auth = { type = "jwt" }`: the host obtains the application token with the CAS REST call
//! (`username`, `password`, `token=true`), reuses it across renders and publications, sends
//! it as a bearer token, fetches a fresh one once when the back-end refuses it, and says a
//! refused account as an outage without the password.

mod common;

use agora_channel_host::publication::PublicationSpec;
use agora_channel_host::{LoadedChannel, Publication, RenderFailure};
use base64::Engine as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A token service and a protected back-end on one loopback port.
#[derive(Default)]
struct Server {
    token_calls: AtomicUsize,
    /// The token the back-end accepts now (a new one each token call).
    valid: Mutex<String>,
    /// The forms the token service received.
    forms: Mutex<Vec<String>>,
    /// The account lacks the service's rights: every call is forbidden.
    forbidden: std::sync::atomic::AtomicBool,
}

fn jwt(n: usize, exp: i64) -> String {
    let b = |s: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".into()),
        b(format!("{{\"sub\":\"agora-ent\",\"n\":{n},\"exp\":{exp}}}"))
    )
}

impl Server {
    fn answer(&self, request: &str) -> (u16, String) {
        let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
        let line = head.lines().next().unwrap_or("");
        if line.starts_with("POST /cas/v1/tickets ") {
            self.forms.lock().expect("lock").push(body.to_string());
            if !body.contains("password=s3cret%21") || !body.contains("token=true") {
                return (401, "bad credentials".into());
            }
            let n = self.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let token = jwt(n, now + 3600);
            *self.valid.lock().expect("lock") = token.clone();
            return (201, token);
        }
        if self.forbidden.load(Ordering::SeqCst) {
            return (403, "{\"message\":\"Accès refusé\"}".into());
        }
        let valid = format!("authorization: bearer {}", self.valid.lock().expect("lock"));
        if head.to_ascii_lowercase().contains(&valid.to_ascii_lowercase()) {
            (200, "protected content".into())
        } else {
            (401, String::new())
        }
    }

    /// Forget the current token, as a back-end restarted with new keys would.
    fn revoke(&self) {
        *self.valid.lock().expect("lock") = "revoked".into();
    }
}

async fn serve(server: Arc<Server>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            let server = server.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                let mut n = 0;
                // Read the head and the (small) body.
                while let Ok(k) = socket.read(&mut buf[n..]).await {
                    if k == 0 {
                        break;
                    }
                    n += k;
                    let text = String::from_utf8_lossy(&buf[..n]).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break;
                        }
                    }
                }
                let (status, body) = server.answer(&String::from_utf8_lossy(&buf[..n]));
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

fn publish(channel: &LoadedChannel, id: &str, url: &str, password: &str) -> Arc<Publication> {
    let spec: PublicationSpec = toml::from_str(&format!(
        "package = \"misbehaving\"\nconfig = {{ mode = \"echo\" }}\nbackends.slow = {{ url = \"http://127.0.0.1:9/\" }}\nbackends.echo = {{ url = \"{url}/api/coc/publication/v2\", auth = {{ type = \"jwt\", token_url = \"{url}/cas/v1/tickets\", username = \"agora-ent\", password = \"{password}\" }} }}"
    ))
    .expect("spec");
    Arc::new(Publication::new(id, &spec, &channel.manifest).expect("publication"))
}

#[tokio::test]
async fn the_token_is_fetched_once_reused_and_renewed_when_refused() {
    let (engine, channel) = common::engine();
    let server = Arc::new(Server::default());
    let url = serve(server.clone()).await;
    let one = publish(&channel, "grades", &url, "s3cret!");
    let other = publish(&channel, "grades-bis", &url, "s3cret!");
    for p in [&one, &other, &one] {
        let r = engine.render(&channel, p, common::request()).await.expect("renders");
        assert_eq!(r.html, "protected content");
    }
    assert_eq!(server.token_calls.load(Ordering::SeqCst), 1, "one account, one token");
    let form = server.forms.lock().expect("lock")[0].clone();
    assert_eq!(form, "username=agora-ent&password=s3cret%21&token=true");

    server.revoke();
    let r = engine.render(&channel, &one, common::request()).await.expect("renders");
    assert_eq!(r.html, "protected content", "a refused token is replaced once");
    assert_eq!(server.token_calls.load(Ordering::SeqCst), 2);
    engine
        .render(&channel, &other, common::request())
        .await
        .expect("renders");
    assert_eq!(server.token_calls.load(Ordering::SeqCst), 2, "the new token is shared");
}

#[tokio::test]
async fn a_refused_account_is_an_outage_that_never_shows_the_password() {
    let (engine, channel) = common::engine();
    let server = Arc::new(Server::default());
    let url = serve(server.clone()).await;
    let wrong = publish(&channel, "grades", &url, "wrong-password");
    match engine.render(&channel, &wrong, common::request()).await {
        Err(RenderFailure::Channel { detail, .. }) => {
            assert!(
                !detail.contains("wrong-password") && !detail.contains("agora-ent"),
                "{detail}"
            );
            assert!(detail.contains("HTTP 401"), "the channel said the outage: {detail}");
        }
        other => panic!("a refused account is an outage: {other:?}"),
    }
    let down = publish(&channel, "grades-down", "http://127.0.0.1:9", "s3cret!");
    assert!(matches!(
        engine.render(&channel, &down, common::request()).await,
        Err(RenderFailure::Channel { .. })
    ));
    assert!(!format!("{:?}", wrong).contains("wrong-password"));
}

#[tokio::test]
async fn an_account_without_the_rights_does_not_ask_for_a_token_on_every_render() {
    let (engine, channel) = common::engine();
    let server = Arc::new(Server::default());
    server.forbidden.store(true, Ordering::SeqCst);
    let url = serve(server.clone()).await;
    let p = publish(&channel, "grades", &url, "s3cret!");
    for _ in 0..3 {
        match engine.render(&channel, &p, common::request()).await {
            Err(RenderFailure::Channel { detail, .. }) => assert!(detail.contains("403"), "{detail}"),
            other => panic!("forbidden is an outage: {other:?}"),
        }
    }
    assert_eq!(
        server.token_calls.load(Ordering::SeqCst),
        1,
        "a 403 on a fresh token is the account's rights: no new token"
    );
}

//! Shibboleth / SAML through a trusted reverse proxy: identity headers are accepted from the
//! configured proxy with the shared secret, and refused otherwise.

use agora_tests::page::publication_chunk;
use agora_tests::{Site, one_column_layout};

const SECRET: &str = "a-long-shared-secret-for-tests";

fn site(name: &str, proxy: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config(&format!(
        "[trusted_headers]\nenabled = true\nproxies = [\"{proxy}\"]\nsecret = \"{SECRET}\"\nuser_header = \"REMOTE_USER\"\n\
         attributes = {{ \"displayName\" = \"displayName\", \"urn:oid:1.3.6.1.4.1.5923.1.1.1.5\" = \"eduPersonPrimaryAffiliation\" }}\n"
    ));
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_from_the_proxy_with_the_secret_sign_the_user_on() {
    let portal = site("trusted-ok", "127.0.0.1").start().await;
    let client = portal.client();
    let res = client
        .get(format!("{}/?lang=en", portal.url))
        .header("REMOTE_USER", "dominique.petit")
        .header("displayName", "Dominique Petit")
        .header("urn_oid_1.3.6.1.4.1.5923.1.1.1.5", "staff")
        .header("X-Agora-Proxy-Secret", SECRET)
        .send()
        .await
        .expect("GET /");
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.expect("page");
    let welcome = publication_chunk(&page, "welcome");
    assert!(
        welcome.contains("Dominique Petit") && welcome.contains("Staff"),
        "{welcome}"
    );

    // Sign-out ends the proxy's session too (mod_shib's logout handler), coming back here.
    let res = portal.sign_out(&client, &page).await;
    assert_eq!(res.status().as_u16(), 303);
    let back: String = url::form_urlencoded::byte_serialize(format!("{}/", portal.url).as_bytes()).collect();
    assert_eq!(
        res.headers()["location"].to_str().expect("location"),
        format!("/Shibboleth.sso/Logout?return={back}")
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_without_the_secret_or_from_elsewhere_are_refused() {
    let portal = site("trusted-secret", "127.0.0.1").start().await;
    let client = portal.client();
    for secret in ["", "wrong-secret-wrong-secret"] {
        let res = client
            .get(format!("{}/", portal.url))
            .header("REMOTE_USER", "mallory")
            .header("X-Agora-Proxy-Secret", secret)
            .send()
            .await
            .expect("GET /");
        assert_eq!(res.status().as_u16(), 403, "secret {secret:?}");
        assert!(!res.text().await.expect("body").contains("mallory"));
    }
    portal.stop().await;

    // The right secret from an address that is not a configured proxy is refused too.
    let portal = site("trusted-peer", "192.0.2.10").start().await;
    let res = portal
        .client()
        .get(format!("{}/", portal.url))
        .header("REMOTE_USER", "mallory")
        .header("X-Agora-Proxy-Secret", SECRET)
        .send()
        .await
        .expect("GET /");
    assert_eq!(res.status().as_u16(), 403);
    portal.stop().await;
}

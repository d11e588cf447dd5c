//! Sign-on with a real OpenID Connect provider (oidc-provider-mock on a loopback port):
//! the full authorization-code flow with PKCE, and refusal of a wrong `state` or `nonce`.

use agora_tests::page::publication_chunk;
use agora_tests::peers::OidcProvider;
use agora_tests::{RunningPortal, Site, one_column_layout};

const CLAIMS: &str = r#"{"sub":"u-1234","preferred_username":"oceane.test","name":"Océane Test","email":"oceane@univ-agora.fr","eduPersonAffiliation":["student","member"],"primary_affiliation":"student"}"#;

async fn world(name: &str) -> (OidcProvider, RunningPortal) {
    let provider = OidcProvider::start(CLAIMS);
    let site = Site::new(
        name,
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config(&format!(
        "[oidc]\nissuer_url = \"{}\"\nclient_id = \"agora\"\nclient_secret = \"agora-secret\"\nlogin_claim = \"preferred_username\"\n\
         claims = {{ name = \"displayName\", email = \"mail\", eduPersonAffiliation = \"eduPersonAffiliation\", primary_affiliation = \"eduPersonPrimaryAffiliation\" }}\n",
        provider.issuer
    ));
    let portal = site.start().await;
    (provider, portal)
}

async fn authorize_url(portal: &RunningPortal, client: &reqwest::Client) -> String {
    let res = client
        .get(format!("{}/login?return=%2F%3Flang%3Den", portal.url))
        .send()
        .await
        .expect("GET /login");
    assert_eq!(res.status().as_u16(), 303);
    res.headers()["location"].to_str().expect("location").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_flow_with_pkce_signs_the_user_on_with_mapped_claims() {
    let (provider, portal) = world("oidc-flow").await;
    let client = portal.client();
    let url = authorize_url(&portal, &client).await;
    assert!(url.starts_with(&provider.issuer), "{url}");
    for param in [
        "code_challenge=",
        "code_challenge_method=S256",
        "state=",
        "nonce=",
        "response_type=code",
    ] {
        assert!(url.contains(param), "{param} missing from {url}");
    }
    let back = provider.authorize(&client, &url, "u-1234").await;
    let res = client.get(&back).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().await.unwrap_or_default());
    assert_eq!(res.headers()["location"].to_str().expect("location"), "/?lang=en");
    let page = portal.get_page(&client, "/?lang=en").await;
    let welcome = publication_chunk(&page, "welcome");
    assert!(
        welcome.contains("Océane Test") && welcome.contains("Student"),
        "{welcome}"
    );

    // Sign-out ends the portal session and goes on to the provider's end-session endpoint
    // (RP-initiated logout), naming the session with the ID token and coming back here.
    let res = portal.sign_out(&client, &page).await;
    assert_eq!(res.status().as_u16(), 303);
    let to = url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    assert!(to.as_str().starts_with(&provider.issuer), "{to}");
    assert!(to.path().ends_with("/end_session"), "{to}");
    let param = |name: &str| {
        to.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("client_id"), "agora");
    assert_eq!(param("post_logout_redirect_uri"), format!("{}/", portal.url));
    assert_eq!(
        param("id_token_hint").split('.').count(),
        3,
        "the ID token of this sign-in: {to}"
    );
    let end_session = client.get(to.as_str()).send().await.expect("end session");
    assert_eq!(end_session.status().as_u16(), 200, "the provider accepts the request");
    assert!(
        !portal.get_page(&client, "/?lang=en").await.contains("Océane"),
        "the portal session is gone"
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_state_or_nonce_is_refused() {
    let (provider, portal) = world("oidc-refuse").await;

    // Wrong state: the callback's state is not the one this browser sent.
    let client = portal.client();
    let url = authorize_url(&portal, &client).await;
    let back = provider.authorize(&client, &url, "u-1234").await;
    let forged = regex_replace_param(&back, "state", "forged-state");
    let res = client.get(&forged).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 403);
    assert!(!portal.get_page(&client, "/").await.contains("Océane"));

    // Wrong nonce: the ID token carries a nonce this portal never issued.
    let client = portal.client();
    let url = authorize_url(&portal, &client).await;
    let tampered = regex_replace_param(&url, "nonce", "attacker-nonce");
    let back = provider.authorize(&client, &tampered, "u-1234").await;
    let res = client.get(&back).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 403);
    assert!(!portal.get_page(&client, "/").await.contains("Océane"));
    portal.stop().await;
}

/// Replace the value of query parameter `name` in `url`.
fn regex_replace_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            if k == name {
                (k.into_owned(), value.to_string())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_hangs_gives_a_clear_message_not_a_hung_page() {
    let site = Site::new(
        "oidc-hang",
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config(&format!(
        "[oidc]\nissuer_url = \"http://{}/\"\nclient_id = \"agora\"\ntimeout_ms = 300\n",
        agora_tests::peers::black_hole()
    ));
    let portal = site.start().await;
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        portal.client().get(format!("{}/login?lang=en", portal.url)).send(),
    )
    .await
    .expect("the portal answers even though the provider never does")
    .expect("GET /login");
    assert_eq!(res.status().as_u16(), 503);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("sign-on service is unavailable"),
        "the user is told"
    );
    portal.stop().await;
}

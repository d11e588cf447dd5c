//! Rate limits (issue 12): sign-in attempts per client address and API calls per person,
//! over a minute; over the limit a 429 with `Retry-After` and a message in the user's
//! language, and the portal goes on serving everyone else.

use agora_tests::page::csrf_token;
use agora_tests::{Site, one_column_layout};

fn site(name: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config("[limits]\nsignin_per_minute = 3\napi_per_minute = 5\n");
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_sign_in_in_a_minute_from_one_address_waits_and_says_why() {
    let site = site("limits-signin");
    let portal = site.start().await;
    for uid in ["alice.martin", "bruno.leroy", "claire.dubois"] {
        let client = portal.client();
        portal.sign_in(&client, uid).await;
    }
    let client = portal.client();
    let login = portal.get_page(&client, "/login").await;
    let csrf = csrf_token(&login).expect("token");
    let res = client
        .post(format!("{}/login/demo", portal.url))
        .form(&[("uid", "david.moreau"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("POST /login/demo");
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(res.headers()["retry-after"], "60");
    let text = res.text().await.expect("body");
    assert!(text.contains("Trop de tentatives de connexion"), "{text}");
    // Everyone else is still served: the guest page, and those signed in.
    let res = client.get(format!("{}/", portal.url)).send().await.expect("GET /");
    assert_eq!(res.status().as_u16(), 200);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_429_past_its_limit_per_person_and_not_for_others() {
    let site = site("limits-api");
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    for n in 1..=5 {
        let res = alice
            .get(format!("{}/api/v1/layout", portal.url))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "call {n}");
    }
    let res = alice
        .get(format!("{}/api/v1/layout?lang=en", portal.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 429);
    assert_eq!(res.headers()["retry-after"], "60");
    let body: serde_json::Value = res.json().await.expect("JSON problem");
    assert_eq!(body["error"], "too-many-requests");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Too many requests"),
        "{body}"
    );
    // Another person has their own allowance; Alice's pages are not API calls.
    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    let res = bruno
        .get(format!("{}/api/v1/layout", portal.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    assert!(portal.get_page(&alice, "/").await.contains("Alice"));
    portal.stop().await;
}

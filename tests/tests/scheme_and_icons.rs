//! The light / dark switch and the channels' icons (issue 14, point 1). The switch is a
//! cookie set by `GET /scheme` (the return path checked, never another site) and read by
//! `/skin.css`, which then forces the chosen scheme's tokens over the system's; the page's
//! select shows the choice. Every shipped channel shows its icon, rebuilt from an allowlist.

use agora_tests::api::shipped_site;
use agora_tests::page::publication_chunk;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chosen_scheme_wins_over_the_system_and_icons_show_before_titles() {
    let (site, _backend) = shipped_site("scheme").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let skin = |client: reqwest::Client| {
        let url = format!("{}/skin.css", portal.url);
        async move { client.get(url).send().await.expect("skin").text().await.expect("css") }
    };
    assert!(
        !skin(client.clone()).await.contains("chosen:"),
        "no choice: the system's scheme"
    );

    // Choose dark: back to the page asked, the stylesheet forces the dark tokens.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let res = no_redirect
        .get(format!("{}/scheme?set=dark&return=%2F%3Ftab%3Dhome", portal.url))
        .send()
        .await
        .expect("GET /scheme");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/?tab=home");
    let css = skin(no_redirect.clone()).await;
    assert!(
        css.contains("chosen: dark") && css.contains("--bg: #12161c") && css.contains("color-scheme: dark"),
        "{css}"
    );
    // Light, then back to the system's.
    no_redirect
        .get(format!("{}/scheme?set=light", portal.url))
        .send()
        .await
        .expect("GET");
    assert!(skin(no_redirect.clone()).await.contains("chosen: light"));
    no_redirect
        .get(format!("{}/scheme?set=system", portal.url))
        .send()
        .await
        .expect("GET");
    assert!(!skin(no_redirect.clone()).await.contains("chosen:"));
    // Never another site.
    for evil in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "javascript%3Aalert(1)",
    ] {
        let res = no_redirect
            .get(format!("{}/scheme?set=dark&return={evil}", portal.url))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.headers()["location"], "/", "{evil}");
    }

    // The signed-in page shows the choice, and every channel its icon.
    client
        .get(format!("{}/scheme?set=dark", portal.url))
        .send()
        .await
        .expect("GET");
    let page = portal.get_page(&client, "/?lang=en").await;
    assert!(
        page.contains("<option value=\"dark\" selected>"),
        "the select shows the choice"
    );
    for title in ["Timetable", "Mail"] {
        let at = page
            .find(&format!("{title}</h2>"))
            .unwrap_or_else(|| panic!("no {title} slot"));
        let before = &page[page[..at].rfind("<h2").expect("h2")..at];
        assert!(
            before.contains("class=\"channel-icon\"><svg xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\""),
            "{before}"
        );
    }
    assert!(publication_chunk(&page, "welcome").contains("Hello"));
    portal.stop().await;
}

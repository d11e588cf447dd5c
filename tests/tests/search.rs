//! The one search field (issue 14, point 4): services on the page and in the catalogue,
//! people in the directory (a red-listed person never), and what the person's channels offer
//! through their `search` export, grouped by kind; a channel that panics or loops while
//! searching is contained like a render, and a hostile link it offers is dropped.

use agora_tests::api::shipped_site;
use agora_tests::{Site, misbehaving, one_column_layout};

/// The section of `page` whose heading id is `id` (up to the next section).
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_field_finds_services_people_and_channel_items_grouped_by_kind() {
    let (site, _backend) = shipped_site("search").await;
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;

    // "messagerie": the mail service on her page, and the webmail link her links channel offers.
    let page = portal.get_page(&alice, "/search?q=messagerie&lang=fr").await;
    assert!(page.contains("<title>Résultats pour « messagerie »"), "{page}");
    let services = section(&page, "found-services");
    assert!(
        services.contains("Messagerie") && services.contains("Sur votre page"),
        "{services}"
    );
    let links = section(&page, "found-channel-1");
    assert!(
        links.contains("Dans « Mes services »") && links.contains("webmail.univ-agora.fr"),
        "{links}"
    );

    // People: accents and case aside; a red-listed person is never found (David is).
    let page = portal.get_page(&alice, "/search?q=DUBOIS&lang=en").await;
    let people = section(&page, "found-people");
    assert!(people.contains("Claire Dubois"), "{people}");
    let page = portal.get_page(&alice, "/search?q=moreau&lang=en").await;
    assert!(!page.contains("David Moreau"), "a red-listed person found: {page}");
    for secret in ["userPassword", "supannEtuId"] {
        assert!(!page.contains(secret), "{page}");
    }

    // A service she may add: found in the catalogue, linked there.
    let page = portal.get_page(&alice, "/search?q=annuaire&lang=en").await;
    assert!(page.contains("Directory") || page.contains("Annuaire"), "{page}");

    // Nothing found: said in words; an empty query shows the field, focused.
    let page = portal.get_page(&alice, "/search?q=zzzzqqq&lang=en").await;
    assert!(page.contains("Nothing found for “zzzzqqq”"), "{page}");
    let page = portal.get_page(&alice, "/search?lang=en").await;
    assert!(page.contains("type=\"search\"") && page.contains("autofocus"), "{page}");

    // A guest is sent to sign in.
    let guest = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = guest
        .get(format!("{}/search?q=x", portal.url))
        .send()
        .await
        .expect("GET");
    assert!(res.status().is_redirection(), "{}", res.status());
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_failing_to_search_is_contained_and_its_hostile_links_dropped() {
    let channels: String = ["ok", "panic", "loop"]
        .iter()
        .map(|m| misbehaving(m, m, "http://127.0.0.1:9"))
        .collect();
    let site = Site::new(
        "search-hostile",
        &channels,
        &one_column_layout(&["ok", "panic", "loop"]),
    );
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let page = portal.get_page(&alice, "/search?q=exam&lang=en").await;
    assert!(page.contains("Found exam"), "{page}");
    assert!(
        page.contains("&lt;b&gt;ok&lt;&#x2F;b&gt;"),
        "the description is text: {page}"
    );
    assert!(!page.contains("javascript:") && !page.contains("hostile"), "{page}");
    assert_eq!(page.matches("could not answer the search").count(), 2, "{page}");
    // The portal is still up and the page renders.
    let home = portal.get_page(&alice, "/?lang=en").await;
    assert!(home.contains("Test channel"), "{home}");
    portal.stop().await;
}

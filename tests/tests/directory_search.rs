//! Directory search ("annuaire") through the portal against the real slapd with SupAnn data:
//! the channel's GET form comes back to it, red-listed people never appear, only the
//! configured attributes are shown, filter syntax in the query does nothing, and a directory
//! that is down gives a clear message.

use agora_tests::page::publication_chunk;
use agora_tests::peers::Slapd;
use agora_tests::{Site, one_column_layout};

fn site(name: &str, ldap_url: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.annuaire]\npackage = \"directory\"\nconfig = { shown = [\"mail\", \"eduPersonPrimaryAffiliation\"] }\n",
        &one_column_layout(&["annuaire"]),
    );
    site.append_config(&format!(
        "[ldap]\nurl = \"{ldap_url}\"\nbase_dn = \"ou=people,dc=univ-agora,dc=fr\"\ntimeout_ms = 500\n"
    ));
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_found_by_name_except_the_red_list() {
    let slapd = Slapd::start();
    let site = site("annuaire", &slapd.url);
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "claire.dubois").await;

    let page = portal.get_page(&client, "/?lang=en").await;
    let form = publication_chunk(&page, "annuaire");
    assert!(
        form.contains("<form method=\"get\" action=\"/\"") && form.contains("name=\"annuaire.q\""),
        "{form}"
    );
    assert!(form.contains("name=\"tab\" value=\"home\""), "{form}");

    let found = publication_chunk(&portal.get_page(&client, "/?lang=en&annuaire.q=prof").await, "annuaire");
    assert!(found.contains("<strong>Claire Prof</strong>"), "{found}");
    assert!(found.contains("<dt>Status</dt><dd>teacher</dd>"), "{found}");
    assert!(
        !found.contains("faculty"),
        "eduPersonAffiliation is not configured: {found}"
    );

    let staff = publication_chunk(
        &portal.get_page(&client, "/?lang=en&annuaire.q=staff").await,
        "annuaire",
    );
    assert!(staff.contains("Sam Staff"), "{staff}");
    assert!(
        !staff.contains("DEVE"),
        "an attribute that is not configured is not shown: {staff}"
    );
    assert!(!staff.contains("Rose Rouge"), "red-listed staff never appear: {staff}");

    let red = publication_chunk(
        &portal.get_page(&client, "/?lang=en&annuaire.q=rouge").await,
        "annuaire",
    );
    assert!(red.contains("Nobody matches."), "{red}");

    for (query, expected) in [
        ("e", "at least two letters"),
        ("%2A", "at least two letters"),
        ("%2A%29%28uid%3D%2A", "Nobody matches."),
    ] {
        let page = portal.get_page(&client, &format!("/?lang=en&annuaire.q={query}")).await;
        let chunk = publication_chunk(&page, "annuaire");
        assert!(chunk.contains(expected), "{query}: {chunk}");
    }
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_that_is_down_gives_a_clear_message() {
    let site = site("annuaire-down", "ldap://127.0.0.1:9");
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "claire.dubois").await;
    let page = portal.get_page(&client, "/?lang=en&annuaire.q=prof").await;
    let chunk = publication_chunk(&page, "annuaire");
    assert!(
        chunk.contains("unavailable for now") && chunk.contains("role=\"alert\""),
        "{chunk}"
    );
    portal.stop().await;
}

/// The directory's renders are shared (`vary_by = []`): a signed-in person's search results
/// must never be served from the cache to a guest asking the same URL, nor the other way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_search_is_never_served_to_a_guest_from_the_cache() {
    let slapd = Slapd::start();
    let site = site("annuaire-guest-cache", &slapd.url);
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "claire.dubois").await;
    let found = publication_chunk(
        &portal.get_page(&client, "/?lang=en&annuaire.q=staff").await,
        "annuaire",
    );
    assert!(found.contains("Sam Staff"), "{found}");

    let guest = portal.client();
    let page = portal.get_page(&guest, "/?lang=en&annuaire.q=staff").await;
    assert!(
        !page.contains("Sam Staff"),
        "a guest got a signed-in search from the cache: {page}"
    );
    portal.stop().await;
}

//! Channel preferences on the customisation page (issue 14, point 6): labelled in the
//! user's language from the manifest's `label`, yes/no as a switch (an unticked one sends
//! nothing, read as "no"), a list (bookmarks) one item per line.

use agora_tests::api::shipped_site;
use agora_tests::page::csrf_token;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_are_in_the_users_language_with_proper_controls() {
    let (site, _backend) = shipped_site("layout-preferences").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let page = portal.get_page(&client, "/?customise=1&lang=fr").await;
    // Labels from the manifests' `label`, in French on a French page.
    for label in [
        "Nombre de jours affichés",
        "Afficher le détail par matière",
        "Mes favoris",
    ] {
        assert!(page.contains(label), "{label}: {page}");
    }
    assert!(
        !page.contains("Number of days shown"),
        "an English label on a French page"
    );
    // Yes/no is a switch; a list is one item per line.
    assert!(
        page.contains("type=\"checkbox\" role=\"switch\" name=\"value\" value=\"true\""),
        "{page}"
    );
    assert!(page.contains("<textarea name=\"value\""), "{page}");
    let csrf = csrf_token(&page).expect("token");
    // Two bookmarks, one per line, as typed in the list editor.
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "set-preference"),
            ("publication", "links"),
            ("key", "bookmarks"),
            (
                "value",
                "Wikipédia | https://fr.wikipedia.org/\r\nHAL | https://hal.science/",
            ),
            ("focus", "links:pref:bookmarks"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    let home = portal.get_page(&client, "/?lang=fr").await;
    let links = agora_tests::page::publication_chunk(&home, "links");
    assert!(
        links.contains("Wikipédia") && links.contains("https://hal.science/"),
        "{links}"
    );
    // An unticked switch sends nothing: the setting is then "no".
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "set-preference"),
            ("publication", "grades"),
            ("key", "show_elements"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    let page = portal.get_page(&client, "/?customise=1&lang=fr").await;
    assert!(
        !page.contains("Cette modification n'est pas possible"),
        "the empty switch was accepted: {page}"
    );
    assert!(
        !page.contains("role=\"switch\" name=\"value\" value=\"true\" checked"),
        "the switch shows the new value"
    );
    portal.stop().await;
}

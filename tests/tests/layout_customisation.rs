//! Layouts per population and personal customisation, end to end on the shipped
//! configuration: edits through the API and the no-script forms, locks, persistence across
//! restarts (SQLite here, PostgreSQL in storage_postgres.rs), edits set aside when a fragment
//! or the catalogue changes under them (told once, never lost), hot reload with rejection of
//! broken files, "view as", export and import, the OpenAPI document.

use agora_tests::Site;
use agora_tests::api::{LayoutApi, columns, edits_survive_a_restart, shipped_site};
use agora_tests::page::csrf_token;
use serde_json::{Value, json};

fn fast_reload(site: &Site) {
    site.append_config("[admin]\nreload_seconds = 1\nuids = [\"david.moreau\"]\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_persist_across_a_restart_on_sqlite() {
    let (site, _backend) = shipped_site("layout-sqlite").await;
    edits_survive_a_restart(&site).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_and_csrf_are_enforced_by_the_api() {
    let (site, _backend) = shipped_site("layout-locks").await;
    let portal = site.start().await;
    let api = LayoutApi::sign_in(&portal, "claire.dubois").await;
    let layout = api.layout().await;
    assert_eq!(
        columns(&layout["layout"], "home"),
        [
            vec!["timetable", "welcome", "links"],
            vec!["staff-news", "directory", "mail", "campus-news"]
        ],
        "staff fragment (precedence 20) above everyone's (10): {layout}"
    );
    for (edit, kind) in [
        (
            json!({"op": "remove-channel", "publication": "staff-news"}),
            "channel-mandatory",
        ),
        (
            json!({"op": "move-channel", "publication": "welcome", "tab": "home", "column": 1}),
            "channel-locked",
        ),
        (json!({"op": "remove-tab", "tab": "home"}), "tab-locked"),
        (json!({"op": "move-tab", "tab": "home", "position": 1}), "tab-locked"),
        (
            json!({"op": "add-channel", "publication": "l1-news", "tab": "nowhere", "column": 0}),
            "no-such-tab",
        ),
        (
            json!({"op": "add-channel", "publication": "campus-news", "tab": "work", "column": 0}),
            "already-on-page",
        ),
        (
            json!({"op": "set-preference", "publication": "campus-news", "key": "max_items", "value": "999"}),
            "bad-preference",
        ),
        (
            json!({"op": "set-preference", "publication": "campus-news", "key": "path", "value": "/etc"}),
            "bad-preference",
        ),
    ] {
        let (status, body) = api.edit(edit.clone()).await;
        assert_eq!(
            (status, body["refusal"]["kind"].as_str()),
            (409, Some(kind)),
            "{edit}: {body}"
        );
    }
    // A student may not add the staff intranet: not in their catalogue.
    let student = LayoutApi::sign_in(&portal, "alice.martin").await;
    let (status, body) = student
        .edit(json!({"op": "add-channel", "publication": "staff-news", "tab": "home", "column": 0}))
        .await;
    assert_eq!(
        (status, body["refusal"]["kind"].as_str()),
        (409, Some("not-in-catalogue")),
        "{body}"
    );
    // No CSRF token, a forged one, or a malformed edit.
    let res = api
        .client
        .post(format!("{}/api/v1/layout", portal.url))
        .json(&json!({"op": "remove-channel", "publication": "campus-news"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    let res = api
        .client
        .post(format!("{}/api/v1/layout", portal.url))
        .header("X-CSRF-Token", "forged")
        .json(&json!({"op": "remove-channel", "publication": "campus-news"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    let (status, body) = api.edit(json!({"op": "explode"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].is_string(), "errors are JSON: {body}");
    // Guests have no layout API.
    let res = reqwest::get(format!("{}/api/v1/layout", portal.url))
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 401);
    // Nothing refused was stored.
    assert_eq!(api.layout().await["edits"].as_array().map(Vec::len), Some(0));
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_no_script_forms_customise_the_page() {
    let (site, _backend) = shipped_site("layout-forms").await;
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "bruno.leroy").await;
    let page = portal.get_page(&client, "/?customise=1&lang=en").await;
    assert!(
        page.contains("Move “Campus news” up") || page.contains("Move “Campus news” to the left column"),
        "{page}"
    );
    assert!(
        !page.contains("Remove “Welcome”"),
        "a locked channel has no remove button"
    );
    let csrf = csrf_token(&page).expect("token");
    // Move campus news to the left column, under welcome (keyboard users press the button).
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "move-channel"),
            ("publication", "campus-news"),
            ("tab", "home"),
            ("column", "0"),
            ("position", "1"),
            ("here", "home"),
            ("focus", "campus-news:left"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().expect("location").to_string();
    assert_eq!(location, "/?tab=home&customise=1&focus=campus-news%3Aleft");
    // Add a tab, then a channel from the catalogue into it.
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[("csrf", csrf.as_str()), ("op", "add-tab"), ("title", "Bibliothèque")])
        .send()
        .await
        .expect("POST");
    let location = res.headers()["location"].to_str().expect("location").to_string();
    let tab = location
        .strip_prefix("/?tab=")
        .and_then(|l| l.split('&').next())
        .expect("new tab id")
        .to_string();
    assert!(tab.starts_with("my-"), "{location}");
    let catalogue = portal
        .get_page(&client, &format!("/catalogue?tab={tab}&q=biblio&lang=en"))
        .await;
    assert!(
        catalogue.contains("Add “University library” to the Bibliothèque tab"),
        "{catalogue}"
    );
    assert!(
        !catalogue.contains("data-publication=\"staff-news\""),
        "not offered to students"
    );
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "add-channel"),
            ("publication", "library-news"),
            ("tab", tab.as_str()),
            ("column", "0"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    // Refused edits come back as a message on the page, in the user's language.
    client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "remove-channel"),
            ("publication", "welcome"),
        ])
        .send()
        .await
        .expect("POST");
    let home = portal.get_page(&client, "/?lang=en").await;
    assert!(
        home.contains("This change is not possible: your institution made “Welcome” mandatory."),
        "{home}"
    );
    let home = portal.get_page(&client, "/?lang=en").await;
    assert!(!home.contains("This change is not possible"), "shown once");
    // A channel the catalogue never offered to this user: "not offered", not "no longer".
    client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "add-channel"),
            ("publication", "staff-news"),
            ("tab", tab.as_str()),
            ("column", "0"),
        ])
        .send()
        .await
        .expect("POST");
    let home = portal.get_page(&client, "/?lang=en").await;
    assert!(
        home.contains("is not offered to you: it is not in your catalogue."),
        "{home}"
    );
    assert!(!home.contains("no longer offered"), "{home}");
    let mine = portal.get_page(&client, &format!("/?tab={tab}&lang=en")).await;
    assert!(mine.contains("data-publication=\"library-news\""), "{mine}");
    assert!(mine.contains(">Bibliothèque<"), "the new tab is in the navigation");
    // Deleting the tab asks first, naming the services it holds; nothing is deleted yet.
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[("csrf", csrf.as_str()), ("op", "remove-tab"), ("tab", tab.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    let asked = res.headers()["location"].to_str().expect("location").to_string();
    assert_eq!(asked, format!("/?tab={tab}&customise=1&confirm=remove-tab"));
    let confirm = portal.get_page(&client, &format!("{asked}&lang=en")).await;
    assert!(confirm.contains("Delete the tab “Bibliothèque”?"), "{confirm}");
    assert!(
        confirm.contains("University library"),
        "the services in it are named: {confirm}"
    );
    let still = portal.get_page(&client, &format!("/?tab={tab}&lang=en")).await;
    assert!(still.contains(">Bibliothèque<"), "not deleted before the confirmation");
    // Confirmed: gone, and the browser lands on the first tab without an "unknown tab" notice.
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "remove-tab"),
            ("tab", tab.as_str()),
            ("confirm", "1"),
        ])
        .send()
        .await
        .expect("POST");
    let landed = res.headers()["location"].to_str().expect("location").to_string();
    assert_eq!(landed, "/?tab=&customise=1&focus=undo");
    let home = portal.get_page(&client, &format!("{landed}&lang=en")).await;
    assert!(!home.contains(">Bibliothèque<"), "the tab is deleted");
    assert!(!home.contains("does not exist"), "{home}");
    // The deletion can be undone: said, with the button that has the focus.
    assert!(home.contains("Tab deleted, with the services in it."), "{home}");
    assert!(
        home.contains("action=\"/layout/undo\"") && home.contains(" autofocus>Undo</button>"),
        "{home}"
    );
    let again = portal.get_page(&client, "/?customise=1&lang=en").await;
    assert!(!again.contains("/layout/undo"), "offered once, on the page right after");
    // A tab that does not exist (an old bookmark) shows the first one, and says so.
    let stale = portal.get_page(&client, &format!("/?tab={tab}&lang=en")).await;
    assert!(stale.contains("This tab does not exist (any more)"), "{stale}");
    assert!(
        stale.contains(">Home</h1>"),
        "the first tab is the one shown, named in the heading: {stale}"
    );
    // Undo: the tab is back with what was in it, shown, its delete button focused.
    let undo = |csrf: &str| {
        client
            .post(format!("{}/layout/undo", portal.url))
            .form(&[("csrf", csrf)])
            .send()
    };
    assert_eq!(undo("forged").await.expect("POST").status().as_u16(), 403);
    let res = undo(&csrf).await.expect("POST");
    assert_eq!(res.status().as_u16(), 303);
    let back = res.headers()["location"].to_str().expect("location").to_string();
    assert_eq!(back, format!("/?tab={tab}&customise=1&focus=tab%3Aremove"));
    let restored = portal.get_page(&client, &format!("{back}&lang=en")).await;
    assert!(restored.contains("Undone: your page is as it was."), "{restored}");
    assert!(restored.contains(">Bibliothèque<") && restored.contains("data-publication=\"library-news\""));
    assert!(restored.contains(" autofocus>Delete this tab</button>"), "{restored}");
    // Once only.
    undo(&csrf).await.expect("POST");
    let home = portal.get_page(&client, "/?lang=en").await;
    assert!(home.contains("There is nothing to undo any more."), "{home}");
    // A removal followed by another edit cannot be undone any more: undoing would silently
    // revert that edit too.
    for form in [
        vec![
            ("op", "remove-channel"),
            ("publication", "library-news"),
            ("here", tab.as_str()),
        ],
        vec![("op", "rename-tab"), ("tab", tab.as_str()), ("title", "Livres")],
    ] {
        let mut form = form;
        form.push(("csrf", csrf.as_str()));
        client
            .post(format!("{}/layout/edit", portal.url))
            .form(&form)
            .send()
            .await
            .expect("POST");
    }
    undo(&csrf).await.expect("POST");
    let mine = portal.get_page(&client, &format!("/?tab={tab}&lang=en")).await;
    assert!(
        mine.contains(">Livres<") && !mine.contains("data-publication=\"library-news\""),
        "{mine}"
    );
    // A forged form changes nothing.
    let res = client
        .post(format!("{}/layout/edit", portal.url))
        .form(&[("csrf", "forged"), ("op", "remove-tab"), ("tab", tab.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status().as_u16(), 403);
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_reload_applies_good_files_rejects_broken_ones_and_sets_aside_edits_that_no_longer_apply() {
    let (site, _backend) = shipped_site("layout-reload").await;
    fast_reload(&site);
    let portal = site.start().await;
    let api = LayoutApi::sign_in(&portal, "bruno.leroy").await;
    let (status, body) = api
        .edit(json!({"op": "add-channel", "publication": "library-news", "tab": "home", "column": 0}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = api
        .edit(json!({"op": "set-favourite", "publication": "library-news", "favourite": true}))
        .await;
    assert_eq!(status, 200);

    // The admin adds a fragment for students: the next page has it.
    site.write_config(
        "fragments/students.toml",
        "populations = [\"students\"]\nprecedence = 30\n[[tabs]]\nid = \"studies\"\ntitle = { fr = \"Études\", en = \"Studies\" }\ncolumns = [[\"l1-news\"]]\n",
    );
    portal.wait_for_reload(2, false).await;
    let layout = api.layout().await;
    assert_eq!(columns(&layout["layout"], "studies"), [vec!["l1-news"]], "{layout}");

    // A broken edit is rejected with file, key and reason; the previous set stays live.
    site.write_config(
        "fragments/students.toml",
        "populations = [\"students\"]\n[[tabs]]\nid = \"studies\"\ntitle = { fr = \"Études\", en = \"Studies\" }\ncolumns = [[\"no-such-channel\"]]\n",
    );
    let health = portal.wait_for_reload(0, true).await;
    let rejected = &health["config_rejected"];
    assert!(
        rejected["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with("fragments/students.toml"),
        "{health}"
    );
    assert_eq!(rejected["key"], "tabs[0].columns[0][0]");
    assert!(
        rejected["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("no-such-channel"),
        "{health}"
    );
    assert_eq!(health["config_generation"], 2, "still the previous configuration");
    assert_eq!(columns(&api.layout().await["layout"], "studies"), [vec!["l1-news"]]);

    // The catalogue stops offering the library news to everyone: Bruno's edit no longer
    // applies. It is set aside and he is told once, in his language; it is not deleted.
    std::fs::remove_file(site.root.join("config/fragments/students.toml")).expect("rm");
    let catalogue = std::fs::read_to_string(site.root.join("config/catalogue.toml")).expect("catalogue");
    site.write_config(
        "catalogue.toml",
        &catalogue.replace(
            "[publications.library-news]\ncategories = [\"news\", \"campus\"]\neveryone = true",
            "[publications.library-news]\ncategories = [\"news\", \"campus\"]\npopulations = [\"teachers\"]",
        ),
    );
    portal.wait_for_reload(3, false).await;
    let page = portal.get_page(&api.client, "/?lang=en").await;
    assert!(
        page.contains("Your change “add “University library” to the Home tab” no longer applies: “University library” is no longer offered to you."),
        "{page}"
    );
    assert!(!page.contains("data-publication=\"library-news\""));
    let again = portal.get_page(&api.client, "/?lang=en").await;
    assert!(!again.contains("no longer applies"), "told once");
    let edits = api.layout().await["edits"].clone();
    let aside: Vec<&Value> = edits
        .as_array()
        .expect("edits")
        .iter()
        .filter(|e| !e["set_aside"].is_null())
        .collect();
    assert_eq!(aside.len(), 2, "both edits about it are kept aside: {edits}");
    assert_eq!(aside[0]["set_aside"]["kind"], "not-in-catalogue");
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_view_as_export_and_import_a_layout() {
    let (site, _backend) = shipped_site("layout-admin").await;
    fast_reload(&site);
    let portal = site.start().await;
    let alice = LayoutApi::sign_in(&portal, "alice.martin").await;
    let (status, _) = alice
        .edit(json!({"op": "add-channel", "publication": "library-news", "tab": "home", "column": 1}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = alice.get("/api/v1/admin/view-as/bruno.leroy").await;
    assert_eq!(status, 403, "not an administrator");

    let admin = LayoutApi::sign_in(&portal, "david.moreau").await;
    let (status, view) = admin.get("/api/v1/admin/view-as/alice.martin").await;
    assert_eq!(status, 200, "{view}");
    let fragments: Vec<&str> = view["fragments"]
        .as_array()
        .expect("fragments")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert_eq!(fragments, ["desk", "everyone", "l1-ufr27", "students"], "{view}");
    let l1 = view["fragments"]
        .as_array()
        .expect("fragments")
        .iter()
        .find(|f| f["id"] == "l1-ufr27")
        .expect("l1");
    assert_eq!(l1["because_of"], json!(["l1-ufr27"]));
    assert!(
        view["explanations"].as_array().is_some_and(|e| !e.is_empty()),
        "population rules explained"
    );
    assert_eq!(
        columns(&view["layout"], "home")[1],
        ["grades", "mail", "campus-news", "library-news"]
    );
    assert_eq!(
        columns(&view["default_layout"], "home")[1],
        ["grades", "mail", "campus-news"]
    );
    let page = portal
        .get_page(&admin.client, "/admin/view-as/alice.martin?lang=en")
        .await;
    // (the apostrophe comes HTML-escaped, as every string the templates print)
    assert!(
        page.contains("You are viewing Alice Martin&#x27;s page (alice.martin), read only."),
        "{page}"
    );
    assert!(page.contains("href=\"/admin\""), "a way out of the preview");
    assert!(page.contains("data-publication=\"l1-news\""), "Alice's fragment");
    // The header stays the administrator's: never "Alice Martin · Sign out".
    assert!(page.contains("<span class=\"user-name\">David Moreau</span>"), "{page}");
    assert!(
        !page.contains("<span class=\"user-name\">Alice Martin</span>"),
        "{page}"
    );
    // Her mail and her grades are made with her credentials or are her own data: withheld,
    // neither read from the cache nor rendered.
    for personal in ["mail", "grades"] {
        let chunk = agora_tests::page::publication_chunk(&page, personal);
        assert!(chunk.contains("not shown in a preview"), "{personal}: {chunk}");
    }
    let res = admin
        .client
        .get(format!("{}/admin/view-as/nobody.here?lang=en", portal.url))
        .send()
        .await
        .expect("view-as unknown");
    assert_eq!(res.status().as_u16(), 404);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("No one with uid “nobody.here”")
    );
    let landing = portal.get_page(&admin.client, "/admin?lang=en").await;
    assert!(landing.contains("View their page"), "{landing}");

    let (status, export) = admin.get("/api/v1/admin/layout/alice.martin").await;
    assert_eq!(status, 200);
    assert_eq!(export["edits"].as_array().map(Vec::len), Some(1), "{export}");
    let res = admin
        .client
        .post(format!("{}/api/v1/admin/layout/bruno.leroy", portal.url))
        .header("X-CSRF-Token", &admin.csrf)
        .json(&export)
        .send()
        .await
        .expect("import");
    assert_eq!(res.status().as_u16(), 200);
    let bruno = LayoutApi::sign_in(&portal, "bruno.leroy").await;
    assert_eq!(
        columns(&bruno.layout().await["layout"], "home")[1],
        ["grades", "mail", "campus-news", "library-news"]
    );
    portal.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_is_described_by_an_openapi_document_and_the_catalogue_searches() {
    let (site, _backend) = shipped_site("layout-openapi").await;
    let portal = site.start().await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", portal.url))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/layout",
        "/api/v1/catalogue",
        "/api/v1/registry",
        "/api/v1/admin/view-as/{uid}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let api = LayoutApi::sign_in(&portal, "claire.dubois").await;
    let (status, found) = api.get("/api/v1/catalogue?q=BIBLIOTHEQUE&lang=fr").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["publication"].as_str())
        .collect();
    assert_eq!(ids, ["library-news"], "accents and case ignored: {found}");
    let (_, work) = api.get("/api/v1/catalogue?category=work").await;
    let ids: Vec<&str> = work["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["publication"].as_str())
        .collect();
    assert_eq!(ids, ["staff-news"]);
    let (status, registry) = api.get("/api/v1/registry").await;
    assert_eq!(status, 200);
    let news = registry["publications"]
        .as_array()
        .expect("pubs")
        .iter()
        .find(|p| p["id"] == "campus-news")
        .expect("campus-news");
    assert_eq!(news["preferences"], json!(["max_items"]));
    portal.stop().await;
}

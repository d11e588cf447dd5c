//! Channels deployed without a restart (issue 15): a package and its publication added to a
//! running portal appear on the page at the next reload; a package that does not load, or a
//! publication that does not fit its manifest, is refused with file, key and reason while
//! the previous set stays live.

use agora_tests::{RunningPortal, Site, channel_packages, one_column_layout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn copy_package(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("package folder");
    for entry in std::fs::read_dir(from).expect("package") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
    }
}

/// A site whose packages folder is its own (`<root>/packages`, holding `welcome`), reloading
/// every second.
fn site_with_own_packages(name: &str) -> (Site, PathBuf) {
    let site = Site::new(
        name,
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    let packages = site.root.join("packages");
    copy_package(&channel_packages().join("welcome"), &packages.join("welcome"));
    let portal_toml = site.root.join("config/portal.toml");
    let text = std::fs::read_to_string(&portal_toml).expect("portal.toml");
    let shared = format!("channel_packages = \"{}\"", channel_packages().display());
    assert!(text.contains(&shared));
    let text = text.replace(&shared, &format!("channel_packages = \"{}\"", packages.display()));
    std::fs::write(&portal_toml, text).expect("portal.toml");
    site.append_config("[admin]\nreload_seconds = 1\n");
    (site, packages)
}

const LINKS: &str = "[channels.links]\npackage = \"links\"\nconfig = { links = [\"*|Moodle de l'université|University Moodle|https://moodle.univ-agora.fr\"] }\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_and_its_publication_are_deployed_without_a_restart() {
    let (site, packages) = site_with_own_packages("deploy-hot");
    let portal = site.start().await;
    let client = portal.client();
    portal.sign_in(&client, "alice.martin").await;
    let before = portal.get_page(&client, "/").await;
    assert!(!before.contains("data-publication=\"links\""));

    // The package first (nothing names it yet), then the publication and the layout.
    copy_package(&channel_packages().join("links"), &packages.join("links"));
    site.write_config(
        "channels.toml",
        &format!("[channels.welcome]\npackage = \"welcome\"\n\n{LINKS}"),
    );
    site.write_config("fragments/main.toml", &one_column_layout(&["welcome", "links"]));
    let health = portal.wait_for_reload(2, false).await;
    assert_eq!(health["publications"], 2, "{health}");
    let after = portal.get_page(&client, "/").await;
    assert!(after.contains("Moodle de l"), "the new channel renders: {after}");

    // A broken package is refused; the page keeps what it had.
    let broken = packages.join("broken");
    copy_package(&channel_packages().join("welcome"), &broken);
    let manifest = std::fs::read_to_string(broken.join("channel.toml")).expect("manifest");
    std::fs::write(
        broken.join("channel.toml"),
        manifest.replace("id = \"welcome\"", "id = \"broken\""),
    )
    .expect("w");
    std::fs::write(broken.join("channel.wasm"), b"\0asm but not really").expect("wasm");
    site.write_config(
        "channels.toml",
        &format!("[channels.welcome]\npackage = \"welcome\"\n\n{LINKS}\n[channels.broken]\npackage = \"broken\"\n"),
    );
    let health = portal.wait_for_reload(0, true).await;
    let rejected = health["config_rejected"].to_string();
    assert!(
        rejected.contains("channels.toml")
            && rejected.contains("channels.broken.package")
            && rejected.contains("channel.wasm"),
        "file, key and reason: {rejected}"
    );
    assert_eq!(health["config_generation"], 2, "the previous set stays live");
    let still = portal.get_page(&client, "/").await;
    assert!(still.contains("Moodle de l"), "{still}");

    // A publication that does not fit its manifest is refused the same way.
    site.write_config(
        "channels.toml",
        &format!("[channels.welcome]\npackage = \"welcome\"\n\n{LINKS}\n[channels.more]\npackage = \"links\"\nconfig = {{ nope = 1 }}\n"),
    );
    let health = wait_for_rejection_of(&portal, "channels.more").await;
    assert_eq!(health["config_generation"], 2);

    // Withdrawn: the publication gone from channels.toml and the fragment at once.
    site.write_config("channels.toml", "[channels.welcome]\npackage = \"welcome\"\n");
    site.write_config("fragments/main.toml", &one_column_layout(&["welcome"]));
    let health = portal.wait_for_reload(3, false).await;
    assert_eq!(health["publications"], 1);
    let gone = portal.get_page(&client, "/").await;
    assert!(!gone.contains("data-publication=\"links\""), "{gone}");
    portal.stop().await;
}

/// Wait until `/health` reports a rejection naming `key`.
async fn wait_for_rejection_of(portal: &RunningPortal, key: &str) -> Value {
    for _ in 0..300 {
        let health = portal.wait_for_reload(0, true).await;
        if health["config_rejected"].to_string().contains(key) {
            return health;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no rejection naming {key}");
}

/// `channels.toml` with welcome and links, links with `extra` lifecycle keys.
fn with_links(extra: &str) -> String {
    format!("[channels.welcome]\npackage = \"welcome\"\n\n{LINKS}{extra}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_s_lifecycle_decides_where_it_shows() {
    let site = Site::new(
        "lifecycle",
        &with_links("lifecycle = \"draft\""),
        &one_column_layout(&["welcome", "links"]),
    );
    site.write_config("catalogue.toml", "[publications.links]\neveryone = true\n");
    site.append_config("[admin]\nreload_seconds = 1\nuids = [\"david.moreau\"]\n");
    let portal = site.start().await;
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    let david = portal.client();
    portal.sign_in(&david, "david.moreau").await;

    // A draft: on no page, in no catalogue, not in a student's registry; its administrator sees it.
    let page = portal.get_page(&alice, "/").await;
    assert!(!page.contains("data-publication=\"links\""), "{page}");
    let catalogue = portal.get_page(&alice, "/catalogue").await;
    assert!(!catalogue.contains("Moodle"), "{catalogue}");
    let registry: Value = alice
        .get(format!("{}/api/v1/registry", portal.url))
        .send()
        .await
        .expect("registry")
        .json()
        .await
        .expect("json");
    assert!(!registry.to_string().contains("\"links\""), "{registry}");
    let admin = portal.get_page(&david, "/admin?lang=en").await;
    assert!(admin.contains("data-lifecycle=\"draft\""), "{admin}");

    // In maintenance: the message instead of the channel.
    site.write_config(
        "channels.toml",
        &with_links(
            "lifecycle = \"maintenance\"\nmaintenance_message = { fr = \"Retour à 14 h.\", en = \"Back at 2 pm.\" }",
        ),
    );
    portal.wait_for_reload(2, false).await;
    let page = portal.get_page(&alice, "/?lang=en").await;
    assert!(
        page.contains("Under maintenance:") && page.contains("Back at 2 pm."),
        "{page}"
    );
    assert!(!page.contains("moodle.univ-agora.fr"), "the channel is not run: {page}");
    let catalogue = portal.get_page(&alice, "/catalogue?lang=en").await;
    assert!(
        catalogue.contains("Under maintenance:") && catalogue.contains("Back at 2 pm."),
        "{catalogue}"
    );

    // Approved, published at a date: hidden before it, live after it.
    site.write_config(
        "channels.toml",
        &with_links("lifecycle = \"approved\"\npublish_at = 2099-01-04T08:00:00+01:00"),
    );
    portal.wait_for_reload(3, false).await;
    assert!(!portal.get_page(&alice, "/").await.contains("moodle.univ-agora.fr"));
    let admin = portal.get_page(&david, "/admin?lang=en").await;
    assert!(
        admin.contains("data-lifecycle=\"approved\"") && admin.contains("published on 2099-01-04"),
        "{admin}"
    );
    site.write_config(
        "channels.toml",
        &with_links("lifecycle = \"approved\"\npublish_at = 2020-01-04T08:00:00+01:00"),
    );
    portal.wait_for_reload(4, false).await;
    let page = portal.get_page(&alice, "/").await;
    assert!(page.contains("moodle.univ-agora.fr"), "published at its date: {page}");

    // Past its expiry: gone, and said expired to its administrator.
    site.write_config("channels.toml", &with_links("expire_at = 2020-01-04T08:00:00+01:00"));
    portal.wait_for_reload(5, false).await;
    assert!(!portal.get_page(&alice, "/").await.contains("moodle.univ-agora.fr"));
    assert!(
        portal
            .get_page(&david, "/admin")
            .await
            .contains("data-lifecycle=\"expired\"")
    );

    // A mistake names the key; the previous set stays.
    site.write_config("channels.toml", &with_links("lifecycle = \"live\""));
    let health = wait_for_rejection_of(&portal, "channels.links.lifecycle").await;
    assert_eq!(health["config_generation"], 5);
    portal.stop().await;
}

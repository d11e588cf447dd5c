//! People from a real OpenLDAP directory with the SupAnn schema: typed attributes,
//! populations computed and explained per person, and sign-in that survives a directory that
//! is down, hangs, or holds a malformed value.

use agora_population::{PopulationSet, Subject};
use agora_portal::config::LdapConfig;
use agora_portal::people::AttributeSource;
use agora_portal::people::ldap::LdapDirectory;
use agora_tests::page::publication_chunk;
use agora_tests::peers::{Slapd, black_hole};
use agora_tests::{Site, one_column_layout, repo_root};

fn ldap_config(url: &str, base: &str) -> LdapConfig {
    let mut c = agora_portal::PortalConfig::default().ldap;
    c.url = url.to_string();
    c.base_dn = base.to_string();
    c.timeout_ms = 1000;
    c
}

const EXTRA_RULES: &str = r#"
[populations.doctoral]
rule = { inscription = { year = "current", levels = "D1..D9" } }

[populations.licence-ufr27]
rule = { inscription = { year = "current", levels = "L1..L3", affect = "UFR27" } }

[populations.ufr27-director]
rule = { role = { role = "D30", entity = "UFR27" } }

[populations.lma-members]
rule = { entity = "LMA" }

[populations.red-list]
rule = { equals = { attribute = "supannListeRouge", value = "TRUE" } }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn populations_of_every_kind_of_person() {
    let slapd = Slapd::start();
    let dir = LdapDirectory::new(ldap_config(&slapd.url, &slapd.people_base));
    let rules =
        std::fs::read_to_string(repo_root().join("config/populations.toml")).expect("populations") + EXTRA_RULES;
    let set = PopulationSet::from_toml(&rules).expect("rules");
    let expected: &[(&str, &[&str])] = &[
        ("student_l1", &["l1-ufr27", "licence-ufr27", "students"]),
        ("student_m2", &["masters-ufr22", "students"]),
        ("doctoral_student", &["doctoral", "students"]),
        ("student_two_years", &["licence-ufr27", "students"]),
        (
            "teacher_two_affectations",
            &["lma-members", "teachers", "ufr27-director"],
        ),
        ("staff_with_role", &["admin-staff", "portal-admins"]),
        ("liste_rouge_staff", &["admin-staff", "red-list"]),
        ("malformed_composite", &["students"]),
    ];
    for (uid, want) in expected {
        let attrs = dir
            .lookup(uid)
            .await
            .expect("lookup")
            .unwrap_or_else(|| panic!("{uid} not found"));
        assert!(!attrs.contains_key("userPassword"), "{uid}: passwords are never read");
        let subject = Subject::new(&attrs, 2026);
        let mut got: Vec<&str> = set.memberships(&subject);
        got.sort();
        assert_eq!(&got, want, "{uid}");
    }
    // Found by alias too, and typed composites come through intact.
    let lea = dir
        .lookup("lea.l1")
        .await
        .expect("lookup")
        .expect("found by supannAliasLogin");
    assert_eq!(lea["displayName"], vec!["Léa Première"]);
    // The malformed inscription is kept, reported, and explained.
    let max = dir.lookup("malformed_composite").await.expect("lookup").expect("found");
    let subject = Subject::new(&max, 2026);
    assert_eq!(subject.malformed.len(), 1);
    let text: String = set.explain(&subject).iter().map(|e| e.to_text()).collect();
    assert!(
        text.contains("✘ l1-ufr27") && text.contains("malformed supannEtuInscription"),
        "{text}"
    );
    // Unknown people are not an error.
    assert!(dir.lookup("nobody").await.expect("lookup").is_none());
}

const SECRET: &str = "a-long-shared-secret-for-tests";

fn site_with_ldap(name: &str, url: &str) -> Site {
    let site = Site::new(
        name,
        "[channels.welcome]\npackage = \"welcome\"\n",
        &one_column_layout(&["welcome"]),
    );
    site.append_config(&format!(
        "[ldap]\nurl = \"{url}\"\nbase_dn = \"ou=people,dc=univ-agora,dc=fr\"\ntimeout_ms = 500\n\
         [trusted_headers]\nenabled = true\nproxies = [\"127.0.0.1\"]\nsecret = \"{SECRET}\"\n\
         attributes = {{ \"displayName\" = \"displayName\" }}\n"
    ));
    site
}

async fn page_as(site: &Site, uid: &str, display_name: &str) -> String {
    let portal = site.start().await;
    let res = portal
        .client()
        .get(format!("{}/?lang=en", portal.url))
        .header("REMOTE_USER", uid)
        .header("displayName", display_name)
        .header("X-Agora-Proxy-Secret", SECRET)
        .send()
        .await
        .expect("GET /");
    assert_eq!(res.status().as_u16(), 200, "sign-in works whatever the directory does");
    let page = res.text().await.expect("page");
    portal.stop().await;
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_uses_directory_attributes() {
    let slapd = Slapd::start();
    let page = page_as(
        &site_with_ldap("ldap-ok", &slapd.url),
        "teacher_two_affectations",
        "From Header",
    )
    .await;
    let welcome = publication_chunk(&page, "welcome");
    assert!(
        welcome.contains("Claire Prof"),
        "the directory wins over sign-on attributes: {welcome}"
    );
    assert!(welcome.contains("UFR27") && welcome.contains("LMA"), "{welcome}");
    assert!(!page.contains("notice"), "no notice when all is well");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_that_is_down_or_hangs_lets_the_user_in_with_a_notice() {
    let logs = agora_tests::logs::capture();
    let down = format!("ldap://127.0.0.1:{}", agora_tests::peers::free_port());
    let hang = format!("ldap://{}", black_hole());
    for (name, url, uid, why) in [
        ("ldap-down", down, "student_l1", "unavailable"),
        ("ldap-hang", hang, "student_m2", "timeout"),
    ] {
        let page = page_as(&site_with_ldap(name, &url), uid, "Lea From Sign-on").await;
        assert!(
            page.contains("The directory is unavailable for now"),
            "{name}: the user is told"
        );
        let welcome = publication_chunk(&page, "welcome");
        assert!(
            welcome.contains("Lea From Sign-on"),
            "{name}: sign-on attributes are used: {page}"
        );
        let said = logs.lines_with(&["WARN", "attribute source failed", &url, uid, why]);
        assert!(!said.is_empty(), "{name}: the log says which source failed for whom");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_directory_entry_gives_a_notice_not_an_error() {
    let logs = agora_tests::logs::capture();
    let slapd = Slapd::start();
    let page = page_as(
        &site_with_ldap("ldap-malformed", &slapd.url),
        "malformed_composite",
        "Max",
    )
    .await;
    assert!(
        page.contains("Some of your directory information is malformed"),
        "the user is told"
    );
    assert!(publication_chunk(&page, "welcome").contains("Max Malformé"));
    let said = logs.lines_with(&["WARN", "malformed", "malformed_composite", "supannEtuInscription"]);
    assert!(
        !said.is_empty(),
        "the log names the person, the attribute and the problem"
    );
}

/// Directory search ignores accents and case both ways: `lea` finds Léa Première, `PREMIÈRE`
/// too, and a word nobody's name holds finds nobody (the accent-blind LDAP filter lets near
/// misses through; the portal keeps only the real matches).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_search_ignores_accents() {
    let slapd = Slapd::start();
    let dir = LdapDirectory::new(ldap_config(&slapd.url, &slapd.people_base));
    let names = |found: Vec<agora_channel_host::Attributes>| -> Vec<String> {
        found
            .iter()
            .filter_map(|a| a.get("displayName").or_else(|| a.get("cn")))
            .filter_map(|v| v.first().cloned())
            .collect()
    };
    for query in ["lea", "Léa", "PREMIÈRE", "lea premiere"] {
        let words: Vec<String> = query.split_whitespace().map(agora_portal::text::fold).collect();
        let found = dir.search(&words, 10).expect("LDAP can search").await.expect("search");
        assert_eq!(names(found), vec!["Léa Première"], "{query}");
    }
    let words = vec![agora_portal::text::fold("lae")];
    let found = dir.search(&words, 10).expect("LDAP can search").await.expect("search");
    assert!(
        found.is_empty(),
        "a near miss of the wildcard filter is dropped: {:?}",
        names(found)
    );
}

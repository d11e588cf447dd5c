//! Tenants loaded from their directories over a platform configuration.

use super::*;
use figment::providers::Env;
use std::path::Path;

/// A platform configuration directory with its shared files, and `tenants/` holding
/// `tenants` (id, tenant.toml).
fn platform(name: &str, tenants: &[(&str, &str)]) -> PortalConfig {
    let root = std::env::temp_dir().join(format!("agora-tenants-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let config = root.join("config");
    std::fs::create_dir_all(config.join("fragments")).expect("mkdir");
    std::fs::create_dir_all(config.join("themes/default")).expect("mkdir");
    for f in ["channels.toml", "catalogue.toml", "populations.toml"] {
        std::fs::write(config.join(f), "").expect("write");
    }
    let file = config.join("portal.toml");
    std::fs::write(
        &file,
        "[paths]\ntheme_dir = \"themes/default\"\n[skin]\ninstitution = \"Plateforme\"\n[cas]\nserver_url = \"https://cas.platform.fr/cas/\"\n[ldap]\nurl = \"ldap://ldap.platform.fr\"\nbase_dn = \"dc=platform\"\nbind_dn = \"cn=portal\"\nbind_password = \"platform-secret\"\n",
    )
    .expect("write");
    for (id, text) in tenants {
        let dir = config.join("tenants").join(id);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("tenant.toml"), text).expect("write");
    }
    PortalConfig::load_with_env(&file, Env::prefixed("AGORA_TEST_NOTHING_")).expect("platform config")
}

const UNIV_A: &str = r#"
[tenant]
name = { fr = "Université A", en = "University A" }
acronym = "UA"
hosts = ["ENT.univ-a.fr"]
support = { email = "support@univ-a.fr" }

[skin]
institution = "Université A"

[cas]
server_url = "https://cas.univ-a.fr/cas/"

[ldap]
url = "ldap://ldap.univ-a.fr"
base_dn = "ou=people,dc=univ-a,dc=fr"
"#;

const UNIV_B: &str = r#"
[tenant]
name = { fr = "Université B" }
hosts = ["ent.univ-b.fr"]
"#;

#[test]
fn a_tenant_sets_its_own_sections_over_the_platforms_and_keeps_the_rest() {
    let p = platform("layers", &[("univ-a", UNIV_A), ("univ-b", UNIV_B)]);
    let b_dir = TenantSet::dir(&p).join("univ-b");
    std::fs::write(b_dir.join("channels.toml"), "").expect("B's own channels");
    let loaded = TenantSet::load(&p);
    assert!(loaded.refused.is_empty(), "{:?}", loaded.refused);
    let a = loaded
        .tenants
        .by_host("ent.univ-a.fr:443")
        .expect("A by host, port and case ignored");
    assert_eq!(a.id, "univ-a");
    assert_eq!(a.identity.acronym, "UA");
    assert_eq!(a.identity.name_in("en", ""), "University A");
    assert_eq!(a.portal.cas.server_url, "https://cas.univ-a.fr/cas/");
    assert_eq!(a.portal.skin.institution, "Université A");
    assert_eq!(a.portal.ldap.base_dn, "ou=people,dc=univ-a,dc=fr");
    // A section A sets replaces the platform's: its LDAP server never gets the platform's
    // bind password.
    assert!(
        a.portal.ldap.bind_password.is_empty(),
        "the platform's secret went to A's server"
    );
    assert!(a.portal.ldap.bind_dn.is_empty());
    // What A does not set is the platform's, files included.
    let b = loaded.tenants.get("univ-b").expect("B");
    assert_eq!(b.portal.cas.server_url, "https://cas.platform.fr/cas/");
    assert_eq!(
        b.portal.ldap.bind_password.expose(),
        "platform-secret",
        "B sets no [ldap]: the platform's"
    );
    assert_eq!(b.portal.skin.institution, "Plateforme");
    assert_eq!(a.portal.resolve(&a.portal.paths.channels), p.resolve(&p.paths.channels));
    assert_eq!(b.portal.resolve(&b.portal.paths.channels), b_dir.join("channels.toml"));
    assert_eq!(
        b.portal.resolve(&b.portal.paths.theme_dir),
        p.resolve(&p.paths.theme_dir)
    );
    assert!(loaded.tenants.by_host("ent.univ-c.fr").is_none());
    // Each is reached at its own host, with the platform's scheme and port.
    let platform_url = url::Url::parse(&p.public_url()).expect("url");
    let a_url = url::Url::parse(&a.portal.public_url()).expect("url");
    assert_eq!(a_url.host_str(), Some("ent.univ-a.fr"));
    assert_eq!(a_url.port(), platform_url.port());
    let b_url = url::Url::parse(&b.portal.public_url()).expect("url");
    assert_eq!(b_url.host_str(), Some("ent.univ-b.fr"));
}

#[test]
fn a_broken_tenant_is_refused_with_file_key_and_reason_and_the_others_load() {
    let duplicate_host = UNIV_B.replace("Université B", "Copie");
    let p = platform(
        "broken",
        &[
            ("univ-a", UNIV_A),
            ("univ-b", UNIV_B),
            (
                "univ-c",
                "[tenant]\nname = { fr = \"C\" }\n\n[redis]\nurl = \"redis://elsewhere\"\n",
            ),
            ("univ-d", &duplicate_host),
            ("Univ_E", UNIV_B),
            (
                "univ-f",
                "[tenant]\nname = { fr = \"F\" }\n[paths]\ndata_dir = \"/tmp\"\n",
            ),
            ("univ-g", "[tenant]\nname = { fr = \"G\" }\n[cas]\nserver_url = 3\n"),
            ("univ-h", "[skin]\ninstitution = \"H\"\n"),
            (
                "univ-i",
                "[tenant]\nname = { fr = \"I\" }\n[paths]\nchannels = \"../univ-a/channels.toml\"\n",
            ),
            ("univ-j", "[tenant]\nname = { fr = \"J\" }\nhosts = [\" \"]\n"),
            (
                "univ-k",
                "[tenant]\nname = { fr = \"K\" }\n[admin]\nplatform = [\"univ-k:me\"]\n",
            ),
        ],
    );
    let loaded = TenantSet::load(&p);
    let ids: Vec<&str> = loaded.tenants.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["univ-a", "univ-b"]);
    let said = |tenant: &str| -> String {
        loaded
            .refused
            .iter()
            .find(|e| e.file.contains(tenant))
            .map(ToString::to_string)
            .unwrap_or_else(|| panic!("no error for {tenant}: {:?}", loaded.refused))
    };
    assert!(
        said("univ-c").contains("[redis]: set for the whole platform"),
        "{}",
        said("univ-c")
    );
    assert!(
        said("univ-d").contains("already the host of tenant `univ-b`"),
        "{}",
        said("univ-d")
    );
    assert!(said("Univ_E").contains("cannot name a tenant"), "{}", said("Univ_E"));
    assert!(said("univ-f").contains("[paths.data_dir]"), "{}", said("univ-f"));
    assert!(said("univ-g").contains("[cas.server_url]"), "{}", said("univ-g"));
    assert!(said("univ-h").contains("[tenant]: missing"), "{}", said("univ-h"));
    assert!(
        said("univ-i").contains("inside the tenant's directory"),
        "{}",
        said("univ-i")
    );
    assert!(said("univ-j").contains("empty host"), "{}", said("univ-j"));
    assert!(said("univ-k").contains("[admin.platform]"), "{}", said("univ-k"));
    assert_eq!(loaded.refused.len(), 9);
}

#[test]
fn without_a_tenants_directory_there_is_no_tenant() {
    let p = platform("none", &[]);
    assert!(!Path::new(&TenantSet::dir(&p)).exists());
    let loaded = TenantSet::load(&p);
    assert!(loaded.tenants.is_empty() && loaded.refused.is_empty());
}

#[test]
fn ids_and_hosts() {
    assert!(config::valid_id("ut1-capitole"));
    for bad in ["", "-x", "UT1", "ut1_capitole", "a/b", &"x".repeat(33)] {
        assert!(!config::valid_id(bad), "{bad}");
    }
    assert_eq!(config::normalise_host("ENT.Univ-A.fr."), "ent.univ-a.fr");
    assert_eq!(config::normalise_host("ent.univ-a.fr:8443"), "ent.univ-a.fr");
    assert_eq!(config::normalise_host("[::1]:8080"), "[::1]");
    assert_eq!(config::normalise_host("2001:db8::1"), "2001:db8::1");
}

#[test]
fn each_establishment_has_its_own_sms_account_and_statistics_threshold() {
    let univ_c = r#"
[tenant]
name = { fr = "Université C" }
hosts = ["ent.univ-c.fr"]

[sms]
url = "https://smsu.univ-c.fr/ws/"
user = "ent-c"
account = "UC-SCOL"
sender_populations = ["admin-staff"]

[statistics]
min_count = 10
"#;
    let p = platform("sms", &[("univ-c", univ_c), ("univ-b", UNIV_B)]);
    let loaded = TenantSet::load(&p);
    assert!(loaded.refused.is_empty(), "{:?}", loaded.refused);
    let c = loaded.tenants.get("univ-c").expect("C");
    assert_eq!(
        (c.portal.sms.account.as_str(), c.portal.statistics.min_count),
        ("UC-SCOL", 10)
    );
    let b = loaded.tenants.get("univ-b").expect("B");
    assert!(!b.portal.sms.enabled(), "B sends no SMS through C's account");
    assert_eq!(b.portal.statistics.min_count, 5);
}

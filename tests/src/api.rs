//! A small client of the portal's JSON API for tests, and the shipped site with its demo
//! feeds served on loopback.

use crate::backend::{Answer, TestBackend};
use crate::{RunningPortal, Site, repo_root};
use serde_json::Value;

/// The shipped configuration (channels, fragments, catalogue, populations) with the demo
/// feeds served by a [`TestBackend`] and the ADE/Apogée simulator of `examples/`.
pub async fn shipped_site(name: &str) -> (Site, TestBackend) {
    let sis = agora_sis_simulator::Simulator::start_dir(&repo_root().join("examples/sis-simulator/data"))
        .unwrap_or_else(|e| panic!("SIS simulator: {e}"));
    let backend = TestBackend::start().await;
    let feeds = repo_root().join("examples/demo/backends/feeds");
    for (file, ctype) in [
        ("campus.xml", "application/rss+xml"),
        ("library.atom", "application/atom+xml"),
        ("l1.xml", "application/rss+xml"),
        ("staff.xml", "application/rss+xml"),
    ] {
        let body = std::fs::read(feeds.join(file)).expect("demo feed");
        backend.route(&format!("/feeds/{file}"), Answer::ok(ctype, body));
    }
    let channels = std::fs::read_to_string(repo_root().join("config/channels.toml")).expect("shipped channels.toml");
    let channels = channels
        .replace("${AGORA_DEMO_BACKEND}", &backend.url)
        .replace("${AGORA_DEMO_SIS}", &sis.url);
    let site = Site::shipped(name, &channels);
    site.with_demo_groups();
    // SMS-U as the demo has it (the simulator's application account).
    site.append_config(&format!(
        "[sms]\nurl = \"{}/ws/\"\nuser = \"ent-portal\"\npassword = \"smsu-demo-password\"\naccount = \"ENT\"\n\
         sender_populations = [\"admin-staff\"]\napprover_uids = [\"claire.dubois\"]\npopulations = [\"students\", \"teachers\"]\n",
        sis.url
    ));
    (site, backend)
}

/// A signed-in user's API session.
pub struct LayoutApi {
    /// The client (with the session cookie).
    pub client: reqwest::Client,
    /// Portal base URL.
    pub url: String,
    /// The session's CSRF token.
    pub csrf: String,
}

impl LayoutApi {
    /// Sign in as `uid` and fetch the CSRF token from `GET /api/v1/layout`.
    pub async fn sign_in(portal: &RunningPortal, uid: &str) -> Self {
        let client = portal.client();
        portal.sign_in(&client, uid).await;
        let mut api = LayoutApi {
            client,
            url: portal.url.clone(),
            csrf: String::new(),
        };
        api.csrf = api.layout().await["csrf_token"]
            .as_str()
            .expect("csrf_token")
            .to_string();
        api
    }

    /// `GET /api/v1/layout`.
    pub async fn layout(&self) -> Value {
        let res = self
            .client
            .get(format!("{}/api/v1/layout?lang=en", self.url))
            .send()
            .await
            .expect("GET layout");
        assert_eq!(res.status().as_u16(), 200, "GET /api/v1/layout");
        res.json().await.expect("json")
    }

    /// `POST /api/v1/layout` with `edit`; returns status and body.
    pub async fn edit(&self, edit: Value) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/api/v1/layout?lang=en", self.url))
            .header("X-CSRF-Token", &self.csrf)
            .json(&edit)
            .send()
            .await
            .expect("POST layout");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// GET a JSON document.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// The publications of `tab`'s columns in a layout document.
pub fn columns(layout: &Value, tab: &str) -> Vec<Vec<String>> {
    let tabs = layout["tabs"].as_array().expect("tabs");
    let tab = tabs
        .iter()
        .find(|t| t["id"] == tab)
        .unwrap_or_else(|| panic!("tab {tab} in {layout}"));
    tab["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            c["slots"]
                .as_array()
                .expect("slots")
                .iter()
                .map(|s| s["publication"].as_str().expect("publication").to_string())
                .collect()
        })
        .collect()
}

/// The scenario run on every store: edits made through the API survive a restart of the
/// portal, locked channels stay put, reset brings the institution's page back.
pub async fn edits_survive_a_restart(site: &Site) {
    let portal = site.start().await;
    let api = LayoutApi::sign_in(&portal, "alice.martin").await;
    let before = api.layout().await;
    assert_eq!(
        columns(&before["layout"], "home"),
        [
            vec!["timetable", "welcome", "links", "l1-news"],
            vec!["grades", "mail", "campus-news"]
        ]
    );
    let (status, body) = api
        .edit(serde_json::json!({"op": "add-channel", "publication": "library-news", "tab": "home", "column": 1, "position": 0}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api
        .edit(serde_json::json!({"op": "move-channel", "publication": "l1-news", "tab": "home", "column": 1}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api
        .edit(serde_json::json!({"op": "remove-channel", "publication": "welcome"}))
        .await;
    assert_eq!(status, 409, "welcome is locked: {body}");
    assert_eq!(body["refusal"]["kind"], "channel-mandatory");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("mandatory"),
        "{body}"
    );
    let (status, _) = api
        .edit(
            serde_json::json!({"op": "set-preference", "publication": "campus-news", "key": "max_items", "value": "2"}),
        )
        .await;
    assert_eq!(status, 200);
    portal.stop().await;

    // A new portal process on the same store.
    let portal = site.start().await;
    let api = LayoutApi::sign_in(&portal, "alice.martin").await;
    let after = api.layout().await;
    assert_eq!(
        columns(&after["layout"], "home"),
        [
            vec!["timetable", "welcome", "links"],
            vec!["library-news", "grades", "mail", "campus-news", "l1-news"]
        ],
        "{after}"
    );
    assert_eq!(after["layout"]["preferences"]["campus-news"]["max_items"], "2");
    let page = portal.get_page(&api.client, "/?lang=en").await;
    let news = crate::page::publication_chunk(&page, "campus-news");
    assert_eq!(
        news.matches("<li").count(),
        2,
        "the preference reaches the channel: {news}"
    );
    let res = api
        .client
        .post(format!("{}/api/v1/layout/reset", portal.url))
        .header("X-CSRF-Token", &api.csrf)
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        columns(&api.layout().await["layout"], "home"),
        [
            vec!["timetable", "welcome", "links", "l1-news"],
            vec!["grades", "mail", "campus-news"]
        ]
    );
    portal.stop().await;
}

//! Usage statistics (issue 16, point 7): page views, sign-ins and channel use per day, per
//! population and per channel, for administrators only, with counts below the threshold
//! hidden and no one named — on the page and in the CSV export.

use agora_tests::{RunningPortal, Site, one_column_layout};
use std::time::Duration;

const CHANNELS: &str = "[channels.welcome]\npackage = \"welcome\"\n\n[channels.links]\npackage = \"links\"\nconfig = { links = [\"*|Webmail|Webmail|https://webmail.univ-agora.fr\"] }\n";

async fn status(client: &reqwest::Client, url: &str) -> u16 {
    client.get(url).send().await.expect("GET").status().as_u16()
}

/// The statistics page once its counts include `needle` (counts reach the database every
/// second here).
async fn statistics_with(portal: &RunningPortal, admin: &reqwest::Client, needle: &str) -> String {
    let mut page = String::new();
    for _ in 0..50 {
        page = portal.get_page(admin, "/admin/statistics?lang=en").await;
        if page.contains(needle) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{needle}` never shown: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_see_counts_per_day_population_and_channel_never_who() {
    let site = Site::new("statistics", CHANNELS, &one_column_layout(&["welcome", "links"]));
    site.append_config("[admin]\nuids = [\"david.moreau\"]\n\n[statistics]\nmin_count = 3\nflush_seconds = 1\n");
    let portal = site.start().await;

    // Three students' views (Alice twice, Bruno once), one teacher's, one guest's.
    let alice = portal.client();
    portal.sign_in(&alice, "alice.martin").await;
    portal.get_page(&alice, "/?lang=en").await;
    portal.get_page(&alice, "/?lang=en").await;
    let bruno = portal.client();
    portal.sign_in(&bruno, "bruno.leroy").await;
    portal.get_page(&bruno, "/?lang=en").await;
    let claire = portal.client();
    portal.sign_in(&claire, "claire.dubois").await;
    portal.get_page(&claire, "/?lang=en").await;
    let guest = portal.client();
    portal.get_page(&guest, "/?lang=en").await;

    // Not for students.
    assert_eq!(status(&alice, &format!("{}/admin/statistics", portal.url)).await, 403);
    assert_eq!(
        status(&alice, &format!("{}/admin/statistics.csv", portal.url)).await,
        403
    );

    let david = portal.client();
    portal.sign_in(&david, "david.moreau").await;
    let page = statistics_with(&portal, &david, "data-population=\"students\"").await;
    // Students: 3 page views and 2 sign-ins (below 3: hidden); teachers: 1 view (hidden).
    let students = page
        .split("data-population=\"students\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the students' row");
    assert!(students.contains("<td>3</td>"), "3 views: {students}");
    assert!(students.contains("<td>&lt;3</td>"), "2 sign-ins hidden: {students}");
    let teachers = page
        .split("data-population=\"teachers\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the teachers' row");
    assert!(
        !teachers.contains("<td>1</td>"),
        "one teacher's view is not told: {teachers}"
    );
    // Per channel: the welcome card was shown on every signed-in page (4 + David's own).
    let welcome = page
        .split("data-channel=\"welcome\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("the welcome row");
    assert!(
        welcome.contains("<td>4</td>") || welcome.contains("<td>5</td>"),
        "{welcome}"
    );
    for uid in ["alice.martin", "bruno.leroy", "claire.dubois"] {
        assert!(!page.contains(uid), "{uid} named on the statistics page");
    }

    // The CSV: every count of the period, the same ones hidden, no one named.
    let res = david
        .get(format!("{}/admin/statistics.csv?days=7", portal.url))
        .send()
        .await
        .expect("GET csv");
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv")),
        "{:?}",
        res.headers()
    );
    let csv = res.text().await.expect("csv");
    assert!(csv.starts_with("day,kind,population,channel,count\r\n"), "{csv}");
    assert!(csv.contains(",page_view,students,,3\r\n"), "{csv}");
    assert!(csv.contains(",sign_in,students,,<3\r\n"), "{csv}");
    assert!(csv.contains(",guest_view,,,<3\r\n"), "{csv}");
    assert!(!csv.lines().any(|l| l.ends_with(",1") || l.ends_with(",2")), "{csv}");
    for uid in ["alice.martin", "bruno.leroy", "claire.dubois", "david.moreau"] {
        assert!(!csv.contains(uid), "{uid} in the CSV");
    }
    portal.stop().await;
}

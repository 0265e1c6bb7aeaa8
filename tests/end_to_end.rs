//! End to end, in process: a fixture feed server on loopback → the daemon → its HTTP feeds, parsed back.

mod common;

use common::{Canned, FixtureServer, feed_entries, get, rss, start_daemon};
use regionfeed::poll::PollOutcome;

const SHANXI_ITEMS: &[(&str, &str, &str, &str)] = &[
    (
        "",
        "https://sx.example.cn/2026/11-25/1.shtml",
        "太原迎来初雪",
        "2026-11-25 10:52:00",
    ),
    (
        "",
        "https://sx.example.cn/2026/11-25/2.shtml",
        "晋中古城游客增长",
        "2026-11-25 09:30:00",
    ),
];

fn shaanxi_atom(first_title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>陝西新聞</title><id>urn:sn</id><updated>2026-11-25T10:00:00+08:00</updated>
<entry><id>tag:sn.example.cn,2026:1</id><title>{first_title}</title><link href="https://sn.example.cn/1"/><updated>2026-11-25T10:00:00+08:00</updated><summary>西安</summary></entry>
<entry><id>tag:sn.example.cn,2026:2</id><title>延安蘋果豐收</title><link href="https://sn.example.cn/2"/><updated>2026-11-24T10:00:00+08:00</updated><summary>延安</summary></entry>
</feed>"#
    )
}

async fn fixture() -> FixtureServer {
    let server = FixtureServer::start().await;
    server.set("shanxi.xml", Canned::rss(&rss("山西", SHANXI_ITEMS)));
    server.set(
        "shaanxi.atom",
        Canned::atom(&shaanxi_atom("西安地鐵新線開通")),
    );
    server.set(
        "bingtuan.xml",
        Canned::rss(&rss(
            "兵团",
            &[(
                "bt-1",
                "https://bt.example.cn/1",
                "兵团棉花丰收",
                "Wed, 25 Nov 2026 09:00:00 +0800",
            )],
        )),
    );
    server.set(
        "national.xml",
        Canned::rss(&rss(
            "滚动",
            &[(
                "",
                "https://www.example.cn/gn/1.shtml",
                "全国供暖启动",
                "2026-11-25 11:20:00",
            )],
        )),
    );
    server
}

fn sources(server: &FixtureServer) -> String {
    format!(
        r#"
[[source]]
id = "sx"
url = "{}"
region = "shanxi"

[[source]]
id = "sn"
url = "{}"
region = "shaanxi"

[[source]]
id = "bt"
url = "{}"
region = "bingtuan"

[[source]]
id = "cn"
url = "{}"
region = "national"
"#,
        server.url("shanxi.xml"),
        server.url("shaanxi.atom"),
        server.url("bingtuan.xml"),
        server.url("national.xml"),
    )
}

fn titles(entries: &[(String, String)]) -> Vec<&str> {
    let mut titles: Vec<&str> = entries.iter().map(|(_, title)| title.as_str()).collect();
    titles.sort_unstable();
    titles
}

#[tokio::test]
async fn each_item_appears_once_in_its_region_feed_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    for report in daemon.poll_all().await {
        assert!(
            matches!(report.outcome, PollOutcome::Stored(s) if s.new > 0),
            "{report:?}"
        );
    }

    let shanxi = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(titles(&shanxi), vec!["太原迎来初雪", "晋中古城游客增长"]);
    let shaanxi = feed_entries(&daemon, "/feeds/shaanxi.rss").await;
    assert_eq!(titles(&shaanxi), vec!["延安蘋果豐收", "西安地鐵新線開通"]);
    // 兵团 belongs to 新疆: its items are in both feeds.
    assert_eq!(
        titles(&feed_entries(&daemon, "/feeds/bingtuan.xml").await),
        vec!["兵团棉花丰收"]
    );
    assert_eq!(
        titles(&feed_entries(&daemon, "/feeds/xinjiang.xml").await),
        vec!["兵团棉花丰收"]
    );
    assert_eq!(
        titles(&feed_entries(&daemon, "/feeds/national.xml").await),
        vec!["全国供暖启动"]
    );
    assert!(feed_entries(&daemon, "/feeds/anhui.xml").await.is_empty());
    let all = feed_entries(&daemon, "/feeds/all.xml").await;
    assert_eq!(all.len(), 6);
    let mut ids: Vec<&str> = all.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "every item has its own id");
    assert!(ids.iter().all(|id| id.starts_with("urn:uuid:")));

    // Polling the unchanged feeds again stores nothing new.
    for report in daemon.poll_all().await {
        assert!(
            matches!(report.outcome, PollOutcome::Unchanged),
            "{report:?}"
        );
    }
    assert_eq!(feed_entries(&daemon, "/feeds/all.xml").await.len(), 6);
    assert_eq!(feed_entries(&daemon, "/feeds/shanxi.xml").await, shanxi);
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_edited_title_updates_the_item_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    daemon.poll_all().await;
    let before = feed_entries(&daemon, "/feeds/shaanxi.xml").await;
    let sx_before = feed_entries(&daemon, "/feeds/shanxi.xml").await;

    // Atom entry with a guid: new title, same id.
    server.set(
        "shaanxi.atom",
        Canned::atom(&shaanxi_atom("西安地鐵新線今日開通")),
    );
    // RSS item without guid, matched by its link: new title.
    let mut edited: Vec<(&str, &str, &str, &str)> = SHANXI_ITEMS.to_vec();
    edited[0].2 = "太原迎来今冬首场降雪";
    server.set("shanxi.xml", Canned::rss(&rss("山西", &edited)));

    let report = daemon.poll_source("sn").await.unwrap();
    assert!(
        matches!(report.outcome, PollOutcome::Stored(s) if s.updated == 1 && s.new == 0),
        "{report:?}"
    );
    let report = daemon.poll_source("sx").await.unwrap();
    assert!(
        matches!(report.outcome, PollOutcome::Stored(s) if s.updated == 1 && s.new == 0),
        "{report:?}"
    );

    let after = feed_entries(&daemon, "/feeds/shaanxi.xml").await;
    assert_eq!(after.len(), 2);
    let id_of = |entries: &[(String, String)], title: &str| {
        entries
            .iter()
            .find(|(_, t)| t == title)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    assert_eq!(
        id_of(&after, "西安地鐵新線今日開通"),
        id_of(&before, "西安地鐵新線開通")
    );
    let sx_after = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(sx_after.len(), 2);
    assert_eq!(
        id_of(&sx_after, "太原迎来今冬首场降雪"),
        id_of(&sx_before, "太原迎来初雪")
    );
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn shanxi_and_shaanxi_never_mix() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    daemon.poll_all().await;
    let shanxi = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    let shaanxi = feed_entries(&daemon, "/feeds/shaanxi.xml").await;
    assert!(shanxi.iter().all(|entry| !shaanxi.contains(entry)));
    let both = feed_entries(&daemon, "/feeds/shanxi+shaanxi.xml").await;
    assert_eq!(both.len(), shanxi.len() + shaanxi.len());
    let (_, body) = get(&daemon, "/feeds/shanxi.xml").await;
    assert!(body.contains(">山西</category>") && !body.contains(">陕西</category>"));
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn http_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    let (status, body) = get(&daemon, "/feeds/shanxii.xml").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("unknown region \"shanxii\"") && body.contains("/regions"),
        "{body}"
    );
    for bad in ["0", "501", "many"] {
        let (status, body) = get(&daemon, &format!("/feeds/shanxi.xml?limit={bad}")).await;
        assert_eq!(status, 400, "limit={bad}");
        assert!(
            body.contains("limit must be a whole number from 1 to 500"),
            "{body}"
        );
    }
    let (status, _) = get(&daemon, "/feeds/shanxi.xml?limit=1").await;
    assert_eq!(status, 200);
    let (status, body) = get(&daemon, "/nothing-here").await;
    assert_eq!(status, 404);
    assert!(body.contains("/regions"));
    let (status, body) = get(&daemon, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn limit_caps_the_number_of_items_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    daemon.poll_all().await;
    let newest_two = feed_entries(&daemon, "/feeds/all.xml?limit=2").await;
    // Newest first: 全国供暖启动 (11:20 +08:00) then 太原迎来初雪 (10:52 +08:00).
    let titles: Vec<&str> = newest_two.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles, vec!["全国供暖启动", "太原迎来初雪"]);
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn regions_endpoint_counts_items_per_region() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    daemon.poll_all().await;
    let (status, body) = get(&daemon, "/regions").await;
    assert_eq!(status, 200);
    let regions: Vec<regionfeed::publish::RegionInfo> = serde_json::from_str(&body).unwrap();
    assert_eq!(regions.len(), 36);
    let find = |slug: &str| regions.iter().find(|r| r.slug == slug).unwrap();
    assert_eq!(find("shanxi").items, 2);
    assert_eq!(find("shanxi").name, "山西");
    assert_eq!(find("shaanxi").iso_code.as_deref(), Some("CN-SN"));
    // The 兵团 source's item is tagged `bingtuan` and, because the corps belongs to Xinjiang, `xinjiang`.
    assert_eq!(find("xinjiang").items, 2);
    assert_eq!(find("bingtuan").parent.as_deref(), Some("xinjiang"));
    assert_eq!(find("national").items, 1);
    assert_eq!(find("anhui").items, 0);
    assert!(find("shanxi").feed_url.ends_with("/feeds/shanxi.xml"));
    assert_eq!(
        find("shanxi").newest.as_deref(),
        Some("2026-11-25T02:52:00+00:00")
    );
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failing_source_never_affects_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let server = fixture().await;
    server.set("broken.xml", Canned::new(500, "text/plain", &b"oops"[..]));
    server.set(
        "html.xml",
        Canned::new(
            200,
            "text/html",
            &b"<!DOCTYPE html><html><body>challenge</body></html>"[..],
        ),
    );
    let extra = format!(
        "{}\n[[source]]\nid = \"broken\"\nurl = \"{}\"\nregion = \"anhui\"\n\n[[source]]\nid = \"html\"\nurl = \"{}\"\nregion = \"anhui\"\n\n[[source]]\nid = \"refused\"\nurl = \"http://127.0.0.1:9/feed.xml\"\nregion = \"anhui\"\n",
        sources(&server),
        server.url("broken.xml"),
        server.url("html.xml"),
    );
    let daemon = start_daemon(dir.path(), &extra).await;
    let reports = daemon.poll_all().await;
    let class_of = |id: &str| {
        reports
            .iter()
            .find(|r| r.source_id == id)
            .map(|r| match &r.outcome {
                PollOutcome::Failed(failure) => failure.class.clone(),
                other => format!("{other:?}"),
            })
    };
    assert_eq!(class_of("broken").as_deref(), Some("http-5xx"));
    assert_eq!(class_of("html").as_deref(), Some("not-a-feed"));
    assert_eq!(class_of("refused").as_deref(), Some("connect"));
    assert_eq!(reports.iter().filter(|r| !r.failed()).count(), 4);
    assert_eq!(feed_entries(&daemon, "/feeds/all.xml").await.len(), 6);
    let state = daemon
        .store()
        .source_state("broken")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.error_class.as_deref(), Some("http-5xx"));
    assert_eq!(state.consecutive_failures, 1);
    assert_eq!(state.last_status, Some(500));
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

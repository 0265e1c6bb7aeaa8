//! One story once, over HTTP: a wire story carried by several sources is one entry linked to the first
//! source's article with the others listed; a look-alike stays apart; upstream churn (guid, tracking
//! parameters, http→https, m. host) keeps one item; region tags come from the text, and `origin=` selects
//! by why an item is in a region.

mod common;

use common::{Canned, FixtureServer, feed_entries, get, start_daemon};
use regionfeed::poll::PollOutcome;

/// RSS with (guid, link, title, description, date) items.
fn feed(title: &str, items: &[(&str, &str, &str, &str, &str)]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.cn/</link><description>t</description>\n"
    );
    for (guid, link, item_title, description, date) in items {
        xml.push_str(&format!(
            "<item><title>{item_title}</title><link>{link}</link><description>{description}</description><pubDate>{date}</pubDate>"
        ));
        if !guid.is_empty() {
            xml.push_str(&format!("<guid isPermaLink=\"false\">{guid}</guid>"));
        }
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel></rss>\n");
    xml
}

const WIRE_TITLE: &str = "晋中市发布2024年政府工作报告";
const WIRE_LEAD: &str =
    "中新网太原2月28日电 晋中市政府28日发布2024年政府工作报告，提出全年地区生产总值增长5.5%左右。";

fn sources(server: &FixtureServer) -> String {
    format!(
        r#"
[[source]]
id = "wire"
title = "中新网滚动"
url = "{}"
region = "national"

[[source]]
id = "hk"
title = "香港轉載"
url = "{}"
region = "xianggang"

[[source]]
id = "other"
title = "山西另一家"
url = "{}"
region = "shanxi"
"#,
        server.url("wire.xml"),
        server.url("hk.xml"),
        server.url("other.xml"),
    )
}

/// The JSON Feed's story (second item) lists the hk copy, and says Hong Kong came from that copy.
fn assert_json_story_lists_the_hk_copy(json: &str) {
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    let story = &json["items"][1];
    assert_eq!(
        story["_regionfeed"]["also_reported_by"][0]["source_id"],
        "hk"
    );
    let lent: Vec<(&str, &str)> = story["_regionfeed"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["slug"].as_str().unwrap(),
                r["lent_by"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(lent.contains(&("xianggang", "hk")), "{lent:?}");
    assert!(lent.contains(&("shanxi", "")), "{lent:?}");
}

#[tokio::test]
async fn a_syndicated_story_is_one_entry_with_the_other_sources_listed() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set(
        "wire.xml",
        Canned::rss(&feed(
            "滚动",
            &[(
                "w1",
                "https://www.example.cn/sx/2024/02-28/1.shtml",
                WIRE_TITLE,
                WIRE_LEAD,
                "2024-02-28 10:52:00",
            )],
        )),
    );
    // The same dispatch an hour later, in Traditional script, with a label and a byline.
    server.set(
        "hk.xml",
        Canned::rss(&feed(
            "香港",
            &[(
                "h1",
                "https://hk.example.com/news/88",
                "一圖速覽2024年晉中市政府工作報告",
                "（記者 王某）晉中市政府28日發布2024年政府工作報告，提出全年地區生產總值增長5.5%左右。",
                "2024-02-28 11:52:00",
            )],
        )),
    );
    // A look-alike: another city's report, same template.
    server.set(
        "other.xml",
        Canned::rss(&feed(
            "山西",
            &[(
                "o1",
                "https://other.example.cn/1",
                "大同市发布2024年政府工作报告",
                "大同市政府28日发布2024年政府工作报告，提出全年地区生产总值增长5.5%左右。",
                "2024-02-28 12:00:00",
            )],
        )),
    );
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    for id in ["wire", "hk", "other"] {
        let report = daemon.poll_source(id).await.unwrap();
        let PollOutcome::Stored(summary) = report.outcome else {
            panic!("{report:?}")
        };
        assert_eq!(summary.new, 1, "{id}");
        assert_eq!(summary.merged, usize::from(id == "hk"), "{id}");
    }

    let all = feed_entries(&daemon, "/feeds/all.xml").await;
    let titles: Vec<&str> = all.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles, vec!["大同市发布2024年政府工作报告", WIRE_TITLE]);

    // The story links to the first source's article and lists the other one.
    let (_, rss) = get(&daemon, "/feeds/all.xml").await;
    assert!(rss.contains("https://www.example.cn/sx/2024/02-28/1.shtml"));
    assert!(rss.contains("也见于"), "{rss}");
    assert!(rss.contains("香港轉載"));
    assert!(rss.contains("https://hk.example.com/news/88"));
    let (_, atom) = get(&daemon, "/feeds/all.atom").await;
    assert!(atom.contains(r#"rel="related""#), "{atom}");
    let (_, json) = get(&daemon, "/feeds/all.json").await;
    assert_json_story_lists_the_hk_copy(&json);

    // The story is in the regions of every copy: Shanxi from the dateline, Hong Kong from the copy's source.
    for region in ["shanxi", "xianggang"] {
        let entries = feed_entries(&daemon, &format!("/feeds/{region}.xml")).await;
        let count = entries.iter().filter(|(_, t)| t == WIRE_TITLE).count();
        assert_eq!(count, 1, "{region}: {entries:?}");
    }
    // Asking for the copy's source shows its own item.
    let hk = feed_entries(&daemon, "/feeds/all.xml?source=hk").await;
    assert_eq!(hk.len(), 1);
    assert_eq!(hk[0].1, "一圖速覽2024年晉中市政府工作報告");
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn text_tags_show_as_categories_and_origin_selects_by_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set(
        "wire.xml",
        Canned::rss(&feed(
            "滚动",
            &[(
                "w1",
                "https://www.example.cn/1",
                "秋收忙",
                "中新网太原11月25日电 连日来，农民抢收玉米。",
                "2026-11-25 10:00:00",
            )],
        )),
    );
    server.set(
        "other.xml",
        Canned::rss(&feed(
            "山西",
            &[(
                "o1",
                "https://other.example.cn/1",
                "省城新闻",
                "本地新闻。",
                "2026-11-25 09:00:00",
            )],
        )),
    );
    server.set("hk.xml", Canned::rss(&feed("香港", &[])));
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    daemon.poll_all().await;

    let shanxi = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(shanxi.len(), 2, "{shanxi:?}");
    let by_source = feed_entries(&daemon, "/feeds/shanxi.xml?origin=source").await;
    let titles: Vec<&str> = by_source.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles, vec!["省城新闻"]);
    let by_dateline = feed_entries(&daemon, "/feeds/shanxi.xml?origin=dateline").await;
    assert_eq!(by_dateline.len(), 1);
    assert_eq!(by_dateline[0].1, "秋收忙");
    let (_, rss) = get(&daemon, "/feeds/shanxi.xml").await;
    assert!(rss.contains(">山西</category>"), "{rss}");
    let (status, body) = get(&daemon, "/feeds/shanxi.xml?origin=rumour").await;
    assert_eq!(status, 400);
    assert!(body.contains("origin"), "{body}");
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn guid_and_link_churn_keep_one_item_with_the_same_output_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let item = |guid: &str, link: &str| {
        Canned::rss(&feed(
            "山西",
            &[(
                guid,
                link,
                "太原迎来初雪",
                "太原初雪。",
                "2026-11-25 10:52:00",
            )],
        ))
    };
    server.set(
        "other.xml",
        item("g-1", "http://m.example.cn/a.shtml?utm_source=weibo"),
    );
    server.set("wire.xml", Canned::rss(&feed("滚动", &[])));
    server.set("hk.xml", Canned::rss(&feed("香港", &[])));
    let daemon = start_daemon(dir.path(), &sources(&server)).await;
    daemon.poll_all().await;
    let before = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(before.len(), 1);

    // A new guid and the https, www. link with other tracking parameters: the same item.
    for (guid, link) in [
        (
            "g-2",
            "https://www.example.cn/a.shtml?spm=1.2&amp;from=timeline",
        ),
        ("g-3", "https://example.cn/a.shtml#comments"),
    ] {
        server.set("other.xml", item(guid, link));
        let report = daemon.poll_source("other").await.unwrap();
        let PollOutcome::Stored(summary) = report.outcome else {
            panic!("{report:?}")
        };
        assert_eq!(summary.new, 0, "{guid}: {summary:?}");
    }
    let after = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].0, before[0].0, "the output id never changes");
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

//! Real-world Chinese encodings and hostile XML, fetched over HTTP from a loopback server.

mod common;

use common::{Canned, FixtureServer, feed_entries, source_tables, start_daemon};
use regionfeed::poll::PollOutcome;

fn feed_xml(declaration: Option<&str>, title: &str) -> String {
    let declaration = declaration
        .map(|label| format!("<?xml version=\"1.0\" encoding=\"{label}\"?>\n"))
        .unwrap_or_default();
    format!(
        "{declaration}<rss version=\"2.0\"><channel><title>源</title><link>https://example.cn/</link><description>d</description>\
         <item><title>{title}</title><link>https://example.cn/{}</link><description>{title}</description>\
         <pubDate>2026-11-25 10:52:00</pubDate></item></channel></rss>",
        title.chars().count()
    )
}

fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(
        !unmappable,
        "test text must be encodable in {}",
        encoding.name()
    );
    bytes.into_owned()
}

/// Feeds in every encoding shape real Chinese sources serve: (path, content type, bytes, the title that
/// must come out).
fn encoding_cases() -> Vec<(&'static str, &'static str, Vec<u8>, &'static str)> {
    use encoding_rs::{BIG5, GB18030};
    vec![
        (
            "gbk-http-only.xml",
            "text/xml; charset=GBK",
            encode(GB18030, &feed_xml(None, "山西晋中迎来初雪")),
            "山西晋中迎来初雪",
        ),
        (
            "gb2312-xml-only.xml",
            "text/xml",
            encode(GB18030, &feed_xml(Some("gb2312"), "太原市区道路通行有序")),
            "太原市区道路通行有序",
        ),
        (
            "gbk-neither.xml",
            "application/rss+xml",
            encode(GB18030, &feed_xml(None, "陕西西安地铁开通")),
            "陕西西安地铁开通",
        ),
        (
            "gbk-disagreeing.xml",
            "text/xml; charset=utf-8",
            encode(GB18030, &feed_xml(Some("gbk"), "延安苹果丰收")),
            "延安苹果丰收",
        ),
        (
            "latin1-default.xml",
            "text/xml; charset=ISO-8859-1",
            encode(GB18030, &feed_xml(Some("gb2312"), "大同古城灯会")),
            "大同古城灯会",
        ),
        (
            "big5.xml",
            "text/xml; charset=big5",
            encode(BIG5, &feed_xml(Some("big5"), "臺北舉辦兩岸文化交流活動")),
            "臺北舉辦兩岸文化交流活動",
        ),
        (
            "utf16.xml",
            "text/xml",
            {
                let text = feed_xml(Some("utf-16"), "香港天氣轉涼");
                let mut bytes = vec![0xFF, 0xFE];
                bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                bytes
            },
            "香港天氣轉涼",
        ),
        (
            "utf16-no-bom.xml",
            "text/xml",
            feed_xml(Some("utf-16"), "澳門新聞")
                .encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect(),
            "澳門新聞",
        ),
    ]
}

#[tokio::test]
async fn chinese_encodings_come_out_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let cases = encoding_cases();
    let mut tables = Vec::new();
    for (index, (path, content_type, bytes, _)) in cases.iter().enumerate() {
        server.set(path, Canned::new(200, content_type, bytes.clone()));
        tables.push((format!("s{index}"), server.url(path)));
    }
    let tables: Vec<(&str, String, &str)> = tables
        .iter()
        .map(|(id, url)| (id.as_str(), url.clone(), "shanxi"))
        .collect();
    let daemon = start_daemon(dir.path(), &source_tables(&tables)).await;
    for report in daemon.poll_all().await {
        assert!(
            matches!(report.outcome, PollOutcome::Stored(s) if s.new == 1),
            "{report:?}"
        );
    }
    let titles: Vec<String> = feed_entries(&daemon, "/feeds/shanxi.xml")
        .await
        .into_iter()
        .map(|(_, title)| title)
        .collect();
    for (path, _, _, title) in &cases {
        assert!(
            titles.iter().any(|t| t == title),
            "{path}: {title} not in {titles:?}"
        );
    }
}

#[tokio::test]
async fn zoneless_dates_are_beijing_time_in_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("sx.xml", Canned::rss(&feed_xml(None, "太原初雪")));
    let daemon = start_daemon(
        dir.path(),
        &source_tables(&[("sx", server.url("sx.xml"), "shanxi")]),
    )
    .await;
    daemon.poll_all().await;
    let (_, body) = common::get(&daemon, "/feeds/shanxi.xml").await;
    assert!(
        body.contains("<pubDate>Wed, 25 Nov 2026 02:52:00 +0000</pubDate>"),
        "{body}"
    );
}

#[tokio::test]
async fn hostile_xml_is_contained() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n");
    for level in 2..=9 {
        let previous = if level == 2 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        laughs.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    laughs.push_str("]>\n<rss version=\"2.0\"><channel><title>t</title><item><title>&lol9;</title><link>https://x.cn/1</link></item></channel></rss>");
    server.set("laughs.xml", Canned::rss(&laughs));
    server.set("secret.txt", Canned::new(200, "text/plain", "TOP-SECRET"));
    let xxe = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY remote SYSTEM \"{}\">\n<!ENTITY local SYSTEM \"file:///etc/passwd\">\n]>\n\
         <rss version=\"2.0\"><channel><title>t</title><item><title>a &remote; b &local; c</title><link>https://x.cn/2</link></item></channel></rss>",
        server.url("secret.txt")
    );
    server.set("xxe.xml", Canned::rss(&xxe));
    let full = feed_xml(None, "完整的新闻标题");
    server.set("truncated.xml", Canned::rss(&full[..full.len() * 2 / 3]));
    let sources = source_tables(&[
        ("laughs", server.url("laughs.xml"), "shanxi"),
        ("xxe", server.url("xxe.xml"), "shaanxi"),
        ("truncated", server.url("truncated.xml"), "anhui"),
    ]);
    let daemon = start_daemon(dir.path(), &sources).await;
    let reports = daemon.poll_all().await;

    // Entities are never expanded: the billion laughs stays a few bytes, not gigabytes.
    let laughs_items = daemon
        .store()
        .feed_items(
            regionfeed::store::Selection::Regions(vec!["shanxi".into()]),
            10,
        )
        .await
        .unwrap();
    assert!(
        laughs_items.iter().all(|item| item.title.len() < 100),
        "{laughs_items:?}"
    );
    // External entities are never fetched or read.
    assert_eq!(server.requests_to("secret.txt"), 0);
    let (_, output) = common::get(&daemon, "/feeds/all.xml").await;
    assert!(
        !output.contains("TOP-SECRET") && !output.contains("root:"),
        "{output}"
    );
    // A truncated document is a parse error and stores nothing.
    let truncated = reports.iter().find(|r| r.source_id == "truncated").unwrap();
    assert!(
        matches!(&truncated.outcome, PollOutcome::Failed(f) if f.class == "parse"),
        "{truncated:?}"
    );
    assert!(feed_entries(&daemon, "/feeds/anhui.xml").await.is_empty());
}

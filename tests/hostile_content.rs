//! Hostile content in feeds that parse: 100,000 items, 1 MB titles, elements nested 100,000 deep (XML, the
//! HTML of a description, JSON). Each ends in a clean error or in stored, cut output; memory stays bounded;
//! the other sources and the HTTP endpoint carry on.

mod common;

use std::time::Duration;

use common::{
    Canned, FixtureServer, entry_html, get, outcome_of, peak_rss_kib, source_tables, start_daemon,
};
use regionfeed::app::Daemon;
use regionfeed::feed::parse::{MAX_ITEMS_PER_FEED, MAX_TITLE_CHARS};
use regionfeed::poll::PollOutcome;

fn rss_with_items(items: &str) -> Canned {
    Canned::rss(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title><link>https://e.cn/</link>{items}</channel></rss>"
    ))
}

/// Feeds that try to cost too much: 100,000 items, a 1 MB title, XML, HTML and JSON nested 60,000 to
/// 100,000 deep, beside a healthy feed.
fn serve_hostile_feeds(server: &FixtureServer) {
    // 100,000 items, oldest first (≈ 10 MB).
    let mut many = String::new();
    for n in 0..100_000 {
        // One second apart.
        let (day, second) = (1 + n / 86_400, n % 86_400);
        many.push_str(&format!(
            "<item><title>海量{n}</title><link>https://many.e.cn/{n}</link><pubDate>2026-10-{day:02} {:02}:{:02}:{:02}</pubDate></item>",
            second / 3600,
            second / 60 % 60,
            second % 60
        ));
    }
    server.set("many.xml", rss_with_items(&many));
    // A 1 MB title (350,000 three-byte characters).
    server.set(
        "longtitle.xml",
        rss_with_items(&format!(
            "<item><title>山西{}</title><link>https://long.e.cn/1</link></item>",
            "长".repeat(350_000)
        )),
    );
    // XML nested 100,000 deep: quick-xml refuses past 65,535.
    server.set(
        "deepxml.xml",
        rss_with_items(&format!(
            "<item><title>x</title>{}{}</item>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        )),
    );
    // A description whose HTML nests 60,000 deep: it parses, and must not make rendering crawl.
    server.set(
        "deephtml.xml",
        rss_with_items(&format!(
            "<item><title>深层</title><link>https://deep.e.cn/1</link><description><![CDATA[晋中{}]]></description></item>",
            "<div>".repeat(60_000)
        )),
    );
    // JSON nested 100,000 deep inside an item.
    server.set(
        "deepjson.json",
        Canned::new(
            200,
            "application/feed+json",
            format!(
                "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{{\"id\":\"1\",\"title\":\"嵌套\",\"x\":{}{}}}]}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
    );
    server.set(
        "healthy.xml",
        rss_with_items("<item><title>正常</title><link>https://ok.e.cn/1</link></item>"),
    );
}

/// What was stored: the newest 1,000 of 100,000 items, the long title cut.
async fn check_stored_items(daemon: &Daemon) {
    let items = daemon
        .store()
        .feed_items(regionfeed::store::Selection::All, 5000)
        .await
        .unwrap();
    let many_titles: Vec<&str> = items
        .iter()
        .filter(|i| i.source_id == "many")
        .map(|i| i.title.as_str())
        .collect();
    assert_eq!(many_titles.len(), MAX_ITEMS_PER_FEED);
    assert!(many_titles.contains(&"海量99999") && !many_titles.contains(&"海量98999"));
    let long = items.iter().find(|i| i.source_id == "longtitle").unwrap();
    assert_eq!(long.title.chars().count(), MAX_TITLE_CHARS);
    assert!(long.title.starts_with("山西长") && long.title.ends_with('…'));
}

/// Output: the long title is cut, the deep HTML comes out as its text, every format is valid.
async fn check_output_formats(daemon: &Daemon) {
    for format in ["xml", "atom", "json"] {
        let (status, body) = get(
            daemon,
            &format!("/feeds/shanxi.{format}?source=longtitle&source=deephtml"),
        )
        .await;
        assert_eq!(status, 200, "{format}");
        assert!(body.len() < 100_000, "{format}: {} bytes", body.len());
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 2, "{format}");
        let deep = feed
            .entries
            .iter()
            .find(|e| e.title.as_ref().is_some_and(|t| t.content == "深层"))
            .unwrap();
        let html = entry_html(deep).unwrap();
        assert_eq!(html, "<p>晋中</p>", "{format}");
    }
}

#[tokio::test]
async fn huge_and_deep_feeds_end_cut_or_refused_with_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    serve_hostile_feeds(&server);
    let ids = ["many", "longtitle", "deepxml", "deephtml", "healthy"];
    let mut sources: Vec<(&str, String, &str)> = ids
        .iter()
        .map(|id| (*id, server.url(&format!("{id}.xml")), "shanxi"))
        .collect();
    sources.push(("deepjson", server.url("deepjson.json"), "shanxi"));
    let daemon = start_daemon(dir.path(), &source_tables(&sources)).await;
    let before = peak_rss_kib();
    let reports = daemon.poll_all().await;
    let after = peak_rss_kib();
    let outcome = |id: &str| outcome_of(&reports, id);

    // 100,000 items: the newest 1,000 stored, in one poll.
    match outcome("many") {
        PollOutcome::Stored(summary) => assert_eq!(summary.new, MAX_ITEMS_PER_FEED),
        other => panic!("many: {other:?}"),
    }
    // The deep XML is refused with a parse error; everything else is stored.
    match outcome("deepxml") {
        PollOutcome::Failed(failure) => {
            assert_eq!(failure.class, "parse", "{}", failure.message);
            assert!(failure.message.contains("deeper"), "{}", failure.message);
        }
        other => panic!("deepxml: {other:?}"),
    }
    for id in ["longtitle", "deephtml", "deepjson", "healthy"] {
        assert!(
            matches!(outcome(id), PollOutcome::Stored(ref s) if s.new == 1),
            "{id}: {:?}",
            outcome(id)
        );
    }
    println!("peak RSS {before} KiB before the poll, {after} KiB after");
    // The body (10 MB) is held by the fixture server, the fetcher and the decoder; the surplus entries are
    // cut before feed-rs models them (≈ 2 KB each: 200 MB for all 100,000).
    assert!(
        after < before + 128 * 1024,
        "peak RSS grew from {before} to {after} KiB"
    );

    check_stored_items(&daemon).await;
    check_output_formats(&daemon).await;
    let (status, _) = get(&daemon, "/feeds/shanxi.xml?source=healthy").await;
    assert_eq!(status, 200);
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

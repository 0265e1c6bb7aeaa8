//! Sources without a feed, end to end through the daemon on loopback: a GBK HTML list page (with
//! `<base href>`, relative and protocol-relative links, every date form, an entry without a link) whose
//! new items' article pages are read once, a JSON list, and a redesigned page that matches nothing.

mod common;

use common::{Canned, FixtureServer, feed_entries, get, run_binary, start_daemon};
use regionfeed::app::Daemon;
use regionfeed::poll::PollOutcome;
use regionfeed::store::IngestSummary;

const LIST: &str = include_str!("fixtures/listing/sx-list.html");
const ARTICLE: &str = include_str!("fixtures/listing/article.html");
const JSON_LIST: &str = include_str!("fixtures/listing/js-list.json");

/// The articles of the Shanxi list: path, title, place of the dateline, day, date line, lead.
const ARTICLES: [(&str, &str, &str, u32, &str, &str); 4] = [
    (
        "sx/news/2026/1125/1.html",
        "太原迎来今冬初雪 市民踏雪赏景",
        "太原",
        25,
        "2026年11月25日 10:52",
        "连日来，太原迎来今冬初雪。",
    ),
    (
        "sx/news/2026/1125/2.html",
        "晋中平遥古城游客量创新高",
        "晋中",
        25,
        "2026年11月25日 09:30",
        "平遥古城游客量创新高。",
    ),
    (
        "sx/news/2026/1124/3.html",
        "大同云冈石窟数字化保护再获进展",
        "大同",
        24,
        "2026年11月24日 18:05",
        "云冈石窟数字化保护再获进展。",
    ),
    (
        "sx/news/2026/1123/5.html",
        "运城苹果出口东南亚",
        "运城",
        23,
        "2026年11月23日 16:20",
        "运城苹果出口东南亚。",
    ),
];

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn list_page(server: &FixtureServer) -> String {
    let host = server.base.trim_start_matches("http://");
    LIST.replace("{base}", &server.base).replace("{host}", host)
}

fn serve_pages(server: &FixtureServer) {
    server.set(
        "sx/news/index.shtml",
        Canned::new(200, "text/html", gbk(&list_page(server))),
    );
    for (n, (path, title, place, day, date, lead)) in ARTICLES.iter().enumerate() {
        let page = ARTICLE
            .replace("{title}", title)
            .replace("{place}", place)
            .replace("{day}", &day.to_string())
            .replace("{date}", date)
            .replace("{lead}", lead)
            .replace("{n}", &n.to_string());
        server.set(path, Canned::new(200, "text/html", gbk(&page)));
    }
    // The fourth entry's article page fails: its item keeps what the list gave.
    server.set(
        "sx/news/2026/1124/4.html",
        Canned::new(500, "text/html", "oops"),
    );
    server.set(
        "js/list.json",
        Canned::new(
            200,
            "application/json",
            JSON_LIST.replace("{base}", &server.base),
        ),
    );
    // A national feed whose one-line descriptions say nothing of place: the article's dateline does.
    let article = ARTICLE
        .replace("{title}", "冬季供暖全面启动")
        .replace("{place}", "南宁")
        .replace("{day}", "25")
        .replace("{date}", "2026年11月25日 08:00")
        .replace("{lead}", "今冬供暖全面启动。")
        .replace("{n}", "7");
    server.set(
        "gn/2026/1125/7.html",
        Canned::new(200, "text/html", gbk(&article)),
    );
    server.set(
        "national/rss.xml",
        Canned::rss(&common::rss(
            "滚动新闻",
            &[(
                "",
                &server.url("gn/2026/1125/7.html"),
                "冬季供暖全面启动",
                "2026-11-25 08:00:00",
            )],
        )),
    );
    server.set(
        "redesigned/index.html",
        Canned::new(
            200,
            "text/html; charset=utf-8",
            "<html><body><div class=\"new-layout\"><a href=\"/x\">新版</a></div></body></html>",
        ),
    );
}

fn sources(server: &FixtureServer) -> String {
    format!(
        r#"[retention]
keep_days = 36500

[[source]]
id = "sx-list"
title = "中新网山西"
url = "{sx}"
region = "shanxi"
[source.html]
item = "div.content_list li"
title = "div.dd_bt a"
link = "div.dd_bt a@href"
date = "div.dd_time"
[source.article]
content = "div.left_zw"

[[source]]
id = "js-json"
title = "江苏列表"
url = "{js}"
region = "national"
[source.json]
items = "data.list"
date = "pubtime"
summary = "digest"

[[source]]
id = "national-rss"
url = "{national}"
region = "national"
[source.article]
content = "div.left_zw"

[[source]]
id = "redesigned"
url = "{redesigned}"
region = "hebei"
[source.html]
item = "div.content_list li"
"#,
        sx = server.url("sx/news/index.shtml"),
        js = server.url("js/list.json"),
        redesigned = server.url("redesigned/index.html"),
        national = server.url("national/rss.xml"),
    )
}

async fn stored(daemon: &Daemon, id: &str) -> IngestSummary {
    let report = daemon.poll_source(id).await.unwrap();
    match report.outcome {
        PollOutcome::Stored(summary) => summary,
        other => panic!("{id}: {other:?}"),
    }
}

#[tokio::test]
async fn list_pages_become_feeds_and_articles_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    serve_pages(&server);
    let daemon = start_daemon(dir.path(), &sources(&server)).await;

    let first = stored(&daemon, "sx-list").await;
    assert_eq!(first.new, 5, "five linked entries; the advert has no link");
    let entries = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    let titles: Vec<&str> = entries.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles.len(), 5, "{titles:?}");
    assert_eq!(titles[0], "太原迎来今冬初雪 市民踏雪赏景", "{titles:?}");
    assert_items_read_as_the_page_and_articles_say(&daemon, &server).await;

    // Polled again with one new entry: only that one is new, and only its page is fetched.
    let mut page = list_page(&server).replace(
        "<ul>\n<li>",
        "<ul>\n<li><div class=\"dd_bt\"><a href=\"2026/1125/6.html\">忻州五台山迎来降雪</a></div><div class=\"dd_time\">11-25 11:40</div></li>\n<li>",
    );
    server.set(
        "sx/news/index.shtml",
        Canned::new(200, "text/html", gbk(&page)),
    );
    let second = stored(&daemon, "sx-list").await;
    assert_eq!((second.new, second.updated, second.unchanged), (1, 0, 5));
    for (path, ..) in ARTICLES {
        assert_eq!(server.requests_to(path), 1, "{path} fetched once");
    }
    assert_eq!(server.requests_to("sx/news/2026/1125/6.html"), 1);

    // An edited title updates the item in place; its article text stays.
    page = page.replace("运城苹果出口东南亚", "运城苹果首次出口东南亚");
    server.set(
        "sx/news/index.shtml",
        Canned::new(200, "text/html", gbk(&page)),
    );
    let third = stored(&daemon, "sx-list").await;
    assert_eq!((third.new, third.updated), (0, 1));
    let (_, json) = get(&daemon, "/feeds/shanxi.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let edited = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["title"] == "运城苹果首次出口东南亚")
        .expect("edited title shown");
    assert!(
        edited["content_html"]
            .as_str()
            .unwrap()
            .contains("中新网运城"),
        "{edited}"
    );
    assert_eq!(
        server.requests_to("sx/news/2026/1123/5.html"),
        1,
        "never re-fetched"
    );
}

/// Links absolute (base href, protocol-relative, `&amp;`), dates from the list or the article, the
/// failed article's item kept, regions from the source and the article's dateline.
async fn assert_items_read_as_the_page_and_articles_say(daemon: &Daemon, server: &FixtureServer) {
    let (_, json) = get(daemon, "/feeds/shanxi.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = json["items"].as_array().unwrap();
    let by_title = |title: &str| {
        items
            .iter()
            .find(|item| item["title"] == title)
            .unwrap_or_else(|| panic!("{title}: {json}"))
    };
    let first = by_title("太原迎来今冬初雪 市民踏雪赏景");
    assert_eq!(
        first["url"],
        format!("{}/sx/news/2026/1125/1.html", server.base)
    );
    assert!(
        first["date_published"]
            .as_str()
            .unwrap()
            .ends_with("-11-25T02:52:00+00:00"),
        "{first}"
    );
    let content = first["content_html"].as_str().unwrap();
    assert!(content.contains("中新网太原11月25日电"), "{content}");
    assert!(
        content.contains(&format!("{}/sx/news/images/0.jpg", server.base)),
        "{content}"
    );
    assert_eq!(
        by_title("晋中平遥古城游客量创新高")["url"],
        format!("{}/sx/news/2026/1125/2.html?from=list&page=1", server.base)
    );
    assert_eq!(
        by_title("大同云冈石窟数字化保护再获进展")["url"],
        format!("{}/sx/news/2026/1124/3.html", server.base)
    );
    // No date on the list: the article's, with its time.
    let dated_by_article = by_title("运城苹果出口东南亚");
    assert_eq!(
        dated_by_article["date_published"],
        "2026-11-23T08:20:00+00:00"
    );
    // The failed article: what the list gave (its title, its [11-24] day), no text.
    let failed = by_title("长治：冬季供暖全面启动");
    assert!(
        failed
            .get("content_html")
            .is_none_or(|c| !c.as_str().unwrap().contains("中新网")),
        "{failed}"
    );
    assert!(
        failed["date_published"]
            .as_str()
            .unwrap()
            .contains("-11-23T16:00:00"),
        "{failed}"
    );
}

#[tokio::test]
async fn json_lists_are_tagged_by_their_text_and_redesigns_show_as_no_items() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    serve_pages(&server);
    let daemon = start_daemon(dir.path(), &sources(&server)).await;

    let json = stored(&daemon, "js-json").await;
    assert_eq!(json.new, 2, "the entry without a link is left out");
    let jiangsu = feed_entries(&daemon, "/feeds/jiangsu.xml").await;
    let titles: Vec<&str> = jiangsu.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(titles, ["南京长江大桥迎来车流高峰", "苏州园林冬季夜游开放"]);
    // Read again (the document differs, its entries do not): nothing new, nothing edited.
    server.set(
        "js/list.json",
        Canned::new(
            200,
            "application/json",
            JSON_LIST
                .replace("{base}", &server.base)
                .replace("\"msg\": \"ok\"", "\"msg\": \"ok again\""),
        ),
    );
    let again = stored(&daemon, "js-json").await;
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 2));

    // [source.article] on a feed: the article's text (its dateline) places the item.
    let national = stored(&daemon, "national-rss").await;
    assert_eq!(national.new, 1);
    let guangxi = feed_entries(&daemon, "/feeds/guangxi.xml").await;
    assert!(
        guangxi.iter().any(|(_, title)| title == "冬季供暖全面启动"),
        "{guangxi:?}"
    );

    let report = daemon.poll_source("redesigned").await.unwrap();
    let PollOutcome::Failed(failure) = report.outcome else {
        panic!("{report:?}")
    };
    assert_eq!(failure.class, "no-items");
    let (_, sources) = get(&daemon, "/sources").await;
    assert!(sources.contains("\"no-items\""), "{sources}");
    assert!(
        sources.contains("selector `div.content_list li` matched nothing on a"),
        "{sources}"
    );
    // Each source says how it is read.
    let report: serde_json::Value = serde_json::from_str(&sources).unwrap();
    let kinds: std::collections::BTreeMap<String, String> = report
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|region| region["sources"].as_array().unwrap())
        .map(|source| {
            (
                source["id"].as_str().unwrap().to_string(),
                source["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(kinds["sx-list"], "html+articles");
    assert_eq!(kinds["js-json"], "json");
    assert_eq!(kinds["national-rss"], "feed+articles");
}

fn preview_args(config: &std::path::Path, source: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "preview".to_string(),
        "--config".to_string(),
        config.display().to_string(),
        "--source".to_string(),
        source.to_string(),
    ];
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

#[tokio::test]
async fn preview_shows_what_a_poll_would_read_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    serve_pages(&server);
    let config = dir.path().join("regionfeed.toml");
    let database = dir.path().join("preview.db");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndatabase = \"{}\"\n{}",
            database.display(),
            sources(&server)
        ),
    )
    .unwrap();

    // Online: the page fetched, the newest two articles read (their text counted).
    let (ok, stdout, stderr) =
        run_binary(preview_args(&config, "sx-list", &["--articles", "2"])).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("sx-list (html source)") && stdout.contains("5 items"),
        "{stdout}"
    );
    assert!(stdout.contains("1 entry had no link"), "{stdout}");
    let first = server.url("sx/news/2026/1125/1.html");
    assert!(stdout.contains(&format!("link     {first}")), "{stdout}");
    assert!(
        stdout.contains("2026-11-25 10:52 +08:00 — given by the source"),
        "{stdout}"
    );
    assert!(stdout.contains("the day in the link"), "{stdout}");
    assert_eq!(stdout.matches("article  read: text").count(), 2, "{stdout}");
    assert!(stdout.contains("regions  shanxi (source)"), "{stdout}");

    // Offline, from a saved copy: links resolve against the source's url; no article is read.
    let saved = dir.path().join("list.json");
    std::fs::write(&saved, JSON_LIST.replace("{base}", "https://js.example.cn")).unwrap();
    let (ok, stdout, stderr) = run_binary(preview_args(
        &config,
        "js-json",
        &["--html", saved.to_str().unwrap(), "--json"],
    ))
    .await;
    assert!(ok, "{stderr}");
    let preview: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(preview["kind"], "json");
    let items = preview["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{stdout}");
    assert!(items.iter().all(|item| item["article"].is_null()));
    assert!(
        items
            .iter()
            .any(|item| item["regions"][0]["region"] == "jiangsu"),
        "{stdout}"
    );

    // A page the rules no longer fit: exit 1, the selector and page named.
    let (ok, _, stderr) = run_binary(preview_args(&config, "redesigned", &[])).await;
    assert!(!ok);
    assert!(
        stderr.contains("[no-items]") && stderr.contains("`div.content_list li` matched nothing"),
        "{stderr}"
    );
    assert!(!database.exists(), "preview stores nothing");
}

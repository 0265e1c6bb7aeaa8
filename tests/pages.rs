//! The pages people look at, over real HTTP on the bundled demo: the index map (35 linked `data-region`
//! shapes, shading, titles, failing sources), the page-size budget (index < 150 KB, gzip < 60 KB), the
//! reading pages (items, links, paging, the feeds' caching), no server path in any output, and every
//! page passing the offline HTML check (`tests/common/html.rs`).

mod common;

use std::io::Read;
use std::path::Path;

use common::{Canned, FixtureServer, demo_daemon, html, rss, source_tables, start_daemon};
use regionfeed::app::Daemon;

fn url(daemon: &Daemon, path: &str) -> String {
    format!("http://{}{path}", daemon.local_addr())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().build().unwrap()
}

async fn page(daemon: &Daemon, path: &str) -> String {
    let response = client().get(url(daemon, path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8",
        "{path}"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_index_map_links_every_region_and_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = demo_daemon(dir.path()).await;
    let index = page(&daemon, "/").await;
    let tags = html::check(&index);
    let shapes: Vec<&html::StartTag> = tags
        .iter()
        .filter(|tag| tag.attribute("data-region").is_some())
        .collect();
    assert_eq!(shapes.len(), 35, "34 regions and 兵团");
    let anchors: Vec<&html::StartTag> = tags.iter().filter(|tag| tag.name == "a").collect();
    for region in regionfeed::regions::REGIONS {
        let shape = shapes
            .iter()
            .find(|tag| tag.attribute("data-region") == Some(region.slug))
            .unwrap_or_else(|| panic!("no shape for {}", region.slug));
        assert!(shape.ancestors.iter().any(|a| a == "svg"), "{shape:?}");
        assert_eq!(shape.ancestors.last().map(String::as_str), Some("a"));
        let page_link = url(&daemon, &format!("/feeds/{}.html", region.slug));
        assert!(
            anchors
                .iter()
                .any(|a| a.attribute("href") == Some(&page_link)),
            "{page_link}"
        );
        // The region's reading page answers.
        assert_eq!(client().get(&page_link).send().await.unwrap().status(), 200);
    }
    // The demo fills the map: every drawn region but Qinghai (no new items) is shaded.
    let unshaded: Vec<&str> = shapes
        .iter()
        .filter(|tag| tag.attribute("class").is_some_and(|c| c.contains("s0")))
        .filter_map(|tag| tag.attribute("data-region"))
        .collect();
    assert!(unshaded.len() <= 1, "{unshaded:?}");
    assert!(index.contains("山西：24小时内新条目 4；最新 2026-11-25 10:52 太原迎来今冬首场降雪"));
    assert!(index.contains("兵团（新疆生产建设兵团）") && index.contains("南海诸岛"));
    assert!(index.contains("最新条目（北京时间 2026-11-25 11:40）之前24小时内"));

    let size = index.len();
    let gzip = client()
        .get(url(&daemon, "/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let compressed = gzip.bytes().await.unwrap();
    let mut inflated = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut inflated)
        .unwrap();
    assert_eq!(inflated, index);
    eprintln!("index page: {size} bytes, {} bytes gzip", compressed.len());
    assert!(size < 150_000, "index page is {size} bytes");
    assert!(compressed.len() < 60_000, "gzip {} bytes", compressed.len());
}

#[tokio::test]
async fn a_failing_source_shows_on_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set(
        "sx.xml",
        Canned::rss(&rss(
            "山西",
            &[(
                "",
                "https://sx.example.cn/1",
                "太原新闻",
                "2026-11-25 09:00:00",
            )],
        )),
    );
    server.set("sn.xml", Canned::new(503, "text/plain", "down"));
    let daemon = start_daemon(
        dir.path(),
        &source_tables(&[
            ("sx", server.url("sx.xml"), "shanxi"),
            ("sn", server.url("sn.xml"), "shaanxi"),
        ]),
    )
    .await;
    daemon.poll_all().await;
    let index = page(&daemon, "/").await;
    let tags = html::check(&index);
    let class_of = |slug: &str| {
        tags.iter()
            .find(|tag| tag.attribute("data-region") == Some(slug))
            .and_then(|tag| tag.attribute("class"))
            .unwrap()
            .to_string()
    };
    assert!(
        class_of("shaanxi").contains("bad"),
        "{}",
        class_of("shaanxi")
    );
    assert!(!class_of("shanxi").contains("bad"));
    assert!(
        index.contains("陕西：24小时内新条目 0；来源故障：sn (http-5xx)"),
        "{index}"
    );
}

#[tokio::test]
async fn reading_pages_show_items_links_and_paging_with_the_feeds_caching() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = demo_daemon(dir.path()).await;
    let shanxi = page(&daemon, "/feeds/shanxi.html").await;
    let tags = html::check(&shanxi);
    for title in [
        "太原迎来今冬首场降雪 城区道路有序通行",
        "太原至忻州城际铁路开通运营",
        "大同云冈石窟数字化保护取得新进展",
    ] {
        assert!(shanxi.contains(title), "{title}");
    }
    assert!(shanxi.contains(">2026-11-25 10:52</time> 北京时间"));
    assert!(shanxi.contains("也见于：<a href=\"https://www.example.cn/gn/2026/11-25/10452360.shtml\">中新网滚动新闻（演示）</a>"));
    assert!(shanxi.contains("<a href=\"https://www.example.cn/shanxi/\">中新网山西（演示）</a>"));
    assert!(!shanxi.contains("<script"));
    let hrefs: Vec<&str> = tags
        .iter()
        .filter_map(|tag| tag.attribute("href"))
        .collect();
    for extension in ["xml", "atom", "json"] {
        let feed = url(&daemon, &format!("/feeds/shanxi.{extension}"));
        assert!(hrefs.contains(&feed.as_str()), "{feed}");
    }

    // Filters and paging carry over to the page, its subscribe links and its next page.
    let filtered = page(&daemon, "/feeds/all.html?limit=1&filter=%E5%A4%AA%E5%8E%9F").await;
    html::check(&filtered);
    let next = filtered
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next-page link")
        .replace("&amp;", "&");
    assert!(
        next.contains("limit=1&filter=") && next.contains("before="),
        "{next}"
    );
    assert!(filtered.contains(&format!(
        "href=\"{}\"",
        url(
            &daemon,
            "/feeds/all.xml?limit=1&amp;filter=%E5%A4%AA%E5%8E%9F"
        )
    )));
    let second = client()
        .get(&next)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    html::check(&second);
    assert!(second.contains("← 最新"));
    assert_eq!(
        second.matches("<article").count() + filtered.matches("<article").count(),
        2
    );

    // ETag/304 and gzip, as for the feeds.
    let first = client()
        .get(url(&daemon, "/feeds/shanxi.html"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(first.headers()["content-encoding"], "gzip");
    let etag = first.headers()["etag"].clone();
    let again = client()
        .get(url(&daemon, "/feeds/shanxi.html"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn no_output_names_a_path_on_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = demo_daemon(dir.path()).await;
    let feeds_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo-feeds");
    for path in [
        "/feeds/all.xml?limit=500",
        "/feeds/all.atom?limit=500",
        "/feeds/all.json?limit=500",
        "/feeds/all.html?limit=500",
        "/",
    ] {
        let body = client()
            .get(url(&daemon, path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !body.contains("file:") && !body.contains(&*feeds_dir.to_string_lossy()),
            "{path} names a local path"
        );
    }
    let rss = client()
        .get(url(&daemon, "/feeds/shanxi.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rss.contains("<link>") && rss.contains(&url(&daemon, "/feeds/shanxi.html")));
    assert!(
        rss.contains("<source url=\"https://www.example.cn/shanxi/\">中新网山西（演示）</source>")
    );
}

//! The published feeds over real HTTP: formats, caching (ETag/304, Last-Modified, gzip), paging,
//! filters, sanitising, the index page and OPML.

mod common;

use std::io::Read;

use common::{Canned, FixtureServer, entry_html, get, rss, source_tables, start_daemon};
use regionfeed::app::Daemon;

/// A daemon with 12 Shanxi items (several sharing a publication time), 2 Shaanxi items and 1 national.
async fn daemon_with_items(dir: &std::path::Path) -> (FixtureServer, Daemon) {
    let server = FixtureServer::start().await;
    let mut items: Vec<(String, String, String, String)> = Vec::new();
    for n in 0..12 {
        // Pairs of items share a minute, as chinanews items often do.
        let minute = 10 + n / 2;
        items.push((
            String::new(),
            format!("https://sx.example.cn/2026/11-25/{n}.shtml"),
            format!("太原新闻{n}"),
            format!("2026-11-25 09:{minute:02}:00"),
        ));
    }
    let borrowed: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    server.set("sx.xml", Canned::rss(&rss("山西", &borrowed)));
    server.set(
        "sn.xml",
        Canned::rss(&rss(
            "陕西",
            &[
                (
                    "sn-1",
                    "https://sn.example.cn/1",
                    "西安地鐵開通",
                    "2026-11-25 08:00:00",
                ),
                (
                    "sn-2",
                    "https://sn.example.cn/2",
                    "延安苹果丰收",
                    "2026-11-24 08:00:00",
                ),
            ],
        )),
    );
    server.set(
        "cn.xml",
        Canned::rss(&rss(
            "全国",
            &[(
                "",
                "https://www.example.cn/1",
                "全国供暖启动",
                "2026-11-25 11:20:00",
            )],
        )),
    );
    let mut sources = source_tables(&[
        ("sx", server.url("sx.xml"), "shanxi"),
        ("sn", server.url("sn.xml"), "shaanxi"),
        ("cn", server.url("cn.xml"), "national"),
    ]);
    sources = sources.replacen(
        "region = \"shanxi\"\n",
        "region = \"shanxi\"\nschedule = \"*/5 * * * *\"\n",
        1,
    );
    let daemon = start_daemon(dir, &sources).await;
    for report in daemon.poll_all().await {
        assert!(!report.failed(), "{report:?}");
    }
    (server, daemon)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_gzip().build().unwrap()
}

fn url(daemon: &Daemon, path: &str) -> String {
    format!("http://{}{path}", daemon.local_addr())
}

fn ids_and_titles(body: &[u8]) -> Vec<(String, String)> {
    let feed = feed_rs::parser::parse(body).unwrap();
    feed.entries
        .into_iter()
        .map(|e| (e.id, e.title.map(|t| t.content).unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn conditional_requests_get_304_without_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let (server, daemon) = daemon_with_items(dir.path()).await;
    let client = client();
    let first = client
        .get(url(&daemon, "/feeds/shanxi.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let last_modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    assert!(last_modified.ends_with(" GMT"), "{last_modified}");
    assert_eq!(first.headers()["cache-control"], "public, max-age=300");
    assert_eq!(first.headers()["vary"], "Accept-Encoding");
    let body = first.text().await.unwrap();
    assert!(
        body.contains("<ttl>5</ttl>"),
        "ttl follows the */5 schedule"
    );
    let renders_before = daemon.render_counts().1;

    let conditional = client
        .get(url(&daemon, "/feeds/shanxi.xml"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(conditional.status(), 304);
    assert_eq!(conditional.headers()["etag"].to_str().unwrap(), etag);
    assert!(conditional.text().await.unwrap().is_empty());
    let by_date = client
        .get(url(&daemon, "/feeds/shanxi.xml"))
        .header("if-modified-since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), 304);
    assert_eq!(
        daemon.render_counts().1,
        renders_before,
        "a 304 renders nothing"
    );

    // A cached body is served again without rendering.
    let again = client
        .get(url(&daemon, "/feeds/shanxi.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.text().await.unwrap(), body);
    assert_eq!(daemon.render_counts().1, renders_before);

    // New data: the old ETag no longer matches, and the body is rendered afresh.
    server.set(
        "sx.xml",
        Canned::rss(&rss(
            "山西",
            &[(
                "",
                "https://sx.example.cn/new",
                "大同新闻",
                "2026-11-25 12:00:00",
            )],
        )),
    );
    daemon.poll_source("sx").await.unwrap();
    let changed = client
        .get(url(&daemon, "/feeds/shanxi.xml"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert!(changed.text().await.unwrap().contains("大同新闻"));
}

#[tokio::test]
async fn gzip_is_served_when_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, daemon) = daemon_with_items(dir.path()).await;
    let client = client();
    let plain = client
        .get(url(&daemon, "/feeds/all.xml"))
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_body = plain.bytes().await.unwrap();

    let gzipped = client
        .get(url(&daemon, "/feeds/all.xml"))
        .header("accept-encoding", "br;q=1.0, gzip;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let compressed = gzipped.bytes().await.unwrap();
    assert!(compressed.len() < plain_body.len());
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, plain_body);

    let refused = client
        .get(url(&daemon, "/feeds/all.xml"))
        .header("accept-encoding", "gzip;q=0, identity")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn paging_walks_the_whole_region_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, daemon) = daemon_with_items(dir.path()).await;
    let client = client();
    let mut next = Some(url(&daemon, "/feeds/shanxi.atom?limit=5"));
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut pages = 0;
    while let Some(page_url) = next.take() {
        pages += 1;
        assert!(pages <= 10, "paging does not end");
        let body = client
            .get(&page_url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap();
        seen.extend(feed.entries.iter().map(|e| {
            (
                e.id.clone(),
                e.title.clone().map(|t| t.content).unwrap_or_default(),
            )
        }));
        next = feed
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("next"))
            .map(|l| l.href.clone());
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 12);
    let mut ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no item twice");
    // Newest first: 太原新闻10/11 share the newest minute; 太原新闻0/1 the oldest.
    assert!(
        seen[..2]
            .iter()
            .all(|(_, t)| t == "太原新闻10" || t == "太原新闻11"),
        "{seen:?}"
    );
    assert!(
        seen[10..]
            .iter()
            .all(|(_, t)| t == "太原新闻0" || t == "太原新闻1"),
        "{seen:?}"
    );

    // RSS and JSON carry the next link too.
    let (_, rss_body) = get(&daemon, "/feeds/shanxi.xml?limit=5").await;
    assert!(rss_body.contains("rel=\"next\""), "{rss_body}");
    let (_, json_body) = get(&daemon, "/feeds/shanxi.json?limit=5").await;
    assert!(json_body.contains("\"next_url\""), "{json_body}");
}

#[tokio::test]
async fn formats_and_content_types() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, daemon) = daemon_with_items(dir.path()).await;
    let client = client();
    for (path, content_type) in [
        ("/feeds/shaanxi.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/shaanxi.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/shaanxi.atom", "application/atom+xml; charset=utf-8"),
        (
            "/feeds/shaanxi.json",
            "application/feed+json; charset=utf-8",
        ),
        (
            "/feeds/shaanxi.xml?format=json",
            "application/feed+json; charset=utf-8",
        ),
        (
            "/feeds/shaanxi.json?format=atom",
            "application/atom+xml; charset=utf-8",
        ),
    ] {
        let response = client.get(url(&daemon, path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        let entries = ids_and_titles(&response.bytes().await.unwrap());
        let titles: Vec<&str> = entries.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(titles, vec!["西安地鐵開通", "延安苹果丰收"], "{path}");
    }
    let response = client
        .get(url(&daemon, "/feeds/shaanxi.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let (status, body) = get(&daemon, "/feeds/shaanxi.pdf").await;
    assert_eq!(status, 404);
    assert!(body.contains(".atom") && body.contains(".html"), "{body}");
}

#[tokio::test]
async fn filters_select_items_and_bad_ones_are_400() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, daemon) = daemon_with_items(dir.path()).await;
    let titles = |body: String| -> Vec<String> {
        ids_and_titles(body.as_bytes())
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    };
    let (_, body) = get(
        &daemon,
        "/feeds/all.xml?filter_title=%E5%9C%B0%E9%90%B5|%E4%BE%9B%E6%9A%96",
    )
    .await;
    assert_eq!(titles(body), vec!["全国供暖启动", "西安地鐵開通"]);
    let (_, body) = get(
        &daemon,
        "/feeds/shanxi+shaanxi.xml?filterout=%E5%A4%AA%E5%8E%9F",
    )
    .await;
    assert_eq!(titles(body), vec!["西安地鐵開通", "延安苹果丰收"]);
    let (_, body) = get(&daemon, "/feeds/all.xml?source=sn&source=cn").await;
    assert_eq!(titles(body).len(), 3);
    let (_, body) = get(&daemon, "/feeds/all.xml?filter=%E5%B1%B1%E8%A5%BF&limit=3").await;
    assert_eq!(titles(body).len(), 3, "region names are searchable");
    let (_, body) = get(&daemon, "/feeds/shaanxi.xml?since=2026-11-25T00:00:00Z").await;
    assert_eq!(titles(body), vec!["西安地鐵開通"]);
    let (_, body) = get(&daemon, "/feeds/shaanxi.xml?opencc=t2s").await;
    assert_eq!(titles(body), vec!["西安地铁开通", "延安苹果丰收"]);
    let (_, body) = get(&daemon, "/feeds/shaanxi.xml?opencc=s2t").await;
    assert!(titles(body).contains(&"延安蘋果豐收".to_string()));
    // filter_time counts back from now: nothing is a minute old, everything is within ten years.
    let (_, body) = get(&daemon, "/feeds/shaanxi.xml?filter_time=60").await;
    assert!(titles(body).is_empty());
    let (_, body) = get(&daemon, "/feeds/shaanxi.xml?filter_time=315360000").await;
    assert_eq!(titles(body).len(), 2);
    // Unknown parameters are ignored.
    let (status, _) = get(&daemon, "/feeds/shaanxi.xml?utm_source=x").await;
    assert_eq!(status, 200);

    for (query, parameter) in [
        ("filter=(", "`filter`"),
        ("filter_description=a{99999}", "`filter_description`"),
        ("filterout_title=%5B", "`filterout_title`"),
        ("limit=abc", "`limit`"),
        ("since=tomorrow", "`since`"),
        ("opencc=zh", "`opencc`"),
    ] {
        let (status, body) = get(&daemon, &format!("/feeds/shanxi.xml?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(body.contains(parameter), "{query}: {body}");
    }
}

/// XSS vectors from the public cheat sheets (OWASP's XSS Filter Evasion Cheat Sheet, PortSwigger's XSS
/// cheat sheet): none may survive into any output format.
const XSS_VECTORS: &[&str] = &[
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">mixed case</a>",
    "<a href=\"&#106;avascript:alert(1)\">entity</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">embedded tab</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">embedded newline</a>",
    "<a href=\" &#14;  javascript:alert(1)\">leading junk</a>",
    "<a href=\"javascript&colon;alert(1)\">named colon</a>",
    "<a href=\"vbscript:msgbox(1)\">vbscript</a>",
    "<svg onload=alert(1)><circle r=1></circle></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>svg link</text></a></svg>",
    "<svg><script>alert(1)</script></svg>",
    "<div style=\"background:url(javascript:alert(1))\">style url</div>",
    "<p style=\"width: expression(alert(1))\">expression</p>",
    "<table background=\"javascript:alert(1)\"><tr><td>table</td></tr></table>",
    "<img srcset=\"javascript:alert(1) 1x\" src=\"https://ok.example/a.png\">",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
    "<form action=\"https://evil.example/\"><input name=x></form>",
    "<button formaction=\"javascript:alert(1)\">button</button>",
    "<isindex action=\"javascript:alert(1)\" type=image>",
    "<style>body{background:red}</style>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<link rel=\"stylesheet\" href=\"javascript:alert(1)\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>details</details>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<marquee onstart=alert(1)>marquee</marquee>",
    "<x onclick=alert(1)>custom element</x>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
];

/// What must not appear in any item's HTML, title or link once our output is parsed back.
fn dangerous(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for forbidden in [
        "<script",
        "javascript:",
        "vbscript:",
        "expression(",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<button",
        "<isindex",
        "<style",
        "<link",
        "<meta",
        "<base",
        "<svg",
        "<template",
        "<noscript",
        "style=",
        "srcset=",
        "background=",
        "formaction",
        "data:text",
        "alert(1)</",
    ] {
        if lower.contains(forbidden) {
            return Some(forbidden.to_string());
        }
    }
    // Any event handler attribute (onload=, onerror=, ontoggle= …).
    static HANDLER: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"[\s/\x22']on[a-z]+\s*=").unwrap());
    HANDLER.find(&lower).map(|m| m.as_str().to_string())
}

#[tokio::test]
async fn no_script_survives_into_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>x</title><link>https://example.cn/</link><description>d</description>",
    );
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    for (n, vector) in XSS_VECTORS.iter().enumerate() {
        // In the description, as HTML.
        xml.push_str(&format!(
            "<item><title>vector {n}</title><link>https://example.cn/{n}</link><description>安全文本{n} {}</description><pubDate>2026-11-25 10:{:02}:00</pubDate></item>",
            escape(vector),
            n % 60
        ));
        // In the title and the author, with a script URL as the item's link.
        xml.push_str(&format!(
            "<item><title>安全文本标题{n} {}</title><link>javascript:alert({n})</link><guid isPermaLink=\"false\">t{n}</guid><author>{}</author><description>安全文本</description><pubDate>2026-11-24 10:{:02}:00</pubDate></item>",
            escape(vector),
            escape(vector),
            n % 60
        ));
    }
    xml.push_str("</channel></rss>");
    server.set("xss.xml", Canned::rss(&xml));
    let daemon = start_daemon(
        dir.path(),
        &source_tables(&[("xss", server.url("xss.xml"), "anhui")]),
    )
    .await;
    daemon.poll_all().await;
    let tag = regex::Regex::new(r"<[a-zA-Z/!]").unwrap();
    for extension in ["xml", "atom", "json"] {
        let (status, body) = get(&daemon, &format!("/feeds/anhui.{extension}?limit=200")).await;
        assert_eq!(status, 200);
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 2 * XSS_VECTORS.len(), "{extension}");
        for entry in &feed.entries {
            let html = entry_html(entry).unwrap_or_default();
            assert!(
                html.contains("安全文本"),
                "{extension}: the harmless text stays: {html}"
            );
            let title = entry
                .title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default();
            assert!(
                title.contains("vector") || title.contains("安全文本标题"),
                "{title}"
            );
            let authors: Vec<String> = entry
                .authors
                .iter()
                .filter_map(|a| a.name.clone())
                .collect();
            if let Some(found) = dangerous(&html) {
                panic!("{extension}: {found} survived in the HTML: {html}");
            }
            // Titles and author names are plain text: no markup at all (some readers render them as HTML).
            for text in [&title, &authors.join(" ")] {
                assert!(
                    !tag.is_match(text),
                    "{extension}: markup survived in {text}"
                );
            }
            for link in &entry.links {
                assert!(
                    link.href.starts_with("https://") || link.href.starts_with("http://"),
                    "{extension}: link {}",
                    link.href
                );
            }
        }
    }
}

/// Checks that `text` is well-formed XML (end tags match, one root) and returns every `href` and
/// `xmlUrl` attribute.
fn well_formed_links(text: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut links = Vec::new();
    let mut open_elements: i64 = 0;
    let mut roots = 0;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed: {e}\n{text}"));
        let element = match &event {
            quick_xml::events::Event::Start(element) => {
                if open_elements == 0 {
                    roots += 1;
                }
                open_elements += 1;
                element
            }
            quick_xml::events::Event::Empty(element) => element,
            quick_xml::events::Event::End(_) => {
                open_elements -= 1;
                continue;
            }
            quick_xml::events::Event::Eof => break,
            _ => continue,
        };
        for attribute in element.attributes() {
            let attribute = attribute.unwrap();
            if matches!(attribute.key.as_ref(), b"href" | b"xmlUrl") {
                links.push(
                    attribute
                        .decoded_and_normalized_value(
                            quick_xml::XmlVersion::Implicit1_0,
                            reader.decoder(),
                        )
                        .unwrap()
                        .into_owned(),
                );
            }
        }
    }
    assert_eq!((open_elements, roots), (0, 1), "unbalanced document");
    links
}

#[tokio::test]
async fn index_page_is_well_formed_and_every_link_works() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, daemon) = daemon_with_items(dir.path()).await;
    let response = reqwest::get(url(&daemon, "/")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("山西") && html.contains("陕西") && html.contains("兵团"));
    assert!(
        html.contains(">ok</span>"),
        "source health is shown: {html}"
    );
    let links = well_formed_links(&html);
    for region in regionfeed::regions::REGIONS {
        for extension in ["xml", "atom", "json"] {
            let feed = url(&daemon, &format!("/feeds/{}.{extension}", region.slug));
            assert!(links.contains(&feed), "index lacks {feed}");
        }
    }
    assert!(links.len() > 100);
    for link in &links {
        let status = reqwest::get(link).await.unwrap().status();
        assert_eq!(status, 200, "{link}");
    }
}

#[tokio::test]
async fn opml_lists_every_region_feed() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, daemon) = daemon_with_items(dir.path()).await;
    let response = reqwest::get(url(&daemon, "/opml")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/x-opml; charset=utf-8"
    );
    let opml = response.text().await.unwrap();
    let links = well_formed_links(&opml);
    let feeds: Vec<&String> = links.iter().filter(|l| l.contains("/feeds/")).collect();
    assert_eq!(feeds.len(), regionfeed::regions::REGIONS.len() + 1);
    for feed in feeds {
        assert_eq!(
            reqwest::get(feed.as_str()).await.unwrap().status(),
            200,
            "{feed}"
        );
    }
}

#[tokio::test]
async fn json_feed_items_say_where_each_region_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let item = |guid: &str, title: &str, description: &str| {
        format!(
            "<item><guid>{guid}</guid><link>https://www.example.cn/{guid}</link><title>{title}</title>\
             <description>{description}</description><pubDate>2026-11-25 10:00:00</pubDate></item>"
        )
    };
    let national = format!(
        "<rss version=\"2.0\"><channel><title>全国</title><link>https://www.example.cn/</link>{}{}</channel></rss>",
        item(
            "dl",
            "晋中初雪",
            "中新网太原11月25日电 连日来，晋中市迎来初雪。"
        ),
        item("none", "全国供暖启动", "多地进入供暖季。"),
    );
    server.set("cn.xml", Canned::rss(&national));
    server.set(
        "sx.xml",
        Canned::rss(&rss(
            "山西",
            &[(
                "sx-1",
                "https://sx.example.cn/1",
                "省城新闻",
                "2026-11-25 09:00:00",
            )],
        )),
    );
    let sources = source_tables(&[
        ("cn", server.url("cn.xml"), "national"),
        ("sx", server.url("sx.xml"), "shanxi"),
    ]);
    let daemon = start_daemon(dir.path(), &sources).await;
    for report in daemon.poll_all().await {
        assert!(!report.failed(), "{report:?}");
    }
    let (status, body) = get(&daemon, "/feeds/all.json").await;
    assert_eq!(status, 200);
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let regions_of = |title: &str| {
        let item = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["title"] == title)
            .unwrap_or_else(|| panic!("{title} in {body}"));
        item["_regionfeed"]["regions"].clone()
    };
    assert_eq!(
        regions_of("晋中初雪"),
        serde_json::json!([
            {"slug": "shanxi", "origin": "dateline", "evidence": "太原", "lent_by": null}
        ])
    );
    assert_eq!(
        regions_of("省城新闻"),
        serde_json::json!([
            {"slug": "shanxi", "origin": "source", "evidence": null, "lent_by": null}
        ])
    );
    assert_eq!(regions_of("全国供暖启动"), serde_json::json!([]));
}

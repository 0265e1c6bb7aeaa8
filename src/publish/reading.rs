//! The reading page, `GET /feeds/{selector}.html`: a page of items for a person in a browser, from the same
//! [`FeedDocument`] the feeds are rendered from (same selection, filters and paging). Each item shows its
//! title (linked to the article), its time in Beijing time, its source, its regions (linked to their own
//! pages), its sanitised summary and the other sources of its story; the page links to the next (older)
//! page and offers the same query as RSS, Atom and JSON Feed. No JavaScript; one column that fits a
//! phone. Pure: the same document gives the same bytes; every value is escaped.

use std::fmt::Write;

use chrono_tz::Asia::Shanghai;

use super::document::{FeedDocument, ShownItem, utc};
use crate::classify::tag::Origin;
use crate::regions;
use crate::store::StoredRegion;
use crate::text::escape;

/// Most characters of full text shown when an item has no summary.
const SUMMARY_CHARS: usize = 240;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:0 auto;padding:.5rem 1rem;line-height:1.6;color:#1b1b1b}\n\
a{color:#0645ad}header{border-bottom:1px solid #ddd;margin-bottom:.5rem}h1{margin:.2rem 0;font-size:1.6rem}\n\
article{border-bottom:1px solid #eee;padding:.6rem 0}article h2{font-size:1.15rem;margin:0 0 .2rem}\n\
.meta,.also,.subscribe,.query,nav,footer{font-size:.9rem;color:#555}.summary{overflow-wrap:anywhere}\n\
.summary img{max-width:100%;height:auto}nav{display:flex;gap:1rem;justify-content:space-between;padding:.8rem 0}\n\
code{overflow-wrap:anywhere}";

/// The reading page of `document`.
pub fn render_page(document: &FeedDocument<'_>) -> String {
    let mut html = String::with_capacity(4096 + document.items.len() * 1024);
    head(&mut html, document);
    header(&mut html, document);
    html.push_str("<main>\n");
    if document.items.is_empty() {
        let _ = writeln!(
            html,
            "<p>{}</p>",
            escape(&document.convert("没有符合条件的条目。"))
        );
    }
    for item in document.items {
        article(&mut html, document, &ShownItem::new(item, document.opencc));
    }
    html.push_str("</main>\n");
    paging(&mut html, document);
    let _ = writeln!(
        html,
        "<footer><p><a href=\"{}/\">regionfeed</a> {}</p></footer>\n</body>\n</html>",
        escape(&document.base_url),
        env!("CARGO_PKG_VERSION")
    );
    html
}

fn head(html: &mut String, document: &FeedDocument<'_>) {
    let lang = match document.opencc {
        Some(super::query::ScriptConversion::SimplifiedToTraditional) => "zh-Hant",
        _ => "zh-CN",
    };
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{title}</title>\n",
        title = escape(&document.title),
    );
    // Feed autodiscovery: a browser extension or reader finds the same query's feeds here.
    for (format, url) in &document.feed_urls {
        let _ = writeln!(
            html,
            "<link rel=\"alternate\" type=\"{kind}\" title=\"{title} ({label})\" href=\"{url}\"/>",
            kind = format.content_type().split(';').next().unwrap_or_default(),
            title = escape(&document.title),
            label = format.label(),
            url = escape(url),
        );
    }
    let _ = writeln!(html, "<style>\n{STYLE}\n</style>\n</head>\n<body>");
}

fn header(html: &mut String, document: &FeedDocument<'_>) {
    let heading = document
        .title
        .strip_suffix(" · regionfeed")
        .unwrap_or(&document.title);
    let _ = writeln!(
        html,
        "<header>\n<p><a href=\"{base}/\">regionfeed · {index}</a></p>\n<h1>{heading}</h1>",
        base = escape(&document.base_url),
        index = escape(&document.convert("地区新闻订阅")),
        heading = escape(heading),
    );
    let subscribe: Vec<String> = document
        .feed_urls
        .iter()
        .map(|(format, url)| {
            format!(
                "<a class=\"feed\" href=\"{}\" type=\"{}\">{}</a>",
                escape(url),
                format.content_type().split(';').next().unwrap_or_default(),
                format.label()
            )
        })
        .collect();
    let _ = writeln!(
        html,
        "<p class=\"subscribe\">{}{}</p>",
        escape(&document.convert("订阅本页：")),
        subscribe.join(" · ")
    );
    if !document.query.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"query\">{}<code>{}</code></p>",
            escape(&document.convert("条件：")),
            escape(&document.query)
        );
    }
    html.push_str("</header>\n");
}

fn article(html: &mut String, document: &FeedDocument<'_>, shown: &ShownItem<'_>) {
    let item = shown.item;
    let title = escape(&shown.title);
    let heading = match item.link.as_deref() {
        Some(link) => format!("<a href=\"{}\">{title}</a>", escape(link)),
        None => title,
    };
    let published = utc(item.published);
    let beijing = published.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M");
    let source_name = escape(&shown.source_title);
    let source = match shown.source_site().or(shown.source_feed_url()) {
        Some(link) => format!("<a href=\"{}\">{source_name}</a>", escape(link)),
        None => source_name,
    };
    let regions: Vec<String> = item
        .regions
        .iter()
        .filter_map(|tag| Some((regions::by_slug(&tag.slug)?, tag)))
        .map(|(region, tag)| {
            format!(
                "<a href=\"{}/feeds/{}.html\" title=\"{}\">{}</a>",
                escape(&document.base_url),
                region.slug,
                escape(&document.convert(&why_in_region(tag))),
                escape(&document.convert(region.name_simplified))
            )
        })
        .collect();
    let _ = writeln!(
        html,
        "<article id=\"item-{id}\">\n<h2>{heading}</h2>\n<p class=\"meta\"><time datetime=\"{datetime}\">{beijing}</time> {zone} · {source}{regions}</p>",
        id = escape(&item.uid),
        datetime = published.to_rfc3339(),
        zone = escape(&document.convert("北京时间")),
        regions = if regions.is_empty() {
            String::new()
        } else {
            format!(" · {}", regions.join("、"))
        },
    );
    if let Some(summary) = shown.summary_html(SUMMARY_CHARS) {
        let _ = writeln!(html, "<div class=\"summary\">{summary}</div>");
    }
    if let Some(also) = shown.also_html() {
        let _ = writeln!(html, "<p class=\"also\">{also}</p>");
    }
    html.push_str("</article>\n");
}

fn paging(html: &mut String, document: &FeedDocument<'_>) {
    if document.next_url.is_none() && document.first_url.is_none() {
        return;
    }
    html.push_str("<nav>");
    if let Some(first) = &document.first_url {
        let _ = write!(
            html,
            "<a href=\"{}\">{}</a>",
            escape(first),
            escape(&document.convert("← 最新"))
        );
    }
    if let Some(next) = &document.next_url {
        let _ = write!(
            html,
            "<a rel=\"next\" href=\"{}\">{}</a>",
            escape(next),
            escape(&document.convert("更早 →"))
        );
    }
    html.push_str("</nav>\n");
}

/// Why the item is in a region, for the region link's tooltip: `电头：太原`, `来源地区`, `转载来源：hk`.
fn why_in_region(tag: &StoredRegion) -> String {
    let origin = match tag.origin {
        Origin::Source => "来源地区",
        Origin::Dateline => "电头",
        Origin::Title => "标题",
        Origin::Body => "正文",
    };
    let mut why = match &tag.evidence {
        Some(evidence) => format!("{origin}：{evidence}"),
        None => origin.to_string(),
    };
    if let Some(source) = &tag.lent_by {
        why.push_str(&format!("（转载来源 {source}）"));
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::query::Format;
    use crate::store::{AlsoReported, StoredItem, StoredRegion};

    fn item(uid: &str, title: &str) -> StoredItem {
        StoredItem {
            uid: uid.into(),
            source_id: "demo".into(),
            source_url: Some("file:///srv/feeds/demo.xml".into()),
            source_title: Some("演示源".into()),
            source_site: Some("https://www.example.cn/sx/".into()),
            guid: None,
            link: Some("https://www.example.cn/sx/1.shtml".into()),
            title: title.into(),
            summary: Some("<p>中新网太原电 <script>x()</script>降雪</p>".into()),
            content: None,
            author: None,
            published: 1_795_488_720,
            first_seen: 1_795_488_780,
            updated: None,
            regions: vec![
                StoredRegion::from_source("shanxi"),
                StoredRegion {
                    slug: "shaanxi".into(),
                    origin: Origin::Title,
                    evidence: Some("延安".into()),
                    lent_by: Some("other".into()),
                },
            ],
            row_id: 1,
            also_reported_by: vec![AlsoReported {
                source_id: "other".into(),
                source_title: Some("另一家".into()),
                link: Some("https://other.example.cn/1".into()),
            }],
        }
    }

    fn document(items: &[StoredItem]) -> FeedDocument<'_> {
        FeedDocument {
            title: "山西 · regionfeed".into(),
            description: "山西新闻".into(),
            identity: "shanxi?".into(),
            self_url: "http://h/feeds/shanxi.html".into(),
            page_url: "http://h/feeds/shanxi.html".into(),
            next_url: Some("http://h/feeds/shanxi.html?before=1_1".into()),
            first_url: None,
            feed_urls: Format::FEEDS
                .iter()
                .map(|f| (*f, format!("http://h/feeds/shanxi.{}", f.extension())))
                .collect(),
            query: String::new(),
            base_url: "http://h".into(),
            ttl_minutes: 10,
            updated: utc(1_795_488_800),
            items,
            opencc: None,
        }
    }

    #[test]
    fn the_page_shows_each_item_with_its_links() {
        let items = [item("u1", "太原 <初雪>")];
        let page = render_page(&document(&items));
        assert!(page.contains("<h1>山西</h1>"), "{page}");
        assert!(page.contains("太原 &lt;初雪&gt;"), "{page}");
        // 02:52 UTC is 10:52 in Beijing.
        assert!(page.contains(">2026-11-24 10:52</time> 北京时间"), "{page}");
        assert!(page.contains("<a href=\"https://www.example.cn/sx/\">演示源</a>"));
        assert!(page.contains(
            "<a href=\"http://h/feeds/shaanxi.html\" title=\"标题：延安（转载来源 other）\">陕西</a>"
        ));
        assert!(
            page.contains("<a href=\"http://h/feeds/shanxi.html\" title=\"来源地区\">山西</a>")
        );
        assert!(page.contains("也见于：<a href=\"https://other.example.cn/1\">另一家</a>"));
        assert!(page.contains("rel=\"next\" href=\"http://h/feeds/shanxi.html?before=1_1\""));
        for extension in ["xml", "atom", "json"] {
            assert!(page.contains(&format!("href=\"http://h/feeds/shanxi.{extension}\"")));
        }
        assert!(
            !page.contains("<script") && !page.contains("file:"),
            "{page}"
        );
    }

    #[test]
    fn full_text_without_a_summary_is_cut_as_plain_text() {
        let mut long = item("u1", "长文");
        long.summary = None;
        long.content = Some(format!("<div><b>{}</b></div>", "字".repeat(1000)));
        let page = render_page(&document(std::slice::from_ref(&long)));
        assert!(page.contains(&format!("<p>{}…</p>", "字".repeat(SUMMARY_CHARS))));
        assert!(!page.contains("<b>"));
    }
}

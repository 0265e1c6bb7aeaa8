//! Renders items as RSS 2.0, Atom 1.0 or JSON Feed 1.1 (and, through [`super::reading`], the HTML reading
//! page). Pure: the same document gives the same bytes.
//!
//! Every item carries our stable id (`urn:uuid:…`), an RFC 822 / RFC 3339 publication time, a title, an
//! absolute link when upstream gave one, its source (RSS `<source>`, Atom `<source>`, JSON `_regionfeed`)
//! and its regions as categories. Item HTML is sanitised ([`super::sanitise`]). Every feed's home link
//! (RSS `<link>`, Atom `rel="alternate" type="text/html"`, JSON Feed `home_page_url`) is the reading page
//! of the same query. A source is named by a web address only, never by a `file:` path.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::json;

pub use super::document::FeedDocument;
use super::document::{ShownItem, utc};
use super::query::Format;
use super::reading;
pub use super::sanitise::{MAX_HTML_DEPTH, sanitise_html};
use crate::classify::identity::stable_item_id;
use crate::store::StoredItem;

/// Renders `document` in `format`.
pub fn render(format: Format, document: &FeedDocument<'_>) -> String {
    match format {
        Format::Rss => render_rss(document),
        Format::Atom => render_atom(document),
        Format::Json => render_json(document),
        Format::Html => reading::render_page(document),
    }
}

fn fixed(time: DateTime<Utc>) -> DateTime<FixedOffset> {
    time.fixed_offset()
}

fn feed_id(document: &FeedDocument<'_>) -> String {
    format!(
        "urn:uuid:{}",
        stable_item_id("regionfeed-feed", &document.identity)
    )
}

fn render_rss(document: &FeedDocument<'_>) -> String {
    let mut links = vec![rss::extension::atom::Link {
        href: document.self_url.clone(),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Default::default()
    }];
    if let Some(next) = &document.next_url {
        links.push(rss::extension::atom::Link {
            href: next.clone(),
            rel: "next".into(),
            mime_type: Some("application/rss+xml".into()),
            ..Default::default()
        });
    }
    let mut channel = rss::Channel {
        title: document.title.clone(),
        link: document.page_url.clone(),
        description: document.description.clone(),
        language: Some("zh-CN".into()),
        generator: Some(format!("regionfeed {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: Some(document.updated.to_rfc2822()),
        ttl: Some(document.ttl_minutes.to_string()),
        atom_ext: Some(rss::extension::atom::AtomExtension { links }),
        ..Default::default()
    };
    channel.namespaces = BTreeMap::from([
        (
            "atom".to_string(),
            rss::extension::atom::NAMESPACE.to_string(),
        ),
        (
            "dc".to_string(),
            rss::extension::dublincore::NAMESPACE.to_string(),
        ),
    ]);
    channel.items = document
        .items
        .iter()
        .map(|item| {
            let shown = ShownItem::new(item, document.opencc);
            rss::Item {
                title: Some(shown.title.clone()),
                link: item.link.clone(),
                description: shown.description_html(),
                dublin_core_ext: shown.author.clone().map(|author| {
                    rss::extension::dublincore::DublinCoreExtension {
                        creators: vec![author],
                        ..Default::default()
                    }
                }),
                guid: Some(rss::Guid {
                    value: shown.id(),
                    permalink: false,
                }),
                pub_date: Some(utc(item.published).to_rfc2822()),
                categories: shown
                    .regions()
                    .map(|region| rss::Category {
                        name: region.name_simplified.to_string(),
                        domain: Some(format!("{}/feeds/{}.xml", document.base_url, region.slug)),
                    })
                    .collect(),
                source: Some(rss::Source {
                    url: source_address(document, &shown),
                    title: Some(shown.source_title.clone()),
                }),
                ..Default::default()
            }
        })
        .collect();
    channel.to_string()
}

fn atom_link(href: &str, rel: &str, mime_type: Option<&str>) -> atom_syndication::Link {
    atom_syndication::Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime_type.map(str::to_string),
        ..Default::default()
    }
}

/// The address that names an item's source in RSS `<source url>` and Atom `<source><id>`: its feed URL
/// when that is on the web, else its home page, else our own feed of that source (a `file:` source
/// without a home page): never a path on this machine.
fn source_address(document: &FeedDocument<'_>, shown: &ShownItem<'_>) -> String {
    match shown.source_link() {
        Some(link) => link.to_string(),
        None => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("source", &shown.item.source_id)
                .finish();
            format!("{}/feeds/all.xml?{query}", document.base_url)
        }
    }
}

/// An entry's Atom `<source>`: title, a web id, the source's feed (`self`) and home page (`alternate`)
/// where they are web addresses.
fn atom_source(document: &FeedDocument<'_>, shown: &ShownItem<'_>) -> atom_syndication::Source {
    let mut links = Vec::new();
    if let Some(feed) = shown.source_feed_url() {
        links.push(atom_link(feed, "self", None));
    }
    if let Some(site) = shown.source_site() {
        links.push(atom_link(site, "alternate", Some("text/html")));
    }
    atom_syndication::Source {
        title: atom_syndication::Text::plain(shown.source_title.clone()),
        id: source_address(document, shown),
        updated: fixed(utc(shown.item.first_seen)),
        links,
        ..Default::default()
    }
}

fn render_atom(document: &FeedDocument<'_>) -> String {
    use atom_syndication as atom;
    let mut links = vec![
        atom_link(&document.self_url, "self", Some("application/atom+xml")),
        atom_link(&document.page_url, "alternate", Some("text/html")),
    ];
    if let Some(next) = &document.next_url {
        links.push(atom_link(next, "next", Some("application/atom+xml")));
    }
    let entries = document
        .items
        .iter()
        .map(|item| atom_entry(document, item))
        .collect();
    let feed = atom::Feed {
        title: atom::Text::plain(document.title.clone()),
        id: feed_id(document),
        updated: fixed(document.updated),
        authors: vec![atom::Person {
            name: "regionfeed".into(),
            ..Default::default()
        }],
        generator: Some(atom::Generator {
            value: "regionfeed".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            ..Default::default()
        }),
        subtitle: Some(atom::Text::plain(document.description.clone())),
        links,
        lang: Some("zh-CN".into()),
        entries,
        ..Default::default()
    };
    feed.to_string()
}

fn atom_entry(document: &FeedDocument<'_>, item: &StoredItem) -> atom_syndication::Entry {
    use atom_syndication as atom;
    let shown = ShownItem::new(item, document.opencc);
    let mut entry_links = Vec::new();
    if let Some(href) = &item.link {
        entry_links.push(atom_link(href, "alternate", Some("text/html")));
    }
    for copy in &shown.also {
        if let Some(href) = &copy.link {
            let mut related = atom_link(href, "related", Some("text/html"));
            related.title = Some(copy.name.clone());
            entry_links.push(related);
        }
    }
    atom::Entry {
        title: atom::Text::plain(shown.title.clone()),
        id: shown.id(),
        updated: fixed(shown.updated()),
        published: Some(fixed(utc(item.published))),
        authors: shown
            .author
            .clone()
            .map(|name| atom::Person {
                name,
                ..Default::default()
            })
            .into_iter()
            .collect(),
        links: entry_links,
        categories: shown
            .regions()
            .map(|region| atom::Category {
                term: region.slug.to_string(),
                scheme: Some(format!("{}/regions", document.base_url)),
                label: Some(region.name_simplified.to_string()),
            })
            .collect(),
        content: shown.description_html().map(|html| atom::Content {
            value: Some(html),
            content_type: Some("html".into()),
            ..Default::default()
        }),
        source: Some(atom_source(document, &shown)),
        ..Default::default()
    }
}

fn render_json(document: &FeedDocument<'_>) -> String {
    let items: Vec<serde_json::Value> = document
        .items
        .iter()
        .map(|item| {
            let shown = ShownItem::new(item, document.opencc);
            let mut value = json!({
                "id": shown.id(),
                "title": shown.title,
                "date_published": utc(item.published).to_rfc3339(),
                "date_modified": shown.updated().to_rfc3339(),
                "tags": shown.regions().map(|r| r.name_simplified).collect::<Vec<_>>(),
                "_regionfeed": {
                    "regions": item.regions,
                    "source": {
                        "id": item.source_id,
                        "title": shown.source_title,
                        "feed_url": shown.source_feed_url(),
                        "home_page_url": shown.source_site(),
                    },
                    "also_reported_by": item.also_reported_by,
                },
            });
            if let Some(link) = &item.link {
                value["url"] = json!(link);
            }
            if let Some(html) = shown.description_html() {
                value["content_html"] = json!(html);
            }
            if let Some(author) = &shown.author {
                value["authors"] = json!([{ "name": author }]);
            }
            value
        })
        .collect();
    let mut feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": document.title,
        "home_page_url": document.page_url,
        "feed_url": document.self_url,
        "description": document.description,
        "language": "zh-CN",
        "authors": [{ "name": "regionfeed" }],
        "items": items,
    });
    if let Some(next) = &document.next_url {
        feed["next_url"] = json!(next);
    }
    serde_json::to_string_pretty(&feed).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::query::ScriptConversion;
    use crate::regions;
    use crate::store::StoredRegion;

    fn item(uid: &str, title: &str, summary: &str, published: i64, regions: &[&str]) -> StoredItem {
        StoredItem {
            uid: uid.into(),
            source_id: "sx".into(),
            source_url: Some("https://example.cn/sx.xml".into()),
            source_title: Some("山西新闻".into()),
            source_site: None,
            guid: None,
            link: Some("https://example.cn/news/1.shtml".into()),
            title: title.into(),
            summary: Some(summary.into()),
            content: None,
            author: Some("记者".into()),
            published,
            first_seen: published + 60,
            updated: None,
            regions: regions
                .iter()
                .map(|s| StoredRegion::from_source(s))
                .collect(),
            row_id: 1,
            also_reported_by: Vec::new(),
        }
    }

    fn document(items: &[StoredItem]) -> FeedDocument<'_> {
        FeedDocument {
            title: "山西 · regionfeed".into(),
            description: "山西新闻".into(),
            identity: "shanxi".into(),
            self_url: "http://h/feeds/shanxi.xml".into(),
            page_url: "http://h/feeds/shanxi.html".into(),
            first_url: None,
            feed_urls: Vec::new(),
            query: String::new(),
            next_url: Some("http://h/feeds/shanxi.xml?before=1_1".into()),
            base_url: "http://h".into(),
            ttl_minutes: 10,
            updated: utc(1_795_488_800),
            items,
            opencc: None,
        }
    }

    /// Each format parsed back with feed-rs gives the same items, order, ids, dates and categories.
    #[test]
    fn every_format_round_trips_through_feed_rs() {
        let items = vec![
            item(
                "0b9f3c4e-1111-8222-8333-444455556666",
                "太原 <初雪> & 降温",
                "<p>正文</p>",
                1_795_488_720,
                &["shanxi"],
            ),
            item(
                "0b9f3c4e-1111-8222-8333-444455556667",
                "兵团棉花",
                "棉花",
                1_795_480_000,
                &["bingtuan"],
            ),
        ];
        for format in [Format::Rss, Format::Atom, Format::Json] {
            let body = render(format, &document(&items));
            let feed = feed_rs::parser::parse(body.as_bytes())
                .unwrap_or_else(|e| panic!("{format:?}: {e}\n{body}"));
            assert_eq!(feed.entries.len(), 2, "{format:?}");
            for (entry, item) in feed.entries.iter().zip(&items) {
                assert_eq!(entry.id, format!("urn:uuid:{}", item.uid), "{format:?}");
                assert_eq!(
                    entry.title.as_ref().unwrap().content,
                    item.title,
                    "{format:?}"
                );
                assert_eq!(
                    entry.published.unwrap().timestamp(),
                    item.published,
                    "{format:?}"
                );
                assert_eq!(
                    entry.links[0].href, "https://example.cn/news/1.shtml",
                    "{format:?}"
                );
                let category_text: Vec<String> = entry
                    .categories
                    .iter()
                    .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                    .collect();
                let expected = regions::by_slug(&item.regions[0].slug)
                    .unwrap()
                    .name_simplified;
                assert!(
                    category_text.iter().any(|c| c == expected),
                    "{format:?}: {category_text:?}"
                );
            }
        }
    }

    #[test]
    fn rss_has_ttl_next_link_and_source() {
        let items = vec![item("u1", "a", "b", 1_795_488_720, &["shanxi"])];
        let xml = render(Format::Rss, &document(&items));
        assert!(xml.contains("<ttl>10</ttl>"), "{xml}");
        assert!(xml.contains("rel=\"next\""), "{xml}");
        assert!(
            xml.contains("<source url=\"https://example.cn/sx.xml\">山西新闻</source>"),
            "{xml}"
        );
        assert!(
            xml.contains("<guid isPermaLink=\"false\">urn:uuid:u1</guid>"),
            "{xml}"
        );
        let atom = render(Format::Atom, &document(&items));
        assert!(
            atom.contains("<source>") && atom.contains("rel=\"next\""),
            "{atom}"
        );
        let json = render(Format::Json, &document(&items));
        assert!(
            json.contains("\"next_url\"") && json.contains("\"_regionfeed\""),
            "{json}"
        );
    }

    #[test]
    fn every_feed_links_its_reading_page_and_no_local_path() {
        let mut with_site = item("u1", "a", "b", 1_795_488_720, &["shanxi"]);
        with_site.source_url = Some("file:///home/someone/demo-feeds/shanxi.xml".into());
        with_site.source_site = Some("https://www.example.cn/shanxi/".into());
        let mut without_site = item("u2", "c", "d", 1_795_488_000, &["shanxi"]);
        without_site.source_url = Some("file:///home/someone/demo-feeds/shanxi.xml".into());
        without_site.source_id = "demo sx".into();
        let items = vec![with_site, without_site];
        let xml = render(Format::Rss, &document(&items));
        assert!(
            xml.contains("<link>http://h/feeds/shanxi.html</link>"),
            "{xml}"
        );
        assert!(xml.contains("<source url=\"https://www.example.cn/shanxi/\">山西新闻</source>"));
        assert!(
            xml.contains("<source url=\"http://h/feeds/all.xml?source=demo+sx\">"),
            "{xml}"
        );
        let atom = render(Format::Atom, &document(&items));
        assert!(
            atom.contains(
                "<link href=\"http://h/feeds/shanxi.html\" rel=\"alternate\" type=\"text/html\"/>"
            ),
            "{atom}"
        );
        let json = render(Format::Json, &document(&items));
        assert!(
            json.contains("\"home_page_url\": \"http://h/feeds/shanxi.html\""),
            "{json}"
        );
        assert!(
            json.contains("\"home_page_url\": \"https://www.example.cn/shanxi/\""),
            "{json}"
        );
        for text in [xml, atom, json] {
            assert!(
                !text.contains("file:") && !text.contains("/home/"),
                "{text}"
            );
        }
    }

    #[test]
    fn opencc_converts_the_output_script() {
        let items = vec![item(
            "u1",
            "山西新闻",
            "晋中古城",
            1_795_488_720,
            &["shanxi"],
        )];
        let mut doc = document(&items);
        doc.opencc = Some(ScriptConversion::SimplifiedToTraditional);
        let xml = render(Format::Rss, &doc);
        assert!(
            xml.contains("<title>山西新聞</title>") && xml.contains("晉中古城"),
            "{xml}"
        );
    }
}

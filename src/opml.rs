//! OPML in and out: reading a reader's subscription export into source entries (`regionfeed import-opml`),
//! and the one OPML writer ([`write_opml`]) behind both the configured sources grouped by region
//! (`export-opml`) and the list of region feeds (`GET /opml`). Pure.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::Event;
use url::Url;

use crate::classify::gazetteer::Gazetteer;
use crate::classify::tag::{TagInput, tag_item};
use crate::config::SourceConfig;
use crate::regions;
use crate::text::escape;

/// One feed found in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// `xmlUrl`.
    pub url: String,
    /// `title`, else `text`.
    pub title: Option<String>,
    /// Titles of the enclosing outlines (folders), outermost first.
    pub folders: Vec<String>,
}

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// Not well-formed XML.
    #[error("not well-formed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset.
        position: u64,
        /// The parser's message.
        message: String,
    },
    /// Well-formed, but no outline has an `xmlUrl`.
    #[error("no feeds in it (no <outline> with an xmlUrl)")]
    NoFeeds,
}

/// Every feed outline in `text`, in document order.
pub fn read_opml(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = Reader::from_str(text);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut feeds = Vec::new();
    loop {
        let event = reader.read_event().map_err(|error| OpmlError::Xml {
            position: reader.buffer_position(),
            message: error.to_string(),
        })?;
        let (element, is_empty) = match &event {
            Event::Start(element) => (element, false),
            Event::Empty(element) => (element, true),
            Event::End(element) => {
                if element.name().as_ref() == b"outline" {
                    folders.pop();
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        if element.name().as_ref() != b"outline" {
            continue;
        }
        let mut url = None;
        let mut title = None;
        let mut text_attr = None;
        for attribute in element.attributes().flatten() {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.trim().to_string())
                .unwrap_or_default();
            match attribute.key.as_ref() {
                b"xmlUrl" | b"xmlurl" => url = Some(value),
                b"title" => title = Some(value),
                b"text" => text_attr = Some(value),
                _ => {}
            }
        }
        let title = title.or(text_attr).filter(|t| !t.is_empty());
        if let Some(url) = url.filter(|u| !u.is_empty()) {
            feeds.push(OpmlFeed {
                url,
                title: title.clone(),
                folders: folders.iter().flatten().cloned().collect(),
            });
        }
        if !is_empty {
            folders.push(title);
        }
    }
    if feeds.is_empty() {
        return Err(OpmlError::NoFeeds);
    }
    Ok(feeds)
}

/// The region a feed's title or folders name, when they name exactly one (`山西新闻` → `shanxi`).
pub fn guess_region(feed: &OpmlFeed) -> Option<&'static str> {
    let mut text = feed.title.clone().unwrap_or_default();
    for folder in &feed.folders {
        text.push(' ');
        text.push_str(folder);
        // A folder named by slug or pinyin (`shanxi`) counts too.
        if let Some(region) = regions::by_slug(folder.trim()) {
            return Some(region.slug);
        }
    }
    let tags = tag_item(
        Gazetteer::builtin(),
        TagInput {
            title: &text,
            body: "",
            source_regions: &[],
            text_tagging: true,
        },
    );
    let slugs: Vec<&'static str> = tags
        .iter()
        .filter_map(|tag| regions::by_slug(&tag.region).map(|r| r.slug))
        .filter(|slug| *slug != "xinjiang" || !tags.iter().any(|t| t.region == "bingtuan"))
        .collect();
    match slugs[..] {
        [only] => Some(only),
        _ => None,
    }
}

/// A source id for `url` not in `taken`: host and path in lowercase ASCII joined by `-`
/// (`https://www.chinanews.com.cn/rss/sx.xml` → `chinanews-com-cn-rss-sx`), numbered when taken.
pub fn source_id_for(url: &str, taken: &HashSet<String>) -> String {
    let base = match Url::parse(url) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("feed").trim_start_matches("www.");
            let path = url.path().trim_end_matches(".xml").trim_end_matches(".rss");
            format!("{host}{path}")
        }
        Err(_) => "feed".to_string(),
    };
    let mut id = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id
        .trim_end_matches('-')
        .chars()
        .take(48)
        .collect::<String>();
    let id = if id.is_empty() {
        "feed".to_string()
    } else {
        id
    };
    if !taken.contains(&id) {
        return id;
    }
    (2..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("some number is free")
}

/// One `<outline>` of an OPML document: a feed (with `xml_url`) or a folder (with `children`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// `text` and `title`.
    pub text: String,
    /// `xmlUrl`: the feed; `None` for a folder.
    pub xml_url: Option<String>,
    /// `htmlUrl`: the page to read it on.
    pub html_url: Option<String>,
    /// `category`: region slugs.
    pub category: Option<String>,
    /// The outlines inside a folder.
    pub children: Vec<Outline>,
}

/// An OPML 2.0 document titled `title` holding `outlines`; every value is escaped.
pub fn write_opml(
    title: &str,
    date_created: Option<DateTime<Utc>>,
    outlines: &[Outline],
) -> String {
    let mut opml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n",
    );
    opml.push_str(&format!("    <title>{}</title>\n", escape(title)));
    if let Some(date) = date_created {
        opml.push_str(&format!(
            "    <dateCreated>{}</dateCreated>\n",
            date.format("%a, %d %b %Y %H:%M:%S GMT")
        ));
    }
    opml.push_str("    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n");
    for outline in outlines {
        write_outline(&mut opml, outline, 2);
    }
    opml.push_str("  </body>\n</opml>\n");
    opml
}

fn write_outline(opml: &mut String, outline: &Outline, depth: usize) {
    let indent = "  ".repeat(depth);
    let text = escape(&outline.text);
    opml.push_str(&format!("{indent}<outline"));
    if outline.xml_url.is_some() {
        opml.push_str(" type=\"rss\"");
    }
    opml.push_str(&format!(" text=\"{text}\" title=\"{text}\""));
    let attributes = [
        ("xmlUrl", &outline.xml_url),
        ("htmlUrl", &outline.html_url),
        ("category", &outline.category),
    ];
    for (name, value) in attributes {
        if let Some(value) = value {
            opml.push_str(&format!(" {name}=\"{}\"", escape(value)));
        }
    }
    if outline.children.is_empty() {
        opml.push_str("/>\n");
        return;
    }
    opml.push_str(">\n");
    for child in &outline.children {
        write_outline(opml, child, depth + 1);
    }
    opml.push_str(&format!("{indent}</outline>\n"));
}

/// OPML 2.0 of the configured sources (the upstream feeds), one folder per region, `national` last.
pub fn sources_opml(sources: &[SourceConfig], title: &str) -> String {
    let mut folders: Vec<(&str, &'static str)> = regions::REGIONS
        .iter()
        .map(|region| (region.name_simplified, region.slug))
        .collect();
    folders.push(("全国", regions::NATIONAL));
    let outlines: Vec<Outline> = folders
        .into_iter()
        .map(|(name, slug)| Outline {
            text: name.to_string(),
            category: Some(slug.to_string()),
            children: sources
                .iter()
                .filter(|source| match source.regions.first() {
                    Some(first) => *first == slug,
                    None => slug == regions::NATIONAL,
                })
                .map(source_outline)
                .collect(),
            ..Outline::default()
        })
        .filter(|folder| !folder.children.is_empty())
        .collect();
    write_opml(title, None, &outlines)
}

fn source_outline(source: &SourceConfig) -> Outline {
    Outline {
        text: source.title.clone().unwrap_or_else(|| source.id.clone()),
        xml_url: Some(source.url.to_string()),
        category: Some(if source.regions.is_empty() {
            regions::NATIONAL.to_string()
        } else {
            source.regions.join(",")
        }),
        ..Outline::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="山西" title="山西">
    <outline type="rss" text="中新网山西" xmlUrl="https://www.chinanews.com.cn/rss/sx.xml"/>
    <outline type="rss" title="太原日报 &amp; more" text="x" xmlUrl="http://example.cn/ty.xml"/>
  </outline>
  <outline text="Tech"><outline text="Hacker News" xmlUrl="https://news.ycombinator.com/rss"/></outline>
  <outline text="陝西新聞" xmlUrl="https://sn.example.com/feed"/>
</body></opml>"#;

    #[test]
    fn reads_feeds_with_their_folders_and_guesses_regions() {
        let feeds = read_opml(EXPORT).unwrap();
        assert_eq!(feeds.len(), 4);
        assert_eq!(feeds[0].folders, vec!["山西"]);
        assert_eq!(feeds[1].title.as_deref(), Some("太原日报 & more"));
        let guesses: Vec<Option<&str>> = feeds.iter().map(guess_region).collect();
        assert_eq!(
            guesses,
            vec![Some("shanxi"), Some("shanxi"), None, Some("shaanxi")]
        );
    }

    #[test]
    fn bad_opml_says_what_is_wrong() {
        assert!(matches!(read_opml("<opml><body>"), Err(OpmlError::NoFeeds)));
        assert!(matches!(
            read_opml("<opml><body></head></opml>"),
            Err(OpmlError::Xml { .. })
        ));
    }

    #[test]
    fn source_ids_are_readable_and_unique() {
        let mut taken = HashSet::new();
        let id = source_id_for("https://www.chinanews.com.cn/rss/sx.xml", &taken);
        assert_eq!(id, "chinanews-com-cn-rss-sx");
        taken.insert(id);
        assert_eq!(
            source_id_for("https://www.chinanews.com.cn/rss/sx.xml", &taken),
            "chinanews-com-cn-rss-sx-2"
        );
    }
}

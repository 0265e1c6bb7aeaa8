//! OPML in and out for the source list: reading a reader's subscription export into source entries
//! (`regionfeed import-opml`) and writing the configured sources grouped by region (`export-opml`). Pure.

use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::Event;
use url::Url;

use crate::classify::gazetteer::Gazetteer;
use crate::classify::tag::{TagInput, tag_item};
use crate::config::SourceConfig;
use crate::publish::pages::escape;
use crate::regions;

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

/// OPML 2.0 of the configured sources (the upstream feeds), one folder per region, `national` last.
pub fn sources_opml(sources: &[SourceConfig], title: &str) -> String {
    let mut opml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>{}</title></head>\n<body>\n",
        escape(title)
    );
    let mut folders: Vec<(String, &'static str)> = regions::REGIONS
        .iter()
        .map(|region| (region.name_simplified.to_string(), region.slug))
        .collect();
    folders.push(("全国".to_string(), regions::NATIONAL));
    for (name, slug) in folders {
        let members: Vec<&SourceConfig> = sources
            .iter()
            .filter(|source| match source.regions.first() {
                Some(first) => *first == slug,
                None => slug == regions::NATIONAL,
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        opml.push_str(&format!(
            "<outline text=\"{name}\" title=\"{name}\" category=\"{slug}\">\n"
        ));
        for source in members {
            let title = source.title.clone().unwrap_or_else(|| source.id.clone());
            opml.push_str(&format!(
                "  <outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{url}\" category=\"{regions}\"/>\n",
                t = escape(&title),
                url = escape(source.url.as_str()),
                regions = if source.regions.is_empty() {
                    regions::NATIONAL.to_string()
                } else {
                    source.regions.join(",")
                },
            ));
        }
        opml.push_str("</outline>\n");
    }
    opml.push_str("</body>\n</opml>\n");
    opml
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

//! Turns a fetched body into our items: decode, parse with feed-rs (RSS 0.9x/1.0/2.0, Atom, JSON Feed) using
//! our own date parser, and normalise each entry. Pure: bytes, hints and `now` in, values out.
//!
//! feed-rs's generated ids are switched off (it hashes link + title, so an edited title would look like a new
//! item); identity is decided later from the upstream guid, the link and the title (see `identity`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use crate::dates::parse_date;
use crate::decode::decode;

/// How far in the future a published time may be before it is clamped to the fetch time.
pub const FUTURE_TOLERANCE: chrono::Duration = chrono::Duration::minutes(15);

/// What the parser needs to know about the source.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Zone for dates written without one.
    pub timezone: Tz,
    /// Forced encoding, if configured.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The URL the body came from, to resolve relative links.
    pub base_url: Option<Url>,
    /// The fetch time: first-seen time of new items and the clamp for future dates.
    pub now: DateTime<Utc>,
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// The feed's own title, if it has one.
    pub title: Option<String>,
    /// The feed's home page.
    pub link: Option<String>,
    /// Entries in document order.
    pub items: Vec<ParsedItem>,
}

/// Where an item's published time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// The feed's own date, as written.
    Feed,
    /// The feed's date was in the future and was clamped to the fetch time.
    Clamped,
    /// The feed gave no usable date; the time we first saw the item stands in.
    FirstSeen,
}

impl DateSource {
    /// The name stored in the database and shown in status output.
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::Feed => "feed",
            DateSource::Clamped => "clamped",
            DateSource::FirstSeen => "first-seen",
        }
    }
}

/// One entry of a feed, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedItem {
    /// Upstream guid / Atom id / JSON Feed id, when the feed gives one.
    pub guid: Option<String>,
    /// Absolute link to the article.
    pub link: Option<String>,
    /// Title (never empty: falls back to the start of the summary).
    pub title: String,
    /// Short text (RSS description, Atom summary).
    pub summary: Option<String>,
    /// Full text (content:encoded, Atom content).
    pub content: Option<String>,
    /// Author name.
    pub author: Option<String>,
    /// Published time, UTC.
    pub published: DateTime<Utc>,
    /// Where `published` came from.
    pub date_source: DateSource,
}

/// Why a body could not be read as a feed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    /// Empty, HTML, or some other document that is not a feed.
    #[error("not a feed: {0}")]
    NotAFeed(String),
    /// Looked like a feed but could not be parsed.
    #[error("cannot parse feed: {0}")]
    Invalid(String),
    /// Could not be parsed, and its bytes were not valid in any encoding tried: likely mislabelled.
    #[error(
        "cannot parse feed read as {encoding} (invalid bytes replaced; set `encoding` for this source?): {message}"
    )]
    Encoding {
        /// The encoding the bytes were read as.
        encoding: &'static str,
        /// The parser's message.
        message: String,
    },
}

impl ParseError {
    /// Short error class for status pages and logs.
    pub fn class(&self) -> &'static str {
        match self {
            ParseError::NotAFeed(_) => "not-a-feed",
            ParseError::Invalid(_) => "parse",
            ParseError::Encoding { .. } => "encoding",
        }
    }
}

/// Decodes and parses `bytes` (with the HTTP `content_type`, if any) into a feed.
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    options: &ParseOptions,
) -> Result<ParsedFeed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::NotAFeed("empty body".into()));
    }
    let decoded = decode(bytes, content_type, options.encoding);
    let timezone = options.timezone;
    let parser = feed_rs::parser::Builder::new()
        .base_uri(options.base_url.as_ref().map(Url::as_str))
        .id_generator(|_links, _title, _uri| String::new())
        .timestamp_parser(move |text| parse_date(text, timezone))
        .build();
    let feed =
        parser.parse(decoded.text.as_bytes()).map_err(|error| {
            match classify_parse_error(&decoded.text, error) {
                ParseError::Invalid(message) if decoded.had_errors => ParseError::Encoding {
                    encoding: decoded.encoding.name(),
                    message,
                },
                other => other,
            }
        })?;

    let feed_link = feed
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .and_then(|link| absolute_link(&link.href, options.base_url.as_ref()));
    let items = feed
        .entries
        .into_iter()
        .map(|entry| normalise_entry(entry, options))
        .collect();
    Ok(ParsedFeed {
        title: feed.title.map(|title| plain_text(&title.content)),
        link: feed_link,
        items,
    })
}

fn classify_parse_error(text: &str, error: feed_rs::parser::ParseFeedError) -> ParseError {
    let head: String = text
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.contains("<html") || head.contains("<!doctype html") {
        ParseError::NotAFeed("an HTML page, not a feed".into())
    } else if matches!(
        error,
        feed_rs::parser::ParseFeedError::ParseError(feed_rs::parser::ParseErrorKind::NoFeedRoot)
    ) {
        ParseError::NotAFeed("no RSS, Atom or JSON Feed root element".into())
    } else {
        ParseError::Invalid(error.to_string())
    }
}

fn normalise_entry(entry: feed_rs::model::Entry, options: &ParseOptions) -> ParsedItem {
    let guid = Some(entry.id.trim().to_string()).filter(|id| !id.is_empty());
    let link = entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .or(entry.links.first())
        .and_then(|link| absolute_link(&link.href, options.base_url.as_ref()));
    let summary = entry
        .summary
        .map(|text| text.content.trim().to_string())
        .filter(|text| !text.is_empty());
    let content = entry
        .content
        .and_then(|content| content.body)
        .map(|body| body.trim().to_string())
        .filter(|body| !body.is_empty());
    let title = entry
        .title
        .map(|title| plain_text(&title.content))
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| fallback_title(summary.as_deref().or(content.as_deref())));
    let author = entry
        .authors
        .first()
        .and_then(|person| person.name.as_deref().map(|name| name.trim().to_string()))
        .filter(|name| !name.is_empty());
    let (published, date_source) = match entry.published.or(entry.updated) {
        Some(date) if date > options.now + FUTURE_TOLERANCE => (options.now, DateSource::Clamped),
        Some(date) => (date, DateSource::Feed),
        None => (options.now, DateSource::FirstSeen),
    };
    ParsedItem {
        guid,
        link,
        title,
        summary,
        content,
        author,
        published,
        date_source,
    }
}

fn absolute_link(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    match Url::parse(href) {
        Ok(url) => Some(url.to_string()),
        Err(url::ParseError::RelativeUrlWithoutBase) => base
            .and_then(|base| base.join(href).ok())
            .map(|url| url.to_string()),
        Err(_) => None,
    }
}

/// Folds white space (titles from Chinese feeds carry `\n　　` indents) and drops markup tags from titles.
/// Only what looks like a tag (`<` then an ASCII letter, `/` or `!`, up to `>`) is dropped, so a title that
/// really says `<&>` or `<初雪>` keeps it.
pub fn plain_text(text: &str) -> String {
    let mut without_tags = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        without_tags.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let looks_like_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(end) if looks_like_tag => rest = &after[end + 1..],
            _ => {
                without_tags.push('<');
                rest = after;
            }
        }
    }
    without_tags.push_str(rest);
    without_tags
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn fallback_title(text: Option<&str>) -> String {
    let cleaned = plain_text(text.unwrap_or(""));
    let short: String = cleaned.chars().take(40).collect();
    if short.is_empty() {
        "(untitled)".to_string()
    } else if short.chars().count() < cleaned.chars().count() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn options() -> ParseOptions {
        ParseOptions {
            timezone: chrono_tz::Asia::Shanghai,
            encoding: None,
            base_url: Some(Url::parse("https://www.example.cn/rss/sx.xml").unwrap()),
            now: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
        }
    }

    const CHINANEWS_LIKE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>中新网山西</title><link>https://www.example.cn/</link>
<item><title>山西晋中迎来初雪</title><link>/sx/2026/11-25/10001.shtml</link>
<description>
　　中新网太原11月25日电 晋中市今日迎来今冬首场降雪。</description>
<pubDate>2026-11-25 10:52:00</pubDate></item>
<item><title>
  未来的新闻 </title><link>https://www.example.cn/sx/2026/11-25/10002.shtml</link>
<description>x</description><pubDate>2027-01-01 00:00:00</pubDate></item>
<item><title></title><description>没有标题也没有日期的一条简讯，内容比较长，需要截断成标题显示出来才能在阅读器里看得清楚明白。</description></item>
</channel></rss>"#;

    #[test]
    fn chinanews_like_feed() {
        let feed = parse_feed(CHINANEWS_LIKE.as_bytes(), None, &options()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("中新网山西"));
        assert_eq!(feed.items.len(), 3);
        let first = &feed.items[0];
        assert_eq!(first.guid, None);
        assert_eq!(
            first.link.as_deref(),
            Some("https://www.example.cn/sx/2026/11-25/10001.shtml")
        );
        assert_eq!(first.published.to_rfc3339(), "2026-11-25T02:52:00+00:00");
        assert_eq!(first.date_source, DateSource::Feed);
        assert!(first.summary.as_deref().unwrap().starts_with("中新网太原"));
        let future = &feed.items[1];
        assert_eq!(future.title, "未来的新闻");
        assert_eq!(
            (future.published, future.date_source),
            (options().now, DateSource::Clamped)
        );
        let untitled = &feed.items[2];
        assert!(untitled.title.starts_with("没有标题也没有日期") && untitled.title.ends_with('…'));
        assert_eq!(untitled.date_source, DateSource::FirstSeen);
    }

    #[test]
    fn atom_with_ids() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>港聞</title><id>urn:x</id><updated>2026-11-25T08:00:00+08:00</updated>
<entry><id>tag:example.hk,2026:1</id><title>香港天氣轉涼</title><link href="https://example.hk/1"/>
<updated>2026-11-25T08:00:00+08:00</updated><author><name>記者甲</name></author><content type="html">&lt;p&gt;全文&lt;/p&gt;</content></entry>
</feed>"#;
        let feed = parse_feed(atom.as_bytes(), None, &options()).unwrap();
        let entry = &feed.items[0];
        assert_eq!(entry.guid.as_deref(), Some("tag:example.hk,2026:1"));
        assert_eq!(entry.author.as_deref(), Some("記者甲"));
        assert_eq!(entry.content.as_deref(), Some("<p>全文</p>"));
        assert_eq!(entry.published.to_rfc3339(), "2026-11-25T00:00:00+00:00");
    }

    #[test]
    fn json_feed() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"渝","items":[
            {"id":"1","url":"https://example.cq/1","title":"重庆新闻","content_text":"正文","date_published":"2026-11-25T10:00:00+08:00"}]}"#;
        let feed = parse_feed(json.as_bytes(), Some("application/feed+json"), &options()).unwrap();
        assert_eq!(feed.items[0].title, "重庆新闻");
        assert_eq!(feed.items[0].guid.as_deref(), Some("1"));
    }

    #[test]
    fn gbk_feed_with_charset_only_in_http() {
        let xml = CHINANEWS_LIKE.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");
        let bytes = encoding_rs::GB18030.encode(&xml).0.into_owned();
        let feed = parse_feed(&bytes, Some("text/xml; charset=gbk"), &options()).unwrap();
        assert_eq!(feed.items[0].title, "山西晋中迎来初雪");
    }

    #[test]
    fn titles_lose_tags_but_keep_angle_brackets_that_are_text() {
        assert_eq!(plain_text("<b>山西</b> 初雪"), "山西 初雪");
        assert_eq!(plain_text("晋中 <&> 特殊字符"), "晋中 <&> 特殊字符");
        assert_eq!(plain_text("太原 <初雪> & 1 < 2"), "太原 <初雪> & 1 < 2");
        assert_eq!(plain_text("a <!-- note --> b\n　　c"), "a b c");
    }

    #[test]
    fn not_a_feed() {
        let html = "<!DOCTYPE html><html><body>验证</body></html>";
        assert_eq!(
            parse_feed(html.as_bytes(), None, &options())
                .unwrap_err()
                .class(),
            "not-a-feed"
        );
        assert_eq!(
            parse_feed(b"  \n", None, &options()).unwrap_err().class(),
            "not-a-feed"
        );
        let truncated = &CHINANEWS_LIKE[..CHINANEWS_LIKE.len() / 2];
        assert!(parse_feed(truncated.as_bytes(), None, &options()).is_err());
    }
}

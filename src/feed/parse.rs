//! Turns a fetched body into our items: decode, parse with feed-rs (RSS 0.9x/1.0/2.0, Atom, JSON Feed) using
//! our own date parser, and normalise each entry. Pure: bytes, hints and `now` in, values out.
//!
//! feed-rs's generated ids are switched off (it hashes link + title, so an edited title would look like a new
//! item); identity is decided later from the upstream guid, the link and the title (see `identity`).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use crate::feed::dates::parse_date;
use crate::feed::decode::decode;
use crate::feed::hints::{FeedHints, read_hints};
use crate::feed::{dialect, entities, salvage};
use crate::text::plain_text;

/// How far in the future a published time may be before it is clamped to the fetch time.
pub const FUTURE_TOLERANCE: chrono::Duration = chrono::Duration::minutes(15);

/// Most items taken from one feed document: the newest are kept. Real feeds carry tens to a few hundred;
/// a document with 100,000 (an archive dump, or a hostile feed) would otherwise be tagged, compared with
/// every recent story and written in one transaction.
pub const MAX_ITEMS_PER_FEED: usize = 1000;
/// Longest title kept, in characters (Chinese headlines run 10–40); longer ones are cut and end in `…`.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest author name kept, in characters.
pub const MAX_AUTHOR_CHARS: usize = 200;
/// Largest summary kept, in bytes (cut at a character boundary).
pub const MAX_SUMMARY_BYTES: usize = 64 * 1024;
/// Largest full text kept, in bytes (cut at a character boundary; the sanitiser closes open tags).
pub const MAX_CONTENT_BYTES: usize = 512 * 1024;
/// Longest link kept, in bytes; a longer one is dropped (identity then falls back to the title).
pub const MAX_LINK_BYTES: usize = 4096;
/// Longest upstream guid kept as written, in bytes; a longer one is replaced by its SHA-256, which keeps
/// it unique where a cut would not.
pub const MAX_GUID_BYTES: usize = 512;

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
    /// Entries in document order (at most [`MAX_ITEMS_PER_FEED`], the newest).
    pub items: Vec<ParsedItem>,
    /// How many entries beyond [`MAX_ITEMS_PER_FEED`] were left out.
    pub items_left_out: usize,
    /// Entries that could not be read even on their own (see `salvage`), left out.
    pub items_unreadable: usize,
    /// List-page items without a link, left out (feeds: always 0).
    pub items_without_link: usize,
    /// What the feed says about how often to poll it.
    pub hints: FeedHints,
}

/// Where an item's published time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// The feed's (or list page's) own date, as written.
    Feed,
    /// The date on the item's own page (`[source.article]`), the list giving none.
    Article,
    /// The day in the item's link (`/2026/1124/`), nothing else giving a date.
    Link,
    /// A time relative to the fetch (`3小时前`): an estimate that moves with every fetch.
    Relative,
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
            DateSource::Article => "article",
            DateSource::Link => "link",
            DateSource::Relative => "relative",
            DateSource::Clamped => "clamped",
            DateSource::FirstSeen => "first-seen",
        }
    }
}

impl DateSource {
    /// True when the date is one upstream wrote for this item (not an estimate or our fetch time): it may
    /// replace a stored date and identify an item with its title.
    pub fn is_upstream(self) -> bool {
        matches!(
            self,
            DateSource::Feed | DateSource::Article | DateSource::Link
        )
    }

    /// True when the date was written for this item as a time (not a link's day): it replaces the date
    /// stored for the item when the entry is edited.
    pub fn replaces_a_stored_date(self) -> bool {
        matches!(self, DateSource::Feed | DateSource::Article)
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
    /// A list page on which the item rule found nothing: most often an upstream redesign.
    #[error("no items: {0}")]
    NoItems(String),
}

impl ParseError {
    /// Short error class for status pages and logs.
    pub fn class(&self) -> &'static str {
        match self {
            ParseError::NotAFeed(_) => "not-a-feed",
            ParseError::Invalid(_) => "parse",
            ParseError::Encoding { .. } => "encoding",
            ParseError::NoItems(_) => "no-items",
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
    let prepared = prepare(&decoded.text);
    let read = read_document(options, &prepared).map_err(|error| {
        match classify_parse_error(&decoded.text, error) {
            ParseError::Invalid(message) if decoded.had_errors => ParseError::Encoding {
                encoding: decoded.encoding.name(),
                message,
            },
            other => other,
        }
    })?;
    let (feed, entries_cut, items_unreadable) = (read.feed, read.entries_cut, read.unreadable);

    let feed_link = feed
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .and_then(|link| absolute_link(&link.href, options.base_url.as_ref()));
    let rss = matches!(
        feed.feed_type,
        feed_rs::model::FeedType::RSS0 | feed_rs::model::FeedType::RSS2
    );
    let mut items: Vec<ParsedItem> = feed
        .entries
        .into_iter()
        .map(|entry| normalise_entry(entry, options, rss))
        .collect();
    let items_left_out = entries_cut + keep_newest(&mut items, MAX_ITEMS_PER_FEED);
    Ok(ParsedFeed {
        title: feed
            .title
            .map(|title| shown_text(&title.content, MAX_TITLE_CHARS)),
        link: feed_link,
        items,
        items_left_out,
        items_unreadable,
        items_without_link: 0,
        hints: read_hints(&decoded.text),
    })
}

/// The text feed-rs is given: declared entities expanded, older dialects rewritten.
fn prepare(text: &str) -> Cow<'_, str> {
    let expanded = entities::expand_declared(text).map_or(Cow::Borrowed(text), Cow::Owned);
    match dialect::modernise(&expanded) {
        Some(modern) => Cow::Owned(modern),
        None => expanded,
    }
}

/// feed-rs with our dates and without its generated ids (it hashes link + title, so an edited title
/// would look like a new item; identity is decided later).
fn feed_parser(options: &ParseOptions) -> feed_rs::parser::Parser {
    let timezone = options.timezone;
    feed_rs::parser::Builder::new()
        .base_uri(options.base_url.as_ref().map(Url::as_str))
        .id_generator(|_links, _title, _uri| String::new())
        .timestamp_parser(move |text| parse_date(text, timezone))
        .build()
}

/// What reading a document gave: the feed, entries cut as surplus, entries that could not be read.
struct ReadDocument {
    feed: feed_rs::model::Feed,
    entries_cut: usize,
    unreadable: usize,
}

/// Reads `text`: cut to its surplus-free form when it has thousands of entries; else whole; else with
/// bare ampersands repaired; else entry by entry. The first error is returned when all fail.
fn read_document(
    options: &ParseOptions,
    text: &str,
) -> Result<ReadDocument, feed_rs::parser::ParseFeedError> {
    // A fresh parser for every attempt: feed-rs's keeps state that a failed parse leaves behind (its
    // MediaRSS scope), and a reused one panics on the next document.
    let parse = |text: &str| feed_parser(options).parse(text.as_bytes());
    // A document with thousands of surplus entries is cut before feed-rs builds its model of every one
    // (about 2 KB of memory per entry). Should the cut document not parse, the whole one is tried.
    if let Some((cut, entries_cut)) = cut_surplus_entries(text, MAX_ITEMS_PER_FEED)
        && let Ok(feed) = parse(&cut)
    {
        return Ok(ReadDocument {
            feed,
            entries_cut,
            unreadable: 0,
        });
    }
    let error = match parse(text) {
        Ok(feed) => {
            return Ok(ReadDocument {
                feed,
                entries_cut: 0,
                unreadable: 0,
            });
        }
        Err(error) => error,
    };
    let repaired = entities::repair_ampersands(text);
    let text = repaired.as_deref().unwrap_or(text);
    if repaired.is_some()
        && let Ok(feed) = parse(text)
    {
        return Ok(ReadDocument {
            feed,
            entries_cut: 0,
            unreadable: 0,
        });
    }
    match salvage::salvage(text, parse) {
        Some(salvaged) if !salvaged.feed.entries.is_empty() => Ok(ReadDocument {
            feed: salvaged.feed,
            entries_cut: 0,
            unreadable: salvaged.unreadable,
        }),
        _ => Err(error),
    }
}

/// `text` without the entries between its first `keep` and its last `keep` (RSS `<item>` or Atom
/// `<entry>`, whichever closes more often), and how many were taken out; `None` when there are at most
/// `2 × keep`. Keeping both ends keeps the newest whichever order the feed lists them in. A plain text
/// scan: entries are siblings, so the cut runs from the end of one to the start of another.
fn cut_surplus_entries(text: &str, keep: usize) -> Option<(String, usize)> {
    let (open, close) = ["item", "entry"]
        .iter()
        .map(|name| (format!("<{name}"), format!("</{name}>")))
        .max_by_key(|(_, close)| text.matches(close.as_str()).count())?;
    let closes: Vec<usize> = text
        .match_indices(close.as_str())
        .map(|(at, _)| at + close.len())
        .collect();
    if closes.len() <= 2 * keep || keep == 0 {
        return None;
    }
    let head_end = closes[keep - 1];
    let tail_from = closes[closes.len() - keep - 1];
    // The first start tag after the last dropped entry (`<item>` or `<item attr…>`, not `<items>`).
    let tail_start = text[tail_from..]
        .match_indices(open.as_str())
        .map(|(at, _)| tail_from + at)
        .find(|&at| {
            text[at + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
        })?;
    let mut cut = String::with_capacity(head_end + text.len() - tail_start);
    cut.push_str(&text[..head_end]);
    cut.push_str(&text[tail_start..]);
    Some((cut, closes.len() - 2 * keep))
}

/// Keeps the `max` newest of `items` (document order among equal times, and in the result); returns how
/// many were left out.
pub(super) fn keep_newest(items: &mut Vec<ParsedItem>, max: usize) -> usize {
    if items.len() <= max {
        return 0;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Stable: among equal times (undated items all carry `now`) the earlier in the document wins.
    order.sort_by(|&a, &b| items[b].published.cmp(&items[a].published));
    let mut keep = vec![false; items.len()];
    for &index in &order[..max] {
        keep[index] = true;
    }
    let before = items.len();
    let mut index = 0;
    items.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    before - items.len()
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub(super) fn cut_chars(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => {
            let mut cut = text[..end].to_string();
            cut.pop();
            cut.push('…');
            cut
        }
        None => text,
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut_bytes(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The guid as written, or its SHA-256 when it is longer than [`MAX_GUID_BYTES`].
fn bounded_guid(guid: String) -> String {
    use sha2::{Digest, Sha256};
    if guid.len() <= MAX_GUID_BYTES {
        guid
    } else {
        format!("sha256:{}", hex::encode(Sha256::digest(guid.as_bytes())))
    }
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

fn normalise_entry(
    entry: feed_rs::model::Entry,
    options: &ParseOptions,
    guid_may_be_link: bool,
) -> ParsedItem {
    let guid = Some(entry.id.trim().to_string())
        .filter(|id| !id.is_empty())
        .map(bounded_guid);
    let link = entry_link(&entry.links, options.base_url.as_ref()).or_else(|| {
        // An RSS guid is a permalink unless it says otherwise: an item without a <link> is read at it.
        guid.as_deref()
            .filter(|guid| guid_may_be_link && guid.starts_with("http"))
            .and_then(|guid| absolute_link(guid, None))
    });
    let summary = entry
        .summary
        .map(|text| html_field(&text.content, MAX_SUMMARY_BYTES))
        .filter(|text| !text.is_empty());
    let content = entry
        .content
        .and_then(|content| content.body)
        .map(|body| html_field(&body, MAX_CONTENT_BYTES))
        .filter(|body| !body.is_empty());
    let title = entry
        .title
        .map(|title| shown_text(&title.content, MAX_TITLE_CHARS))
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| fallback_title(summary.as_deref().or(content.as_deref())));
    let author = entry
        .authors
        .first()
        .and_then(|person| person.name.as_deref())
        .map(|name| shown_text(name, MAX_AUTHOR_CHARS))
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

/// The entry's page: its alternate link (no `rel` means alternate), one of a web page's types before
/// others (an Atom entry may also list its `application/atom+xml` alternate). Other relations (related,
/// comments, enclosure) are not the entry's page.
fn entry_link(links: &[feed_rs::model::Link], base: Option<&Url>) -> Option<String> {
    let alternates = || {
        links
            .iter()
            .filter(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
    };
    let is_page = |link: &&feed_rs::model::Link| {
        link.media_type
            .as_deref()
            .is_none_or(|kind| kind.contains("html"))
    };
    alternates()
        .find(is_page)
        .or_else(|| alternates().next())
        .and_then(|link| absolute_link(&link.href, base))
}

/// A plain-text field as shown: references resolved (undefined ones dropped), markup removed, white
/// space folded, cut to `max` characters.
pub(super) fn shown_text(text: &str, max: usize) -> String {
    cut_chars(plain_text(&entities::decode_text(text)), max)
}

/// An HTML field as stored: trimmed, undefined references dropped, cut to `max` bytes.
pub(super) fn html_field(html: &str, max: usize) -> String {
    cut_bytes(entities::drop_undefined(html.trim()).into_owned(), max)
}

/// `href` as an absolute web link: only `http` and `https` links are links to us (a `javascript:` or
/// `data:` "link" would reach readers as something to click), and over-long ones are dropped.
pub(super) fn absolute_link(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.len() > MAX_LINK_BYTES {
        return None;
    }
    let url = match Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https")
        .then(|| url.to_string())
        .filter(|link| link.len() <= MAX_LINK_BYTES)
}

pub(super) fn fallback_title(text: Option<&str>) -> String {
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

    fn one_item_feed(item: &str) -> String {
        format!("<rss version=\"2.0\"><channel><title>t</title><item>{item}</item></channel></rss>")
    }

    #[test]
    fn oversized_fields_are_cut_and_bad_links_dropped() {
        let long_guid = "g".repeat(MAX_GUID_BYTES + 1);
        let xml = one_item_feed(&format!(
            "<title>{}</title><guid>{long_guid}</guid><link>javascript:alert(1)</link><author>{}</author><description>{}</description>",
            "长".repeat(300_000),
            "名".repeat(1000),
            "文".repeat(100_000)
        ));
        let item = &parse_feed(xml.as_bytes(), None, &options()).unwrap().items[0];
        assert_eq!(item.title.chars().count(), MAX_TITLE_CHARS);
        assert!(item.title.ends_with("长…"));
        assert_eq!(
            item.author.as_ref().unwrap().chars().count(),
            MAX_AUTHOR_CHARS
        );
        let summary = item.summary.as_ref().unwrap();
        assert!(summary.len() <= MAX_SUMMARY_BYTES && summary.len() > MAX_SUMMARY_BYTES - 3);
        let guid = item.guid.as_ref().unwrap();
        assert!(
            guid.starts_with("sha256:") && guid.len() == 7 + 64,
            "{guid}"
        );
        assert_eq!(item.link, None);
        // A guid of the limit's length stays as written; a data: link and an over-long link are dropped too.
        for (link, expected) in [
            ("data:text/html,x".to_string(), None),
            (format!("https://e.cn/{}", "a".repeat(MAX_LINK_BYTES)), None),
            (
                "/relative/1.shtml".to_string(),
                Some("https://www.example.cn/relative/1.shtml"),
            ),
        ] {
            let xml = one_item_feed(&format!(
                "<title>x</title><guid>{}</guid><link>{link}</link>",
                &long_guid[1..]
            ));
            let item = &parse_feed(xml.as_bytes(), None, &options()).unwrap().items[0];
            assert_eq!(item.link.as_deref(), expected, "{}", &link[..20]);
            assert_eq!(item.guid.as_deref(), Some(&long_guid[1..]));
        }
    }

    #[test]
    fn a_feed_with_too_many_items_keeps_the_newest() {
        let mut xml = String::from("<rss version=\"2.0\"><channel><title>t</title>");
        // Oldest first, plus undated items at the end (they count as seen now, the newest).
        for n in 0..MAX_ITEMS_PER_FEED + 5 {
            let minute = n % 60;
            let hour = n / 60;
            xml.push_str(&format!(
                "<item><title>旧{n}</title><pubDate>2026-01-{:02} {:02}:{minute:02}:00</pubDate></item>",
                1 + hour / 24,
                hour % 24
            ));
        }
        xml.push_str("<item><title>无日期甲</title></item><item><title>无日期乙</title></item>");
        xml.push_str("</channel></rss>");
        let feed = parse_feed(xml.as_bytes(), None, &options()).unwrap();
        assert_eq!(feed.items.len(), MAX_ITEMS_PER_FEED);
        assert_eq!(feed.items_left_out, 7);
        // Document order is kept; the seven oldest are gone.
        assert_eq!(feed.items[0].title, "旧7");
        assert_eq!(feed.items[MAX_ITEMS_PER_FEED - 1].title, "无日期乙");
    }

    #[test]
    fn surplus_entries_are_cut_between_both_ends() {
        let rss = "<rss><channel><items>x</items><item>1</item>\n<item a=\"b\">2</item><item>3</item><!-- c --><item>4</item><item>5</item></channel></rss>";
        assert_eq!(
            cut_surplus_entries(rss, 2),
            Some((
                "<rss><channel><items>x</items><item>1</item>\n<item a=\"b\">2</item><item>4</item><item>5</item></channel></rss>".to_string(),
                1
            ))
        );
        assert_eq!(cut_surplus_entries(rss, 3), None);
        let atom = "<feed><entry>a</entry><entry>b</entry><entry>c</entry><entry>d</entry><entry>e</entry><entry>f</entry></feed>";
        assert_eq!(
            cut_surplus_entries(atom, 1),
            Some((
                "<feed><entry>a</entry><entry>f</entry></feed>".to_string(),
                4
            ))
        );
    }

    #[test]
    fn a_huge_feed_keeps_the_newest_in_either_order() {
        let n = 2 * MAX_ITEMS_PER_FEED + 500;
        let item = |k: usize| {
            format!(
                "<entry><id>{k}</id><title>条目{k}</title><updated>2026-01-01T00:00:00Z</updated><published>{}</published></entry>",
                (chrono::DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap()
                    + chrono::Duration::seconds(k as i64))
                .to_rfc3339()
            )
        };
        for newest_first in [false, true] {
            let mut order: Vec<usize> = (0..n).collect();
            if newest_first {
                order.reverse();
            }
            let atom = format!(
                "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>x</id>{}</feed>",
                order.iter().map(|&k| item(k)).collect::<String>()
            );
            let feed = parse_feed(atom.as_bytes(), None, &options()).unwrap();
            assert_eq!(feed.items.len(), MAX_ITEMS_PER_FEED);
            assert_eq!(feed.items_left_out, n - MAX_ITEMS_PER_FEED);
            let oldest_kept = feed
                .items
                .iter()
                .map(|i| i.guid.clone().unwrap().parse::<usize>().unwrap())
                .min();
            assert_eq!(
                oldest_kept,
                Some(n - MAX_ITEMS_PER_FEED),
                "newest first: {newest_first}"
            );
        }
    }

    #[test]
    fn fuzz_findings_stay_fixed() {
        // quick-xml (under feed-rs) panicked on a declaration naming an encoding away from the start.
        let glued = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title><?xml version=\"1.0\" encoding=\"gbk\"?><item><title>晋中</title></item></channel></rss>";
        let feed = parse_feed(glued.as_bytes(), None, &options()).unwrap();
        assert_eq!(feed.items[0].title, "晋中");
        // The minimised fuzzer input: junk, then a declaration naming big5.
        let mut junk = vec![
            0xff, 0xff, 0xe2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xaf, 0xe6, 0x65,
        ];
        junk.extend_from_slice(b"<?xml veon=\"\" encoding=\"big5\"?>");
        assert!(parse_feed(&junk, None, &options()).is_err());
        // A control character inside `encoding`: once removed, the declaration names big5 after all.
        let mut split = b"<?xml si=\"1\xff#\"enco\x01ding=\"big5\"?1".to_vec();
        split.extend_from_slice(&[0xff; 10]);
        split.extend_from_slice(b"?>");
        assert!(parse_feed(&split, None, &options()).is_err());
        // Removing a stray declaration used to join its surroundings into a new one.
        let mut joined = b"s=\xff\xff\xff\xff\xff\xff\xff\xa2\xa2<?<?xml?>".to_vec();
        joined.extend_from_slice(b"xml ve\x81=\"10\" encoding=\"gb2312\"?>");
        assert!(parse_feed(&joined, None, &options()).is_err());
        // An attribute whose name ends in `encoding` must not hide the real one.
        let hidden = "<?xml version=\"1.0\" xencoding=\"utf-8\" encoding=\"big5\"?><rss version=\"2.0\"><channel><title>t</title><item><title>晋中</title></item></channel></rss>";
        assert_eq!(
            parse_feed(hidden.as_bytes(), None, &options())
                .unwrap()
                .items[0]
                .title,
            "晋中"
        );
    }
}

//! Items off a list page: an HTML page read with CSS selectors (`[source.html]`) or a JSON list read with
//! dot paths (`[source.json]`). Pure: bytes in, a [`ParsedFeed`] out, as for feeds.
//!
//! Links resolve against the page's `<base href>`, else the URL that answered (after redirects); only
//! `http`/`https` links count. Dates are read in any form [`find_date_near`] knows; an item without one
//! takes the day in its link when that day is past, else its first-seen time. A page on which the item
//! rule matches nothing fails with [`ParseError::NoItems`], saying how big the page was.

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

use super::date_search::{FoundDate, day_in_link, find_date_near};
use super::decode::{decode, decode_html};
use super::hints::FeedHints;
use super::parse::{
    DateSource, FUTURE_TOLERANCE, MAX_ITEMS_PER_FEED, MAX_SUMMARY_BYTES, MAX_TITLE_CHARS,
    ParseError, ParseOptions, ParsedFeed, ParsedItem, absolute_link, cut_chars, fallback_title,
    html_field, keep_newest, parse_feed,
};
use crate::config::{FieldRule, HtmlList, JsonList, JsonPath, LinkPattern, SourceKind};
use crate::text::escape;

/// The items of a source's body, read as its kind says: a feed, an HTML list page or a JSON list.
pub fn parse_body(
    kind: &SourceKind,
    bytes: &[u8],
    content_type: Option<&str>,
    options: &ParseOptions,
) -> Result<ParsedFeed, ParseError> {
    match kind {
        SourceKind::Feed => parse_feed(bytes, content_type, options),
        SourceKind::Html(rules) => parse_html_list(bytes, content_type, rules, options),
        SourceKind::Json(rules) => parse_json_list(bytes, content_type, rules, options),
    }
}

/// The items of an HTML list page.
pub fn parse_html_list(
    bytes: &[u8],
    content_type: Option<&str>,
    rules: &HtmlList,
    options: &ParseOptions,
) -> Result<ParsedFeed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::NotAFeed("empty body".into()));
    }
    let decoded = decode_html(bytes, content_type, options.encoding);
    let page = Html::parse_document(&decoded.text);
    let base = page_base(&page, options.base_url.as_ref());
    let item_selector = selector(&rules.item)?;
    let fields = HtmlFields::compile(rules)?;
    let mut found = Found::default();
    for element in page.select(&item_selector) {
        found.matched += 1;
        let listed = fields.read(element);
        found.add(listed, base.as_ref(), rules.link_pattern.as_ref(), options);
    }
    let title = selector("title")
        .ok()
        .and_then(|title| page.select(&title).next())
        .map(|element| clean_text(&element.text().collect::<String>(), MAX_TITLE_CHARS))
        .filter(|title| !title.is_empty());
    found.into_feed(
        title,
        options.base_url.as_ref(),
        || {
            format!(
                "selector `{}` matched nothing on a {} page",
                rules.item,
                size(bytes.len())
            )
        },
        &rules.link.to_string(),
    )
}

/// The items of a JSON list (a JSONP `callback(…)` wrapper is taken off).
pub fn parse_json_list(
    bytes: &[u8],
    content_type: Option<&str>,
    rules: &JsonList,
    options: &ParseOptions,
) -> Result<ParsedFeed, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::NotAFeed("empty body".into()));
    }
    let decoded = decode(bytes, content_type, options.encoding);
    let document: Value = serde_json::from_str(without_jsonp(&decoded.text))
        .map_err(|error| ParseError::Invalid(format!("not JSON: {error}")))?;
    let no_items = |what: &str| {
        ParseError::NoItems(format!(
            "path `{}` {what} in a {} document",
            rules.items,
            size(bytes.len())
        ))
    };
    let list = walk(&document, &rules.items).ok_or_else(|| no_items("found nothing"))?;
    let entries = list.as_array().ok_or_else(|| no_items("is not a list"))?;
    let mut found = Found::default();
    for entry in entries {
        found.matched += 1;
        let value = |path: &JsonPath| walk(entry, path).and_then(json_text);
        let listed = Listed {
            title: value(&rules.title),
            link: value(&rules.link),
            date: rules
                .date
                .as_ref()
                .and_then(|path| walk(entry, path))
                .cloned(),
            summary: rules.summary.as_ref().and_then(value),
        };
        found.add_json(listed, options);
    }
    found.into_feed(
        None,
        options.base_url.as_ref(),
        || format!("path `{}` is an empty list", rules.items),
        &rules.link.to_string(),
    )
}

/// What one list entry gave, before it is made an item.
struct Listed<D> {
    title: Option<String>,
    link: Option<String>,
    date: Option<D>,
    summary: Option<String>,
}

/// The items read so far from a list, and what was left out.
#[derive(Default)]
struct Found {
    items: Vec<ParsedItem>,
    matched: usize,
    without_link: usize,
    /// Entries whose link `link_pattern` does not match (navigation, not news).
    off_pattern: usize,
}

impl Found {
    /// Adds an HTML entry: its link resolved against `base`, its date text read.
    fn add(
        &mut self,
        listed: Listed<String>,
        base: Option<&Url>,
        pattern: Option<&LinkPattern>,
        options: &ParseOptions,
    ) {
        let link = listed
            .link
            .as_deref()
            .and_then(|href| absolute_link(href, base));
        if let (Some(link), Some(pattern)) = (&link, pattern)
            && !pattern.matches(link)
        {
            self.off_pattern += 1;
            return;
        }
        let date = listed
            .date
            .as_deref()
            .and_then(|text| find_date_near(text, options.timezone, options.now));
        self.push(listed.title, link, date, listed.summary, options);
    }

    /// Adds a JSON entry: its link resolved against the list's URL, its date text or Unix time read.
    fn add_json(&mut self, listed: Listed<Value>, options: &ParseOptions) {
        let link = listed
            .link
            .as_deref()
            .and_then(|href| absolute_link(href, options.base_url.as_ref()));
        let date = listed
            .date
            .as_ref()
            .and_then(|value| json_date(value, options));
        self.push(listed.title, link, date, listed.summary, options);
    }

    fn push(
        &mut self,
        title: Option<String>,
        link: Option<String>,
        date: Option<FoundDate>,
        summary: Option<String>,
        options: &ParseOptions,
    ) {
        let Some(link) = link else {
            self.without_link += 1;
            return;
        };
        // The same article linked twice (a picture and a headline): one item.
        if self
            .items
            .iter()
            .any(|item| item.link.as_deref() == Some(&link))
        {
            return;
        }
        let summary = summary
            .map(|text| html_field(&escape(&clean_text(&text, usize::MAX)), MAX_SUMMARY_BYTES))
            .filter(|text| !text.is_empty());
        let title = title
            .map(|text| clean_text(&text, MAX_TITLE_CHARS))
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| fallback_title(summary.as_deref()));
        let (published, date_source) = dated(date, &link, options);
        self.items.push(ParsedItem {
            guid: None,
            link: Some(link),
            title,
            summary,
            content: None,
            author: None,
            published,
            date_source,
        });
    }

    fn into_feed(
        mut self,
        title: Option<String>,
        page_url: Option<&Url>,
        nothing_matched: impl FnOnce() -> String,
        link_rule: &str,
    ) -> Result<ParsedFeed, ParseError> {
        if self.matched == 0 {
            return Err(ParseError::NoItems(nothing_matched()));
        }
        if self.items.is_empty() && self.off_pattern > 0 {
            return Err(ParseError::NoItems(format!(
                "{} entries matched; {} had a link but none matching `link_pattern`",
                self.matched, self.off_pattern
            )));
        }
        if self.items.is_empty() {
            return Err(ParseError::NoItems(format!(
                "{} entries matched but none had a web link at `{link_rule}`",
                self.matched
            )));
        }
        let items_left_out = keep_newest(&mut self.items, MAX_ITEMS_PER_FEED);
        Ok(ParsedFeed {
            title,
            link: page_url.map(Url::to_string),
            items: self.items,
            items_left_out,
            items_unreadable: 0,
            items_without_link: self.without_link,
            hints: FeedHints::default(),
        })
    }
}

/// An item's time and where it came from: the list's date (clamped when in the future), else the past
/// day in its link, else the fetch time.
fn dated(
    date: Option<FoundDate>,
    link: &str,
    options: &ParseOptions,
) -> (DateTime<Utc>, DateSource) {
    match date {
        Some(found) if found.at > options.now + FUTURE_TOLERANCE => {
            (options.now, DateSource::Clamped)
        }
        Some(found) if found.relative => (found.at, DateSource::Relative),
        Some(found) => (found.at, DateSource::Feed),
        None => match day_in_link(link, options.timezone, options.now) {
            Some(day) => (day, DateSource::Link),
            None => (options.now, DateSource::FirstSeen),
        },
    }
}

/// The selectors of an `[source.html]`'s fields, compiled once per page.
struct HtmlFields {
    title: CompiledField,
    link: CompiledField,
    date: Option<CompiledField>,
    summary: Option<CompiledField>,
}

impl HtmlFields {
    fn compile(rules: &HtmlList) -> Result<HtmlFields, ParseError> {
        Ok(HtmlFields {
            title: CompiledField::new(&rules.title)?,
            link: CompiledField::new(&rules.link)?,
            date: rules.date.as_ref().map(CompiledField::new).transpose()?,
            summary: rules.summary.as_ref().map(CompiledField::new).transpose()?,
        })
    }

    fn read(&self, item: ElementRef<'_>) -> Listed<String> {
        Listed {
            title: self.title.value(item),
            link: self.link.value(item),
            date: self.date.as_ref().and_then(|field| field.value(item)),
            summary: self.summary.as_ref().and_then(|field| field.value(item)),
        }
    }
}

/// A [`FieldRule`] with its selector compiled.
pub(super) struct CompiledField {
    selector: Option<Selector>,
    attribute: Option<String>,
}

impl CompiledField {
    pub(super) fn new(rule: &FieldRule) -> Result<CompiledField, ParseError> {
        let selector = if rule.selector.is_empty() {
            None
        } else {
            Some(selector(&rule.selector)?)
        };
        Ok(CompiledField {
            selector,
            attribute: rule.attribute.clone(),
        })
    }

    /// The field's value inside `element`: the attribute, or the text, of the first match.
    pub(super) fn value(&self, element: ElementRef<'_>) -> Option<String> {
        let target = match &self.selector {
            Some(selector) => element.select(selector).next()?,
            None => element,
        };
        match &self.attribute {
            Some(attribute) => target.value().attr(attribute).map(str::to_string),
            None => Some(target.text().collect()),
        }
    }
}

pub(super) fn selector(text: &str) -> Result<Selector, ParseError> {
    Selector::parse(text)
        .map_err(|error| ParseError::Invalid(format!("invalid CSS selector `{text}`: {error}")))
}

/// Where the page's relative links point from: its `<base href>` (itself resolved against the page's
/// URL), else the page's URL.
pub(super) fn page_base(page: &Html, page_url: Option<&Url>) -> Option<Url> {
    let base_href = selector("base[href]")
        .ok()
        .and_then(|base| page.select(&base).next())
        .and_then(|element| {
            element
                .value()
                .attr("href")
                .map(str::trim)
                .map(str::to_string)
        });
    match (base_href, page_url) {
        (Some(href), Some(url)) => url.join(&href).ok().or_else(|| Some(url.clone())),
        (Some(href), None) => Url::parse(&href).ok(),
        (None, url) => url.cloned(),
    }
}

/// White space folded, cut to `max` characters.
pub(super) fn clean_text(text: &str, max: usize) -> String {
    cut_chars(text.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

fn walk<'v>(value: &'v Value, path: &JsonPath) -> Option<&'v Value> {
    path.segments()
        .iter()
        .try_fold(value, |value, segment| match value {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
            _ => None,
        })
}

fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A JSON date: text in any known form, or Unix seconds or milliseconds.
fn json_date(value: &Value, options: &ParseOptions) -> Option<FoundDate> {
    let at = match value {
        Value::Number(number) => {
            let n = number.as_i64()?;
            let seconds = if n > 100_000_000_000 { n / 1000 } else { n };
            DateTime::from_timestamp(seconds, 0)?
        }
        Value::String(text) => return find_date_near(text, options.timezone, options.now),
        _ => return None,
    };
    Some(FoundDate {
        at,
        relative: false,
    })
}

/// `text` without a JSONP wrapper (`cb({…});`).
fn without_jsonp(text: &str) -> &str {
    let trimmed = text.trim();
    if trimmed.starts_with(['{', '[']) {
        return trimmed;
    }
    match (
        trimmed.find('('),
        trimmed.trim_end_matches(';').strip_suffix(')'),
    ) {
        (Some(open), Some(inner))
            if trimmed[..open]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.')) =>
        {
            inner[open + 1..].trim()
        }
        _ => trimmed,
    }
}

/// `48 KB`, `512 bytes`.
fn size(bytes: usize) -> String {
    if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn options() -> ParseOptions {
        ParseOptions {
            timezone: chrono_tz::Asia::Shanghai,
            encoding: None,
            base_url: Some(Url::parse("https://www.sx.chinanews.com.cn/list/index.shtml").unwrap()),
            // 2026-11-25 12:00 in Beijing.
            now: Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap(),
        }
    }

    fn rules(item: &str, date: Option<&str>) -> HtmlList {
        HtmlList {
            item: item.into(),
            title: FieldRule::parse("a").unwrap(),
            link: FieldRule::parse("a@href").unwrap(),
            date: date.map(|d| FieldRule::parse(d).unwrap()),
            summary: None,
            link_pattern: None,
        }
    }

    const PAGE: &str = r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>山西新闻</title><base href="https://www.sx.chinanews.com.cn/news/"></head><body>
<div class="content_list"><ul>
<li><a href="2026/1125/1.html">太原初雪</a><span class="time">2026-11-25 10:52</span></li>
<li><a href="/news/2026/1124/2.html?a=1&amp;b=2">晋中&amp;平遥</a><span class="time">[11-24]</span></li>
<li><a href="//www.sx.chinanews.com.cn/news/2026/1123/3.html">大同</a><span class="time">3小时前</span></li>
<li><a href="javascript:void(0)">不是链接</a></li>
<li><span>没有链接</span></li>
<li><a href="2026/1125/1.html">太原初雪（重复）</a></li>
<li><a href="2026/1120/5.html">长治</a></li>
</ul></div></body></html>"#;

    #[test]
    fn a_gbk_list_page_gives_absolute_links_dates_and_counts_what_it_left_out() {
        let bytes = encoding_rs::GBK.encode(PAGE).0.into_owned();
        let feed = parse_html_list(
            &bytes,
            Some("text/html"),
            &rules("div.content_list li", Some("span.time")),
            &options(),
        )
        .unwrap();
        let read: Vec<(&str, &str, &str)> = feed
            .items
            .iter()
            .map(|i| {
                (
                    i.title.as_str(),
                    i.link.as_deref().unwrap(),
                    i.date_source.as_str(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "太原初雪",
                    "https://www.sx.chinanews.com.cn/news/2026/1125/1.html",
                    "feed"
                ),
                (
                    "晋中&平遥",
                    "https://www.sx.chinanews.com.cn/news/2026/1124/2.html?a=1&b=2",
                    "feed"
                ),
                (
                    "大同",
                    "https://www.sx.chinanews.com.cn/news/2026/1123/3.html",
                    "relative"
                ),
                (
                    "长治",
                    "https://www.sx.chinanews.com.cn/news/2026/1120/5.html",
                    "link"
                ),
            ]
        );
        assert_eq!(feed.items_without_link, 2, "javascript: and no <a>");
        assert_eq!(feed.title.as_deref(), Some("山西新闻"));
        let beijing = |i: usize| {
            feed.items[i]
                .published
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(beijing(0), "11-25 10:52");
        assert_eq!(beijing(1), "11-24 00:00");
        assert_eq!(beijing(2), "11-25 09:00");
        assert_eq!(beijing(3), "11-20 00:00");
    }

    #[test]
    fn no_match_says_which_selector_and_how_big_the_page_was() {
        let page = format!("<html><body>{}</body></html>", "<p>改版了</p>".repeat(4000));
        let error = parse_html_list(
            page.as_bytes(),
            None,
            &rules("div.content_list li", None),
            &options(),
        )
        .unwrap_err();
        assert_eq!(error.class(), "no-items");
        assert!(
            error
                .to_string()
                .contains("selector `div.content_list li` matched nothing on a 62 KB page"),
            "{error}"
        );
        let no_links = "<ul><li><span>a</span></li><li><span>b</span></li></ul>";
        let error =
            parse_html_list(no_links.as_bytes(), None, &rules("li", None), &options()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("2 entries matched but none had a web link at `a@href`"),
            "{error}"
        );
    }

    #[test]
    fn link_pattern_keeps_articles_and_leaves_a_homepages_navigation_out() {
        let homepage = r#"<ul class="nav"><li><a href="/">首页</a></li><li><a href="/sx/">山西</a></li></ul>
<ul><li><a href="/news/2026/1125/1.html">太原初雪</a></li><li><a href="/about.html">关于我们</a></li>
<li><a href="https://www.sx.chinanews.com.cn/news/2026/1124/8.html">晋中</a></li></ul>"#;
        let mut rules = rules("li", None);
        rules.link_pattern = Some(LinkPattern::parse(r"/news/\d{4}/\d{4}/\d+\.html$").unwrap());
        let feed = parse_html_list(homepage.as_bytes(), None, &rules, &options()).unwrap();
        let titles: Vec<&str> = feed.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["太原初雪", "晋中"]);
        assert_eq!(
            feed.items_without_link, 0,
            "navigation is not a missing link"
        );

        rules.link_pattern = Some(LinkPattern::parse(r"/detail-\w+\.shtml$").unwrap());
        let error = parse_html_list(homepage.as_bytes(), None, &rules, &options()).unwrap_err();
        assert_eq!(error.class(), "no-items");
        assert!(
            error
                .to_string()
                .contains("5 entries matched; 5 had a link but none matching `link_pattern`"),
            "{error}"
        );
    }

    #[test]
    fn a_json_list_reads_paths_relative_links_and_unix_times() {
        let rules = JsonList {
            items: JsonPath::parse("data.list").unwrap(),
            title: JsonPath::parse("title").unwrap(),
            link: JsonPath::parse("url").unwrap(),
            date: Some(JsonPath::parse("pubtime").unwrap()),
            summary: Some(JsonPath::parse("digest").unwrap()),
        };
        let body = r#"jsonp_1({"data":{"list":[
            {"title":"太原初雪","url":"/news/1.html","pubtime":"2026-11-25 10:52","digest":"a < b"},
            {"title":"晋中","url":"https://other.example.cn/2.html","pubtime":1795488720000},
            {"title":"无链接"}
        ]}});"#;
        let feed = parse_json_list(
            body.as_bytes(),
            Some("application/json"),
            &rules,
            &options(),
        )
        .unwrap();
        assert_eq!(feed.items.len(), 2);
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("https://www.sx.chinanews.com.cn/news/1.html")
        );
        assert_eq!(feed.items[0].summary.as_deref(), Some("a &lt; b"));
        assert_eq!(feed.items[1].published.timestamp(), 1_795_488_720);
        assert_eq!(feed.items_without_link, 1);
        let empty =
            parse_json_list(br#"{"data":{"list":[]}}"#, None, &rules, &options()).unwrap_err();
        assert_eq!(empty.class(), "no-items");
        let wrong = parse_json_list(br#"{"data":{}}"#, None, &rules, &options()).unwrap_err();
        assert!(
            wrong.to_string().contains("path `data.list` found nothing"),
            "{wrong}"
        );
    }
}

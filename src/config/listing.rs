//! Sources without a feed: the rules that read items off an HTML list page (`[source.html]`, CSS
//! selectors) or a JSON list (`[source.json]`, dot paths), and that read a new item's own page
//! (`[source.article]`). Checked here, so a bad selector or path is a config problem with its line.

use std::fmt;
use std::ops::Range;

use toml::Spanned;

use super::raw::{RawArticle, RawHtmlList, RawJsonList, RawSource};

/// How a source's items are read from what its URL answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SourceKind {
    /// RSS, Atom or JSON Feed.
    #[default]
    Feed,
    /// An HTML page listing items.
    Html(Box<HtmlList>),
    /// A JSON document listing items.
    Json(Box<JsonList>),
}

impl SourceKind {
    /// `feed`, `html` or `json`: how `preview` and `/sources` name the kind.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Html(_) => "html",
            SourceKind::Json(_) => "json",
        }
    }
}

/// `[source.html]`: where each item and its fields are on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlList {
    /// CSS selector with one match per item (`div.content_list li`).
    pub item: String,
    /// The title, inside the item (default `a`: its text).
    pub title: FieldRule,
    /// The link, inside the item (default `a@href`), resolved to an absolute URL.
    pub link: FieldRule,
    /// The date's text, if the page shows one.
    pub date: Option<FieldRule>,
    /// A short text, if the page shows one.
    pub summary: Option<FieldRule>,
    /// Only entries whose absolute link this matches are items (a homepage's navigation left out).
    pub link_pattern: Option<LinkPattern>,
}

/// `link_pattern`: a regular expression an item's absolute link must match (anywhere in it).
#[derive(Debug, Clone)]
pub struct LinkPattern(regex::Regex);

impl LinkPattern {
    /// Compiles `text`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<LinkPattern, String> {
        regex::Regex::new(text)
            .map(LinkPattern)
            .map_err(|error| format!("invalid regular expression: {error}"))
    }

    /// Whether `link` is an item's link.
    pub fn matches(&self, link: &str) -> bool {
        self.0.is_match(link)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for LinkPattern {
    fn eq(&self, other: &LinkPattern) -> bool {
        self.as_str() == other.as_str()
    }
}

/// `selector@attribute`: a value inside an element: the text of the first element matching `selector`
/// (the element itself when the selector is empty, as in `@href`), or that element's `attribute`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRule {
    /// CSS selector relative to the item; empty for the item itself.
    pub selector: String,
    /// The attribute to read instead of the text.
    pub attribute: Option<String>,
}

impl FieldRule {
    /// Reads `text` (`a`, `a@href`, `@data-url`, `span.time`), checking the selector.
    pub fn parse(text: &str) -> Result<FieldRule, String> {
        let (selector, attribute) = match text.rsplit_once('@') {
            Some((selector, attribute)) => {
                let attribute = attribute.trim();
                if attribute.is_empty()
                    || !attribute
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
                {
                    return Err(format!("\"{text}\": after @ comes an attribute name"));
                }
                (selector.trim(), Some(attribute.to_string()))
            }
            None => (text.trim(), None),
        };
        if selector.is_empty() && attribute.is_none() {
            return Err("empty: give a CSS selector, `selector@attribute` or `@attribute`".into());
        }
        if !selector.is_empty() {
            check_selector(selector)?;
        }
        Ok(FieldRule {
            selector: selector.to_string(),
            attribute,
        })
    }
}

impl fmt::Display for FieldRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.attribute {
            Some(attribute) => write!(f, "{}@{attribute}", self.selector),
            None => f.write_str(&self.selector),
        }
    }
}

/// Checks a CSS selector the way the page reader will use it.
pub fn check_selector(selector: &str) -> Result<(), String> {
    scraper::Selector::parse(selector)
        .map(|_| ())
        .map_err(|error| format!("invalid CSS selector \"{selector}\": {error}"))
}

/// `[source.json]`: where the list and each item's fields are in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonList {
    /// Path to the array of items (`data.list`); empty when the document is the array.
    pub items: JsonPath,
    /// The title, inside an item (default `title`).
    pub title: JsonPath,
    /// The link, inside an item (default `url`); may be relative.
    pub link: JsonPath,
    /// The date (text or Unix seconds/milliseconds), if the list gives one.
    pub date: Option<JsonPath>,
    /// A short text, if the list gives one.
    pub summary: Option<JsonPath>,
}

/// A dot path into JSON (`data.list`, `result.items.0`): object keys, or array indexes where a segment is
/// a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(Vec<String>);

impl JsonPath {
    /// Reads `text`; `""` or `"."` is the value itself.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let text = text.trim();
        if text.is_empty() || text == "." {
            return Ok(JsonPath(Vec::new()));
        }
        let segments: Vec<String> = text.split('.').map(|s| s.trim().to_string()).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!(
                "\"{text}\": a dot path has no empty segment (`data.list`)"
            ));
        }
        Ok(JsonPath(segments))
    }

    /// The path's segments, outermost first.
    pub fn segments(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str(".")
        } else {
            f.write_str(&self.0.join("."))
        }
    }
}

/// `[source.article]`: each new item's own page is fetched once and read for its text.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRule {
    /// CSS selector of the article text (`div.left_zw`).
    pub content: String,
    /// Where the page shows its date, if the list page does not (default: the page's metadata, else the
    /// first date with a time in its text).
    pub date: Option<FieldRule>,
    /// Most article pages fetched in one poll (newest items first).
    pub max_per_poll: usize,
}

/// Most article pages fetched in one poll unless `[poll]` or the source says otherwise.
pub const DEFAULT_MAX_ARTICLES_PER_POLL: usize = 20;

/// Reports one problem: the byte range of the file it is at, and the message.
pub(super) type Report<'a> = dyn FnMut(Range<usize>, String) + 'a;

/// The kind of source `raw` (with id `id`) is: `None` after reporting a problem.
pub(super) fn source_kind(
    raw: &RawSource,
    id: &str,
    report: &mut Report<'_>,
) -> Option<SourceKind> {
    match (&raw.html, &raw.json) {
        (None, None) => Some(SourceKind::Feed),
        (Some(html), None) => {
            html_list(html, id, report).map(|list| SourceKind::Html(Box::new(list)))
        }
        (None, Some(json)) => {
            json_list(json, id, report).map(|list| SourceKind::Json(Box::new(list)))
        }
        (Some(html), Some(_)) => {
            report(
                html.item.span(),
                format!(
                    "source \"{id}\": has both [source.html] and [source.json]; a source is read one way"
                ),
            );
            None
        }
    }
}

fn html_list(raw: &RawHtmlList, id: &str, report: &mut Report<'_>) -> Option<HtmlList> {
    let item = match check_selector(raw.item.get_ref()) {
        Ok(()) => Some(raw.item.get_ref().trim().to_string()),
        Err(reason) => {
            report(
                raw.item.span(),
                format!("source \"{id}\": html.item: {reason}"),
            );
            None
        }
    };
    let mut field = |value: &Option<Spanned<String>>, key: &str| -> Option<Option<FieldRule>> {
        let Some(value) = value else {
            return Some(None);
        };
        match FieldRule::parse(value.get_ref()) {
            Ok(rule) => Some(Some(rule)),
            Err(reason) => {
                report(
                    value.span(),
                    format!("source \"{id}\": html.{key}: {reason}"),
                );
                None
            }
        }
    };
    let title = field(&raw.title, "title");
    let link = field(&raw.link, "link");
    let date = field(&raw.date, "date");
    let summary = field(&raw.summary, "summary");
    let link_pattern = match &raw.link_pattern {
        None => Some(None),
        Some(pattern) => match LinkPattern::parse(pattern.get_ref()) {
            Ok(pattern) => Some(Some(pattern)),
            Err(reason) => {
                report(
                    pattern.span(),
                    format!("source \"{id}\": html.link_pattern: {reason}"),
                );
                None
            }
        },
    };
    let default = |text: &str| FieldRule::parse(text).expect("default field rules parse");
    Some(HtmlList {
        item: item?,
        title: title?.unwrap_or_else(|| default("a")),
        link: link?.unwrap_or_else(|| default("a@href")),
        date: date?,
        summary: summary?,
        link_pattern: link_pattern?,
    })
}

fn json_list(raw: &RawJsonList, id: &str, report: &mut Report<'_>) -> Option<JsonList> {
    let mut path = |value: &Spanned<String>, key: &str| match JsonPath::parse(value.get_ref()) {
        Ok(path) => Some(path),
        Err(reason) => {
            report(
                value.span(),
                format!("source \"{id}\": json.{key}: {reason}"),
            );
            None
        }
    };
    let items = path(&raw.items, "items");
    let mut optional = |value: &Option<Spanned<String>>, key: &str| match value {
        None => Some(None),
        Some(value) => path(value, key).map(Some),
    };
    let title = optional(&raw.title, "title");
    let link = optional(&raw.link, "link");
    let date = optional(&raw.date, "date");
    let summary = optional(&raw.summary, "summary");
    let default = |text: &str| JsonPath::parse(text).expect("default paths parse");
    Some(JsonList {
        items: items?,
        title: title?.unwrap_or_else(|| default("title")),
        link: link?.unwrap_or_else(|| default("url")),
        date: date?,
        summary: summary?,
    })
}

/// `[source.article]`, with `default_max` from `[poll] max_articles_per_poll`.
pub(super) fn article_rule(
    raw: &RawArticle,
    id: &str,
    default_max: usize,
    report: &mut Report<'_>,
) -> Option<ArticleRule> {
    let content = match check_selector(raw.content.get_ref()) {
        Ok(()) => Some(raw.content.get_ref().trim().to_string()),
        Err(reason) => {
            report(
                raw.content.span(),
                format!("source \"{id}\": article.content: {reason}"),
            );
            None
        }
    };
    let date = match &raw.date {
        None => Some(None),
        Some(value) => match FieldRule::parse(value.get_ref()) {
            Ok(rule) => Some(Some(rule)),
            Err(reason) => {
                report(
                    value.span(),
                    format!("source \"{id}\": article.date: {reason}"),
                );
                None
            }
        },
    };
    let max_per_poll = match &raw.max_articles_per_poll {
        None => Some(default_max),
        Some(value) if *value.get_ref() > 0 => Some(*value.get_ref()),
        Some(value) => {
            report(
                value.span(),
                format!("source \"{id}\": article.max_articles_per_poll: must be greater than 0"),
            );
            None
        }
    };
    Some(ArticleRule {
        content: content?,
        date: date?,
        max_per_poll: max_per_poll?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_rules_read_selector_and_attribute() {
        let rule = FieldRule::parse("a.title@href").unwrap();
        assert_eq!(rule.selector, "a.title");
        assert_eq!(rule.attribute.as_deref(), Some("href"));
        let own = FieldRule::parse("@data-url").unwrap();
        assert_eq!(
            (own.selector.as_str(), own.attribute.as_deref()),
            ("", Some("data-url"))
        );
        assert_eq!(FieldRule::parse("span.time").unwrap().attribute, None);
        assert_eq!(FieldRule::parse("a@href").unwrap().to_string(), "a@href");
        assert!(
            FieldRule::parse("div[")
                .unwrap_err()
                .contains("invalid CSS selector")
        );
        assert!(FieldRule::parse("a@").is_err());
        assert!(FieldRule::parse("").is_err());
    }

    #[test]
    fn json_paths_read_dots() {
        let path = JsonPath::parse("data.list").unwrap();
        assert_eq!(path.segments(), ["data", "list"]);
        assert!(JsonPath::parse(".").unwrap().segments().is_empty());
        assert!(JsonPath::parse("data..list").is_err());
        assert_eq!(path.to_string(), "data.list");
    }
}

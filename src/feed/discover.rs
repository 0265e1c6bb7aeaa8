//! Finding a site's feeds from one of its pages, for `regionfeed add-source`: the page's
//! `<link rel="alternate">` elements of feed types, resolved against its `<base href>` or its own URL,
//! and the common paths sites put feeds at. Pure: text in, addresses out; fetching them is the caller's.

use url::Url;

/// Paths feeds often live at, tried (against the site's root) when a page names none.
pub const COMMON_PATHS: [&str; 8] = [
    "/feed",
    "/rss.xml",
    "/atom.xml",
    "/feed.json",
    "/rss",
    "/feed.xml",
    "/index.xml",
    "/rss/",
];

/// A feed a page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// Where it is.
    pub url: Url,
    /// The link's `title`, if any.
    pub title: Option<String>,
    /// `rss`, `atom` or `json`.
    pub kind: &'static str,
}

/// Most `<link>` elements looked at in one page.
const MAX_LINKS: usize = 500;

/// The feeds a page (HTML text, fetched from `page_url`) names in `<link rel="alternate">`, in page
/// order, without repeats.
pub fn alternate_links(html: &str, page_url: &Url) -> Vec<FeedLink> {
    let base = tags(html, "base")
        .find_map(|attributes| attribute(&attributes, "href"))
        .and_then(|href| page_url.join(&href).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut found: Vec<FeedLink> = Vec::new();
    for attributes in tags(html, "link").take(MAX_LINKS) {
        let rel = attribute(&attributes, "rel").unwrap_or_default();
        if !rel
            .split_ascii_whitespace()
            .any(|word| word.eq_ignore_ascii_case("alternate"))
        {
            continue;
        }
        let Some(kind) = attribute(&attributes, "type").and_then(|t| feed_kind(&t)) else {
            continue;
        };
        let Some(url) = attribute(&attributes, "href").and_then(|href| base.join(&href).ok())
        else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || found.iter().any(|link| link.url == url) {
            continue;
        }
        let title = attribute(&attributes, "title").filter(|title| !title.is_empty());
        found.push(FeedLink { url, title, kind });
    }
    found
}

/// The common feed paths of the site `page_url` is on.
pub fn common_feed_urls(page_url: &Url) -> Vec<Url> {
    COMMON_PATHS
        .iter()
        .filter_map(|path| page_url.join(path).ok())
        .collect()
}

/// A fetched page as text: its charset from HTTP, a byte-order mark or the bytes themselves (UTF-8, else
/// GB18030), as feeds are read.
pub fn page_text(bytes: &[u8], content_type: Option<&str>) -> String {
    super::decode::decode(bytes, content_type, None).text
}

/// Whether `text` reads as an HTML page rather than a feed.
pub fn looks_like_html(text: &str) -> bool {
    let start: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.contains("<html") || start.contains("<head")
}

/// A feed MIME type's kind.
fn feed_kind(mime: &str) -> Option<&'static str> {
    let mime = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/rss+xml" | "application/rdf+xml" | "text/rss+xml" => Some("rss"),
        "application/atom+xml" | "text/atom+xml" => Some("atom"),
        "application/feed+json" | "application/json" => Some("json"),
        _ => None,
    }
}

/// The attributes (name lower-cased, value with entities resolved) of every `<name …>` tag in `html`.
fn tags<'a>(html: &'a str, name: &'a str) -> impl Iterator<Item = Vec<(String, String)>> + 'a {
    let lower = html.to_ascii_lowercase();
    let opening = format!("<{name}");
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at + lower.get(at..)?.find(&opening)?;
            let after = start + opening.len();
            at = after;
            // `<link` must not be the start of `<linked…>`.
            let next = lower[after..].chars().next()?;
            if !(next.is_ascii_whitespace() || next == '/' || next == '>') {
                continue;
            }
            let end = after + tag_end(&html[after..])?;
            at = end;
            return Some(parse_attributes(&html[after..end]));
        }
    })
}

/// Where the tag that starts `text` ends (`>` outside quotes).
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '>') => return Some(index),
            _ => {}
        }
    }
    None
}

/// `name="value" name='value' name=value name` pairs.
fn parse_attributes(text: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    let mut rest = text.trim_start_matches('/');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return attributes;
        }
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, remainder) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let close = inner.find(quote).unwrap_or(inner.len());
                    (&inner[..close], inner.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = remainder;
            value
        } else {
            ""
        };
        if !name.is_empty() {
            attributes.push((name, resolve_entities(value)));
        }
    }
}

fn attribute(attributes: &[(String, String)], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_string())
}

/// The entities attribute values use in practice.
fn resolve_entities(value: &str) -> String {
    value
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head>
<meta charset="utf-8"><title>山西新闻</title>
<LINK REL="alternate" TYPE="application/rss+xml" TITLE="山西新闻 RSS" HREF="/rss/sx.xml?a=1&amp;b=2">
<link rel='alternate' type='application/atom+xml' href='atom.xml'/>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="alternate" type="application/feed+json" href="https://cdn.example.cn/feed.json">
<link rel="alternate" type="application/rss+xml" href="/rss/sx.xml?a=1&b=2">
<linked rel="alternate" type="application/rss+xml" href="/not-a-link.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body></body></html>"#;

    #[test]
    fn feed_links_are_found_resolved_and_deduplicated() {
        let page = Url::parse("https://www.example.cn/news/index.html").unwrap();
        let links = alternate_links(PAGE, &page);
        let found: Vec<(&str, &str, Option<&str>)> = links
            .iter()
            .map(|link| (link.url.as_str(), link.kind, link.title.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "https://www.example.cn/rss/sx.xml?a=1&b=2",
                    "rss",
                    Some("山西新闻 RSS")
                ),
                ("https://www.example.cn/news/atom.xml", "atom", None),
                ("https://cdn.example.cn/feed.json", "json", None),
            ]
        );
        let based = PAGE.replace(
            "<head>",
            "<head><base href=\"https://static.example.cn/s/\">",
        );
        assert_eq!(
            alternate_links(&based, &page)[1].url.as_str(),
            "https://static.example.cn/s/atom.xml"
        );
    }

    #[test]
    fn pages_and_common_paths() {
        assert!(looks_like_html(PAGE));
        assert!(looks_like_html("\u{feff}  <html lang=\"zh\">"));
        assert!(!looks_like_html("<?xml version=\"1.0\"?><rss><channel>"));
        let page = Url::parse("https://www.example.cn/news/index.html").unwrap();
        let urls = common_feed_urls(&page);
        assert_eq!(urls[0].as_str(), "https://www.example.cn/feed");
        assert_eq!(urls.len(), COMMON_PATHS.len());
        assert!(alternate_links("<link rel=alternate type=application/rss+xml", &page).is_empty());
    }
}

//! An item's own page (`[source.article]`): its text, for readers, tagging and story matching (a
//! chinanews article's first line holds the dateline), and its date when the list gave none. Pure.

use std::sync::OnceLock;

use regex::Regex;
use scraper::Html;

use super::date_search::{FoundDate, find_date_near};
use super::decode::decode_html;
use super::listing::{CompiledField, clean_text, page_base, selector};
use super::parse::{MAX_CONTENT_BYTES, ParseError, ParseOptions, html_field};
use crate::config::ArticleRule;

/// What an article page gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticlePage {
    /// The HTML of the article text (`[source.article] content`), if the selector matched.
    pub content: Option<String>,
    /// The page's date: the rule's `date`, else the page's metadata, else the first date with a time in
    /// its text.
    pub date: Option<FoundDate>,
}

/// Reads an article page (`options.base_url`: the URL that answered).
pub fn read_article(
    bytes: &[u8],
    content_type: Option<&str>,
    rule: &ArticleRule,
    options: &ParseOptions,
) -> Result<ArticlePage, ParseError> {
    let decoded = decode_html(bytes, content_type, options.encoding);
    let page = Html::parse_document(&decoded.text);
    let content_selector = selector(&rule.content)?;
    let content = page
        .select(&content_selector)
        .next()
        .map(|element| with_absolute_links(&element.inner_html(), &page, options))
        .map(|html| html_field(&html, MAX_CONTENT_BYTES))
        .filter(|html| !html.trim().is_empty());
    let date = match &rule.date {
        Some(field) => {
            let field = CompiledField::new(field)?;
            field
                .value(page.root_element())
                .and_then(|text| find_date_near(&text, options.timezone, options.now))
        }
        None => metadata_date(&page, options).or_else(|| text_date(&page, options)),
    };
    Ok(ArticlePage { content, date })
}

/// The date in the page's metadata (`article:published_time`, `publishdate`, `<time datetime>`).
fn metadata_date(page: &Html, options: &ParseOptions) -> Option<FoundDate> {
    const WHERE: [(&str, &str); 7] = [
        ("meta[property='article:published_time']", "content"),
        ("meta[name='publishdate']", "content"),
        ("meta[name='PubDate']", "content"),
        ("meta[name='pubdate']", "content"),
        ("meta[itemprop='datePublished']", "content"),
        ("meta[name='firstpublishedtime']", "content"),
        ("time[datetime]", "datetime"),
    ];
    WHERE.iter().find_map(|(css, attribute)| {
        let found = selector(css).ok()?;
        let element = page.select(&found).next()?;
        find_date_near(
            element.value().attr(attribute)?,
            options.timezone,
            options.now,
        )
    })
}

/// The first full date with a time in the page's text (`2026年11月25日 10:52`, `2026-11-25 10:52`): news
/// pages print the article's time above its text.
fn text_date(page: &Html, options: &ParseOptions) -> Option<FoundDate> {
    static FULL: OnceLock<Regex> = OnceLock::new();
    let full = FULL.get_or_init(|| {
        Regex::new(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}")
            .expect("valid full date pattern")
    });
    let body = selector("body").ok()?;
    let text = clean_text(
        &page
            .select(&body)
            .next()?
            .text()
            .collect::<Vec<_>>()
            .join(" "),
        usize::MAX,
    );
    full.find_iter(&text)
        .find_map(|found| find_date_near(found.as_str(), options.timezone, options.now))
}

/// `html` with relative `href`/`src` made absolute against the page's base, so the text reads the same
/// wherever it is shown.
fn with_absolute_links(html: &str, page: &Html, options: &ParseOptions) -> String {
    let Some(base) = page_base(page, options.base_url.as_ref()) else {
        return html.to_string();
    };
    static ATTRIBUTE: OnceLock<Regex> = OnceLock::new();
    let attribute = ATTRIBUTE.get_or_init(|| {
        Regex::new(r#"(?P<name>\s(?:href|src)=)"(?P<url>[^"]*)""#).expect("valid attribute pattern")
    });
    attribute
        .replace_all(html, |found: &regex::Captures<'_>| {
            let url = &found["url"];
            let absolute = base
                .join(&url.replace("&amp;", "&"))
                .map(|joined| joined.to_string().replace('&', "&amp;"))
                .unwrap_or_else(|_| url.to_string());
            format!("{}\"{absolute}\"", &found["name"])
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use url::Url;

    use super::*;

    fn options() -> ParseOptions {
        ParseOptions {
            timezone: chrono_tz::Asia::Shanghai,
            encoding: None,
            base_url: Some(
                Url::parse("https://www.sx.chinanews.com.cn/news/2026/1125/1.html").unwrap(),
            ),
            now: Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap(),
        }
    }

    fn rule(content: &str) -> ArticleRule {
        ArticleRule {
            content: content.into(),
            date: None,
            max_per_poll: 20,
        }
    }

    #[test]
    fn the_article_text_and_the_date_above_it_are_read() {
        let page = r#"<html><head><meta charset="gbk"></head><body>
<div class="left-t">2026年11月25日 10:52　来源：中国新闻网</div>
<div class="left_zw"><p>　　中新网太原11月25日电 (记者 李庭耀)连日来，晋中初雪。</p><img src="../img/1.jpg"></div>
<div class="footer">© 2026</div></body></html>"#;
        let bytes = encoding_rs::GBK.encode(page).0.into_owned();
        let article = read_article(
            &bytes,
            None,
            &rule("div.left_zw, div.content_desc"),
            &options(),
        )
        .unwrap();
        let content = article.content.unwrap();
        assert!(content.contains("中新网太原11月25日电"), "{content}");
        assert!(
            content.contains("src=\"https://www.sx.chinanews.com.cn/news/2026/img/1.jpg\""),
            "{content}"
        );
        let date = article.date.unwrap();
        assert_eq!(
            date.at,
            Utc.with_ymd_and_hms(2026, 11, 25, 2, 52, 0).unwrap()
        );
    }

    #[test]
    fn metadata_dates_come_first_and_a_missing_text_is_none() {
        let page = r#"<html><head><meta property="article:published_time" content="2026-11-24T08:00:00+08:00"></head>
<body><p>2026-11-25 10:52</p></body></html>"#;
        let article =
            read_article(page.as_bytes(), None, &rule("div.left_zw"), &options()).unwrap();
        assert_eq!(article.content, None);
        assert_eq!(
            article.date.unwrap().at,
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
        );
    }
}

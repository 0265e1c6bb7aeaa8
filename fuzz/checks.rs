//! The property each fuzz target checks, shared by the targets (`fuzz/fuzz_targets/`) and by the normal
//! test suite, which replays the committed corpus entries through them (`tests/fuzz_regressions.rs`).
//! Every check panics when its property fails.

#![allow(dead_code)] // Each fuzz target uses one check.

use chrono::TimeZone;
use regionfeed::feed::parse::{ParseOptions, parse_feed};

/// Decoding and parsing any bytes as a feed never panics, and what it keeps stays within the bounds.
pub fn decode_parse(data: &[u8]) {
    let options = ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: url::Url::parse("https://www.example.cn/rss/sx.xml").ok(),
        now: chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .unwrap(),
    };
    let content_type = if data.first().is_some_and(|b| b % 2 == 0) {
        Some("application/rss+xml; charset=gbk")
    } else {
        None
    };
    if let Ok(feed) = parse_feed(data, content_type, &options) {
        assert!(feed.items.len() <= regionfeed::feed::parse::MAX_ITEMS_PER_FEED);
        for item in &feed.items {
            assert!(item.title.chars().count() <= regionfeed::feed::parse::MAX_TITLE_CHARS);
            assert!(!item.title.is_empty());
            if let Some(link) = &item.link {
                assert!(
                    link.starts_with("http://") || link.starts_with("https://"),
                    "{link}"
                );
            }
        }
    }
}

/// The date parser never panics (with or without a fetch time), and what it returns formats back.
pub fn dates(text: &str) {
    use regionfeed::feed::dates::{parse_date, parse_date_near};
    let zone = chrono_tz::Asia::Shanghai;
    if let Some(date) = parse_date(text, zone) {
        let _ = date.to_rfc3339();
    }
    let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).expect("a valid time");
    if let Some(date) = parse_date_near(text, zone, now) {
        let _ = date.to_rfc3339();
    }
}

/// Link canonicalisation never panics, and the variants it promises to fold (http/https, a fragment)
/// get the same canonical form.
pub fn canonical_link(text: &str) {
    use regionfeed::classify::identity::canonical_link;
    let Some(canonical) = canonical_link(text) else {
        return;
    };
    let Ok(url) = url::Url::parse(text.trim()) else {
        panic!("a canonical form for an unparsable link: {text:?}");
    };
    let mut variant = url.clone();
    let other = if url.scheme() == "http" {
        "https"
    } else {
        "http"
    };
    if url.port().is_none() && variant.set_scheme(other).is_ok() && variant.port().is_none() {
        variant.set_fragment(Some("comments"));
        assert_eq!(
            canonical_link(variant.as_str()).as_deref(),
            Some(canonical.as_str()),
            "{text:?}"
        );
    }
}

/// Any query string gives a request or a 400, never a panic.
pub fn query(text: &str) {
    use regionfeed::publish::query::{Format, parse_feed_request};
    let _ = parse_feed_request(Some(text), Format::Rss);
}

/// Sanitising any item HTML never panics and lets no script element, event handler or script URL
/// through.
pub fn sanitise_html(html: &str) {
    use regionfeed::publish::render::sanitise_html;
    let clean =
        sanitise_html(html, Some("https://www.example.cn/news/1.shtml")).to_ascii_lowercase();
    assert!(!clean.contains("<script"), "{html:?} → {clean:?}");
    // Every `<` of the output opens a tag (text has `&lt;`), and attribute values are double-quoted with
    // `"` escaped inside them: split each tag into its attribute names and its values.
    for tag in clean.split('<').skip(1) {
        let (mut names, mut values, mut in_quotes) = (String::new(), vec![String::new()], false);
        for c in tag.chars() {
            match c {
                '"' if in_quotes => {
                    in_quotes = false;
                    values.push(String::new());
                }
                '"' => in_quotes = true,
                '>' if !in_quotes => break,
                _ if in_quotes => values.last_mut().unwrap().push(c),
                _ => names.push(c),
            }
        }
        let has_handler = names
            .split_whitespace()
            .skip(1)
            .any(|attribute| attribute.starts_with("on") && attribute.contains('='));
        assert!(!has_handler, "{html:?} → {clean:?}");
        for value in values {
            assert!(
                !value.trim_start().starts_with("javascript:"),
                "{html:?} → {clean:?}"
            );
        }
    }
}

//! Fuzz target: decoding and parsing any bytes as a feed never panics.
#![no_main]

use chrono::TimeZone;
use libfuzzer_sys::fuzz_target;
use regionfeed::parse::{ParseOptions, parse_feed};

fuzz_target!(|data: &[u8]| {
    let options = ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: url_base(),
        now: chrono::Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    };
    let content_type = if data.first().is_some_and(|b| b % 2 == 0) {
        Some("application/rss+xml; charset=gbk")
    } else {
        None
    };
    let _ = parse_feed(data, content_type, &options);
});

fn url_base() -> Option<url::Url> {
    url::Url::parse("https://www.example.cn/rss/sx.xml").ok()
}

//! Fuzz target: any query string gives a request or a 400, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regionfeed::publish::query::{Format, parse_feed_request};

fuzz_target!(|text: &str| {
    let _ = parse_feed_request(Some(text), Format::Rss);
});

//! Fuzz target: the date parser never panics, and what it returns formats back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(date) = regionfeed::dates::parse_date(text, chrono_tz::Asia::Shanghai) {
        let _ = date.to_rfc3339();
    }
});

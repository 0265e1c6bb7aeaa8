//! Fuzz target: the date parser never panics, and what it returns formats back (`checks::dates`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|text: &str| {
    checks::dates(text);
});

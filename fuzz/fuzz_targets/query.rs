//! Fuzz target: any query string gives a request or a 400, never a panic (`checks::query`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|text: &str| {
    checks::query(text);
});

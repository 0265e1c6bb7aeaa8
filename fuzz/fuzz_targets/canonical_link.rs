//! Fuzz target: link canonicalisation never panics and folds the variants it promises to fold
//! (`checks::canonical_link`).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|text: &str| {
    checks::canonical_link(text);
});

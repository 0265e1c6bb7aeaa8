//! Fuzz target: the HTML sanitiser never panics and lets no script, event handler or script URL through
//! (`checks::sanitise_html`). Run with `-timeout=5` so that markup which makes it crawl is a finding.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|text: &str| {
    checks::sanitise_html(text);
});

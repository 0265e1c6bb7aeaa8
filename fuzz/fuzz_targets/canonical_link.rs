//! Fuzz target: link canonicalisation never panics, and the variants it promises to fold (http/https,
//! `www.`, a fragment) get the same canonical form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regionfeed::identity::canonical_link;

fuzz_target!(|text: &str| {
    let Some(canonical) = canonical_link(text) else {
        return;
    };
    let Ok(url) = url::Url::parse(text.trim()) else {
        panic!("a canonical form for an unparsable link: {text:?}");
    };
    let mut variant = url.clone();
    let other = if url.scheme() == "http" { "https" } else { "http" };
    if url.port().is_none() && variant.set_scheme(other).is_ok() && variant.port().is_none() {
        variant.set_fragment(Some("comments"));
        assert_eq!(canonical_link(variant.as_str()).as_deref(), Some(canonical.as_str()), "{text:?}");
    }
});

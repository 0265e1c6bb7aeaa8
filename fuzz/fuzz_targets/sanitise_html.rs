//! Fuzz target: sanitising any item HTML never panics and lets no script element, event handler or
//! script URL through. Run with `-timeout=5` so that markup which makes the sanitiser crawl is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regionfeed::publish::render::sanitise_html;

fuzz_target!(|html: &str| {
    let clean = sanitise_html(html, Some("https://www.example.cn/news/1.shtml")).to_ascii_lowercase();
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
            assert!(!value.trim_start().starts_with("javascript:"), "{html:?} → {clean:?}");
        }
    }
});

//! Feeds in every shape feedparser reads and regionfeed once did not (tests/fixtures/conformance/, written
//! for regionfeed, three or more per class): RSS 0.90/1.0 items with only `rdf:about`, Atom 0.3, one
//! unreadable entry among good ones, `xml:base`, dates in every plausible form, entity references
//! nobody defines. Each item's title, link and instant is checked against `expected.tsv`
//! (`file`, item, title, link or `-`, instant in UTC or `-` for none), which was reviewed item by item
//! against Python feedparser's reading (tests/feedparser_comparison.rs holds the differences and why).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};
use regionfeed::feed::parse::{DateSource, ParseOptions, parse_feed};

const DIR: &str = "tests/fixtures/conformance";

/// (title, link, instant) of each item of each file, as expected.
fn expected() -> BTreeMap<String, Vec<(String, String, String)>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(DIR)
        .join("expected.tsv");
    let mut files: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 5, "expected.tsv: 5 fields in {line}");
        let items = files.entry(fields[0].to_string()).or_default();
        assert_eq!(
            fields[1],
            items.len().to_string(),
            "expected.tsv: items in order: {line}"
        );
        items.push((fields[2].into(), fields[3].into(), fields[4].into()));
    }
    files
}

/// What regionfeed reads from one file served at 127.0.0.1/feeds/{file}.
fn read(file: &str) -> Vec<(String, String, String)> {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR).join(file)).unwrap();
    let options = ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: Some(url::Url::parse(&format!("http://127.0.0.1/feeds/{file}")).unwrap()),
        now: Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
    };
    let feed = parse_feed(&bytes, None, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
    feed.items
        .into_iter()
        .map(|item| {
            let instant = match item.date_source {
                DateSource::Feed => item.published.to_rfc3339(),
                _ => "-".to_string(),
            };
            (item.title, item.link.unwrap_or_else(|| "-".into()), instant)
        })
        .collect()
}

#[test]
fn every_class_reads_item_by_item() {
    let expected = expected();
    let files: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".xml"))
        .collect();
    assert_eq!(
        files.len(),
        expected.len(),
        "every fixture has its expected items"
    );
    let mut failures = Vec::new();
    for (file, items) in &expected {
        let got = read(file);
        // REGIONFEED_PRINT_READINGS=1 prints what is read, in expected.tsv's format, for review.
        if std::env::var_os("REGIONFEED_PRINT_READINGS").is_some() {
            for (index, (title, link, instant)) in got.iter().enumerate() {
                println!("{file}\t{index}\t{title}\t{link}\t{instant}");
            }
        }
        if &got != items {
            failures.push(format!("{file}:\n  expected {items:?}\n  read     {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Three or more feeds of each class.
    for class in [
        "rss10-",
        "atom03-",
        "bad-entry-",
        "xmlbase-",
        "dates-",
        "entities-",
    ] {
        let n = expected
            .keys()
            .filter(|file| file.starts_with(class))
            .count();
        assert!(n >= 3, "{class}: {n} feeds");
    }
}

#[test]
fn entries_feed_rs_refuses_keep_what_can_be_read() {
    let feed = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id>
<updated>2024-01-01T00:00:00Z</updated>
<entry><title>first</title><id>urn:1</id><updated>2024-01-01T00:00:00Z</updated></entry>
<entry><title type="text/plain">second</title><id>urn:2</id><updated>2024-01-01T00:00:00Z</updated>
  <content type="markdown">**bold**</content></entry>
<entry><id>urn:3</id><updated>not a date</updated><link href="javascript:x" rel="alternate"/>
  <title type="application/json">{"x":1}</title><author><name>x</name></author></entry>
</feed>"#;
    let options = ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: None,
        now: Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
    };
    let parsed = parse_feed(feed.as_bytes(), None, &options).unwrap();
    let titles: Vec<&str> = parsed.items.iter().map(|i| i.title.as_str()).collect();
    // The second loses its markdown content, the third its JSON-typed title's type and its
    // javascript: link; nothing had to be left out.
    assert_eq!(titles, ["first", "second", "{\"x\":1}"]);
    assert_eq!(parsed.items[2].link, None);
    assert_eq!(parsed.items_unreadable, 0);
}

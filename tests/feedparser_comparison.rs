//! regionfeed's reading of every feed file under a folder against Python feedparser's, the parser most
//! aggregators are measured against: item count, titles, absolute links and instants to the second.
//!
//! Run over `tests/fixtures/` by `cargo test` (CI installs feedparser), or over any folder:
//! `REGIONFEED_COMPARE_DIR=/path/to/feeds cargo test --test feedparser_comparison -- --nocapture`.
//! It prints a table and fails on any difference that is neither the intended zone-less rule (a time
//! written without a zone is in the source's zone, Asia/Shanghai, where feedparser reads UTC) nor listed
//! in `tests/fixtures/feedparser-allowed.tsv`, which says why each listed difference is right; an entry
//! there that matches no difference fails too, so the list stays true.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use regionfeed::feed::parse::{DateSource, ParseOptions, parse_feed};
use serde::Deserialize;

const URL_PREFIX: &str = "http://127.0.0.1/feeds/";
const ALLOW_LIST: &str = "tests/fixtures/feedparser-allowed.tsv";
/// Seconds east of UTC of the source zone the comparison reads zone-less dates in (Asia/Shanghai).
const SOURCE_ZONE_OFFSET: i64 = 8 * 3600;

/// One item as a reader sees it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
struct Reading {
    title: Option<String>,
    link: Option<String>,
    published: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct FeedparserFile {
    items: Vec<Reading>,
}

/// One way the two readings of a file differ.
#[derive(Debug, Clone)]
struct Difference {
    file: String,
    /// Item index, or `None` for the item count.
    item: Option<usize>,
    field: &'static str,
    ours: String,
    theirs: String,
}

/// A line of the allow-list: which differences it covers and why they are right.
#[derive(Debug)]
struct Allowed {
    file_pattern: String,
    item: Option<usize>,
    field: String,
    why: String,
}

impl Allowed {
    fn covers(&self, difference: &Difference) -> bool {
        glob_match(&self.file_pattern, &difference.file)
            && (self.item.is_none() || self.item == difference.item)
            && (self.field == "*" || self.field == difference.field)
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len())
                    .filter(|&skip| text.is_char_boundary(head.len() + skip))
                    .any(|skip| glob_match(tail, &text[head.len() + skip..]))
        }
    }
}

fn allow_list() -> Vec<Allowed> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(ALLOW_LIST))
        .expect("the allow-list exists");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                fields.len(),
                4,
                "{ALLOW_LIST}: expected 4 tab-separated fields: {line}"
            );
            assert!(
                !fields[3].trim().is_empty(),
                "{ALLOW_LIST}: every entry says why: {line}"
            );
            Allowed {
                file_pattern: fields[0].to_string(),
                item: (fields[1] != "*").then(|| fields[1].parse().expect("an item index or *")),
                field: fields[2].to_string(),
                why: fields[3].to_string(),
            }
        })
        .collect()
}

/// Every feed file under `dir`, relative paths, sorted.
fn feed_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .is_some_and(|e| ["xml", "rss", "atom", "rdf"].contains(&e.to_str().unwrap_or("")))
            {
                let relative = path.strip_prefix(dir).unwrap().to_string_lossy();
                found.push(relative.replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// regionfeed's reading of one file served at `URL_PREFIX` + its path.
fn ours(dir: &Path, file: &str) -> Result<Vec<Reading>, String> {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let options = ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: Some(url::Url::parse(&format!("{URL_PREFIX}{file}")).unwrap()),
        // Far ahead, so no date is clamped as "in the future".
        now: Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap(),
    };
    let feed = parse_feed(&bytes, Some("application/xml"), &options).map_err(|e| e.to_string())?;
    Ok(feed
        .items
        .into_iter()
        .map(|item| Reading {
            title: Some(item.title),
            link: item.link,
            published: (item.date_source == DateSource::Feed).then(|| item.published.timestamp()),
        })
        .collect())
}

/// feedparser's reading of every file under `dir`; `None` when Python's feedparser is not installed.
fn theirs(dir: &Path) -> Option<BTreeMap<String, FeedparserFile>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/feedparser_dump.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(dir)
        .args(["--base-url-prefix", URL_PREFIX])
        .output()
        .ok()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("No module named 'feedparser'"),
            "feedparser_dump.py failed: {stderr}"
        );
        return None;
    }
    Some(serde_json::from_slice(&output.stdout).expect("feedparser_dump.py prints JSON"))
}

/// A title as a reader sees it: markup and entities resolved, white space folded (feedparser keeps
/// HTML-typed titles as HTML; a non-breaking space is a space to a reader).
fn shown_title(title: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in title.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn compare_file(file: &str, ours: &[Reading], theirs: &[Reading]) -> Vec<Difference> {
    let mut differences = Vec::new();
    let difference = |item, field, ours: String, theirs: String| Difference {
        file: file.to_string(),
        item,
        field,
        ours,
        theirs,
    };
    if ours.len() != theirs.len() {
        differences.push(difference(
            None,
            "count",
            ours.len().to_string(),
            theirs.len().to_string(),
        ));
    }
    for (index, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let their_title = b.title.as_deref().map(shown_title).unwrap_or_default();
        let our_title = a.title.as_deref().map(shown_title).unwrap_or_default();
        // An untitled entry: regionfeed shows the start of its text, feedparser nothing.
        if our_title != their_title && !their_title.is_empty() {
            differences.push(difference(Some(index), "title", our_title, their_title));
        }
        if a.link != b.link {
            differences.push(difference(
                Some(index),
                "link",
                format!("{:?}", a.link),
                format!("{:?}", b.link),
            ));
        }
        let zone_less = matches!((a.published, b.published),
            (Some(x), Some(y)) if y - x == SOURCE_ZONE_OFFSET);
        if a.published != b.published && !zone_less {
            let show = |t: Option<i64>| {
                t.and_then(|t| Utc.timestamp_opt(t, 0).single())
                    .map_or("none".to_string(), |t| t.to_rfc3339())
            };
            differences.push(difference(
                Some(index),
                "published",
                show(a.published),
                show(b.published),
            ));
        }
    }
    differences
}

fn compare_dir(dir: &Path) -> Option<(Vec<String>, Vec<Difference>)> {
    let theirs = theirs(dir)?;
    let mut table = Vec::new();
    let mut differences = Vec::new();
    for file in feed_files(dir) {
        let their_items = theirs.get(&file).map_or(&[][..], |f| &f.items[..]);
        let found = match ours(dir, &file) {
            Ok(our_items) => compare_file(&file, &our_items, their_items),
            Err(error) => vec![Difference {
                file: file.clone(),
                item: None,
                field: "count",
                ours: format!("error: {error}"),
                theirs: their_items.len().to_string(),
            }],
        };
        table.push(format!(
            "{file:<55} {:>3} items  {:>2} differences",
            their_items.len(),
            found.len()
        ));
        differences.extend(found);
    }
    Some((table, differences))
}

#[test]
fn regionfeed_reads_what_feedparser_reads() {
    let dir: PathBuf = std::env::var_os("REGIONFEED_COMPARE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"));
    let Some((table, differences)) = compare_dir(&dir) else {
        assert!(
            std::env::var_os("REGIONFEED_REQUIRE_READERS").is_none(),
            "Python's feedparser is required (pip install feedparser)"
        );
        println!("skipped: Python's feedparser is not installed (pip install feedparser)");
        return;
    };
    println!("feed (against feedparser)                               items  differences");
    for line in &table {
        println!("{line}");
    }
    let allowed = allow_list();
    let mut unexplained = Vec::new();
    for difference in &differences {
        let line = format!(
            "{} item {} {}: regionfeed {} | feedparser {}",
            difference.file,
            difference.item.map_or("-".to_string(), |i| i.to_string()),
            difference.field,
            difference.ours,
            difference.theirs
        );
        match allowed.iter().find(|entry| entry.covers(difference)) {
            Some(entry) => println!("  allowed  {line}\n           because {}", entry.why),
            None => {
                println!("  UNEXPLAINED {line}");
                unexplained.push(line);
            }
        }
    }
    let comparing_the_fixtures = std::env::var_os("REGIONFEED_COMPARE_DIR").is_none();
    let stale: Vec<String> = allowed
        .iter()
        .filter(|entry| comparing_the_fixtures && !differences.iter().any(|d| entry.covers(d)))
        .map(|entry| format!("{} {:?} {}", entry.file_pattern, entry.item, entry.field))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences",
        unexplained.len()
    );
    assert!(
        stale.is_empty(),
        "allow-list entries that match no difference: {stale:?}"
    );
}

#[test]
fn the_glob_matches_as_documented() {
    assert!(glob_match(
        "conformance/rss10-*",
        "conformance/rss10-1-about-only.xml"
    ));
    assert!(glob_match("*", "anything.xml"));
    assert!(glob_match("a*c*e", "abcde"));
    assert!(!glob_match(
        "conformance/rss10-*",
        "conformance/atom03-1.xml"
    ));
    assert!(!glob_match("a", "ab"));
}

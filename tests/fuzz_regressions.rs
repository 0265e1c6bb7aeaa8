//! Replays the committed fuzz corpus entries through the property each fuzz target checks
//! (`fuzz/checks.rs`), so the normal test suite keeps them fixed without cargo-fuzz.
//!
//! `tests/fixtures/fuzz/<target>.hex` holds one entry per line, hex-encoded: the target's corpus minimised
//! to entries that reach distinct code edges, plus findings, each under a `#` comment saying what it
//! found. `fuzz/export-corpus.sh` writes the files.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

/// Every entry of one target's committed corpus, with its line number.
fn corpus(target: &str) -> Vec<(usize, Vec<u8>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(format!("{target}.hex"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let entries: Vec<(usize, Vec<u8>)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#'))
        .map(|(number, line)| (number + 1, hex::decode(line.trim()).unwrap()))
        .collect();
    assert!(!entries.is_empty(), "{} is empty", path.display());
    entries
}

/// The text a `&str` fuzz target receives for `bytes`: the longest valid UTF-8 prefix (as `arbitrary`
/// gives it).
fn as_text(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap(),
    }
}

fn replay(target: &str, check: impl Fn(&[u8])) {
    let entries = corpus(target);
    let failing: Vec<usize> = entries
        .iter()
        .filter(|(_, bytes)| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(bytes))).is_err()
        })
        .map(|(line, _)| *line)
        .collect();
    assert!(
        failing.is_empty(),
        "{target}: the entries on lines {failing:?} of {target}.hex fail their check"
    );
}

#[test]
fn decode_parse_corpus() {
    replay("decode_parse", checks::decode_parse);
}

#[test]
fn dates_corpus() {
    replay("dates", |bytes| checks::dates(as_text(bytes)));
}

#[test]
fn canonical_link_corpus() {
    replay("canonical_link", |bytes| {
        checks::canonical_link(as_text(bytes))
    });
}

#[test]
fn query_corpus() {
    replay("query", |bytes| checks::query(as_text(bytes)));
}

#[test]
fn sanitise_html_corpus() {
    replay("sanitise_html", |bytes| {
        checks::sanitise_html(as_text(bytes))
    });
}

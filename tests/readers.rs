//! Real feed readers against the running daemon: Python's feedparser must parse RSS and Atom without a
//! `bozo` complaint (feedparser 6 has no JSON Feed support; JSON Feed is round-tripped through feed-rs in
//! the render tests), and newsboat (headless, with its own config and cache) must list exactly the feed's
//! items. `.ci/run` installs both and sets REGIONFEED_REQUIRE_READERS=1, which turns a missing reader into a
//! failure; elsewhere a missing reader skips its test with a message.

mod common;

use std::process::Command;

use common::{Canned, FixtureServer, rss, source_tables, start_daemon};
use regionfeed::app::Daemon;

fn reader_available(program: &str, probe: &[&str]) -> bool {
    let found = Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var_os("REGIONFEED_REQUIRE_READERS").is_none(),
            "{program} is required (REGIONFEED_REQUIRE_READERS is set) but not usable"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
}

const TITLES: &[&str] = &[
    "太原迎来初雪",
    "晋中古城游客增长 <&> 特殊字符",
    "大同云冈石窟",
];

async fn daemon(dir: &std::path::Path) -> Daemon {
    let server = FixtureServer::start().await;
    let escaped: Vec<String> = TITLES
        .iter()
        .map(|t| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        })
        .collect();
    let items: Vec<(&str, String, &str, String)> = escaped
        .iter()
        .enumerate()
        .map(|(n, title)| {
            (
                "",
                format!("https://sx.example.cn/{n}.shtml"),
                title.as_str(),
                format!("2026-11-25 10:{n:02}:00"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (*a, b.as_str(), *c, d.as_str()))
        .collect();
    server.set("sx.xml", Canned::rss(&rss("山西", &borrowed)));
    let daemon = start_daemon(
        dir,
        &source_tables(&[("sx", server.url("sx.xml"), "shanxi")]),
    )
    .await;
    for report in daemon.poll_all().await {
        assert!(!report.failed(), "{report:?}");
    }
    // Keep the fixture server alive as long as the test runs.
    std::mem::forget(server);
    daemon
}

fn sorted(mut titles: Vec<String>) -> Vec<String> {
    titles.sort();
    titles
}

fn expected_titles() -> Vec<String> {
    sorted(TITLES.iter().map(|t| t.to_string()).collect())
}

#[tokio::test]
async fn feedparser_parses_rss_and_atom_without_complaint() {
    if !reader_available("python3", &["-c", "import feedparser"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let daemon = daemon(dir.path()).await;
    let script = r#"
import feedparser, json, sys
d = feedparser.parse(sys.argv[1])
print(json.dumps({
    "bozo": bool(d.bozo),
    "error": str(d.get("bozo_exception", "")),
    "version": d.version,
    "titles": [e.get("title") for e in d.entries],
    "ids": [e.get("id") for e in d.entries],
    "links": [e.get("link") for e in d.entries],
    "dated": all(e.get("published_parsed") or e.get("updated_parsed") for e in d.entries),
}))
"#;
    for extension in ["xml", "atom"] {
        let url = format!("http://{}/feeds/shanxi.{extension}", daemon.local_addr());
        let output = tokio::process::Command::new("python3")
            .args(["-c", script, &url])
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(result["bozo"], false, "{extension}: {result}");
        let titles: Vec<String> = result["titles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(sorted(titles), expected_titles(), "{extension}: {result}");
        assert!(
            result["ids"]
                .as_array()
                .unwrap()
                .iter()
                .all(|id| id.as_str().unwrap().starts_with("urn:uuid:")),
            "{result}"
        );
        assert!(
            result["links"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l.as_str().unwrap().starts_with("https://sx.example.cn/")),
            "{result}"
        );
        assert_eq!(result["dated"], true, "{extension}: {result}");
    }
}

#[tokio::test]
async fn newsboat_lists_exactly_the_feeds_items() {
    if !reader_available("newsboat", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let daemon = daemon(dir.path()).await;
    for extension in ["xml", "atom"] {
        let home = tempfile::tempdir().unwrap();
        let urls = home.path().join("urls");
        let cache = home.path().join("cache.db");
        let config = home.path().join("config");
        std::fs::write(
            &urls,
            format!("http://{}/feeds/shanxi.{extension}\n", daemon.local_addr()),
        )
        .unwrap();
        std::fs::write(&config, "").unwrap();
        let run = |action: &str| {
            let mut command = tokio::process::Command::new("newsboat");
            command
                .arg("-u")
                .arg(&urls)
                .arg("-c")
                .arg(&cache)
                .arg("-C")
                .arg(&config)
                .args(["-x", action])
                .env("HOME", home.path())
                .env("XDG_CONFIG_HOME", home.path())
                .env("XDG_DATA_HOME", home.path())
                .kill_on_drop(true);
            command
        };
        let reload =
            tokio::time::timeout(std::time::Duration::from_secs(60), run("reload").output())
                .await
                .expect("newsboat reload finished")
                .unwrap();
        assert!(
            reload.status.success(),
            "{}",
            String::from_utf8_lossy(&reload.stderr)
        );
        let unread = run("print-unread").output().await.unwrap();
        let unread_text = String::from_utf8_lossy(&unread.stdout);
        assert!(
            unread_text.starts_with(&format!("{} unread", TITLES.len())),
            "{extension}: {unread_text}"
        );
        // newsboat's cache is SQLite: read back exactly what it stored.
        let connection = rusqlite::Connection::open(&cache).unwrap();
        let mut statement = connection
            .prepare("SELECT title, guid FROM rss_item")
            .unwrap();
        let rows: Vec<(String, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let titles = sorted(rows.iter().map(|(title, _)| title.clone()).collect());
        assert_eq!(titles, expected_titles(), "{extension}");
        assert!(
            rows.iter().all(|(_, guid)| guid.starts_with("urn:uuid:")),
            "{rows:?}"
        );
    }
}

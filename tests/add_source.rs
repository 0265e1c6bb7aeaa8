//! `regionfeed add-source`, the real binary against loopback sites: a feed's URL is added (comments kept,
//! `schedule = "auto"`, validated); a page's `<link rel="alternate">` feeds are listed and `--pick`
//! chooses; a page without links is searched at the common paths; a page without any feed gets a
//! `[source.html]` skeleton and nothing is written; a missing config is created on the learned schedule.

mod common;

use std::path::Path;

use common::{Canned, FixtureServer, rss, run_binary};

fn add_source(url: &str, config: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["add-source", url, "--region", "shanxi", "--config"]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
    args.push(config.to_str().unwrap().to_string());
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

const CONFIG: &str = "# Editors' sources. Keep this line.\n[storage]\ndatabase = \"test.db\"\n\n[[source]]\nid = \"sx\"  # the first\nurl = \"https://www.chinanews.com.cn/rss/sx.xml\"\nregion = \"shanxi\"\n";

fn feed(title: &str) -> Canned {
    Canned::rss(&rss(
        title,
        &[(
            "",
            "https://sx.example.cn/1.shtml",
            "太原新闻",
            "2026-11-25 10:00:00",
        )],
    ))
}

fn page(head: &str) -> Canned {
    Canned::new(
        200,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html><html><head><title>山西</title>{head}</head><body><ul><li><a href=\"/1.shtml\">新闻</a></li></ul></body></html>"
        ),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_url_is_added_on_the_learned_schedule_keeping_comments() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("sx-local.xml", feed("山西地方"));
    let config = dir.path().join("regionfeed.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let url = server.url("sx-local.xml");
    let (ok, _, stderr) = run_binary(add_source(&url, &config, &[])).await;
    assert!(ok, "{stderr}");
    assert!(stderr.contains("added source"), "{stderr}");
    let edited = std::fs::read_to_string(&config).unwrap();
    assert!(
        edited.starts_with("# Editors' sources. Keep this line.\n"),
        "{edited}"
    );
    assert!(edited.contains("id = \"sx\"  # the first"), "{edited}");
    let loaded = regionfeed::config::load(&config).unwrap();
    let added = &loaded.sources[1];
    assert_eq!(added.url.as_str(), url);
    assert_eq!(added.regions, ["shanxi"]);
    assert!(added.schedule.is_auto());
    assert_eq!(added.title.as_deref(), Some("山西地方"));
    // The same URL again is refused; nothing changes.
    let (ok, _, stderr) = run_binary(add_source(&url, &config, &[])).await;
    assert!(!ok && stderr.contains("already the source"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pages_linked_feeds_are_listed_and_picked() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("rss.xml", feed("山西 RSS"));
    server.set(
        "atom.xml",
        Canned::atom("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>山西 Atom</title><id>urn:x</id><updated>2026-11-25T10:00:00Z</updated><entry><title>太原</title><id>urn:1</id><link href=\"https://sx.example.cn/a\"/><updated>2026-11-25T10:00:00Z</updated></entry></feed>"),
    );
    server.set(
        "news",
        page("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"rss.xml\"><link rel=\"alternate\" type=\"application/atom+xml\" title=\"Atom\" href=\"/atom.xml\"><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/gone.xml\">"),
    );
    let config = dir.path().join("regionfeed.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let page_url = server.url("news");
    let (ok, stdout, stderr) = run_binary(add_source(&page_url, &config, &[])).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(" 1. ") && stdout.contains("山西 RSS"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" 2. ") && stdout.contains("山西 Atom"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("gone.xml"),
        "a link that is not a feed is left out: {stdout}"
    );
    assert!(stderr.contains("--pick"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);
    let (ok, _, stderr) = run_binary(add_source(&page_url, &config, &["--pick", "2"])).await;
    assert!(ok, "{stderr}");
    let loaded = regionfeed::config::load(&config).unwrap();
    assert_eq!(loaded.sources[1].url.as_str(), server.url("atom.xml"));
    let (ok, _, stderr) = run_binary(add_source(&page_url, &config, &["--pick", "7"])).await;
    assert!(!ok && stderr.contains("--pick 7"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn common_paths_are_tried_and_a_page_without_feeds_gets_a_skeleton() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("bare", page(""));
    server.set("feed", feed("山西 /feed"));
    // No config yet: it is created, every source on the learned schedule.
    let config = dir.path().join("new.toml");
    let (ok, _, stderr) = run_binary(add_source(&server.url("bare"), &config, &[])).await;
    assert!(ok, "{stderr}");
    let created = std::fs::read_to_string(&config).unwrap();
    assert!(
        created.contains("[poll]") && created.contains("schedule = \"auto\""),
        "{created}"
    );
    let loaded = regionfeed::config::load(&config).unwrap();
    assert_eq!(loaded.sources[0].url.as_str(), server.url("feed"));
    assert!(loaded.sources[0].schedule.is_auto());

    let other = FixtureServer::start().await;
    other.set("list", page(""));
    let before = std::fs::read_to_string(&config).unwrap();
    let (ok, stdout, stderr) = run_binary(add_source(&other.url("list"), &config, &[])).await;
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("no feed found"), "{stderr}");
    for key in [
        "[source.html]",
        "item = ",
        "title = ",
        "link = ",
        "date = ",
        "summary = ",
    ] {
        assert!(stdout.contains(key), "{key} in {stdout}");
    }
    assert!(
        stdout.contains(&format!("url = \"{}\"", other.url("list"))),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    // The skeleton, pasted as printed, is a valid list-page source to edit from.
    let pasted = dir.path().join("pasted.toml");
    std::fs::write(&pasted, format!("{before}\n{stdout}")).unwrap();
    let loaded = regionfeed::config::load(&pasted).unwrap();
    assert_eq!(loaded.sources.last().unwrap().kind.as_str(), "html");
    // Without --config the table is printed.
    let args = ["add-source", &server.url("feed"), "--region", "national"]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
    let (ok, stdout, stderr) = run_binary(args).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("[[source]]") && stdout.contains("schedule = \"auto\""),
        "{stdout}"
    );
}

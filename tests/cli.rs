//! The command line beyond `run`: import-opml (into a config, comments kept; or printed), export-opml,
//! stats, --version and --help, run as the real binary.

use std::process::Command;

fn regionfeed(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_regionfeed"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const SUBSCRIPTIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>reader export</title></head><body>
  <outline text="山西"><outline text="中新网山西" xmlUrl="https://www.chinanews.com.cn/rss/sx.xml"/></outline>
  <outline text="陝西新聞" xmlUrl="https://sn.example.com/feed"/>
  <outline text="Tech news" xmlUrl="https://tech.example.com/rss"/>
</body></opml>"#;

const CONFIG: &str = "# Sources kept by the editors. Do not remove this line.\n[storage]\ndatabase = \"test.db\"\n\n[[source]]\nid = \"sx\"  # the first source\nurl = \"https://www.chinanews.com.cn/rss/sx.xml\"\nregion = \"shanxi\"\n";

#[test]
fn import_opml_appends_sources_keeping_comments_and_skipping_known_urls() {
    let dir = tempfile::tempdir().unwrap();
    let opml = dir.path().join("subs.opml");
    std::fs::write(&opml, SUBSCRIPTIONS).unwrap();
    let config = dir.path().join("regionfeed.toml");
    std::fs::write(&config, CONFIG).unwrap();

    let (ok, _, stderr) = regionfeed(&[
        "import-opml",
        opml.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("added 2 sources (1 already listed)"),
        "{stderr}"
    );
    let edited = std::fs::read_to_string(&config).unwrap();
    assert!(edited.starts_with("# Sources kept by the editors. Do not remove this line.\n"));
    assert!(
        edited.contains("id = \"sx\"  # the first source"),
        "{edited}"
    );
    let loaded = regionfeed::config::load(&config).unwrap();
    let summary: Vec<(String, Vec<&str>)> = loaded
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.regions.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("sx".to_string(), vec!["shanxi"]),
            ("sn-example-com-feed".to_string(), vec!["shaanxi"]),
            ("tech-example-com-rss".to_string(), vec![]),
        ]
    );

    // Without --config the tables are printed; --region overrides the guess; a bad region is refused.
    let (ok, stdout, _) =
        regionfeed(&["import-opml", opml.to_str().unwrap(), "--region", "hainan"]);
    assert!(ok);
    assert_eq!(stdout.matches("region = \"hainan\"").count(), 3, "{stdout}");
    let (ok, _, stderr) = regionfeed(&["import-opml", opml.to_str().unwrap(), "--region", "mars"]);
    assert!(!ok);
    assert!(stderr.contains("unknown region \"mars\""), "{stderr}");
    std::fs::write(&opml, "<opml><body><outline text=\"empty\"/></body></opml>").unwrap();
    let (ok, _, stderr) = regionfeed(&["import-opml", opml.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("no feeds"), "{stderr}");
}

#[test]
fn export_opml_and_stats_read_the_config_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("regionfeed.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let (ok, stdout, stderr) = regionfeed(&["export-opml", "--config", config.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(r#"<outline text="山西" title="山西" category="shanxi">"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#"xmlUrl="https://www.chinanews.com.cn/rss/sx.xml""#));
    // The export reads back as OPML with the same feed.
    let feeds = regionfeed::opml::read_opml(&stdout).unwrap();
    assert_eq!(feeds.len(), 1);

    let (ok, stdout, stderr) =
        regionfeed(&["stats", "--config", config.to_str().unwrap(), "--json"]);
    assert!(ok, "{stderr}");
    let stats: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(stats["items"], 0);
    assert_eq!(stats["sources"], 1);

    let (ok, stdout, _) = regionfeed(&["--version"]);
    assert!(ok && stdout.starts_with("regionfeed "), "{stdout}");
    for command in [
        "run",
        "check-config",
        "poll-once",
        "sources",
        "import-opml",
        "export-opml",
        "stats",
    ] {
        let (ok, stdout, _) = regionfeed(&[command, "--help"]);
        assert!(ok && stdout.contains("Usage:"), "{command}: {stdout}");
    }
}

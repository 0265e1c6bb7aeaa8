//! The real binary: started on the bundled demo config, it serves feeds and exits 0 on SIGTERM; the
//! config checker's exit codes and messages.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::DaemonProcess;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_regionfeed")
}

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The demo config, moved to a temporary folder: port 0, its own database, feed paths made absolute.
fn demo_config_in(dir: &Path) -> PathBuf {
    let demo = std::fs::read_to_string(repo_path("config/demo.toml")).unwrap();
    let feeds = repo_path("config/demo-feeds");
    let text = demo
        .replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\"")
        .replace("../target/demo/regionfeed.db", "demo.db")
        .replace(
            "file://demo-feeds/",
            &format!("file://{}/", feeds.display()),
        );
    assert!(
        text.contains("127.0.0.1:0") && text.contains("demo.db"),
        "demo.toml changed shape"
    );
    let path = dir.join("demo.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn demo_daemon_serves_feeds_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config_in(dir.path());
    let mut daemon = DaemonProcess::start(&config, &[]).await;

    let health = reqwest::get(format!("http://{}/healthz", daemon.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // The first polls are spread over a couple of seconds; wait (bounded) for the Shanxi items.
    let mut shanxi = String::new();
    for _ in 0..100 {
        shanxi = daemon.get_text("/feeds/shanxi.xml").await;
        if shanxi.matches("<item>").count() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shanxi.matches("<item>").count(), 4, "{shanxi}");
    assert!(shanxi.contains("太原迎来今冬首场降雪"));
    // 10:52 Beijing time is 02:52 GMT.
    assert!(
        shanxi.contains("<pubDate>Wed, 25 Nov 2026 02:52:00 +0000</pubDate>"),
        "{shanxi}"
    );

    daemon.signal("TERM");
    let status = daemon.wait_for_exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0));
}

#[test]
fn check_config_accepts_the_bundled_configs() {
    for config in ["config/demo.toml", "config/regionfeed.toml"] {
        let output = Command::new(binary())
            .args(["check-config", "--config"])
            .arg(repo_path(config))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{config}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains(": ok ("));
    }
    // The production example has a source of its own for every region (not only national items).
    let production = regionfeed::config::load(&repo_path("config/regionfeed.toml")).unwrap();
    for region in regionfeed::regions::REGIONS {
        assert!(
            production
                .sources
                .iter()
                .any(|source| source.regions.contains(&region.slug)),
            "no source for {}",
            region.slug
        );
    }
}

#[test]
fn check_config_rejects_a_bad_config_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[source]]\nid = \"a\"\nurl = \"http://127.0.0.1:1/feed.xml\"\nregion = \"shanxii\"\n",
    )
    .unwrap();
    let output = Command::new(binary())
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:4:", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("unknown region \"shanxii\""), "{stderr}");
}

#[test]
fn poll_once_reports_each_source_and_fails_if_any_failed() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_config_in(dir.path());
    let output = Command::new(binary())
        .args(["poll-once", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("demo-shanxi") && stdout.contains("4 new"),
        "{stdout}"
    );
    assert!(stdout.contains("37 sources polled, 0 failed"), "{stdout}");
    // The two sources without a feed: an HTML list page and a JSON list.
    for (id, new) in [
        ("demo-jilin-list", "4 new"),
        ("demo-national-list", "3 new"),
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(id) && l.contains(new)),
            "{id}: {stdout}"
        );
    }

    let output = Command::new(binary())
        .args(["sources", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        table.contains("山西 (shanxi)") && table.contains("demo-shanxi"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("demo-shaanxi") && l.contains(" ok ")),
        "{table}"
    );

    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "[storage]\ndatabase = \"b.db\"\n[[source]]\nid = \"missing\"\nurl = \"file://no-such-feed.xml\"\nregion = \"anhui\"\n",
    )
    .unwrap();
    let output = Command::new(binary())
        .args(["poll-once", "--config"])
        .arg(&broken)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("missing") && stdout.contains("FAILED") && stdout.contains("[io]"),
        "{stdout}"
    );
}

#[test]
fn the_config_sets_the_log_level_unless_rust_log_does() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_config_in(dir.path());
    let demo_text = std::fs::read_to_string(&demo).unwrap();
    let poll_once_stderr = |level: &str, rust_log: Option<&str>| {
        // A database of its own, so every run stores new items and logs them at INFO.
        let name = format!("{level}-{}", rust_log.unwrap_or("unset"));
        let config = dir.path().join(format!("{name}.toml"));
        let text = demo_text.replace("\"demo.db\"", &format!("\"{name}.db\""));
        std::fs::write(&config, format!("[log]\nlevel = \"{level}\"\n{text}")).unwrap();
        let mut command = Command::new(binary());
        command
            .args(["poll-once", "--config"])
            .arg(&config)
            .env_remove("RUST_LOG");
        if let Some(rust_log) = rust_log {
            command.env("RUST_LOG", rust_log);
        }
        let output = command.output().unwrap();
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(poll_once_stderr("info", None).contains(" INFO "));
    assert!(!poll_once_stderr("warn", None).contains(" INFO "));
    assert!(poll_once_stderr("warn", Some("info")).contains(" INFO "));
}

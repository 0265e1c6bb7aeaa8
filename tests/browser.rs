//! A real browser against the bundled demo: headless Chromium loads `/` and its DOM has 35 `data-region`
//! shapes, each inside a link to its reading page, and its screenshot is not blank; it loads
//! `/feeds/shanxi.html` and finds the items' titles and the subscribe links. `.ci/run` installs Debian's
//! `chromium` and sets REGIONFEED_REQUIRE_BROWSER=1, which turns a missing browser into a failure;
//! elsewhere the test is skipped with a message.

mod common;

use std::path::Path;
use std::process::Command;

use common::demo_daemon;

const CHROMIUM: &str = "chromium";

fn chromium_available() -> bool {
    let found = Command::new(CHROMIUM)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var_os("REGIONFEED_REQUIRE_BROWSER").is_none(),
            "{CHROMIUM} is required (REGIONFEED_REQUIRE_BROWSER is set) but not usable"
        );
        eprintln!("skipped: {CHROMIUM} is not installed");
    }
    found
}

/// Runs headless Chromium (at most 90 s) with a fresh profile and `args`; returns its stdout.
async fn chromium(profile: &Path, args: Vec<String>) -> String {
    let profile = profile.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let output = Command::new("timeout")
            .arg("90")
            .arg(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "chromium {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    })
    .await
    .unwrap()
}

/// A screenshot of `url`; returns the PNG's size in bytes.
async fn screenshot(dir: &Path, name: &str, url: &str) -> u64 {
    let file = dir.join(format!("{name}.png"));
    chromium(
        &dir.join(format!("profile-{name}")),
        vec![
            format!("--screenshot={}", file.display()),
            "--window-size=1200,900".into(),
            url.to_string(),
        ],
    )
    .await;
    std::fs::metadata(&file).unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_shows_the_map_and_a_reading_page() {
    if !chromium_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let daemon = demo_daemon(dir.path()).await;
    let base = format!("http://{}", daemon.local_addr());

    let dom = chromium(
        &dir.path().join("profile-index"),
        vec!["--dump-dom".into(), format!("{base}/")],
    )
    .await;
    assert_eq!(dom.matches("data-region=\"").count(), 35, "{dom}");
    for region in regionfeed::regions::REGIONS {
        let linked = format!(
            "<a href=\"{base}/feeds/{slug}.html\"><path data-region=\"{slug}\"",
            slug = region.slug
        );
        assert!(dom.contains(&linked), "no linked shape for {}", region.slug);
    }

    // A PNG of a blank page compresses to almost nothing; the map's is many times larger.
    let blank = screenshot(dir.path(), "blank", "about:blank").await;
    let map = screenshot(dir.path(), "index", &format!("{base}/")).await;
    assert!(
        map > 20 * blank.max(1_000),
        "the index screenshot looks blank: {map} bytes, a blank page {blank}"
    );

    let page = chromium(
        &dir.path().join("profile-page"),
        vec!["--dump-dom".into(), format!("{base}/feeds/shanxi.html")],
    )
    .await;
    for title in [
        "太原迎来今冬首场降雪 城区道路有序通行",
        "晋中平遥古城冬季游客量同比增长",
        "太原至忻州城际铁路开通运营",
        "大同云冈石窟数字化保护取得新进展",
    ] {
        assert!(page.contains(title), "{title} missing from the page");
    }
    for extension in ["xml", "atom", "json"] {
        let link = format!("href=\"{base}/feeds/shanxi.{extension}\"");
        assert!(page.contains(&link), "{link} missing from the page");
    }
}

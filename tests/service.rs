//! The binary as systemd runs it: sd_notify messages in order (READY, WATCHDOG, RELOADING, STOPPING),
//! SIGHUP reloads (a source added is polled, a source removed is no longer polled, an invalid config keeps
//! the old one running), and SIGTERM exits 0 — mid-poll too, with the in-flight poll written whole.

mod common;

use std::ffi::OsStr;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Canned, DaemonProcess, FixtureServer, rss};

fn config_text(server: &FixtureServer, sources: &[(&str, &str, &str)]) -> String {
    let mut text = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"service.db\"\n[poll]\nhost_spacing_ms = 0\nstartup_spread_secs = 0\n\n",
    );
    for (id, path, region) in sources {
        text.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nurl = \"{}\"\nregion = \"{region}\"\nschedule = \"* * * * * *\"\n\n",
            server.url(path)
        ));
    }
    text
}

/// Waits (bounded) until `condition` holds.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    eprintln!("waiting for {what}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Collects every notify message in a background thread, as systemd would drain its socket.
fn collect_messages(socket: UnixDatagram) -> Arc<Mutex<Vec<String>>> {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(length) = socket.recv(&mut buffer) {
            sink.lock().unwrap().extend(
                String::from_utf8_lossy(&buffer[..length])
                    .lines()
                    .map(str::to_string),
            );
        }
    });
    seen
}

/// Two feeds, one item each.
fn serve_two_feeds(server: &FixtureServer) {
    server.set(
        "first.xml",
        Canned::rss(&rss(
            "山西",
            &[(
                "",
                "https://sx.example.cn/1",
                "太原初雪",
                "2026-11-25 10:52:00",
            )],
        )),
    );
    server.set(
        "second.xml",
        Canned::rss(&rss(
            "陕西",
            &[(
                "",
                "https://sn.example.cn/1",
                "西安地铁",
                "2026-11-25 10:00:00",
            )],
        )),
    );
}

/// Reload: the first source goes, the second comes; systemd hears RELOADING=1 then READY=1.
async fn reload_swaps_the_sources(
    daemon: &DaemonProcess,
    server: &FixtureServer,
    config: &Path,
    notified: &Arc<Mutex<Vec<String>>>,
) {
    let seen = || notified.lock().unwrap().clone();
    std::fs::write(
        config,
        config_text(server, &[("second", "second.xml", "shaanxi")]),
    )
    .unwrap();
    daemon.signal("HUP");
    eventually("RELOADING=1 then READY=1", || {
        let seen = seen();
        let reloading = seen.iter().position(|m| m == "RELOADING=1");
        reloading.is_some_and(|at| seen[at..].contains(&"READY=1".to_string()))
    })
    .await;
    assert!(
        seen().iter().any(|m| m.starts_with("MONOTONIC_USEC=")),
        "{:?}",
        seen()
    );
    eventually("the added source polled", || {
        server.requests_to("second.xml") >= 1
    })
    .await;
    // The removed source was polled every second; now it is not polled at all.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after_reload = server.requests_to("first.xml");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        server.requests_to("first.xml"),
        after_reload,
        "a removed source is still polled"
    );
    let sources = daemon.get_text("/sources").await;
    assert!(
        sources.contains("\"second\"") && !sources.contains("\"first\""),
        "{sources}"
    );
    let feed = daemon.get_text("/feeds/shanxi.xml").await;
    assert!(
        feed.contains("太原初雪"),
        "items of a removed source stay: {feed}"
    );
}

/// An invalid config is rejected; the running one stays.
async fn a_bad_reload_keeps_the_running_config(
    daemon: &DaemonProcess,
    server: &FixtureServer,
    config: &Path,
) {
    std::fs::write(
        config,
        "[[source]]\nid = \"x\"\nurl = \"http://127.0.0.1:9/\"\nregion = \"atlantis\"\n",
    )
    .unwrap();
    let polls_before = server.requests_to("second.xml");
    daemon.signal("HUP");
    eventually("the rejection logged", || {
        daemon
            .log_lines()
            .iter()
            .any(|line| line.contains("new config rejected") && line.contains("atlantis"))
    })
    .await;
    eventually("the old config still polling", || {
        server.requests_to("second.xml") > polls_before + 1
    })
    .await;
    let health = reqwest::get(format!("http://{}/healthz", daemon.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn notify_reload_and_stop_as_systemd_expects() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    serve_two_feeds(&server);
    let config = dir.path().join("regionfeed.toml");
    std::fs::write(
        &config,
        config_text(&server, &[("first", "first.xml", "shanxi")]),
    )
    .unwrap();

    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let notified = collect_messages(socket);
    let mut daemon = DaemonProcess::start(
        &config,
        &[
            ("NOTIFY_SOCKET", socket_path.as_os_str()),
            ("WATCHDOG_USEC", OsStr::new("400000")),
        ],
    )
    .await;

    let seen = || notified.lock().unwrap().clone();
    eventually("READY=1 and WATCHDOG=1", || {
        let seen = seen();
        seen.contains(&"READY=1".to_string()) && seen.contains(&"WATCHDOG=1".to_string())
    })
    .await;
    assert_eq!(seen()[0], "READY=1", "{:?}", seen());
    eventually("the first source polled", || {
        server.requests_to("first.xml") >= 1
    })
    .await;

    reload_swaps_the_sources(&daemon, &server, &config, &notified).await;
    a_bad_reload_keeps_the_running_config(&daemon, &server, &config).await;

    daemon.signal("TERM");
    let status = daemon.wait_for_exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0));
    eventually("STOPPING=1 last", || {
        seen().last().map(String::as_str) == Some("STOPPING=1")
    })
    .await;
    assert!(Path::new(&dir.path().join("service.db")).exists());
}

#[tokio::test]
async fn sigterm_mid_poll_lets_the_poll_finish_whole_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let items: Vec<(String, String)> = (0..40)
        .map(|n| (format!("https://sx.example.cn/{n}"), format!("新闻{n}")))
        .collect();
    let items: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(link, title)| ("", link.as_str(), title.as_str(), "2026-11-25 10:00:00"))
        .collect();
    // The answer takes 1.5 s: SIGTERM arrives while the poll is in flight.
    server.set(
        "slow.xml",
        Canned::rss(&rss("山西", &items)).with_delay(Duration::from_millis(1500)),
    );
    let config = dir.path().join("regionfeed.toml");
    std::fs::write(
        &config,
        config_text(&server, &[("slow", "slow.xml", "shanxi")]),
    )
    .unwrap();
    let mut daemon = DaemonProcess::start(&config, &[]).await;
    eventually("the slow poll in flight", || {
        server.requests_to("slow.xml") >= 1
    })
    .await;
    let signalled = Instant::now();
    daemon.signal("TERM");
    let status = daemon.wait_for_exit(Duration::from_secs(20)).await;
    assert!(status.success(), "{status:?}: {:#?}", daemon.log_lines());
    assert!(
        signalled.elapsed() < Duration::from_secs(12),
        "the 10 s deadline held"
    );

    // All of the poll or none of it: here all, since it finished within the deadline.
    let store = regionfeed::store::Store::open(&dir.path().join("service.db")).unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.items, 40, "{:#?}", daemon.log_lines());
    let check: String = {
        let connection = rusqlite::Connection::open(dir.path().join("service.db")).unwrap();
        connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap()
    };
    assert_eq!(check, "ok");
}

//! Hostile clients of our HTTP endpoint: a slow-loris client is cut off while others are served, the
//! connection cap holds, oversized headers and request targets are refused, pathological regexes answer
//! fast, and no query string or selector (property-tested) gets a 5xx or kills the server.

mod common;

use std::time::Duration;

use common::{
    Canned, FixtureServer, get, rss, source_tables, start_daemon_with_settings,
    start_scheduled_daemon,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One item from Taiyuan.
fn shanxi_feed() -> Canned {
    Canned::rss(&rss(
        "山西",
        &[(
            "a",
            "https://sx.example.cn/1",
            "太原迎来初雪",
            "2026-11-25 10:52:00",
        )],
    ))
}

async fn daemon_with(
    server_settings: &str,
) -> (tempfile::TempDir, FixtureServer, regionfeed::app::Daemon) {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("sx.xml", shanxi_feed());
    let sources = source_tables(&[("sx", server.url("sx.xml"), "shanxi")]);
    let daemon =
        start_daemon_with_settings(dir.path(), server_settings, "host_spacing_ms = 0", &sources)
            .await;
    daemon.poll_all().await;
    (dir, server, daemon)
}

/// Reads until the peer closes (Ok(bytes read)) or `limit` passes (Err).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Result<Vec<u8>, ()> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(received),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return Err(()),
        }
    }
}

#[tokio::test]
async fn a_slow_loris_client_is_cut_off_and_others_are_served_meanwhile() {
    let (_dir, _server, daemon) = daemon_with("header_timeout_secs = 1").await;
    let address = daemon.local_addr();
    let mut slow = TcpStream::connect(address).await.unwrap();
    // Half a request, then silence.
    slow.write_all(b"GET /feeds/shanxi.xml HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    for _ in 0..3 {
        let (status, _) = get(&daemon, "/healthz").await;
        assert_eq!(status, 200);
    }
    let closed = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    let answer = closed.expect("the slow client's connection is closed");
    // hyper answers 408 (or just closes); never the feed.
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("200 OK"), "{text}");
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn the_connection_cap_holds_and_frees_slots_as_clients_leave() {
    let (_dir, _server, daemon) = daemon_with("max_connections = 2\nheader_timeout_secs = 1").await;
    let address = daemon.local_addr();
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        idle.push(stream);
    }
    // The third client waits for a slot; the idle ones are cut off after the header deadline, so it is
    // served (bounded wait).
    let (status, _) = tokio::time::timeout(Duration::from_secs(15), get(&daemon, "/healthz"))
        .await
        .expect("served once a slot frees");
    assert_eq!(status, 200);
    for mut stream in idle {
        assert!(
            read_until_closed(&mut stream, Duration::from_secs(10))
                .await
                .is_ok()
        );
    }
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn oversized_headers_and_targets_are_refused_and_the_server_lives_on() {
    let (_dir, _server, daemon) = daemon_with("").await;
    let address = daemon.local_addr();
    // 64 KiB of headers.
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut request = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for n in 0..1024 {
        request.push_str(&format!("X-Filler-{n}: {}\r\n", "a".repeat(60)));
    }
    request.push_str("\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("200 OK"), "{text}");

    // A 10 KiB request target: 414 from us; 20 KiB no longer fits the request head: 431 from hyper.
    let long = format!("/feeds/shanxi.xml?filter={}", "a".repeat(10 * 1024));
    let (status, body) = get(&daemon, &long).await;
    assert_eq!(status, 414, "{body}");
    let longer = format!("/feeds/shanxi.xml?filter={}", "a".repeat(20 * 1024));
    let (status, _) = get(&daemon, &longer).await;
    assert_eq!(status, 431);

    // Pathological patterns: the regex crate is linear-time, and the size limit refuses huge ones.
    let evil = "/feeds/shanxi.xml?filter=(a%2B)%2B%24&filter_title=(x%2Bx%2B)%2By";
    let (status, _) = tokio::time::timeout(Duration::from_secs(5), get(&daemon, evil))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let huge = format!("/feeds/shanxi.xml?filter={}", "(a|b)".repeat(200));
    let (status, body) = get(&daemon, &huge).await;
    assert_eq!(status, 400, "{body}");

    let (status, _) = get(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(status, 200, "still serving");
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn runtime() -> &'static tokio::runtime::Runtime {
        static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
    }

    fn daemon() -> &'static (tempfile::TempDir, FixtureServer, regionfeed::app::Daemon) {
        static DAEMON: std::sync::OnceLock<(
            tempfile::TempDir,
            FixtureServer,
            regionfeed::app::Daemon,
        )> = std::sync::OnceLock::new();
        DAEMON.get_or_init(|| runtime().block_on(daemon_with("")))
    }

    /// Percent-encodes everything but unreserved characters, so any string becomes a valid URL part.
    fn encode(text: &str) -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }

    const KEYS: &[&str] = &[
        "limit",
        "filter",
        "filter_title",
        "filter_description",
        "filterout",
        "filterout_title",
        "filterout_description",
        "filter_case_sensitive",
        "filter_time",
        "since",
        "before",
        "source",
        "opencc",
        "origin",
        "format",
        "",
        "x",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn no_query_or_selector_gets_a_server_error(
            selector in prop_oneof![
                Just("shanxi".to_string()), Just("all".to_string()), Just("national".to_string()),
                Just("shanxi+shaanxi".to_string()), "[a-z+]{0,20}", "\\PC{0,12}",
            ],
            extension in prop_oneof![Just("xml"), Just("atom"), Just("json"), Just("rss"), Just("html"), Just("")],
            pairs in proptest::collection::vec((0..KEYS.len(), "\\PC{0,24}"), 0..6),
        ) {
            let query: Vec<String> = pairs
                .iter()
                .map(|(key, value)| format!("{}={}", KEYS[*key], encode(value)))
                .collect();
            let path = format!("/feeds/{}.{extension}?{}", encode(&selector), query.join("&"));
            let (_, _, daemon) = daemon();
            let (status, body) = runtime().block_on(get(daemon, &path));
            prop_assert!(status < 500, "{path} → {status}: {body}");
        }
    }
}

/// POSTs to `path` with an optional bearer token; returns the status and the `WWW-Authenticate` header.
async fn post(
    address: std::net::SocketAddr,
    path: &str,
    token: Option<&str>,
) -> (u16, Option<String>) {
    let mut request = reqwest::Client::new().post(format!("http://{address}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    (response.status().as_u16(), challenge)
}

/// Waits (at most 20 s) until the fixture server has seen `count` requests to `name`.
async fn wait_for_requests(server: &FixtureServer, name: &str, count: usize) {
    for _ in 0..400 {
        if server.requests_to(name) >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{name}: {} requests, expected {count}",
        server.requests_to(name)
    );
}

#[tokio::test]
async fn refresh_changes_state_only_with_the_configured_token() {
    const TOKEN: &str = "0123456789abcdef-test-token";
    let server = FixtureServer::start().await;
    server.set("sx.xml", shanxi_feed());
    for with_token in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        // Polled once soon after start, then never again by the schedule (1 January only).
        let text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n{}\n[storage]\ndatabase = \"test.db\"\n[poll]\nschedule = \"0 0 1 1 *\"\nstartup_spread_secs = 0\nhost_spacing_ms = 0\n\n{}[[source]]\nid = \"off\"\nurl = \"{}\"\nregion = \"shanxi\"\nenabled = false\n",
            if with_token {
                format!("admin_token = \"{TOKEN}\"")
            } else {
                String::new()
            },
            source_tables(&[("sx", server.url("sx.xml"), "shanxi")]),
            server.url("off.xml"),
        );
        let daemon = start_scheduled_daemon(dir.path(), &text).await;
        let address = daemon.local_addr();
        let before = server.requests_to("sx.xml") + 1;
        wait_for_requests(&server, "sx.xml", before).await;
        if !with_token {
            // Off by default: even a plausible token is refused, and nothing is polled.
            assert_eq!(
                post(address, "/sources/sx/refresh", Some(TOKEN)).await.0,
                403
            );
        } else {
            let (status, challenge) = post(address, "/sources/sx/refresh", None).await;
            assert_eq!((status, challenge.as_deref()), (401, Some("Bearer")));
            assert_eq!(
                post(
                    address,
                    "/sources/sx/refresh",
                    Some("0123456789abcdef-wrong")
                )
                .await
                .0,
                401
            );
            assert_eq!(
                post(address, "/sources/sx/refresh", Some(&TOKEN[1..]))
                    .await
                    .0,
                401
            );
            assert_eq!(
                post(address, "/sources/nope/refresh", Some(TOKEN)).await.0,
                404
            );
            assert_eq!(
                post(address, "/sources/off/refresh", Some(TOKEN)).await.0,
                409
            );
            let (status, _) = get_status(address, "/sources/sx/refresh").await;
            assert_eq!(status, 405, "GET changes nothing");
            assert_eq!(
                server.requests_to("sx.xml"),
                before,
                "no poll without the token"
            );
            // The right token: the source is polled again at once, though its schedule says January.
            assert_eq!(
                post(address, "/sources/sx/refresh", Some(TOKEN)).await.0,
                202
            );
            wait_for_requests(&server, "sx.xml", before + 1).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            server.requests_to("sx.xml"),
            before + usize::from(with_token)
        );
        assert_eq!(server.requests_to("off.xml"), 0);
        daemon.shutdown(Duration::from_secs(5)).await.unwrap();
    }
}

async fn get_status(address: std::net::SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{address}{path}"))
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

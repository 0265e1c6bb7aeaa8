//! The fault matrix in one daemon: beside two healthy sources, one source per upstream fault (refused
//! connection, unresolvable `.invalid` host, timeout, a body trickling one byte a second, connection reset
//! mid-body, 500, 502, 429 and 503 with Retry-After, redirect loop, huge body, gzip bomb, truncated XML,
//! billion laughs, external entity, invalid UTF-8, wrong declared charset, empty 200, HTML instead of a
//! feed). The daemon stays up, healthy sources keep updating, every faulty one reports its error class and
//! stores nothing, memory stays bounded, and once the faults clear every source recovers by itself. A second
//! test runs the same sources on a one-second schedule: the healthy ones keep theirs, the faulty ones back off.
//!
//! The `.invalid` name never leaves the machine: the fetcher answers it itself, as RFC 6761 asks. It is the
//! one fault that cannot clear (the name can never resolve), so it is left out of the recovery round.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::{
    Canned, FixtureServer, outcome_of, peak_rss_kib, rss, start_daemon_with_poll,
    start_scheduled_daemon,
};
use regionfeed::app::Daemon;
use regionfeed::poll::PollOutcome;

fn good_feed(tag: &str, round: usize) -> Canned {
    let items: Vec<(String, String, String)> = (0..=round)
        .map(|n| {
            (
                format!("{tag}-{n}"),
                format!("https://{tag}.example.cn/{n}.shtml"),
                format!("{tag}新闻{n}"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(g, l, t)| (g.as_str(), l.as_str(), t.as_str(), "2026-11-25 10:00:00"))
        .collect();
    Canned::rss(&rss(tag, &borrowed))
}

/// (source id, fixture name, expected error class).
const FAULTS: &[(&str, &str, &str)] = &[
    ("timeout", "timeout.xml", "timeout"),
    ("trickle", "trickle.xml", "timeout"),
    ("bomb", "bomb.xml", "too-large"),
    ("err500", "500.xml", "http-5xx"),
    ("err502", "502.xml", "http-5xx"),
    ("err429", "429.xml", "rate-limited"),
    ("err503", "503.xml", "rate-limited"),
    ("loop", "loop.xml", "redirect-loop"),
    ("huge", "huge.xml", "too-large"),
    ("truncated", "truncated.xml", "parse"),
    ("html", "html.xml", "not-a-feed"),
    ("empty", "empty.xml", "not-a-feed"),
];

fn install_faults(server: &FixtureServer) {
    server.set(
        "timeout.xml",
        good_feed("timeout", 0).with_delay(Duration::from_secs(3)),
    );
    // One byte a second: the whole-request timeout (1 s here) ends it, not the gap between bytes.
    server.set(
        "trickle.xml",
        good_feed("trickle", 0).trickling(Duration::from_secs(1)),
    );
    // 64 MiB of zeros in 64 KiB of gzip, against a 300,000-byte cap.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    server.set(
        "bomb.xml",
        Canned::new(200, "application/rss+xml", encoder.finish().unwrap())
            .with_header("content-encoding", "gzip"),
    );
    server.set("500.xml", Canned::new(500, "text/plain", "boom"));
    server.set("502.xml", Canned::new(502, "text/plain", "bad gateway"));
    server.set(
        "429.xml",
        Canned::new(429, "text/plain", "slow down").with_header("Retry-After", "120"),
    );
    server.set(
        "503.xml",
        Canned::new(503, "text/plain", "later").with_header("Retry-After", "120"),
    );
    server.set(
        "loop.xml",
        Canned::new(302, "text/plain", "").with_header("Location", server.url("loop.xml")),
    );
    let mut huge =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>big</title>");
    while huge.len() < 600_000 {
        huge.push_str("<item><title>填充</title><description>很长的内容很长的内容很长的内容</description></item>");
    }
    huge.push_str("</channel></rss>");
    server.set("huge.xml", Canned::rss(&huge));
    let truncated = good_feed("truncated", 3);
    let half = truncated.body.len() / 2;
    server.set(
        "truncated.xml",
        Canned::new(200, "application/rss+xml", truncated.body[..half].to_vec()),
    );
    server.set(
        "html.xml",
        Canned::new(
            200,
            "text/html",
            "<!DOCTYPE html><html><body><h1>404 页面不存在</h1></body></html>",
        ),
    );
    server.set("empty.xml", Canned::new(200, "application/rss+xml", ""));
    // Hostile but parseable: no class is expected, only that nothing hostile gets through.
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]><rss version=\"2.0\"><channel><title>laughs</title><item><title>笑&lol4;</title><link>https://laughs.example.cn/1</link></item></channel></rss>";
    server.set("laughs.xml", Canned::rss(laughs));
    let xxe = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY remote SYSTEM \"{}\"><!ENTITY local SYSTEM \"file:///etc/passwd\">]><rss version=\"2.0\"><channel><title>xxe</title><item><title>外部&remote;&local;</title><link>https://xxe.example.cn/1</link></item></channel></rss>",
        server.url("secret.txt")
    );
    server.set("xxe.xml", Canned::rss(&xxe));
    server.set("secret.txt", Canned::new(200, "text/plain", "SECRET"));
    // GBK bytes that both the HTTP header and the XML declaration call UTF-8: read as GB18030, stored right.
    let gbk = encoding_rs::GBK
        .encode("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>错标</title><item><title>太原迎来初雪</title><link>https://mislabelled.example.cn/1</link></item></channel></rss>")
        .0
        .into_owned();
    server.set(
        "mislabelled.xml",
        Canned::new(200, "application/rss+xml; charset=utf-8", gbk),
    );
    server.set("badutf8.xml", Canned::new(200, "application/rss+xml; charset=utf-8", {
        let mut body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>bad</title><item><title>".to_vec();
        body.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
        body.extend_from_slice("坏字节</title><link>https://bad.example.cn/1</link></item></channel></rss>".as_bytes());
        body
    }));
}

/// A raw HTTP server on loopback: while `healthy` holds no body, it answers every request with headers that
/// promise 10,000 bytes, sends 100, then resets the connection (RST, `SO_LINGER` 0); afterwards it sends
/// the body in `healthy` whole.
async fn resetting_server(healthy: Arc<Mutex<Option<Vec<u8>>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let healthy = healthy.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let body = healthy.lock().unwrap().clone();
                match body {
                    Some(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(&body).await;
                    }
                    None => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 10000\r\n\r\n<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>reset</title><item><title>cut")
                            .await;
                        let _ = stream.flush().await;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let _ = stream.set_zero_linger();
                    }
                }
            });
        }
    });
    format!("http://{address}/feed.xml")
}

/// Serves `canned` at every path of `address` (a port that refused connections until now).
async fn serve_on(address: std::net::SocketAddr, canned: Canned) {
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let app = axum::Router::new().fallback(move || {
        let canned = canned.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, canned.content_type)],
                canned.body,
            )
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// `[[source]]` tables: two healthy sources and one per fault.
fn fault_sources(server: &FixtureServer, refused_url: &str, reset_url: &str) -> String {
    let mut sources = String::new();
    let mut add = |id: &str, url: &str| {
        sources.push_str(&format!(
            "[[source]]\nid = \"{id}\"\nurl = \"{url}\"\nregion = \"shanxi\"\n\n"
        ));
    };
    add("healthy1", &server.url("healthy1.xml"));
    add("healthy2", &server.url("healthy2.xml"));
    add("refused", refused_url);
    add("dns", "http://feeds.regionfeed.invalid/rss.xml");
    add("reset", reset_url);
    for (id, name, _) in FAULTS {
        add(id, &server.url(name));
    }
    for id in ["laughs", "xxe", "badutf8", "mislabelled"] {
        add(id, &server.url(&format!("{id}.xml")));
    }
    sources
}

#[tokio::test]
async fn healthy_sources_keep_their_schedule_beside_faults() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("healthy1.xml", good_feed("healthy1", 0));
    server.set("healthy2.xml", good_feed("healthy2", 0));
    install_faults(&server);
    let (_refusing, refused_address) = refusing_port();
    let refused_url = format!("http://{refused_address}/feed.xml");
    let reset_url = resetting_server(Arc::default()).await;
    // Every source every second; the loopback host stands in for many sites, so per-host limits are
    // generous (a slow faulty feed on the same real host would hold one of its slots).
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"test.db\"\n[poll]\nschedule = \"* * * * * *\"\nstartup_spread_secs = 0\nhost_spacing_ms = 0\nhost_concurrency = 16\nrequest_timeout_secs = 1\nmax_body_bytes = 300000\n\n{}",
        fault_sources(&server, &refused_url, &reset_url)
    );
    let daemon = start_scheduled_daemon(dir.path(), &text).await;
    // Eight seconds; the healthy feeds publish an item every second.
    for round in 1..=8 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        server.set("healthy1.xml", good_feed("healthy1", round));
        server.set("healthy2.xml", good_feed("healthy2", round));
    }
    // The last item is picked up by the next tick (waited for, at most 10 s, in case the machine is slow).
    let started = std::time::Instant::now();
    let items = loop {
        let items = daemon
            .store()
            .feed_items(regionfeed::store::Selection::All, 500)
            .await
            .unwrap();
        let stored = |id: &str| items.iter().filter(|i| i.source_id == id).count();
        if (stored("healthy1"), stored("healthy2")) == (9, 9) || started.elapsed().as_secs() >= 10 {
            break items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for healthy in ["healthy1", "healthy2"] {
        let stored = items.iter().filter(|i| i.source_id == healthy).count();
        let requests = server.requests_to(&format!("{healthy}.xml"));
        // Polled every second for over 9 s (a tick at each edge may fall outside), and every item was
        // picked up.
        assert!(requests >= 7, "{healthy}: {requests} requests");
        assert_eq!(stored, 9, "{healthy}: {stored} items stored");
    }
    // The failing ones back off (1 s, then doubling with jitter) instead of being hammered every second.
    let counts: Vec<(&str, usize)> = FAULTS
        .iter()
        .map(|(id, name, _)| (*id, server.requests_to(name)))
        .collect();
    println!("requests to faulty sources: {counts:?}");
    for (id, requests) in counts {
        assert!(
            (1..=5).contains(&requests),
            "{id}: {requests} requests in 9.5 s"
        );
    }
    let states = daemon.store().source_states().await.unwrap();
    for (id, _, class) in FAULTS {
        let state = states.iter().find(|s| s.id == *id).unwrap();
        assert_eq!(state.error_class.as_deref(), Some(*class), "{id}");
    }
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

/// Three polls of every source while the healthy feeds grow: each fault fails with its class, each
/// healthy source stores its new item.
async fn three_rounds_of_faults(
    daemon: &Daemon,
    server: &FixtureServer,
    other_faults: &[(&str, &str)],
) {
    for round in 1..=3 {
        server.set("healthy1.xml", good_feed("healthy1", round));
        server.set("healthy2.xml", good_feed("healthy2", round));
        let reports = daemon.poll_all().await;
        let outcome = |id: &str| outcome_of(&reports, id);
        for healthy in ["healthy1", "healthy2"] {
            assert!(
                matches!(outcome(healthy), PollOutcome::Stored(ref s) if s.new == 1 || round == 1),
                "{healthy} round {round}: {:?}",
                outcome(healthy)
            );
        }
        let expected = FAULTS
            .iter()
            .map(|(id, _, class)| (*id, *class))
            .chain(other_faults.iter().copied());
        for (id, class) in expected {
            match outcome(id) {
                PollOutcome::Failed(failure) => {
                    assert_eq!(failure.class, class, "{id}: {}", failure.message)
                }
                other => panic!("{id} round {round}: expected [{class}], got {other:?}"),
            }
        }
    }
}

/// The status of each failing source names its class, as operators see it; nothing is stored from a
/// failed response, and the healthy sources have all their items.
async fn check_states_and_nothing_stored(
    daemon: &Daemon,
    server: &FixtureServer,
    other_faults: &[(&str, &str)],
) {
    let states = daemon.store().source_states().await.unwrap();
    let class_of = |id: &str| {
        states
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.error_class.clone())
    };
    assert_eq!(class_of("dns").as_deref(), Some("dns"));
    assert_eq!(class_of("reset").as_deref(), Some("interrupted"));
    assert_eq!(class_of("trickle").as_deref(), Some("timeout"));

    // Nothing stored from a failed response; healthy sources have all their items.
    let items = daemon
        .store()
        .feed_items(regionfeed::store::Selection::All, 500)
        .await
        .unwrap();
    let from = |id: &str| items.iter().filter(|i| i.source_id == id).count();
    assert_eq!((from("healthy1"), from("healthy2")), (4, 4));
    for id in FAULTS
        .iter()
        .map(|(id, _, _)| *id)
        .chain(other_faults.iter().map(|(id, _)| *id))
    {
        assert_eq!(from(id), 0, "{id} stored something");
    }
    // A mislabelled charset is read right, not stored as mojibake.
    let mislabelled: Vec<&str> = items
        .iter()
        .filter(|i| i.source_id == "mislabelled")
        .map(|i| i.title.as_str())
        .collect();
    assert_eq!(mislabelled, ["太原迎来初雪"]);
    // Hostile markup never expands: no billion laughs, no file contents, no fetch of the external entity.
    for item in &items {
        assert!(!item.title.contains("lollollol"), "{}", item.title);
        assert!(!item.title.contains("root:"), "{}", item.title);
        assert!(!item.title.contains("SECRET"), "{}", item.title);
    }
    assert_eq!(server.requests_to("secret.txt"), 0);
    // The daemon still serves.
    let (status, _) = common::get(daemon, "/feeds/shanxi.xml").await;
    assert_eq!(status, 200);
}

/// A loopback port bound but not listening: connections to it are refused, and while the socket lives
/// no other server (another test's) can be given the port.
fn refusing_port() -> (tokio::net::TcpSocket, std::net::SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = socket.local_addr().unwrap();
    (socket, address)
}

/// The faults clear: every source recovers by itself on its next poll.
async fn faults_clear_and_every_source_recovers(
    daemon: &Daemon,
    server: &FixtureServer,
    refused_address: std::net::SocketAddr,
    reset_healthy: &Arc<Mutex<Option<Vec<u8>>>>,
) {
    for (id, name, _) in FAULTS {
        server.set(name, good_feed(id, 0));
    }
    serve_on(refused_address, good_feed("refused", 0)).await;
    *reset_healthy.lock().unwrap() = Some(good_feed("reset", 0).body);
    let recovering: Vec<&str> = FAULTS
        .iter()
        .map(|(id, _, _)| *id)
        .chain(["refused", "reset"])
        .collect();
    let reports = daemon.poll_all().await;
    for id in &recovering {
        let report = reports.iter().find(|r| r.source_id == *id).unwrap();
        assert!(
            matches!(report.outcome, PollOutcome::Stored(_)),
            "{id} did not recover: {:?}",
            report.outcome
        );
        assert_eq!(report.consecutive_failures, 0);
    }
    let states = daemon.store().source_states().await.unwrap();
    for id in &recovering {
        let state = states.iter().find(|s| s.id == *id).unwrap();
        assert_eq!(state.error_class, None, "{id}");
    }
}

#[tokio::test]
async fn faulty_sources_fail_alone_with_their_class_and_recover() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("healthy1.xml", good_feed("healthy1", 0));
    server.set("healthy2.xml", good_feed("healthy2", 0));
    install_faults(&server);
    // A port nobody listens on (kept bound, so no other test's server takes it); the recovery round
    // listens on it.
    let (refusing, refused_address) = refusing_port();
    let reset_healthy: Arc<Mutex<Option<Vec<u8>>>> = Arc::default();
    let reset_url = resetting_server(reset_healthy.clone()).await;
    let sources = fault_sources(
        &server,
        &format!("http://{refused_address}/feed.xml"),
        &reset_url,
    );
    let daemon = start_daemon_with_poll(
        dir.path(),
        "host_spacing_ms = 0\nrequest_timeout_secs = 1\nmax_body_bytes = 300000\nconcurrency = 8",
        &sources,
    )
    .await;
    let rss_before = peak_rss_kib();

    // Faults that are not served by the fixture server: (source id, class).
    let other_faults = [
        ("refused", "connect"),
        ("dns", "dns"),
        ("reset", "interrupted"),
    ];
    three_rounds_of_faults(&daemon, &server, &other_faults).await;
    let rss_after = peak_rss_kib();
    println!("peak RSS {rss_before} KiB after start, {rss_after} KiB after three rounds of faults");
    assert!(
        rss_after < rss_before + 200 * 1024,
        "peak RSS grew from {rss_before} to {rss_after} KiB"
    );
    check_states_and_nothing_stored(&daemon, &server, &other_faults).await;
    drop(refusing);
    faults_clear_and_every_source_recovers(&daemon, &server, refused_address, &reset_healthy).await;
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

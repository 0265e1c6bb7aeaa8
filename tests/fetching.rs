//! Polling rules, checked from the server's side: conditional GET, identical bodies, redirects, 410,
//! rate limits, per-host limits, size caps, timeouts.

mod common;

use std::time::Duration;

use common::{Canned, FixtureServer, rss, source_tables, start_daemon, start_daemon_with_poll};
use regionfeed::poll::PollOutcome;

fn one_item_feed(title: &str) -> String {
    rss(
        "山西",
        &[(
            "",
            "https://sx.example.cn/1.shtml",
            title,
            "2026-11-25 10:52:00",
        )],
    )
}

fn class_of(outcome: &PollOutcome) -> String {
    match outcome {
        PollOutcome::Failed(failure) => failure.class.clone(),
        other => format!("not a failure: {other:?}"),
    }
}

#[tokio::test]
async fn conditional_get_sends_validators_and_a_304_parses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set(
        "feed.xml",
        Canned::rss(&one_item_feed("太原初雪"))
            .with_header("etag", "\"v1\"")
            .with_header("last-modified", "Wed, 25 Nov 2026 02:00:00 GMT"),
    );
    let daemon = start_daemon(
        dir.path(),
        &source_tables(&[("sx", server.url("feed.xml"), "shanxi")]),
    )
    .await;
    let first = daemon.poll_source("sx").await.unwrap();
    assert!(
        matches!(first.outcome, PollOutcome::Stored(s) if s.new == 1),
        "{first:?}"
    );
    assert_eq!(daemon.parse_count(), 1);

    let second = daemon.poll_source("sx").await.unwrap();
    assert!(
        matches!(second.outcome, PollOutcome::NotModified),
        "{second:?}"
    );
    assert_eq!(daemon.parse_count(), 1, "a 304 is not parsed");
    let requests = server.request_headers("feed.xml");
    assert_eq!(requests.len(), 2);
    assert!(requests[0].get("if-none-match").is_none());
    assert_eq!(requests[1].get("if-none-match").unwrap(), "\"v1\"");
    assert_eq!(
        requests[1].get("if-modified-since").unwrap(),
        "Wed, 25 Nov 2026 02:00:00 GMT"
    );
    let user_agent = requests[1].get("user-agent").unwrap().to_str().unwrap();
    assert!(user_agent.starts_with("regionfeed/"), "{user_agent}");
    let state = daemon.store().source_state("sx").await.unwrap().unwrap();
    assert_eq!(
        (state.last_status, state.consecutive_failures),
        (Some(304), 0)
    );
}

#[tokio::test]
async fn an_identical_body_is_not_parsed_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("feed.xml", Canned::rss(&one_item_feed("太原初雪")));
    let daemon = start_daemon(
        dir.path(),
        &source_tables(&[("sx", server.url("feed.xml"), "shanxi")]),
    )
    .await;
    daemon.poll_source("sx").await.unwrap();
    let again = daemon.poll_source("sx").await.unwrap();
    assert!(matches!(again.outcome, PollOutcome::Unchanged), "{again:?}");
    assert_eq!(daemon.parse_count(), 1);
    server.set("feed.xml", Canned::rss(&one_item_feed("太原迎来初雪")));
    let changed = daemon.poll_source("sx").await.unwrap();
    assert!(
        matches!(changed.outcome, PollOutcome::Stored(s) if s.updated == 1),
        "{changed:?}"
    );
    assert_eq!(daemon.parse_count(), 2);
}

#[tokio::test]
async fn redirects_permanent_temporary_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("new.xml", Canned::rss(&one_item_feed("太原初雪")));
    server.set(
        "old.xml",
        Canned::new(301, "text/plain", "").with_header("location", "/new.xml"),
    );
    server.set(
        "temp.xml",
        Canned::new(302, "text/plain", "").with_header("location", "/new.xml"),
    );
    server.set(
        "loop-a.xml",
        Canned::new(302, "text/plain", "").with_header("location", "/loop-b.xml"),
    );
    server.set(
        "loop-b.xml",
        Canned::new(301, "text/plain", "").with_header("location", "/loop-a.xml"),
    );
    let sources = source_tables(&[
        ("moved", server.url("old.xml"), "shanxi"),
        ("temporary", server.url("temp.xml"), "shanxi"),
        ("looping", server.url("loop-a.xml"), "shanxi"),
    ]);
    let daemon = start_daemon(dir.path(), &sources).await;

    let moved = daemon.poll_source("moved").await.unwrap();
    assert!(
        matches!(moved.outcome, PollOutcome::Stored(s) if s.new == 1),
        "{moved:?}"
    );
    let state = daemon.store().source_state("moved").await.unwrap().unwrap();
    assert_eq!(
        state.moved_to.as_deref(),
        Some(server.url("new.xml").as_str())
    );

    daemon.poll_source("temporary").await.unwrap();
    let state = daemon
        .store()
        .source_state("temporary")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.moved_to, None, "a 302 is not a move");

    let looping = daemon.poll_source("looping").await.unwrap();
    assert_eq!(class_of(&looping.outcome), "redirect-loop");
    assert!(server.requests_to("loop-a.xml") <= 1 + regionfeed::poll::fetch::MAX_REDIRECTS);
}

#[tokio::test]
async fn a_gone_source_is_marked_and_not_requested_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("gone.xml", Canned::new(410, "text/plain", "gone"));
    let daemon = start_daemon(
        dir.path(),
        &source_tables(&[("old", server.url("gone.xml"), "shanxi")]),
    )
    .await;
    let first = daemon.poll_source("old").await.unwrap();
    assert_eq!(class_of(&first.outcome), "gone");
    let second = daemon.poll_source("old").await.unwrap();
    assert!(matches!(second.outcome, PollOutcome::Gone), "{second:?}");
    assert_eq!(server.requests_to("gone.xml"), 1);
    let state = daemon.store().source_state("old").await.unwrap().unwrap();
    assert_eq!(
        state.gone_url.as_deref(),
        Some(server.url("gone.xml").as_str())
    );
    assert_eq!(state.error_class.as_deref(), Some("gone"));
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set(
        "busy.xml",
        Canned::new(429, "text/plain", "slow down").with_header("retry-after", "120"),
    );
    server.set(
        "maintenance.xml",
        Canned::new(503, "text/plain", "")
            .with_header("retry-after", "Wed, 01 Dec 2100 00:00:00 GMT"),
    );
    server.set("down.xml", Canned::new(503, "text/plain", ""));
    let sources = source_tables(&[
        ("busy", server.url("busy.xml"), "shanxi"),
        ("maintenance", server.url("maintenance.xml"), "shanxi"),
        ("down", server.url("down.xml"), "shanxi"),
    ]);
    let daemon = start_daemon(dir.path(), &sources).await;
    let before = chrono::Utc::now();
    let busy = daemon.poll_source("busy").await.unwrap();
    let PollOutcome::Failed(failure) = &busy.outcome else {
        panic!("{busy:?}")
    };
    assert_eq!(failure.class, "rate-limited");
    let wait = failure.retry_after.unwrap() - before;
    assert!((118..=125).contains(&wait.num_seconds()), "{wait:?}");
    assert_eq!(busy.consecutive_failures, 1);

    let maintenance = daemon.poll_source("maintenance").await.unwrap();
    let PollOutcome::Failed(failure) = &maintenance.outcome else {
        panic!()
    };
    assert_eq!(failure.class, "rate-limited");
    assert_eq!(
        failure.retry_after.unwrap().to_rfc3339(),
        "2100-12-01T00:00:00+00:00"
    );
    assert_eq!(
        class_of(&daemon.poll_source("down").await.unwrap().outcome),
        "http-5xx"
    );
    let again = daemon.poll_source("down").await.unwrap();
    assert_eq!(again.consecutive_failures, 2);
}

#[tokio::test]
async fn per_host_concurrency_never_exceeds_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let mut sources = Vec::new();
    for n in 0..6 {
        let name = format!("slow{n}.xml");
        server.set(
            &name,
            Canned::rss(&one_item_feed(&format!("新闻{n}"))).with_delay(Duration::from_millis(200)),
        );
        sources.push((format!("s{n}"), server.url(&name)));
    }
    let tables: Vec<(&str, String, &str)> = sources
        .iter()
        .map(|(id, url)| (id.as_str(), url.clone(), "shanxi"))
        .collect();
    let daemon = start_daemon_with_poll(
        dir.path(),
        "host_concurrency = 2\nhost_spacing_ms = 0\nconcurrency = 16",
        &source_tables(&tables),
    )
    .await;
    let reports = daemon.poll_all().await;
    assert!(reports.iter().all(|r| !r.failed()), "{reports:?}");
    assert_eq!(server.max_in_flight(), 2);
}

#[tokio::test]
async fn waiting_for_a_busy_host_does_not_count_against_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    // Each answer takes 1.2 s of a 2 s timeout; with one request to the host at a time, the third
    // starts 2.4 s after the first was sent.
    let mut tables = Vec::new();
    for n in 0..3 {
        let name = format!("queued{n}.xml");
        server.set(
            &name,
            Canned::rss(&one_item_feed(&format!("排队{n}")))
                .with_delay(Duration::from_millis(1200)),
        );
        tables.push((["a", "b", "c"][n], server.url(&name), "shanxi"));
    }
    let daemon = start_daemon_with_poll(
        dir.path(),
        "host_concurrency = 1\nhost_spacing_ms = 0\nrequest_timeout_secs = 2",
        &source_tables(&tables),
    )
    .await;
    let reports = daemon.poll_all().await;
    assert!(reports.iter().all(|r| !r.failed()), "{reports:?}");
    assert_eq!(server.max_in_flight(), 1);
}

#[tokio::test]
async fn requests_to_one_host_are_spaced() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let mut tables = Vec::new();
    for n in 0..3 {
        let name = format!("f{n}.xml");
        server.set(&name, Canned::rss(&one_item_feed(&format!("新闻{n}"))));
        tables.push((["a", "b", "c"][n], server.url(&name), "shanxi"));
    }
    let daemon = start_daemon_with_poll(
        dir.path(),
        "host_concurrency = 3\nhost_spacing_ms = 300",
        &source_tables(&tables),
    )
    .await;
    daemon.poll_all().await;
    let arrivals = server.arrivals();
    assert_eq!(arrivals.len(), 3);
    for pair in arrivals.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(290),
            "{arrivals:?}"
        );
    }
}

#[tokio::test]
async fn bodies_over_the_cap_and_timeouts_are_classified() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    server.set("big.xml", Canned::rss(&"x".repeat(300_000)));
    server.set(
        "slow.xml",
        Canned::rss(&one_item_feed("迟到")).with_delay(Duration::from_secs(3)),
    );
    let sources = source_tables(&[
        ("big", server.url("big.xml"), "shanxi"),
        ("slow", server.url("slow.xml"), "shanxi"),
    ]);
    let daemon = start_daemon_with_poll(
        dir.path(),
        "max_body_bytes = 100000\nrequest_timeout_secs = 1\nhost_spacing_ms = 0",
        &sources,
    )
    .await;
    assert_eq!(
        class_of(&daemon.poll_source("big").await.unwrap().outcome),
        "too-large"
    );
    assert_eq!(
        class_of(&daemon.poll_source("slow").await.unwrap().outcome),
        "timeout"
    );
    assert_eq!(daemon.parse_count(), 0);
}

//! `/metrics` (Prometheus text, parsed with a parser crate) moves as polls and requests happen; `/readyz`
//! reports readiness; the database file stops growing once retention keeps the item count steady.

mod common;

use common::{Canned, FixtureServer, get, rss, source_tables, start_daemon};

fn scrape(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|line| Ok(line.to_string())))
        .expect("metrics parse as Prometheus text")
}

/// The value of the sample named `name` whose labels include `labels`.
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|sample| sample.metric == name)
        .filter(|sample| {
            labels
                .iter()
                .all(|(key, value)| sample.labels.get(key) == Some(*value))
        })
        .find_map(|sample| match sample.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => Some(v),
            _ => None,
        })
}

/// A feed with two items.
fn serve_two_items(server: &FixtureServer) {
    server.set(
        "sx.xml",
        Canned::rss(&rss(
            "山西",
            &[
                (
                    "a",
                    "https://sx.example.cn/1",
                    "太原迎来初雪",
                    "2026-11-25 10:52:00",
                ),
                (
                    "b",
                    "https://sx.example.cn/2",
                    "晋中古城游客增长",
                    "2026-11-25 09:30:00",
                ),
            ],
        )),
    );
}

/// The counters after two polls of each source and one feed request.
fn check_counters(after: &prometheus_parse::Scrape) {
    let polls = |outcome: &str, source: &str| {
        value(
            after,
            "regionfeed_polls_total",
            &[("outcome", outcome), ("source", source)],
        )
    };
    assert_eq!(polls("stored", "sx"), Some(1.0));
    // The second poll of sx: the fixture server answers 304 to its ETag or the body is identical.
    let second = polls("not-modified", "sx").or(polls("unchanged", "sx"));
    assert_eq!(second, Some(1.0));
    assert_eq!(polls("http-5xx", "bad"), Some(2.0));
    assert_eq!(
        value(after, "regionfeed_items_total", &[("kind", "new")]),
        Some(2.0)
    );
    assert_eq!(
        value(after, "regionfeed_region_tags_total", &[("kind", "source")]),
        Some(2.0)
    );
    assert_eq!(
        value(after, "regionfeed_fetch_duration_seconds_count", &[]),
        Some(4.0)
    );
    assert_eq!(
        value(
            after,
            "regionfeed_http_requests_total",
            &[("route", "/feeds/:file"), ("status", "200")]
        ),
        Some(1.0)
    );
    assert!(value(after, "regionfeed_database_bytes", &[]).unwrap() > 0.0);
    assert!(
        value(
            after,
            "regionfeed_newest_item_age_seconds",
            &[("region", "shanxi")]
        )
        .is_some()
    );
    assert!(
        value(
            after,
            "regionfeed_render_cache_total",
            &[("kind", "render")]
        )
        .unwrap()
            >= 1.0
    );
}

#[tokio::test]
async fn metrics_parse_and_move_as_polls_and_requests_happen() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    serve_two_items(&server);
    server.set("bad.xml", Canned::new(500, "text/plain", b"oops"));
    let sources = source_tables(&[
        ("sx", server.url("sx.xml"), "shanxi"),
        ("bad", server.url("bad.xml"), "shaanxi"),
    ]);
    let daemon = start_daemon(dir.path(), &sources).await;

    let (status, before) = get(&daemon, "/metrics").await;
    assert_eq!(status, 200, "loopback clients may read metrics");
    let before = scrape(&before);
    assert_eq!(
        value(&before, "regionfeed_items_total", &[("kind", "new")]),
        None
    );

    daemon.poll_all().await;
    daemon.poll_all().await;
    let (status, _) = get(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(status, 200);
    let (_, after_text) = get(&daemon, "/metrics").await;
    let after = scrape(&after_text);

    check_counters(&after);

    // Polling on demand: ready without a scheduler.
    let (status, body) = get(&daemon, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    daemon
        .shutdown(std::time::Duration::from_secs(5))
        .await
        .unwrap();
}

//! `schedule = "auto"` end to end on loopback: a busy feed and a quiet one polled by the real scheduler
//! (the quiet one is asked far less often, the busy one loses no item), and a server whose ETag never
//! changes while its feed does (caught within the revalidation window; its items arrive; `/sources`
//! says its validators are not trusted).

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{
    Canned, FixtureServer, feed_entries, get, start_daemon_with_poll, start_scheduled_daemon,
};
use regionfeed::poll::PollOutcome;

/// An RSS feed of the items numbered `first..=last`, item `n` published at `epoch + n × spacing` (unix
/// seconds), newest first, each with its own link and a title unlike the others'.
fn numbered_feed(name: &str, first: u64, last: u64, epoch: i64, spacing: i64) -> String {
    const PLACES: [&str; 8] = [
        "太原", "大同", "朔州", "忻州", "阳泉", "吕梁", "晋中", "长治",
    ];
    const EVENTS: [&str; 5] = [
        "召开座谈会",
        "开通新线路",
        "举办展览",
        "发布通知",
        "启动工程",
    ];
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{name}</title><link>https://{name}.example.cn/</link><description>t</description>\n"
    );
    for n in (first..=last).rev() {
        let published = epoch + n as i64 * spacing;
        let date = chrono::DateTime::from_timestamp(published, 0)
            .unwrap()
            .to_rfc2822();
        let place = PLACES[n as usize % PLACES.len()];
        let event = EVENTS[(n as usize / PLACES.len()) % EVENTS.len()];
        xml.push_str(&format!(
            "<item><title>{place}第{n}次{event}</title><link>https://{name}.example.cn/{n}.shtml</link><description>{place}消息。第{n}条。</description><pubDate>{date}</pubDate></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// Serves the busy feed as it stands after `published` items, two seconds apart from `epoch`, ten shown.
fn publish_busy(server: &FixtureServer, epoch: i64, published: u64) {
    let body = numbered_feed(
        "busy",
        published.saturating_sub(9).max(1),
        published,
        epoch,
        2,
    );
    server.set(
        "busy.xml",
        Canned::rss(&body).with_header("ETag", format!("\"b{published}\"")),
    );
}

const AUTO_CONFIG: &str = "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"pacing.db\"\n[poll]\nschedule = \"auto\"\nmin_interval_secs = 1\nmax_interval_secs = 60\nhost_spacing_ms = 0\nstartup_spread_secs = 0\n\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_auto_a_quiet_feed_is_asked_far_less_and_a_busy_one_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    // Quiet: five items four days apart, the newest three days old.
    let quiet = numbered_feed(
        "quiet",
        1,
        5,
        Utc::now().timestamp() - 23 * 86_400,
        4 * 86_400,
    );
    server.set(
        "quiet.xml",
        Canned::rss(&quiet).with_header("ETag", "\"q1\""),
    );
    // Busy: an item every two seconds, the tenth now.
    let epoch = Utc::now().timestamp() - 20;
    let mut published = 10;
    publish_busy(&server, epoch, published);
    let config = format!(
        "{AUTO_CONFIG}[[source]]\nid = \"busy\"\nurl = \"{}\"\nregion = \"shanxi\"\n\n[[source]]\nid = \"quiet\"\nurl = \"{}\"\nregion = \"shaanxi\"\n",
        server.url("busy.xml"),
        server.url("quiet.xml")
    );
    let daemon = start_scheduled_daemon(dir.path(), &config).await;
    // A new item every two seconds until the busy feed was asked twelve times (bounded).
    let started = Instant::now();
    while server.requests_to("busy.xml") < 12 && started.elapsed() < Duration::from_secs(45) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        published += 1;
        publish_busy(&server, epoch, published);
    }
    let (busy, quiet) = (
        server.requests_to("busy.xml"),
        server.requests_to("quiet.xml"),
    );
    assert!(
        busy >= 12,
        "busy asked {busy} times in {:?}",
        started.elapsed()
    );
    assert!(
        quiet <= 2 && quiet * 5 <= busy,
        "quiet {quiet}, busy {busy}"
    );
    // Publishing stops; once the busy feed was asked again, every item it ever showed is stored.
    let asked = server.requests_to("busy.xml");
    let waiting = Instant::now();
    while server.requests_to("busy.xml") < asked + 2 && waiting.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stored = feed_entries(&daemon, "/feeds/all.xml?source=busy&limit=500").await;
    assert_eq!(stored.len() as u64, published, "{stored:?}");
    // /sources says why each is polled as it is.
    let (status, body) = get(&daemon, "/sources").await;
    assert_eq!(status, 200);
    let groups: serde_json::Value = serde_json::from_str(&body).unwrap();
    let source = |id: &str| {
        groups
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|group| group["sources"].as_array().unwrap().clone())
            .find(|source| source["id"] == id)
            .unwrap()
    };
    assert_eq!(source("quiet")["schedule"], "auto");
    assert_eq!(source("quiet")["interval_reason"], "max-interval", "{body}");
    assert_eq!(source("quiet")["interval_secs"], 60);
    assert!(
        source("busy")["interval_secs"].as_i64().unwrap() <= 4,
        "{body}"
    );
    assert!(
        source("busy")["requests_last_week"].as_i64().unwrap() >= 12,
        "{body}"
    );
    assert_eq!(source("busy")["validators"], "trusted");
    daemon.shutdown(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn an_etag_that_never_changes_is_caught_within_the_revalidation_window() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let epoch = Utc::now().timestamp() - 3600;
    // The fixture server answers 304 to a matching If-None-Match whatever the body: a liar.
    let feed = |last| {
        Canned::rss(&numbered_feed("liar", 1, last, epoch, 600)).with_header("ETag", "\"same\"")
    };
    server.set("liar.xml", feed(2));
    let sources = format!(
        "[[source]]\nid = \"liar\"\nurl = \"{}\"\nregion = \"shanxi\"\n",
        server.url("liar.xml")
    );
    let daemon = start_daemon_with_poll(
        dir.path(),
        "host_spacing_ms = 0\nrevalidate_after = 3",
        &sources,
    )
    .await;
    let poll = || async { daemon.poll_source("liar").await.unwrap().outcome };
    assert!(matches!(poll().await, PollOutcome::Stored(s) if s.new == 2));
    server.set("liar.xml", feed(3));
    // Three conditional requests believe the 304; the fourth asks without validators and finds item 3.
    for _ in 0..3 {
        assert!(matches!(poll().await, PollOutcome::NotModified));
    }
    assert!(matches!(poll().await, PollOutcome::Stored(s) if s.new == 1));
    let sent: Vec<bool> = server
        .request_headers("liar.xml")
        .iter()
        .map(|headers| headers.contains_key("if-none-match"))
        .collect();
    assert_eq!(sent, [false, true, true, true, false]);
    let (_, sources_json) = get(&daemon, "/sources").await;
    assert!(
        sources_json.contains("\"validators\":\"not-trusted\""),
        "{sources_json}"
    );
    // From now on every request goes without validators: the next item arrives at once.
    server.set("liar.xml", feed(4));
    assert!(matches!(poll().await, PollOutcome::Stored(s) if s.new == 1));
    let last = server.request_headers("liar.xml").pop().unwrap();
    assert!(!last.contains_key("if-none-match"));
    let stored = feed_entries(&daemon, "/feeds/shanxi.xml").await;
    assert_eq!(stored.len(), 4);
}

#[tokio::test]
async fn honest_validators_keep_conditional_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let epoch = Utc::now().timestamp() - 3600;
    let feed = |last: u64| {
        Canned::rss(&numbered_feed("honest", 1, last, epoch, 600))
            .with_header("ETag", format!("\"v{last}\""))
    };
    server.set("honest.xml", feed(1));
    let sources = format!(
        "[[source]]\nid = \"honest\"\nurl = \"{}\"\nregion = \"shanxi\"\n",
        server.url("honest.xml")
    );
    let daemon = start_daemon_with_poll(
        dir.path(),
        "host_spacing_ms = 0\nrevalidate_after = 2",
        &sources,
    )
    .await;
    let poll = || async { daemon.poll_source("honest").await.unwrap().outcome };
    poll().await;
    poll().await;
    poll().await;
    // The check after two 304s finds a new item, under a new ETag: the server was honest, so trust
    // stays and conditional requests go on.
    server.set("honest.xml", feed(2));
    assert!(matches!(poll().await, PollOutcome::Stored(s) if s.new == 1));
    assert!(matches!(poll().await, PollOutcome::NotModified));
    let sent: Vec<bool> = server
        .request_headers("honest.xml")
        .iter()
        .map(|headers| headers.contains_key("if-none-match"))
        .collect();
    assert_eq!(sent, [false, true, true, false, true]);
    let (_, sources_json) = get(&daemon, "/sources").await;
    assert!(
        sources_json.contains("\"validators\":\"trusted\""),
        "{sources_json}"
    );
}

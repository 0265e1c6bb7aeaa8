//! Crash safety: the real binary, ingesting feeds that keep changing, is killed with SIGKILL at 20
//! moments and restarted each time; afterwards the database passes `integrity_check`, every item the
//! server ever served is stored exactly once and whole, and the output feed is valid.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Canned, DaemonProcess, FixtureServer, rss};

const FEEDS: usize = 4;
const KILLS: usize = 20;

/// The items of feed `feed` after `generation` generations: two new ones per generation, all kept.
fn items(feed: usize, generation: usize) -> Vec<(String, String, String, String)> {
    (0..=generation * 2 + 1)
        .map(|n| {
            (
                format!("f{feed}-{n}"),
                format!("https://f{feed}.example.cn/{n}.shtml"),
                format!("第{feed}路新闻{n}"),
                format!("2026-11-25 {:02}:{:02}:00", 8 + n / 60, n % 60),
            )
        })
        .collect()
}

fn publish(server: &FixtureServer, generation: usize) {
    for feed in 0..FEEDS {
        let items = items(feed, generation);
        let borrowed: Vec<(&str, &str, &str, &str)> = items
            .iter()
            .map(|(g, l, t, d)| (g.as_str(), l.as_str(), t.as_str(), d.as_str()))
            .collect();
        server.set(
            &format!("f{feed}.xml"),
            Canned::rss(&rss("山西", &borrowed)),
        );
    }
}

/// A config polling every feed every second.
fn write_config(dir: &Path, server: &FixtureServer) -> PathBuf {
    let mut config = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"crash.db\"\n[poll]\nhost_spacing_ms = 0\nstartup_spread_secs = 0\nschedule = \"* * * * * *\"\n\n",
    );
    for feed in 0..FEEDS {
        config.push_str(&format!(
            "[[source]]\nid = \"f{feed}\"\nurl = \"{}\"\nregion = \"shanxi\"\n\n",
            server.url(&format!("f{feed}.xml"))
        ));
    }
    let config_path = dir.join("regionfeed.toml");
    std::fs::write(&config_path, config).unwrap();
    config_path
}

/// Starts the daemon and kills it with SIGKILL, KILLS times, while the feeds grow.
async fn kill_at_random_moments(config_path: &Path, server: &FixtureServer) {
    // A fixed pseudo-random sequence of kill moments (xorshift), 150–1,350 ms after start.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for generation in 1..=KILLS {
        let mut daemon = DaemonProcess::start(config_path, &[]).await;
        publish(server, generation);
        tokio::time::sleep(Duration::from_millis(150 + next() % 1200)).await;
        daemon.child.kill().unwrap();
        let _ = daemon.wait_for_exit(Duration::from_secs(10)).await;
    }
}

/// The database after the last run: intact, every served item stored once and whole, no orphan keys.
fn check_database(database: &Path, served: &BTreeSet<String>) {
    let connection = rusqlite::Connection::open(database).unwrap();
    let check: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let stored: Vec<(String, String, String, Option<String>)> = connection
        .prepare("SELECT guid, title, link, summary FROM items")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let guids: BTreeSet<String> = stored.iter().map(|(guid, ..)| guid.clone()).collect();
    assert_eq!(stored.len(), guids.len(), "no item stored twice");
    assert_eq!(&guids, served, "every served item stored");
    for (guid, title, link, summary) in &stored {
        // Whole: every field as served.
        let (feed, n) = guid[1..].split_once('-').unwrap();
        assert_eq!(title, &format!("第{feed}路新闻{n}"));
        assert_eq!(link, &format!("https://f{feed}.example.cn/{n}.shtml"));
        assert_eq!(
            summary.as_deref(),
            Some(format!("{title}。正文。").as_str())
        );
    }
    let keys_without_item: i64 = connection
        .query_row(
            "SELECT count(*) FROM item_keys k LEFT JOIN items i ON i.id = k.item_id WHERE i.id IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(keys_without_item, 0);
}

#[tokio::test]
async fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    publish(&server, 0);
    let config_path = write_config(dir.path(), &server);
    kill_at_random_moments(&config_path, &server).await;

    // A last run polls until everything served is stored, then stops cleanly.
    let mut daemon = DaemonProcess::start(&config_path, &[]).await;
    let served: BTreeSet<String> = (0..FEEDS)
        .flat_map(|feed| items(feed, KILLS).into_iter().map(|(guid, ..)| guid))
        .collect();
    let database = dir.path().join("crash.db");
    let count_stored = || -> i64 {
        let connection = rusqlite::Connection::open(&database).unwrap();
        connection
            .query_row("SELECT count(*) FROM items", [], |row| row.get(0))
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while count_stored() < served.len() as i64 {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {} items stored: {:#?}",
            count_stored(),
            served.len(),
            daemon.log_lines()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The output is a valid feed with the newest items.
    let body = reqwest::get(format!(
        "http://{}/feeds/all.json?limit=500",
        daemon.address
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&body).expect("valid JSON Feed");
    assert_eq!(json["items"].as_array().unwrap().len(), served.len());
    daemon.signal("TERM");
    assert!(
        daemon
            .wait_for_exit(Duration::from_secs(15))
            .await
            .success()
    );

    check_database(&database, &served);
}

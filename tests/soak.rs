//! A short soak (bounded, loopback): 100 sources polled every second while a client asks for region feeds
//! at a steady rate for 20 s. No request may fail; memory must not trend upwards. The long version is the
//! `soak` scenario of the benchmark harness (BENCHMARKS.md).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Canned, DaemonProcess, FixtureServer, rss};

const SOURCES: usize = 100;
const SECONDS: u64 = 20;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// SOURCES feeds of one item each, and a config that polls them every second.
fn serve_sources_and_write_config(dir: &Path, server: &FixtureServer, regions: &[&str]) -> PathBuf {
    let mut config = String::from(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"soak.db\"\n[poll]\nhost_spacing_ms = 0\nstartup_spread_secs = 1\nschedule = \"* * * * * *\"\n[log]\nlevel = \"warn\"\n\n",
    );
    for n in 0..SOURCES {
        let title = format!("第{n}号新闻");
        let link = format!("https://s{n}.example.cn/0.shtml");
        server.set(
            &format!("s{n}.xml"),
            Canned::rss(&rss("源", &[("", &link, &title, "2026-11-25 10:00:00")])),
        );
        config.push_str(&format!(
            "[[source]]\nid = \"s{n}\"\nurl = \"{}\"\nregion = \"{}\"\n\n",
            server.url(&format!("s{n}.xml")),
            regions[n % regions.len()]
        ));
    }
    let config_path = dir.join("regionfeed.toml");
    std::fs::write(&config_path, config).unwrap();
    config_path
}

#[tokio::test]
async fn steady_polling_and_requests_serve_without_errors_or_growth() {
    let dir = tempfile::tempdir().unwrap();
    let server = FixtureServer::start().await;
    let regions = ["shanxi", "shaanxi", "beijing", "sichuan", "guangdong"];
    let config_path = serve_sources_and_write_config(dir.path(), &server, &regions);
    let mut daemon = DaemonProcess::start(&config_path, &[]).await;
    let pid = daemon.child.id();
    let client = reqwest::Client::new();
    let base = format!("http://{}", daemon.address);

    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    let mut memory = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut n = 0usize;
    while started.elapsed() < Duration::from_secs(SECONDS) {
        tick.tick().await;
        // Every 2 s, a source publishes a new item: the cache keeps being invalidated.
        if n.is_multiple_of(100) {
            let source = (n / 100) % SOURCES;
            let title = format!("更新{n}");
            let link = format!("https://s{source}.example.cn/{n}.shtml");
            server.set(
                &format!("s{source}.xml"),
                Canned::rss(&rss("源", &[("", &link, &title, "2026-11-25 11:00:00")])),
            );
        }
        let region = regions[n % regions.len()];
        let format = ["xml", "atom", "json"][n % 3];
        let start = Instant::now();
        match client
            .get(format!("{base}/feeds/{region}.{format}"))
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => {
                let _ = response.bytes().await;
                latencies.push(start.elapsed());
            }
            Ok(response) => errors.push(format!("{region}.{format}: {}", response.status())),
            Err(error) => errors.push(format!("{region}.{format}: {error}")),
        }
        if n.is_multiple_of(250) {
            memory.push(rss_kib(pid));
        }
        n += 1;
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    println!(
        "soak: {} requests, {} errors, p99 {:?}, RSS KiB over time {:?}",
        latencies.len() + errors.len(),
        errors.len(),
        p99,
        memory
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert!(latencies.len() > 500, "{} requests", latencies.len());
    // No growth trend: the second half's peak stays within 20 % of the first half's.
    let half = memory.len() / 2;
    let first = *memory[..half].iter().max().unwrap();
    let second = *memory[half..].iter().max().unwrap();
    assert!(second <= first + first / 5, "RSS grew: {memory:?}");
    daemon.signal("TERM");
    assert!(
        daemon
            .wait_for_exit(Duration::from_secs(15))
            .await
            .success()
    );
}

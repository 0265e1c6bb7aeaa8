//! The benchmark harness: `cargo run --release --example bench -- [ingest|poll-cycle|serve|scale|soak|all]`
//! (`bench/paced_feeds.rs`: the soak's feeds).
//!
//! Every figure is printed beside a baseline measured in the same run, as a ratio, with the median and the
//! spread (min–max) of several runs, plus peak RSS. Data is synthetic Chinese news generated here; the only
//! network is loopback (a feed server in a child process, so its CPU time is not counted as ours).
//! See BENCHMARKS.md for what each scenario means and the latest figures.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use regionfeed::app::{self, Polling};
use regionfeed::classify::gazetteer::Gazetteer;
use regionfeed::classify::tag::{TagInput, tag_item};
use regionfeed::feed::parse::{ParseOptions, ParsedFeed, parse_feed};
use regionfeed::poll::PollOutcome;
use regionfeed::poll::ingest::items_to_store;
use regionfeed::store::{PollSuccess, Store};
use regionfeed::text::plain_text;

#[path = "bench/paced_feeds.rs"]
mod paced_feeds;

/// Runs per figure; `BENCH_RUNS` overrides (e.g. 1 for a quick profile).
static RUNS_OVERRIDE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// `--quick`: every scenario at a small size, one run (the CI smoke test; no figure from it is a claim).
static QUICK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn quick() -> bool {
    QUICK.load(std::sync::atomic::Ordering::Relaxed)
}

/// `full` normally, `small` under `--quick`.
fn size(full: usize, small: usize) -> usize {
    if quick() { small } else { full }
}

fn runs() -> usize {
    *RUNS_OVERRIDE.get_or_init(|| {
        if quick() {
            return 1;
        }
        std::env::var("BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or(5)
    })
}

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(position) = args.iter().position(|arg| arg == "--quick") {
        args.remove(position);
        QUICK.store(true, std::sync::atomic::Ordering::Relaxed);
        println!("(--quick: small sizes, one run; a smoke test, not a measurement)");
    }
    match args.first().map(String::as_str) {
        Some("serve-feeds") => serve_feeds(args[1].parse()?, args[2].parse()?),
        Some("serve-paced-feeds") => {
            paced_feeds::serve(args[1].parse()?, args[2].parse()?, args[3].parse()?)
        }
        Some("ingest") => ingest_scenario(),
        Some("tagging") => tagging_scenario(),
        Some("poll-cycle") => poll_cycle_scenario(),
        Some("serve") => serve_scenario(),
        Some("scale") => scale_scenario(),
        Some("soak") => soak_scenario(),
        None | Some("all") => {
            ingest_scenario()?;
            poll_cycle_scenario()?;
            serve_scenario()?;
            scale_scenario()?;
            soak_scenario()
        }
        Some(other) => {
            anyhow::bail!(
                "unknown scenario {other:?}; use ingest, tagging, poll-cycle, serve, scale, soak or all"
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Synthetic data

/// A small deterministic generator, so every run measures the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

const PLACES: &[&str] = &[
    "太原",
    "晋中",
    "大同",
    "西安",
    "延安",
    "乌鲁木齐",
    "石河子",
    "广州",
    "深圳",
    "成都",
    "重庆",
    "杭州",
    "南京",
    "合肥",
    "福州",
    "长沙",
    "武汉",
    "郑州",
    "济南",
    "沈阳",
    "长春",
    "哈尔滨",
    "昆明",
    "贵阳",
];
const SUBJECTS: &[&str] = &[
    "迎来今冬首场降雪",
    "地铁新线开通运营",
    "冬季旅游持续升温",
    "苹果喜获丰收",
    "数字化保护取得进展",
    "举办文化交流活动",
    "推进乡村振兴",
    "新能源汽车产销两旺",
    "机场冬季航班增加",
    "中小学开展安全教育",
];
const SENTENCES: &[&str] = &[
    "当地有关部门表示，将继续做好各项保障工作，确保群众生产生活平稳有序。",
    "记者在现场看到，市民游客络绎不绝，不少人拿出手机拍照留念。",
    "据介绍，今年以来相关工作稳步推进，各项指标均好于预期。",
    "专家认为，这一举措有助于进一步释放消费潜力，推动经济高质量发展。",
    "下一步，当地将加大投入力度，完善配套设施，提升服务水平。",
    "活动吸引了来自全国各地的参与者，现场气氛热烈。",
];

/// One RSS 2.0 feed of `n_items` chinanews-like items (no guid, zone-less dates, 300–800 characters of
/// description); every third feed is GB18030-encoded with a `gb2312` declaration.
fn synthetic_feed(feed_index: usize, n_items: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed
        .wrapping_mul(2_654_435_761)
        .wrapping_add(feed_index as u64 + 1)
        | 1);
    let gbk = feed_index % 3 == 2;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"{}\"?>\n<rss version=\"2.0\"><channel><title>地方新闻 {feed_index}</title>\
         <link>https://news{feed_index}.example.cn/</link><description>合成的基准测试新闻源</description>\n",
        if gbk { "gb2312" } else { "UTF-8" }
    );
    for item in 0..n_items {
        let place = rng.pick(PLACES);
        let subject = rng.pick(SUBJECTS);
        let mut description = format!("中新网{place}11月25日电 ");
        let target = 300 + (rng.next() % 500) as usize;
        while description.chars().count() < target {
            description.push_str(rng.pick(SENTENCES));
        }
        let minute = (item * 7) % 60;
        let hour = 23 - (item / 9) % 24;
        xml.push_str(&format!(
            "<item><title>{place}{subject}（{feed_index}-{item}）</title>\
             <link>https://news{feed_index}.example.cn/2026/11-25/{item}.shtml</link>\
             <description>{description}</description><pubDate>2026-11-25 {hour:02}:{minute:02}:00</pubDate></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    if gbk {
        encoding_rs::GB18030.encode(&xml).0.into_owned()
    } else {
        xml.into_bytes()
    }
}

// ---------------------------------------------------------------------------------------------------
// Measurement helpers

fn cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The release binary beside this harness (`target/release/regionfeed`).
fn release_binary() -> anyhow::Result<std::path::PathBuf> {
    std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|release| release.join("regionfeed"))
        .filter(|path| path.exists())
        .ok_or_else(|| {
            anyhow::anyhow!("build the binary first: cargo build --release (bench/run.sh does)")
        })
}

/// Starts the release binary on `config` (log level from the config, stderr shown) and waits, at most
/// 60 s, until `{base}/readyz` answers 200; returns the process and the seconds from spawn to ready.
fn start_release_daemon(
    runtime: &tokio::runtime::Runtime,
    binary: &std::path::Path,
    config: &std::path::Path,
    base: &str,
) -> anyhow::Result<(std::process::Child, f64)> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["run", "--config"])
        .arg(config)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let client = reqwest::Client::new();
    let ready = runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client.get(format!("{base}/readyz")).send().await
                && response.status().is_success()
            {
                return Ok(started.elapsed().as_secs_f64());
            }
            if Instant::now() > deadline {
                anyhow::bail!("the daemon did not become ready in 60 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    match ready {
        Ok(seconds) => Ok((child, seconds)),
        Err(error) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(error)
        }
    }
}

/// A memory figure of another process from `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in MiB.
fn process_memory_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Median, min and max.
fn summary(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

fn print_rate(
    label: &str,
    items: usize,
    seconds: &mut [f64],
    baseline_label: &str,
    baseline: &mut [f64],
) {
    let (median, min, max) = summary(seconds);
    let (base_median, base_min, base_max) = summary(baseline);
    let rate = items as f64 / median;
    let base_rate = items as f64 / base_median;
    println!(
        "  {label:<34} {rate:>10.0} items/s  (median {:.1} ms, {:.1}–{:.1})",
        median * 1e3,
        min * 1e3,
        max * 1e3
    );
    println!(
        "  {baseline_label:<34} {base_rate:>10.0} items/s  (median {:.1} ms, {:.1}–{:.1})",
        base_median * 1e3,
        base_min * 1e3,
        base_max * 1e3
    );
    println!("  ratio: {:.2}× of {baseline_label}", rate / base_rate);
}

// ---------------------------------------------------------------------------------------------------
// Scenario 1: ingest

/// Baseline (a): feed-rs parsing the same bytes (declaration-driven decoding, its defaults).
fn raw_parse_seconds(feeds: &[Vec<u8>], total: usize) -> anyhow::Result<Vec<f64>> {
    let mut raw_parse = Vec::new();
    for _ in 0..runs() {
        let start = Instant::now();
        let mut n = 0;
        for feed in feeds {
            n += feed_rs::parser::parse(&feed[..])?.entries.len();
        }
        assert_eq!(n, total);
        raw_parse.push(start.elapsed().as_secs_f64());
    }
    Ok(raw_parse)
}

/// Baseline (b): raw batched SQLite insert of the same rows (transactions of 100, unique key).
fn raw_insert_seconds(parsed: &[ParsedFeed], now: DateTime<Utc>) -> anyhow::Result<Vec<f64>> {
    let mut raw_insert = Vec::new();
    for _ in 0..runs() {
        let dir = tempfile::tempdir()?;
        let connection = rusqlite::Connection::open(dir.path().join("raw.db"))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.execute_batch(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, source TEXT, link TEXT,
             title TEXT, summary TEXT, author TEXT, published INTEGER, first_seen INTEGER, region TEXT)",
        )?;
        let start = Instant::now();
        let rows: Vec<_> = parsed
            .iter()
            .enumerate()
            .flat_map(|(f, feed)| feed.items.iter().map(move |item| (f, item)))
            .collect();
        for chunk in rows.chunks(100) {
            let transaction = connection.unchecked_transaction()?;
            {
                let mut insert = transaction.prepare_cached(
                    "INSERT INTO items (key, source, link, title, summary, author, published, first_seen, region)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (key) DO NOTHING",
                )?;
                for (feed, item) in chunk {
                    insert.execute(rusqlite::params![
                        item.link,
                        format!("f{feed}"),
                        item.link,
                        item.title,
                        item.summary,
                        item.author,
                        item.published.timestamp(),
                        now.timestamp(),
                        "shanxi"
                    ])?;
                }
            }
            transaction.commit()?;
        }
        raw_insert.push(start.elapsed().as_secs_f64());
    }
    Ok(raw_insert)
}

/// Tagging alone: dateline/title/body tags of every item (national source: the full rule set), on the
/// titles and plain-text bodies; reported as MB/s of text and as items/s against raw parsing.
fn tagging_rate(parsed: &[ParsedFeed], total: usize, raw_parse: &[f64]) {
    let texts: Vec<(String, String)> = parsed
        .iter()
        .flat_map(|feed| feed.items.iter())
        .map(|item| {
            (
                item.title.clone(),
                plain_text(item.summary.as_deref().unwrap_or("")),
            )
        })
        .collect();
    let text_bytes: usize = texts.iter().map(|(t, b)| t.len() + b.len()).sum();
    let gazetteer = Gazetteer::builtin();
    let mut tagging = Vec::new();
    let mut tagged = 0;
    for _ in 0..runs() {
        let start = Instant::now();
        tagged = 0;
        for (title, body) in &texts {
            let tags = tag_item(
                gazetteer,
                TagInput {
                    title,
                    body,
                    source_regions: &[],
                    text_tagging: true,
                },
            );
            tagged += usize::from(!tags.is_empty());
        }
        tagging.push(start.elapsed().as_secs_f64());
    }
    let (median_tagging, _, _) = summary(&mut tagging.clone());
    println!(
        "  tagging: {:.1} MB of text, {:.2} MB/s (median), {tagged} of {total} items tagged",
        text_bytes as f64 / 1e6,
        text_bytes as f64 / 1e6 / median_tagging
    );
    print_rate(
        "tagging only (tag_item)",
        total,
        &mut tagging,
        "raw feed-rs parse (a)",
        &mut raw_parse.to_vec(),
    );
}

/// regionfeed: decode + parse + identity + tagging + story fingerprint + store (with the cross-source
/// story search), one transaction per feed, as a poll does. Returns the end-to-end and store-only
/// seconds of each run, and the merges found.
fn ingest_seconds(
    feeds: &[Vec<u8>],
    n_items: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<f64>, Vec<f64>, usize)> {
    let runtime = tokio::runtime::Runtime::new()?;
    let mut ours = Vec::new();
    let mut ours_store_only = Vec::new();
    let mut merged = 0;
    for _ in 0..runs() {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("ours.db"))?;
        let start = Instant::now();
        let mut store_seconds = 0.0;
        merged = 0;
        for (index, feed) in feeds.iter().enumerate() {
            let parsed = parse_feed(feed, None, &options(now))?;
            let items = items_to_store(parsed.items, &format!("f{index}"), &["shanxi"], true);
            let store_start = Instant::now();
            let summary = runtime.block_on(store.record_success(PollSuccess {
                source_id: format!("f{index}"),
                now,
                status: 200,
                etag: None,
                last_modified: None,
                body_hash: None,
                feed_title: parsed.title,
                feed_link: parsed.link,
                moved_to: None,
                items,
            }))?;
            store_seconds += store_start.elapsed().as_secs_f64();
            assert_eq!(summary.new, n_items);
            merged += summary.merged;
        }
        ours.push(start.elapsed().as_secs_f64());
        ours_store_only.push(store_seconds);
    }
    Ok((ours, ours_store_only, merged))
}

/// Tagging alone on the ingest scenario's items (part of `ingest`; on its own for quick comparisons).
fn tagging_scenario() -> anyhow::Result<()> {
    let (n_feeds, n_items) = (size(50, 10), size(100, 30));
    println!(
        "== tagging: {n_feeds} feeds × {n_items} items, {} runs",
        runs()
    );
    let feeds: Vec<Vec<u8>> = (0..n_feeds)
        .map(|i| synthetic_feed(i, n_items, 7))
        .collect();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
    let raw_parse = raw_parse_seconds(&feeds, n_feeds * n_items)?;
    let parsed: Vec<_> = feeds
        .iter()
        .map(|feed| parse_feed(feed, None, &options(now)))
        .collect::<Result<_, _>>()?;
    tagging_rate(&parsed, n_feeds * n_items, &raw_parse);
    Ok(())
}

fn ingest_scenario() -> anyhow::Result<()> {
    let n_feeds = size(50, 10);
    let n_items = size(100, 30);
    let total = n_feeds * n_items;
    println!(
        "== ingest: {n_feeds} feeds × {n_items} items = {total} items (1/3 GB18030), {} runs",
        runs()
    );
    let feeds: Vec<Vec<u8>> = (0..n_feeds)
        .map(|i| synthetic_feed(i, n_items, 7))
        .collect();
    let bytes: usize = feeds.iter().map(Vec::len).sum();
    println!("  {:.1} MB of feed XML", bytes as f64 / 1e6);
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();

    let mut raw_parse = raw_parse_seconds(&feeds, total)?;
    // Baseline (b): raw batched SQLite insert of the same rows (transactions of 100, unique key).
    let parsed: Vec<_> = feeds
        .iter()
        .map(|feed| parse_feed(feed, None, &options(now)).unwrap())
        .collect();
    let mut raw_insert = raw_insert_seconds(&parsed, now)?;
    tagging_rate(&parsed, total, &raw_parse);
    let (mut ours, mut ours_store_only, merged) = ingest_seconds(&feeds, n_items, now)?;
    print_rate(
        "regionfeed ingest (end to end)",
        total,
        &mut ours.clone(),
        "raw feed-rs parse (a)",
        &mut raw_parse,
    );
    println!("  cross-source merges in the synthetic data: {merged}");
    print_rate(
        "regionfeed store step only",
        total,
        &mut ours_store_only,
        "raw SQLite insert (b)",
        &mut raw_insert.clone(),
    );
    print_rate(
        "regionfeed ingest (end to end)",
        total,
        &mut ours,
        "raw SQLite insert (b)",
        &mut raw_insert,
    );
    println!("  peak RSS so far: {:.1} MiB", peak_rss_mib());
    Ok(())
}

fn options(now: chrono::DateTime<Utc>) -> ParseOptions {
    ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: None,
        now,
    }
}

// ---------------------------------------------------------------------------------------------------
// Scenario 3 of BENCHMARKS.md: a poll cycle over 2,000 sources on loopback

fn poll_cycle_scenario() -> anyhow::Result<()> {
    let n_sources = size(2000, 200);
    let n_items = size(30, 10);
    println!(
        "== poll cycle: {n_sources} sources × {n_items} items on one loopback host, concurrency 16, spacing off"
    );
    // The feed server runs in a child process so that its CPU time is not counted as ours.
    let mut server = Command::new(std::env::current_exe()?)
        .args(["serve-feeds", &n_sources.to_string(), &n_items.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped")).read_line(&mut line)?;
    let address = line.trim().to_string();
    let result = poll_cycles(&address, n_sources);
    let _ = server.kill();
    let _ = server.wait();
    result
}

fn poll_cycles(address: &str, n_sources: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"bench.db\"\n[poll]\nconcurrency = 16\nhost_concurrency = 16\nhost_spacing_ms = 0\n\n".to_string();
    for n in 0..n_sources {
        config.push_str(&format!("[[source]]\nid = \"s{n}\"\nurl = \"http://{address}/feed/{n}.xml\"\nregion = \"shanxi\"\n"));
    }
    let path = dir.path().join("bench.toml");
    std::fs::write(&path, config)?;
    let config = regionfeed::config::load(&path)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let daemon = app::start(config, listener, Polling::OnDemand).await?;

        let (wall, cpu) = timed(|| daemon.poll_all()).await;
        let parses_after_first = daemon.parse_count();
        println!("  first cycle (all new, 200): wall {wall:.2} s, CPU {cpu:.2} s, {parses_after_first} parses");

        let mut walls = Vec::new();
        let mut cpus = Vec::new();
        for _ in 0..runs() {
            let start_cpu = cpu_seconds();
            let start = Instant::now();
            let reports = daemon.poll_all().await;
            walls.push(start.elapsed().as_secs_f64());
            cpus.push(cpu_seconds() - start_cpu);
            let not_modified = reports.iter().filter(|r| matches!(r.outcome, PollOutcome::NotModified)).count();
            anyhow::ensure!(not_modified == n_sources, "expected all 304, got {not_modified}");
        }
        let parses_in_304_cycles = daemon.parse_count() - parses_after_first;

        // Baseline: the same conditional GETs with a bare reqwest client at the same concurrency.
        let client = reqwest::Client::new();
        let mut base_walls = Vec::new();
        let mut base_cpus = Vec::new();
        for _ in 0..runs() {
            let start_cpu = cpu_seconds();
            let start = Instant::now();
            let semaphore = Arc::new(tokio::sync::Semaphore::new(16));
            let mut tasks = Vec::new();
            for n in 0..n_sources {
                let client = client.clone();
                let semaphore = semaphore.clone();
                let url = format!("http://{address}/feed/{n}.xml");
                tasks.push(tokio::spawn(async move {
                    let _permit = semaphore.acquire().await.unwrap();
                    let response = client.get(url).header("if-none-match", format!("\"v{n}\"")).send().await.unwrap();
                    assert_eq!(response.status(), 304);
                }));
            }
            for task in tasks {
                task.await?;
            }
            base_walls.push(start.elapsed().as_secs_f64());
            base_cpus.push(cpu_seconds() - start_cpu);
        }
        let (wall, wall_min, wall_max) = summary(&mut walls);
        let (cpu, cpu_min, cpu_max) = summary(&mut cpus);
        let (base_wall, ..) = summary(&mut base_walls);
        let (base_cpu, ..) = summary(&mut base_cpus);
        println!("  all-304 cycle: wall {wall:.3} s ({wall_min:.3}–{wall_max:.3}), CPU {cpu:.3} s ({cpu_min:.3}–{cpu_max:.3}), parses {parses_in_304_cycles}");
        println!("  bare reqwest, same 304s: wall {base_wall:.3} s, CPU {base_cpu:.3} s");
        println!("  ratio (regionfeed ÷ bare): wall {:.2}×, CPU {:.2}×", wall / base_wall, cpu / base_cpu);
        println!("  peak RSS: {:.1} MiB", peak_rss_mib());
        daemon.shutdown(Duration::from_secs(10)).await
    })
}

async fn timed<F, Fut, T>(work: F) -> (f64, f64)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let start_cpu = cpu_seconds();
    let start = Instant::now();
    let _ = work().await;
    (start.elapsed().as_secs_f64(), cpu_seconds() - start_cpu)
}

// ---------------------------------------------------------------------------------------------------
// Scenario 4: serving, against nginx serving the same bytes, server on core 0 and wrk on core 1

fn command_exists(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Runs wrk pinned to core 1 for `seconds`; returns requests/s.
fn wrk(
    url: &str,
    headers: &[&str],
    script: Option<&std::path::Path>,
    seconds: u32,
) -> anyhow::Result<f64> {
    let mut command = Command::new("taskset");
    command.args(["-c", "1", "wrk", "-t1", "-c32", &format!("-d{seconds}s")]);
    for header in headers {
        command.args(["-H", header]);
    }
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    command.arg(url);
    let output = command.output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        !text.contains("Non-2xx") || headers.iter().any(|h| h.starts_with("If-None-Match")),
        "wrk saw errors: {text}"
    );
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk output: {text}"))
}

fn pin_current_thread_to_core(core: usize) {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes within it; sched_setaffinity reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// One serve measurement: our URL and headers (and wrk script) against nginx's.
struct ServeCase<'a> {
    label: &'a str,
    ours_url: String,
    ours_headers: Vec<&'a str>,
    ours_script: Option<&'a std::path::Path>,
    theirs_url: String,
    theirs_headers: Vec<&'a str>,
}

impl<'a> ServeCase<'a> {
    fn new(
        label: &'a str,
        ours_url: String,
        ours_headers: Vec<&'a str>,
        ours_script: Option<&'a std::path::Path>,
        theirs_url: String,
        theirs_headers: Vec<&'a str>,
    ) -> ServeCase<'a> {
        ServeCase {
            label,
            ours_url,
            ours_headers,
            ours_script,
            theirs_url,
            theirs_headers,
        }
    }
}

/// The daemon of the serve scenario: one source's 50 items stored, polling on demand only.
fn start_serve_daemon(
    dir: &std::path::Path,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<(app::Daemon, std::net::SocketAddr)> {
    let config_path = dir.join("serve.toml");
    std::fs::write(
        &config_path,
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"serve.db\"\n[[source]]\nid = \"sx\"\nurl = \"http://127.0.0.1:9/sx.xml\"\nregion = \"shanxi\"\n",
    )?;
    let config = regionfeed::config::load(&config_path)?;
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
    runtime.block_on(async {
        let store = Store::open(&dir.join("serve.db"))?;
        let parsed = parse_feed(&synthetic_feed(0, 50, 3), None, &options(now))?;
        let items = items_to_store(parsed.items, "sx", &["shanxi"], true);
        store
            .record_success(PollSuccess {
                source_id: "sx".into(),
                now,
                status: 200,
                etag: None,
                last_modified: None,
                body_hash: None,
                feed_title: Some("山西".into()),
                feed_link: None,
                moved_to: None,
                items,
            })
            .await?;
        drop(store);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let daemon = app::start(config, listener, Polling::OnDemand).await?;
        anyhow::Ok((daemon, address))
    })
}

/// nginx serving `root` (identity and precompressed gzip) on core 0; returns the process and its port.
fn start_nginx(
    dir: &std::path::Path,
    root: &std::path::Path,
) -> anyhow::Result<(std::process::Child, u16)> {
    let nginx_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.port()
    };
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(prefix.join("logs"))?;
    std::fs::write(
        prefix.join("nginx.conf"),
        format!(
            "worker_processes 1;\ndaemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n\
             events {{ worker_connections 1024; }}\nhttp {{\n access_log off;\n \
             client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi;\n \
             uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;\n \
             server {{\n  listen 127.0.0.1:{nginx_port};\n  root {root};\n  gzip_static on;\n  \
             types {{ application/rss+xml xml; }}\n }}\n}}\n",
            prefix = prefix.display(),
            root = root.display()
        ),
    )?;
    let nginx = Command::new("taskset")
        .args(["-c", "0", "nginx", "-p"])
        .arg(&prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    Ok((nginx, nginx_port))
}

/// Where the serve scenario's two servers answer, and the validators of their feed.
struct ServeUrls {
    address: String,
    feed_url: String,
    nginx_url: String,
    etag: String,
    nginx_etag: String,
}

/// wrk against regionfeed and nginx, case by case, printing each ratio.
fn compare_serve_cases(dir: &std::path::Path, urls: &ServeUrls) -> anyhow::Result<()> {
    let script = dir.join("uncached.lua");
    std::fs::write(
        &script,
        "counter = 0\nrequest = function()\n  counter = counter + 1\n  return wrk.format(nil, \"/feeds/shanxi.xml?filter_title=%E6%96%B0&since=\" .. counter)\nend\n",
    )?;
    let gzip = "Accept-Encoding: gzip";
    let ours_inm = format!("If-None-Match: {}", urls.etag);
    let nginx_inm = format!("If-None-Match: {}", urls.nginx_etag);
    let cases: Vec<ServeCase> = vec![
        ServeCase::new(
            "cached feed, identity",
            urls.feed_url.clone(),
            vec![],
            None,
            urls.nginx_url.clone(),
            vec![],
        ),
        ServeCase::new(
            "cached feed, gzip",
            urls.feed_url.clone(),
            vec![gzip],
            None,
            urls.nginx_url.clone(),
            vec![gzip],
        ),
        ServeCase::new(
            "304 answers",
            urls.feed_url.clone(),
            vec![&ours_inm],
            None,
            urls.nginx_url.clone(),
            vec![&nginx_inm],
        ),
        ServeCase::new(
            "304 vs nginx 200 gzip",
            urls.feed_url.clone(),
            vec![&ours_inm],
            None,
            urls.nginx_url.clone(),
            vec![gzip],
        ),
        ServeCase::new(
            "uncached filtered query vs nginx identity",
            format!("http://{}", urls.address),
            vec![],
            Some(script.as_path()),
            urls.nginx_url.clone(),
            vec![],
        ),
    ];
    for ServeCase {
        label,
        ours_url,
        ours_headers,
        ours_script,
        theirs_url,
        theirs_headers,
    } in cases
    {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..runs() {
            ours.push(wrk(
                &ours_url,
                &ours_headers,
                ours_script,
                size(3, 1) as u32,
            )?);
            theirs.push(wrk(&theirs_url, &theirs_headers, None, size(3, 1) as u32)?);
        }
        let (ours_median, ours_min, ours_max) = summary(&mut ours);
        let (theirs_median, theirs_min, theirs_max) = summary(&mut theirs);
        println!(
            "  {label:<42} regionfeed {ours_median:>8.0} req/s ({ours_min:.0}–{ours_max:.0})  nginx {theirs_median:>8.0} req/s ({theirs_min:.0}–{theirs_max:.0})  ratio {:.2}×",
            ours_median / theirs_median
        );
    }
    anyhow::Ok(())
}

fn serve_scenario() -> anyhow::Result<()> {
    println!(
        "== serve: a 50-item region feed; regionfeed and nginx each pinned to core 0, wrk (1 thread, 32 connections) on core 1, {} runs of {} s",
        runs(),
        size(3, 1)
    );
    if !(command_exists("nginx") && command_exists("wrk") && command_exists("taskset")) {
        println!(
            "  skipped: needs nginx, wrk and taskset (apt-get install nginx-light wrk util-linux; bench/run.sh does it)"
        );
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    // Threads created from here on (the runtime's workers and blocking pool) inherit core 0.
    pin_current_thread_to_core(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (daemon, address) = start_serve_daemon(dir.path(), &runtime)?;
    let feed_url = format!("http://{address}/feeds/shanxi.xml");

    // The same bytes for nginx: identity and precompressed gzip.
    let (identity, etag) = runtime.block_on(async {
        let client = reqwest::Client::builder().no_gzip().build()?;
        let response = client.get(&feed_url).send().await?;
        let etag = response.headers()["etag"].to_str()?.to_string();
        anyhow::Ok((response.bytes().await?, etag))
    })?;
    let root = dir.path().join("www");
    std::fs::create_dir_all(root.join("feeds"))?;
    std::fs::write(root.join("feeds/shanxi.xml"), &identity)?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(&identity)?;
    std::fs::write(root.join("feeds/shanxi.xml.gz"), encoder.finish()?)?;
    println!("  feed: {} bytes identity", identity.len());
    let (mut nginx, nginx_port) = start_nginx(dir.path(), &root)?;
    std::thread::sleep(Duration::from_millis(500));
    let nginx_url = format!("http://127.0.0.1:{nginx_port}/feeds/shanxi.xml");
    let nginx_etag = runtime.block_on(async {
        let response = reqwest::Client::builder()
            .no_gzip()
            .build()?
            .get(&nginx_url)
            .send()
            .await?;
        anyhow::ensure!(
            response.status() == 200,
            "nginx answered {}",
            response.status()
        );
        anyhow::Ok(response.headers()["etag"].to_str()?.to_string())
    });
    let result = nginx_etag.and_then(|nginx_etag| {
        let urls = ServeUrls {
            address: address.to_string(),
            feed_url: feed_url.clone(),
            nginx_url: nginx_url.clone(),
            etag: etag.clone(),
            nginx_etag,
        };
        compare_serve_cases(dir.path(), &urls)
    });
    // SIGTERM lets the nginx master stop its worker; SIGKILL would orphan it.
    let _ = Command::new("kill")
        .args(["-TERM", &nginx.id().to_string()])
        .status();
    let _ = nginx.wait();
    let (hits, renders) = daemon.render_counts();
    println!(
        "  render cache: {hits} hits, {renders} renders; peak RSS (harness + server): {:.1} MiB",
        peak_rss_mib()
    );
    runtime.block_on(daemon.shutdown(Duration::from_secs(5)))?;
    result
}

// ---------------------------------------------------------------------------------------------------
// The feed server (child process)

struct Feeds {
    bodies: Vec<Vec<u8>>,
}

fn serve_feeds(n_feeds: usize, n_items: usize) -> anyhow::Result<()> {
    let bodies = (0..n_feeds)
        .map(|i| synthetic_feed(i, n_items, 11))
        .collect();
    let state = Arc::new(Feeds { bodies });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = axum::Router::new()
            .route("/feed/{file}", axum::routing::get(serve_feed))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        axum::serve(listener, app).await?;
        anyhow::Ok(())
    })
}

async fn serve_feed(
    State(feeds): State<Arc<Feeds>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(index) = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(body) = feeds.bodies.get(index) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"v{index}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        body.clone(),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------------
// Scenario 5: scale — the release binary started on a database of 10,000 sources and 1,000,000 items

/// Fills the scale database through the store, a poll's transaction per source (no parsing or
/// tagging: this measures what the daemon does with a big database, not ingest).
fn fill_scale_database(
    database: &std::path::Path,
    n_sources: usize,
    per_source: usize,
    now: DateTime<Utc>,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    use regionfeed::classify::identity::identify;
    use regionfeed::classify::tag::{Origin, RegionTag};
    use regionfeed::feed::parse::{DateSource, ParsedItem};
    use regionfeed::store::NewItem;
    let slugs = region_slugs();
    let store = Store::open(database)?;
    let mut rng = Rng(42);
    for source in 0..n_sources {
        let region = slugs[source % slugs.len()];
        let items: Vec<NewItem> = (0..per_source)
            .map(|n| {
                let mut summary = String::new();
                while summary.chars().count() < 150 {
                    summary.push_str(rng.pick(SENTENCES));
                }
                let item = ParsedItem {
                    guid: None,
                    link: Some(format!("https://s{source}.example.cn/{n}.shtml")),
                    title: format!("{}{}（{source}-{n}）", rng.pick(PLACES), rng.pick(SUBJECTS)),
                    summary: Some(summary),
                    content: None,
                    author: None,
                    // Spread over 60 days, newest first per source.
                    published: now
                        - chrono::Duration::minutes(((n * n_sources + source) % 86_400) as i64),
                    date_source: DateSource::Feed,
                };
                NewItem {
                    identity: identify(&format!("s{source}"), &item, false),
                    regions: vec![RegionTag {
                        region: region.to_string(),
                        origin: Origin::Source,
                        evidence: None,
                    }],
                    story: None,
                    item,
                }
            })
            .collect();
        runtime.block_on(store.record_success(PollSuccess {
            source_id: format!("s{source}"),
            now,
            status: 200,
            etag: None,
            last_modified: None,
            body_hash: None,
            // The title of the feed the sources will poll (below), so their polls change nothing.
            feed_title: Some("地方新闻 0".to_string()),
            feed_link: None,
            moved_to: None,
            items,
        }))?;
    }
    Ok(())
}

fn region_slugs() -> Vec<&'static str> {
    regionfeed::regions::REGIONS
        .iter()
        .map(|r| r.slug)
        .collect()
}

/// Baselines: raw SQLite opening the same file (seconds) and reading every region's 50 newest rows
/// (seconds per region).
fn raw_scale_baselines(
    database: &std::path::Path,
    total: usize,
    per_source: usize,
    n_sources: usize,
) -> anyhow::Result<(f64, Vec<f64>)> {
    let slugs = region_slugs();
    let raw_start = Instant::now();
    let raw = rusqlite::Connection::open(database)?;
    let count: i64 = raw.query_row("SELECT count(*) FROM items", [], |row| row.get(0))?;
    let raw_open = raw_start.elapsed().as_secs_f64();
    assert_eq!(count as usize, total);
    let mut raw_query = Vec::new();
    for slug in &slugs {
        let start = Instant::now();
        let mut statement = raw.prepare_cached(
            "SELECT i.title, i.summary, i.link, i.published FROM items i
             WHERE i.id IN (SELECT item_id FROM item_regions WHERE region = ?1)
             ORDER BY i.published DESC, i.id DESC LIMIT 50",
        )?;
        let rows: Vec<(String, Option<String>, Option<String>, i64)> = statement
            .query_map([slug], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        assert_eq!(rows.len(), 50.min(per_source * n_sources / slugs.len()));
        raw_query.push(start.elapsed().as_secs_f64());
    }
    Ok((raw_open, raw_query))
}

/// The scale config: every source polls an empty local feed, so polls store nothing and the render
/// cache stays warm while feeds are measured.
fn write_scale_config(
    dir: &std::path::Path,
    port: u16,
    n_sources: usize,
) -> anyhow::Result<std::path::PathBuf> {
    let slugs = region_slugs();
    let tiny = dir.join("tiny.xml");
    // An empty feed: polls during the measurement store nothing, so the render cache stays warm.
    std::fs::write(&tiny, synthetic_feed(0, 0, 1))?;
    let mut config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndatabase = \"scale.db\"\n\
         [poll]\nschedule = \"0 0 1 1 *\"\nstartup_spread_secs = 86400\n\
         [retention]\nkeep_days = 3650\nmax_per_region = 10000000\n[log]\nlevel = \"warn\"\n\n"
    );
    for source in 0..n_sources {
        config.push_str(&format!(
            "[[source]]\nid = \"s{source}\"\nurl = \"file://{}\"\nregion = \"{}\"\n\n",
            tiny.display(),
            slugs[source % slugs.len()]
        ));
    }
    let config_path = dir.join("scale.toml");
    std::fs::write(&config_path, config)?;
    Ok(config_path)
}

/// Every region's feed requested twice: (first request seconds, cached request seconds).
fn region_feed_seconds(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let slugs = region_slugs();
    let mut first = Vec::new();
    let mut cached = Vec::new();
    runtime.block_on(async {
        for round in 0..2 {
            for slug in &slugs {
                let start = Instant::now();
                let response = client
                    .get(format!("{base}/feeds/{slug}.xml"))
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "{slug}: {}",
                    response.status()
                );
                response.bytes().await?;
                let seconds = start.elapsed().as_secs_f64();
                if round == 0 {
                    first.push(seconds)
                } else {
                    cached.push(seconds)
                }
            }
        }
        anyhow::Ok(())
    })?;
    Ok((first, cached))
}

fn scale_scenario() -> anyhow::Result<()> {
    let n_sources = size(10_000, 500);
    let per_source = size(100, 40);
    let total = n_sources * per_source;
    println!(
        "== scale: {n_sources} sources, {total} items; the release binary started on that database"
    );
    let binary = release_binary()?;
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("scale.db");
    let runtime = tokio::runtime::Runtime::new()?;
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();

    let fill_start = Instant::now();
    fill_scale_database(&database, n_sources, per_source, now, &runtime)?;
    let fill = fill_start.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&database)?.len();
    println!(
        "  filled in {fill:.1} s ({:.0} items/s through the store); database {:.0} MiB",
        total as f64 / fill,
        bytes as f64 / 1_048_576.0
    );

    let (raw_open, mut raw_query) = raw_scale_baselines(&database, total, per_source, n_sources)?;

    // The daemon on that database: startup until /readyz answers 200, then every region's feed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config_path = write_scale_config(dir.path(), port, n_sources)?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let (mut child, startup) = start_release_daemon(&runtime, &binary, &config_path, &base)?;
    let result = (|| -> anyhow::Result<()> {
        let (mut first, mut cached) = region_feed_seconds(&runtime, &client, &base)?;
        let rss = process_memory_mib(child.id(), "VmHWM");
        println!(
            "  startup to /readyz 200: {:.0} ms    raw SQLite open + count(*): {:.1} ms    ratio {:.0}×    (goal ≤ 1 s)",
            startup * 1e3,
            raw_open * 1e3,
            startup / raw_open
        );
        let (first_median, first_min, first_max) = summary(&mut first);
        let (cached_median, _, _) = summary(&mut cached);
        let (raw_median, raw_min, raw_max) = summary(&mut raw_query);
        println!(
            "  region feed (50 items), first request: median {:.1} ms ({:.1}–{:.1}); cached: {:.2} ms",
            first_median * 1e3,
            first_min * 1e3,
            first_max * 1e3,
            cached_median * 1e3
        );
        println!(
            "  raw SQLite, the same 50 rows per region: median {:.2} ms ({:.2}–{:.2}); ratio (first request) {:.1}×",
            raw_median * 1e3,
            raw_min * 1e3,
            raw_max * 1e3,
            first_median / raw_median
        );
        println!("  daemon peak RSS (VmHWM): {rss:.1} MiB    (goal ≤ 64 MiB)");
        Ok(())
    })();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    result
}

// ---------------------------------------------------------------------------------------------------
// Scenario 6: soak — two release daemons polling feeds with a realistic mix of posting rates (one by
// `auto`, one every ten minutes) while readers ask the first for region feeds

/// What a stretch of steady feed requests saw.
#[derive(Default)]
struct LoadResult {
    /// Seconds per answered request (200 or 304).
    latencies: Vec<f64>,
    not_modified: usize,
    errors: Vec<String>,
}

impl LoadResult {
    fn percentile(&self, fraction: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        sorted
            .get(((sorted.len() as f64 * fraction) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// Requests region feeds at `rate` per second for `seconds`, open loop (a slow answer does not slow the
/// next request down): every region in turn, RSS/Atom/JSON in turn, every third request conditional on
/// the ETag last seen for its URL, as a feed reader sends it. `sample` is called about every 5 s.
async fn steady_feed_requests(
    base: &str,
    rate: u64,
    seconds: u64,
    mut sample: impl FnMut(f64),
) -> LoadResult {
    let slugs: Vec<&'static str> = regionfeed::regions::REGIONS
        .iter()
        .map(|r| r.slug)
        .collect();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let etags: Arc<std::sync::Mutex<std::collections::HashMap<String, String>>> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let started = Instant::now();
    let mut next_sample = 0.0;
    let mut n = 0usize;
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        let elapsed = started.elapsed().as_secs_f64();
        if elapsed >= next_sample {
            sample(elapsed);
            next_sample += 5.0;
        }
        let format = ["xml", "atom", "json"][(n / slugs.len()) % 3];
        let url = format!("{base}/feeds/{}.{format}", slugs[n % slugs.len()]);
        let conditional = n % 3 == 2;
        let (client, etags) = (client.clone(), etags.clone());
        tasks.spawn(async move {
            let mut request = client.get(&url).header("accept-encoding", "gzip");
            if conditional && let Some(etag) = etags.lock().unwrap().get(&url) {
                request = request.header("if-none-match", etag.clone());
            }
            let start = Instant::now();
            let answer = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    if let Some(etag) = response.headers().get("etag").and_then(|v| v.to_str().ok())
                    {
                        etags.lock().unwrap().insert(url.clone(), etag.to_string());
                    }
                    match response.bytes().await {
                        Ok(_) if status == 200 || status == 304 => Ok(status),
                        Ok(_) => Err(format!("{url}: HTTP {status}")),
                        Err(error) => Err(format!("{url}: {error}")),
                    }
                }
                Err(error) => Err(format!("{url}: {error}")),
            };
            (answer, start.elapsed().as_secs_f64())
        });
        n += 1;
    }
    let mut result = LoadResult::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((Ok(status), seconds)) => {
                result.latencies.push(seconds);
                result.not_modified += usize::from(status == 304);
            }
            Ok((Err(error), _)) => result.errors.push(error),
            Err(error) => result.errors.push(format!("request task: {error}")),
        }
    }
    result
}

/// Least-squares slope of `(seconds, MiB)` samples, in MiB per minute.
fn slope_mib_per_minute(samples: &[(f64, f64)]) -> f64 {
    let n = samples.len() as f64;
    let mean_x = samples.iter().map(|s| s.0).sum::<f64>() / n;
    let mean_y = samples.iter().map(|s| s.1).sum::<f64>() / n;
    let covariance: f64 = samples
        .iter()
        .map(|s| (s.0 - mean_x) * (s.1 - mean_y))
        .sum();
    let variance: f64 = samples.iter().map(|s| (s.0 - mean_x).powi(2)).sum();
    covariance / variance * 60.0
}

/// A soak config: every source on the one loopback feed server (which stands in for many news sites:
/// per-host limits off), under `/{arm}/`, polled by `poll` (the `[poll]` table's schedule lines).
fn soak_config(port: u16, poll: &str, n_sources: usize, feeds: &str, arm: &str) -> String {
    let slugs = region_slugs();
    let mut config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndatabase = \"soak-{arm}.db\"\n\
         [poll]\n{poll}\nhost_concurrency = 16\nhost_spacing_ms = 0\n\
         [log]\nlevel = \"warn\"\n\n"
    );
    for source in 0..n_sources {
        config.push_str(&format!(
            "[[source]]\nid = \"s{source}\"\nurl = \"http://{feeds}/{arm}/feed/{source}.xml\"\nregion = \"{}\"\n\n",
            slugs[source % slugs.len()]
        ));
    }
    config
}

/// Polls by outcome and new items, from the daemon's metrics text.
fn print_poll_outcomes(metrics: &str) {
    let mut polls: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("regionfeed_polls_total{"))
    {
        let outcome = line
            .split("outcome=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("?");
        let value: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        *polls.entry(outcome.to_string()).or_default() += value;
    }
    let new_items = metrics
        .lines()
        .find(|l| l.starts_with("regionfeed_items_total{kind=\"new\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or("?");
    println!(
        "  polls by outcome: {}; new items stored: {new_items}",
        polls
            .iter()
            .map(|(outcome, n)| format!("{outcome} {n:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// Requests, errors and latency of the soak against the idle baseline.
fn print_soak_latencies(soak: &LoadResult, idle: &LoadResult) {
    for (label, load) in [("soak (polling)", soak), ("baseline (idle)", idle)] {
        println!(
            "  {label:<16} {} requests answered ({} were 304), {} errors; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            load.latencies.len(),
            load.not_modified,
            load.errors.len(),
            load.percentile(0.5) * 1e3,
            load.percentile(0.99) * 1e3,
            load.percentile(1.0) * 1e3
        );
        for error in load.errors.iter().take(5) {
            println!("    error: {error}");
        }
    }
    println!(
        "  ratio p99 soak ÷ idle: {:.2}×",
        soak.percentile(0.99) / idle.percentile(0.99)
    );
}

/// Memory after the first poll cycle (warm-up) against the end, and the trend in between.
fn print_soak_memory(memory: &[(f64, f64)], period: u64, seconds: u64) {
    let warm: Vec<(f64, f64)> = memory
        .iter()
        .copied()
        .filter(|(at, _)| *at >= (period as f64 + 10.0).min(seconds as f64 / 2.0))
        .collect();
    println!(
        "  daemon RSS: {:.1} MiB at start, {:.1} MiB after the first cycle, {:.1} MiB at the end, peak {:.1} MiB; trend after warm-up {:+.2} MiB/min over {} samples",
        memory.first().map_or(f64::NAN, |m| m.1),
        warm.first().map_or(f64::NAN, |m| m.1),
        memory.last().map_or(f64::NAN, |m| m.1),
        memory.iter().map(|m| m.1).fold(0.0, f64::max),
        if warm.len() > 2 {
            slope_mib_per_minute(&warm)
        } else {
            f64::NAN
        },
        warm.len()
    );
    println!(
        "  RSS samples (s, MiB): {}",
        memory
            .iter()
            .map(|(at, mib)| format!("{at:.0}:{mib:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// The `[poll]` lines of the two daemons, every interval divided by the feeds' time scale: `auto`
/// between 5 minutes and 24 hours, and a fixed `*/10 * * * *`, in virtual time.
fn paced_schedules() -> (String, String) {
    let scaled = |seconds: f64| (seconds / paced_feeds::TIME_SCALE).round().max(1.0);
    let auto = format!(
        "schedule = \"auto\"\nmin_interval_secs = {}\nmax_interval_secs = {}",
        scaled(300.0),
        scaled(86_400.0)
    );
    let fixed = format!("schedule = \"*/{} * * * * *\"", scaled(600.0));
    (auto, fixed)
}

/// Starts the paced feed server in a child process; its address.
fn start_paced_feeds(
    n_sources: usize,
    seconds: u64,
) -> anyhow::Result<(std::process::Child, String)> {
    let mut server = Command::new(std::env::current_exe()?)
        .args([
            "serve-paced-feeds",
            &n_sources.to_string(),
            "18",
            &seconds.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped")).read_line(&mut line)?;
    Ok((server, line.trim().to_string()))
}

/// What the soak measured.
struct SoakResult {
    soak: LoadResult,
    idle: LoadResult,
    memory: Vec<(f64, f64)>,
    metrics: [String; 2],
    feeds: [paced_feeds::ArmStats; 2],
}

/// Where the soak's two daemons listen and read their configs.
struct SoakSetup {
    auto_path: std::path::PathBuf,
    auto_base: String,
    fixed_path: std::path::PathBuf,
    fixed_base: String,
    /// The auto daemon's config with other `[poll]` schedule lines (the idle baseline's).
    auto_config: Box<dyn Fn(&str) -> String>,
}

/// Writes both daemons' configs into `dir`.
fn write_soak_configs(
    dir: &std::path::Path,
    n_sources: usize,
    feeds_address: &str,
) -> anyhow::Result<SoakSetup> {
    let port = || -> anyhow::Result<u16> {
        Ok(std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port())
    };
    let (auto_poll, fixed_poll) = paced_schedules();
    let (auto_port, fixed_port) = (port()?, port()?);
    let feeds = feeds_address.to_string();
    let auto_config: Box<dyn Fn(&str) -> String> =
        Box::new(move |poll| soak_config(auto_port, poll, n_sources, &feeds, "auto"));
    let setup = SoakSetup {
        auto_path: dir.join("auto.toml"),
        auto_base: format!("http://127.0.0.1:{auto_port}"),
        fixed_path: dir.join("fixed.toml"),
        fixed_base: format!("http://127.0.0.1:{fixed_port}"),
        auto_config,
    };
    std::fs::write(&setup.auto_path, (setup.auto_config)(&auto_poll))?;
    std::fs::write(
        &setup.fixed_path,
        soak_config(fixed_port, &fixed_poll, n_sources, feeds_address, "fixed"),
    )?;
    Ok(setup)
}

/// Readers on the auto daemon (`pid`) for `seconds` while both daemons poll; then the feed server's
/// counts, both daemons' metrics, and the idle baseline after a reload that stops polling.
async fn measure_soak(
    setup: &SoakSetup,
    feeds_address: &str,
    pid: u32,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<SoakResult> {
    let client = reqwest::Client::new();
    let mut memory: Vec<(f64, f64)> = Vec::new();
    let soak = steady_feed_requests(&setup.auto_base, rate, seconds, |at| {
        memory.push((at, process_memory_mib(pid, "VmRSS")));
    })
    .await;
    memory.push((seconds as f64, process_memory_mib(pid, "VmRSS")));
    let stats = client
        .get(format!("http://{feeds_address}/stats"))
        .send()
        .await?
        .text()
        .await?;
    let feeds: [paced_feeds::ArmStats; 2] = serde_json::from_str(&stats)?;
    let mut metrics = [String::new(), String::new()];
    for (text, base) in metrics
        .iter_mut()
        .zip([&setup.auto_base, &setup.fixed_base])
    {
        *text = client
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
    }
    // Baseline, same daemon and data: polling switched off by a reload, the same requests.
    std::fs::write(
        &setup.auto_path,
        (setup.auto_config)("schedule = \"0 0 1 1 *\""),
    )?;
    Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = steady_feed_requests(&setup.auto_base, rate, size(30, 5) as u64, |_| {}).await;
    Ok(SoakResult {
        soak,
        idle,
        memory,
        metrics,
        feeds,
    })
}

fn soak_scenario() -> anyhow::Result<()> {
    let n_sources = size(300, 40);
    let seconds: u64 = std::env::var("BENCH_SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(size(300, 20) as u64);
    let rate = size(20, 10) as u64;
    let virtual_hours = seconds as f64 * paced_feeds::TIME_SCALE / 3600.0;
    println!(
        "== soak: two release daemons polling {n_sources} feeds (70% quiet, 20% medium, 10% busy) on a clock {}× faster: {seconds} s = {virtual_hours:.0} virtual hours; one `auto`, one every 10 virtual minutes; {rate} region-feed requests/s to the auto daemon",
        paced_feeds::TIME_SCALE
    );
    let binary = release_binary()?;
    let (mut server, feeds_address) = start_paced_feeds(n_sources, seconds)?;
    let dir = tempfile::tempdir()?;
    let setup = write_soak_configs(dir.path(), n_sources, &feeds_address)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let (mut daemon, _) =
        start_release_daemon(&runtime, &binary, &setup.auto_path, &setup.auto_base)?;
    let (mut fixed, _) =
        start_release_daemon(&runtime, &binary, &setup.fixed_path, &setup.fixed_base)?;
    let result = runtime.block_on(measure_soak(
        &setup,
        &feeds_address,
        daemon.id(),
        rate,
        seconds,
    ));
    for child in [&daemon, &fixed] {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    let exits = [daemon.wait()?, fixed.wait()?];
    let _ = server.kill();
    let _ = server.wait();
    let result = result?;
    print_pace_comparison(&result.feeds, &result.metrics);
    print_soak_latencies(&result.soak, &result.idle);
    print_soak_memory(&result.memory, 60, seconds);
    anyhow::ensure!(
        exits.iter().all(|exit| exit.success()),
        "a daemon exited with {exits:?}"
    );
    anyhow::ensure!(
        result.soak.errors.is_empty() && result.idle.errors.is_empty(),
        "requests failed during the soak"
    );
    Ok(())
}

/// Requests and missed items of `auto` against the fixed schedule, by class of source, from the feed
/// server's counts; polls and new items from each daemon's metrics.
fn print_pace_comparison(feeds: &[paced_feeds::ArmStats; 2], metrics: &[String; 2]) {
    for (label, arm, metrics) in [
        ("auto", &feeds[0], &metrics[0]),
        ("*/10", &feeds[1], &metrics[1]),
    ] {
        let (requests, published, missed) = arm.totals();
        println!(
            "  {label:<5} {requests} requests ({} answered 304), {published} items published, {missed} missed; delay from publication to fetch p50 {:.0} / p90 {:.0} virtual min",
            arm.not_modified,
            arm.delay_minutes_p50.unwrap_or(f64::NAN),
            arm.delay_minutes_p90.unwrap_or(f64::NAN),
        );
        for class in &arm.classes {
            println!(
                "        {:<6} {:>3} sources: {:>6} requests, {:>5} published, {:>3} missed",
                class.class, class.sources, class.requests, class.published, class.missed
            );
        }
        print!("       ");
        print_poll_outcomes(metrics);
    }
    let (auto, fixed) = (feeds[0].totals().0, feeds[1].totals().0);
    println!(
        "  requests auto ÷ */10: {:.3} ({:.1}× fewer)",
        auto as f64 / fixed as f64,
        fixed as f64 / auto.max(1) as f64
    );
}

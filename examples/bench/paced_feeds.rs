//! The soak's feeds: a realistic mix of posting rates (most sources quiet, a few busy, busier by day than
//! by night) on a compressed clock, served to two daemons at once under `/auto/…` and `/fixed/…`, each
//! answer counted: requests, 304s, items delivered, and items that fell out of a feed's window before
//! that daemon fetched them (missed for good). `GET /stats` reports it all as JSON.
//!
//! Time runs [`TIME_SCALE`] times faster for the feeds than for the daemons: a daemon configured with
//! every interval divided by the same factor behaves, in a five-minute run, as over a day.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{PLACES, Rng, SENTENCES, SUBJECTS};

/// Virtual seconds per real second: five real minutes are 25 virtual hours.
pub const TIME_SCALE: f64 = 300.0;
const DAY: f64 = 86_400.0;
/// Virtual history before the start, so every feed starts with a full window.
const HISTORY_DAYS: f64 = 30.0;

/// How a source posts.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// `quiet`, `medium` or `busy`.
    pub class: &'static str,
    /// Items per (virtual) day, on average.
    pub per_day: f64,
    /// Items the feed shows.
    pub window: usize,
}

/// The mix of `n` sources, seeded: 70% quiet (0.2–3 items a day, 10–20 shown: county portals), 20%
/// medium (5–40 a day, 20–40 shown: provincial sites), 10% busy (80–300 a day, 30–60 shown: chinanews'
/// scroll feed posts ~200 a day and shows 30).
pub fn mix(n: usize, seed: u64) -> Vec<Profile> {
    let mut rng = Rng(seed | 1);
    let mut uniform = move || (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    (0..n)
        .map(|index| {
            let (class, low, high, windows) = match index % 10 {
                0 => ("busy", 80.0, 300.0, (30, 60)),
                1 | 2 => ("medium", 5.0, 40.0, (20, 40)),
                _ => ("quiet", 0.2, 3.0, (10, 20)),
            };
            // Log-uniform between the bounds.
            let per_day = f64::exp(f64::ln(low) + uniform() * (f64::ln(high) - f64::ln(low)));
            let window = windows.0 + (uniform() * (windows.1 - windows.0) as f64) as usize;
            Profile {
                class,
                per_day,
                window,
            }
        })
        .collect()
}

/// Publication times (virtual seconds from the start, ascending) of a source posting at `per_day` on
/// average, busiest at 14:00 and quietest at 02:00 Beijing time, from the history up to `until`.
pub fn arrivals(profile: Profile, seed: u64, start_hour_utc: f64, until: f64) -> Vec<f64> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut uniform = move || ((rng.next() % 1_000_000) as f64 + 0.5) / 1_000_000.0;
    let peak = profile.per_day * 1.7 / DAY;
    let mut at = -HISTORY_DAYS * DAY;
    let mut times = Vec::new();
    while at < until {
        // Thinning: candidates at the peak rate, kept in proportion to the rate of their hour.
        at += -uniform().ln() / peak;
        let beijing_hour = (start_hour_utc + 8.0 + at / 3600.0).rem_euclid(24.0);
        let rhythm = 1.0 + 0.7 * (std::f64::consts::TAU * (beijing_hour - 14.0) / 24.0).cos();
        if uniform() * 1.7 < rhythm {
            times.push(at);
        }
    }
    times.pop();
    times
}

/// One daemon's side of the run.
#[derive(Default)]
struct Arm {
    /// Per source: how many of its items this daemon has been shown.
    covered: Vec<usize>,
    requests: Vec<u64>,
    not_modified: u64,
    delivered: u64,
    missed: Vec<u64>,
    /// Virtual minutes from publication to the first fetch that showed the item (items published after
    /// the start).
    delays: Vec<f64>,
}

/// The feeds and what each daemon got from them.
pub struct PacedFeeds {
    started: Instant,
    start_unix: f64,
    profiles: Vec<Profile>,
    times: Vec<Vec<f64>>,
    arms: Mutex<[Arm; 2]>,
}

impl PacedFeeds {
    /// `n` sources with times generated for `run_seconds` of real time (and a margin).
    pub fn new(n: usize, seed: u64, run_seconds: f64) -> PacedFeeds {
        let now = chrono::Utc::now();
        let start_unix = now.timestamp_millis() as f64 / 1000.0;
        let start_hour = (start_unix / 3600.0).rem_euclid(24.0);
        let profiles = mix(n, seed);
        let until = (run_seconds + 600.0) * TIME_SCALE;
        let times: Vec<Vec<f64>> = profiles
            .iter()
            .enumerate()
            .map(|(index, profile)| arrivals(*profile, seed + index as u64, start_hour, until))
            .collect();
        let arm = || {
            let mut arm = Arm::default();
            for (profile, times) in profiles.iter().zip(&times) {
                let visible = times.partition_point(|t| *t <= 0.0);
                arm.covered.push(visible.saturating_sub(profile.window));
            }
            arm.requests = vec![0; profiles.len()];
            arm.missed = vec![0; profiles.len()];
            arm
        };
        let arms = Mutex::new([arm(), arm()]);
        PacedFeeds {
            started: Instant::now(),
            start_unix,
            profiles,
            times,
            arms,
        }
    }

    fn virtual_now(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * TIME_SCALE
    }

    /// Source `index`'s feed for daemon `arm` (0 auto, 1 fixed), or 304 to its own ETag.
    fn answer(&self, arm: usize, index: usize, if_none_match: Option<&str>) -> Response {
        let now = self.virtual_now();
        let profile = self.profiles[index];
        let times = &self.times[index];
        let published = times.partition_point(|t| *t <= now);
        let first = published.saturating_sub(profile.window);
        let etag = format!("\"{index}-{published}\"");
        {
            let mut arms = self.arms.lock().unwrap();
            let arm = &mut arms[arm];
            arm.requests[index] += 1;
            if if_none_match == Some(etag.as_str()) {
                arm.not_modified += 1;
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            let covered = arm.covered[index];
            if first > covered {
                arm.missed[index] += (first - covered) as u64;
            }
            for at in &times[covered.max(first)..published] {
                arm.delivered += 1;
                if *at > 0.0 {
                    arm.delays.push((now - at) / 60.0);
                }
            }
            arm.covered[index] = covered.max(published);
        }
        let body = self.feed_body(index, first, published);
        (
            [
                (
                    header::CONTENT_TYPE,
                    "application/rss+xml; charset=utf-8".to_string(),
                ),
                (header::ETAG, etag),
            ],
            body,
        )
            .into_response()
    }

    /// RSS with items `first..published` of source `index`, newest first; dates in real time (+08:00).
    fn feed_body(&self, index: usize, first: usize, published: usize) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>地方新闻 {index}</title><link>https://news{index}.example.cn/</link><description>基准测试</description>\n"
        );
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00");
        for item in (first..published).rev() {
            let mut rng = Rng(((index as u64) << 32 | item as u64).wrapping_mul(2_654_435_761) | 1);
            let (place, subject) = (rng.pick(PLACES), rng.pick(SUBJECTS));
            let description = format!("{}{}", rng.pick(SENTENCES), rng.pick(SENTENCES));
            let real = self.start_unix + self.times[index][item] / TIME_SCALE;
            let date = chrono::DateTime::from_timestamp(real as i64, 0)
                .unwrap_or_default()
                .with_timezone(&beijing)
                .to_rfc2822();
            xml.push_str(&format!(
                "<item><title>{place}{subject}（{index}-{item}）</title><link>https://news{index}.example.cn/{item}.shtml</link><description>中新网{place}电 {description}</description><pubDate>{date}</pubDate></item>\n"
            ));
        }
        xml.push_str("</channel></rss>\n");
        xml
    }

    /// What each daemon got so far; items already out of a window and never shown count as missed.
    fn stats(&self) -> [ArmStats; 2] {
        let now = self.virtual_now();
        let arms = self.arms.lock().unwrap();
        let arm_stats = |arm: &Arm| {
            let mut stats = ArmStats::default();
            for (index, profile) in self.profiles.iter().enumerate() {
                let published = self.times[index].partition_point(|t| *t <= now);
                let gone = published
                    .saturating_sub(profile.window)
                    .saturating_sub(arm.covered[index]) as u64;
                let missed = arm.missed[index] + gone;
                let class = stats.class(profile.class);
                class.sources += 1;
                class.requests += arm.requests[index];
                class.missed += missed;
                class.published += self.times[index][..published]
                    .iter()
                    .filter(|t| **t > 0.0)
                    .count() as u64;
            }
            let mut delays = arm.delays.clone();
            delays.sort_by(f64::total_cmp);
            let at = |q: f64| {
                delays
                    .get(((delays.len() as f64 * q) as usize).min(delays.len().saturating_sub(1)))
                    .copied()
            };
            stats.not_modified = arm.not_modified;
            stats.delivered = arm.delivered;
            stats.delay_minutes_p50 = at(0.5);
            stats.delay_minutes_p90 = at(0.9);
            stats
        };
        [arm_stats(&arms[0]), arm_stats(&arms[1])]
    }
}

/// One daemon's figures.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub struct ArmStats {
    /// By class (`quiet`, `medium`, `busy`): sources, requests, items published since the start,
    /// items missed.
    pub classes: Vec<ClassStats>,
    /// 304 answers.
    pub not_modified: u64,
    /// Items shown to the daemon for the first time (the starting windows included).
    pub delivered: u64,
    /// Virtual minutes from publication to first fetch: median and 90th percentile.
    pub delay_minutes_p50: Option<f64>,
    /// See `delay_minutes_p50`.
    pub delay_minutes_p90: Option<f64>,
}

/// One class of sources.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub struct ClassStats {
    /// `quiet`, `medium` or `busy`.
    pub class: String,
    /// Sources in it.
    pub sources: u64,
    /// Requests they got.
    pub requests: u64,
    /// Items they published since the start.
    pub published: u64,
    /// Items that left their window unfetched.
    pub missed: u64,
}

impl ArmStats {
    fn class(&mut self, name: &str) -> &mut ClassStats {
        if let Some(at) = self.classes.iter().position(|c| c.class == name) {
            return &mut self.classes[at];
        }
        self.classes.push(ClassStats {
            class: name.to_string(),
            ..ClassStats::default()
        });
        self.classes.last_mut().expect("just pushed")
    }

    /// Totals over the classes: (requests, published, missed).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.classes.iter().fold((0, 0, 0), |(r, p, m), c| {
            (r + c.requests, p + c.published, m + c.missed)
        })
    }
}

/// Serves the paced feeds on 127.0.0.1 (address printed on stdout) until killed.
pub fn serve(n_feeds: usize, seed: u64, run_seconds: f64) -> anyhow::Result<()> {
    let feeds = Arc::new(PacedFeeds::new(n_feeds, seed, run_seconds));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = axum::Router::new()
            .route(
                "/{arm}/feed/{file}",
                axum::routing::get(
                    |State(feeds): State<Arc<PacedFeeds>>,
                     Path((arm, file)): Path<(String, String)>,
                     headers: HeaderMap| async move {
                        let arm = match arm.as_str() {
                            "auto" => 0,
                            "fixed" => 1,
                            _ => return StatusCode::NOT_FOUND.into_response(),
                        };
                        let Some(index) = file
                            .strip_suffix(".xml")
                            .and_then(|n| n.parse::<usize>().ok())
                            .filter(|index| *index < feeds.profiles.len())
                        else {
                            return StatusCode::NOT_FOUND.into_response();
                        };
                        let if_none_match = headers
                            .get(header::IF_NONE_MATCH)
                            .and_then(|v| v.to_str().ok());
                        feeds.answer(arm, index, if_none_match)
                    },
                ),
            )
            .route(
                "/stats",
                axum::routing::get(|State(feeds): State<Arc<PacedFeeds>>| async move {
                    axum::Json(feeds.stats())
                }),
            )
            .with_state(feeds);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        std::io::Write::flush(&mut std::io::stdout())?;
        axum::serve(listener, app).await?;
        anyhow::Ok(())
    })
}

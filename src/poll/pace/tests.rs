//! The interval rule on tokio's paused clock: simulated feeds (items published at set times, a window of
//! the newest, upstream hints) polled by the real scheduler loop for simulated days. Each test says how
//! often the source was asked; the busy, quiet, burst and silent ones also that no item fell out of its
//! window unseen.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::*;
use crate::config::{Schedule, SourceConfig};
use crate::poll::report::{PollFailureInfo, PollOutcome, PollReport};
use crate::poll::scheduler::{PollNow, Poller, ResumeState, spawn_source_loops};
use crate::store::IngestSummary;

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// A simulated feed: when its items are published (seconds from the test's start; earlier ones are
/// negative), how many the feed shows, what it says upstream.
#[derive(Clone, Default)]
struct Feed {
    posts: Vec<i64>,
    window: usize,
    hints: FeedHints,
    freshness: Freshness,
    /// Items carry no dates of their own.
    undated: bool,
    /// Polls in this stretch fail (HTTP 503).
    failing: Option<Range<i64>>,
}

/// An item every `step` seconds from `from` up to (not including) `to`.
fn every(step: i64, from: i64, to: i64) -> Vec<i64> {
    (0..)
        .map(|n| from + n * step)
        .take_while(|t| *t < to)
        .collect()
}

impl Feed {
    fn new(posts: Vec<i64>, window: usize) -> Feed {
        let mut posts = posts;
        posts.sort_unstable();
        Feed {
            posts,
            window,
            ..Feed::default()
        }
    }
}

/// What the simulation saw: poll times (seconds from start), items fallen out of the window unseen, and
/// every plan the scheduler remembered.
#[derive(Default)]
struct Record {
    polls: Vec<i64>,
    seen: usize,
    missed: usize,
    failures: u32,
    plans: Vec<(DateTime<Utc>, PaceState)>,
}

/// The simulated feed as a [`Poller`]: answers each poll as the ingestor would, with an observation.
struct Sim {
    feed: Feed,
    started: tokio::time::Instant,
    resume: ResumeState,
    record: Mutex<Record>,
}

impl Sim {
    fn now(&self) -> i64 {
        (tokio::time::Instant::now() - self.started).as_secs() as i64
    }

    fn polls(&self) -> Vec<i64> {
        self.record.lock().unwrap().polls.clone()
    }

    fn gaps(&self) -> Vec<i64> {
        self.polls().windows(2).map(|w| w[1] - w[0]).collect()
    }

    fn missed(&self) -> usize {
        self.record.lock().unwrap().missed
    }

    fn last_plan(&self) -> (DateTime<Utc>, PaceState) {
        self.record.lock().unwrap().plans.last().cloned().unwrap()
    }

    /// When the scheduler planned each next poll, on its own clock.
    fn planned(&self) -> Vec<DateTime<Utc>> {
        let record = self.record.lock().unwrap();
        record.plans.iter().map(|(due, _)| *due).collect()
    }

    fn observe(&self, now: i64) -> PaceObservation {
        let feed = &self.feed;
        let mut record = self.record.lock().unwrap();
        let published = feed.posts.partition_point(|post| *post <= now);
        let first_shown = published.saturating_sub(feed.window);
        record.missed += first_shown.saturating_sub(record.seen);
        let new = record.seen.max(first_shown)..published;
        record.seen = published;
        let age = |post: &i64| Duration::from_secs((now - post).max(0) as u64);
        let (new_item_ages, window_ages) = if feed.undated {
            (vec![Duration::ZERO; new.len()], Vec::new())
        } else {
            (
                feed.posts[new].iter().map(age).collect(),
                feed.posts[first_shown..published].iter().map(age).collect(),
            )
        };
        PaceObservation {
            new_item_ages,
            window_ages,
            window: Some(published - first_shown),
            hints: Some(feed.hints),
            freshness: feed.freshness,
        }
    }
}

impl Poller for Sim {
    async fn poll(&self, source: &SourceConfig) -> PollReport {
        let now = self.now();
        self.record.lock().unwrap().polls.push(now);
        let failing = self.feed.failing.as_ref().is_some_and(|f| f.contains(&now));
        let (outcome, observation, failures) = if failing {
            let failure = PollFailureInfo {
                class: "http-5xx".into(),
                message: "HTTP 503".into(),
                retry_after: None,
            };
            let mut record = self.record.lock().unwrap();
            record.failures += 1;
            (PollOutcome::Failed(failure), None, record.failures)
        } else {
            self.record.lock().unwrap().failures = 0;
            let observation = self.observe(now);
            (
                PollOutcome::Stored(IngestSummary::default()),
                Some(observation),
                0,
            )
        };
        PollReport {
            source_id: source.id.clone(),
            outcome,
            consecutive_failures: failures,
            observation,
        }
    }

    async fn resume_state(&self, _source: &SourceConfig) -> ResumeState {
        self.resume.clone()
    }

    async fn remember(&self, _source_id: &str, next_due: DateTime<Utc>, pace: &PaceState) {
        let mut record = self.record.lock().unwrap();
        record.plans.push((next_due, pace.clone()));
    }
}

const BOUNDS: PaceBounds = PaceBounds {
    min_interval: Duration::from_secs(300),
    max_interval: Duration::from_secs(86_400),
};

fn auto_source(bounds: PaceBounds) -> SourceConfig {
    SourceConfig {
        id: "sim".into(),
        url: url::Url::parse("http://127.0.0.1:9/feed.xml").unwrap(),
        regions: vec!["shanxi"],
        schedule: Schedule::Auto(bounds),
        enabled: true,
        title: None,
        encoding: None,
        timezone: chrono_tz::Asia::Shanghai,
        text_tagging: true,
        kind: crate::config::SourceKind::Feed,
        article: None,
    }
}

/// Polls `feed` under `auto` within `bounds` for `seconds` of paused time; the simulation afterwards.
async fn simulate(feed: Feed, bounds: PaceBounds, resume: ResumeState, seconds: i64) -> Arc<Sim> {
    let sim = Arc::new(Sim {
        feed,
        started: tokio::time::Instant::now(),
        resume,
        record: Mutex::new(Record::default()),
    });
    {
        // Items that fell out of the window before the test began were never ours to see.
        let mut record = sim.record.lock().unwrap();
        let before = sim.feed.posts.partition_point(|post| *post <= 0);
        record.seen = before.saturating_sub(sim.feed.window);
    }
    let (stop, stopped) = watch::channel(false);
    let loops = spawn_source_loops(
        &[auto_source(bounds)],
        &HashSet::new(),
        sim.clone(),
        Duration::ZERO,
        stopped,
        &Arc::new(PollNow::default()),
    );
    tokio::time::sleep(Duration::from_secs(seconds as u64)).await;
    stop.send(true).unwrap();
    for handle in loops {
        handle.await.unwrap();
    }
    sim
}

#[tokio::test(start_paused = true)]
async fn a_busy_source_is_polled_at_the_shortest_interval_and_loses_nothing() {
    // chinanews' scroll feed: an item every two minutes, thirty shown.
    let feed = Feed::new(every(2 * MINUTE, -HOUR, 2 * DAY), 30);
    let sim = simulate(feed, BOUNDS, ResumeState::default(), DAY - 10).await;
    let gaps = sim.gaps();
    assert!(gaps.iter().all(|gap| *gap == 300), "{gaps:?}");
    assert_eq!(sim.polls().len(), 288);
    assert_eq!(sim.missed(), 0);
    assert_eq!(sim.last_plan().1.reason, Reason::MinInterval);
}

#[tokio::test(start_paused = true)]
async fn a_quiet_source_is_asked_once_a_day() {
    // A county portal: two items a week, ten shown.
    let feed = Feed::new(every(84 * HOUR, -30 * DAY, 30 * DAY), 10);
    let sim = simulate(feed, BOUNDS, ResumeState::default(), 7 * DAY - 10).await;
    let gaps = sim.gaps();
    assert!(gaps.iter().all(|gap| *gap == DAY), "{gaps:?}");
    assert_eq!(
        sim.polls().len(),
        7,
        "against 1,008 polls every ten minutes"
    );
    assert_eq!(sim.missed(), 0);
    assert_eq!(sim.last_plan().1.reason, Reason::MaxInterval);
}

#[tokio::test(start_paused = true)]
async fn a_burst_shortens_the_interval_and_the_quiet_pace_returns() {
    // Quiet, then an item every twenty minutes for twelve hours (a story unfolding), then quiet again.
    let mut posts = every(84 * HOUR, -30 * DAY, 30 * DAY);
    posts.extend(every(20 * MINUTE, 2 * DAY + 18 * HOUR, 3 * DAY + 6 * HOUR));
    let sim = simulate(
        Feed::new(posts, 30),
        BOUNDS,
        ResumeState::default(),
        8 * DAY,
    )
    .await;
    let polls = sim.polls();
    let gaps = sim.gaps();
    let during: Vec<i64> = polls
        .windows(2)
        .filter(|w| (3 * DAY..3 * DAY + 6 * HOUR).contains(&w[0]))
        .map(|w| w[1] - w[0])
        .collect();
    assert!(
        !during.is_empty() && during.iter().all(|gap| *gap <= HOUR),
        "during the burst: {during:?}"
    );
    assert_eq!(sim.missed(), 0);
    // Back to once a day within two days of the burst's end; never at the shortest interval for long.
    let after: Vec<i64> = polls
        .windows(2)
        .filter(|w| w[0] >= 5 * DAY + 6 * HOUR)
        .map(|w| w[1] - w[0])
        .collect();
    assert!(
        !after.is_empty() && after.iter().all(|gap| *gap == DAY),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().filter(|gap| **gap == 300).count() < 12,
        "{gaps:?}"
    );
    assert!(polls.len() < 60, "{} polls in 8 days", polls.len());
}

#[tokio::test(start_paused = true)]
async fn a_source_that_falls_silent_slows_down_gradually() {
    // An item every five minutes for two days, twenty shown, then nothing.
    let feed = Feed::new(every(5 * MINUTE, -DAY, DAY), 20);
    let sim = simulate(feed, BOUNDS, ResumeState::default(), 16 * DAY).await;
    let polls = sim.polls();
    let gaps = sim.gaps();
    assert_eq!(sim.missed(), 0);
    let silent: Vec<i64> = polls
        .windows(2)
        .filter(|w| w[0] >= DAY)
        .map(|w| w[1] - w[0])
        .collect();
    // Never more than double from one poll to the next, never shorter again…
    for pair in silent.windows(2) {
        assert!(
            pair[1] <= pair[0] * 2 + 1 && pair[1] + 1 >= pair[0],
            "{silent:?}"
        );
    }
    // …an hour within a day, more than six hours within a week, and the longest in the end.
    let gap_at = |at: i64| {
        polls
            .windows(2)
            .find(|w| w[0] >= at)
            .map(|w| w[1] - w[0])
            .unwrap()
    };
    assert!(gap_at(2 * DAY) >= HOUR, "{gaps:?}");
    assert!(gap_at(8 * DAY) >= 6 * HOUR, "{gaps:?}");
    assert_eq!(*gaps.last().unwrap(), DAY, "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn the_bounds_clamp_both_ways() {
    let bounds = PaceBounds {
        min_interval: Duration::from_secs(600),
        max_interval: Duration::from_secs(4 * 3600),
    };
    let busy = Feed::new(every(2 * MINUTE, -HOUR, 2 * DAY), 30);
    let sim = simulate(busy, bounds, ResumeState::default(), DAY).await;
    assert!(sim.gaps().iter().all(|gap| *gap == 600), "{:?}", sim.gaps());
    assert_eq!(sim.last_plan().1.reason, Reason::MinInterval);
    let quiet = Feed::new(every(84 * HOUR, -30 * DAY, 30 * DAY), 10);
    let sim = simulate(quiet, bounds, ResumeState::default(), 2 * DAY).await;
    assert!(
        sim.gaps().iter().all(|gap| *gap == 4 * HOUR),
        "{:?}",
        sim.gaps()
    );
    assert_eq!(sim.last_plan().1.reason, Reason::MaxInterval);
}

/// Each upstream hint on a busy source (which alone would be polled every five minutes): the wait it
/// sets, and the reason shown.
fn hint_cases() -> Vec<(FeedHints, Freshness, i64, Reason)> {
    let minutes = |m: u64| Some(Duration::from_secs(m * 60));
    let hints = |ttl, update_period| FeedHints {
        ttl,
        update_period,
        ..FeedHints::default()
    };
    let fresh = |max_age, expires| Freshness { max_age, expires };
    vec![
        (
            hints(minutes(120), None),
            Freshness::default(),
            2 * HOUR,
            Reason::Ttl,
        ),
        (
            hints(None, minutes(30)),
            Freshness::default(),
            30 * MINUTE,
            Reason::UpdatePeriod,
        ),
        (
            FeedHints::default(),
            fresh(minutes(45), None),
            45 * MINUTE,
            Reason::MaxAge,
        ),
        (
            FeedHints::default(),
            fresh(None, minutes(50)),
            50 * MINUTE,
            Reason::Expires,
        ),
        // The largest hint wins; a hint beyond the longest interval is still honoured…
        (
            hints(minutes(20), minutes(40)),
            fresh(minutes(10), None),
            40 * MINUTE,
            Reason::UpdatePeriod,
        ),
        (
            hints(minutes(36 * 60), None),
            Freshness::default(),
            36 * HOUR,
            Reason::Ttl,
        ),
        // …up to a week.
        (
            hints(minutes(60 * 24 * 365), None),
            Freshness::default(),
            7 * DAY,
            Reason::Ttl,
        ),
    ]
}

#[tokio::test(start_paused = true)]
async fn upstream_hints_are_lower_bounds() {
    for (hints, freshness, expected, reason) in hint_cases() {
        let mut feed = Feed::new(every(2 * MINUTE, -HOUR, 30 * DAY), 1000);
        feed.hints = hints;
        feed.freshness = freshness;
        let sim = simulate(feed, BOUNDS, ResumeState::default(), 3 * expected + 10).await;
        let gaps = sim.gaps();
        assert!(
            gaps.len() >= 2 && gaps.iter().all(|gap| *gap == expected),
            "{hints:?} {freshness:?}: {gaps:?}"
        );
        assert_eq!(sim.last_plan().1.reason, reason);
    }
}

#[tokio::test(start_paused = true)]
async fn skipped_hours_and_days_are_not_polled() {
    let mut feed = Feed::new(every(2 * MINUTE, -HOUR, 30 * DAY), 1000);
    // Midnight to six GMT, and weekends.
    feed.hints.skip_hours = 0b11_1111;
    feed.hints.skip_days = (1 << 5) | (1 << 6);
    let sim = simulate(feed, BOUNDS, ResumeState::default(), 9 * DAY).await;
    let polls = sim.polls();
    for due in sim.planned() {
        assert!(due.hour() >= 6, "planned for {due}");
        assert!(
            due.weekday().num_days_from_monday() < 5,
            "planned for {due}"
        );
    }
    // Nine days hold a weekend: the longest gap spans it, from Friday evening to Monday 06:00.
    assert!(
        sim.gaps().iter().any(|gap| *gap > 2 * DAY),
        "{:?}",
        sim.gaps()
    );
    assert!(polls.len() > 1000, "{} polls", polls.len());
}

#[tokio::test(start_paused = true)]
async fn a_new_undated_source_starts_short_and_doubles_while_nothing_comes() {
    let mut feed = Feed::new(every(30 * DAY, -60 * DAY, 0), 5);
    feed.undated = true;
    let sim = simulate(feed, BOUNDS, ResumeState::default(), 4 * DAY).await;
    let gaps = sim.gaps();
    assert_eq!(
        gaps[..9],
        [300, 600, 1200, 2400, 4800, 9600, 19_200, 38_400, 76_800],
        "{gaps:?}"
    );
    assert!(gaps[9..].iter().all(|gap| *gap == DAY), "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn backoff_and_recovery_under_auto() {
    let mut feed = Feed::new(every(2 * MINUTE, -HOUR, 30 * DAY), 1000);
    feed.failing = Some(HOUR..3 * HOUR);
    let sim = simulate(feed, BOUNDS, ResumeState::default(), 6 * HOUR).await;
    let polls = sim.polls();
    let failing: Vec<i64> = polls
        .windows(2)
        .filter(|w| (HOUR..3 * HOUR).contains(&w[0]))
        .map(|w| w[1] - w[0])
        .collect();
    // Doubling from the five-minute interval (jitter adds up to a quarter).
    assert!(failing.len() >= 3, "{failing:?}");
    for pair in failing.windows(2) {
        assert!(pair[1] >= pair[0] * 3 / 2, "{failing:?}");
    }
    let recovered: Vec<i64> = polls
        .windows(2)
        .filter(|w| w[0] >= 4 * HOUR)
        .map(|w| w[1] - w[0])
        .collect();
    assert!(recovered.iter().all(|gap| *gap == 300), "{recovered:?}");
}

#[tokio::test(start_paused = true)]
async fn the_learned_pace_survives_a_restart() {
    let quiet = Feed::new(every(84 * HOUR, -30 * DAY, 30 * DAY), 10);
    let first = simulate(
        quiet.clone(),
        BOUNDS,
        ResumeState::default(),
        2 * DAY + HOUR,
    )
    .await;
    let (_, pace) = first.last_plan();
    assert_eq!(pace.interval, Some(Duration::from_secs(86_400)));
    // A restart an hour after the last poll, whose plan was a day after it: no poll for 23 hours (a
    // cron source, or a source that learned nothing, would poll at start).
    let resume = ResumeState {
        next_due: Some(Utc::now() + chrono::Duration::hours(23)),
        pace: pace.clone(),
        ..ResumeState::default()
    };
    let restarted = simulate(quiet, BOUNDS, resume, DAY + HOUR).await;
    let polls = restarted.polls();
    assert_eq!(polls.len(), 1, "{polls:?}");
    assert!((polls[0] - 23 * HOUR).abs() <= 2, "{polls:?}");
    let (_, after) = restarted.last_plan();
    assert_eq!(after.interval, Some(Duration::from_secs(86_400)));
    assert!(after.weekly.items >= pace.weekly.items * 0.8, "{after:?}");
}

#[test]
fn reasons_read_back_from_their_names() {
    for (reason, name) in REASONS {
        assert_eq!(reason.as_str(), name);
        assert_eq!(name.parse::<Reason>(), Ok(reason));
    }
    assert!("sometimes".parse::<Reason>().is_err());
}

#[test]
fn skip_forward_leaves_skipped_hours_and_ignores_all_skipped() {
    use chrono::TimeZone;
    let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
    let night = FeedHints {
        skip_hours: 0b1111,
        ..FeedHints::default()
    };
    // 2026-11-25 is a Wednesday.
    assert_eq!(
        skip_forward(at(25, 2, 30), &night),
        (at(25, 4, 0), Some(Reason::SkipHours))
    );
    assert_eq!(skip_forward(at(25, 4, 30), &night), (at(25, 4, 30), None));
    let weekend = FeedHints {
        skip_days: (1 << 5) | (1 << 6),
        ..FeedHints::default()
    };
    assert_eq!(
        skip_forward(at(28, 9, 15), &weekend),
        (at(30, 0, 0), Some(Reason::SkipDays))
    );
    let always = FeedHints {
        skip_hours: (1 << 24) - 1,
        ..FeedHints::default()
    };
    assert_eq!(skip_forward(at(25, 2, 30), &always), (at(25, 2, 30), None));
}

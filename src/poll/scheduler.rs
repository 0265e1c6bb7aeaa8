//! Decides when each source is polled: cron schedules or the learned pace of `auto` ones (`poll::pace`),
//! the spread-out first poll, backoff after failures.
//!
//! Every source's pace is learned from its polls, whatever its schedule (so switching to `auto` starts
//! from what is known); only `auto` sources are planned by it, and they keep their planned poll across a
//! restart. The timing rules are pure functions of `now`; `spawn_source_loops` runs one task per enabled source, so a
//! source is never polled twice at once by the scheduler (the ingest layer also locks per source, for polls
//! asked for from elsewhere), and every task ends when the shutdown signal flips. [`PollNow`] lets an
//! operator's refresh wake a source's task early; the task then plans its next poll as after any other.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::config::{Schedule, SourceConfig};
use crate::poll::pace::{HINT_CEILING, PaceState, Reason};
use crate::poll::report::{PollOutcome, PollReport};

/// Delay of the first poll of source number `index` out of `n_sources`, spread evenly over `spread`.
pub fn startup_delay(index: usize, n_sources: usize, spread: Duration) -> Duration {
    if n_sources <= 1 {
        return Duration::ZERO;
    }
    spread.mul_f64(index as f64 / n_sources as f64)
}

/// Longest wait after repeated failures; polling goes on at this pace forever.
pub const BACKOFF_CAP: Duration = Duration::from_secs(6 * 3600);

/// What may push a poll later than planned.
#[derive(Debug, Clone, Copy)]
pub struct Setbacks {
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// When the server asked us to come back.
    pub retry_after: Option<DateTime<Utc>>,
    /// 0.0–1.0, stretches a backoff by up to 25%.
    pub jitter: f64,
}

/// `planned` (the next poll at the usual `interval`) pushed later by backoff and Retry-After, and what
/// pushed it, if anything: after `consecutive_failures` failures, no earlier than `interval ×
/// 2^(failures-1)` capped at [`BACKOFF_CAP`] and stretched by the jitter (up to +25%); never earlier than
/// a Retry-After the server asked for.
pub fn delayed(
    planned: DateTime<Utc>,
    interval: Duration,
    now: DateTime<Utc>,
    setbacks: Setbacks,
) -> (DateTime<Utc>, Option<Reason>) {
    let mut due = planned;
    let mut reason = None;
    if setbacks.consecutive_failures > 0 {
        let interval = interval.max(Duration::from_secs(1));
        let exponent = (setbacks.consecutive_failures - 1).min(20);
        let backoff = interval
            .saturating_mul(1u32 << exponent)
            .min(BACKOFF_CAP)
            .mul_f64(1.0 + 0.25 * setbacks.jitter.clamp(0.0, 1.0));
        let backoff_due = now + chrono::Duration::from_std(backoff).unwrap_or_default();
        if backoff_due > due {
            (due, reason) = (backoff_due, Some(Reason::Backoff));
        }
    }
    if let Some(retry_after) = setbacks.retry_after
        && retry_after > due
    {
        (due, reason) = (retry_after, Some(Reason::RetryAfter));
    }
    (due, reason)
}

/// The next poll of `source` after a poll at `now`, with the failures and Retry-After of `report`; the
/// pace learns from the report's observation whatever the schedule, and plans `auto` sources.
pub fn plan_next_poll(
    source: &SourceConfig,
    pace: &mut PaceState,
    report: &PollReport,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    if let Some(observation) = &report.observation {
        pace.observe(observation, now);
    }
    let retry_after = match &report.outcome {
        PollOutcome::Failed(failure) => failure.retry_after,
        _ => None,
    };
    let setbacks = Setbacks {
        consecutive_failures: report.consecutive_failures,
        retry_after,
        jitter: jitter_for(&source.id, report.consecutive_failures),
    };
    let (planned, interval) = match &source.schedule {
        Schedule::Auto(bounds) if report.observation.is_some() || pace.interval.is_none() => {
            let plan = pace.plan(*bounds, now);
            (plan.due, plan.interval)
        }
        // A failure teaches nothing new: the interval stays what it was.
        Schedule::Auto(_) => {
            let interval = pace.interval.unwrap_or_default();
            (
                now + chrono::Duration::from_std(interval).unwrap_or_default(),
                interval,
            )
        }
        Schedule::Cron(cron) => {
            let interval = cron.interval_near(now);
            pace.interval = Some(interval);
            pace.reason = Reason::Cron;
            let next_firing = cron
                .next_after(now)
                .unwrap_or(now + chrono::Duration::hours(24));
            (next_firing, interval)
        }
    };
    let (due, delayed_by) = delayed(planned, interval, now, setbacks);
    pace.delayed_by = delayed_by;
    due
}

/// A cheap, deterministic jitter in 0.0–1.0 from a source id and a counter, so sources that failed together
/// do not retry together.
pub fn jitter_for(source_id: &str, attempt: u32) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in source_id.bytes().chain(attempt.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 10_000) as f64 / 10_000.0
}

/// What the scheduler drives: something that polls a source and remembers schedule state. The
/// `Ingestor` (`poll::ingest`) is the real one; tests use a fake to check timing on tokio's paused clock.
pub trait Poller: Send + Sync + 'static {
    /// Polls `source` once.
    fn poll(&self, source: &SourceConfig) -> impl Future<Output = PollReport> + Send;
    /// What the last run left behind: failures in a row, when the next poll was due, whether it is gone.
    fn resume_state(&self, source: &SourceConfig) -> impl Future<Output = ResumeState> + Send;
    /// Remembers when the next poll is due and the pace planned by, so a restart keeps backoff,
    /// Retry-After and the learned pace.
    fn remember(
        &self,
        source_id: &str,
        next_due: DateTime<Utc>,
        pace: &PaceState,
    ) -> impl Future<Output = ()> + Send;
}

/// A source's scheduling state carried across restarts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumeState {
    /// Failures in a row before this start.
    pub consecutive_failures: u32,
    /// When the previous run planned the next poll.
    pub next_due: Option<DateTime<Utc>>,
    /// The source answered 410 Gone at its current URL.
    pub gone: bool,
    /// What was learned of its pace.
    pub pace: PaceState,
}

/// Wall-clock time that advances with tokio's clock, so a paused clock in tests moves cron time too.
#[derive(Clone, Copy)]
struct Clock {
    start_utc: DateTime<Utc>,
    start_instant: tokio::time::Instant,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            start_utc: Utc::now(),
            start_instant: tokio::time::Instant::now(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.start_instant.elapsed();
        self.start_utc + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }

    fn delay_until(&self, due: DateTime<Utc>) -> Duration {
        (due - self.now()).to_std().unwrap_or(Duration::ZERO)
    }
}

/// "Poll this source now" signals, one per source id, shared by the source loops (which listen) and the
/// HTTP refresh endpoint (which asks). A request while the source is being polled is remembered: the loop
/// polls again right after.
#[derive(Default)]
pub struct PollNow {
    /// Per source id: the signal, and how many loops listen to it (old and new loops overlap on reload).
    signals: std::sync::Mutex<HashMap<String, (Arc<Notify>, usize)>>,
}

impl PollNow {
    /// Asks the loop of `source_id` to poll now; false when no loop polls that source (unknown,
    /// disabled, gone, or polling on demand only).
    pub fn request(&self, source_id: &str) -> bool {
        let signals = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        match signals.get(source_id) {
            Some((signal, listeners)) if *listeners > 0 => {
                signal.notify_one();
                true
            }
            _ => false,
        }
    }

    fn listen(self: &Arc<Self>, source_id: &str) -> PollNowListener {
        let mut signals = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        let (signal, listeners) = signals
            .entry(source_id.to_string())
            .or_insert_with(|| (Arc::new(Notify::new()), 0));
        *listeners += 1;
        PollNowListener {
            registry: self.clone(),
            source_id: source_id.to_string(),
            signal: signal.clone(),
        }
    }
}

/// A source loop's end of its [`PollNow`] signal; stops counting as a listener when dropped.
struct PollNowListener {
    registry: Arc<PollNow>,
    source_id: String,
    signal: Arc<Notify>,
}

impl Drop for PollNowListener {
    fn drop(&mut self) {
        let mut signals = self
            .registry
            .signals
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((_, listeners)) = signals.get_mut(&self.source_id) {
            *listeners -= 1;
            if *listeners == 0 {
                signals.remove(&self.source_id);
            }
        }
    }
}

/// Starts one polling task per enabled source. Each polls once after its startup delay (or when the
/// previous run's backoff ends, if later), then by its schedule, until `shutdown` becomes true; a poll in
/// flight is finished, not abandoned. A source that answered 410 Gone is not polled. Sources whose id is in
/// `keep_schedule` (unchanged by a config reload) wait for the poll already planned instead of polling soon.
/// A signal through `poll_now` makes a waiting task poll at once.
pub fn spawn_source_loops<P: Poller>(
    sources: &[SourceConfig],
    keep_schedule: &HashSet<String>,
    poller: Arc<P>,
    startup_spread: Duration,
    shutdown: watch::Receiver<bool>,
    poll_now: &Arc<PollNow>,
) -> Vec<JoinHandle<()>> {
    let enabled: Vec<Arc<SourceConfig>> = sources
        .iter()
        .filter(|s| s.enabled)
        .map(|s| Arc::new(s.clone()))
        .collect();
    let n_sources = enabled.len();
    let clock = Clock::new();
    enabled
        .into_iter()
        .enumerate()
        .map(|(index, source)| {
            let first_delay = startup_delay(index, n_sources, startup_spread);
            let poller = poller.clone();
            let shutdown = shutdown.clone();
            let start = LoopStart {
                clock,
                first_delay,
                keep_schedule: keep_schedule.contains(&source.id),
            };
            // Listening starts here, not in the task, so a request right after start is not lost.
            let poll_now = poll_now.listen(&source.id);
            tokio::spawn(source_loop(source, poller, start, shutdown, poll_now))
        })
        .collect()
}

/// How a source loop begins.
#[derive(Clone, Copy)]
struct LoopStart {
    clock: Clock,
    first_delay: Duration,
    keep_schedule: bool,
}

async fn source_loop<P: Poller>(
    source: Arc<SourceConfig>,
    poller: Arc<P>,
    start: LoopStart,
    mut shutdown: watch::Receiver<bool>,
    poll_now: PollNowListener,
) {
    let clock = start.clock;
    // The loop's own future stays small, as there is one per source: a poll's future (with the HTTP
    // client's state inside, several KiB) is boxed, and what a step needs only until its next await (the
    // resume state, a poll's report) lives in a block that ends before it.
    let (mut delay, mut pace) = {
        let resume = Box::pin(poller.resume_state(&source)).await;
        if resume.gone {
            tracing::warn!(source = %source.id, url = %source.url, "source answered 410 Gone; not polling it until its url changes");
            return;
        }
        (
            first_delay(&source, &resume, start, clock.now()),
            resume.pace,
        )
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = poll_now.signal.notified() => {
                tracing::info!(source = %source.id, "polling now, as asked");
            }
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let due = {
            let report = Box::pin(poller.poll(&source)).await;
            if matches!(&report.outcome, PollOutcome::Gone) {
                return;
            }
            if matches!(&report.outcome, PollOutcome::Failed(f) if f.class == "gone") {
                tracing::warn!(source = %source.id, "stopped polling: 410 Gone");
                return;
            }
            plan_next_poll(&source, &mut pace, &report, clock.now())
        };
        Box::pin(poller.remember(&source.id, due, &pace)).await;
        tracing::debug!(source = %source.id, next_poll = %due, reason = %pace.delayed_by.unwrap_or(pace.reason), "scheduled");
        delay = clock.delay_until(due);
        if *shutdown.borrow() {
            return;
        }
    }
}

/// How long a source loop waits before its first poll: the startup spread, unless the previous run
/// planned a later poll that still stands (an unchanged source on reload, a backoff, an `auto` source's
/// learned interval).
fn first_delay(
    source: &SourceConfig,
    resume: &ResumeState,
    start: LoopStart,
    now: DateTime<Utc>,
) -> Duration {
    let delay = start.first_delay;
    let Some(next_due) = resume.next_due else {
        return delay;
    };
    let until_due = (next_due - now).to_std().unwrap_or(Duration::ZERO);
    if start.keep_schedule && next_due > now {
        // Reloaded and unchanged: keep the poll already planned.
        return until_due;
    }
    if resume.consecutive_failures > 0 {
        // Keep the backoff (and any Retry-After) the previous run had decided.
        return delay.max(until_due);
    }
    match &source.schedule {
        // A learned interval survives a restart; a plan beyond anything the rule could make (a clock
        // that jumped) does not.
        Schedule::Auto(bounds) if resume.pace.observed_at.is_some() => {
            let longest = bounds.max_interval.max(HINT_CEILING) + Duration::from_secs(3600);
            delay.max(until_due.min(longest))
        }
        _ => delay,
    }
}

/// Proof that the scheduler runs: a ticker beside the source loops beats every [`HEARTBEAT_EVERY`];
/// readiness (`/readyz`) and the systemd watchdog look at how long ago it last did.
#[derive(Debug)]
pub struct Heartbeat {
    start: std::time::Instant,
    /// Milliseconds after `start` of the last beat; `u64::MAX` before the first.
    last_ms: std::sync::atomic::AtomicU64,
}

/// How often the scheduler's ticker beats.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

impl Default for Heartbeat {
    fn default() -> Heartbeat {
        Heartbeat {
            start: std::time::Instant::now(),
            last_ms: std::sync::atomic::AtomicU64::new(u64::MAX),
        }
    }
}

impl Heartbeat {
    /// Records a beat now.
    pub fn beat(&self) {
        let ms = self
            .start
            .elapsed()
            .as_millis()
            .min(u128::from(u64::MAX - 1)) as u64;
        self.last_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Time since the last beat; `None` if there was none.
    pub fn since_last(&self) -> Option<Duration> {
        match self.last_ms.load(std::sync::atomic::Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(
                self.start
                    .elapsed()
                    .saturating_sub(Duration::from_millis(ms)),
            ),
        }
    }

    /// True when the last beat is recent (within three beats).
    pub fn is_alive(&self) -> bool {
        self.since_last()
            .is_some_and(|since| since <= HEARTBEAT_EVERY * 3)
    }
}

/// Beats `heartbeat` every [`HEARTBEAT_EVERY`] until `stop` turns true.
pub async fn run_heartbeat(heartbeat: Arc<Heartbeat>, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => heartbeat.beat(),
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CronSchedule;

    #[test]
    fn a_heartbeat_is_alive_only_after_a_recent_beat() {
        let heartbeat = Heartbeat::default();
        assert_eq!(heartbeat.since_last(), None);
        assert!(!heartbeat.is_alive(), "never beaten: not ready");
        heartbeat.beat();
        assert!(heartbeat.is_alive());
        assert!(heartbeat.since_last().unwrap() < HEARTBEAT_EVERY);
        // A beat recorded long ago (as if the runtime had stalled) is stale.
        let stale = Heartbeat {
            start: std::time::Instant::now() - HEARTBEAT_EVERY * 10,
            last_ms: std::sync::atomic::AtomicU64::new(0),
        };
        assert!(!stale.is_alive());
    }
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).unwrap()
    }

    /// When a cron source polls next after an outcome: the next cron firing on success; after `consecutive_failures`
    /// failures, `interval × 2^(failures-1)` capped at [`BACKOFF_CAP`], stretched by `jitter` (0.0–1.0, up to
    /// +25%), and never earlier than the next firing or a Retry-After the server asked for.
    fn next_poll_time(
        schedule: &CronSchedule,
        now: DateTime<Utc>,
        consecutive_failures: u32,
        retry_after: Option<DateTime<Utc>>,
        jitter: f64,
    ) -> DateTime<Utc> {
        let next_firing = schedule
            .next_after(now)
            .unwrap_or(now + chrono::Duration::hours(24));
        let interval = schedule.interval_near(now);
        delayed(
            next_firing,
            interval,
            now,
            Setbacks {
                consecutive_failures,
                retry_after,
                jitter,
            },
        )
        .0
    }

    #[test]
    fn startup_polls_are_spread() {
        let spread = Duration::from_secs(4);
        assert_eq!(startup_delay(0, 1, spread), Duration::ZERO);
        assert_eq!(startup_delay(0, 4, spread), Duration::ZERO);
        assert_eq!(startup_delay(2, 4, spread), Duration::from_secs(2));
        assert!(startup_delay(3, 4, spread) < spread);
    }

    #[test]
    fn backoff_grows_and_caps_but_never_stops() {
        let schedule = CronSchedule::parse("*/10 * * * *").unwrap();
        let now = at(10, 0, 0);
        assert_eq!(next_poll_time(&schedule, now, 0, None, 0.0), at(10, 10, 0));
        assert_eq!(next_poll_time(&schedule, now, 1, None, 0.0), at(10, 10, 0));
        assert_eq!(next_poll_time(&schedule, now, 2, None, 0.0), at(10, 20, 0));
        assert_eq!(next_poll_time(&schedule, now, 3, None, 0.0), at(10, 40, 0));
        let capped = next_poll_time(&schedule, now, 50, None, 0.0);
        assert_eq!(capped, at(16, 0, 0));
        let jittered = next_poll_time(&schedule, now, 50, None, 1.0);
        assert_eq!(jittered, at(17, 30, 0));
    }

    #[test]
    fn retry_after_is_never_undercut() {
        let schedule = CronSchedule::parse("*/10 * * * *").unwrap();
        let now = at(10, 0, 0);
        assert_eq!(
            next_poll_time(&schedule, now, 1, Some(at(11, 0, 0)), 0.0),
            at(11, 0, 0)
        );
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..20).map(|n| jitter_for("sx", n)).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.windows(2).any(|w| w[0] != w[1]));
    }

    use crate::poll::report::PollFailureInfo;
    use crate::store::IngestSummary;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// A poller that answers from a script and records when it was called (on tokio's clock).
    struct FakePoller {
        script: Mutex<VecDeque<FakeAnswer>>,
        calls: Mutex<Vec<tokio::time::Instant>>,
        failures: Mutex<u32>,
        resume: ResumeState,
        start: tokio::time::Instant,
    }

    #[derive(Clone)]
    enum FakeAnswer {
        Ok,
        Fail,
        RateLimited { retry_after_secs: i64 },
        Gone,
    }

    impl FakePoller {
        fn new(script: Vec<FakeAnswer>, resume: ResumeState) -> Arc<FakePoller> {
            Arc::new(FakePoller {
                script: Mutex::new(script.into()),
                calls: Mutex::new(Vec::new()),
                failures: Mutex::new(resume.consecutive_failures),
                resume,
                start: tokio::time::Instant::now(),
            })
        }

        /// Seconds since the test started at which each poll happened.
        fn call_times(&self) -> Vec<u64> {
            self.calls
                .lock()
                .unwrap()
                .iter()
                .map(|t| (*t - self.start).as_secs())
                .collect()
        }
    }

    impl Poller for FakePoller {
        async fn poll(&self, source: &SourceConfig) -> PollReport {
            self.calls.lock().unwrap().push(tokio::time::Instant::now());
            // The last answer repeats forever.
            let answer = {
                let mut script = self.script.lock().unwrap();
                if script.len() > 1 {
                    script.pop_front().unwrap()
                } else {
                    script.front().cloned().unwrap_or(FakeAnswer::Ok)
                }
            };
            let failure = |class: &str, retry_after| {
                PollOutcome::Failed(PollFailureInfo {
                    class: class.into(),
                    message: class.into(),
                    retry_after,
                })
            };
            let outcome = match answer {
                FakeAnswer::Ok => PollOutcome::Stored(IngestSummary::default()),
                FakeAnswer::Fail => failure("http-5xx", None),
                FakeAnswer::RateLimited { retry_after_secs } => failure(
                    "rate-limited",
                    Some(Utc::now() + chrono::Duration::seconds(retry_after_secs)),
                ),
                FakeAnswer::Gone => failure("gone", None),
            };
            let mut failures = self.failures.lock().unwrap();
            *failures = if matches!(outcome, PollOutcome::Failed(_)) {
                *failures + 1
            } else {
                0
            };
            PollReport {
                source_id: source.id.clone(),
                outcome,
                consecutive_failures: *failures,
                observation: None,
            }
        }

        async fn resume_state(&self, _source: &SourceConfig) -> ResumeState {
            self.resume.clone()
        }

        async fn remember(&self, _source_id: &str, _next_due: DateTime<Utc>, _pace: &PaceState) {}
    }

    fn source(schedule: &str) -> SourceConfig {
        SourceConfig {
            id: "fake".into(),
            url: url::Url::parse("http://127.0.0.1:9/feed.xml").unwrap(),
            regions: vec!["shanxi"],
            schedule: CronSchedule::parse(schedule).unwrap().into(),
            enabled: true,
            title: None,
            encoding: None,
            timezone: chrono_tz::Asia::Shanghai,
            text_tagging: true,
            kind: Default::default(),
            article: None,
        }
    }

    fn start(
        poller: &Arc<FakePoller>,
        schedule: &str,
    ) -> (watch::Sender<bool>, Vec<JoinHandle<()>>) {
        start_keeping(poller, schedule, false)
    }

    fn start_keeping(
        poller: &Arc<FakePoller>,
        schedule: &str,
        keep_schedule: bool,
    ) -> (watch::Sender<bool>, Vec<JoinHandle<()>>) {
        let (stop, stopped) = watch::channel(false);
        let keep: HashSet<String> = if keep_schedule {
            HashSet::from(["fake".to_string()])
        } else {
            HashSet::new()
        };
        let loops = spawn_source_loops(
            &[source(schedule)],
            &keep,
            poller.clone(),
            Duration::ZERO,
            stopped,
            &Arc::new(PollNow::default()),
        );
        (stop, loops)
    }

    #[tokio::test(start_paused = true)]
    async fn a_reload_keeps_an_unchanged_sources_planned_poll() {
        let planned = ResumeState {
            consecutive_failures: 0,
            next_due: Some(Utc::now() + chrono::Duration::seconds(300)),
            gone: false,
            pace: PaceState::default(),
        };
        let kept = FakePoller::new(vec![FakeAnswer::Ok], planned.clone());
        let (stop_kept, _loops) = start_keeping(&kept, "*/5 * * * *", true);
        let fresh = FakePoller::new(vec![FakeAnswer::Ok], planned);
        let (stop_fresh, _loops) = start_keeping(&fresh, "*/5 * * * *", false);
        tokio::time::sleep(Duration::from_secs(290)).await;
        assert!(kept.call_times().is_empty(), "{:?}", kept.call_times());
        assert_eq!(
            fresh.call_times()[0],
            0,
            "a new or changed source polls at once"
        );
        tokio::time::sleep(Duration::from_secs(20)).await;
        let first = kept.call_times()[0];
        assert!((299..=301).contains(&first), "{first}");
        stop_kept.send(true).unwrap();
        stop_fresh.send(true).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn poll_now_wakes_a_waiting_source_even_in_backoff() {
        // The source failed before: its loop waits out a long backoff after the first poll.
        let poller = FakePoller::new(
            vec![FakeAnswer::Fail, FakeAnswer::Ok],
            ResumeState::default(),
        );
        let poll_now = Arc::new(PollNow::default());
        assert!(!poll_now.request("fake"), "no loop listens yet");
        let (stop, stopped) = watch::channel(false);
        let loops = spawn_source_loops(
            &[source("0 0 1 1 *")],
            &HashSet::new(),
            poller.clone(),
            Duration::ZERO,
            stopped,
            &poll_now,
        );
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert_eq!(poller.call_times(), [0]);
        assert!(poll_now.request("fake"));
        assert!(!poll_now.request("other"));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(poller.call_times(), [0, 100]);
        // Once the loop ends, nobody listens.
        stop.send(true).unwrap();
        for handle in loops {
            handle.await.unwrap();
        }
        assert!(!poll_now.request("fake"));
    }

    #[tokio::test(start_paused = true)]
    async fn no_request_before_retry_after() {
        let poller = FakePoller::new(
            vec![
                FakeAnswer::RateLimited {
                    retry_after_secs: 120,
                },
                FakeAnswer::Ok,
            ],
            ResumeState::default(),
        );
        // Every second, were it not for Retry-After.
        let (stop, loops) = start(&poller, "* * * * * *");
        tokio::time::sleep(Duration::from_secs(110)).await;
        assert_eq!(poller.call_times(), vec![0]);
        tokio::time::sleep(Duration::from_secs(20)).await;
        let calls = poller.call_times();
        assert!(
            calls.len() >= 2 && (119..=122).contains(&calls[1]),
            "{calls:?}"
        );
        stop.send(true).unwrap();
        for handle in loops {
            handle.await.unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_up_to_the_cap_and_keeps_polling() {
        let poller = FakePoller::new(vec![FakeAnswer::Fail], ResumeState::default());
        let (stop, _loops) = start(&poller, "*/10 * * * * *");
        tokio::time::sleep(Duration::from_secs(3 * 24 * 3600)).await;
        stop.send(true).unwrap();
        let calls = poller.call_times();
        let gaps: Vec<u64> = calls.windows(2).map(|w| w[1] - w[0]).collect();
        // Early gaps roughly double (jitter adds up to 25%, cron rounds up to the next 10 s).
        for pair in gaps.windows(2).take(8) {
            assert!(pair[1] >= pair[0], "{gaps:?}");
        }
        assert!(gaps[5] >= 2 * gaps[3], "{gaps:?}");
        // Later gaps sit at the 6 h cap (plus jitter) and polling never stops.
        let cap = BACKOFF_CAP.as_secs();
        let late = &gaps[gaps.len() - 3..];
        assert!(
            late.iter()
                .all(|gap| (cap..=cap * 5 / 4 + 10).contains(gap)),
            "{gaps:?}"
        );
        assert!(calls.len() > 15, "{calls:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_gone_source_is_not_polled_again() {
        let poller = FakePoller::new(vec![FakeAnswer::Gone], ResumeState::default());
        let (_stop, loops) = start(&poller, "* * * * * *");
        for handle in loops {
            handle.await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(poller.call_times(), vec![0]);

        let already_gone = FakePoller::new(
            vec![FakeAnswer::Ok],
            ResumeState {
                gone: true,
                ..Default::default()
            },
        );
        let (_stop, loops) = start(&already_gone, "* * * * * *");
        for handle in loops {
            handle.await.unwrap();
        }
        assert!(already_gone.call_times().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_restart_keeps_the_previous_backoff() {
        let resume = ResumeState {
            consecutive_failures: 4,
            next_due: Some(Utc::now() + chrono::Duration::seconds(1800)),
            gone: false,
            pace: PaceState::default(),
        };
        let poller = FakePoller::new(vec![FakeAnswer::Ok], resume);
        let (stop, _loops) = start(&poller, "*/10 * * * * *");
        tokio::time::sleep(Duration::from_secs(1790)).await;
        assert!(poller.call_times().is_empty());
        tokio::time::sleep(Duration::from_secs(20)).await;
        let first = poller.call_times()[0];
        assert!((1799..=1801).contains(&first), "{first}");
        // Success resets: back to every 10 seconds.
        tokio::time::sleep(Duration::from_secs(35)).await;
        assert!(poller.call_times().len() >= 4, "{:?}", poller.call_times());
        stop.send(true).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_ends_every_loop() {
        let poller = FakePoller::new(vec![FakeAnswer::Ok], ResumeState::default());
        let (stop, loops) = start(&poller, "0 0 * * *");
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.send(true).unwrap();
        for handle in loops {
            tokio::time::timeout(Duration::from_secs(5), handle)
                .await
                .unwrap()
                .unwrap();
        }
        assert_eq!(poller.call_times(), vec![0]);
    }
}

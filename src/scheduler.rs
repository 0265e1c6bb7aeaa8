//! Decides when each source is polled: cron schedules, the spread-out first poll, backoff after failures.
//!
//! The timing rules are pure functions of `now`; `spawn_source_loops` runs one task per enabled source, so a
//! source is never polled twice at once by the scheduler (the ingest layer also locks per source, for polls
//! asked for from elsewhere), and every task ends when the shutdown signal flips.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::SourceConfig;
use crate::ingest::{Ingestor, PollOutcome};

/// A parsed cron expression, keeping the text the user wrote.
///
/// Five fields (`minute hour day month weekday`) are standard cron, with weekday 0 or 7 = Sunday; six or
/// seven fields (leading seconds, trailing year) are read as the `cron` crate reads them. Times are UTC.
#[derive(Clone)]
pub struct CronSchedule {
    expression: String,
    schedule: cron::Schedule,
}

impl CronSchedule {
    /// Parses `expression`, returning a reason when it is not a valid cron expression.
    pub fn parse(expression: &str) -> Result<CronSchedule, String> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let normalised = match fields.len() {
            1 if fields[0].starts_with('@') => fields[0].to_string(),
            5 => format!(
                "0 {} {} {} {} {}",
                fields[0],
                fields[1],
                fields[2],
                fields[3],
                standard_weekdays_to_names(fields[4])
            ),
            6 | 7 => fields.join(" "),
            n => {
                return Err(format!(
                    "expected 5 fields (minute hour day month weekday) or 6 with leading seconds, found {n}"
                ));
            }
        };
        let schedule = cron::Schedule::from_str(&normalised).map_err(|error| error.to_string())?;
        if schedule.upcoming(Utc).next().is_none() {
            return Err("it never fires".to_string());
        }
        Ok(CronSchedule {
            expression: expression.trim().to_string(),
            schedule,
        })
    }

    /// The expression as written in the config.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first firing strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule.after(&after).next()
    }

    /// The usual gap between two firings around `now`, used as the base of backoff and cache lifetimes.
    pub fn interval_near(&self, now: DateTime<Utc>) -> Duration {
        let mut upcoming = self.schedule.after(&now);
        match (upcoming.next(), upcoming.next()) {
            (Some(first), Some(second)) => (second - first).to_std().unwrap_or(Duration::ZERO),
            _ => Duration::from_secs(24 * 3600),
        }
    }
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression
    }
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronSchedule({:?})", self.expression)
    }
}

/// Standard cron counts weekdays 0–7 from Sunday (0 and 7 both Sunday); the `cron` crate counts 1–7 from
/// Sunday. Names mean the same in both, so numbers are rewritten as names, leaving step values alone.
fn standard_weekdays_to_names(field: &str) -> String {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    field
        .split(',')
        .map(|part| {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (part, None),
            };
            let range: Vec<String> = range
                .split('-')
                .map(|bound| match bound.parse::<usize>() {
                    Ok(day) if day < NAMES.len() => NAMES[day].to_string(),
                    _ => bound.to_string(),
                })
                .collect();
            let mut rewritten = range.join("-");
            if let Some(step) = step {
                rewritten.push('/');
                rewritten.push_str(step);
            }
            rewritten
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Delay of the first poll of source number `index` out of `n_sources`, spread evenly over `spread`.
pub fn startup_delay(index: usize, n_sources: usize, spread: Duration) -> Duration {
    if n_sources <= 1 {
        return Duration::ZERO;
    }
    spread.mul_f64(index as f64 / n_sources as f64)
}

/// Longest wait after repeated failures; polling goes on at this pace forever.
pub const BACKOFF_CAP: Duration = Duration::from_secs(6 * 3600);

/// When to poll next after an outcome: the next cron firing on success; after `consecutive_failures`
/// failures, `interval × 2^(failures-1)` capped at [`BACKOFF_CAP`], stretched by `jitter` (0.0–1.0, up to
/// +25%), and never earlier than the next firing or a Retry-After the server asked for.
pub fn next_poll_time(
    schedule: &CronSchedule,
    now: DateTime<Utc>,
    consecutive_failures: u32,
    retry_after: Option<DateTime<Utc>>,
    jitter: f64,
) -> DateTime<Utc> {
    let next_firing = schedule
        .next_after(now)
        .unwrap_or(now + chrono::Duration::hours(24));
    let mut due = next_firing;
    if consecutive_failures > 0 {
        let interval = schedule.interval_near(now).max(Duration::from_secs(1));
        let exponent = (consecutive_failures - 1).min(20);
        let backoff = interval
            .saturating_mul(1u32 << exponent)
            .min(BACKOFF_CAP)
            .mul_f64(1.0 + 0.25 * jitter.clamp(0.0, 1.0));
        let backoff_due = now + chrono::Duration::from_std(backoff).unwrap_or_default();
        due = due.max(backoff_due);
    }
    if let Some(retry_after) = retry_after {
        due = due.max(retry_after);
    }
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

/// Starts one polling task per enabled source. Each polls once after its startup delay, then by its
/// schedule, until `shutdown` becomes true; a poll in flight is finished, not abandoned.
pub fn spawn_source_loops(
    sources: Vec<SourceConfig>,
    ingestor: Arc<Ingestor>,
    startup_spread: Duration,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let enabled: Vec<SourceConfig> = sources.into_iter().filter(|s| s.enabled).collect();
    let n_sources = enabled.len();
    enabled
        .into_iter()
        .enumerate()
        .map(|(index, source)| {
            let first_delay = startup_delay(index, n_sources, startup_spread);
            let ingestor = ingestor.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(source_loop(source, ingestor, first_delay, shutdown))
        })
        .collect()
}

async fn source_loop(
    source: SourceConfig,
    ingestor: Arc<Ingestor>,
    first_delay: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut delay = first_delay;
    let mut consecutive_failures: u32 = 0;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let report = ingestor.poll(&source).await;
        let now = Utc::now();
        let retry_after = match &report.outcome {
            PollOutcome::Failed(failure) => {
                consecutive_failures = consecutive_failures.saturating_add(1);
                failure.retry_after
            }
            _ => {
                consecutive_failures = 0;
                None
            }
        };
        let due = next_poll_time(
            &source.schedule,
            now,
            consecutive_failures,
            retry_after,
            jitter_for(&source.id, consecutive_failures),
        );
        tracing::debug!(source = %source.id, next_poll = %due, "scheduled");
        delay = (due - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        if *shutdown.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).unwrap()
    }

    #[test]
    fn five_fields_mean_standard_cron() {
        let every_ten = CronSchedule::parse("*/10 * * * *").unwrap();
        assert_eq!(every_ten.next_after(at(10, 3, 7)), Some(at(10, 10, 0)));
        assert_eq!(
            every_ten.interval_near(at(10, 3, 7)),
            Duration::from_secs(600)
        );
        // 2026-11-25 is a Wednesday; "1-5" means Monday to Friday in standard cron.
        let weekdays = CronSchedule::parse("0 9 * * 1-5").unwrap();
        assert_eq!(
            weekdays.next_after(at(10, 0, 0)),
            Some(Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap())
        );
        let sunday = CronSchedule::parse("0 9 * * 0").unwrap();
        assert_eq!(
            sunday.next_after(at(10, 0, 0)),
            Some(Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap())
        );
        let sunday7 = CronSchedule::parse("0 9 * * 7").unwrap();
        assert_eq!(
            sunday7.next_after(at(10, 0, 0)),
            sunday.next_after(at(10, 0, 0))
        );
    }

    #[test]
    fn six_fields_have_leading_seconds() {
        let every_two_seconds = CronSchedule::parse("*/2 * * * * *").unwrap();
        assert_eq!(
            every_two_seconds.next_after(at(10, 0, 1)),
            Some(at(10, 0, 2))
        );
        assert!(CronSchedule::parse("@hourly").is_ok());
    }

    #[test]
    fn invalid_expressions_say_why() {
        assert!(
            CronSchedule::parse("every day")
                .unwrap_err()
                .contains("found 2")
        );
        assert!(CronSchedule::parse("61 * * * *").is_err());
        assert!(CronSchedule::parse("* * * * * * * *").is_err());
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
}

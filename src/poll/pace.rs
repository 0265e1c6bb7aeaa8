//! The `auto` schedule's rule: how long to wait before polling a source again, learned from its posting
//! rate and its feed's window, never shorter than upstream asks. Pure: state and `now` in, a plan out;
//! the scheduler (`poll::scheduler`) carries the state from poll to poll and the store keeps it across
//! restarts.
//!
//! # The rule
//! - **Rates.** Two exponentially weighted counts of items against observed time: a recent rate with a
//!   6-hour memory ([`RECENT_MEMORY`]) and a weekly rate with a 7-day memory ([`WEEKLY_MEMORY`]). An item
//!   counts from its own publication time, so an item that appears late, or a backfilled old one, weighs
//!   little. The first poll of a source learns from the feed itself: its dated items are its recent past.
//! - **Expected item.** Wait about as long as the recent rate says the next item takes (`1 / rate`);
//!   while the recent memory holds fewer than two items, by the slower of the two rates (one post is not
//!   yet a pace).
//! - **Window.** Never wait so long that half the feed's window (its item count) could be replaced at the
//!   larger of the two rates ([`WINDOW_SHARE`]): the weekly rate keeps a busy source that falls quiet for
//!   a night, or for good, from slipping out of reach at once.
//! - **Slowing down** is gradual: an interval at most doubles from one poll to the next ([`MAX_GROWTH`]);
//!   it shortens at once when items come faster. A source with nothing learned yet starts at the shortest
//!   interval and doubles while nothing arrives.
//! - **Clamp** to `[poll] min_interval_secs` … `max_interval_secs`.
//! - **Upstream** is a lower bound: `<ttl>`, `sy:updatePeriod`/`sy:updateFrequency`, `Cache-Control:
//!   max-age` and `Expires` lengthen the wait (up to [`HINT_CEILING`]), even past the longest interval;
//!   `<skipHours>`/`<skipDays>` move a poll to the next hour not skipped.
//!
//! Backoff after failures and Retry-After are the scheduler's, on top of this plan.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::config::PaceBounds;
use crate::feed::hints::FeedHints;
use crate::poll::fetch::Freshness;

/// Memory of the recent rate: items older than this weigh 1/e.
pub const RECENT_MEMORY: Duration = Duration::from_secs(6 * 3600);
/// Memory of the weekly rate.
pub const WEEKLY_MEMORY: Duration = Duration::from_secs(7 * 86_400);
/// Poll before this share of the feed's window could be replaced.
pub const WINDOW_SHARE: f64 = 0.5;
/// An interval grows at most by this factor from one poll to the next.
pub const MAX_GROWTH: f64 = 2.0;
/// Items the recent memory must hold before its rate alone says when the next item is due.
const MIN_EVIDENCE: f64 = 2.0;
/// A first look learns from the feed's dates only when they reach back at least this far.
const MIN_REACH: Duration = Duration::from_secs(60);
/// Upstream hints are honoured up to this long (a `<ttl>` of a year is a mistake, not a wish).
pub const HINT_CEILING: Duration = Duration::from_secs(7 * 86_400);

/// Items counted against observed time, both weighted down exponentially with age: `items / seconds`
/// is a rate that forgets at the pace of its memory.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateMemory {
    /// Weighted item count.
    pub items: f64,
    /// Weighted observed time, seconds.
    pub seconds: f64,
}

impl RateMemory {
    /// Lets `elapsed` seconds of observation pass.
    fn advance(&mut self, elapsed: f64, memory: Duration) {
        let memory = memory.as_secs_f64();
        let keep = (-elapsed.max(0.0) / memory).exp();
        self.items *= keep;
        self.seconds = self.seconds * keep + memory * (1.0 - keep);
    }

    /// Counts an item published `age` seconds ago.
    fn count(&mut self, age: f64, memory: Duration) {
        self.items += (-age.max(0.0) / memory.as_secs_f64()).exp();
    }

    /// Items per second; `None` before any time was observed.
    pub fn per_second(&self) -> Option<f64> {
        (self.seconds >= 1.0).then(|| self.items / self.seconds)
    }
}

/// Why the next poll is when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reason {
    /// Nothing learned yet: the shortest interval, doubling while nothing arrives.
    #[default]
    NewSource,
    /// When the next item is expected.
    PostingRate,
    /// Before the feed's window could overflow.
    FeedWindow,
    /// Growing, at most doubling per poll, since items come slower.
    SlowingDown,
    /// Clamped up to `min_interval_secs`.
    MinInterval,
    /// Clamped down to `max_interval_secs`.
    MaxInterval,
    /// The feed's `<ttl>`.
    Ttl,
    /// The feed's `sy:updatePeriod` / `sy:updateFrequency`.
    UpdatePeriod,
    /// The answer's `Cache-Control: max-age`.
    MaxAge,
    /// The answer's `Expires`.
    Expires,
    /// Moved past the feed's `<skipHours>`.
    SkipHours,
    /// Moved past the feed's `<skipDays>`.
    SkipDays,
    /// A cron schedule (the pace is learned all the same, shown, and ready for `auto`).
    Cron,
    /// Backing off after failures.
    Backoff,
    /// The server's Retry-After.
    RetryAfter,
}

const REASONS: [(Reason, &str); 15] = [
    (Reason::NewSource, "new-source"),
    (Reason::PostingRate, "posting-rate"),
    (Reason::FeedWindow, "feed-window"),
    (Reason::SlowingDown, "slowing-down"),
    (Reason::MinInterval, "min-interval"),
    (Reason::MaxInterval, "max-interval"),
    (Reason::Ttl, "ttl"),
    (Reason::UpdatePeriod, "update-period"),
    (Reason::MaxAge, "max-age"),
    (Reason::Expires, "expires"),
    (Reason::SkipHours, "skip-hours"),
    (Reason::SkipDays, "skip-days"),
    (Reason::Cron, "cron"),
    (Reason::Backoff, "backoff"),
    (Reason::RetryAfter, "retry-after"),
];

impl Reason {
    /// The name stored and shown (`posting-rate`, `ttl`, `backoff`, …).
    pub fn as_str(self) -> &'static str {
        REASONS
            .iter()
            .find(|(reason, _)| *reason == self)
            .map_or("new-source", |(_, name)| name)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = String;

    fn from_str(name: &str) -> Result<Reason, String> {
        REASONS
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(reason, _)| *reason)
            .ok_or_else(|| format!("unknown interval reason {name:?}"))
    }
}

/// What the rule knows about a source, carried from poll to poll and kept across restarts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaceState {
    /// The recent rate.
    pub recent: RateMemory,
    /// The weekly rate.
    pub weekly: RateMemory,
    /// When the source was last observed (a successful poll); `None`: never.
    pub observed_at: Option<DateTime<Utc>>,
    /// Items in the feed when a body was last read.
    pub window: Option<u32>,
    /// What the feed said when a body was last read.
    pub hints: FeedHints,
    /// What the last answer said about its freshness.
    pub freshness: Freshness,
    /// The interval planned last (before any backoff) and why.
    pub interval: Option<Duration>,
    /// Why the interval is what it is.
    pub reason: Reason,
    /// What pushed the next poll later than the plan (backoff, Retry-After), if anything.
    pub delayed_by: Option<Reason>,
}

/// What one successful poll saw, from the fetch and the store. Ages are counted back from the poll, so
/// the observation means the same on any clock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaceObservation {
    /// How long ago each new item was published (an item without a date of its own: zero).
    pub new_item_ages: Vec<Duration>,
    /// When a body was read: how long ago each of the feed's dated items was published.
    pub window_ages: Vec<Duration>,
    /// When a body was read: the number of items in the feed.
    pub window: Option<usize>,
    /// When a body was read: what the feed says about polling.
    pub hints: Option<FeedHints>,
    /// What the answer (a 304 too) says about its freshness.
    pub freshness: Freshness,
}

impl PaceState {
    /// Learns from a successful poll observed at `now`.
    pub fn observe(&mut self, observation: &PaceObservation, now: DateTime<Utc>) {
        let (elapsed, ages) = match self.observed_at {
            // The first look at a source: the feed's dated items are its recent past, observed for as
            // long as they reach back. Undated items tell nothing of when they came, and nor do dates
            // that all fall within a minute (a feed stamping every item with its build time).
            None => match observation.window_ages.iter().max() {
                Some(reach) if *reach >= MIN_REACH => {
                    (reach.as_secs_f64(), observation.window_ages.as_slice())
                }
                _ => (0.0, &[][..]),
            },
            Some(at) => (
                (now - at).num_milliseconds().max(0) as f64 / 1000.0,
                observation.new_item_ages.as_slice(),
            ),
        };
        self.recent.advance(elapsed, RECENT_MEMORY);
        self.weekly.advance(elapsed, WEEKLY_MEMORY);
        for age in ages {
            self.recent.count(age.as_secs_f64(), RECENT_MEMORY);
            self.weekly.count(age.as_secs_f64(), WEEKLY_MEMORY);
        }
        self.observed_at = Some(now);
        if let Some(window) = observation.window {
            self.window = Some(u32::try_from(window).unwrap_or(u32::MAX));
        }
        if let Some(hints) = observation.hints {
            self.hints = hints;
        }
        self.freshness = observation.freshness;
    }

    /// Plans the next poll after `now` within `bounds`, and remembers the interval for the next plan.
    pub fn plan(&mut self, bounds: PaceBounds, now: DateTime<Utc>) -> Plan {
        let (interval, reason) = interval(self, bounds);
        let (due, skipped) = skip_forward(now + to_chrono(interval), &self.hints);
        self.interval = Some(interval);
        self.reason = skipped.unwrap_or(reason);
        self.delayed_by = None;
        Plan {
            interval,
            due,
            reason: self.reason,
        }
    }

    /// Items per second at the recent rate, if anything was learned.
    pub fn recent_rate(&self) -> Option<f64> {
        self.recent.per_second()
    }
}

/// The next poll of an `auto` source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The interval chosen (the base of backoff).
    pub interval: Duration,
    /// When to poll: `now + interval`, moved past skipped hours and days.
    pub due: DateTime<Utc>,
    /// Why.
    pub reason: Reason,
}

/// The interval and its reason, before skipped hours and days.
fn interval(state: &PaceState, bounds: PaceBounds) -> (Duration, Reason) {
    let min = bounds.min_interval.as_secs_f64().max(1.0);
    let max = bounds.max_interval.as_secs_f64().max(min);
    let previous = state.interval.map(|interval| interval.as_secs_f64());
    let (mut seconds, mut reason) = match state.recent.per_second() {
        // Nothing learned: start short, double while nothing arrives.
        None => (
            previous.map_or(min, |previous| previous * MAX_GROWTH),
            Reason::NewSource,
        ),
        Some(recent) => learned_interval(state, recent, previous),
    };
    if seconds < min {
        (seconds, reason) = (min, Reason::MinInterval);
    } else if seconds > max {
        (seconds, reason) = (max, Reason::MaxInterval);
    }
    let upstream = [
        (state.hints.ttl, Reason::Ttl),
        (state.hints.update_period, Reason::UpdatePeriod),
        (state.freshness.max_age, Reason::MaxAge),
        (state.freshness.expires, Reason::Expires),
    ];
    for (hint, hint_reason) in upstream {
        let Some(hint) = hint else { continue };
        let hint = hint.min(HINT_CEILING).as_secs_f64();
        if hint > seconds {
            (seconds, reason) = (hint, hint_reason);
        }
    }
    (Duration::from_secs_f64(seconds.round()), reason)
}

/// The interval from the learned rates: the expected next item, the window, the growth limit.
fn learned_interval(state: &PaceState, recent: f64, previous: Option<f64>) -> (f64, Reason) {
    let weekly = state.weekly.per_second().unwrap_or(0.0);
    // One item in six hours is not yet a pace: until the recent memory holds two, the slower rate
    // tells when the next item is due (a quiet source's single post does not look like four a day).
    let expected = if state.recent.items >= MIN_EVIDENCE {
        recent
    } else {
        recent.min(weekly)
    };
    let mut seconds = if expected > 0.0 {
        1.0 / expected
    } else {
        f64::INFINITY
    };
    let mut reason = Reason::PostingRate;
    let peak = recent.max(weekly);
    if let Some(window) = state.window
        && peak > 0.0
    {
        let guard = f64::from(window.max(1)) * WINDOW_SHARE / peak;
        if guard < seconds {
            (seconds, reason) = (guard, Reason::FeedWindow);
        }
    }
    if let Some(previous) = previous
        && seconds > previous * MAX_GROWTH
    {
        (seconds, reason) = (previous * MAX_GROWTH, Reason::SlowingDown);
    }
    (seconds, reason)
}

/// `due` moved to the start of the first hour that `<skipHours>`/`<skipDays>` (GMT) do not skip, and the
/// reason when it moved. Hints that skip every hour or every day are ignored.
pub fn skip_forward(due: DateTime<Utc>, hints: &FeedHints) -> (DateTime<Utc>, Option<Reason>) {
    let all_hours = (1u32 << 24) - 1;
    let skip_hours = if hints.skip_hours & all_hours == all_hours {
        0
    } else {
        hints.skip_hours
    };
    let skip_days = if hints.skip_days & 0x7f == 0x7f {
        0
    } else {
        hints.skip_days
    };
    let mut moved = due;
    let mut reason = None;
    // A week of hours is enough to leave any skipped stretch.
    for _ in 0..(24 * 8) {
        let day_skipped = skip_days & (1 << moved.weekday().num_days_from_monday()) != 0;
        let hour_skipped = skip_hours & (1 << moved.hour()) != 0;
        if !day_skipped && !hour_skipped {
            return (moved, reason);
        }
        reason = Some(if day_skipped {
            Reason::SkipDays
        } else {
            Reason::SkipHours
        });
        let hour_start = moved
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(moved);
        moved = hour_start + chrono::Duration::hours(1);
    }
    (due, None)
}

fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests;

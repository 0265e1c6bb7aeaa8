//! `Schedule`: when a source is polled — a cron expression, or `auto`, where the interval follows the
//! source's posting rate between the bounds of [`PaceBounds`]. A value type: the rule itself is
//! `poll::pace`.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::CronSchedule;

/// The word that asks for the learned interval in `schedule = "auto"`.
pub const AUTO: &str = "auto";

/// When a source is polled.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// At every firing of a cron expression.
    Cron(CronSchedule),
    /// At an interval learned from the source's posting rate, within these bounds (`poll::pace`).
    Auto(PaceBounds),
}

/// `[poll] min_interval_secs` and `max_interval_secs`: the shortest and the longest interval an `auto`
/// schedule may choose (upstream hints such as `<ttl>` may still ask for longer waits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceBounds {
    /// Never poll more often than this.
    pub min_interval: Duration,
    /// Never wait longer than this (unless upstream asks for it).
    pub max_interval: Duration,
}

impl Default for PaceBounds {
    fn default() -> PaceBounds {
        PaceBounds {
            min_interval: Duration::from_secs(300),
            max_interval: Duration::from_secs(86_400),
        }
    }
}

impl Schedule {
    /// The expression as written in the config: the cron text, or `auto`.
    pub fn expression(&self) -> &str {
        match self {
            Schedule::Cron(cron) => cron.expression(),
            Schedule::Auto(_) => AUTO,
        }
    }

    /// The usual gap between two polls near `now`, the base of cache lifetimes: a cron's gap between
    /// firings; for `auto`, its shortest interval (the pace of the busiest such source).
    pub fn interval_near(&self, now: DateTime<Utc>) -> Duration {
        match self {
            Schedule::Cron(cron) => cron.interval_near(now),
            Schedule::Auto(bounds) => bounds.min_interval,
        }
    }

    /// Whether the interval is learned (`auto`).
    pub fn is_auto(&self) -> bool {
        matches!(self, Schedule::Auto(_))
    }
}

impl From<CronSchedule> for Schedule {
    fn from(cron: CronSchedule) -> Schedule {
        Schedule::Cron(cron)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_reads_as_its_word_and_its_shortest_interval() {
        let auto = Schedule::Auto(PaceBounds::default());
        assert_eq!(auto.expression(), "auto");
        assert!(auto.is_auto());
        assert_eq!(auto.interval_near(Utc::now()), Duration::from_secs(300));
        let cron: Schedule = CronSchedule::parse("*/10 * * * *").unwrap().into();
        assert_eq!(cron.expression(), "*/10 * * * *");
        assert!(!cron.is_auto());
    }
}

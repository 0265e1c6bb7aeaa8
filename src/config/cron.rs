//! `CronSchedule`: a cron expression as the config writes it (5-field standard cron, or the `cron` crate's
//! 6/7 fields), parsed once and shared by every source that uses it.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A parsed cron expression, keeping the text the user wrote.
///
/// Five fields (`minute hour day month weekday`) are standard cron, with weekday 0 or 7 = Sunday; six or
/// seven fields (leading seconds, trailing year) are read as the `cron` crate reads them. Times are UTC.
/// Clones share the parsed schedule: a parsed `cron::Schedule` holds a set of every year it may fire in
/// (several KiB), and a config of 10,000 sources keeps several copies of every source.
#[derive(Clone)]
pub struct CronSchedule {
    expression: Arc<str>,
    schedule: Arc<cron::Schedule>,
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
            expression: Arc::from(expression.trim()),
            schedule: Arc::new(schedule),
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
}

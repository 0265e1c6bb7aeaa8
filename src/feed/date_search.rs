//! Finds a date inside the longer text of a list or article page (`[2026.08.31 12:25]`, `来源：中新网
//! 2026年11月25日 10:52`, `3小时前`), and the day an article's link carries (`/2026/1125/`,
//! `/2026-11-25/`). Pure: text, a time zone and the fetch time in.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use regex::Regex;

use super::dates::parse_date_near;

/// A date found in page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    /// The instant.
    pub at: DateTime<Utc>,
    /// True for a time relative to the fetch (`3小时前`, `刚刚`): it moves with every fetch, so it is only
    /// an estimate of when the item appeared.
    pub relative: bool,
}

/// The first date in `text` (the whole text when it is one, else the first date-like part that reads),
/// zone-less times in `timezone`, year-less days and relative times against `now`.
pub fn find_date_near(text: &str, timezone: Tz, now: DateTime<Utc>) -> Option<FoundDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let reading = |part: &str| {
        parse_date_near(part, timezone, now).map(|at| FoundDate {
            at,
            relative: is_relative(part),
        })
    };
    reading(text).or_else(|| {
        date_like()
            .find_iter(text)
            .find_map(|found| reading(found.as_str()))
    })
}

/// Parts of text that look like dates, longest forms first.
fn date_like() -> &'static Regex {
    static DATE_LIKE: OnceLock<Regex> = OnceLock::new();
    DATE_LIKE.get_or_init(|| {
        let time = r"(?:\s*[T ]?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?";
        Regex::new(&format!(
            r"\d{{4}}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}\s*日?{time}|\d{{1,2}}\s*[-/月]\s*\d{{1,2}}\s*日?{time}|(?:今天|昨天|前天)\s*\d{{1,2}}[:：]\d{{2}}|\d+\s*(?:秒|分钟|分|个小时|小时|天)前|刚刚|刚才|\d{{1,2}}[:：]\d{{2}}"
        ))
        .expect("valid date-like pattern")
    })
}

fn is_relative(text: &str) -> bool {
    let text = text.trim();
    text.ends_with('前')
        || ["刚刚", "刚才", "今天", "昨天", "前天"]
            .iter()
            .any(|word| text.contains(word))
        || text.to_ascii_lowercase().ends_with("ago")
}

/// The day an article's `link` names (`/2026/1125/`, `/2026-11-25/`, `/2026/11/25/`, `/20261125/`), as
/// the start of that day in `timezone`; only a day before `now`'s (a day-old item read for the first
/// time is better dated by its link than by the fetch; today's by the fetch).
pub fn day_in_link(link: &str, timezone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    static DAY: OnceLock<Regex> = OnceLock::new();
    let day = DAY.get_or_init(|| {
        Regex::new(
            r"/(?P<y>20\d{2})(?:(?:/|-|_)?(?P<m>[01]\d)(?:/|-|_)?(?P<d>[0-3]\d)|-(?P<m2>[01]\d)/(?P<d2>[0-3]\d))(?:/|[^\d])",
        )
        .expect("valid link day pattern")
    });
    let path = link.split_once("://").map_or(link, |(_, rest)| rest);
    let path = &path[path.find('/')?..];
    let found = day.captures(path)?;
    let number = |names: [&str; 2]| -> Option<u32> {
        names
            .iter()
            .find_map(|name| found.name(name))
            .and_then(|m| m.as_str().parse().ok())
    };
    let date = NaiveDate::from_ymd_opt(
        found.name("y")?.as_str().parse().ok()?,
        number(["m", "m2"])?,
        number(["d", "d2"])?,
    )?;
    let today = now.with_timezone(&timezone).date_naive();
    if date >= today {
        return None;
    }
    let start = timezone
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()?;
    Some(start.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        // 2026-11-25 12:00 in Beijing.
        Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap()
    }

    fn beijing(text: &str) -> Option<String> {
        find_date_near(text, chrono_tz::Asia::Shanghai, now()).map(|found| {
            found
                .at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
    }

    #[test]
    fn dates_are_found_inside_page_text() {
        assert_eq!(
            beijing("2026-11-25 10:52").as_deref(),
            Some("2026-11-25 10:52")
        );
        assert_eq!(
            beijing("来源：中新网 2026年11月24日 10:52 编辑：王").as_deref(),
            Some("2026-11-24 10:52")
        );
        assert_eq!(
            beijing("[2026.08.31 12:25]").as_deref(),
            Some("2026-08-31 12:25")
        );
        assert_eq!(
            beijing("发布于 [11-24]").as_deref(),
            Some("2026-11-24 00:00")
        );
        assert_eq!(
            beijing("11月24日 08:05 山西").as_deref(),
            Some("2026-11-24 08:05")
        );
        assert_eq!(beijing("更新 10:52").as_deref(), Some("2026-11-25 10:52"));
        assert_eq!(beijing("三天").as_deref(), None);
        let relative = find_date_near("3小时前", chrono_tz::Asia::Shanghai, now()).unwrap();
        assert!(relative.relative);
        assert_eq!(relative.at, now() - chrono::Duration::hours(3));
        assert!(
            !find_date_near("2026-11-25 10:52", chrono_tz::Asia::Shanghai, now())
                .unwrap()
                .relative
        );
    }

    #[test]
    fn links_carry_days() {
        let day = |link: &str| {
            day_in_link(link, chrono_tz::Asia::Shanghai, now()).map(|at| {
                at.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d")
                    .to_string()
            })
        };
        assert_eq!(
            day("https://www.sx.chinanews.com.cn/news/2026/1124/12345.html").as_deref(),
            Some("2026-11-24")
        );
        assert_eq!(
            day("http://www.xj.chinanews.com.cn/dizhou/2026-11-20/detail-ihfb.shtml").as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            day("http://sx.people.com.cn/n2/2026/1123/c189132-1.html").as_deref(),
            Some("2026-11-23")
        );
        assert_eq!(
            day("https://example.cn/2026-11/20/c_1.htm").as_deref(),
            Some("2026-11-20")
        );
        // Today's: the fetch time dates it better. No day: nothing.
        assert_eq!(
            day("https://www.sx.chinanews.com.cn/news/2026/1125/1.html"),
            None
        );
        assert_eq!(day("https://example.cn/news/12345.html"), None);
        assert_eq!(day("https://example.cn/2026/1399/1.html"), None);
    }
}

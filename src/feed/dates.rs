//! Parses the dates real feeds write, Chinese feeds' zone-less forms included. Pure: text and a time zone in.
//!
//! RFC 822/2822 and RFC 3339 are read as the standards say, except that `CST` means China Standard Time
//! (+08:00), as it does on every Chinese site. A time without a zone is read in the source's time zone
//! (Asia/Shanghai unless configured), never silently as UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses `text` as a date, reading zone-less times in `timezone`. `None` when no form fits.
///
/// ```
/// use regionfeed::feed::dates::parse_date;
/// let shanghai = chrono_tz::Asia::Shanghai;
/// // chinanews' zone-less form means Beijing time: 10:52 there is 02:52 UTC.
/// let date = parse_date("2024-02-28 10:52:00", shanghai).unwrap();
/// assert_eq!(date.to_rfc3339(), "2024-02-28T02:52:00+00:00");
/// // CST on a Chinese site is China Standard Time, not US Central.
/// assert_eq!(parse_date("Wed, 28 Feb 2024 10:52:00 CST", shanghai), Some(date));
/// ```
pub fn parse_date(text: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let text = text.replace(" CST", " +0800");
    if let Ok(date) = DateTime::parse_from_rfc2822(&text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(&text) {
        return Some(date.with_timezone(&Utc));
    }
    // Cookie-style dates, as Xinhua writes them: `Wed,14-Dec-2022 11:37:37 GMT`.
    for format in ["%a,%d-%b-%Y %H:%M:%S GMT", "%a, %d-%b-%Y %H:%M:%S GMT"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&text, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    let numeric = normalise_numeric_date(&text);
    for format in [
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M %z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(&numeric, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&numeric, format) {
            return local_to_utc(naive, timezone);
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(&numeric, "%Y-%m-%d") {
        return local_to_utc(date.and_hms_opt(0, 0, 0)?, timezone);
    }
    None
}

/// `2024/02/28`, `2024年02月28日` and `2024-2-28` all become `2024-02-28`-shaped text, spaces folded.
fn normalise_numeric_date(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| match c {
            '/' | '年' | '月' => '-',
            '日' => ' ',
            other => other,
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn local_to_utc(naive: NaiveDateTime, timezone: Tz) -> Option<DateTime<Utc>> {
    timezone
        .from_local_datetime(&naive)
        .earliest()
        .map(|date| date.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn check(text: &str, expect_utc: Option<&str>) {
        let parsed = parse_date(text, SHANGHAI).map(|d| d.to_rfc3339());
        assert_eq!(parsed.as_deref(), expect_utc, "parsing {text:?}");
    }

    #[test]
    fn every_form_real_feeds_use() {
        // (input, the same instant in UTC)
        let table = [
            (
                "Wed, 28 Feb 2024 10:52:00 +0800",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            (
                "Wed, 28 Feb 2024 10:52:00 GMT",
                Some("2024-02-28T10:52:00+00:00"),
            ),
            (
                "Wed, 28 Feb 2024 10:52:00 CST",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            (
                "2024-02-28T10:52:00+08:00",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            ("2024-02-28T02:52:00Z", Some("2024-02-28T02:52:00+00:00")),
            ("2024-02-28 10:52:00", Some("2024-02-28T02:52:00+00:00")),
            ("2024-02-28 10:52", Some("2024-02-28T02:52:00+00:00")),
            ("2024/02/28 10:52:00", Some("2024-02-28T02:52:00+00:00")),
            ("2024年02月28日 10:52", Some("2024-02-28T02:52:00+00:00")),
            ("2024年2月28日 10:52:00", Some("2024-02-28T02:52:00+00:00")),
            ("2024-02-28", Some("2024-02-27T16:00:00+00:00")),
            (
                "Wed,14-Dec-2022 11:37:37 GMT",
                Some("2022-12-14T11:37:37+00:00"),
            ),
            (
                "2024-02-28 10:52:00 +0800",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            ("  2024-02-28 10:52:00\n", Some("2024-02-28T02:52:00+00:00")),
            ("yesterday", None),
            ("", None),
        ];
        for (input, expect) in table {
            check(input, expect);
        }
    }

    #[test]
    fn zoneless_time_uses_the_source_zone() {
        let taipei = parse_date("2024-02-28 10:52:00", chrono_tz::Asia::Taipei).unwrap();
        assert_eq!(taipei.to_rfc3339(), "2024-02-28T02:52:00+00:00");
        let utc = parse_date("2024-02-28 10:52:00", chrono_tz::UTC).unwrap();
        assert_eq!(utc.to_rfc3339(), "2024-02-28T10:52:00+00:00");
    }
}

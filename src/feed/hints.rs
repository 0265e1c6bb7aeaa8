//! What a feed says about how often it may be polled: RSS `<ttl>` (minutes), the syndication module's
//! `sy:updatePeriod` / `sy:updateFrequency`, and `<skipHours>` / `<skipDays>`. Pure: text in, hints out.
//!
//! Only the channel's own elements count: anything inside an `<item>` or `<entry>` is content, not a hint.
//! A document that names none of these elements is not read at all, so most feeds cost one substring
//! search. A malformed document yields the hints read before the fault.

use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::dates::WEEKDAYS;

/// Upstream hints about polling, as the feed gives them (the rule that weighs them is `poll::pace`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedHints {
    /// `<ttl>`: minutes the feed may be cached.
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` divided by `sy:updateFrequency`: how often the feed says it is updated.
    pub update_period: Option<Duration>,
    /// `<skipHours>`: bit `h` set when hour `h` (0–23, GMT) is to be skipped.
    pub skip_hours: u32,
    /// `<skipDays>`: bit `d` set when weekday `d` (0 = Monday … 6 = Sunday, GMT) is to be skipped.
    pub skip_days: u8,
}

/// Element names that may carry a hint; a document without any of them is not parsed.
const HINT_NAMES: [&str; 5] = [
    "ttl",
    "updatePeriod",
    "updateFrequency",
    "skipHours",
    "skipDays",
];

/// Most XML events read while looking for hints: channel elements sit near the top, and a feed with
/// thousands of items is not read to its end for them.
const MAX_EVENTS: usize = 200_000;

/// The hints in a feed document (UTF-8 text).
pub fn read_hints(text: &str) -> FeedHints {
    if !HINT_NAMES.iter().any(|name| text.contains(name)) {
        return FeedHints::default();
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut raw = RawHints::default();
    // Local names of the open elements; inside an item or entry nothing counts.
    let mut open: Vec<String> = Vec::new();
    for _ in 0..MAX_EVENTS {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                open.push(name);
            }
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Text(text)) => {
                if open.iter().any(|name| name == "item" || name == "entry") {
                    continue;
                }
                let value = String::from_utf8_lossy(&text).trim().to_string();
                raw.take(&open, &value);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    raw.hints()
}

/// Hint values as read, before they are combined.
#[derive(Default)]
struct RawHints {
    ttl_minutes: Option<u64>,
    period: Option<Duration>,
    frequency: Option<u32>,
    skip_hours: u32,
    skip_days: u8,
}

impl RawHints {
    /// Takes `value`, the text of the innermost of the `open` elements.
    fn take(&mut self, open: &[String], value: &str) {
        let Some(name) = open.last() else {
            return;
        };
        let parent = open.len().checked_sub(2).map(|at| open[at].as_str());
        match (name.as_str(), parent) {
            ("ttl", _) => self.ttl_minutes = value.parse().ok().filter(|minutes| *minutes > 0),
            ("updatePeriod", _) => self.period = update_period(value),
            ("updateFrequency", _) => {
                self.frequency = value.parse().ok().filter(|frequency| *frequency > 0);
            }
            ("hour", Some("skipHours")) => {
                // The RSS spec counts 0–23; some feeds write 24 for midnight.
                if let Ok(hour) = value.parse::<u32>()
                    && hour <= 24
                {
                    self.skip_hours |= 1 << (hour % 24);
                }
            }
            ("day", Some("skipDays")) => {
                if let Some(day) = weekday(value) {
                    self.skip_days |= 1 << day;
                }
            }
            _ => {}
        }
    }

    fn hints(&self) -> FeedHints {
        // Either sy: element alone is a hint: the period defaults to daily, the frequency to once.
        let update_period = match (self.period, self.frequency) {
            (None, None) => None,
            (period, frequency) => {
                Some(period.unwrap_or(Duration::from_secs(86_400)) / frequency.unwrap_or(1))
            }
        };
        FeedHints {
            ttl: self
                .ttl_minutes
                .map(|minutes| Duration::from_secs(minutes * 60)),
            update_period,
            skip_hours: self.skip_hours,
            skip_days: self.skip_days,
        }
    }
}

/// `sy:updatePeriod`'s words.
fn update_period(value: &str) -> Option<Duration> {
    let hours = match value.to_ascii_lowercase().as_str() {
        "hourly" => 1,
        "daily" => 24,
        "weekly" => 24 * 7,
        "monthly" => 24 * 30,
        "yearly" => 24 * 365,
        _ => return None,
    };
    Some(Duration::from_secs(hours * 3600))
}

/// A `<skipDays><day>` name: 0 = Monday … 6 = Sunday.
fn weekday(value: &str) -> Option<u8> {
    let value = value.to_ascii_lowercase();
    WEEKDAYS
        .iter()
        .position(|day| *day == value)
        .map(|day| day as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANNEL: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>
<title>t</title><ttl>90</ttl>
<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
<item><title>i</title><ttl>1</ttl><skipHours><hour>3</hour></skipHours></item>
<skipHours><hour>0</hour><hour>1</hour><hour>24</hour><hour>99</hour></skipHours>
<skipDays><day>Saturday</day><day>sunday</day><day>Someday</day></skipDays>
</channel></rss>"#;

    #[test]
    fn channel_hints_are_read_and_item_ones_ignored() {
        let hints = read_hints(CHANNEL);
        assert_eq!(hints.ttl, Some(Duration::from_secs(90 * 60)));
        assert_eq!(hints.update_period, Some(Duration::from_secs(1800)));
        assert_eq!(
            hints.skip_hours, 0b11,
            "0, 1 and 24 (= 0); not 3 (an item's), not 99"
        );
        assert_eq!(hints.skip_days, (1 << 5) | (1 << 6));
    }

    #[test]
    fn absent_broken_and_partial_hints() {
        assert_eq!(read_hints("<rss><channel/></rss>"), FeedHints::default());
        assert_eq!(
            read_hints("<rss><channel><ttl>0</ttl><ttl>soon</ttl>"),
            FeedHints::default()
        );
        let daily = read_hints(
            "<rdf:RDF><channel><sy:updateFrequency>4</sy:updateFrequency></channel></rdf:RDF>",
        );
        assert_eq!(daily.update_period, Some(Duration::from_secs(6 * 3600)));
        let weekly = read_hints("<feed><sy:updatePeriod>weekly</sy:updatePeriod>");
        assert_eq!(weekly.update_period, Some(Duration::from_secs(7 * 86_400)));
        // Malformed after the hint: what came before stands.
        assert_eq!(
            read_hints("<rss><channel><ttl>5</ttl><a></b>").ttl,
            Some(Duration::from_secs(300))
        );
    }
}

//! Source health grouped by region, for `GET /sources`, `regionfeed sources` and the index page: which
//! province has no fresh items and why, and how often each source is polled and why (its learned pace,
//! an upstream hint, a clamp, backoff), what that costs (requests per new item over the last week) and
//! whether its validators are trusted. Pure: configured sources and stored states in, a report out.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::SourceConfig;
use crate::regions::{self, NATIONAL, REGIONS};
use crate::store::SourceState;

/// The sources of one region.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionHealth {
    /// Region slug, or `national`.
    pub region: String,
    /// Chinese name.
    pub name: String,
    /// The region's sources (a source with several regions appears under each).
    pub sources: Vec<SourceHealth>,
}

/// One source's state, as an operator reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceHealth {
    /// Source id.
    pub id: String,
    /// Title from config, else the feed's own.
    pub title: Option<String>,
    /// URL as configured.
    pub url: String,
    /// How it is read: `feed`, `html` (a list page) or `json` (a JSON list); `+articles` when each new
    /// item's page is read too.
    pub kind: String,
    /// `ok`, `failing`, `gone`, `never-polled` or `disabled`.
    pub status: &'static str,
    /// Last attempt, RFC 3339.
    pub last_attempt: Option<String>,
    /// Last success, RFC 3339.
    pub last_success: Option<String>,
    /// HTTP status of the last attempt (0 for files).
    pub last_status: Option<i64>,
    /// Error class of the last attempt.
    pub error_class: Option<String>,
    /// Error message of the last attempt.
    pub error_message: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: i64,
    /// Next planned poll, RFC 3339.
    pub next_due: Option<String>,
    /// New items ever stored from it.
    pub items_seen: i64,
    /// Where it moved permanently, if it did.
    pub moved_to: Option<String>,
    /// `auto`, or the cron expression.
    pub schedule: String,
    /// How long after one poll the next comes, seconds: the learned interval, the cron's gap, or the
    /// backoff; `None` before the first poll.
    pub interval_secs: Option<i64>,
    /// Why: `posting-rate`, `feed-window`, `slowing-down`, `new-source`, `min-interval`,
    /// `max-interval`, `ttl`, `update-period`, `max-age`, `expires`, `skip-hours`, `skip-days`, `cron`,
    /// `backoff` or `retry-after`.
    pub interval_reason: Option<String>,
    /// Items per day: the weekly posting rate learned from the items' dates, else the last week's new
    /// items over the days polled.
    pub items_per_day: Option<f64>,
    /// Requests per new item over the last week; `None` when none came.
    pub requests_per_new_item: Option<f64>,
    /// Requests over the last week.
    pub requests_last_week: i64,
    /// New items over the last week.
    pub new_items_last_week: i64,
    /// `trusted`, or `not-trusted`: the server said "not modified" while the feed had changed, so its
    /// `ETag`/`Last-Modified` are not sent until they prove right again.
    pub validators: &'static str,
    /// Since when the validators are not trusted, RFC 3339.
    pub validators_distrusted_since: Option<String>,
    /// Since when identical bodies are parsed all the same (one held new items), RFC 3339.
    pub body_hash_distrusted_since: Option<String>,
}

impl SourceHealth {
    /// How often and why, in words: `every 42 min (posting-rate)`, `cron */10 * * * *`.
    pub fn interval_text(&self) -> String {
        match (self.interval_secs, self.interval_reason.as_deref()) {
            (Some(seconds), Some("cron")) => {
                format!("cron {} (every {})", self.schedule, human_duration(seconds))
            }
            (Some(seconds), Some(reason)) => {
                format!("every {} ({reason})", human_duration(seconds))
            }
            (Some(seconds), None) => format!("every {}", human_duration(seconds)),
            (None, _) if self.schedule == crate::config::AUTO => {
                "auto (not yet polled)".to_string()
            }
            (None, _) => format!("cron {}", self.schedule),
        }
    }

    /// The last week in words: `33.6 new items/day, 1.3 requests per new item`.
    pub fn week_text(&self) -> String {
        let per_day = self
            .items_per_day
            .map_or("-".to_string(), |n| format!("{n:.1}"));
        match self.requests_per_new_item {
            Some(ratio) => format!("{per_day} new items/day, {ratio:.1} requests per new item"),
            None => format!(
                "{per_day} new items/day, {} requests, no new item",
                self.requests_last_week
            ),
        }
    }
}

/// `90 s`, `42 min`, `1.5 h`, `24 h`, `3 d`.
pub fn human_duration(seconds: i64) -> String {
    match seconds {
        ..120 => format!("{seconds} s"),
        120..7200 => format!("{} min", (seconds + 30) / 60),
        7200..172_800 => format!("{} h", trim_decimal(seconds as f64 / 3600.0)),
        _ => format!("{} d", trim_decimal(seconds as f64 / 86_400.0)),
    }
}

/// One decimal, without a trailing `.0`.
fn trim_decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// RFC 3339 text of a unix time, if any.
pub fn rfc3339(unix_seconds: Option<i64>) -> Option<String> {
    unix_seconds
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .map(|t| t.to_rfc3339())
}

fn source_health(source: &SourceConfig, state: Option<&SourceState>) -> SourceHealth {
    let default_state = SourceState::default();
    let state = state.unwrap_or(&default_state);
    let status = if !source.enabled {
        "disabled"
    } else if state.gone_url.as_deref() == Some(source.url.as_str()) {
        "gone"
    } else if state.last_attempt.is_none() {
        "never-polled"
    } else if state.error_class.is_some() {
        "failing"
    } else {
        "ok"
    };
    SourceHealth {
        id: source.id.clone(),
        title: source.title.clone().or_else(|| state.title.clone()),
        url: source.url.to_string(),
        kind: match source.article {
            Some(_) => format!("{}+articles", source.kind.as_str()),
            None => source.kind.as_str().to_string(),
        },
        status,
        last_attempt: rfc3339(state.last_attempt),
        last_success: rfc3339(state.last_success),
        last_status: state.last_status,
        error_class: state.error_class.clone(),
        error_message: state.error_message.clone(),
        consecutive_failures: state.consecutive_failures,
        next_due: rfc3339(state.next_due),
        items_seen: state.items_seen,
        moved_to: state.moved_to.clone(),
        schedule: source.schedule.expression().to_string(),
        interval_secs: None,
        interval_reason: None,
        items_per_day: None,
        requests_per_new_item: None,
        requests_last_week: state.week.requests,
        new_items_last_week: state.week.new_items,
        validators: if state.validators_distrusted_since.is_some() {
            "not-trusted"
        } else {
            "trusted"
        },
        validators_distrusted_since: rfc3339(state.validators_distrusted_since),
        body_hash_distrusted_since: rfc3339(state.body_hash_distrusted_since),
    }
    .with_pace(state)
}

impl SourceHealth {
    /// Fills the interval, its reason and the week's rates from `state`.
    fn with_pace(mut self, state: &SourceState) -> SourceHealth {
        let delayed = state
            .delayed_by
            .as_deref()
            .zip(state.next_due.zip(state.last_attempt));
        (self.interval_secs, self.interval_reason) = match delayed {
            // Backoff or Retry-After: the wait actually planned.
            Some((reason, (due, attempt))) => (Some(due - attempt), Some(reason.to_string())),
            None => (state.interval_secs, state.interval_reason.clone()),
        };
        let week = &state.week;
        self.items_per_day = state
            .posting_rate_per_day
            .or((week.days > 0).then(|| week.new_items as f64 / week.days as f64));
        if week.new_items > 0 {
            self.requests_per_new_item = Some(week.requests as f64 / week.new_items as f64);
        }
        self
    }
}

/// Groups configured sources by region (catalog order, then `national`), each with its stored state.
/// Regions without sources are left out.
pub fn report(sources: &[SourceConfig], states: &[SourceState]) -> Vec<RegionHealth> {
    let state_of = |id: &str| states.iter().find(|state| state.id == id);
    let mut groups: Vec<RegionHealth> = REGIONS
        .iter()
        .map(|region| RegionHealth {
            region: region.slug.to_string(),
            name: region.name_simplified.to_string(),
            sources: sources
                .iter()
                .filter(|source| source.regions.contains(&region.slug))
                .map(|source| source_health(source, state_of(&source.id)))
                .collect(),
        })
        .collect();
    groups.push(RegionHealth {
        region: NATIONAL.to_string(),
        name: "全国".to_string(),
        sources: sources
            .iter()
            .filter(|source| source.regions.is_empty())
            .map(|source| source_health(source, state_of(&source.id)))
            .collect(),
    });
    groups.retain(|group| !group.sources.is_empty());
    groups
}

/// A plain-text table of `report`, one line per source under a heading per region.
pub fn render_table(report: &[RegionHealth]) -> String {
    let mut text = String::new();
    for group in report {
        let heading = regions::by_slug(&group.region)
            .map(|region| format!("{} ({})", region.name_simplified, region.slug))
            .unwrap_or_else(|| format!("{} ({})", group.name, group.region));
        text.push_str(&heading);
        text.push('\n');
        for source in &group.sources {
            let last_success = source.last_success.as_deref().unwrap_or("never");
            let detail = match (&source.error_class, &source.error_message) {
                (Some(class), Some(message)) => {
                    format!("  {class} ×{}: {message}", source.consecutive_failures)
                }
                _ => String::new(),
            };
            text.push_str(&format!(
                "  {:<24} {:<12} {:<13} items {:>6}  last ok {last_success}{detail}\n",
                source.id, source.status, source.kind, source.items_seen
            ));
            let distrust = match (
                &source.validators_distrusted_since,
                &source.body_hash_distrusted_since,
            ) {
                (Some(since), _) => format!("; ETag/Last-Modified not trusted since {since}"),
                (None, Some(since)) => format!("; identical bodies parsed since {since}"),
                (None, None) => String::new(),
            };
            text.push_str(&format!(
                "  {:<24} {}; {} (7 d){distrust}\n",
                "",
                source.interval_text(),
                source.week_text()
            ));
        }
    }
    if text.is_empty() {
        text.push_str("no sources configured\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CronSchedule;

    fn source(id: &str, regions: Vec<&'static str>, enabled: bool) -> SourceConfig {
        SourceConfig {
            id: id.into(),
            url: url::Url::parse(&format!("https://example.cn/{id}.xml")).unwrap(),
            regions,
            schedule: CronSchedule::parse("*/10 * * * *").unwrap().into(),
            enabled,
            title: None,
            encoding: None,
            timezone: chrono_tz::Asia::Shanghai,
            text_tagging: true,
            kind: Default::default(),
            article: None,
        }
    }

    #[test]
    fn intervals_their_reasons_and_the_week_are_shown() {
        let mut auto = source("busy", vec!["shanxi"], true);
        auto.schedule = crate::config::Schedule::Auto(crate::config::PaceBounds::default());
        let sources = vec![auto, source("down", vec!["shanxi"], true)];
        let week = crate::store::SourceWeek {
            requests: 30,
            new_items: 24,
            days: 3,
        };
        let states = vec![
            SourceState {
                id: "busy".into(),
                last_attempt: Some(1_795_488_720),
                interval_secs: Some(2520),
                interval_reason: Some("posting-rate".into()),
                validators_distrusted_since: Some(1_795_488_000),
                week,
                ..Default::default()
            },
            SourceState {
                id: "down".into(),
                last_attempt: Some(1_795_488_720),
                next_due: Some(1_795_488_720 + 1200),
                interval_secs: Some(600),
                interval_reason: Some("cron".into()),
                delayed_by: Some("backoff".into()),
                week: crate::store::SourceWeek {
                    requests: 9,
                    new_items: 0,
                    days: 3,
                },
                ..Default::default()
            },
        ];
        let report = report(&sources, &states);
        let busy = &report[0].sources[0];
        assert_eq!(busy.schedule, "auto");
        assert_eq!(busy.interval_text(), "every 42 min (posting-rate)");
        assert_eq!(
            busy.week_text(),
            "8.0 new items/day, 1.2 requests per new item"
        );
        assert_eq!(busy.validators, "not-trusted");
        let down = &report[0].sources[1];
        assert_eq!(down.interval_text(), "every 20 min (backoff)");
        assert_eq!(
            down.week_text(),
            "0.0 new items/day, 9 requests, no new item"
        );
        let table = render_table(&report);
        assert!(
            table.contains("ETag/Last-Modified not trusted since 2026-"),
            "{table}"
        );
        for (seconds, text) in [
            (90, "90 s"),
            (2520, "42 min"),
            (5400, "90 min"),
            (9000, "2.5 h"),
            (86_400, "24 h"),
            (259_200, "3 d"),
        ] {
            assert_eq!(human_duration(seconds), text);
        }
    }

    #[test]
    fn sources_are_grouped_by_region_with_status() {
        let sources = vec![
            source("sx", vec!["shanxi"], true),
            source("sn", vec!["shaanxi"], true),
            source("both", vec!["shanxi", "shaanxi"], true),
            source("cn", vec![], true),
            source("off", vec!["anhui"], false),
            source("new", vec!["anhui"], true),
        ];
        let states = vec![
            SourceState {
                id: "sx".into(),
                last_attempt: Some(1_795_488_720),
                last_success: Some(1_795_488_720),
                items_seen: 3,
                ..Default::default()
            },
            SourceState {
                id: "sn".into(),
                last_attempt: Some(1_795_488_720),
                error_class: Some("http-5xx".into()),
                error_message: Some("HTTP 502".into()),
                consecutive_failures: 4,
                ..Default::default()
            },
            SourceState {
                id: "cn".into(),
                url: "https://example.cn/cn.xml".into(),
                last_attempt: Some(1_795_488_720),
                gone_url: Some("https://example.cn/cn.xml".into()),
                error_class: Some("gone".into()),
                ..Default::default()
            },
        ];
        let report = report(&sources, &states);
        let regions: Vec<&str> = report.iter().map(|g| g.region.as_str()).collect();
        assert_eq!(regions, vec!["anhui", "shanxi", "shaanxi", "national"]);
        let status = |region: &str, id: &str| {
            report
                .iter()
                .find(|g| g.region == region)
                .and_then(|g| g.sources.iter().find(|s| s.id == id))
                .map(|s| s.status)
        };
        assert_eq!(status("shanxi", "sx"), Some("ok"));
        assert_eq!(status("shaanxi", "sn"), Some("failing"));
        assert_eq!(status("shanxi", "both"), Some("never-polled"));
        assert_eq!(status("shaanxi", "both"), Some("never-polled"));
        assert_eq!(status("national", "cn"), Some("gone"));
        assert_eq!(status("anhui", "off"), Some("disabled"));
        let table = render_table(&report);
        assert!(table.contains("陕西 (shaanxi)"), "{table}");
        assert!(table.contains("http-5xx ×4: HTTP 502"), "{table}");
    }
}

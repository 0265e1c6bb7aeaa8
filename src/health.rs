//! Source health grouped by region, for `GET /sources` and `regionfeed sources`: which province has no
//! fresh items and why. Pure: configured sources and stored states in, a report out.

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
                "  {:<24} {:<12} items {:>6}  last ok {last_success}{detail}\n",
                source.id, source.status, source.items_seen
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
            schedule: CronSchedule::parse("*/10 * * * *").unwrap(),
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

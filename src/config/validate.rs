//! Validation: the raw schema checked key by key into a [`Config`]; every problem is collected with its
//! place, and any problem rejects the whole file.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::problems::Locator;
use super::raw::{RawConfig, RawRegion};
use super::{
    Config, ConfigError, CronSchedule, MetricsAccess, PollConfig, RetentionConfig, ServerConfig,
    SourceConfig, StorageConfig,
};
use crate::regions;

pub(super) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub(super) const DEFAULT_SCHEDULE: &str = "*/10 * * * *";
const DEFAULT_DATABASE: &str = "regionfeed.db";
const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";
/// Shortest `[server] admin_token` accepted.
const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// Validates config `text` as if read from `path` (used for messages and to resolve relative paths).
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let locate = Locator { text, path };
    let raw: RawConfig = toml::from_str(text).map_err(|error| {
        ConfigError::Invalid(vec![
            locate.problem(error.span(), error.message().trim_end().to_string()),
        ])
    })?;
    let base_dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut problems = Vec::new();
    let mut report = |span: Option<Range<usize>>, message: String| {
        problems.push(locate.problem(span, message));
    };

    let listen = match &raw.server.listen {
        None => DEFAULT_LISTEN
            .parse()
            .expect("default listen address parses"),
        Some(listen) => listen.get_ref().parse().unwrap_or_else(|_| {
            report(
                Some(listen.span()),
                format!(
                    "[server] listen: \"{}\" is not an address such as 127.0.0.1:8080",
                    listen.get_ref()
                ),
            );
            DEFAULT_LISTEN
                .parse()
                .expect("default listen address parses")
        }),
    };
    let public_url = raw.server.public_url.as_ref().and_then(|public_url| {
        match Url::parse(public_url.get_ref()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {
                Some(public_url.get_ref().trim_end_matches('/').to_string())
            }
            _ => {
                report(
                    Some(public_url.span()),
                    format!(
                        "[server] public_url: \"{}\" is not an absolute http(s) URL",
                        public_url.get_ref()
                    ),
                );
                None
            }
        }
    });
    let metrics = match raw.server.metrics.as_ref() {
        None => MetricsAccess::Loopback,
        Some(value) => match value.get_ref().as_str() {
            "loopback" => MetricsAccess::Loopback,
            "any" => MetricsAccess::Any,
            "off" => MetricsAccess::Off,
            other => {
                report(
                    Some(value.span()),
                    format!(
                        "[server] metrics: use \"loopback\", \"any\" or \"off\", got \"{other}\""
                    ),
                );
                MetricsAccess::Loopback
            }
        },
    };
    let mut limits = crate::server::ServerLimits::default();
    if let Some(max) = &raw.server.max_connections {
        if *max.get_ref() == 0 {
            report(
                Some(max.span()),
                "[server] max_connections must be at least 1".into(),
            );
        } else {
            limits.max_connections = *max.get_ref();
        }
    }
    if let Some(secs) = &raw.server.header_timeout_secs {
        if *secs.get_ref() == 0 {
            report(
                Some(secs.span()),
                "[server] header_timeout_secs must be at least 1".into(),
            );
        } else {
            limits.header_timeout = Duration::from_secs(*secs.get_ref());
        }
    }
    let admin_token = raw.server.admin_token.as_ref().and_then(|token| {
        let text = token.get_ref();
        if text.chars().count() < MIN_ADMIN_TOKEN_CHARS
            || !text.chars().all(|c| c.is_ascii_graphic())
        {
            report(
                Some(token.span()),
                format!(
                    "[server] admin_token must be at least {MIN_ADMIN_TOKEN_CHARS} printable ASCII characters without spaces (e.g. the output of `openssl rand -hex 24`)"
                ),
            );
            None
        } else {
            Some(text.clone())
        }
    });

    let mut parsed_schedules: std::collections::HashMap<String, CronSchedule> =
        std::collections::HashMap::new();
    let default_schedule = match &raw.poll.schedule {
        None => CronSchedule::parse(DEFAULT_SCHEDULE).expect("default schedule parses"),
        Some(schedule) => CronSchedule::parse(schedule.get_ref()).unwrap_or_else(|reason| {
            report(
                Some(schedule.span()),
                format!(
                    "[poll] schedule: invalid cron expression \"{}\": {reason}",
                    schedule.get_ref()
                ),
            );
            CronSchedule::parse(DEFAULT_SCHEDULE).expect("default schedule parses")
        }),
    };
    let request_timeout_secs = positive_or_report(
        &raw.poll.request_timeout_secs,
        20,
        "[poll] request_timeout_secs",
        &mut report,
    );
    let max_body_bytes = positive_or_report(
        &raw.poll.max_body_bytes,
        16 * 1024 * 1024,
        "[poll] max_body_bytes",
        &mut report,
    );
    let concurrency =
        positive_or_report(&raw.poll.concurrency, 16, "[poll] concurrency", &mut report);
    let host_concurrency = positive_or_report(
        &raw.poll.host_concurrency,
        2,
        "[poll] host_concurrency",
        &mut report,
    );
    let poll = PollConfig {
        schedule: default_schedule.clone(),
        request_timeout: Duration::from_secs(request_timeout_secs),
        user_agent: raw.poll.user_agent.clone().unwrap_or_else(|| {
            format!(
                "regionfeed/{} (regional news aggregator)",
                env!("CARGO_PKG_VERSION")
            )
        }),
        max_body_bytes,
        concurrency,
        startup_spread: Duration::from_secs(raw.poll.startup_spread_secs.unwrap_or(5)),
        host_concurrency,
        host_spacing: Duration::from_millis(raw.poll.host_spacing_ms.unwrap_or(1000)),
    };

    let mut seen_ids = HashSet::new();
    let mut sources = Vec::with_capacity(raw.sources.len());
    for raw_source in &raw.sources {
        let id = raw_source.id.get_ref().trim().to_string();
        if id.is_empty() {
            report(
                Some(raw_source.id.span()),
                "[[source]] id must not be empty".to_string(),
            );
            continue;
        }
        if !seen_ids.insert(id.clone()) {
            report(
                Some(raw_source.id.span()),
                format!("source \"{id}\": duplicate id (ids must be unique)"),
            );
            continue;
        }
        let url = match resolve_source_url(raw_source.url.get_ref(), &base_dir) {
            Ok(url) => Some(url),
            Err(reason) => {
                report(
                    Some(raw_source.url.span()),
                    format!("source \"{id}\": url: {reason}"),
                );
                None
            }
        };
        let region_names: Vec<&String> = match raw_source.region.get_ref() {
            RawRegion::One(name) => vec![name],
            RawRegion::Many(names) => names.iter().collect(),
        };
        let mut source_regions = Vec::new();
        let mut regions_ok = true;
        if region_names.is_empty() {
            report(
                Some(raw_source.region.span()),
                format!("source \"{id}\": region list is empty; use \"national\" for no region"),
            );
            regions_ok = false;
        }
        for name in region_names {
            if name == regions::NATIONAL {
                continue;
            }
            match regions::by_slug(name) {
                Some(region) if !source_regions.contains(&region.slug) => {
                    source_regions.push(region.slug)
                }
                Some(_) => {}
                None => {
                    report(
                        Some(raw_source.region.span()),
                        format!(
                            "source \"{id}\": unknown region \"{name}\"; valid regions: {}",
                            regions::valid_slugs_list()
                        ),
                    );
                    regions_ok = false;
                }
            }
        }
        let schedule = match &raw_source.schedule {
            None => Some(default_schedule.clone()),
            Some(schedule) => match parsed_schedules
                .get(schedule.get_ref().trim())
                .cloned()
                .map(Ok)
                .unwrap_or_else(|| CronSchedule::parse(schedule.get_ref()))
            {
                Ok(parsed) => {
                    // Sources with the same expression share one parsed schedule.
                    parsed_schedules.insert(schedule.get_ref().trim().to_string(), parsed.clone());
                    Some(parsed)
                }
                Err(reason) => {
                    report(
                        Some(schedule.span()),
                        format!(
                            "source \"{id}\": schedule: invalid cron expression \"{}\": {reason}",
                            schedule.get_ref()
                        ),
                    );
                    None
                }
            },
        };
        let encoding = match &raw_source.encoding {
            None => Some(None),
            Some(label) => match encoding_rs::Encoding::for_label(label.get_ref().as_bytes()) {
                Some(encoding) => Some(Some(encoding)),
                None => {
                    report(
                        Some(label.span()),
                        format!(
                            "source \"{id}\": encoding: unknown encoding \"{}\" (try utf-8, gb18030, gbk, big5)",
                            label.get_ref()
                        ),
                    );
                    None
                }
            },
        };
        let timezone_name = raw_source
            .timezone
            .as_ref()
            .map(|tz| tz.get_ref().as_str())
            .unwrap_or(DEFAULT_TIMEZONE);
        let timezone = match timezone_name.parse::<chrono_tz::Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                report(
                    raw_source.timezone.as_ref().map(Spanned::span),
                    format!(
                        "source \"{id}\": timezone: unknown time zone \"{timezone_name}\" (an IANA name such as Asia/Shanghai)"
                    ),
                );
                None
            }
        };
        if let (Some(url), true, Some(schedule), Some(encoding), Some(timezone)) =
            (url, regions_ok, schedule, encoding, timezone)
        {
            sources.push(SourceConfig {
                id,
                url,
                regions: source_regions,
                schedule,
                enabled: raw_source.enabled,
                title: raw_source.title.clone(),
                encoding,
                timezone,
                text_tagging: raw_source.text_tagging,
            });
        }
    }

    let log_level = match &raw.log.level {
        None => "info".to_string(),
        Some(level) => {
            if tracing_subscriber::EnvFilter::try_new(level.get_ref()).is_err() {
                report(
                    Some(level.span()),
                    format!(
                        "[log] level: \"{}\" is not a log filter (error, warn, info, debug, trace, or e.g. \"regionfeed=debug,info\")",
                        level.get_ref()
                    ),
                );
            }
            level.get_ref().clone()
        }
    };

    let retention = RetentionConfig {
        policy: crate::store::RetentionPolicy {
            max_age_days: positive_or_report(
                &raw.retention.keep_days,
                90,
                "[retention] keep_days",
                &mut report,
            ),
            max_per_region: positive_or_report(
                &raw.retention.max_per_region,
                2000,
                "[retention] max_per_region",
                &mut report,
            ),
            min_per_source: raw.retention.min_per_source.unwrap_or(50),
            batch: 500,
        },
        interval: Duration::from_secs(
            60 * positive_or_report(
                &raw.retention.interval_minutes,
                60,
                "[retention] interval_minutes",
                &mut report,
            ),
        ),
    };

    let database_name = raw
        .storage
        .database
        .clone()
        .unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    let database = base_dir.join(database_name);

    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems));
    }
    Ok(Config {
        path: path.to_path_buf(),
        server: ServerConfig {
            listen,
            public_url,
            metrics,
            limits,
            admin_token,
        },
        storage: StorageConfig { database },
        poll,
        sources,
        log_level,
        retention,
    })
}

fn positive_or_report<T>(
    value: &Option<Spanned<T>>,
    default: T,
    key: &str,
    report: &mut impl FnMut(Option<Range<usize>>, String),
) -> T
where
    T: Copy + PartialOrd + Default + fmt::Display,
{
    match value {
        None => default,
        Some(value) if *value.get_ref() > T::default() => *value.get_ref(),
        Some(value) => {
            report(
                Some(value.span()),
                format!("{key}: must be greater than 0 (got {})", value.get_ref()),
            );
            default
        }
    }
}

/// Parses a source URL; `file:` URLs with a relative path resolve against `base_dir`.
fn resolve_source_url(raw: &str, base_dir: &Path) -> Result<Url, String> {
    let raw = raw.trim();
    if let Some(rest) = raw
        .strip_prefix("file://")
        .or_else(|| raw.strip_prefix("file:"))
    {
        let file_path = Path::new(rest);
        let absolute = if file_path.is_absolute() {
            file_path.to_path_buf()
        } else {
            let joined = base_dir.join(file_path);
            std::path::absolute(&joined).unwrap_or(joined)
        };
        return Url::from_file_path(&absolute)
            .map_err(|()| format!("\"{raw}\" is not a usable file path"));
    }
    let url = Url::parse(raw).map_err(|error| format!("\"{raw}\" is not a valid URL ({error})"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        "http" | "https" => Err(format!("\"{raw}\" has no host")),
        scheme => Err(format!(
            "unsupported URL scheme \"{scheme}\" in \"{raw}\" (use http, https or file)"
        )),
    }
}

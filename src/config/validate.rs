//! Validation: the raw schema checked section by section into a [`Config`]; every problem is collected
//! with its place, and any problem rejects the whole file.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::listing;
use super::problems::Locator;
use super::raw::{RawConfig, RawLog, RawPoll, RawRegion, RawRetention, RawServer, RawSource};
use super::{
    AUTO, ActivityWindowEnd, Config, ConfigError, CronSchedule, MetricsAccess, PaceBounds,
    PollConfig, Problem, RetentionConfig, RetentionPolicy, Schedule, ServerConfig, ServerLimits,
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
    let mut problems = Problems {
        locate,
        found: Vec::new(),
    };
    let mut schedules = Schedules::default();
    let server = server_section(&raw.server, &mut problems);
    let poll = poll_section(&raw.poll, &mut schedules, &mut problems);
    let sources = source_sections(
        &raw.sources,
        &base_dir,
        &poll,
        &mut schedules,
        &mut problems,
    );
    let log_level = log_section(&raw.log, &mut problems);
    let retention = retention_section(&raw.retention, &mut problems);
    let database_name = raw.storage.database.as_deref().unwrap_or(DEFAULT_DATABASE);
    let storage = StorageConfig {
        database: base_dir.join(database_name),
    };
    if !problems.found.is_empty() {
        return Err(ConfigError::Invalid(problems.found));
    }
    Ok(Config {
        path: path.to_path_buf(),
        server,
        storage,
        poll,
        sources: std::sync::Arc::new(sources),
        log_level,
        retention,
    })
}

/// Problems found so far, each placed in the file.
struct Problems<'a> {
    locate: Locator<'a>,
    found: Vec<Problem>,
}

impl Problems<'_> {
    /// Records a problem at `span` (a byte range of the file; `None`: no place).
    fn report(&mut self, span: Option<Range<usize>>, message: String) {
        self.found.push(self.locate.problem(span, message));
    }

    /// `value` when it is greater than zero, `default` when absent; a problem (and `default`) otherwise.
    fn positive<T>(&mut self, value: &Option<Spanned<T>>, default: T, key: &str) -> T
    where
        T: Copy + PartialOrd + Default + fmt::Display,
    {
        match value {
            None => default,
            Some(value) if *value.get_ref() > T::default() => *value.get_ref(),
            Some(value) => {
                self.report(
                    Some(value.span()),
                    format!("{key}: must be greater than 0 (got {})", value.get_ref()),
                );
                default
            }
        }
    }
}

/// Parsed cron schedules by expression: sources with the same expression share one.
#[derive(Default)]
struct Schedules(HashMap<String, CronSchedule>);

impl Schedules {
    /// `auto` (within `pace`), or a cron expression; a reason when it is neither.
    fn parse(&mut self, expression: &str, pace: PaceBounds) -> Result<Schedule, String> {
        let key = expression.trim();
        if key == AUTO {
            return Ok(Schedule::Auto(pace));
        }
        if let Some(schedule) = self.0.get(key) {
            return Ok(Schedule::Cron(schedule.clone()));
        }
        let schedule = CronSchedule::parse(expression).map_err(|reason| {
            format!("invalid cron expression \"{key}\" (or use \"auto\"): {reason}")
        })?;
        self.0.insert(key.to_string(), schedule.clone());
        Ok(Schedule::Cron(schedule))
    }
}

/// `[server]`.
fn server_section(raw: &RawServer, problems: &mut Problems<'_>) -> ServerConfig {
    let default_listen = || {
        DEFAULT_LISTEN
            .parse()
            .expect("default listen address parses")
    };
    let listen = match &raw.listen {
        None => default_listen(),
        Some(listen) => listen.get_ref().parse().unwrap_or_else(|_| {
            problems.report(
                Some(listen.span()),
                format!(
                    "[server] listen: \"{}\" is not an address such as 127.0.0.1:8080",
                    listen.get_ref()
                ),
            );
            default_listen()
        }),
    };
    let public_url =
        raw.public_url
            .as_ref()
            .and_then(|public_url| match Url::parse(public_url.get_ref()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {
                    Some(public_url.get_ref().trim_end_matches('/').to_string())
                }
                _ => {
                    problems.report(
                        Some(public_url.span()),
                        format!(
                            "[server] public_url: \"{}\" is not an absolute http(s) URL",
                            public_url.get_ref()
                        ),
                    );
                    None
                }
            });
    ServerConfig {
        listen,
        public_url,
        metrics: metrics_access(raw, problems),
        limits: server_limits(raw, problems),
        admin_token: admin_token(raw, problems),
        activity_window_end: activity_window_end(raw, problems),
    }
}

/// `[server] activity_window_end`.
fn activity_window_end(raw: &RawServer, problems: &mut Problems<'_>) -> ActivityWindowEnd {
    let Some(value) = raw.activity_window_end.as_ref() else {
        return ActivityWindowEnd::Now;
    };
    match value.get_ref().as_str() {
        "now" => ActivityWindowEnd::Now,
        "newest-item" => ActivityWindowEnd::NewestItem,
        other => {
            problems.report(
                Some(value.span()),
                format!(
                    "[server] activity_window_end: use \"now\" or \"newest-item\", got \"{other}\""
                ),
            );
            ActivityWindowEnd::Now
        }
    }
}

/// `[server] metrics`.
fn metrics_access(raw: &RawServer, problems: &mut Problems<'_>) -> MetricsAccess {
    let Some(value) = raw.metrics.as_ref() else {
        return MetricsAccess::Loopback;
    };
    match value.get_ref().as_str() {
        "loopback" => MetricsAccess::Loopback,
        "any" => MetricsAccess::Any,
        "off" => MetricsAccess::Off,
        other => {
            problems.report(
                Some(value.span()),
                format!("[server] metrics: use \"loopback\", \"any\" or \"off\", got \"{other}\""),
            );
            MetricsAccess::Loopback
        }
    }
}

/// `[server] max_connections` and `header_timeout_secs`.
fn server_limits(raw: &RawServer, problems: &mut Problems<'_>) -> ServerLimits {
    let mut limits = ServerLimits::default();
    if let Some(max) = &raw.max_connections {
        if *max.get_ref() == 0 {
            problems.report(
                Some(max.span()),
                "[server] max_connections must be at least 1".into(),
            );
        } else {
            limits.max_connections = *max.get_ref();
        }
    }
    if let Some(secs) = &raw.header_timeout_secs {
        if *secs.get_ref() == 0 {
            problems.report(
                Some(secs.span()),
                "[server] header_timeout_secs must be at least 1".into(),
            );
        } else {
            limits.header_timeout = Duration::from_secs(*secs.get_ref());
        }
    }
    limits
}

/// `[server] admin_token`: long enough to resist guessing, printable.
fn admin_token(raw: &RawServer, problems: &mut Problems<'_>) -> Option<String> {
    let token = raw.admin_token.as_ref()?;
    let text = token.get_ref();
    if text.chars().count() < MIN_ADMIN_TOKEN_CHARS || !text.chars().all(|c| c.is_ascii_graphic()) {
        problems.report(
            Some(token.span()),
            format!(
                "[server] admin_token must be at least {MIN_ADMIN_TOKEN_CHARS} printable ASCII characters without spaces (e.g. the output of `openssl rand -hex 24`)"
            ),
        );
        return None;
    }
    Some(text.clone())
}

/// `[poll]`.
fn poll_section(
    raw: &RawPoll,
    schedules: &mut Schedules,
    problems: &mut Problems<'_>,
) -> PollConfig {
    let default_schedule =
        || Schedule::Cron(CronSchedule::parse(DEFAULT_SCHEDULE).expect("default schedule parses"));
    let pace = pace_bounds(raw, problems);
    let schedule = match &raw.schedule {
        None => default_schedule(),
        Some(schedule) => schedules
            .parse(schedule.get_ref(), pace)
            .unwrap_or_else(|reason| {
                problems.report(Some(schedule.span()), format!("[poll] schedule: {reason}"));
                default_schedule()
            }),
    };
    PollConfig {
        schedule,
        pace,
        revalidate_after: raw
            .revalidate_after
            .as_ref()
            .map(|_| problems.positive(&raw.revalidate_after, 1, "[poll] revalidate_after")),
        request_timeout: Duration::from_secs(problems.positive(
            &raw.request_timeout_secs,
            20,
            "[poll] request_timeout_secs",
        )),
        user_agent: raw.user_agent.clone().unwrap_or_else(|| {
            format!(
                "regionfeed/{} (regional news aggregator)",
                env!("CARGO_PKG_VERSION")
            )
        }),
        max_body_bytes: problems.positive(
            &raw.max_body_bytes,
            16 * 1024 * 1024,
            "[poll] max_body_bytes",
        ),
        concurrency: problems.positive(&raw.concurrency, 16, "[poll] concurrency"),
        startup_spread: Duration::from_secs(raw.startup_spread_secs.unwrap_or(5)),
        host_concurrency: problems.positive(&raw.host_concurrency, 2, "[poll] host_concurrency"),
        host_spacing: Duration::from_millis(raw.host_spacing_ms.unwrap_or(1000)),
        max_articles_per_poll: problems.positive(
            &raw.max_articles_per_poll,
            listing::DEFAULT_MAX_ARTICLES_PER_POLL,
            "[poll] max_articles_per_poll",
        ),
    }
}

/// `[poll] min_interval_secs` and `max_interval_secs`: both above zero, the least not above the most.
fn pace_bounds(raw: &RawPoll, problems: &mut Problems<'_>) -> PaceBounds {
    let defaults = PaceBounds::default();
    let min = problems.positive(
        &raw.min_interval_secs,
        defaults.min_interval.as_secs(),
        "[poll] min_interval_secs",
    );
    let max = problems.positive(
        &raw.max_interval_secs,
        defaults.max_interval.as_secs(),
        "[poll] max_interval_secs",
    );
    if min > max {
        let span = raw
            .max_interval_secs
            .as_ref()
            .or(raw.min_interval_secs.as_ref())
            .map(Spanned::span);
        problems.report(
            span,
            format!(
                "[poll] max_interval_secs ({max}) must not be less than min_interval_secs ({min})"
            ),
        );
        return defaults;
    }
    PaceBounds {
        min_interval: Duration::from_secs(min),
        max_interval: Duration::from_secs(max),
    }
}

/// Every `[[source]]`; a source with a problem is reported and left out.
fn source_sections(
    raw_sources: &[RawSource],
    base_dir: &Path,
    poll: &PollConfig,
    schedules: &mut Schedules,
    problems: &mut Problems<'_>,
) -> Vec<SourceConfig> {
    let mut seen_ids = HashSet::new();
    let mut sources = Vec::with_capacity(raw_sources.len());
    for raw in raw_sources {
        let id = raw.id.get_ref().trim().to_string();
        if id.is_empty() {
            problems.report(
                Some(raw.id.span()),
                "[[source]] id must not be empty".to_string(),
            );
            continue;
        }
        if !seen_ids.insert(id.clone()) {
            problems.report(
                Some(raw.id.span()),
                format!("source \"{id}\": duplicate id (ids must be unique)"),
            );
            continue;
        }
        let context = SourceContext {
            id: &id,
            base_dir,
            default_schedule: &poll.schedule,
            max_articles_per_poll: poll.max_articles_per_poll,
            pace: poll.pace,
        };
        if let Some(source) = source_section(raw, &context, schedules, problems) {
            sources.push(source);
        }
    }
    sources
}

/// What checking one source needs besides its table.
struct SourceContext<'a> {
    id: &'a str,
    base_dir: &'a Path,
    default_schedule: &'a Schedule,
    max_articles_per_poll: usize,
    pace: PaceBounds,
}

/// One `[[source]]` with a valid, unique id; `None` when any of its keys has a problem.
fn source_section(
    raw: &RawSource,
    context: &SourceContext<'_>,
    schedules: &mut Schedules,
    problems: &mut Problems<'_>,
) -> Option<SourceConfig> {
    let id = context.id;
    let url = match resolve_source_url(raw.url.get_ref(), context.base_dir) {
        Ok(url) => Some(url),
        Err(reason) => {
            problems.report(
                Some(raw.url.span()),
                format!("source \"{id}\": url: {reason}"),
            );
            None
        }
    };
    let regions = source_regions(raw, id, problems);
    let schedule = match &raw.schedule {
        None => Some(context.default_schedule.clone()),
        Some(schedule) => match schedules.parse(schedule.get_ref(), context.pace) {
            Ok(parsed) => Some(parsed),
            Err(reason) => {
                problems.report(
                    Some(schedule.span()),
                    format!("source \"{id}\": schedule: {reason}"),
                );
                None
            }
        },
    };
    let encoding = source_encoding(raw, id, problems);
    let timezone = source_timezone(raw, id, problems);
    let mut report = |span, message| problems.report(Some(span), message);
    let kind = listing::source_kind(raw, id, &mut report);
    let article = match &raw.article {
        None => Some(None),
        Some(article) => {
            listing::article_rule(article, id, context.max_articles_per_poll, &mut report).map(Some)
        }
    };
    Some(SourceConfig {
        id: id.to_string(),
        url: url?,
        regions: regions?,
        schedule: schedule?,
        enabled: raw.enabled,
        title: raw.title.clone(),
        encoding: encoding?,
        timezone: timezone?,
        text_tagging: raw.text_tagging,
        kind: kind?,
        article: article?,
    })
}

/// A source's `region`: one slug or a list, `national` for none; `None` on a problem.
fn source_regions(
    raw: &RawSource,
    id: &str,
    problems: &mut Problems<'_>,
) -> Option<Vec<&'static str>> {
    let names: Vec<&String> = match raw.region.get_ref() {
        RawRegion::One(name) => vec![name],
        RawRegion::Many(names) => names.iter().collect(),
    };
    if names.is_empty() {
        problems.report(
            Some(raw.region.span()),
            format!("source \"{id}\": region list is empty; use \"national\" for no region"),
        );
        return None;
    }
    let mut slugs = Vec::new();
    let mut ok = true;
    for name in names.into_iter().filter(|name| *name != regions::NATIONAL) {
        match regions::by_slug(name) {
            Some(region) if !slugs.contains(&region.slug) => slugs.push(region.slug),
            Some(_) => {}
            None => {
                problems.report(
                    Some(raw.region.span()),
                    format!(
                        "source \"{id}\": unknown region \"{name}\"; valid regions: {}",
                        regions::valid_slugs_list()
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(slugs)
}

/// A source's `encoding` override: `Some(None)` when there is none, `None` on a problem.
fn source_encoding(
    raw: &RawSource,
    id: &str,
    problems: &mut Problems<'_>,
) -> Option<Option<&'static encoding_rs::Encoding>> {
    let Some(label) = &raw.encoding else {
        return Some(None);
    };
    match encoding_rs::Encoding::for_label(label.get_ref().as_bytes()) {
        Some(encoding) => Some(Some(encoding)),
        None => {
            problems.report(
                Some(label.span()),
                format!(
                    "source \"{id}\": encoding: unknown encoding \"{}\" (try utf-8, gb18030, gbk, big5)",
                    label.get_ref()
                ),
            );
            None
        }
    }
}

/// A source's `timezone` (default Asia/Shanghai); `None` on a problem.
fn source_timezone(
    raw: &RawSource,
    id: &str,
    problems: &mut Problems<'_>,
) -> Option<chrono_tz::Tz> {
    let name = raw
        .timezone
        .as_ref()
        .map(|tz| tz.get_ref().as_str())
        .unwrap_or(DEFAULT_TIMEZONE);
    match name.parse::<chrono_tz::Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            problems.report(
                raw.timezone.as_ref().map(Spanned::span),
                format!(
                    "source \"{id}\": timezone: unknown time zone \"{name}\" (an IANA name such as Asia/Shanghai)"
                ),
            );
            None
        }
    }
}

/// `[log] level`: a tracing filter (`info`, `regionfeed=debug,info`).
fn log_section(raw: &RawLog, problems: &mut Problems<'_>) -> String {
    let Some(level) = &raw.level else {
        return "info".to_string();
    };
    if tracing_subscriber::EnvFilter::try_new(level.get_ref()).is_err() {
        problems.report(
            Some(level.span()),
            format!(
                "[log] level: \"{}\" is not a log filter (error, warn, info, debug, trace, or e.g. \"regionfeed=debug,info\")",
                level.get_ref()
            ),
        );
    }
    level.get_ref().clone()
}

/// `[retention]`.
fn retention_section(raw: &RawRetention, problems: &mut Problems<'_>) -> RetentionConfig {
    RetentionConfig {
        policy: RetentionPolicy {
            max_age_days: problems.positive(&raw.keep_days, 90, "[retention] keep_days"),
            max_per_region: problems.positive(
                &raw.max_per_region,
                2000,
                "[retention] max_per_region",
            ),
            min_per_source: raw.min_per_source.unwrap_or(50),
            batch: 500,
        },
        interval: Duration::from_secs(
            60 * problems.positive(&raw.interval_minutes, 60, "[retention] interval_minutes"),
        ),
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

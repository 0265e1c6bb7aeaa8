//! Reads and validates the TOML config; the only module that reads the config file.
//!
//! Loading is all-or-nothing: every problem found is reported with the file, line and column and the key or
//! source id it concerns, and a config with any problem is rejected whole, so the daemon never starts (or
//! reloads) half-configured. Relative paths resolve against the config file's folder.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::poll::scheduler::CronSchedule;
use crate::regions;

/// A validated configuration, ready to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this config was read from.
    pub path: PathBuf,
    /// HTTP server settings.
    pub server: ServerConfig,
    /// Where the database lives.
    pub storage: StorageConfig,
    /// Defaults for polling.
    pub poll: PollConfig,
    /// Every source, enabled or not, in file order.
    pub sources: Vec<SourceConfig>,
    /// `[log] level`: the log filter when `RUST_LOG` is not set (tracing's `EnvFilter` syntax).
    pub log_level: String,
    /// `[retention]`: how long items are kept.
    pub retention: RetentionConfig,
}

/// `[retention]`: which items are removed, and how often that is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// The policy itself.
    pub policy: crate::store::RetentionPolicy,
    /// How often retention runs.
    pub interval: Duration,
}

/// `[server]`: the HTTP endpoint.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Public base URL used in feed self links (default: derived from the request's Host header).
    pub public_url: Option<String>,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// Connection cap, header deadline and size.
    pub limits: crate::server::ServerLimits,
    /// Bearer token for the endpoints that change state (`POST /sources/{id}/refresh`); `None`: they are
    /// off.
    pub admin_token: Option<String>,
}

/// `[server] metrics`: who may read `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsAccess {
    /// Only clients connecting from a loopback address (the default).
    #[default]
    Loopback,
    /// Any client.
    Any,
    /// Nobody: `/metrics` answers 404.
    Off,
}

/// `[storage]`: the SQLite database.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// Database file, absolute (relative paths in the file resolve against the config's folder).
    pub database: PathBuf,
}

/// `[poll]`: defaults for every source.
#[derive(Debug, Clone)]
pub struct PollConfig {
    /// Schedule for sources that name none (default every 10 minutes).
    pub schedule: CronSchedule,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// User-Agent header sent upstream.
    pub user_agent: String,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Most polls in flight at once, over all sources.
    pub concurrency: usize,
    /// The first polls after start are spread over this long.
    pub startup_spread: Duration,
    /// Most requests in flight to one host.
    pub host_concurrency: usize,
    /// Least time between the starts of two requests to one host.
    pub host_spacing: Duration,
}

/// One `[[source]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Unique id, used in logs, output attribution and the database.
    pub id: String,
    /// Where to fetch: `http`, `https` or `file` (relative file paths already resolved).
    pub url: Url,
    /// Region slugs this source belongs to; empty means national.
    pub regions: Vec<&'static str>,
    /// When to poll.
    pub schedule: CronSchedule,
    /// Disabled sources are kept in config (and their items in the database) but never polled.
    pub enabled: bool,
    /// Human title shown in output; defaults to the feed's own title, then the id.
    pub title: Option<String>,
    /// Forced character encoding, overriding detection.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Time zone for dates written without one (default Asia/Shanghai).
    pub timezone: chrono_tz::Tz,
    /// Tag items with regions found in their text (dateline, title, body); default true.
    pub text_tagging: bool,
}

/// Why a config was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but has problems; each says where.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

/// One problem in a config file, with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The config file.
    pub path: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), with `line`.
    pub column: Option<usize>,
    /// What is wrong, naming the key or source id.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(
                    f,
                    "{}:{line}:{column}: {}",
                    self.path.display(),
                    self.message
                )
            }
            _ => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

fn render_problems(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_SCHEDULE: &str = "*/10 * * * *";
const DEFAULT_DATABASE: &str = "regionfeed.db";
const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";
/// Shortest `[server] admin_token` accepted.
const MIN_ADMIN_TOKEN_CHARS: usize = 16;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    poll: RawPoll,
    #[serde(default, rename = "source")]
    sources: Vec<RawSource>,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    retention: RawRetention,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    keep_days: Option<Spanned<u32>>,
    max_per_region: Option<Spanned<usize>>,
    min_per_source: Option<usize>,
    interval_minutes: Option<Spanned<u64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLog {
    level: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    public_url: Option<Spanned<String>>,
    metrics: Option<Spanned<String>>,
    max_connections: Option<Spanned<usize>>,
    header_timeout_secs: Option<Spanned<u64>>,
    admin_token: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    database: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    schedule: Option<Spanned<String>>,
    request_timeout_secs: Option<Spanned<u64>>,
    user_agent: Option<String>,
    max_body_bytes: Option<Spanned<u64>>,
    concurrency: Option<Spanned<usize>>,
    startup_spread_secs: Option<u64>,
    host_concurrency: Option<Spanned<usize>>,
    host_spacing_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    url: Spanned<String>,
    region: Spanned<RawRegion>,
    schedule: Option<Spanned<String>>,
    #[serde(default = "default_true")]
    enabled: bool,
    title: Option<String>,
    encoding: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    #[serde(default = "default_true")]
    text_tagging: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRegion {
    One(String),
    Many(Vec<String>),
}

fn default_true() -> bool {
    true
}

/// Reads and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

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

impl Config {
    /// The sources that are polled.
    pub fn enabled_sources(&self) -> impl Iterator<Item = &SourceConfig> {
        self.sources.iter().filter(|source| source.enabled)
    }

    /// Looks a source up by id.
    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|source| source.id == id)
    }
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

/// Turns byte spans into file positions.
struct Locator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Locator<'_> {
    fn problem(&self, span: Option<Range<usize>>, message: String) -> Problem {
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_and_column(self.text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        Problem {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }
}

/// 1-based line and character column of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A `[[source]]` table to add to a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Unique id.
    pub id: String,
    /// Feed URL.
    pub url: String,
    /// Region slug, or `national`.
    pub region: String,
    /// Human title.
    pub title: Option<String>,
}

/// Why sources could not be added to a config file.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The existing file is not TOML.
    #[error("{path}: not valid TOML: {message}")]
    NotToml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// `source` exists but is not an array of tables.
    #[error("{path}: `source` is not a list of [[source]] tables")]
    NotSourceTables {
        /// The file.
        path: PathBuf,
    },
    /// The file with the new sources would not be a valid config.
    #[error("the config with the new sources would be invalid:\n{0}")]
    Invalid(ConfigError),
}

/// `text` (the config file at `path`) with `sources` appended as `[[source]]` tables. Everything already
/// in the file — comments, order, formatting — is kept (toml_edit). The result must validate as a
/// config, else nothing is returned.
pub fn append_sources(text: &str, path: &Path, sources: &[NewSource]) -> Result<String, EditError> {
    use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
    let mut document: DocumentMut =
        text.parse()
            .map_err(|error: toml_edit::TomlError| EditError::NotToml {
                path: path.to_path_buf(),
                message: error.to_string(),
            })?;
    let tables = document
        .entry("source")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| EditError::NotSourceTables {
            path: path.to_path_buf(),
        })?;
    for source in sources {
        let mut table = Table::new();
        table["id"] = value(source.id.as_str());
        table["url"] = value(source.url.as_str());
        table["region"] = value(source.region.as_str());
        if let Some(title) = &source.title {
            table["title"] = value(title.as_str());
        }
        tables.push(table);
    }
    let edited = document.to_string();
    parse(&edited, path).map_err(EditError::Invalid)?;
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_sources_keeps_comments_and_validates() {
        let text = "# my sources\n[[source]]\nid = \"sx\" # Shanxi\nurl = \"https://sx.example.cn/rss.xml\"\nregion = \"shanxi\"\n";
        let path = Path::new("/etc/regionfeed/regionfeed.toml");
        let new = NewSource {
            id: "sn".into(),
            url: "https://sn.example.cn/rss.xml".into(),
            region: "shaanxi".into(),
            title: Some("陕西".into()),
        };
        let edited = append_sources(text, path, std::slice::from_ref(&new)).unwrap();
        assert!(edited.starts_with("# my sources\n"), "{edited}");
        assert!(edited.contains("id = \"sx\" # Shanxi"), "{edited}");
        let config = parse(&edited, path).unwrap();
        assert_eq!(config.sources.len(), 2);
        assert_eq!(config.sources[1].regions, vec!["shaanxi"]);
        // A duplicate id would make the file invalid: refused, nothing returned.
        let duplicate = NewSource {
            id: "sx".into(),
            ..new
        };
        assert!(matches!(
            append_sources(text, path, &[duplicate]),
            Err(EditError::Invalid(_))
        ));
    }

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("/etc/regionfeed/test.toml"))
    }

    /// Asserts the config is rejected with one problem at `line` whose message contains every `needle`.
    fn check_rejected(text: &str, line: usize, needles: &[&str]) {
        let Err(ConfigError::Invalid(problems)) = load_text(text) else {
            panic!("config was accepted:\n{text}");
        };
        let rendered = render_problems(&problems);
        assert_eq!(problems.len(), 1, "{rendered}");
        assert_eq!(problems[0].line, Some(line), "{rendered}");
        assert!(
            rendered.starts_with("/etc/regionfeed/test.toml:"),
            "{rendered}"
        );
        for needle in needles {
            assert!(rendered.contains(needle), "{needle:?} not in {rendered}");
        }
    }

    const GOOD: &str = r#"
[server]
listen = "127.0.0.1:9000"

[storage]
database = "data/feeds.db"

[poll]
schedule = "*/5 * * * *"

[[source]]
id = "sx"
url = "https://example.com/sx.xml"
region = "shanxi"

[[source]]
id = "local"
url = "file://feeds/local.xml"
region = ["xinjiang", "bingtuan"]
schedule = "*/2 * * * * *"
enabled = false
title = "本地"
encoding = "gbk"
timezone = "Asia/Taipei"

[[source]]
id = "cn"
url = "http://example.com/scroll.xml"
region = "national"
"#;

    #[test]
    fn good_config_loads_with_defaults_and_resolved_paths() {
        let config = load_text(GOOD).unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(
            config.storage.database,
            Path::new("/etc/regionfeed/data/feeds.db")
        );
        assert_eq!(config.poll.request_timeout, Duration::from_secs(20));
        assert_eq!(config.poll.concurrency, 16);
        assert_eq!(config.sources.len(), 3);
        let local = config.source("local").unwrap();
        assert_eq!(local.url.as_str(), "file:///etc/regionfeed/feeds/local.xml");
        assert_eq!(local.regions, vec!["xinjiang", "bingtuan"]);
        assert!(!local.enabled);
        assert_eq!(local.encoding, Some(encoding_rs::GBK));
        assert_eq!(local.timezone, chrono_tz::Asia::Taipei);
        assert_eq!(local.schedule.expression(), "*/2 * * * * *");
        assert_eq!(
            config.source("sx").unwrap().schedule.expression(),
            "*/5 * * * *"
        );
        assert!(config.source("cn").unwrap().regions.is_empty());
        assert_eq!(config.enabled_sources().count(), 2);
        assert_eq!(config.retention.policy.max_age_days, 90);
        assert_eq!(config.retention.policy.max_per_region, 2000);
        assert_eq!(config.retention.policy.min_per_source, 50);
        assert_eq!(config.retention.interval, Duration::from_secs(3600));
    }

    #[test]
    fn empty_config_uses_defaults() {
        let config = load_text("").unwrap();
        assert_eq!(config.server.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.poll.schedule.expression(), DEFAULT_SCHEDULE);
        assert!(config.sources.is_empty());
    }

    #[test]
    fn admin_token_is_off_by_default_and_must_be_long() {
        assert_eq!(load_text("").unwrap().server.admin_token, None);
        let config = load_text("[server]\nadmin_token = \"0123456789abcdef01\"\n").unwrap();
        assert_eq!(
            config.server.admin_token.as_deref(),
            Some("0123456789abcdef01")
        );
        check_rejected(
            "[server]\nadmin_token = \"secret\"\n",
            2,
            &["admin_token", "at least 16"],
        );
        check_rejected(
            "[server]\nadmin_token = \"0123456789 abcdef01\"\n",
            2,
            &["admin_token", "without spaces"],
        );
    }

    #[test]
    fn unknown_top_level_key_is_rejected_with_its_line() {
        check_rejected(
            "[server]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n",
            3,
            &["lisen"],
        );
    }

    #[test]
    fn unknown_source_key_is_rejected_with_its_line() {
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\nschedul = \"* * * * *\"\n",
            5,
            &["schedul", "unknown field"],
        );
    }

    #[test]
    fn invalid_cron_is_rejected_naming_the_source() {
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\nschedule = \"every day\"\n",
            5,
            &["source \"a\"", "schedule", "every day"],
        );
    }

    #[test]
    fn unknown_region_lists_valid_ones() {
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"shanxii\"\n",
            4,
            &[
                "source \"a\"",
                "unknown region \"shanxii\"",
                "shanxi, shaanxi",
            ],
        );
    }

    #[test]
    fn duplicate_id_is_rejected_at_the_second() {
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\n\n[[source]]\nid = \"a\"\nurl = \"http://y/\"\nregion = \"anhui\"\n",
            7,
            &["source \"a\"", "duplicate id"],
        );
    }

    #[test]
    fn unsupported_scheme_is_rejected() {
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"ftp://x/feed.xml\"\nregion = \"anhui\"\n",
            3,
            &["source \"a\"", "unsupported URL scheme \"ftp\""],
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        check_rejected("[server]\nlisten = \n", 2, &["test.toml:2:"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = "[[source]]\nid = \"a\"\nurl = \"gopher://x\"\nregion = \"mars\"\n";
        let Err(ConfigError::Invalid(problems)) = load_text(text) else {
            panic!("accepted")
        };
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn retention_settings() {
        let config = load_text("[retention]\nkeep_days = 7\nmax_per_region = 100\nmin_per_source = 5\ninterval_minutes = 10\n").unwrap();
        assert_eq!(config.retention.policy.max_age_days, 7);
        assert_eq!(config.retention.policy.max_per_region, 100);
        assert_eq!(config.retention.policy.min_per_source, 5);
        assert_eq!(config.retention.interval, Duration::from_secs(600));
        check_rejected(
            "[retention]\nkeep_days = 0\n",
            2,
            &["[retention] keep_days", "greater than 0"],
        );
    }

    #[test]
    fn log_level_is_checked() {
        assert_eq!(
            load_text("[log]\nlevel = \"regionfeed=debug,info\"\n")
                .unwrap()
                .log_level,
            "regionfeed=debug,info"
        );
        assert_eq!(load_text("").unwrap().log_level, "info");
        check_rejected("[log]\nlevel = \"loud=[\"\n", 2, &["[log] level", "loud=["]);
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_and_column("ab\n山西x", 9), (2, 3));
        assert_eq!(line_and_column("a", 0), (1, 1));
    }
}

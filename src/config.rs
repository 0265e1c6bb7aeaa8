//! Reads and validates the TOML config; the only module that reads the config file.
//!
//! Loading is all-or-nothing: every problem found is reported with the file, line and column and the key or
//! source id it concerns, and a config with any problem is rejected whole, so the daemon never starts (or
//! reloads) half-configured. Relative paths resolve against the config file's folder.

mod cron;
mod edit;
mod listing;
mod problems;
mod raw;
mod schedule;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use cron::CronSchedule;
pub use edit::{EditError, NEW_CONFIG, NewSource, append_sources};
pub use listing::{
    ArticleRule, DEFAULT_MAX_ARTICLES_PER_POLL, FieldRule, HtmlList, JsonList, JsonPath,
    LinkPattern, SourceKind, check_selector,
};
pub use problems::{ConfigError, Problem};
pub use schedule::{AUTO, PaceBounds, Schedule};
pub use validate::parse;

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
    /// Every source, enabled or not, in file order (shared with publishing: one copy however many
    /// parts of the daemon read it).
    pub sources: std::sync::Arc<Vec<SourceConfig>>,
    /// `[log] level`: the log filter when `RUST_LOG` is not set (tracing's `EnvFilter` syntax).
    pub log_level: String,
    /// `[retention]`: how long items are kept.
    pub retention: RetentionConfig,
}

/// `[retention]`: which items are removed, and how often that is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// The policy itself.
    pub policy: RetentionPolicy,
    /// How often retention runs.
    pub interval: Duration,
}

/// Which items retention keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Items published longer ago than this are removed…
    pub max_age_days: u32,
    /// …and so are items beyond this many newest in every region they belong to (`national` counts as one)…
    pub max_per_region: usize,
    /// …but each source always keeps at least this many of its newest items.
    pub min_per_source: usize,
    /// Items removed per transaction, so polls are never held up long.
    pub batch: usize,
}

/// Limits on what a client may cost the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Time a client has to send a request's headers; then its connection is closed.
    pub header_timeout: Duration,
    /// Largest request head (request line + headers), bytes; a bigger one is refused.
    pub max_header_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
        }
    }
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
    pub limits: ServerLimits,
    /// Bearer token for the endpoints that change state (`POST /sources/{id}/refresh`); `None`: they are
    /// off.
    pub admin_token: Option<String>,
    /// Where the index map's 24-hour window ends.
    pub activity_window_end: ActivityWindowEnd,
}

/// `[server] activity_window_end`: the end of the 24 hours whose new items shade the index page's map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityWindowEnd {
    /// Now: the map shows the last 24 hours (the default).
    #[default]
    Now,
    /// The newest stored item: for an archive or a demo whose bundled feeds carry fixed dates, so the
    /// map stays shaded however old the data is. The page says where the window ends.
    NewestItem,
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
    /// Schedule for sources that name none (default every 10 minutes; `auto` learns each source's pace).
    pub schedule: Schedule,
    /// `min_interval_secs` / `max_interval_secs`: the bounds of every `auto` schedule.
    pub pace: PaceBounds,
    /// `revalidate_after`: conditional answers without change in a row after which one request goes out
    /// without validators; `None`: as many as span 24 hours at the source's interval.
    pub revalidate_after: Option<u32>,
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
    /// Most article pages a `[source.article]` source fetches in one poll, unless it says otherwise.
    pub max_articles_per_poll: usize,
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
    /// When to poll: a cron expression, or `auto`.
    pub schedule: Schedule,
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
    /// A feed, or a list page read by `[source.html]` / `[source.json]`.
    pub kind: SourceKind,
    /// `[source.article]`: each new item's page is fetched once for its text.
    pub article: Option<ArticleRule>,
}

/// Reads and validates the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
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

#[cfg(test)]
mod tests {
    use super::problems::{line_and_column, render_problems};
    use super::validate::{DEFAULT_LISTEN, DEFAULT_SCHEDULE};
    use super::*;

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
    fn auto_schedules_take_the_pace_bounds() {
        let text = "[poll]\nschedule = \"auto\"\nmin_interval_secs = 600\nmax_interval_secs = 7200\nrevalidate_after = 12\n\n[[source]]\nid = \"a\"\nurl = \"http://x/a\"\nregion = \"anhui\"\n\n[[source]]\nid = \"b\"\nurl = \"http://x/b\"\nregion = \"anhui\"\nschedule = \"*/5 * * * *\"\n";
        let config = load_text(text).unwrap();
        let bounds = PaceBounds {
            min_interval: Duration::from_secs(600),
            max_interval: Duration::from_secs(7200),
        };
        assert_eq!(config.poll.schedule, Schedule::Auto(bounds));
        assert_eq!(config.source("a").unwrap().schedule, Schedule::Auto(bounds));
        assert_eq!(
            config.source("b").unwrap().schedule.expression(),
            "*/5 * * * *"
        );
        assert_eq!(config.poll.revalidate_after, Some(12));
        // Defaults: cron every ten minutes, auto bounds 5 min to 24 h, revalidation by the clock.
        let defaults = load_text("[[source]]\nid = \"a\"\nurl = \"http://x/a\"\nregion = \"anhui\"\nschedule = \"auto\"\n").unwrap();
        assert_eq!(
            defaults.source("a").unwrap().schedule,
            Schedule::Auto(PaceBounds::default())
        );
        assert_eq!(defaults.poll.revalidate_after, None);
        check_rejected(
            "[poll]\nmin_interval_secs = 900\nmax_interval_secs = 600\n",
            3,
            &["max_interval_secs (600)", "min_interval_secs (900)"],
        );
        check_rejected(
            "[poll]\nrevalidate_after = 0\n",
            2,
            &["[poll] revalidate_after", "greater than 0"],
        );
        check_rejected(
            "[poll]\nschedule = \"sometimes\"\n",
            2,
            &["[poll] schedule", "\"auto\""],
        );
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
    fn list_page_sources_read_their_rules_and_bad_selectors_are_placed() {
        let text = "[poll]\nmax_articles_per_poll = 5\n\n[[source]]\nid = \"sx\"\nurl = \"http://x/\"\nregion = \"shanxi\"\n[source.html]\nitem = \"div.list li\"\ndate = \"span.time\"\n[source.article]\ncontent = \"div.left_zw\"\n\n[[source]]\nid = \"js\"\nurl = \"http://y/\"\nregion = \"jiangsu\"\n[source.json]\nitems = \"data.list\"\n";
        let config = load_text(text).unwrap();
        let sx = config.source("sx").unwrap();
        let SourceKind::Html(html) = &sx.kind else {
            panic!("{:?}", sx.kind)
        };
        assert_eq!(html.item, "div.list li");
        assert_eq!(html.link.to_string(), "a@href");
        assert_eq!(html.date.as_ref().unwrap().to_string(), "span.time");
        assert_eq!(sx.article.as_ref().unwrap().max_per_poll, 5);
        let SourceKind::Json(json) = &config.source("js").unwrap().kind else {
            panic!()
        };
        assert_eq!(json.items.to_string(), "data.list");
        assert_eq!(json.link.to_string(), "url");
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\n[source.html]\nitem = \"div[\"\n",
            6,
            &["source \"a\"", "html.item", "invalid CSS selector"],
        );
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\n[source.json]\nitems = \"data..list\"\n",
            6,
            &["source \"a\"", "json.items"],
        );
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\n[source.html]\nitem = \"li\"\n[source.json]\nitems = \"x\"\n",
            6,
            &["both [source.html] and [source.json]"],
        );
        check_rejected(
            "[[source]]\nid = \"a\"\nurl = \"http://x/\"\nregion = \"anhui\"\n[source.html]\nitem = \"li\"\nlink_pattern = \"/news/(\"\n",
            7,
            &[
                "source \"a\"",
                "html.link_pattern",
                "invalid regular expression",
            ],
        );
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_and_column("ab\n山西x", 9), (2, 3));
        assert_eq!(line_and_column("a", 0), (1, 1));
    }
}

//! The config file's schema as serde reads it: every key, with the positions (`Spanned`) that problems
//! are reported at. Validation turns it into [`super::Config`].

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) server: RawServer,
    #[serde(default)]
    pub(super) storage: RawStorage,
    #[serde(default)]
    pub(super) poll: RawPoll,
    #[serde(default, rename = "source")]
    pub(super) sources: Vec<RawSource>,
    #[serde(default)]
    pub(super) log: RawLog,
    #[serde(default)]
    pub(super) retention: RawRetention,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetention {
    pub(super) keep_days: Option<Spanned<u32>>,
    pub(super) max_per_region: Option<Spanned<usize>>,
    pub(super) min_per_source: Option<usize>,
    pub(super) interval_minutes: Option<Spanned<u64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub(super) level: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) listen: Option<Spanned<String>>,
    pub(super) public_url: Option<Spanned<String>>,
    pub(super) metrics: Option<Spanned<String>>,
    pub(super) max_connections: Option<Spanned<usize>>,
    pub(super) header_timeout_secs: Option<Spanned<u64>>,
    pub(super) admin_token: Option<Spanned<String>>,
    pub(super) activity_window_end: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub(super) database: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoll {
    pub(super) schedule: Option<Spanned<String>>,
    pub(super) request_timeout_secs: Option<Spanned<u64>>,
    pub(super) user_agent: Option<String>,
    pub(super) max_body_bytes: Option<Spanned<u64>>,
    pub(super) concurrency: Option<Spanned<usize>>,
    pub(super) startup_spread_secs: Option<u64>,
    pub(super) host_concurrency: Option<Spanned<usize>>,
    pub(super) host_spacing_ms: Option<u64>,
    pub(super) max_articles_per_poll: Option<Spanned<usize>>,
    pub(super) min_interval_secs: Option<Spanned<u64>>,
    pub(super) max_interval_secs: Option<Spanned<u64>>,
    pub(super) revalidate_after: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) id: Spanned<String>,
    pub(super) url: Spanned<String>,
    pub(super) region: Spanned<RawRegion>,
    pub(super) schedule: Option<Spanned<String>>,
    #[serde(default = "default_true")]
    pub(super) enabled: bool,
    pub(super) title: Option<String>,
    pub(super) encoding: Option<Spanned<String>>,
    pub(super) timezone: Option<Spanned<String>>,
    #[serde(default = "default_true")]
    pub(super) text_tagging: bool,
    pub(super) html: Option<RawHtmlList>,
    pub(super) json: Option<RawJsonList>,
    pub(super) article: Option<RawArticle>,
}

/// `[source.html]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHtmlList {
    pub(super) item: Spanned<String>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) link: Option<Spanned<String>>,
    pub(super) date: Option<Spanned<String>>,
    pub(super) summary: Option<Spanned<String>>,
    pub(super) link_pattern: Option<Spanned<String>>,
}

/// `[source.json]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJsonList {
    pub(super) items: Spanned<String>,
    pub(super) title: Option<Spanned<String>>,
    pub(super) link: Option<Spanned<String>>,
    pub(super) date: Option<Spanned<String>>,
    pub(super) summary: Option<Spanned<String>>,
}

/// `[source.article]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArticle {
    pub(super) content: Spanned<String>,
    pub(super) date: Option<Spanned<String>>,
    pub(super) max_articles_per_poll: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawRegion {
    One(String),
    Many(Vec<String>),
}

fn default_true() -> bool {
    true
}

//! The HTTP endpoint: per-region feeds, the region and source lists, the index page and OPML. Reads the
//! store; never writes.
//!
//! Routes: `GET /feeds/{selector}.{xml|rss|atom|json|html}` (selector: a region slug, several joined by `+`,
//! `all` or `national`; filters in the query, see [`query`]); `GET /regions`; `GET /sources` (health by
//! region); `GET /opml`; `GET /healthz`; `GET /` (HTML index with the map); `POST /sources/{id}/refresh` (polls a
//! source now; needs `[server] admin_token`, off without it). Feed bodies are rendered once per data
//! change and query ([`cache`]), served precompressed, and conditional requests are answered from the
//! in-memory data version without reading items. Errors map to status codes in one place, [`AppError`].

mod admin;
mod cache;
mod directory;
mod document;
mod error;
mod feeds;
mod map;
mod pages;
pub mod query;
mod reading;
pub mod render;
mod sanitise;
mod status;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::config::{ActivityWindowEnd, MetricsAccess, ServerConfig, SourceConfig};
use crate::metrics::{HttpLabels, Metrics};
use crate::poll::scheduler::{Heartbeat, PollNow};
use crate::publish::cache::{AnswerIndex, RenderCache};
use crate::regions::NATIONAL;
use crate::store::{Selection, Store};
pub use directory::RegionInfo;
pub use error::AppError;
pub use feeds::{FeedSelector, resolve_selector};

/// Refresh interval advertised when no source says otherwise.
const DEFAULT_CADENCE_SECS: u64 = 600;

/// What the handlers share.
pub struct PublishState {
    store: Store,
    /// Replaced whole on config reload.
    settings: RwLock<Arc<PublishSettings>>,
    cache: RenderCache,
    answers: AnswerIndex,
    metrics: Arc<Metrics>,
    /// The scheduler's heartbeat; `None` when sources are polled on demand only (no scheduler).
    heartbeat: Option<Arc<Heartbeat>>,
    /// Wakes a source's polling loop (`POST /sources/{id}/refresh`).
    poll_now: Arc<PollNow>,
}

/// The parts of the config the HTTP side uses.
pub struct PublishSettings {
    public_url: Option<String>,
    metrics_access: MetricsAccess,
    /// SHA-256 of `[server] admin_token`: compared digest to digest, so the comparison's time says
    /// nothing about the token.
    admin_token_digest: Option<[u8; 32]>,
    sources: Arc<Vec<SourceConfig>>,
    /// Shortest polling interval of the sources behind each region slug, `national` and `all`.
    cadence: HashMap<String, u64>,
    /// Source titles given in the config, by source id: they name sources in output before the feeds'
    /// own titles. Built once per config, not per render.
    config_titles: HashMap<String, String>,
    /// Where the index map's 24-hour window ends.
    activity_window_end: ActivityWindowEnd,
    /// Counts config loads; part of every cache key and ETag, since a reload can change output (titles,
    /// `ttl`) without any data change.
    generation: u64,
}

impl PublishSettings {
    fn new(
        server: &ServerConfig,
        sources: Arc<Vec<SourceConfig>>,
        generation: u64,
    ) -> PublishSettings {
        let now = Utc::now();
        let mut cadence: HashMap<String, u64> = HashMap::new();
        for source in sources.iter().filter(|source| source.enabled) {
            let seconds = source.schedule.interval_near(now).as_secs().max(60);
            let mut keys: Vec<String> = source.regions.iter().map(|s| s.to_string()).collect();
            if keys.is_empty() {
                keys.push(NATIONAL.to_string());
            }
            keys.push("all".to_string());
            for key in keys {
                let entry = cadence.entry(key).or_insert(seconds);
                *entry = (*entry).min(seconds);
            }
        }
        let config_titles = sources
            .iter()
            .filter_map(|source| Some((source.id.clone(), source.title.clone()?)))
            .collect();
        PublishSettings {
            public_url: server.public_url.clone(),
            metrics_access: server.metrics,
            admin_token_digest: server
                .admin_token
                .as_ref()
                .map(|token| Sha256::digest(token.as_bytes()).into()),
            sources,
            cadence,
            config_titles,
            activity_window_end: server.activity_window_end,
            generation,
        }
    }

    fn cadence_of(&self, selection: &Selection) -> u64 {
        let keys: Vec<&str> = match selection {
            Selection::All => vec!["all"],
            Selection::National => vec![NATIONAL],
            Selection::Regions(slugs) => slugs.iter().map(String::as_str).collect(),
        };
        keys.iter()
            .filter_map(|key| self.cadence.get(*key))
            .min()
            .copied()
            .unwrap_or(DEFAULT_CADENCE_SECS)
    }
}

impl PublishState {
    /// State for `sources` read from `store`, with `server`'s settings (`public_url`, if any, is the base
    /// of self links). `metrics` is what `/metrics` shows and where requests are counted; `heartbeat` is the
    /// scheduler's, for `/readyz` (`None` when nothing is scheduled); `poll_now` reaches the source loops.
    pub fn new(
        store: Store,
        server: &ServerConfig,
        sources: Arc<Vec<SourceConfig>>,
        metrics: Arc<Metrics>,
        heartbeat: Option<Arc<Heartbeat>>,
        poll_now: Arc<PollNow>,
    ) -> PublishState {
        PublishState {
            store,
            settings: RwLock::new(Arc::new(PublishSettings::new(server, sources, 0))),
            cache: RenderCache::default(),
            answers: AnswerIndex::default(),
            metrics,
            heartbeat,
            poll_now,
        }
    }

    /// Takes the settings of a reloaded config; cached bodies and ETags of the old one no longer match.
    pub fn reconfigure(&self, server: &ServerConfig, sources: Arc<Vec<SourceConfig>>) {
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        let generation = settings.generation + 1;
        *settings = Arc::new(PublishSettings::new(server, sources, generation));
    }

    fn settings(&self) -> Arc<PublishSettings> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The version of everything feeds show: the store's change counter and the config generation.
    fn data_version(&self, settings: &PublishSettings) -> i64 {
        self.store.change_seq() + ((settings.generation as i64) << 48)
    }

    /// (render cache hits, renders) since start.
    pub fn cache_counts(&self) -> (u64, u64) {
        self.cache.counts()
    }
}

/// The HTTP routes.
pub fn router(state: Arc<PublishState>) -> Router {
    Router::new()
        .route("/", get(directory::index))
        .route("/feeds/{file}", get(feeds::feed))
        .route("/regions", get(directory::region_list))
        .route("/sources", get(directory::source_list))
        .route("/sources/{id}/refresh", post(admin::refresh_source))
        .route("/opml", get(directory::opml))
        .route("/healthz", get(status::healthz))
        .route("/readyz", get(status::readyz))
        .route("/metrics", get(status::metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), count_request))
        .with_state(state)
}

/// Longest request target (path + query) served; a longer one is answered 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Counts every request by route pattern and status; refuses overlong request targets.
async fn count_request(
    State(state): State<Arc<PublishState>>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    let route = crate::metrics::route_of(request.uri().path());
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let response = if target_len > MAX_URI_BYTES {
        (
            StatusCode::URI_TOO_LONG,
            format!("request target is {target_len} bytes; at most {MAX_URI_BYTES} are accepted\n"),
        )
            .into_response()
    } else {
        next.run(request).await
    };
    state
        .metrics
        .http_requests
        .get_or_create(&HttpLabels {
            route: route.to_string(),
            status: response.status().as_u16().to_string(),
        })
        .inc();
    response
}

async fn not_found() -> AppError {
    AppError::NotFound("not found; the feeds are listed at /regions".into())
}

/// The base URL of this server as clients see it: `public_url` if configured, else from `Host`.
pub(super) fn base_url(state: &PublishState, headers: &HeaderMap) -> String {
    if let Some(public_url) = &state.settings().public_url {
        return public_url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host.len() <= 255
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

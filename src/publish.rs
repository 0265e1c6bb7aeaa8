//! The HTTP endpoint: per-region feeds, the region and source lists, the index page and OPML. Reads the
//! store; never writes.
//!
//! Routes: `GET /feeds/{selector}.{xml|rss|atom|json}` (selector: a region slug, several joined by `+`,
//! `all` or `national`; filters in the query, see [`query`]); `GET /regions`; `GET /sources` (health by
//! region); `GET /opml`; `GET /healthz`; `GET /` (HTML index); `POST /sources/{id}/refresh` (polls a
//! source now; needs `[server] admin_token`, off without it). Feed bodies are rendered once per data
//! change and query ([`cache`]), served precompressed, and conditional requests are answered from the
//! in-memory data version without reading items. Errors map to status codes in one place, [`AppError`].

pub mod cache;
pub mod pages;
pub mod query;
pub mod render;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{MetricsAccess, ServerConfig, SourceConfig};
use crate::health::{self, RegionHealth};
use crate::metrics::{HttpLabels, KindLabel, Metrics, RegionLabel};
use crate::poll::scheduler::{Heartbeat, PollNow};
use crate::publish::cache::{Answer, AnswerIndex, RenderCache, RenderedBody};
use crate::publish::query::{Cursor, FeedRequest, Format, parse_feed_request};
use crate::publish::render::{FeedDocument, render};
use crate::regions::{self, NATIONAL, REGIONS};
use crate::store::{ItemQuery, Selection, Store};

/// Rows read at most while filtering one page.
const SCAN_LIMIT: usize = 5000;
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
    /// Counts config loads; part of every cache key and ETag, since a reload can change output (titles,
    /// `ttl`) without any data change.
    generation: u64,
}

impl PublishSettings {
    fn new(server: &ServerConfig, sources: Vec<SourceConfig>, generation: u64) -> PublishSettings {
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
            sources: Arc::new(sources),
            cadence,
            config_titles,
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
        sources: Vec<SourceConfig>,
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
    pub fn reconfigure(&self, server: &ServerConfig, sources: Vec<SourceConfig>) {
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
        .route("/", get(index))
        .route("/feeds/{file}", get(feed))
        .route("/regions", get(region_list))
        .route("/sources", get(source_list))
        .route("/sources/{id}/refresh", post(refresh_source))
        .route("/opml", get(opml))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
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

/// Liveness: the process answers and the database does.
async fn healthz(State(state): State<Arc<PublishState>>) -> Result<&'static str, AppError> {
    state.store.ping().await?;
    Ok("ok\n")
}

/// Readiness: the database answers and the scheduler has beaten recently (when there is one).
async fn readyz(State(state): State<Arc<PublishState>>) -> Response {
    if let Err(error) = state.store.ping().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: database does not answer: {error}\n"),
        )
            .into_response();
    }
    match &state.heartbeat {
        Some(heartbeat) if !heartbeat.is_alive() => (
            StatusCode::SERVICE_UNAVAILABLE,
            match heartbeat.since_last() {
                Some(since) => format!(
                    "not ready: scheduler last ticked {}s ago\n",
                    since.as_secs()
                ),
                None => "not ready: scheduler has not started\n".to_string(),
            },
        )
            .into_response(),
        Some(_) => "ready\n".into_response(),
        None => "ready (sources are polled on demand)\n".into_response(),
    }
}

/// Whether a client at `ip` may read `/metrics`.
fn metrics_allowed(access: MetricsAccess, ip: std::net::IpAddr) -> bool {
    match access {
        MetricsAccess::Off => false,
        MetricsAccess::Any => true,
        MetricsAccess::Loopback => {
            ip.is_loopback()
                || matches!(ip, std::net::IpAddr::V6(v6)
                    if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
        }
    }
}

/// Prometheus metrics; by default only for clients on a loopback address (`[server] metrics`).
async fn metrics(
    State(state): State<Arc<PublishState>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
) -> Result<Response, AppError> {
    if !metrics_allowed(state.settings().metrics_access, peer.ip()) {
        return Err(AppError::NotFound(
            "not found (metrics are served to loopback clients only; see [server] metrics)".into(),
        ));
    }
    let metrics = &state.metrics;
    metrics
        .database_bytes
        .set(state.store.database_bytes() as i64);
    let (hits, renders) = state.cache.counts();
    let set = |kind: &str, value: u64| {
        metrics
            .render_cache
            .get_or_create(&KindLabel { kind: kind.into() })
            .inner()
            .store(value, std::sync::atomic::Ordering::Relaxed);
    };
    set("hit", hits);
    set("render", renders);
    let now = Utc::now().timestamp();
    for count in state.store.region_counts().await? {
        if let Some(newest) = count.newest {
            metrics
                .newest_item_age
                .get_or_create(&RegionLabel {
                    region: count.region.clone(),
                })
                .set((now - newest).max(0));
        }
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.encode(),
    )
        .into_response())
}

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404 with a hint.
    #[error("{0}")]
    NotFound(String),
    /// 400 saying what is wrong with the request.
    #[error("{0}")]
    BadRequest(String),
    /// 401 with a bearer challenge: the admin token is missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the endpoint is switched off.
    #[error("{0}")]
    Forbidden(String),
    /// 409: the request cannot apply to the resource as it is.
    #[error("{0}")]
    Conflict(String),
    /// 503: the database did not answer.
    #[error("database unavailable: {0}")]
    Store(#[from] crate::store::StoreError),
    /// 500: a bug or a failed task.
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Store(error) => {
                tracing::error!(%error, "request failed on the database");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(error) => {
                tracing::error!(%error, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = format!("{self}\n");
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

async fn not_found() -> AppError {
    AppError::NotFound("not found; the feeds are listed at /regions".into())
}

async fn source_list(
    State(state): State<Arc<PublishState>>,
) -> Result<Json<Vec<RegionHealth>>, AppError> {
    let states = state.store.source_states().await?;
    Ok(Json(health::report(&state.settings().sources, &states)))
}

/// `POST /sources/{id}/refresh` with `Authorization: Bearer <admin_token>`: wakes the source's polling loop
/// (also out of a backoff) and answers 202; the outcome shows in `/sources` once the poll is done.
async fn refresh_source(
    State(state): State<Arc<PublishState>>,
    Path(source_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let settings = state.settings();
    let Some(expected) = settings.admin_token_digest else {
        return Err(AppError::Forbidden(
            "refresh is off: set [server] admin_token in the config to use it".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| <[u8; 32]>::from(Sha256::digest(token.trim().as_bytes())));
    if given != Some(expected) {
        return Err(AppError::Unauthorized(
            "send the admin token: Authorization: Bearer <[server] admin_token>".into(),
        ));
    }
    if !settings.sources.iter().any(|source| source.id == source_id) {
        return Err(AppError::NotFound(
            "no such source; the configured sources are listed at /sources".into(),
        ));
    }
    if !state.poll_now.request(&source_id) {
        return Err(AppError::Conflict(
            "this source is not being polled (disabled, or it answered 410 Gone)".into(),
        ));
    }
    tracing::info!(source = %source_id, "refresh asked for over HTTP");
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "source": source_id, "refresh": "queued" })),
    )
        .into_response())
}

/// A resolved `{selector}` of a feed URL.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSelector {
    /// The selector as written (`shanxi+shaanxi`).
    pub name: String,
    /// Which items.
    pub selection: Selection,
    /// Title words: Chinese names.
    pub title: String,
}

/// Resolves a selector: `all`, `national`, or region slugs joined by `+` (each including its sub-regions).
pub fn resolve_selector(selector: &str) -> Result<FeedSelector, AppError> {
    match selector {
        "all" => {
            return Ok(FeedSelector {
                name: "all".into(),
                selection: Selection::All,
                title: "全部地区".into(),
            });
        }
        NATIONAL => {
            return Ok(FeedSelector {
                name: NATIONAL.into(),
                selection: Selection::National,
                title: "全国".into(),
            });
        }
        _ => {}
    }
    let mut slugs: Vec<String> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for part in selector.split('+') {
        let region = regions::by_slug(part).ok_or_else(|| {
            AppError::NotFound(format!(
                "unknown region \"{part}\"; the list of regions and their feeds is at /regions"
            ))
        })?;
        names.push(region.name_simplified);
        for slug in regions::with_descendants(region.slug) {
            if !slugs.iter().any(|s| s == slug) {
                slugs.push(slug.to_string());
            }
        }
    }
    Ok(FeedSelector {
        name: selector.to_string(),
        selection: Selection::Regions(slugs),
        title: names.join("、"),
    })
}

/// The base URL of this server as clients see it: `public_url` if configured, else from `Host`.
fn base_url(state: &PublishState, headers: &HeaderMap) -> String {
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

/// HTTP-date (RFC 9110 IMF-fixdate) of a unix time.
fn http_date(unix_seconds: i64) -> String {
    Utc.timestamp_opt(unix_seconds, 0)
        .single()
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Whether a conditional request can be answered 304: `If-None-Match` decides when present (weak
/// comparison), else `If-Modified-Since` against the time the data last changed.
fn not_modified(headers: &HeaderMap, etag: &str, changed_at: i64) -> bool {
    if let Some(if_none_match) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return if_none_match
            .split(',')
            .map(str::trim)
            .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| changed_at > 0 && changed_at <= since.timestamp())
}

/// Whether the client takes gzip (`Accept-Encoding` with gzip or `*` and a non-zero q).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    accept.split(',').any(|part| {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let zero_q = pieces.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding == "gzip" || coding == "x-gzip" || coding == "*") && !zero_q
    })
}

/// The URL of a feed page: its path, the canonical query and the paging cursor.
fn feed_url(
    base: &str,
    selector: &str,
    format: Format,
    canonical_query: &str,
    before: Option<&str>,
) -> String {
    let mut url = format!("{base}/feeds/{selector}.{}", format.extension());
    let mut query = canonical_query.to_string();
    if let Some(before) = before {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("before=");
        query.push_str(before);
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}

async fn feed(
    State(state): State<Arc<PublishState>>,
    Path(file): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (selector, extension) = file.rsplit_once('.').ok_or_else(|| {
        AppError::NotFound(format!(
            "no feed \"{file}\"; feeds end in .xml, .rss, .atom or .json, e.g. /feeds/shanxi.xml (see /regions)"
        ))
    })?;
    let path_format = Format::from_name(extension).ok_or_else(|| {
        AppError::NotFound(format!(
            "no feed format \".{extension}\"; use .xml, .rss, .atom or .json (see /regions)"
        ))
    })?;
    let base = base_url(&state, &headers);
    let settings = state.settings();
    let change_seq = state.data_version(&settings);
    let changed_at = state.store.changed_at();
    // A repeat of a request line seen since the last data change is answered from memory.
    let request_line = format!("{base}|{file}|{}", raw_query.as_deref().unwrap_or(""));
    if let Some(answer) = state.answers.get(change_seq, &request_line) {
        return Ok(respond(&answer, &headers, changed_at));
    }
    let selector = resolve_selector(selector)?;
    let request = parse_feed_request(raw_query.as_deref(), path_format)?;
    let now = Utc::now();
    // `filter_time` is relative to now: its answer may change each minute without any data change.
    let time_bucket = request.filter_time.map(|_| now.timestamp() / 60);
    let key = format!(
        "{:?}|{}|{}|{}|{:?}|{:?}",
        request.format, selector.name, request.canonical_query, base, request.before, time_bucket
    );
    let etag = format!(
        "\"{change_seq:x}-{}\"",
        hex::encode(&Sha256::digest(key.as_bytes())[..8])
    );
    let max_age = settings.cadence_of(&selector.selection);
    let mut response_headers = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response_headers.insert(name, value);
        }
    };
    set(header::ETAG, etag.clone());
    set(header::CACHE_CONTROL, format!("public, max-age={max_age}"));
    set(header::VARY, "Accept-Encoding".into());
    if changed_at > 0 {
        set(header::LAST_MODIFIED, http_date(changed_at));
    }
    if not_modified(&headers, &etag, changed_at) {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }

    let body = state
        .cache
        .get_or_render(change_seq, &key, || {
            render_feed(&state, &selector, &request, &base, max_age, now)
        })
        .await?;
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(request.format.content_type()),
    );
    let answer = Arc::new(Answer {
        headers: response_headers,
        body,
    });
    // Answers that depend on the clock (`filter_time`) are not reused.
    if time_bucket.is_none() {
        state
            .answers
            .insert(change_seq, request_line, answer.clone());
    }
    Ok(respond(&answer, &headers, changed_at))
}

/// Answers from a stored [`Answer`]: 304 when the request's validators match, else the body in the
/// encoding the client accepts.
fn respond(answer: &Answer, request_headers: &HeaderMap, changed_at: i64) -> Response {
    let mut headers = answer.headers.clone();
    if not_modified(request_headers, answer.etag(), changed_at) {
        headers.remove(header::CONTENT_TYPE);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let bytes = if accepts_gzip(request_headers) {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        answer.body.gzip.clone()
    } else {
        answer.body.identity.clone()
    };
    (headers, bytes).into_response()
}

async fn render_feed(
    state: &PublishState,
    selector: &FeedSelector,
    request: &FeedRequest,
    base: &str,
    max_age: u64,
    now: DateTime<Utc>,
) -> Result<RenderedBody, AppError> {
    let since = match (request.since, request.filter_time) {
        (Some(since), Some(window)) => Some(since.max(now.timestamp() - window)),
        (since, window) => since.or(window.map(|w| now.timestamp() - w)),
    };
    let query = ItemQuery {
        selection: selector.selection.clone(),
        since,
        before: request
            .before
            .map(|cursor| (cursor.published, cursor.row_id)),
        sources: request.sources.clone(),
        origins: request.origins.clone(),
        // One more than asked tells whether there is a next page.
        limit: request.limit + 1,
        scan_limit: SCAN_LIMIT + request.limit,
    };
    let filters = request.filters.clone();
    let mut items = state
        .store
        .query_items(query, move |item| filters.keep(item))
        .await?;
    // A title given in the config names the source in output, before the feed's own title.
    let settings = state.settings();
    let config_title = |id: &str| settings.config_titles.get(id).cloned();
    for item in &mut items {
        if let Some(title) = config_title(&item.source_id) {
            item.source_title = Some(title);
        }
        for copy in &mut item.also_reported_by {
            if let Some(title) = config_title(&copy.source_id) {
                copy.source_title = Some(title);
            }
        }
    }
    let next_url = if items.len() > request.limit {
        items.truncate(request.limit);
        items.last().map(|last| {
            feed_url(
                base,
                &selector.name,
                request.format,
                &request.canonical_query,
                Some(&Cursor::after_item(last)),
            )
        })
    } else {
        None
    };
    let before_text = request.before.map(|cursor| {
        if cursor.row_id == i64::MAX {
            cursor.published.to_string()
        } else {
            format!("{}_{}", cursor.published, cursor.row_id)
        }
    });
    let updated = items
        .iter()
        .map(|item| item.updated.unwrap_or(item.published).max(item.published))
        .max()
        .or(Some(state.store.changed_at()).filter(|t| *t > 0))
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .unwrap_or(now);
    let document = FeedDocument {
        title: format!("{} · regionfeed", selector.title),
        description: format!("{}新闻，汇集自各地新闻源（regionfeed）", selector.title),
        identity: format!("{}?{}", selector.name, request.canonical_query),
        self_url: feed_url(
            base,
            &selector.name,
            request.format,
            &request.canonical_query,
            before_text.as_deref(),
        ),
        home_url: format!("{base}/"),
        next_url,
        base_url: base.to_string(),
        ttl_minutes: max_age.div_ceil(60),
        updated,
        items: &items,
        opencc: request.opencc,
    };
    let format = request.format;
    let text = render(format, &document);
    // Compressing is CPU work; it happens once per data change and query.
    tokio::task::spawn_blocking(move || RenderedBody::new(text))
        .await
        .map_err(|error| AppError::Internal(error.to_string()))
}

/// One entry of `GET /regions`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct RegionInfo {
    /// URL slug.
    pub slug: String,
    /// ISO 3166-2:CN code.
    pub iso_code: Option<String>,
    /// Simplified name.
    pub name: String,
    /// Traditional name.
    pub name_traditional: String,
    /// Parent region slug.
    pub parent: Option<String>,
    /// Items in this region's feed (sub-regions included).
    pub items: i64,
    /// Newest item in the feed, RFC 3339.
    pub newest: Option<String>,
    /// Absolute URL of the RSS feed.
    pub feed_url: String,
}

async fn region_list(
    State(state): State<Arc<PublishState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<RegionInfo>>, AppError> {
    let counts = state.store.region_counts().await?;
    let base = base_url(&state, &headers);
    let count_of = |slugs: &[&str]| pages::region_totals(&counts, slugs);
    let mut list: Vec<RegionInfo> = REGIONS
        .iter()
        .map(|region| {
            // A parent's feed includes its sub-regions; an item tagged with both counts twice here, which
            // only happens when a source names both.
            let (items, newest) = count_of(&regions::with_descendants(region.slug));
            RegionInfo {
                slug: region.slug.into(),
                iso_code: region.iso_code.map(str::to_string),
                name: region.name_simplified.into(),
                name_traditional: region.name_traditional.into(),
                parent: region.parent.map(str::to_string),
                items,
                newest: health::rfc3339(newest),
                feed_url: format!("{base}/feeds/{}.xml", region.slug),
            }
        })
        .collect();
    let (items, newest) = count_of(&[NATIONAL]);
    list.push(RegionInfo {
        slug: NATIONAL.into(),
        iso_code: None,
        name: "全国".into(),
        name_traditional: "全國".into(),
        parent: None,
        items,
        newest: health::rfc3339(newest),
        feed_url: format!("{base}/feeds/{NATIONAL}.xml"),
    });
    Ok(Json(list))
}

async fn index(
    State(state): State<Arc<PublishState>>,
    headers: HeaderMap,
) -> Result<Html<String>, AppError> {
    let counts = state.store.region_counts().await?;
    let states = state.store.source_states().await?;
    let report = health::report(&state.settings().sources, &states);
    Ok(Html(pages::render_index(
        &base_url(&state, &headers),
        &counts,
        &report,
    )))
}

async fn opml(State(state): State<Arc<PublishState>>, headers: HeaderMap) -> Response {
    let body = pages::render_opml(&base_url(&state, &headers), Utc::now());
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_for_loopback_clients_unless_configured() {
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        assert!(metrics_allowed(MetricsAccess::Loopback, ip("127.0.0.1")));
        assert!(metrics_allowed(MetricsAccess::Loopback, ip("::1")));
        assert!(metrics_allowed(
            MetricsAccess::Loopback,
            ip("::ffff:127.0.0.1")
        ));
        assert!(!metrics_allowed(MetricsAccess::Loopback, ip("192.0.2.7")));
        assert!(!metrics_allowed(
            MetricsAccess::Loopback,
            ip("::ffff:192.0.2.7")
        ));
        assert!(metrics_allowed(MetricsAccess::Any, ip("192.0.2.7")));
        assert!(!metrics_allowed(MetricsAccess::Off, ip("127.0.0.1")));
    }

    #[test]
    fn selectors_resolve_with_sub_regions() {
        let xinjiang = resolve_selector("xinjiang").unwrap();
        assert_eq!(
            xinjiang.selection,
            Selection::Regions(vec!["xinjiang".into(), "bingtuan".into()])
        );
        let pair = resolve_selector("shanxi+shaanxi").unwrap();
        assert_eq!(
            pair.selection,
            Selection::Regions(vec!["shanxi".into(), "shaanxi".into()])
        );
        assert_eq!(pair.title, "山西、陕西");
        assert_eq!(resolve_selector("all").unwrap().selection, Selection::All);
        assert_eq!(
            resolve_selector("national").unwrap().selection,
            Selection::National
        );
        assert!(
            matches!(resolve_selector("shanxii"), Err(AppError::NotFound(m)) if m.contains("/regions"))
        );
    }
}

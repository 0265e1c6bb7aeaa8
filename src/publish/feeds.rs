//! `GET /feeds/{selector}.{format}` (RSS, Atom, JSON Feed, and the HTML reading page `.html`): selector
//! resolution, conditional requests (ETag, Last-Modified), answers reused until the data changes, gzip
//! negotiation, paging links, and the render of a page of items. Every format goes through the same
//! path, so the reading page has the same filters, paging and caching as the feeds.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};

use super::cache::{Answer, RenderedBody};
use super::query::{Cursor, FeedRequest, Format, parse_feed_request};
use super::render::{FeedDocument, render};
use super::{AppError, PublishState, base_url};
use crate::regions::{self, NATIONAL};
use crate::store::{ItemQuery, Selection};

/// Rows read at most while filtering one page.
const SCAN_LIMIT: usize = 5000;

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
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
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

pub(super) async fn feed(
    State(state): State<Arc<PublishState>>,
    Path(file): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (selector, extension) = file.rsplit_once('.').ok_or_else(|| {
        AppError::NotFound(format!(
            "no feed \"{file}\"; feeds end in .xml, .rss, .atom, .json or .html, e.g. /feeds/shanxi.xml (see /regions)"
        ))
    })?;
    let path_format = Format::from_extension(extension).ok_or_else(|| {
        AppError::NotFound(format!(
            "no feed format \".{extension}\"; use .xml, .rss, .atom, .json or .html (see /regions)"
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
        request.format,
        selector.name,
        request.canonical_query,
        base,
        request.before.map(|cursor| cursor.to_string()),
        time_bucket
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

/// The URLs a page of items names besides its next page.
struct DocumentLinks {
    /// This page.
    self_url: String,
    /// The reading page of the same query and position: where a feed's "open website" lands.
    page_url: String,
    /// The newest page of the same query, when this one is older.
    first_url: Option<String>,
    /// The newest page of the same query in each feed format (subscribe links).
    feed_urls: Vec<(Format, String)>,
}

impl DocumentLinks {
    fn new(base: &str, selector: &FeedSelector, request: &FeedRequest) -> DocumentLinks {
        let before = request.before.map(|cursor| cursor.to_string());
        let url = |format: Format, before: Option<&str>| {
            feed_url(
                base,
                &selector.name,
                format,
                &request.canonical_query,
                before,
            )
        };
        DocumentLinks {
            self_url: url(request.format, before.as_deref()),
            page_url: url(Format::Html, before.as_deref()),
            first_url: before.as_ref().map(|_| url(request.format, None)),
            feed_urls: Format::FEEDS
                .iter()
                .map(|format| (*format, url(*format, None)))
                .collect(),
        }
    }
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
        before: request.before.map(Cursor::bound),
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
                Some(&Cursor::after_item(last).to_string()),
            )
        })
    } else {
        None
    };
    let updated = items
        .iter()
        .map(|item| item.updated.unwrap_or(item.published).max(item.published))
        .max()
        .or(Some(state.store.changed_at()).filter(|t| *t > 0))
        .and_then(|t| Utc.timestamp_opt(t, 0).single())
        .unwrap_or(now);
    let links = DocumentLinks::new(base, selector, request);
    let document = FeedDocument {
        title: format!("{} · regionfeed", selector.title),
        description: format!("{}新闻，汇集自各地新闻源（regionfeed）", selector.title),
        identity: format!("{}?{}", selector.name, request.canonical_query),
        self_url: links.self_url,
        page_url: links.page_url,
        next_url,
        first_url: links.first_url,
        feed_urls: links.feed_urls,
        query: request.canonical_query.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

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

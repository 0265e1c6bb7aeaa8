//! The directory of what is published: `GET /regions` (JSON), `GET /sources` (health by region), the HTML
//! index `GET /` (the map of the last 24 hours' items, then the table) and the OPML subscription list
//! `GET /opml`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::cache::RenderedBody;
use super::feeds::accepts_gzip;
use super::{AppError, PublishState, base_url, pages};
use crate::config::ActivityWindowEnd;
use crate::health::{self, RegionHealth};
use crate::regions::{self, NATIONAL, REGIONS};

pub(super) async fn source_list(
    State(state): State<Arc<PublishState>>,
) -> Result<Json<Vec<RegionHealth>>, AppError> {
    let states = state.store.source_states().await?;
    Ok(Json(health::report(&state.settings().sources, &states)))
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

pub(super) async fn region_list(
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

/// The map's window: 24 hours up to now, or up to the newest item (`[server] activity_window_end`).
const ACTIVITY_WINDOW_SECS: i64 = 24 * 60 * 60;

/// `GET /`: the map and the table, gzip-compressed for clients that accept it.
pub(super) async fn index(
    State(state): State<Arc<PublishState>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let settings = state.settings();
    let counts = state.store.region_counts().await?;
    let now = Utc::now().timestamp();
    let window_ends_now = settings.activity_window_end == ActivityWindowEnd::Now;
    let window_end = if window_ends_now {
        now
    } else {
        counts
            .iter()
            .filter_map(|count| count.newest)
            .max()
            .unwrap_or(now)
    };
    // Each region with its sub-regions (xinjiang with bingtuan), as its feed shows them.
    let mut groups: Vec<(String, Vec<String>)> = REGIONS
        .iter()
        .map(|region| {
            let slugs = regions::with_descendants(region.slug);
            (
                region.slug.to_string(),
                slugs.iter().map(|s| s.to_string()).collect(),
            )
        })
        .collect();
    groups.push((NATIONAL.to_string(), Vec::new()));
    let activity = state
        .store
        .region_activity(groups, window_end - ACTIVITY_WINDOW_SECS, window_end)
        .await?;
    let states = state.store.source_states().await?;
    let report = health::report(&settings.sources, &states);
    let html = pages::render_index(&pages::IndexData {
        base: &base_url(&state, &headers),
        counts: &counts,
        activity: &activity,
        health: &report,
        window_end,
        window_ends_now,
    });
    let vary = (header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if !accepts_gzip(&headers) {
        return Ok(([vary], Html(html)).into_response());
    }
    let body = tokio::task::spawn_blocking(move || RenderedBody::new(html).gzip)
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?;
    Ok((
        [
            vary,
            (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
        ],
        body,
    )
        .into_response())
}

pub(super) async fn opml(State(state): State<Arc<PublishState>>, headers: HeaderMap) -> Response {
    let body = pages::render_opml(&base_url(&state, &headers), Utc::now());
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response()
}

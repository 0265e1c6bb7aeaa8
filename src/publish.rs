//! The HTTP endpoint: per-region RSS feeds, the region list and health. Reads the store; never writes.
//!
//! Routes: `GET /feeds/{selector}.xml` (or `.rss`), where the selector is a region slug, several joined by
//! `+`, `all` or `national`; `GET /regions`; `GET /sources` (health by region); `GET /healthz`; `GET /` (a plain index). Errors are mapped to
//! status codes in one place, [`AppError`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::config::SourceConfig;
use crate::health::{self, RegionHealth};
use crate::regions::{self, NATIONAL, REGIONS};
use crate::store::{Selection, Store, StoredItem};

/// Items in a feed unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;
/// Most items a feed returns.
pub const MAX_LIMIT: usize = 500;

/// What the handlers share.
#[derive(Clone)]
pub struct PublishState {
    /// Where items come from.
    pub store: Store,
    /// Base URL for self links; `None` derives it from the Host header.
    pub public_url: Option<String>,
    /// The configured sources, for `/sources`.
    pub sources: Arc<Vec<SourceConfig>>,
}

/// The HTTP routes.
pub fn router(state: PublishState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/feeds/{file}", get(feed))
        .route("/regions", get(region_list))
        .route("/sources", get(source_list))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(Arc::new(state))
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
    /// 503: the database did not answer.
    #[error("database unavailable: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Store(error) => {
                tracing::error!(%error, "request failed on the database");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        let body = format!("{self}\n");
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

async fn not_found() -> AppError {
    AppError::NotFound("not found; the feeds are listed at /regions".into())
}

async fn source_list(
    State(state): State<Arc<PublishState>>,
) -> Result<Json<Vec<RegionHealth>>, AppError> {
    let states = state.store.source_states().await?;
    Ok(Json(health::report(&state.sources, &states)))
}

async fn healthz(State(state): State<Arc<PublishState>>) -> Result<&'static str, AppError> {
    state.store.ping().await?;
    Ok("ok\n")
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

#[derive(Debug, Deserialize)]
struct FeedQuery {
    limit: Option<String>,
}

/// Reads `limit`: a whole number from 1 to [`MAX_LIMIT`].
pub fn parse_limit(raw: Option<&str>) -> Result<usize, AppError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    match raw.trim().parse::<usize>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
        _ => Err(AppError::BadRequest(format!(
            "limit must be a whole number from 1 to {MAX_LIMIT}, got \"{raw}\""
        ))),
    }
}

async fn feed(
    State(state): State<Arc<PublishState>>,
    Path(file): Path<String>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (selector, extension) = file.rsplit_once('.').ok_or_else(|| {
        AppError::NotFound(format!(
            "no feed \"{file}\"; feeds end in .xml or .rss, e.g. /feeds/shanxi.xml (see /regions)"
        ))
    })?;
    if !matches!(extension, "xml" | "rss") {
        return Err(AppError::NotFound(format!(
            "no feed format \".{extension}\"; use .xml or .rss (see /regions)"
        )));
    }
    let selector = resolve_selector(selector)?;
    let limit = parse_limit(query.limit.as_deref())?;
    let items = state
        .store
        .feed_items(selector.selection.clone(), limit)
        .await?;
    let base = base_url(&state, &headers);
    let self_url = format!("{base}/feeds/{}.{extension}", selector.name);
    let body = render_rss(&selector, &items, &base, &self_url, Utc::now());
    Ok((
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

/// The base URL of this server as clients see it.
fn base_url(state: &PublishState, headers: &HeaderMap) -> String {
    if let Some(public_url) = &state.public_url {
        return public_url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn rfc822(unix_seconds: i64) -> String {
    Utc.timestamp_opt(unix_seconds, 0)
        .single()
        .unwrap_or_default()
        .to_rfc2822()
}

/// Renders an RSS 2.0 document. Pure: the same items and `now` give the same bytes.
pub fn render_rss(
    selector: &FeedSelector,
    items: &[StoredItem],
    base: &str,
    self_url: &str,
    now: DateTime<Utc>,
) -> String {
    let self_link = rss::extension::atom::Link {
        href: self_url.to_string(),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Default::default()
    };
    let mut channel = rss::Channel {
        title: format!("{} · regionfeed", selector.title),
        link: format!("{base}/"),
        description: format!("{}新闻，汇集自各地新闻源（regionfeed）", selector.title),
        language: Some("zh-CN".into()),
        generator: Some(format!("regionfeed {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: Some(
            items
                .iter()
                .map(|item| item.updated.unwrap_or(item.first_seen).max(item.published))
                .max()
                .map(rfc822)
                .unwrap_or_else(|| now.to_rfc2822()),
        ),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: vec![self_link],
        }),
        ..Default::default()
    };
    channel.namespaces = BTreeMap::from([
        (
            "atom".to_string(),
            rss::extension::atom::NAMESPACE.to_string(),
        ),
        (
            "dc".to_string(),
            rss::extension::dublincore::NAMESPACE.to_string(),
        ),
    ]);
    channel.items = items.iter().map(|item| render_item(item, base)).collect();
    channel.to_string()
}

fn render_item(item: &StoredItem, base: &str) -> rss::Item {
    let description = item
        .content
        .as_deref()
        .or(item.summary.as_deref())
        .map(|html| ammonia::clean(html).trim().to_string());
    let categories = item
        .regions
        .iter()
        .filter_map(|slug| regions::by_slug(slug))
        .map(|region| rss::Category {
            name: region.name_simplified.to_string(),
            domain: Some(format!("{base}/feeds/{}.xml", region.slug)),
        })
        .collect();
    let source = item.source_url.as_ref().map(|url| rss::Source {
        url: url.clone(),
        title: Some(
            item.source_title
                .clone()
                .unwrap_or_else(|| item.source_id.clone()),
        ),
    });
    rss::Item {
        title: Some(item.title.clone()),
        link: item.link.clone(),
        description,
        author: None,
        dublin_core_ext: item.author.as_ref().map(|author| {
            rss::extension::dublincore::DublinCoreExtension {
                creators: vec![author.clone()],
                ..Default::default()
            }
        }),
        guid: Some(rss::Guid {
            value: format!("urn:uuid:{}", item.uid),
            permalink: false,
        }),
        pub_date: Some(rfc822(item.published)),
        categories,
        source,
        ..Default::default()
    }
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
    let count_of = |slugs: &[&str]| {
        let matching = counts.iter().filter(|c| slugs.contains(&c.region.as_str()));
        let items: i64 = matching.clone().map(|c| c.items).sum();
        let newest = matching.filter_map(|c| c.newest).max();
        (items, newest)
    };
    let newest_text = |newest: Option<i64>| {
        newest
            .and_then(|t| Utc.timestamp_opt(t, 0).single())
            .map(|t| t.to_rfc3339())
    };
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
                newest: newest_text(newest),
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
        newest: newest_text(newest),
        feed_url: format!("{base}/feeds/{NATIONAL}.xml"),
    });
    Ok(Json(list))
}

async fn index(State(state): State<Arc<PublishState>>, headers: HeaderMap) -> impl IntoResponse {
    let base = base_url(&state, &headers);
    let mut text = String::from("regionfeed: regional news feeds of China\n\n");
    text.push_str(&format!("all regions     {base}/feeds/all.xml\n"));
    text.push_str(&format!("national        {base}/feeds/national.xml\n"));
    for region in REGIONS {
        text.push_str(&format!(
            "{:<15} {base}/feeds/{}.xml  {}\n",
            region.slug, region.slug, region.name_simplified
        ));
    }
    text.push_str(&format!(
        "\nregion list with item counts (JSON): {base}/regions\n"
    ));
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
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

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(parse_limit(Some("500")).unwrap(), 500);
        for bad in ["0", "501", "-1", "ten", ""] {
            assert!(
                matches!(parse_limit(Some(bad)), Err(AppError::BadRequest(m)) if m.contains("1 to 500"))
            );
        }
    }

    #[test]
    fn rendered_rss_has_what_readers_need() {
        let item = StoredItem {
            uid: "0b9f3c4e-1111-8222-8333-444455556666".into(),
            source_id: "sx".into(),
            source_url: Some("https://example.cn/sx.xml".into()),
            source_title: Some("山西新闻".into()),
            guid: None,
            link: Some("https://example.cn/1".into()),
            title: "太原 <初雪> & 降温".into(),
            summary: Some("<p onclick=\"x()\">正文<script>alert(1)</script></p>".into()),
            content: None,
            author: Some("记者".into()),
            published: 1_795_488_720,
            first_seen: 1_795_488_800,
            updated: None,
            regions: vec!["shanxi".into()],
        };
        let selector = resolve_selector("shanxi").unwrap();
        let xml = render_rss(
            &selector,
            &[item],
            "http://h",
            "http://h/feeds/shanxi.xml",
            Utc::now(),
        );
        assert!(xml.contains("<title>山西 · regionfeed</title>"), "{xml}");
        assert!(
            xml.contains("<atom:link href=\"http://h/feeds/shanxi.xml\" rel=\"self\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<guid isPermaLink=\"false\">urn:uuid:0b9f3c4e-1111-8222-8333-444455556666</guid>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<source url=\"https://example.cn/sx.xml\">山西新闻</source>"),
            "{xml}"
        );
        assert!(
            xml.contains("<category domain=\"http://h/feeds/shanxi.xml\">山西</category>"),
            "{xml}"
        );
        assert!(xml.contains("&lt;初雪&gt; &amp; 降温"), "{xml}");
        assert!(
            !xml.contains("<script") && !xml.contains("alert") && !xml.contains("onclick"),
            "{xml}"
        );
        let parsed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        assert_eq!(parsed.entries.len(), 1);
        assert_eq!(
            parsed.entries[0].title.as_ref().unwrap().content,
            "太原 <初雪> & 降温"
        );
        assert_eq!(
            parsed.entries[0].published.unwrap().timestamp(),
            1_795_488_720
        );
    }
}

//! Prometheus metrics: counters that polling and the HTTP side bump as things happen, gauges filled when
//! `/metrics` is scraped, encoded in the OpenMetrics text format (which Prometheus reads).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a poll.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PollLabels {
    /// Source id.
    pub source: String,
    /// The source's regions joined by `+`, or `national`.
    pub region: String,
    /// `stored`, `not-modified`, `unchanged`, `gone`, or the error class (`timeout`, `http-5xx`, …).
    pub outcome: String,
}

/// One label for counters split by kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The kind.
    pub kind: String,
}

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route pattern (`/feeds/:file`), never the raw path.
    pub route: String,
    /// Status code.
    pub status: String,
}

/// A region label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RegionLabel {
    /// Region slug, or `national`.
    pub region: String,
}

/// Every metric regionfeed exports.
pub struct Metrics {
    registry: Registry,
    /// Polls by source, region and outcome.
    pub polls: Family<PollLabels, Counter>,
    /// Time from request to the whole body (or failure), seconds.
    pub fetch_seconds: Histogram,
    /// Items by what a poll did with them: `new`, `updated`, `unchanged`, `tombstoned`.
    pub items: Family<KindLabel, Counter>,
    /// New items found to repeat another source's story.
    pub merges: Counter,
    /// Region tags of new items, by origin (`source`, `dateline`, `title`, `body`).
    pub tags: Family<KindLabel, Counter>,
    /// HTTP requests by route and status.
    pub http_requests: Family<HttpLabels, Counter>,
    /// Rendered feed bodies served from the cache (`hit`) or rendered (`render`); set at scrape time.
    pub render_cache: Family<KindLabel, Counter>,
    /// Database file size (main file + WAL), bytes; set at scrape time.
    pub database_bytes: Gauge,
    /// Age of each region's newest item, seconds; set at scrape time.
    pub newest_item_age: Family<RegionLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric, registered under the `regionfeed_` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("regionfeed");
        let polls = Family::<PollLabels, Counter>::default();
        registry.register(
            "polls",
            "Polls by source, region and outcome",
            polls.clone(),
        );
        let fetch_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "fetch_duration_seconds",
            "Time to fetch a feed (request to whole body, or failure)",
            fetch_seconds.clone(),
        );
        let items = Family::<KindLabel, Counter>::default();
        registry.register(
            "items",
            "Items seen by polls: new, updated, unchanged (duplicates of stored items), tombstoned, unreadable (left out)",
            items.clone(),
        );
        let merges = Counter::default();
        registry.register(
            "story_merges",
            "New items that repeat another source's story (cross-source dedupe)",
            merges.clone(),
        );
        let tags = Family::<KindLabel, Counter>::default();
        registry.register(
            "region_tags",
            "Region tags of new items, by origin",
            tags.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        let render_cache = Family::<KindLabel, Counter>::default();
        registry.register(
            "render_cache",
            "Feed bodies served from the render cache (hit) or rendered (render)",
            render_cache.clone(),
        );
        let database_bytes = Gauge::default();
        registry.register(
            "database_bytes",
            "Size of the SQLite database (main file and WAL)",
            database_bytes.clone(),
        );
        let newest_item_age = Family::<RegionLabel, Gauge>::default();
        registry.register(
            "newest_item_age_seconds",
            "Age of each region's newest item",
            newest_item_age.clone(),
        );
        Metrics {
            registry,
            polls,
            fetch_seconds,
            items,
            merges,
            tags,
            http_requests,
            render_cache,
            database_bytes,
            newest_item_age,
        }
    }

    /// Counts one item kind.
    pub fn count_items(&self, kind: &str, n: usize) {
        if n > 0 {
            self.items
                .get_or_create(&KindLabel { kind: kind.into() })
                .inc_by(n as u64);
        }
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The route pattern of `path`, for the `route` label (bounded: never the raw path).
pub fn route_of(path: &str) -> &'static str {
    match path {
        "/" => "/",
        "/regions" => "/regions",
        "/sources" => "/sources",
        "/opml" => "/opml",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ if path.starts_with("/feeds/") => "/feeds/:file",
        _ if path.starts_with("/sources/") && path.ends_with("/refresh") => "/sources/:id/refresh",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_show_in_the_text_exposition() {
        let metrics = Metrics::new();
        metrics
            .polls
            .get_or_create(&PollLabels {
                source: "sx".into(),
                region: "shanxi".into(),
                outcome: "stored".into(),
            })
            .inc();
        metrics.count_items("new", 3);
        metrics.fetch_seconds.observe(0.02);
        let text = metrics.encode();
        assert!(
            text.contains(
                r#"regionfeed_polls_total{source="sx",region="shanxi",outcome="stored"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"regionfeed_items_total{kind="new"} 3"#),
            "{text}"
        );
        assert!(
            text.contains("regionfeed_fetch_duration_seconds_count 1"),
            "{text}"
        );
        assert_eq!(route_of("/feeds/shanxi.xml"), "/feeds/:file");
        assert_eq!(route_of("/../etc/passwd"), "other");
    }
}

//! Feed request parameters: format, limit, RSSHub-style filters, time bounds, paging cursor, sources and
//! script conversion. Pure: a query string in, a validated request (or a 400 naming the parameter) out.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};

pub use crate::classify::script::ScriptConversion;
use crate::classify::tag::Origin;
use crate::publish::AppError;
use crate::regions;
use crate::store::StoredItem;

/// Items in a feed unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;
/// Most items a feed returns.
pub const MAX_LIMIT: usize = 500;
/// Longest regular expression accepted, in bytes.
pub const MAX_PATTERN_BYTES: usize = 512;
/// Compiled-size cap of one regular expression (the `regex` crate's `size_limit`).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Deepest nesting of groups and repetitions accepted. The regex parser recurses once per level; at its
/// default (250) a 200-deep `a****…` overflowed a 2 MiB stack in a debug build (found by the query fuzz
/// corpus). Real filters nest a few levels.
const REGEX_NEST_LIMIT: u32 = 32;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
    /// The HTML reading page (`.html`): the same items for a person in a browser.
    Html,
}

impl Format {
    /// The feed formats, in the order subscribe links list them.
    pub const FEEDS: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// Reads a feed format's name or file extension (`?format=` names only these).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "rss" | "xml" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// Reads the extension of a `/feeds/{selector}.{extension}` path: a feed format or `html`.
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension {
            "html" => Some(Format::Html),
            other => Format::from_name(other),
        }
    }

    /// How subscribe links name the format.
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::Json => "JSON Feed",
            Format::Html => "HTML",
        }
    }

    /// The canonical file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "xml",
            Format::Atom => "atom",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// The `Content-Type` of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// A paging cursor: items strictly older than (published, row id). Written in `before=` as
/// `{published}_{row id}`, or as a plain time (unix seconds or a date) for "older than this time".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Published time, unix seconds.
    pub published: i64,
    /// Row id tie-breaker; `None` when the cursor is a plain time.
    pub row_id: Option<i64>,
}

impl Cursor {
    /// The cursor that continues after `item`.
    pub fn after_item(item: &StoredItem) -> Cursor {
        Cursor {
            published: item.published,
            row_id: Some(item.row_id),
        }
    }

    /// Reads the text form (`1795488720_42`, `1795488720`, or a date `parse_time` reads).
    pub fn parse(raw: &str) -> Option<Cursor> {
        if let Some((published, row_id)) = raw.trim().split_once('_') {
            return Some(Cursor {
                published: published.parse().ok()?,
                row_id: Some(row_id.parse().ok()?),
            });
        }
        parse_time(raw).map(|published| Cursor {
            published,
            row_id: None,
        })
    }

    /// The bound the store pages by: (published, row id if any).
    pub fn bound(self) -> (i64, Option<i64>) {
        (self.published, self.row_id)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.row_id {
            Some(row_id) => write!(f, "{}_{row_id}", self.published),
            None => write!(f, "{}", self.published),
        }
    }
}

/// The text filters of a request, compiled.
#[derive(Debug, Clone, Default)]
pub struct TextFilters {
    include_any: Option<Regex>,
    include_title: Option<Regex>,
    include_description: Option<Regex>,
    exclude_any: Option<Regex>,
    exclude_title: Option<Regex>,
    exclude_description: Option<Regex>,
}

impl TextFilters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        [
            &self.include_any,
            &self.include_title,
            &self.include_description,
            &self.exclude_any,
            &self.exclude_title,
            &self.exclude_description,
        ]
        .iter()
        .all(|filter| filter.is_none())
    }

    /// Whether `item` passes: every `filter*` must match its field, no `filterout*` may.
    /// `filter`/`filterout` look at title, description, author and categories (region names and slugs).
    pub fn keep(&self, item: &StoredItem) -> bool {
        let description = item
            .content
            .as_deref()
            .or(item.summary.as_deref())
            .unwrap_or("");
        let everything = || {
            let mut text = format!(
                "{}\n{}\n{}",
                item.title,
                description,
                item.author.as_deref().unwrap_or("")
            );
            for slug in item.region_slugs() {
                let _ = write!(text, "\n{slug}");
                if let Some(region) = regions::by_slug(slug) {
                    let _ = write!(
                        text,
                        " {} {}",
                        region.name_simplified, region.name_traditional
                    );
                }
            }
            text
        };
        let matches =
            |filter: &Option<Regex>, text: &str| filter.as_ref().map(|r| r.is_match(text));
        let all_text = if self.include_any.is_some() || self.exclude_any.is_some() {
            everything()
        } else {
            String::new()
        };
        matches(&self.include_any, &all_text) != Some(false)
            && matches(&self.include_title, &item.title) != Some(false)
            && matches(&self.include_description, description) != Some(false)
            && matches(&self.exclude_any, &all_text) != Some(true)
            && matches(&self.exclude_title, &item.title) != Some(true)
            && matches(&self.exclude_description, description) != Some(true)
    }
}

/// A validated feed request.
#[derive(Debug, Clone)]
pub struct FeedRequest {
    /// Output format.
    pub format: Format,
    /// Most items.
    pub limit: usize,
    /// Text filters.
    pub filters: TextFilters,
    /// Only items newer than this many seconds before now.
    pub filter_time: Option<i64>,
    /// Only items published at or after this time.
    pub since: Option<i64>,
    /// Only items older than this cursor.
    pub before: Option<Cursor>,
    /// Only items from these sources.
    pub sources: Vec<String>,
    /// Only items whose region tag has one of these origins (`origin=source` or `origin=source,dateline`).
    pub origins: Vec<Origin>,
    /// Convert the output's script.
    pub opencc: Option<ScriptConversion>,
    /// The recognised parameters in a canonical order, without `before` and `format`: the cache key's
    /// query part and the base of paging links.
    pub canonical_query: String,
}

/// Parses the query string of a feed request. `path_format` is the format named by the URL's extension;
/// `?format=` overrides it (RSSHub's habit). Unknown parameters are ignored. A bad value answers 400
/// naming the parameter; parameters are checked in a fixed order, and the first problem is reported.
pub fn parse_feed_request(
    raw_query: Option<&str>,
    path_format: Format,
) -> Result<FeedRequest, AppError> {
    let params = Params::new(raw_query);
    let format = match params.last("format") {
        None => path_format,
        Some(name) => Format::from_name(name).ok_or_else(|| {
            bad(
                "format",
                format!("\"{name}\" is not one of rss, atom, json"),
            )
        })?,
    };
    let limit = params.limit()?;
    let filters = params.text_filters()?;
    let filter_time = params.filter_time()?;
    let since = params.since()?;
    let before = params.before()?;
    let sources = params.sources();
    let origins = params.origins()?;
    let opencc = params.opencc()?;
    let canonical_query = params.canonical_query(&sources, &origins);
    Ok(FeedRequest {
        format,
        limit,
        filters,
        filter_time,
        since,
        before,
        sources,
        origins,
        opencc,
        canonical_query,
    })
}

/// A 400 answer about parameter `name`.
fn bad(name: &str, why: String) -> AppError {
    AppError::BadRequest(format!("parameter `{name}`: {why}"))
}

/// The decoded name–value pairs of a query string, in order.
struct Params {
    pairs: Vec<(String, String)>,
}

/// The parameters the canonical query keeps, in its order (`source` and `origin` follow).
const CANONICAL_PARAMS: [&str; 11] = [
    "limit",
    "filter",
    "filter_title",
    "filter_description",
    "filterout",
    "filterout_title",
    "filterout_description",
    "filter_case_sensitive",
    "filter_time",
    "since",
    "opencc",
];

impl Params {
    fn new(raw_query: Option<&str>) -> Params {
        Params {
            pairs: url::form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        }
    }

    /// The last value given for `name` (a later value wins, as in most web frameworks).
    fn last(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn limit(&self) -> Result<usize, AppError> {
        let Some(raw) = self.last("limit") else {
            return Ok(DEFAULT_LIMIT);
        };
        match raw.trim().parse::<usize>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            _ => Err(bad(
                "limit",
                format!("limit must be a whole number from 1 to {MAX_LIMIT}, got \"{raw}\""),
            )),
        }
    }

    fn text_filters(&self) -> Result<TextFilters, AppError> {
        let case_sensitive = match self.last("filter_case_sensitive") {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(bad(
                    "filter_case_sensitive",
                    format!("use true or false, got \"{other}\""),
                ));
            }
        };
        let regex = |name: &str| self.regex(name, case_sensitive);
        Ok(TextFilters {
            include_any: regex("filter")?,
            include_title: regex("filter_title")?,
            include_description: regex("filter_description")?,
            exclude_any: regex("filterout")?,
            exclude_title: regex("filterout_title")?,
            exclude_description: regex("filterout_description")?,
        })
    }

    /// The regular expression in `name`, compiled with the size and nesting limits.
    fn regex(&self, name: &str, case_sensitive: bool) -> Result<Option<Regex>, AppError> {
        let Some(pattern) = self.last(name) else {
            return Ok(None);
        };
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(bad(
                name,
                format!(
                    "pattern is {} bytes; the limit is {MAX_PATTERN_BYTES}",
                    pattern.len()
                ),
            ));
        }
        RegexBuilder::new(pattern)
            .case_insensitive(!case_sensitive)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .nest_limit(REGEX_NEST_LIMIT)
            .build()
            .map(Some)
            .map_err(|error| bad(name, format!("invalid regular expression: {error}")))
    }

    fn filter_time(&self) -> Result<Option<i64>, AppError> {
        let Some(raw) = self.last("filter_time") else {
            return Ok(None);
        };
        match raw.trim().parse::<i64>() {
            Ok(seconds) if seconds > 0 => Ok(Some(seconds)),
            _ => Err(bad(
                "filter_time",
                format!("use a positive number of seconds, got \"{raw}\""),
            )),
        }
    }

    fn since(&self) -> Result<Option<i64>, AppError> {
        let Some(raw) = self.last("since") else {
            return Ok(None);
        };
        parse_time(raw).map(Some).ok_or_else(|| {
            bad(
                "since",
                format!("use RFC 3339 or unix seconds, got \"{raw}\""),
            )
        })
    }

    fn before(&self) -> Result<Option<Cursor>, AppError> {
        let Some(raw) = self.last("before") else {
            return Ok(None);
        };
        Cursor::parse(raw).map(Some).ok_or_else(|| {
            bad(
                "before",
                format!("use RFC 3339, unix seconds or a next-page cursor, got \"{raw}\""),
            )
        })
    }

    /// Every `source=` given, sorted, without repeats.
    fn sources(&self) -> Vec<String> {
        let mut sources: Vec<String> = self
            .pairs
            .iter()
            .filter(|(key, value)| key == "source" && !value.is_empty())
            .map(|(_, value)| value.clone())
            .collect();
        sources.sort();
        sources.dedup();
        sources
    }

    /// Every origin named in `origin=` (comma-separated, repeatable), sorted by word, without repeats.
    fn origins(&self) -> Result<Vec<Origin>, AppError> {
        let mut origins: Vec<Origin> = Vec::new();
        for (_, value) in self.pairs.iter().filter(|(key, _)| key == "origin") {
            for word in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                let origin = word.parse::<Origin>().map_err(|_| {
                    let words: Vec<&str> = Origin::ALL.iter().map(|o| o.as_str()).collect();
                    bad(
                        "origin",
                        format!("use {}, got \"{word}\"", words.join(", ")),
                    )
                })?;
                origins.push(origin);
            }
        }
        origins.sort_by_key(|origin| origin.as_str());
        origins.dedup();
        Ok(origins)
    }

    fn opencc(&self) -> Result<Option<ScriptConversion>, AppError> {
        match self.last("opencc") {
            None => Ok(None),
            Some("s2t") => Ok(Some(ScriptConversion::SimplifiedToTraditional)),
            Some("t2s") => Ok(Some(ScriptConversion::TraditionalToSimplified)),
            Some(other) => Err(bad("opencc", format!("use s2t or t2s, got \"{other}\""))),
        }
    }

    /// The recognised parameters in a canonical order, without `before` and `format`.
    fn canonical_query(&self, sources: &[String], origins: &[Origin]) -> String {
        let mut canonical = url::form_urlencoded::Serializer::new(String::new());
        for name in CANONICAL_PARAMS {
            if let Some(value) = self.last(name) {
                canonical.append_pair(name, value);
            }
        }
        for source in sources {
            canonical.append_pair("source", source);
        }
        if !origins.is_empty() {
            let words: Vec<&str> = origins.iter().map(|o| o.as_str()).collect();
            canonical.append_pair("origin", &words.join(","));
        }
        canonical.finish()
    }
}

/// RFC 3339 or unix seconds.
fn parse_time(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(seconds) = raw.parse::<i64>() {
        return Some(seconds);
    }
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|time| time.with_timezone(&Utc).timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoredRegion;

    fn item(title: &str, summary: &str, regions: &[&str]) -> StoredItem {
        StoredItem {
            uid: "u".into(),
            source_id: "s".into(),
            source_url: None,
            source_title: None,
            source_site: None,
            guid: None,
            link: None,
            title: title.into(),
            summary: Some(summary.into()),
            content: None,
            author: Some("记者甲".into()),
            published: 0,
            first_seen: 0,
            updated: None,
            regions: regions
                .iter()
                .map(|s| StoredRegion::from_source(s))
                .collect(),
            row_id: 1,
            also_reported_by: Vec::new(),
        }
    }

    fn request(query: &str) -> Result<FeedRequest, AppError> {
        parse_feed_request(Some(query), Format::Rss)
    }

    fn bad_parameter(query: &str) -> String {
        match request(query) {
            Err(AppError::BadRequest(message)) => message,
            other => panic!("{query}: expected 400, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_format_override() {
        let plain = parse_feed_request(None, Format::Atom).unwrap();
        assert_eq!((plain.format, plain.limit), (Format::Atom, DEFAULT_LIMIT));
        assert!(plain.filters.is_empty());
        assert_eq!(request("format=json").unwrap().format, Format::Json);
        assert_eq!(request("unknown=1&limit=7").unwrap().limit, 7);
    }

    #[test]
    fn filters_match_the_fields_they_name() {
        let snow = item("太原初雪", "中新网太原电 降雪", &["shanxi"]);
        let metro = item("西安地铁", "开通运营", &["shaanxi"]);
        let keep = |query: &str, item: &StoredItem| request(query).unwrap().filters.keep(item);
        assert!(keep("filter=初雪|地铁", &snow) && keep("filter=初雪|地铁", &metro));
        assert!(
            keep("filter=山西", &snow) && !keep("filter=山西", &metro),
            "region names count"
        );
        assert!(keep("filter=記者甲|记者甲", &snow), "author counts");
        assert!(!keep("filter_title=降雪", &snow) && keep("filter_description=降雪", &snow));
        assert!(!keep("filterout=地铁", &metro) && keep("filterout=地铁", &snow));
        assert!(
            !keep("filterout_title=太原", &snow) && keep("filterout_description=太原初雪", &snow)
        );
        assert!(keep("filter=初雪&filterout=西安", &snow));
        let latin = item("Shanxi Snow", "", &[]);
        assert!(!keep("filter=snow", &latin));
        assert!(keep("filter=snow&filter_case_sensitive=false", &latin));
    }

    #[test]
    fn invalid_parameters_name_themselves() {
        assert!(bad_parameter("filter=(unclosed").contains("parameter `filter`"));
        assert!(bad_parameter("filterout_title=[z-a]").contains("`filterout_title`"));
        let huge = format!("filter={}", "a".repeat(MAX_PATTERN_BYTES + 1));
        assert!(bad_parameter(&huge).contains("the limit is"));
        // Nesting deeper than the limit is refused before the parser recurses that deep.
        let deep = format!("filter=a{}", "%2A".repeat(200));
        assert!(
            bad_parameter(&deep).contains("nest"),
            "{}",
            bad_parameter(&deep)
        );
        let shallow = format!("filter={}a{}", "%28".repeat(5), "%29%2A".repeat(5));
        assert!(parse_feed_request(Some(&shallow), Format::Rss).is_ok());
        // Compiles to far more than the size limit: refused, not run.
        assert!(bad_parameter("filter=\\w{1000}\\w{1000}").contains("`filter`"));
        assert!(bad_parameter("limit=0").contains("`limit`"));
        assert!(bad_parameter("limit=501").contains("1 to 500"));
        assert!(bad_parameter("since=yesterday").contains("`since`"));
        assert!(bad_parameter("before=soon").contains("`before`"));
        assert!(bad_parameter("opencc=x2y").contains("`opencc`"));
        assert!(bad_parameter("format=html").contains("`format`"));
        assert!(bad_parameter("filter_time=-5").contains("`filter_time`"));
    }

    #[test]
    fn times_and_cursors() {
        let parsed = request("since=2026-11-25T00:00:00%2B08:00&before=1795488720_42").unwrap();
        let expected = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 24, 16, 0, 0).unwrap();
        assert_eq!(parsed.since, Some(expected.timestamp()));
        assert_eq!(
            parsed.before,
            Some(Cursor {
                published: 1_795_488_720,
                row_id: Some(42)
            })
        );
        let plain = request("before=1795488720").unwrap();
        assert_eq!(plain.before.unwrap().row_id, None);
    }

    #[test]
    fn canonical_query_is_order_independent() {
        let a = request("source=b&limit=5&source=a&filter=x&before=1").unwrap();
        let b = request("filter=x&source=a&limit=5&source=b&junk=1").unwrap();
        assert_eq!(a.canonical_query, b.canonical_query);
        assert_eq!(a.canonical_query, "limit=5&filter=x&source=a&source=b");
    }

    #[test]
    fn script_conversion() {
        assert_eq!(
            ScriptConversion::TraditionalToSimplified.convert("臺灣新聞 陜西"),
            "台湾新闻 陕西"
        );
        assert_eq!(
            ScriptConversion::SimplifiedToTraditional.convert("山西新闻"),
            "山西新聞"
        );
    }
}

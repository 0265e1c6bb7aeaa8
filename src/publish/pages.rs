//! The human-facing pages: the HTML index (the map of [`super::map`], then every region with its feeds and
//! its sources' health) and the OPML list of every region feed. Pure: data in, text out; every value is
//! escaped.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::map::{self, MapEntry, MapView, beijing_time};
use crate::health::{RegionHealth, SourceHealth};
use crate::opml::{Outline, write_opml};
use crate::regions::{self, NATIONAL, REGIONS, Region};
use crate::store::{RegionActivity, RegionCount};
use crate::text::escape;

/// Geographic groups used in the OPML file and the index page, in display order.
pub const AREAS: &[(&str, &str, &[&str])] = &[
    (
        "华北",
        "North China",
        &["beijing", "tianjin", "hebei", "shanxi", "neimenggu"],
    ),
    ("东北", "Northeast", &["liaoning", "jilin", "heilongjiang"]),
    (
        "华东",
        "East China",
        &[
            "shanghai", "jiangsu", "zhejiang", "anhui", "fujian", "jiangxi", "shandong",
        ],
    ),
    ("华中", "Central China", &["henan", "hubei", "hunan"]),
    ("华南", "South China", &["guangdong", "guangxi", "hainan"]),
    (
        "西南",
        "Southwest",
        &["chongqing", "sichuan", "guizhou", "yunnan", "xizang"],
    ),
    (
        "西北",
        "Northwest",
        &[
            "shaanxi", "gansu", "qinghai", "ningxia", "xinjiang", "bingtuan",
        ],
    ),
    (
        "港澳台",
        "Hong Kong, Macao, Taiwan",
        &["xianggang", "aomen", "taiwan"],
    ),
];

/// Item count and newest item time over the regions `slugs` (a region and its sub-regions).
pub fn region_totals(counts: &[RegionCount], slugs: &[&str]) -> (i64, Option<i64>) {
    let matching = counts
        .iter()
        .filter(|count| slugs.contains(&count.region.as_str()));
    let items = matching.clone().map(|count| count.items).sum();
    (items, matching.filter_map(|count| count.newest).max())
}

/// `shaanxi` → `Shaanxi`.
pub fn pinyin_name(slug: &str) -> String {
    let mut chars = slug.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn feed_links(base: &str, slug: &str) -> String {
    format!(
        "<a href=\"{base}/feeds/{slug}.xml\">RSS</a> · <a href=\"{base}/feeds/{slug}.atom\">Atom</a> · <a href=\"{base}/feeds/{slug}.json\">JSON</a>",
        base = escape(base),
        slug = escape(slug)
    )
}

fn time_text(unix_seconds: Option<i64>) -> String {
    unix_seconds
        .map(beijing_time)
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "—".to_string())
}

/// What the index page shows.
#[derive(Debug, Clone, Copy)]
pub struct IndexData<'a> {
    /// Base URL of the links.
    pub base: &'a str,
    /// Items and newest item per region.
    pub counts: &'a [RegionCount],
    /// New items per region (sub-regions included) and `national` in the map's window.
    pub activity: &'a [RegionActivity],
    /// Source health by region.
    pub health: &'a [RegionHealth],
    /// End of the map's 24-hour window, unix seconds.
    pub window_end: i64,
    /// Whether that end is now (else the newest item).
    pub window_ends_now: bool,
}

/// Statuses that mark a source as failing on the map.
fn is_failing(status: &str) -> bool {
    matches!(status, "failing" | "gone")
}

/// The activity of `slug`'s feed (sub-regions included).
fn activity_of<'a>(data: &IndexData<'a>, slug: &str) -> Option<&'a RegionActivity> {
    data.activity
        .iter()
        .find(|activity| activity.region == slug)
}

/// The map's entry for `slug`: its feed's new items (sub-regions included), newest item, failing sources.
fn map_entry(data: &IndexData<'_>, region: &Region) -> MapEntry {
    let slugs = regions::with_descendants(region.slug);
    let activity = activity_of(data, region.slug);
    let newest = activity.map(|activity| (activity.newest, activity.newest_title.clone()));
    let failing = data
        .health
        .iter()
        .filter(|group| slugs.contains(&group.region.as_str()))
        .flat_map(|group| &group.sources)
        .filter(|source| is_failing(source.status))
        .map(|source| {
            format!(
                "{} ({})",
                source.title.as_deref().unwrap_or(&source.id),
                source.error_class.as_deref().unwrap_or(source.status)
            )
        })
        .collect();
    MapEntry {
        slug: region.slug.to_string(),
        name: region.name_simplified.to_string(),
        recent: activity.map_or(0, |activity| activity.recent),
        newest,
        failing,
    }
}

const INDEX_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.5}\n\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\n\
.failing{color:#a00}.ok{color:#070}small{color:#555}figure{margin:0}\n\
@media (max-width:40rem){td:nth-child(3),th:nth-child(3),td:nth-child(5),th:nth-child(5){display:none}}\n";

/// The HTML index page: the map, then every region with its item count, new items, newest item, feed
/// links and sources.
pub fn render_index(data: &IndexData<'_>) -> String {
    let base = data.base;
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>regionfeed · 地区新闻订阅</title>\n<style>\n{INDEX_STYLE}{}</style>\n</head>\n<body>\n\
         <h1>regionfeed · 地区新闻订阅</h1>\n",
        map::style()
    );
    let _ = writeln!(
        html,
        "<p>每个省级地区一个订阅源（RSS、Atom、JSON Feed）和一个阅读页。一次订阅全部：<a href=\"{0}/opml\">OPML</a> · 全部地区：<a href=\"{0}/feeds/all.html\">阅读</a> · {1} · 全国：<a href=\"{0}/feeds/national.html\">阅读</a> · {2}</p>",
        escape(base),
        feed_links(base, "all"),
        feed_links(base, NATIONAL)
    );
    let entries = REGIONS
        .iter()
        .map(|region| map_entry(data, region))
        .collect();
    html.push_str(&map::render_map(&MapView {
        base,
        entries,
        window_end: data.window_end,
        window_ends_now: data.window_ends_now,
    }));
    region_table(&mut html, data);
    let _ = writeln!(
        html,
        "<p><small>JSON: <a href=\"{0}/regions\">/regions</a> · <a href=\"{0}/sources\">/sources</a> · 地图数据：Natural Earth（公有领域） · regionfeed {1}</small></p>",
        escape(base),
        env!("CARGO_PKG_VERSION")
    );
    html.push_str("</body>\n</html>\n");
    html
}

/// The sources of `slug` with their health, as HTML.
fn source_cells(health: &[RegionHealth], slug: &str) -> String {
    let Some(group) = health.iter().find(|group| group.region == slug) else {
        return String::new();
    };
    group
        .sources
        .iter()
        .map(|source| {
            let class = if source.status == "ok" {
                "ok"
            } else {
                "failing"
            };
            let since = match (&source.error_class, &source.last_success) {
                (Some(error), Some(last_ok)) => format!(" ({error}; last ok {last_ok})"),
                (Some(error), None) => format!(" ({error})"),
                _ => String::new(),
            };
            let pace = pace_note(source);
            format!(
                "{} <span class=\"{class}\">{}</span><small>{}{}</small>",
                escape(source.title.as_deref().unwrap_or(&source.id)),
                escape(source.status),
                escape(&since),
                if pace.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", escape(&pace))
                }
            )
        })
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// How often a source is polled and why, its new items per day and requests per new item over the last
/// week, and whether its validators are trusted, in a few words.
fn pace_note(source: &SourceHealth) -> String {
    let mut parts = Vec::new();
    if let Some(seconds) = source.interval_secs {
        let reason = source.interval_reason.as_deref().map_or("", reason_words);
        parts.push(if reason.is_empty() {
            format!("每{}", duration_words(seconds))
        } else {
            format!("每{}（{reason}）", duration_words(seconds))
        });
    }
    if let Some(per_day) = source.items_per_day {
        parts.push(format!("{per_day:.1}条/天"));
    }
    if let Some(ratio) = source.requests_per_new_item {
        parts.push(format!("{ratio:.1}次请求/新条目"));
    }
    if source.validators != "trusted" {
        parts.push("ETag/Last-Modified不可信".to_string());
    }
    parts.join(" · ")
}

/// An interval reason (`health::SourceHealth::interval_reason`) in words.
fn reason_words(reason: &str) -> &str {
    match reason {
        "posting-rate" => "按发布频率",
        "feed-window" => "防止条目溢出",
        "slowing-down" => "无新条目，渐缓",
        "new-source" => "新来源",
        "min-interval" => "最短间隔",
        "max-interval" => "最长间隔",
        "update-period" => "sy:updatePeriod",
        "max-age" => "Cache-Control",
        "expires" => "Expires",
        "skip-hours" => "skipHours",
        "skip-days" => "skipDays",
        "backoff" => "失败后退避",
        "retry-after" => "Retry-After",
        "cron" => "",
        other => other,
    }
}

/// `42分钟`, `2.5小时`, `3天`.
fn duration_words(seconds: i64) -> String {
    let trim = |value: f64| {
        let text = format!("{value:.1}");
        text.strip_suffix(".0").map_or(text.clone(), str::to_string)
    };
    match seconds {
        ..120 => format!("{seconds}秒"),
        120..7200 => format!("{}分钟", (seconds + 30) / 60),
        7200..172_800 => format!("{}小时", trim(seconds as f64 / 3600.0)),
        _ => format!("{}天", trim(seconds as f64 / 86_400.0)),
    }
}

/// The table below the map: one row per region (area by area), then `national`.
fn region_table(html: &mut String, data: &IndexData<'_>) {
    html.push_str("<table>\n<thead><tr><th>地区</th><th>条目</th><th>24小时</th><th>最新（北京时间）</th><th>订阅</th><th>来源</th></tr></thead>\n<tbody>\n");
    let base = data.base;
    let mut row = |slug: &str, name: &str, slugs: &[&str]| {
        let (items, newest) = region_totals(data.counts, slugs);
        let recent = activity_of(data, slug).map_or(0, |activity| activity.recent);
        let _ = writeln!(
            html,
            "<tr id=\"{slug}\"><td><a href=\"{base}/feeds/{slug}.html\">{name}</a> <small>{pinyin}</small></td><td>{items}</td><td>{recent}</td><td>{newest}</td><td>{links}</td><td>{sources}</td></tr>",
            slug = escape(slug),
            base = escape(base),
            name = escape(name),
            pinyin = escape(&pinyin_name(slug)),
            newest = escape(&time_text(newest)),
            links = feed_links(base, slug),
            sources = source_cells(data.health, slug),
        );
    };
    for (_, _, slugs) in AREAS {
        for slug in *slugs {
            let Some(region) = regions::by_slug(slug) else {
                continue;
            };
            row(
                region.slug,
                region.name_simplified,
                &regions::with_descendants(region.slug),
            );
        }
    }
    row(NATIONAL, "全国", &[NATIONAL]);
    html.push_str("</tbody>\n</table>\n");
}

fn region_outline(base: &str, region: &Region) -> Outline {
    Outline {
        text: format!("{} {}", region.name_simplified, pinyin_name(region.slug)),
        xml_url: Some(format!("{base}/feeds/{}.xml", region.slug)),
        html_url: Some(format!("{base}/#{}", region.slug)),
        ..Outline::default()
    }
}

/// OPML 2.0 listing every region feed, grouped by area, so a reader can subscribe to all at once.
pub fn render_opml(base: &str, now: DateTime<Utc>) -> String {
    let mut outlines: Vec<Outline> = AREAS
        .iter()
        .map(|(name, english, slugs)| Outline {
            text: format!("{name} {english}"),
            children: slugs
                .iter()
                .filter_map(|slug| regions::by_slug(slug))
                .map(|region| region_outline(base, region))
                .collect(),
            ..Outline::default()
        })
        .collect();
    outlines.push(Outline {
        text: "全国 National".into(),
        xml_url: Some(format!("{base}/feeds/national.xml")),
        html_url: Some(format!("{base}/")),
        ..Outline::default()
    });
    write_opml(
        "regionfeed 地区新闻 Regional news of China",
        Some(now),
        &outlines,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_cover_every_region_once() {
        let mut listed: Vec<&str> = AREAS
            .iter()
            .flat_map(|(_, _, slugs)| slugs.iter().copied())
            .collect();
        listed.sort_unstable();
        let mut all: Vec<&str> = REGIONS.iter().map(|r| r.slug).collect();
        all.sort_unstable();
        assert_eq!(listed, all);
    }

    #[test]
    fn opml_lists_every_region_feed() {
        let opml = render_opml("http://h", Utc::now());
        for region in REGIONS {
            assert!(
                opml.contains(&format!("xmlUrl=\"http://h/feeds/{}.xml\"", region.slug)),
                "{}",
                region.slug
            );
        }
        assert!(opml.contains("text=\"陕西 Shaanxi\"") && opml.contains("text=\"山西 Shanxi\""));
    }
}

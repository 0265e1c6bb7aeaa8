//! The index page's map of China: an inline SVG of the 34 provincial-level regions (and 兵团 as a marked
//! entry inside Xinjiang), each shape linked to its reading page, shaded by its new items in a 24-hour
//! window, with a `<title>` (name, count, newest item), failing sources outlined in red, and a legend.
//! Pure: the geometry is compiled in (`data/map/china-map.json`, written by `data/map/build_map.py`;
//! licences in `data/map/NOTICE`), the figures come in as arguments; every value is escaped.

use std::fmt::Write;
use std::sync::LazyLock;

use chrono::DateTime;
use serde::Deserialize;

use crate::text::escape;

/// The map asset: path data in a 1000-wide view box, label points, markers, the South China Sea inset.
#[derive(Debug, Deserialize)]
struct MapAsset {
    #[serde(rename = "viewBox")]
    view_box: [f64; 4],
    regions: Vec<AssetRegion>,
    bingtuan: AssetMarker,
    inset: AssetInset,
}

#[derive(Debug, Deserialize)]
struct AssetRegion {
    slug: String,
    d: String,
    label: [f64; 2],
    anchor: String,
    /// A circle `[cx, cy, r]` to click where the shape is too small (上海, 香港, 澳门).
    marker: Option<[f64; 3]>,
    /// Area in square view-box units: small regions get a smaller label.
    area: f64,
}

#[derive(Debug, Deserialize)]
struct AssetMarker {
    marker: [f64; 3],
    label: [f64; 2],
}

#[derive(Debug, Deserialize)]
struct AssetInset {
    frame: [f64; 4],
    label: [f64; 2],
    paths: Vec<AssetPath>,
    dash: String,
}

#[derive(Debug, Deserialize)]
struct AssetPath {
    slug: String,
    d: String,
}

static ASSET: LazyLock<MapAsset> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../data/map/china-map.json"))
        .expect("data/map/china-map.json is valid (checked by map::tests)")
});

/// Fill colours: no new items, then five steps of more.
const PALETTE: [&str; 6] = [
    "#eeebe2", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c",
];

/// The map's CSS (the shade classes `s0`…`s5` also colour the legend's swatches).
pub fn style() -> String {
    let mut css = String::from(
        "#map svg{width:100%;height:auto;display:block}\n\
         #map path,#map circle.mk{stroke:#fff;stroke-width:.7;stroke-linejoin:round;fill-rule:evenodd}\n\
         #map a:hover path,#map a:hover circle{stroke:#000;stroke-width:1.5}\n\
         #map .bad{stroke:#d00;stroke-width:2.4}#map .frame{fill:none;stroke:#999}\n\
         #map .dash{fill:none;stroke:#6b8fb5;stroke-width:1.3}\n\
         #map text{font:12px sans-serif;text-anchor:middle;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round;pointer-events:none}\n\
         #map text.small{font-size:10px}#map text.start{text-anchor:start}#map text.end{text-anchor:end}#map text.bad{fill:#b00;stroke-width:3px}\n\
         #map .bt{stroke:#222;stroke-width:1.2}\n\
         .legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0;margin:.3rem 0;font-size:.9rem}\n\
         .sw{display:inline-block;width:1.1em;height:.9em;margin-right:.3em;vertical-align:-.1em;border:1px solid #aaa}\n\
         .sw.bad{border:2px solid #d00;background:#fff}.sw.bt{transform:rotate(45deg) scale(.8);border-color:#222}\n",
    );
    for (index, colour) in PALETTE.iter().enumerate() {
        let _ = writeln!(css, ".s{index}{{fill:{colour};background:{colour}}}");
    }
    css
}

/// What the map shows of one region (or of 兵团).
#[derive(Debug, Clone, Default)]
pub struct MapEntry {
    /// Region slug.
    pub slug: String,
    /// Chinese name.
    pub name: String,
    /// New items in the window (the region's feed: sub-regions included).
    pub recent: i64,
    /// The newest item: published time (unix seconds) and title.
    pub newest: Option<(i64, String)>,
    /// Failing sources of the region, each as "name (error class)".
    pub failing: Vec<String>,
}

/// The map's window and its figures.
#[derive(Debug, Clone)]
pub struct MapView<'a> {
    /// Base URL of the links.
    pub base: &'a str,
    /// One entry per region slug, 兵团 included.
    pub entries: Vec<MapEntry>,
    /// End of the 24-hour window, unix seconds.
    pub window_end: i64,
    /// Whether the window ends now (else at the newest item, `[server] activity_window_end`).
    pub window_ends_now: bool,
}

/// Upper bounds of the shades 1…n (n ≤ 5), growing about geometrically up to `max`: 8 gives
/// 2, 3, 4, 5, 8; 300 gives 3, 10, 31, 96, 300. Empty when nothing is new.
fn thresholds(max: i64) -> Vec<i64> {
    let mut bounds: Vec<i64> = Vec::new();
    for step in 1..=5 {
        let previous = bounds.last().copied().unwrap_or(0);
        if previous >= max {
            break;
        }
        let bound = ((max as f64).powf(f64::from(step) / 5.0).round() as i64)
            .max(previous + 1)
            .min(max);
        bounds.push(bound);
    }
    bounds
}

/// The shade class index (0…5) of `count` under `bounds`: the palette is spread over however many
/// steps there are, so two steps are light and dark rather than the two lightest.
fn shade(count: i64, bounds: &[i64]) -> usize {
    if count <= 0 || bounds.is_empty() {
        return 0;
    }
    let step = bounds
        .iter()
        .position(|bound| count <= *bound)
        .unwrap_or(bounds.len() - 1)
        + 1;
    (step * 5).div_ceil(bounds.len())
}

/// Beijing time, `2026-11-25 10:52`.
pub fn beijing_time(unix_seconds: i64) -> String {
    DateTime::from_timestamp(unix_seconds, 0)
        .map(|time| {
            time.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// The tooltip of a region: name, new items, newest item, failing sources.
fn tooltip(entry: &MapEntry) -> String {
    let mut text = format!("{}：24小时内新条目 {}", entry.name, entry.recent);
    if let Some((published, title)) = &entry.newest {
        let _ = write!(text, "；最新 {} {title}", beijing_time(*published));
    }
    if !entry.failing.is_empty() {
        let _ = write!(text, "；来源故障：{}", entry.failing.join("、"));
    }
    text
}

fn number(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// The map and its legend, as a `<figure id="map">`.
pub fn render_map(view: &MapView<'_>) -> String {
    let asset = &*ASSET;
    let bounds = thresholds(view.entries.iter().map(|e| e.recent).max().unwrap_or(0));
    let entry_of = |slug: &str| view.entries.iter().find(|entry| entry.slug == slug);
    let [x, y, width, height] = asset.view_box;
    let mut svg = format!(
        "<figure id=\"map\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" role=\"img\" aria-labelledby=\"map-title\">\n\
         <title id=\"map-title\">各省级地区24小时内的新条目</title>\n",
        number(x),
        number(y),
        number(width),
        number(height)
    );
    shapes(&mut svg, view, &bounds);
    inset(&mut svg, view, &bounds);
    let bingtuan = entry_of("bingtuan").cloned().unwrap_or_default();
    bingtuan_marker(&mut svg, view, &bingtuan, &bounds);
    labels(&mut svg, view);
    svg.push_str("</svg>\n");
    legend(&mut svg, view, &bounds);
    svg.push_str("</figure>\n");
    svg
}

fn link(view: &MapView<'_>, slug: &str) -> String {
    format!("{}/feeds/{slug}.html", escape(view.base))
}

/// Every region's shape (failing ones last, so their red outline lies on top of the neighbours' edges),
/// then the markers of the regions too small to click.
fn shapes(svg: &mut String, view: &MapView<'_>, bounds: &[i64]) {
    let entry_of = |slug: &str| view.entries.iter().find(|entry| entry.slug == slug);
    let mut regions: Vec<&AssetRegion> = ASSET.regions.iter().collect();
    regions.sort_by_key(|region| entry_of(&region.slug).is_some_and(|e| !e.failing.is_empty()));
    svg.push_str("<g class=\"regions\">\n");
    for region in &regions {
        let entry = entry_of(&region.slug).cloned().unwrap_or_default();
        let bad = if entry.failing.is_empty() { "" } else { " bad" };
        let _ = writeln!(
            svg,
            "<a href=\"{href}\"><path data-region=\"{slug}\" class=\"s{shade}{bad}\" d=\"{d}\"><title>{title}</title></path></a>",
            href = link(view, &region.slug),
            slug = escape(&region.slug),
            shade = shade(entry.recent, bounds),
            d = escape(&region.d),
            title = escape(&tooltip(&entry)),
        );
    }
    for region in regions.iter().filter(|region| region.marker.is_some()) {
        let Some([cx, cy, r]) = region.marker else {
            continue;
        };
        let entry = entry_of(&region.slug).cloned().unwrap_or_default();
        let bad = if entry.failing.is_empty() { "" } else { " bad" };
        let _ = writeln!(
            svg,
            "<a href=\"{href}\"><circle class=\"mk s{shade}{bad}\" cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\"><title>{title}</title></circle></a>",
            href = link(view, &region.slug),
            shade = shade(entry.recent, bounds),
            cx = number(cx),
            cy = number(cy),
            r = number(r),
            title = escape(&tooltip(&entry)),
        );
    }
    svg.push_str("</g>\n");
}

/// The South China Sea inset: the islands (linked to their region's page), the dashed line, its name.
fn inset(svg: &mut String, view: &MapView<'_>, bounds: &[i64]) {
    let inset = &ASSET.inset;
    let [x0, y0, x1, y1] = inset.frame;
    let _ = writeln!(
        svg,
        "<g class=\"inset\"><rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        number(x0),
        number(y0),
        number(x1 - x0),
        number(y1 - y0)
    );
    for path in &inset.paths {
        let entry = view
            .entries
            .iter()
            .find(|entry| entry.slug == path.slug)
            .cloned()
            .unwrap_or_default();
        let _ = writeln!(
            svg,
            "<a href=\"{href}\"><path class=\"s{shade}\" d=\"{d}\"><title>{title}</title></path></a>",
            href = link(view, &path.slug),
            shade = shade(entry.recent, bounds),
            d = escape(&path.d),
            title = escape(&tooltip(&entry)),
        );
    }
    let [lx, ly] = inset.label;
    let _ = writeln!(
        svg,
        "<path class=\"dash\" d=\"{}\"/><text class=\"small end\" x=\"{}\" y=\"{}\">南海诸岛</text></g>",
        escape(&inset.dash),
        number(lx),
        number(ly)
    );
}

/// 兵团: a diamond inside Xinjiang (at Shihezi), shaded by its own items, labelled.
fn bingtuan_marker(svg: &mut String, view: &MapView<'_>, entry: &MapEntry, bounds: &[i64]) {
    let [cx, cy, r] = ASSET.bingtuan.marker;
    let bad = if entry.failing.is_empty() { "" } else { " bad" };
    let _ = writeln!(
        svg,
        "<a href=\"{href}\"><path data-region=\"bingtuan\" class=\"bt s{shade}{bad}\" d=\"M{x},{top}l{r},{r} -{r},{r} -{r},-{r}z\"><title>{title}</title></path></a>",
        href = link(view, "bingtuan"),
        shade = shade(entry.recent, bounds),
        x = number(cx),
        top = number(cy - r),
        r = number(r),
        title = escape(&tooltip(entry)),
    );
}

/// Short names at each region's label point (beside the marker for the smallest), 兵团 beside its mark.
fn labels(svg: &mut String, view: &MapView<'_>) {
    let failing = |slug: &str| {
        view.entries
            .iter()
            .any(|entry| entry.slug == slug && !entry.failing.is_empty())
    };
    svg.push_str("<g class=\"labels\" aria-hidden=\"true\">\n");
    for region in &ASSET.regions {
        let Some(catalog) = crate::regions::by_slug(&region.slug) else {
            continue;
        };
        let mut classes: Vec<&str> = Vec::new();
        if region.area < 2500.0 {
            classes.push("small");
        }
        if region.anchor != "middle" {
            classes.push(&region.anchor);
        }
        if failing(&region.slug) {
            classes.push("bad");
        }
        let [x, y] = region.label;
        let _ = writeln!(
            svg,
            "<text class=\"{}\" x=\"{}\" y=\"{}\">{}</text>",
            classes.join(" "),
            number(x),
            number(y + 4.0),
            catalog.name_simplified
        );
    }
    let [x, y] = ASSET.bingtuan.label;
    let _ = writeln!(
        svg,
        "<text class=\"small{}\" x=\"{}\" y=\"{}\">兵团</text>\n</g>",
        if failing("bingtuan") { " bad" } else { "" },
        number(x),
        number(y)
    );
}

/// What the colours mean, where the window ends, and the marks.
fn legend(html: &mut String, view: &MapView<'_>, bounds: &[i64]) {
    let end = beijing_time(view.window_end);
    let window = if view.window_ends_now {
        format!("颜色：近24小时（至北京时间 {end}）的新条目数")
    } else {
        format!("颜色：最新条目（北京时间 {end}）之前24小时内的新条目数")
    };
    let _ = write!(
        html,
        "<figcaption>\n<p>{}。点击地区阅读其新闻。</p>\n<ul class=\"legend\">\n<li><span class=\"sw s0\"></span>0</li>\n",
        escape(&window)
    );
    let mut previous = 0;
    for bound in bounds {
        let range = if *bound == previous + 1 {
            bound.to_string()
        } else {
            format!("{}–{bound}", previous + 1)
        };
        let _ = writeln!(
            html,
            "<li><span class=\"sw s{}\"></span>{range}</li>",
            shade(*bound, bounds)
        );
        previous = *bound;
    }
    html.push_str(
        "<li><span class=\"sw bad\"></span>有来源故障</li>\n\
         <li><span class=\"sw bt s0\"></span>兵团（新疆生产建设兵团）</li>\n</ul>\n</figcaption>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::REGIONS;

    #[test]
    fn the_asset_draws_every_region_but_bingtuan() {
        let mut drawn: Vec<&str> = ASSET.regions.iter().map(|r| r.slug.as_str()).collect();
        drawn.sort_unstable();
        let mut expected: Vec<&str> = REGIONS
            .iter()
            .filter(|r| r.slug != "bingtuan")
            .map(|r| r.slug)
            .collect();
        expected.sort_unstable();
        assert_eq!(drawn, expected);
        assert!(ASSET.regions.iter().all(|r| r.d.starts_with('M')));
    }

    #[test]
    fn thresholds_grow_to_the_largest_count() {
        assert_eq!(thresholds(0), Vec::<i64>::new());
        assert_eq!(thresholds(1), vec![1]);
        assert_eq!(thresholds(2), vec![1, 2]);
        assert_eq!(thresholds(8), vec![2, 3, 4, 5, 8]);
        assert_eq!(thresholds(300), vec![3, 10, 31, 96, 300]);
        assert_eq!(shade(0, &[1, 2]), 0);
        assert_eq!((shade(1, &[1, 2]), shade(2, &[1, 2])), (3, 5));
        assert_eq!(shade(300, &thresholds(300)), 5);
        assert_eq!(shade(1, &thresholds(300)), 1);
    }

    #[test]
    fn the_map_links_35_shapes_and_says_what_each_holds() {
        let entries = vec![
            MapEntry {
                slug: "shanxi".into(),
                name: "山西".into(),
                recent: 3,
                newest: Some((1_795_488_720, "太原<初雪>".into())),
                failing: vec!["sx (http-5xx)".into()],
            },
            MapEntry {
                slug: "bingtuan".into(),
                name: "兵团".into(),
                recent: 1,
                ..MapEntry::default()
            },
        ];
        let view = MapView {
            base: "http://h",
            entries,
            window_end: 1_795_488_720,
            window_ends_now: true,
        };
        let map = render_map(&view);
        assert_eq!(map.matches("data-region=").count(), 35);
        assert_eq!(
            map.matches("<a href=\"http://h/feeds/").count(),
            35 + 3 + ASSET.inset.paths.len()
        );
        assert!(map.contains("山西：24小时内新条目 3；最新 2026-11-24 10:52 太原&lt;初雪&gt;；来源故障：sx (http-5xx)"));
        assert!(
            map.contains("data-region=\"shanxi\" class=\"s5 bad\""),
            "{map}"
        );
        assert!(
            map.contains("data-region=\"bingtuan\" class=\"bt s2\""),
            "{map}"
        );
        assert!(
            map.contains("<li><span class=\"sw s2\"></span>1</li>"),
            "{map}"
        );
    }
}

//! `regionfeed preview --config C --source ID [--html FILE] [--articles N] [--json]`: reads one source as a
//! poll would — its URL fetched (or a saved copy of the page read), its items parsed by the source's kind
//! and rules, the first articles read — and prints each item's title, link, date and where the date came
//! from, and regions with the evidence for each. Nothing is stored: for editors writing selectors.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::add_source::{fetch, fetcher_for};
use crate::classify::gazetteer::Gazetteer;
use crate::classify::tag::{ExplainedTag, TagInput, explain};
use crate::config::{Config, SourceConfig};
use crate::feed::listing::parse_body;
use crate::feed::parse::{DateSource, ParseOptions, ParsedFeed, ParsedItem};
use crate::poll::articles::{fetch_article, merge};
use crate::poll::fetch::Fetcher;
use crate::poll::ingest::item_text;

/// What `preview` was asked to do.
pub struct PreviewRequest<'a> {
    /// The config file.
    pub config: &'a Path,
    /// The source's id.
    pub source: &'a str,
    /// A saved copy of the source's page to read instead of fetching it (no articles are read then).
    pub file: Option<&'a Path>,
    /// How many of the newest items have their article read (with `[source.article]`).
    pub articles: usize,
    /// Print JSON instead of text.
    pub json: bool,
}

/// The bytes to read and where they came from.
struct Page {
    bytes: Vec<u8>,
    content_type: Option<String>,
    /// The address relative links resolve against.
    base: url::Url,
    /// The URL fetched or the file read, for the header.
    origin: String,
}

/// One source's items as `preview` shows them.
#[derive(Serialize)]
struct Preview {
    source: String,
    kind: &'static str,
    read_from: String,
    page_title: Option<String>,
    items_without_link: usize,
    items_left_out: usize,
    items: Vec<PreviewItem>,
}

/// One item as `preview` shows it.
#[derive(Serialize)]
struct PreviewItem {
    title: String,
    link: Option<String>,
    published: DateTime<Utc>,
    date_from: &'static str,
    #[serde(skip)]
    date_source: DateSource,
    regions: Vec<ExplainedTag>,
    text_chars: usize,
    article: Option<String>,
}

/// `regionfeed preview`: exit 1 when the source's page gives no items.
pub(super) fn preview(request: &PreviewRequest<'_>) -> anyhow::Result<ExitCode> {
    let config = super::load_config(request.config)?;
    let source = find_source(&config, request.source, request.config)?;
    let fetcher = fetcher_for(Some(&config))?;
    let now = Utc::now();
    let runtime = super::runtime()?;
    let page = match request.file {
        Some(file) => read_file(file, source)?,
        None => runtime.block_on(fetch_page(&fetcher, source))?,
    };
    let options = ParseOptions {
        timezone: source.timezone,
        encoding: source.encoding,
        base_url: Some(page.base.clone()),
        now,
    };
    let mut parsed = match parse_body(
        &source.kind,
        &page.bytes,
        page.content_type.as_deref(),
        &options,
    ) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!(
                "source \"{}\" ({}): [{}] {error}",
                source.id,
                page.origin,
                error.class()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut items = std::mem::take(&mut parsed.items);
    let notes = match (&source.article, request.file) {
        (Some(rule), None) if request.articles > 0 => runtime.block_on(async {
            let mut notes = vec![None; items.len()];
            for (item, note) in items.iter_mut().zip(&mut notes).take(request.articles) {
                *note = Some(read_one_article(&fetcher, source, rule, item, now).await);
            }
            notes
        }),
        _ => vec![None; items.len()],
    };
    let preview = describe(source, page.origin, &parsed, items, notes);
    if request.json {
        println!("{}", serde_json::to_string_pretty(&preview)?);
    } else {
        print!("{}", render_text(&preview, source));
    }
    Ok(ExitCode::SUCCESS)
}

fn find_source<'c>(config: &'c Config, id: &str, path: &Path) -> anyhow::Result<&'c SourceConfig> {
    config
        .sources
        .iter()
        .find(|source| source.id == id)
        .with_context(|| {
            let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
            format!(
                "no source \"{id}\" in {}; its sources: {}",
                path.display(),
                ids.join(", ")
            )
        })
}

fn read_file(file: &Path, source: &SourceConfig) -> anyhow::Result<Page> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(Page {
        bytes,
        content_type: None,
        base: source.url.clone(),
        origin: file.display().to_string(),
    })
}

async fn fetch_page(fetcher: &Fetcher, source: &SourceConfig) -> anyhow::Result<Page> {
    let body = fetch(fetcher, &source.url)
        .await
        .with_context(|| format!("fetching {}", source.url))?;
    Ok(Page {
        bytes: body.bytes,
        content_type: body.content_type,
        origin: body.final_url.to_string(),
        base: body.final_url,
    })
}

/// Reads `item`'s article into it; a line saying what the article gave or why it failed.
async fn read_one_article(
    fetcher: &Fetcher,
    source: &SourceConfig,
    rule: &crate::config::ArticleRule,
    item: &mut ParsedItem,
    now: DateTime<Utc>,
) -> String {
    match fetch_article(fetcher, source, rule, item, now).await {
        Ok(page) => {
            let found = match (&page.content, &page.date) {
                (Some(_), Some(_)) => "text and date",
                (Some(_), None) => "text, no date",
                (None, Some(_)) => "date; `content` matched nothing",
                (None, None) => "nothing: `content` matched nothing and no date",
            };
            merge(item, page, now);
            format!("read: {found}")
        }
        Err(reason) => format!("not read ({reason}): the item keeps what the list gave"),
    }
}

fn describe(
    source: &SourceConfig,
    read_from: String,
    parsed: &ParsedFeed,
    items: Vec<ParsedItem>,
    notes: Vec<Option<String>>,
) -> Preview {
    let gazetteer = Gazetteer::builtin();
    let items = items
        .into_iter()
        .zip(notes)
        .map(|(item, article)| {
            let body = item_text(&item);
            let explanation = explain(
                gazetteer,
                TagInput {
                    title: &item.title,
                    body: &body,
                    source_regions: &source.regions,
                    text_tagging: source.text_tagging,
                },
            );
            PreviewItem {
                title: item.title,
                link: item.link,
                published: item.published,
                date_from: item.date_source.as_str(),
                date_source: item.date_source,
                regions: explanation.tags,
                text_chars: body.chars().count(),
                article,
            }
        })
        .collect();
    Preview {
        source: source.id.clone(),
        kind: source.kind.as_str(),
        read_from,
        page_title: parsed.title.clone(),
        items_without_link: parsed.items_without_link,
        items_left_out: parsed.items_left_out,
        items,
    }
}

/// Where a date came from, in words.
fn date_words(source: DateSource) -> &'static str {
    match source {
        DateSource::Feed => "given by the source",
        DateSource::Article => "from the article page",
        DateSource::Link => "the day in the link (no time given)",
        DateSource::Relative => "a relative time (\"3小时前\"), estimated",
        DateSource::Clamped => "in the future, so set to now",
        DateSource::FirstSeen => "none given: the time it was first seen",
    }
}

fn render_text(preview: &Preview, source: &SourceConfig) -> String {
    let mut out = format!(
        "{} ({} source) read from {}: {} items",
        preview.source,
        preview.kind,
        preview.read_from,
        preview.items.len()
    );
    if let Some(title) = &preview.page_title {
        out.push_str(&format!(", page title \"{title}\""));
    }
    out.push('\n');
    match preview.items_without_link {
        0 => {}
        1 => out.push_str("1 entry had no link and is left out\n"),
        n => out.push_str(&format!("{n} entries had no link and are left out\n")),
    }
    if source.article.is_some() && preview.items.iter().all(|item| item.article.is_none()) {
        out.push_str("articles not read (--html, or --articles 0)\n");
    }
    if preview.items_left_out > 0 {
        out.push_str(&format!(
            "{} older items left out (over the per-feed limit)\n",
            preview.items_left_out
        ));
    }
    for (n, item) in preview.items.iter().enumerate() {
        out.push_str(&render_item(n + 1, item, source.timezone));
    }
    out
}

fn render_item(n: usize, item: &PreviewItem, timezone: chrono_tz::Tz) -> String {
    let regions = if item.regions.is_empty() {
        "none (a national item)".to_string()
    } else {
        let named: Vec<String> = item
            .regions
            .iter()
            .map(|tag| match &tag.evidence {
                Some(evidence) => format!("{} ({}: {evidence})", tag.region, tag.origin),
                None => format!("{} ({})", tag.region, tag.origin),
            })
            .collect();
        named.join(", ")
    };
    let mut out = format!(
        "\n{n}. {}\n   link     {}\n   date     {} — {}\n   regions  {regions}\n   text     {}\n",
        item.title,
        item.link.as_deref().unwrap_or("-"),
        item.published
            .with_timezone(&timezone)
            .format("%Y-%m-%d %H:%M %:z"),
        date_words(item.date_source),
        match item.text_chars {
            0 => "none (the list gives no summary)".to_string(),
            n => format!("{n} characters"),
        },
    );
    if let Some(article) = &item.article {
        out.push_str(&format!("   article  {article}\n"));
    }
    out
}

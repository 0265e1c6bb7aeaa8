//! `regionfeed add-source URL --region SLUG [--config C] [--pick N]`: a feed's URL is added as a source
//! (as `import-opml` adds them: comments kept, the result validated, nothing written on error); a page's
//! URL is searched for feeds (its `<link rel="alternate">` of feed types, then the common paths), each
//! checked by reading it, and the one picked is added; with none, a `[source.html]` skeleton is printed
//! to fill in. Also what `import-opml` shares: a config file that does not exist yet is created with
//! every source on the learned (`auto`) schedule.

use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use url::Url;

use crate::config::{self, AUTO, Config, NEW_CONFIG, NewSource};
use crate::feed::discover::{alternate_links, common_feed_urls, looks_like_html, page_text};
use crate::feed::parse::{ParseOptions, parse_feed};
use crate::poll::fetch::{FetchSettings, Fetched, FetchedBody, Fetcher, Validators};
use crate::{opml, regions, telemetry};

/// Most candidate feeds fetched to check them.
const MAX_CANDIDATES: usize = 12;

/// A feed found and read.
struct FoundFeed {
    url: Url,
    title: Option<String>,
    items: usize,
}

/// What a URL led to.
enum Found {
    /// The URL is a feed.
    TheFeed(FoundFeed),
    /// The URL is a page; these feeds were found from it.
    Feeds(Vec<FoundFeed>),
    /// The URL is a page without any feed to be found.
    Nothing,
}

/// `regionfeed add-source`.
pub(super) fn add_source(
    url: &str,
    region: &str,
    config_path: Option<&Path>,
    pick: Option<usize>,
) -> anyhow::Result<ExitCode> {
    check_region(region)?;
    let url = Url::parse(url).with_context(|| format!("\"{url}\" is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "add-source reads http(s) URLs (write a file: source into the config by hand)"
    );
    let existing = config_path.map(config_to_extend).transpose()?;
    let fetcher = fetcher_for(existing.as_ref().map(|(_, config)| config))?;
    let found = super::runtime()?.block_on(find_feeds(&fetcher, &url))?;
    let chosen = match found {
        Found::TheFeed(feed) => feed,
        Found::Feeds(feeds) => match choose(feeds, pick)? {
            Some(feed) => feed,
            None => return Ok(ExitCode::SUCCESS),
        },
        Found::Nothing => {
            let taken = ids_of(existing.as_ref().map(|(_, config)| config));
            let id = opml::source_id_for(url.as_str(), &taken);
            eprintln!(
                "no feed found at {url}: no <link rel=\"alternate\"> to a feed, nothing at {}.\nIf the page lists articles, fill in this [source.html] skeleton and add it to the config:",
                crate::feed::discover::COMMON_PATHS.join(", ")
            );
            print!("{}", html_skeleton(&url, region, &id));
            return Ok(ExitCode::FAILURE);
        }
    };
    append(chosen, region, config_path, existing)
}

/// The text of the config at `path` to add sources to, and the config it holds; when there is no file
/// yet, a new config with every source on the learned schedule ([`NEW_CONFIG`]).
pub(super) fn config_to_extend(path: &Path) -> anyhow::Result<(String, Config)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => NEW_CONFIG.to_string(),
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", path.display()));
        }
    };
    let config = config::parse(&text, path)?;
    telemetry::init(&config.log_level);
    Ok((text, config))
}

/// The `schedule` of a source a tool adds: none where `[poll] schedule` is already `auto`, else `auto`.
pub(super) fn tool_schedule(config: Option<&Config>) -> Option<String> {
    match config {
        Some(config) if config.poll.schedule.is_auto() => None,
        _ => Some(AUTO.to_string()),
    }
}

fn check_region(region: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        region == regions::NATIONAL || regions::by_slug(region).is_some(),
        "unknown region \"{region}\"; valid regions: {}",
        regions::valid_slugs_list()
    );
    Ok(())
}

fn ids_of(config: Option<&Config>) -> HashSet<String> {
    config
        .iter()
        .flat_map(|config| config.sources.iter().map(|source| source.id.clone()))
        .collect()
}

/// An HTTP client with the config's `[poll]` settings (the defaults without a config).
pub(super) fn fetcher_for(config: Option<&Config>) -> anyhow::Result<Fetcher> {
    let defaults;
    let poll = match config {
        Some(config) => &config.poll,
        None => {
            defaults = config::parse("", Path::new("regionfeed.toml"))?.poll;
            &defaults
        }
    };
    Fetcher::new(FetchSettings {
        timeout: poll.request_timeout,
        user_agent: poll.user_agent.clone(),
        max_body_bytes: poll.max_body_bytes,
        host_concurrency: poll.host_concurrency,
        host_spacing: poll.host_spacing,
    })
    .context("building the HTTP client")
}

/// Fetches `url`: a feed is itself; a page is searched for feeds.
async fn find_feeds(fetcher: &Fetcher, url: &Url) -> anyhow::Result<Found> {
    let page = fetch(fetcher, url)
        .await
        .with_context(|| format!("fetching {url}"))?;
    if let Some(feed) = read_feed(url, &page) {
        return Ok(Found::TheFeed(feed));
    }
    let text = page_text(&page.bytes, page.content_type.as_deref());
    let linked: Vec<Url> = alternate_links(&text, &page.final_url)
        .into_iter()
        .map(|link| link.url)
        .collect();
    let mut feeds = read_feeds(fetcher, &linked).await;
    if feeds.is_empty() {
        feeds = read_feeds(fetcher, &common_feed_urls(&page.final_url)).await;
    }
    Ok(if feeds.is_empty() {
        Found::Nothing
    } else {
        Found::Feeds(feeds)
    })
}

/// Fetches `url` without validators (a 304 to that is an error).
pub(super) async fn fetch(fetcher: &Fetcher, url: &Url) -> anyhow::Result<FetchedBody> {
    match fetcher.fetch(url, &Validators::default()).await? {
        Fetched::Body(body) => Ok(*body),
        Fetched::NotModified(_) => {
            anyhow::bail!("{url} answered 304 to a request without validators")
        }
    }
}

/// The feeds among `urls` (each fetched and read; those that fail are left out), without repeats.
async fn read_feeds(fetcher: &Fetcher, urls: &[Url]) -> Vec<FoundFeed> {
    let mut feeds: Vec<FoundFeed> = Vec::new();
    for url in urls.iter().take(MAX_CANDIDATES) {
        let Ok(body) = fetch(fetcher, url).await else {
            continue;
        };
        if let Some(feed) = read_feed(url, &body)
            && !feeds.iter().any(|known| known.url == feed.url)
        {
            feeds.push(feed);
        }
    }
    feeds
}

/// `body` read as a feed, if it is one; its address is where it moved permanently, else `url`.
fn read_feed(url: &Url, body: &FetchedBody) -> Option<FoundFeed> {
    let start = &body.bytes[..body.bytes.len().min(1024)];
    if looks_like_html(&String::from_utf8_lossy(start)) {
        return None;
    }
    let options = ParseOptions {
        timezone: chrono_tz::Asia::Shanghai,
        encoding: None,
        base_url: Some(body.final_url.clone()),
        now: Utc::now(),
    };
    let parsed = parse_feed(&body.bytes, body.content_type.as_deref(), &options).ok()?;
    Some(FoundFeed {
        url: body
            .moved_permanently
            .clone()
            .unwrap_or_else(|| url.clone()),
        title: parsed.title,
        items: parsed.items.len(),
    })
}

/// The feed picked (`--pick N`, from 1), or the only one; with several and no pick, they are listed.
fn choose(mut feeds: Vec<FoundFeed>, pick: Option<usize>) -> anyhow::Result<Option<FoundFeed>> {
    match pick {
        Some(n) if (1..=feeds.len()).contains(&n) => Ok(Some(feeds.swap_remove(n - 1))),
        Some(n) => anyhow::bail!("--pick {n}: {} feeds were found", feeds.len()),
        None if feeds.len() == 1 => Ok(feeds.pop()),
        None => {
            for (n, feed) in feeds.iter().enumerate() {
                println!(
                    "{:>2}. {}  {} ({} items)",
                    n + 1,
                    feed.url,
                    feed.title.as_deref().unwrap_or("(no title)"),
                    feed.items
                );
            }
            eprintln!(
                "{} feeds found; run again with --pick N to add one",
                feeds.len()
            );
            Ok(None)
        }
    }
}

/// Appends `feed` to the config at `config_path` (created when missing), or prints its table.
fn append(
    feed: FoundFeed,
    region: &str,
    config_path: Option<&Path>,
    existing: Option<(String, Config)>,
) -> anyhow::Result<ExitCode> {
    let config = existing.as_ref().map(|(_, config)| config);
    if let Some(known) = config
        .into_iter()
        .flat_map(|config| config.sources.iter())
        .find(|source| source.url == feed.url)
    {
        anyhow::bail!("{} is already the source \"{}\"", feed.url, known.id);
    }
    let id = opml::source_id_for(feed.url.as_str(), &ids_of(config));
    let new = NewSource {
        id: id.clone(),
        url: feed.url.to_string(),
        region: region.to_string(),
        title: feed.title.clone(),
        schedule: tool_schedule(config),
    };
    match (config_path, existing) {
        (Some(path), Some((text, _))) => {
            let edited = config::append_sources(&text, path, &[new])?;
            std::fs::write(path, edited).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "{}: added source \"{id}\" ({}, {} items); reload the daemon to poll it",
                path.display(),
                feed.url,
                feed.items
            );
        }
        _ => print!(
            "{}",
            config::append_sources("", Path::new("add-source.toml"), &[new])?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// A `[[source]]` with a `[source.html]` table to fill in, for a page that lists articles without a
/// feed.
fn html_skeleton(url: &Url, region: &str, id: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nurl = \"{url}\"\nregion = \"{region}\"\nschedule = \"auto\"\n\n\
         [source.html]\n\
         # CSS selectors; title, link, date and summary are looked for inside each item.\n\
         # Try it with: regionfeed preview --config <config> --source {id}\n\
         item = \"ul.news li\"    # one entry of the list: change to fit the page\n\
         # title = \"a\"          # its title's element (default: a)\n\
         # link = \"a@href\"      # selector@attribute of the article's address (default: a@href)\n\
         # date = \"span.time\"   # its date, if the list shows one\n\
         # summary = \"p\"        # a short text, if the list shows one\n"
    )
}

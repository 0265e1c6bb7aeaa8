//! The `regionfeed` command line: the subcommands (clap), their bodies and their text output. `main.rs`
//! only parses arguments and calls [`run`]. `add_source` finds and adds a feed from a URL.

mod add_source;
mod preview;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::classify::gazetteer::Gazetteer;
use crate::classify::tag::{TagInput, explain};
use crate::poll::PollOutcome;
use crate::store::StoreStats;
use crate::{app, config, health, opml, regions, telemetry};
use anyhow::Context;
use clap::{Parser, Subcommand};

/// Regional news feeds of China: poll, dedupe, tag by province, republish.
#[derive(Parser)]
#[command(name = "regionfeed", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the daemon: poll sources on their schedules and serve the feeds over HTTP.
    Run {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Check a config file and exit: 0 when valid, 1 with every problem listed when not.
    CheckConfig {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Show every source's health, grouped by region (from the database the config names).
    Sources {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Print JSON (as `GET /sources` does) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Read an OPML subscription list and add its feeds as sources: appended to --config (comments and
    /// layout kept; the result must validate) or, without --config, printed as [[source]] tables.
    ImportOpml {
        /// The OPML file (exported from a feed reader).
        file: PathBuf,
        /// Config file to append to (created, on the learned schedule, when missing). Feeds whose URL it
        /// already lists are skipped; added sources get `schedule = "auto"`.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Region for every imported feed; default: guessed from each feed's title and folder (山西新闻 →
        /// shanxi), else national.
        #[arg(long)]
        region: Option<String>,
    },
    /// Add a source from a URL: a feed is appended to --config (comments and layout kept; the result must
    /// validate; a missing file is created) or, without --config, printed. A web page is searched for
    /// feeds (<link rel="alternate">, then /feed, /rss.xml, /atom.xml, /feed.json, …): one found is
    /// added, several are listed for --pick; with none, a [source.html] skeleton is printed.
    AddSource {
        /// The feed's URL, or a page of the site.
        url: String,
        /// The source's region (a slug, or national).
        #[arg(long)]
        region: String,
        /// Config file to append to (created, on the learned schedule, when missing).
        #[arg(long, short)]
        config: Option<std::path::PathBuf>,
        /// Which of several feeds found to add (1 = the first listed).
        #[arg(long)]
        pick: Option<usize>,
    },
    /// Print the configured sources as OPML 2.0, one folder per region.
    ExportOpml {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Print totals from the database: items, stories and merged copies, tags by origin, sources, size.
    Stats {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Poll every enabled source (or one) once, store the items and exit; non-zero if any poll failed.
    PollOnce {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Poll only this source id.
        #[arg(long)]
        source: Option<String>,
    },
    /// Read one source as a poll would and print each item's title, link, date (and where it came
    /// from) and regions with their evidence; nothing is stored. For editors writing [source.html] or
    /// [source.json] rules: try them on a saved copy of the page with --html FILE.
    Preview {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// The source's id.
        #[arg(long)]
        source: String,
        /// Read this saved copy of the source's page (HTML, JSON or a feed) instead of fetching it (its
        /// links resolve against the source's url; no articles are read).
        #[arg(long = "html", alias = "file", value_name = "FILE")]
        file: Option<PathBuf>,
        /// With [source.article]: how many of the listed items have their article page read.
        #[arg(long, default_value_t = 3)]
        articles: usize,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Tag a title (and optionally its summary) as a national source's item would be, and print each
    /// region with the evidence that put it there, and every place name found: for editors checking
    /// why an item landed in a feed.
    Tag {
        /// The item's title.
        title: String,
        /// The item's summary or first paragraph (plain text).
        summary: Option<String>,
        /// Tag as an item of a source configured with this region (repeatable).
        #[arg(long = "source-region")]
        source_regions: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Loads the config at `path` and starts logging at its level.
fn load_config(path: &std::path::Path) -> anyhow::Result<config::Config> {
    let loaded = config::load(path)?;
    telemetry::init(&loaded.log_level);
    Ok(loaded)
}

/// Runs one subcommand; the exit code says whether it succeeded.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::CheckConfig { config } => check_config(&config),
        Command::Sources { config, json } => sources(&config, json),
        Command::Run { config } => run_daemon(&config),
        Command::ImportOpml {
            file,
            config,
            region,
        } => import_opml(&file, config.as_deref(), region.as_deref()),
        Command::AddSource {
            url,
            region,
            config,
            pick,
        } => add_source::add_source(&url, &region, config.as_deref(), pick),
        Command::ExportOpml { config } => export_opml(&config),
        Command::Stats { config, json } => stats(&config, json),
        Command::PollOnce { config, source } => poll_once(&config, source.as_deref()),
        Command::Preview {
            config,
            source,
            file,
            articles,
            json,
        } => preview::preview(&preview::PreviewRequest {
            config: &config,
            source: &source,
            file: file.as_deref(),
            articles,
            json,
        }),
        Command::Tag {
            title,
            summary,
            source_regions,
            json,
        } => tag(
            &title,
            summary.as_deref().unwrap_or(""),
            &source_regions,
            json,
        ),
    }
}

/// `regionfeed tag`.
fn tag(
    title: &str,
    summary: &str,
    source_regions: &[String],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut slugs = Vec::new();
    for name in source_regions {
        let region = regions::by_slug(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown region \"{name}\"; valid regions: {}",
                regions::valid_slugs_list()
            )
        })?;
        slugs.push(region.slug);
    }
    let explanation = explain(
        Gazetteer::builtin(),
        TagInput {
            title,
            body: summary,
            source_regions: &slugs,
            text_tagging: true,
        },
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&explanation)?);
        return Ok(ExitCode::SUCCESS);
    }
    if explanation.tags.is_empty() {
        println!("no region (a national item)");
    }
    for tag in &explanation.tags {
        println!(
            "{:<14} {:<9} {}",
            tag.region,
            tag.origin,
            tag.evidence.as_deref().unwrap_or("-")
        );
    }
    if !explanation.names.is_empty() {
        println!("\nplace names found:");
        for name in &explanation.names {
            println!(
                "  {:<9} {:<12} {:<24} {}",
                name.part,
                name.name,
                name.regions.join(","),
                name.note
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `regionfeed check-config`.
fn check_config(path: &Path) -> anyhow::Result<ExitCode> {
    let loaded = load_config(path)?;
    println!(
        "{}: ok ({} sources, {} enabled)",
        path.display(),
        loaded.sources.len(),
        loaded.enabled_sources().count()
    );
    Ok(ExitCode::SUCCESS)
}

/// `regionfeed sources`.
fn sources(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = load_config(path)?;
    let report = runtime()?.block_on(async {
        let (store, _ingestor) = app::open(&loaded).await?;
        let states = store.source_states().await?;
        anyhow::Ok(health::report(&loaded.sources, &states))
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", health::render_table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// `regionfeed run`: the daemon, until SIGINT or SIGTERM; SIGHUP reloads the config.
fn run_daemon(path: &Path) -> anyhow::Result<ExitCode> {
    crate::memory::tune_allocator();
    let loaded = load_config(path)?;
    // Reading a large config builds a document tree many times its size: give it back now.
    crate::memory::give_back_freed();
    runtime()?.block_on(async {
        let reloads = reload_requests()?;
        app::run(path, loaded, shutdown_signal(), reloads).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `regionfeed export-opml`.
fn export_opml(path: &Path) -> anyhow::Result<ExitCode> {
    let loaded = load_config(path)?;
    print!(
        "{}",
        opml::sources_opml(
            &loaded.sources,
            &format!("regionfeed sources ({})", path.display())
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// `regionfeed stats`.
fn stats(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let loaded = load_config(path)?;
    let stats = runtime()?.block_on(async {
        let (store, _ingestor) = app::open(&loaded).await?;
        anyhow::Ok(store.stats().await?)
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        print_stats(&stats, &loaded.storage.database);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_stats(stats: &StoreStats, database: &Path) {
    let time = |t: Option<i64>| {
        t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map_or("-".to_string(), |t| t.to_rfc3339())
    };
    println!(
        "items            {} ({} stories shown, {} merged copies)",
        stats.items, stats.stories, stats.copies
    );
    println!(
        "published        {} … {}",
        time(stats.oldest),
        time(stats.newest)
    );
    let tags: Vec<String> = stats
        .tags_by_origin
        .iter()
        .map(|(origin, n)| format!("{origin} {n}"))
        .collect();
    println!(
        "region tags      {}",
        if tags.is_empty() {
            "-".to_string()
        } else {
            tags.join(", ")
        }
    );
    println!(
        "sources          {} ({} failing)",
        stats.sources, stats.failing_sources
    );
    println!("tombstones       {}", stats.tombstones);
    println!(
        "database         {:.1} MiB ({})",
        stats.database_bytes as f64 / 1_048_576.0,
        database.display()
    );
}

/// `regionfeed poll-once`: exit 1 when any poll failed.
fn poll_once(path: &Path, source: Option<&str>) -> anyhow::Result<ExitCode> {
    let loaded = load_config(path)?;
    if let Some(id) = source {
        anyhow::ensure!(
            loaded.enabled_sources().any(|s| s.id == id),
            "no enabled source \"{id}\" in {}",
            path.display()
        );
    }
    let reports = runtime()?.block_on(async {
        let (_store, ingestor) = app::open(&loaded).await?;
        anyhow::Ok(app::poll_sources(&loaded, &ingestor, source).await)
    })?;
    let mut failed = 0;
    for report in &reports {
        let (line, ok) = outcome_line(&report.outcome);
        failed += usize::from(!ok);
        println!("{:<24} {line}", report.source_id);
    }
    println!("{} sources polled, {failed} failed", reports.len());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One line of `poll-once`'s output for an outcome, and whether it counts as a success.
fn outcome_line(outcome: &PollOutcome) -> (String, bool) {
    match outcome {
        PollOutcome::Stored(summary) => (
            format!(
                "ok        {} new, {} updated, {} unchanged",
                summary.new, summary.updated, summary.unchanged
            ),
            true,
        ),
        PollOutcome::NotModified => ("ok        not modified (304)".to_string(), true),
        PollOutcome::Unchanged => ("ok        body unchanged".to_string(), true),
        PollOutcome::Gone => (
            "GONE      answered 410 Gone earlier; not polled until its url changes".to_string(),
            false,
        ),
        PollOutcome::Failed(failure) => (
            format!("FAILED    [{}] {}", failure.class, failure.message),
            false,
        ),
    }
}

/// `regionfeed import-opml`.
fn import_opml(
    file: &std::path::Path,
    config_path: Option<&std::path::Path>,
    region: Option<&str>,
) -> anyhow::Result<ExitCode> {
    if let Some(region) = region {
        anyhow::ensure!(
            region == regions::NATIONAL || regions::by_slug(region).is_some(),
            "unknown region \"{region}\"; valid regions: {}",
            regions::valid_slugs_list()
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let feeds = opml::read_opml(&text).with_context(|| format!("{}", file.display()))?;
    let existing = config_path.map(add_source::config_to_extend).transpose()?;
    let schedule = add_source::tool_schedule(existing.as_ref().map(|(_, config)| config));
    let mut taken: std::collections::HashSet<String> = existing
        .iter()
        .flat_map(|(_, config)| config.sources.iter().map(|s| s.id.clone()))
        .collect();
    let known_urls: std::collections::HashSet<String> = existing
        .iter()
        .flat_map(|(_, config)| config.sources.iter().map(|s| s.url.to_string()))
        .collect();
    let mut new_sources = Vec::new();
    let mut skipped = 0;
    for feed in &feeds {
        let normalized = url::Url::parse(&feed.url)
            .map(|u| u.to_string())
            .unwrap_or_default();
        if known_urls.contains(&normalized)
            || new_sources
                .iter()
                .any(|s: &config::NewSource| s.url == feed.url)
        {
            skipped += 1;
            continue;
        }
        let id = opml::source_id_for(&feed.url, &taken);
        taken.insert(id.clone());
        let region = region
            .map(str::to_string)
            .or_else(|| opml::guess_region(feed).map(str::to_string))
            .unwrap_or_else(|| regions::NATIONAL.to_string());
        new_sources.push(config::NewSource {
            id,
            url: feed.url.clone(),
            region,
            title: feed.title.clone(),
            schedule: schedule.clone(),
        });
    }
    match (config_path, existing) {
        (Some(path), Some((text, _))) => {
            let edited = config::append_sources(&text, path, &new_sources)?;
            std::fs::write(path, edited).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "{}: added {} sources ({skipped} already listed); reload the daemon to poll them",
                path.display(),
                new_sources.len()
            );
        }
        _ => {
            let snippet =
                config::append_sources("", std::path::Path::new("import.toml"), &new_sources)?;
            print!("{snippet}");
            eprintln!(
                "{} sources ({skipped} duplicates skipped)",
                new_sources.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Threads for blocking work (SQLite, parsing, files). The store has one writer and one reader connection
/// and parsing is limited to one per CPU, so more threads only wait; tokio's default of 512 let 10,000
/// sources starting at once spawn all 512, each with its stack and allocator state (38 MiB).
const BLOCKING_THREADS: usize = 32;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .context("starting the async runtime")
}

/// One item per SIGHUP (a request to reload the config). Registered before the daemon says it is ready,
/// so an early SIGHUP cannot kill the process.
fn reload_requests() -> anyhow::Result<impl futures_util::Stream<Item = ()> + Unpin> {
    use tokio::signal::unix::{SignalKind, signal};
    let hangup = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    Ok(Box::pin(futures_util::stream::unfold(
        hangup,
        |mut hangup| async move {
            hangup.recv().await?;
            tracing::info!("SIGHUP received: reloading the config");
            Some(((), hangup))
        },
    )))
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGTERM; stop with Ctrl-C");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        _ = terminate.recv() => tracing::info!("SIGTERM received"),
    }
}

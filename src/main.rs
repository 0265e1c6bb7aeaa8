//! The `regionfeed` command: parses arguments, sets up logging and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use regionfeed::ingest::PollOutcome;
use regionfeed::{app, config, health, telemetry};

/// Regional news feeds of China: poll, dedupe, tag by province, republish.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    /// Poll every enabled source (or one) once, store the items and exit; non-zero if any poll failed.
    PollOnce {
        /// Config file (TOML).
        #[arg(long, short)]
        config: PathBuf,
        /// Poll only this source id.
        #[arg(long)]
        source: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the config at `path` and starts logging at its level.
fn load_config(path: &std::path::Path) -> anyhow::Result<config::Config> {
    let loaded = config::load(path)?;
    telemetry::init(&loaded.log_level);
    Ok(loaded)
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::CheckConfig { config } => {
            let loaded = load_config(&config)?;
            println!(
                "{}: ok ({} sources, {} enabled)",
                config.display(),
                loaded.sources.len(),
                loaded.enabled_sources().count()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { config, json } => {
            let loaded = load_config(&config)?;
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
        Command::Run { config } => {
            let loaded = load_config(&config)?;
            runtime()?.block_on(async {
                let reloads = reload_requests()?;
                app::run(&config, loaded, shutdown_signal(), reloads).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PollOnce { config, source } => {
            let loaded = load_config(&config)?;
            if let Some(id) = &source {
                anyhow::ensure!(
                    loaded.enabled_sources().any(|s| &s.id == id),
                    "no enabled source \"{id}\" in {}",
                    config.display()
                );
            }
            let reports = runtime()?.block_on(async {
                let (_store, ingestor) = app::open(&loaded).await?;
                anyhow::Ok(app::poll_sources(&loaded, &ingestor, source.as_deref()).await)
            })?;
            let mut failed = 0;
            for report in &reports {
                let line = match &report.outcome {
                    PollOutcome::Stored(summary) => format!(
                        "ok        {} new, {} updated, {} unchanged",
                        summary.new, summary.updated, summary.unchanged
                    ),
                    PollOutcome::NotModified => "ok        not modified (304)".to_string(),
                    PollOutcome::Unchanged => "ok        body unchanged".to_string(),
                    PollOutcome::Gone => {
                        failed += 1;
                        "GONE      answered 410 Gone earlier; not polled until its url changes"
                            .to_string()
                    }
                    PollOutcome::Failed(failure) => {
                        failed += 1;
                        format!("FAILED    [{}] {}", failure.class, failure.message)
                    }
                };
                println!("{:<24} {line}", report.source_id);
            }
            println!("{} sources polled, {failed} failed", reports.len());
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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

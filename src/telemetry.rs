//! Logging setup: `tracing` to stderr, filtered by `RUST_LOG` or else the config's `[log] level` (default
//! `info`), without colours when stderr is not a terminal, so journald shows clean lines.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `RUST_LOG`, else `default_level`. Safe to call more than once (later
/// calls do nothing).
pub fn init(default_level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(default_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

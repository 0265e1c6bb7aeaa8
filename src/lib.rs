//! regionfeed: polls Chinese news feeds, stores their items once, tags them by province and republishes
//! per-region feeds over HTTP.
//!
//! # Layout
//! Modules follow the data's journey:
//! - [`config`]: the TOML config, validated whole.
//! - [`regions`]: the catalog of provincial-level regions.
//! - [`scheduler`]: when each source is polled (cron, startup spread, backoff).
//! - [`fetch`]: bytes from HTTP(S) or a file, with limits and conditional GET.
//! - [`decode`], [`dates`], [`parse`]: bytes → UTF-8 → our items (pure).
//! - [`identity`]: which stored item an entry is (pure).
//! - [`script`], [`gazetteer`], [`tag`]: script folding, place names, region tags (pure).
//! - [`ingest`]: one poll of one source, end to end.
//! - [`store`]: SQLite, the only module with SQL.
//! - [`health`]: source health grouped by region.
//! - [`publish`]: the HTTP endpoint.
//! - [`app`]: wiring and orderly shutdown; [`telemetry`]: logging; [`metrics`]: Prometheus metrics.

pub mod app;
pub mod classify;
pub mod cli;
pub mod config;
pub mod feed;
pub mod health;
pub mod metrics;
pub mod opml;
pub mod poll;
pub mod publish;
pub mod regions;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod text;

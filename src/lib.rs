//! regionfeed polls Chinese news feeds, stores each item once and republishes one feed per province.
//! The data's journey: config → poll (scheduler, fetch) → feed (decode, dates, parse) → classify (identity,
//! tag, syndication) → store (SQLite) → publish (HTTP); each layer imports only the layers before it.

// Shared vocabulary: the region catalog, text helpers, metrics and logging.
mod memory;
mod metrics;
pub mod regions;
mod telemetry;
pub mod text;

// The validated config every stage reads.
pub mod config;

// Pure stages: bytes to items, items to identity, regions and stories.
pub mod classify;
pub mod feed;

// The only module with SQL.
pub mod store;

// Polling writes; health and OPML report on sources.
mod health;
pub mod opml;
pub mod poll;

// HTTP.
pub mod publish;
mod server;

// Wiring and the command line.
pub mod app;
pub mod cli;

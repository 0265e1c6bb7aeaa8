//! Totals over the whole database, for `regionfeed stats`.

use serde::Serialize;

use super::{Store, StoreError};

/// Totals over the whole database.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStats {
    /// Stored items, copies included.
    pub items: i64,
    /// Items shown in feeds (first items of their story).
    pub stories: i64,
    /// Items shown only through another source's story.
    pub copies: i64,
    /// Sources with a state row.
    pub sources: i64,
    /// Sources whose last poll failed.
    pub failing_sources: i64,
    /// Keys of removed items that are not ingested again.
    pub tombstones: i64,
    /// Newest and oldest publication time, unix seconds.
    pub newest: Option<i64>,
    /// Oldest publication time.
    pub oldest: Option<i64>,
    /// Region tags by origin.
    pub tags_by_origin: Vec<(String, i64)>,
    /// Database size with its WAL, bytes.
    pub database_bytes: u64,
}

impl Store {
    /// Totals for `regionfeed stats`.
    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        let database_bytes = self.database_bytes();
        self.read(move |connection| {
            let count = |sql: &str| -> Result<i64, StoreError> {
                Ok(connection.query_row(sql, [], |row| row.get(0))?)
            };
            let mut by_origin = Vec::new();
            {
                let mut statement = connection.prepare(
                    "SELECT origin, count(*) FROM item_regions GROUP BY origin ORDER BY origin",
                )?;
                for row in statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))? {
                    by_origin.push(row?);
                }
            }
            Ok(StoreStats {
                items: count("SELECT count(*) FROM items")?,
                stories: count("SELECT count(*) FROM items WHERE story_id IS NULL")?,
                copies: count("SELECT count(*) FROM items WHERE story_id IS NOT NULL")?,
                sources: count("SELECT count(*) FROM sources")?,
                failing_sources: count(
                    "SELECT count(*) FROM sources WHERE error_class IS NOT NULL",
                )?,
                tombstones: count("SELECT count(*) FROM tombstones")?,
                newest: connection
                    .query_row("SELECT max(published) FROM items", [], |row| row.get(0))?,
                oldest: connection
                    .query_row("SELECT min(published) FROM items", [], |row| row.get(0))?,
                tags_by_origin: by_origin,
                database_bytes,
            })
        })
        .await
    }
}

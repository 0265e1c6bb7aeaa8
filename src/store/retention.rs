//! Retention: items the policy no longer keeps are removed in batches, their keys kept as tombstones so
//! they are never ingested again; a story leaves with its copies.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::schema::{next_change_seq, read_version};
use super::stories::StoryIndex;
use super::{Store, StoreError};
use crate::config::RetentionPolicy;

/// Tombstones older than this are forgotten: feeds list recent items only, so an entry removed half a
/// year ago is not offered again, and tombstones must not grow the database for ever.
pub const TOMBSTONE_DAYS: i64 = 180;

/// Ids of items to remove: ?1 = min per source, ?2 = age cutoff, ?3 = max per region, ?4 = batch size.
const RETENTION_CANDIDATES: &str = "
    WITH source_rank AS (
        SELECT id, ROW_NUMBER() OVER (PARTITION BY source_id ORDER BY published DESC, id DESC) AS rank
        FROM items
    ),
    region_rank AS (
        SELECT r.item_id AS id,
               ROW_NUMBER() OVER (PARTITION BY r.region ORDER BY i.published DESC, i.id DESC) AS rank
        FROM item_regions r JOIN items i ON i.id = r.item_id
        UNION ALL
        SELECT i.id, ROW_NUMBER() OVER (ORDER BY i.published DESC, i.id DESC)
        FROM items i
        WHERE NOT EXISTS (SELECT 1 FROM item_regions r WHERE r.item_id = i.id)
    ),
    best_region_rank AS (
        SELECT id, min(rank) AS rank FROM region_rank GROUP BY id
    )
    SELECT i.id FROM items i
    JOIN source_rank s ON s.id = i.id
    JOIN best_region_rank b ON b.id = i.id
    WHERE s.rank > ?1 AND (i.published < ?2 OR b.rank > ?3)
    ORDER BY i.published, i.id
    LIMIT ?4";

impl Store {
    /// Removes items the policy no longer keeps, in batches, leaving their keys as tombstones, then gives
    /// freed pages back to the file system. Returns how many items were removed.
    pub async fn apply_retention(
        &self,
        policy: RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let version = self.version.clone();
        let stories = self.stories.clone();
        self.write(move |connection| {
            let cutoff = now.timestamp() - policy.max_age_days as i64 * 86_400;
            let mut removed = 0;
            loop {
                let transaction = connection.transaction()?;
                let doomed: Vec<i64> = {
                    let mut statement = transaction.prepare_cached(RETENTION_CANDIDATES)?;
                    statement
                        .query_map(
                            params![
                                policy.min_per_source as i64,
                                cutoff,
                                policy.max_per_region as i64,
                                policy.batch as i64
                            ],
                            |row| row.get(0),
                        )?
                        .collect::<Result<_, _>>()?
                };
                if doomed.is_empty() {
                    break;
                }
                // A story goes as a unit: other sources' copies of a removed first item go with it, so
                // they never resurface as stories of their own.
                let mut doomed = doomed;
                {
                    let mut copies =
                        transaction.prepare_cached("SELECT id FROM items WHERE story_id = ?1")?;
                    let mut found = Vec::new();
                    for id in &doomed {
                        for copy in copies.query_map(params![id], |row| row.get::<_, i64>(0))? {
                            found.push(copy?);
                        }
                    }
                    found.retain(|copy| !doomed.contains(copy));
                    // Copies first: deleting the first item would otherwise point them nowhere.
                    found.append(&mut doomed);
                    doomed = found;
                }
                remove_items(&transaction, &doomed, now.timestamp())?;
                next_change_seq(&transaction, now)?;
                transaction.commit()?;
                removed += doomed.len();
            }
            let forgotten = connection.execute(
                "DELETE FROM tombstones WHERE removed_at < ?1",
                params![now.timestamp() - TOMBSTONE_DAYS * 86_400],
            )?;
            if forgotten > 0 && removed == 0 {
                connection.execute_batch("PRAGMA incremental_vacuum")?;
            }
            if removed > 0 {
                // Removed story heads must not be matched again: reload the index on next use.
                *stories.lock().unwrap_or_else(|p| p.into_inner()) = StoryIndex::default();
                connection.execute_batch("PRAGMA incremental_vacuum")?;
                // Give the write-ahead log's space back too (it keeps its largest size otherwise). A busy
                // reader only makes this a partial checkpoint, never an error.
                connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                connection.execute_batch("PRAGMA optimize")?;
                let (change_seq, changed_at) = read_version(connection)?;
                version.change_seq.store(change_seq, Ordering::SeqCst);
                version.changed_at.store(changed_at, Ordering::SeqCst);
            }
            Ok(removed)
        })
        .await
    }
}

/// Removes `doomed` items, leaving their keys as tombstones (removed at `now`, unix seconds), and what
/// points at them: SQLite does not check the schema's references (see `schema::configure`).
fn remove_items(connection: &Connection, doomed: &[i64], now: i64) -> Result<(), StoreError> {
    let mut bury = connection.prepare_cached(
        "INSERT INTO tombstones (key_hash, removed_at)
         SELECT key_hash, ?2 FROM item_keys WHERE item_id = ?1
         ON CONFLICT (key_hash) DO NOTHING",
    )?;
    let mut forget_keys = connection.prepare_cached("DELETE FROM item_keys WHERE item_id = ?1")?;
    let mut untag = connection.prepare_cached("DELETE FROM item_regions WHERE item_id = ?1")?;
    let mut unlink =
        connection.prepare_cached("UPDATE items SET story_id = NULL WHERE story_id = ?1")?;
    let mut remove = connection.prepare_cached("DELETE FROM items WHERE id = ?1")?;
    for id in doomed {
        bury.execute(params![id, now])?;
        forget_keys.execute(params![id])?;
        untag.execute(params![id])?;
        unlink.execute(params![id])?;
        remove.execute(params![id])?;
    }
    Ok(())
}

//! The schema: embedded migrations applied in order (tracked by `PRAGMA user_version`), connection
//! settings, and the change counter (`meta.change_seq`) every write that changes output bumps.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::StoreError;

/// Migrations in order; entry N brings the schema to version N+1.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_source_moves.sql"),
    include_str!("migrations/0003_change_time.sql"),
    include_str!("migrations/0004_tombstones.sql"),
    include_str!("migrations/0005_stories.sql"),
    include_str!("migrations/0006_lent_tags.sql"),
    include_str!("migrations/0007_pace.sql"),
    include_str!("migrations/0008_key_form.sql"),
];

pub(super) fn configure(connection: &Connection) -> Result<(), StoreError> {
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // Copy the write-ahead log into the database every 4,000 pages (16 MiB) rather than SQLite's 1,000:
    // every poll rewrites the same hot pages (the newest rows, the region index's tails, the sources
    // row), and a checkpoint copies each page once however often the log rewrote it.
    connection.pragma_update(None, "wal_autocheckpoint", 4000)?;
    // The schema declares its references (keys, tags and story links point at items), but SQLite does not
    // check them: each check is one more B-tree lookup per key and tag written. Only retention deletes
    // items, and it removes what points at them in the same transaction (`store::retention`).
    connection.pragma_update(None, "foreign_keys", "OFF")?;
    Ok(())
}

pub(super) fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version == 0 {
        // Only possible before the first table exists: lets retention give pages back to the file system.
        connection.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            found: version,
            known,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

pub(super) fn next_change_seq(
    connection: &Connection,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    connection.execute(
        "UPDATE meta SET value = max(value, ?1) WHERE key = 'changed_at'",
        params![now.timestamp()],
    )?;
    Ok(connection.query_row(
        "UPDATE meta SET value = value + 1 WHERE key = 'change_seq' RETURNING value",
        [],
        |row| row.get(0),
    )?)
}

pub(super) fn read_version(connection: &Connection) -> Result<(i64, i64), StoreError> {
    let value = |key: &str| -> Result<i64, StoreError> {
        Ok(connection.query_row(
            "SELECT value FROM meta WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )?)
    };
    Ok((value("change_seq")?, value("changed_at")?))
}

//! Sources' poll state: the row each configured source has, successes and failures recorded, the next
//! planned poll.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// A failed poll, for the source's status.
#[derive(Debug, Clone)]
pub struct PollFailure {
    /// Source id.
    pub source_id: String,
    /// When the poll ran.
    pub now: DateTime<Utc>,
    /// HTTP status, if the server answered.
    pub status: Option<u16>,
    /// Short error class (`timeout`, `http-5xx`, `parse`, …).
    pub error_class: String,
    /// The full message.
    pub error_message: String,
    /// The URL that answered 410 Gone, when it did.
    pub gone_url: Option<String>,
}

/// A source's poll state, as stored.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SourceState {
    /// Source id.
    pub id: String,
    /// URL as configured.
    pub url: String,
    /// The feed's own title.
    pub title: Option<String>,
    /// The feed's home page.
    pub site_link: Option<String>,
    /// Last attempt, unix seconds.
    pub last_attempt: Option<i64>,
    /// Last success, unix seconds.
    pub last_success: Option<i64>,
    /// HTTP status of the last attempt.
    pub last_status: Option<i64>,
    /// Error class of the last attempt, `None` when it succeeded.
    pub error_class: Option<String>,
    /// Error message of the last attempt.
    pub error_message: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i64,
    /// Last ETag.
    pub etag: Option<String>,
    /// Last Last-Modified.
    pub last_modified: Option<String>,
    /// Hash of the last body.
    pub body_hash: Option<String>,
    /// New items stored from this source, ever.
    pub items_seen: i64,
    /// When the scheduler plans the next poll, unix seconds.
    pub next_due: Option<i64>,
    /// Where the feed has moved permanently (301/308), as seen on the last success.
    pub moved_to: Option<String>,
    /// The URL that answered 410 Gone; polling stops while the source keeps this URL.
    pub gone_url: Option<String>,
}

impl Store {
    /// Makes sure every configured source has a row, with its current URL.
    pub async fn sync_sources(&self, sources: Vec<(String, String)>) -> Result<(), StoreError> {
        self.write(move |connection| {
            let transaction = connection.transaction()?;
            {
                let mut upsert = transaction.prepare(
                    "INSERT INTO sources (id, url) VALUES (?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET url = excluded.url",
                )?;
                for (id, url) in &sources {
                    upsert.execute(params![id, url])?;
                }
            }
            transaction.commit()?;
            Ok(())
        })
        .await
    }

    /// Records a failed poll in the source's state.
    pub async fn record_failure(&self, failure: PollFailure) -> Result<(), StoreError> {
        self.write(move |connection| {
            connection.execute(
                "INSERT INTO sources (id, url) VALUES (?1, '') ON CONFLICT (id) DO NOTHING",
                params![failure.source_id],
            )?;
            connection.execute(
                "UPDATE sources SET last_attempt = ?2, last_status = ?3, error_class = ?4,
                    error_message = ?5, consecutive_failures = consecutive_failures + 1,
                    gone_url = COALESCE(?6, gone_url)
                 WHERE id = ?1",
                params![
                    failure.source_id,
                    failure.now.timestamp(),
                    failure.status,
                    failure.error_class,
                    failure.error_message,
                    failure.gone_url,
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// Remembers when the scheduler plans to poll `source_id` next, so a restart keeps its backoff.
    pub async fn record_next_due(
        &self,
        source_id: &str,
        next_due: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let source_id = source_id.to_string();
        self.write(move |connection| {
            connection.execute(
                "UPDATE sources SET next_due = ?2 WHERE id = ?1",
                params![source_id, next_due.timestamp()],
            )?;
            Ok(())
        })
        .await
    }

    /// The stored state of one source.
    pub async fn source_state(&self, source_id: &str) -> Result<Option<SourceState>, StoreError> {
        let source_id = source_id.to_string();
        self.read(move |connection| {
            let state = connection
                .query_row(
                    &format!("{SOURCE_COLUMNS} WHERE id = ?1"),
                    params![source_id],
                    source_state_from_row,
                )
                .optional()?;
            Ok(state)
        })
        .await
    }

    /// Every source's stored state, by id.
    pub async fn source_states(&self) -> Result<Vec<SourceState>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare(&format!("{SOURCE_COLUMNS} ORDER BY id"))?;
            let states = statement
                .query_map([], source_state_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(states)
        })
        .await
    }
}

const SOURCE_COLUMNS: &str =
    "SELECT id, url, title, site_link, last_attempt, last_success, last_status,
    error_class, error_message, consecutive_failures, etag, last_modified, body_hash, items_seen,
    next_due, moved_to, gone_url
    FROM sources";

fn source_state_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SourceState> {
    Ok(SourceState {
        id: row.get(0)?,
        url: row.get(1)?,
        title: row.get(2)?,
        site_link: row.get(3)?,
        last_attempt: row.get(4)?,
        last_success: row.get(5)?,
        last_status: row.get(6)?,
        error_class: row.get(7)?,
        error_message: row.get(8)?,
        consecutive_failures: row.get(9)?,
        etag: row.get(10)?,
        last_modified: row.get(11)?,
        body_hash: row.get(12)?,
        items_seen: row.get(13)?,
        next_due: row.get(14)?,
        moved_to: row.get(15)?,
        gone_url: row.get(16)?,
    })
}

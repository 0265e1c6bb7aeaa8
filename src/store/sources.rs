//! Sources' poll state: the row each configured source has, successes and failures recorded, the next
//! planned poll.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::pace::{SourceWeek, activity_by_source};
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
    /// The interval planned last (before any backoff), seconds; filled by `source_states` only.
    pub interval_secs: Option<i64>,
    /// Why that interval (`posting-rate`, `ttl`, `max-interval`, `cron`, …).
    pub interval_reason: Option<String>,
    /// What pushed the next poll later than planned (`backoff`, `retry-after`).
    pub delayed_by: Option<String>,
    /// Since when the source's validators are not sent (they said unchanged when it had changed).
    pub validators_distrusted_since: Option<i64>,
    /// Since when identical bodies are parsed all the same (one held new items).
    pub body_hash_distrusted_since: Option<i64>,
    /// Requests and new items of the last seven days.
    pub week: SourceWeek,
    /// Items a day at the weekly posting rate learned from the items' dates (`poll::pace`), once
    /// learned.
    pub posting_rate_per_day: Option<f64>,
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

    /// Every source's stored state, by id, with its pace, trust and last week.
    pub async fn source_states(&self) -> Result<Vec<SourceState>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare(&format!("{SOURCE_COLUMNS} ORDER BY id"))?;
            let mut states = statement
                .query_map([], source_state_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let activity: std::collections::HashMap<_, _> =
                activity_by_source(connection, Utc::now())?
                    .into_iter()
                    .map(|(id, pace, trust, week)| (id, (pace, trust, week)))
                    .collect();
            for state in &mut states {
                let Some((pace, trust, week)) = activity.get(&state.id) else {
                    continue;
                };
                state.interval_secs = pace.interval_secs;
                state.interval_reason = pace.reason.clone();
                state.delayed_by = pace.delayed_by.clone();
                state.validators_distrusted_since = trust.validators_distrusted_since;
                state.body_hash_distrusted_since = trust.body_hash_distrusted_since;
                state.week = *week;
                state.posting_rate_per_day = (pace.weekly_seconds >= 3600.0)
                    .then(|| pace.weekly_items / pace.weekly_seconds * 86_400.0);
            }
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
        ..SourceState::default()
    })
}

//! Each source's pace, trust and request counts (migration 7): what the `auto` schedule learned
//! (`poll::pace`, kept across restarts), whether its validators and the identical-body shortcut are
//! trusted (`poll::trust`), and requests and new items per day for the last week's figures.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// Days of request counts kept (a week, and the day in progress).
const DAYS_KEPT: i64 = 8;
/// The days the week's figures are taken over.
const WEEK_DAYS: i64 = 7;

/// The learned pace of a source, as stored (`poll::pace::PaceState` in columns).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaceRecord {
    /// Recent rate: weighted items.
    pub recent_items: f64,
    /// Recent rate: weighted seconds.
    pub recent_seconds: f64,
    /// Weekly rate: weighted items.
    pub weekly_items: f64,
    /// Weekly rate: weighted seconds.
    pub weekly_seconds: f64,
    /// Last successful poll, unix seconds.
    pub observed_at: Option<i64>,
    /// Items in the feed when a body was last read.
    pub feed_window: Option<i64>,
    /// The feed's `<ttl>`, seconds.
    pub ttl_secs: Option<i64>,
    /// The feed's `sy:` update period, seconds.
    pub update_period_secs: Option<i64>,
    /// `<skipHours>` as bits.
    pub skip_hours: i64,
    /// `<skipDays>` as bits.
    pub skip_days: i64,
    /// The last answer's `Cache-Control: max-age`, seconds.
    pub max_age_secs: Option<i64>,
    /// The last answer's `Expires` − `Date`, seconds.
    pub expires_secs: Option<i64>,
    /// The interval planned last, before any backoff, seconds.
    pub interval_secs: Option<i64>,
    /// Why (`posting-rate`, `ttl`, `max-interval`, …).
    pub reason: Option<String>,
    /// What pushed the next poll later than planned (`backoff`, `retry-after`).
    pub delayed_by: Option<String>,
}

/// A source's trust in its validators, as stored (`poll::trust::TrustState` in columns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustRecord {
    /// Unchanged answers in a row.
    pub unchanged_in_a_row: i64,
    /// That run holds a 304.
    pub run_had_not_modified: bool,
    /// That run holds an identical body.
    pub run_had_same_body: bool,
    /// Since when the validators are not sent, unix seconds.
    pub validators_distrusted_since: Option<i64>,
    /// Consistent answers since.
    pub validator_proofs: i64,
    /// Since when identical bodies are parsed all the same, unix seconds.
    pub body_hash_distrusted_since: Option<i64>,
    /// Consistent answers since.
    pub body_hash_proofs: i64,
}

/// A source's last seven days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SourceWeek {
    /// Requests made (failed ones too).
    pub requests: i64,
    /// New items stored.
    pub new_items: i64,
    /// Days the figures cover (fewer than seven for a source added this week; at least one).
    pub days: i64,
}

impl Store {
    /// The learned pace and the trust of `source_id` (defaults when none is stored yet).
    pub async fn pace_and_trust(
        &self,
        source_id: &str,
    ) -> Result<(Option<PaceRecord>, TrustRecord), StoreError> {
        let source_id = source_id.to_string();
        self.read(move |connection| {
            let pace = read_pace(connection, &source_id)?;
            let trust = connection
                .query_row(
                    "SELECT unchanged_in_a_row, run_had_not_modified, run_had_same_body,
                        validators_distrusted_since, validator_proofs, body_hash_distrusted_since,
                        body_hash_proofs
                     FROM source_trust WHERE source_id = ?1",
                    params![source_id],
                    |row| {
                        Ok(TrustRecord {
                            unchanged_in_a_row: row.get(0)?,
                            run_had_not_modified: row.get(1)?,
                            run_had_same_body: row.get(2)?,
                            validators_distrusted_since: row.get(3)?,
                            validator_proofs: row.get(4)?,
                            body_hash_distrusted_since: row.get(5)?,
                            body_hash_proofs: row.get(6)?,
                        })
                    },
                )
                .optional()?
                .unwrap_or_default();
            Ok((pace, trust))
        })
        .await
    }

    /// Stores the pace the scheduler planned by and the next poll's time, in one transaction.
    pub async fn record_plan(
        &self,
        source_id: &str,
        pace: PaceRecord,
        next_due: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let source_id = source_id.to_string();
        self.write(move |connection| {
            let transaction = connection.transaction()?;
            write_pace(&transaction, &source_id, &pace)?;
            transaction.execute(
                "UPDATE sources SET next_due = ?2 WHERE id = ?1",
                params![source_id, next_due.timestamp()],
            )?;
            transaction.commit()?;
            Ok(())
        })
        .await
    }

    /// Counts one request to `source_id` at `now` and the new items it brought, and stores the trust
    /// it left (when given), in one transaction. Counts older than a week are dropped.
    pub async fn record_request(
        &self,
        source_id: &str,
        now: DateTime<Utc>,
        new_items: usize,
        trust: Option<TrustRecord>,
    ) -> Result<(), StoreError> {
        let source_id = source_id.to_string();
        self.write(move |connection| {
            let transaction = connection.transaction()?;
            let day = now.timestamp().div_euclid(86_400);
            transaction.execute(
                "INSERT INTO source_requests (source_id, day, requests, new_items) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (source_id, day) DO UPDATE SET requests = requests + 1,
                    new_items = new_items + excluded.new_items",
                params![source_id, day, new_items as i64],
            )?;
            transaction.execute(
                "DELETE FROM source_requests WHERE source_id = ?1 AND day < ?2",
                params![source_id, day - DAYS_KEPT + 1],
            )?;
            if let Some(trust) = trust {
                write_trust(&transaction, &source_id, &trust)?;
            }
            transaction.commit()?;
            Ok(())
        })
        .await
    }
}

/// Every source's pace, trust and week, by id, for the status pages.
pub(super) fn activity_by_source(
    connection: &Connection,
    now: DateTime<Utc>,
) -> Result<Vec<(String, PaceRecord, TrustRecord, SourceWeek)>, StoreError> {
    let today = now.timestamp().div_euclid(86_400);
    let mut statement = connection.prepare(
        "SELECT s.id, p.interval_secs, p.reason, p.delayed_by,
            t.validators_distrusted_since, t.body_hash_distrusted_since,
            COALESCE(r.requests, 0), COALESCE(r.new_items, 0), r.first_day,
            p.weekly_items, p.weekly_seconds
         FROM sources s
         LEFT JOIN source_pace p ON p.source_id = s.id
         LEFT JOIN source_trust t ON t.source_id = s.id
         LEFT JOIN (SELECT source_id, SUM(requests) AS requests, SUM(new_items) AS new_items,
                        MIN(day) AS first_day
                    FROM source_requests WHERE day > ?1 GROUP BY source_id) r
            ON r.source_id = s.id",
    )?;
    let rows = statement
        .query_map(params![today - WEEK_DAYS], |row| {
            let first_day: Option<i64> = row.get(8)?;
            Ok((
                row.get::<_, String>(0)?,
                PaceRecord {
                    interval_secs: row.get(1)?,
                    reason: row.get(2)?,
                    delayed_by: row.get(3)?,
                    weekly_items: row.get::<_, Option<f64>>(9)?.unwrap_or(0.0),
                    weekly_seconds: row.get::<_, Option<f64>>(10)?.unwrap_or(0.0),
                    ..PaceRecord::default()
                },
                TrustRecord {
                    validators_distrusted_since: row.get(4)?,
                    body_hash_distrusted_since: row.get(5)?,
                    ..TrustRecord::default()
                },
                SourceWeek {
                    requests: row.get(6)?,
                    new_items: row.get(7)?,
                    days: first_day.map_or(0, |first| (today - first + 1).clamp(1, WEEK_DAYS)),
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn read_pace(connection: &Connection, source_id: &str) -> Result<Option<PaceRecord>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT recent_items, recent_seconds, weekly_items, weekly_seconds, observed_at,
                feed_window, ttl_secs, update_period_secs, skip_hours, skip_days, max_age_secs,
                expires_secs, interval_secs, reason, delayed_by
             FROM source_pace WHERE source_id = ?1",
            params![source_id],
            |row| {
                Ok(PaceRecord {
                    recent_items: row.get(0)?,
                    recent_seconds: row.get(1)?,
                    weekly_items: row.get(2)?,
                    weekly_seconds: row.get(3)?,
                    observed_at: row.get(4)?,
                    feed_window: row.get(5)?,
                    ttl_secs: row.get(6)?,
                    update_period_secs: row.get(7)?,
                    skip_hours: row.get(8)?,
                    skip_days: row.get(9)?,
                    max_age_secs: row.get(10)?,
                    expires_secs: row.get(11)?,
                    interval_secs: row.get(12)?,
                    reason: row.get(13)?,
                    delayed_by: row.get(14)?,
                })
            },
        )
        .optional()?)
}

fn write_pace(
    connection: &Connection,
    source_id: &str,
    pace: &PaceRecord,
) -> Result<(), StoreError> {
    connection.execute(
        "INSERT OR REPLACE INTO source_pace (source_id, recent_items, recent_seconds, weekly_items,
            weekly_seconds, observed_at, feed_window, ttl_secs, update_period_secs, skip_hours,
            skip_days, max_age_secs, expires_secs, interval_secs, reason, delayed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            source_id,
            pace.recent_items,
            pace.recent_seconds,
            pace.weekly_items,
            pace.weekly_seconds,
            pace.observed_at,
            pace.feed_window,
            pace.ttl_secs,
            pace.update_period_secs,
            pace.skip_hours,
            pace.skip_days,
            pace.max_age_secs,
            pace.expires_secs,
            pace.interval_secs,
            pace.reason,
            pace.delayed_by,
        ],
    )?;
    Ok(())
}

fn write_trust(
    connection: &Connection,
    source_id: &str,
    trust: &TrustRecord,
) -> Result<(), StoreError> {
    connection.execute(
        "INSERT OR REPLACE INTO source_trust (source_id, unchanged_in_a_row, run_had_not_modified,
            run_had_same_body, validators_distrusted_since, validator_proofs,
            body_hash_distrusted_since, body_hash_proofs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            source_id,
            trust.unchanged_in_a_row,
            trust.run_had_not_modified,
            trust.run_had_same_body,
            trust.validators_distrusted_since,
            trust.validator_proofs,
            trust.body_hash_distrusted_since,
            trust.body_hash_proofs,
        ],
    )?;
    Ok(())
}

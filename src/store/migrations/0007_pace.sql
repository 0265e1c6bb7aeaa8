-- Schema version 7: what each source's pace taught the scheduler (poll::pace), whether its validators and
-- the identical-body shortcut are trusted (poll::trust), and its requests and new items per day, for
-- the last week's figures. The first two survive restarts, so a learned interval is not learned again.

CREATE TABLE source_pace (
    source_id          TEXT PRIMARY KEY,
    recent_items       REAL NOT NULL DEFAULT 0,  -- items weighted by age, 6-hour memory
    recent_seconds     REAL NOT NULL DEFAULT 0,  -- observed time weighted the same way
    weekly_items       REAL NOT NULL DEFAULT 0,  -- the same with a 7-day memory
    weekly_seconds     REAL NOT NULL DEFAULT 0,
    observed_at        INTEGER,                  -- unix seconds of the last successful poll
    feed_window        INTEGER,                  -- items in the feed when a body was last read
    ttl_secs           INTEGER,                  -- the feed's <ttl>
    update_period_secs INTEGER,                  -- sy:updatePeriod / sy:updateFrequency
    skip_hours         INTEGER NOT NULL DEFAULT 0, -- bit h: GMT hour h skipped
    skip_days          INTEGER NOT NULL DEFAULT 0, -- bit d: weekday d (0 = Monday) skipped
    max_age_secs       INTEGER,                  -- Cache-Control: max-age of the last answer
    expires_secs       INTEGER,                  -- Expires − Date of the last answer
    interval_secs      INTEGER,                  -- the interval planned last, before any backoff
    reason             TEXT,                     -- why (posting-rate, feed-window, max-interval, ttl, …)
    delayed_by         TEXT                      -- backoff or retry-after when they push the poll later
) WITHOUT ROWID;

CREATE TABLE source_trust (
    source_id                   TEXT PRIMARY KEY,
    unchanged_in_a_row          INTEGER NOT NULL DEFAULT 0,
    run_had_not_modified        INTEGER NOT NULL DEFAULT 0,
    run_had_same_body           INTEGER NOT NULL DEFAULT 0,
    validators_distrusted_since INTEGER,         -- unix seconds; NULL: trusted
    validator_proofs            INTEGER NOT NULL DEFAULT 0,
    body_hash_distrusted_since  INTEGER,
    body_hash_proofs            INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One row per source and UTC day (unix seconds / 86400); rows older than eight days are removed.
CREATE TABLE source_requests (
    source_id TEXT NOT NULL,
    day       INTEGER NOT NULL,
    requests  INTEGER NOT NULL DEFAULT 0,
    new_items INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source_id, day)
) WITHOUT ROWID;

//! The pure pace and trust states (`poll::pace`, `poll::trust`) to and from their stored records, so a
//! learned interval and a caught liar survive a restart.

use std::time::Duration;

use chrono::DateTime;

use crate::feed::hints::FeedHints;
use crate::poll::fetch::Freshness;
use crate::poll::pace::{PaceState, RateMemory};
use crate::poll::trust::TrustState;
use crate::store::{PaceRecord, TrustRecord};

fn seconds(value: Option<i64>) -> Option<Duration> {
    value
        .and_then(|seconds| u64::try_from(seconds).ok())
        .map(Duration::from_secs)
}

fn stored_seconds(value: Option<Duration>) -> Option<i64> {
    value.map(|duration| i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

/// The pace a stored record describes (an unreadable reason reads as a new source's).
pub fn pace_from_record(record: &PaceRecord) -> PaceState {
    PaceState {
        recent: RateMemory {
            items: record.recent_items,
            seconds: record.recent_seconds,
        },
        weekly: RateMemory {
            items: record.weekly_items,
            seconds: record.weekly_seconds,
        },
        observed_at: record
            .observed_at
            .and_then(|at| DateTime::from_timestamp(at, 0)),
        window: record.feed_window.and_then(|n| u32::try_from(n).ok()),
        hints: FeedHints {
            ttl: seconds(record.ttl_secs),
            update_period: seconds(record.update_period_secs),
            skip_hours: u32::try_from(record.skip_hours).unwrap_or(0),
            skip_days: u8::try_from(record.skip_days).unwrap_or(0),
        },
        freshness: Freshness {
            max_age: seconds(record.max_age_secs),
            expires: seconds(record.expires_secs),
        },
        interval: seconds(record.interval_secs),
        reason: record
            .reason
            .as_deref()
            .and_then(|reason| reason.parse().ok())
            .unwrap_or_default(),
        delayed_by: record
            .delayed_by
            .as_deref()
            .and_then(|reason| reason.parse().ok()),
    }
}

/// The record that stores `pace`.
pub fn pace_to_record(pace: &PaceState) -> PaceRecord {
    PaceRecord {
        recent_items: pace.recent.items,
        recent_seconds: pace.recent.seconds,
        weekly_items: pace.weekly.items,
        weekly_seconds: pace.weekly.seconds,
        observed_at: pace.observed_at.map(|at| at.timestamp()),
        feed_window: pace.window.map(i64::from),
        ttl_secs: stored_seconds(pace.hints.ttl),
        update_period_secs: stored_seconds(pace.hints.update_period),
        skip_hours: i64::from(pace.hints.skip_hours),
        skip_days: i64::from(pace.hints.skip_days),
        max_age_secs: stored_seconds(pace.freshness.max_age),
        expires_secs: stored_seconds(pace.freshness.expires),
        interval_secs: stored_seconds(pace.interval),
        reason: Some(pace.reason.as_str().to_string()),
        delayed_by: pace.delayed_by.map(|reason| reason.as_str().to_string()),
    }
}

/// The trust a stored record describes.
pub fn trust_from_record(record: &TrustRecord) -> TrustState {
    let count = |n: i64| u32::try_from(n).unwrap_or(0);
    TrustState {
        unchanged_in_a_row: count(record.unchanged_in_a_row),
        run_had_not_modified: record.run_had_not_modified,
        run_had_same_body: record.run_had_same_body,
        validators_distrusted_since: record.validators_distrusted_since,
        validator_proofs: count(record.validator_proofs),
        body_hash_distrusted_since: record.body_hash_distrusted_since,
        body_hash_proofs: count(record.body_hash_proofs),
    }
}

/// The record that stores `trust`.
pub fn trust_to_record(trust: &TrustState) -> TrustRecord {
    TrustRecord {
        unchanged_in_a_row: i64::from(trust.unchanged_in_a_row),
        run_had_not_modified: trust.run_had_not_modified,
        run_had_same_body: trust.run_had_same_body,
        validators_distrusted_since: trust.validators_distrusted_since,
        validator_proofs: i64::from(trust.validator_proofs),
        body_hash_distrusted_since: trust.body_hash_distrusted_since,
        body_hash_proofs: i64::from(trust.body_hash_proofs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::pace::Reason;

    #[test]
    fn pace_and_trust_round_trip_through_their_records() {
        let pace = PaceState {
            recent: RateMemory {
                items: 2.5,
                seconds: 21_600.0,
            },
            weekly: RateMemory {
                items: 40.0,
                seconds: 600_000.0,
            },
            observed_at: DateTime::from_timestamp(1_795_488_720, 0),
            window: Some(30),
            hints: FeedHints {
                ttl: Some(Duration::from_secs(3600)),
                update_period: None,
                skip_hours: 0b111,
                skip_days: 1 << 6,
            },
            freshness: Freshness {
                max_age: Some(Duration::from_secs(600)),
                expires: None,
            },
            interval: Some(Duration::from_secs(3600)),
            reason: Reason::Ttl,
            delayed_by: Some(Reason::Backoff),
        };
        assert_eq!(pace_from_record(&pace_to_record(&pace)), pace);
        let trust = TrustState {
            unchanged_in_a_row: 7,
            run_had_not_modified: true,
            validators_distrusted_since: Some(1_795_488_720),
            validator_proofs: 2,
            ..TrustState::default()
        };
        assert_eq!(trust_from_record(&trust_to_record(&trust)), trust);
    }
}

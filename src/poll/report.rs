//! What one poll did: the report the scheduler plans the next poll by, and that `poll-once` prints.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::poll::pace::PaceObservation;
use crate::store::IngestSummary;

/// The result of one poll.
#[derive(Debug, Clone, Serialize)]
pub struct PollReport {
    /// Which source.
    pub source_id: String,
    /// What happened.
    pub outcome: PollOutcome,
    /// Failures in a row after this poll (0 after a success), for backoff.
    pub consecutive_failures: u32,
    /// What a successful poll saw of the source's pace, for its schedule (`poll::pace`).
    #[serde(skip)]
    pub observation: Option<PaceObservation>,
}

/// What one poll did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum PollOutcome {
    /// A body was parsed and stored.
    Stored(IngestSummary),
    /// The server answered 304.
    NotModified,
    /// The body was byte-identical to the last one; nothing parsed.
    Unchanged,
    /// The poll failed.
    Failed(PollFailureInfo),
    /// The feed answered 410 Gone at this URL earlier; no request was made.
    Gone,
}

/// Why a poll failed, for the scheduler and the summary.
#[derive(Debug, Clone, Serialize)]
pub struct PollFailureInfo {
    /// Short error class.
    pub class: String,
    /// The full message.
    pub message: String,
    /// When the server asked us to come back.
    pub retry_after: Option<DateTime<Utc>>,
}

impl PollReport {
    /// True when the poll failed.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, PollOutcome::Failed(_))
    }
}

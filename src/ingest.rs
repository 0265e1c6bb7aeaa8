//! One poll of one source, end to end: fetch → decode/parse → identity → store, with the source's state
//! recorded whatever happens.
//!
//! A source is never polled twice at once (a lock per source id), and the number of polls in flight over all
//! sources is bounded by a semaphore. A failure is recorded and reported, never propagated: one bad feed
//! cannot stop the daemon or the other sources.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::config::SourceConfig;
use crate::fetch::{Fetched, Fetcher, Validators};
use crate::identity::{item_keys, trustworthy_guids};
use crate::parse::{ParseOptions, parse_feed};
use crate::store::{IngestSummary, NewItem, PollFailure, PollSuccess, RegionTag, Store};

/// Polls sources and stores what they return.
pub struct Ingestor {
    fetcher: Fetcher,
    store: Store,
    in_flight: Semaphore,
    source_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The result of one poll.
#[derive(Debug, Clone, Serialize)]
pub struct PollReport {
    /// Which source.
    pub source_id: String,
    /// What happened.
    pub outcome: PollOutcome,
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

impl Ingestor {
    /// An ingestor with at most `concurrency` polls in flight.
    pub fn new(fetcher: Fetcher, store: Store, concurrency: usize) -> Ingestor {
        Ingestor {
            fetcher,
            store,
            in_flight: Semaphore::new(concurrency.max(1)),
            source_locks: Mutex::new(HashMap::new()),
        }
    }

    fn lock_for(&self, source_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.source_locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(source_id.to_string()).or_default().clone()
    }

    /// Polls `source` once and stores the result. Never fails: failures are recorded and reported.
    pub async fn poll(&self, source: &SourceConfig) -> PollReport {
        let lock = self.lock_for(&source.id);
        let _only_poll_of_this_source = lock.lock().await;
        let _permit = self
            .in_flight
            .acquire()
            .await
            .expect("the in-flight semaphore is never closed");
        let now = Utc::now();
        let outcome = match self.poll_inner(source, now).await {
            Ok(outcome) => outcome,
            Err(failure) => {
                let record = PollFailure {
                    source_id: source.id.clone(),
                    now,
                    status: failure.status,
                    error_class: failure.info.class.clone(),
                    error_message: failure.info.message.clone(),
                };
                if let Err(error) = self.store.record_failure(record).await {
                    tracing::error!(source = %source.id, %error, "cannot record poll failure");
                }
                tracing::warn!(
                    source = %source.id,
                    class = %failure.info.class,
                    error = %failure.info.message,
                    "poll failed"
                );
                PollOutcome::Failed(failure.info)
            }
        };
        if let PollOutcome::Stored(summary) = &outcome {
            tracing::info!(
                source = %source.id,
                new = summary.new,
                updated = summary.updated,
                unchanged = summary.unchanged,
                "polled"
            );
        } else if !matches!(outcome, PollOutcome::Failed(_)) {
            tracing::debug!(source = %source.id, ?outcome, "polled, nothing new");
        }
        PollReport {
            source_id: source.id.clone(),
            outcome,
        }
    }

    async fn poll_inner(
        &self,
        source: &SourceConfig,
        now: DateTime<Utc>,
    ) -> Result<PollOutcome, Failure> {
        let state = self
            .store
            .source_state(&source.id)
            .await
            .map_err(Failure::store)?
            .unwrap_or_default();
        // Validators and body hash belong to the URL they came from; a changed URL starts afresh.
        let same_url = state.url == source.url.as_str();
        let validators = if same_url {
            Validators {
                etag: state.etag.clone(),
                last_modified: state.last_modified.clone(),
            }
        } else {
            Validators::default()
        };
        let fetched = self
            .fetcher
            .fetch(&source.url, &validators)
            .await
            .map_err(|error| Failure {
                status: error.status(),
                info: PollFailureInfo {
                    class: error.class(),
                    message: error.to_string(),
                    retry_after: error.retry_after(),
                },
            })?;
        let body = match fetched {
            Fetched::NotModified => {
                self.record(empty_success(source, now, 304, None)).await?;
                return Ok(PollOutcome::NotModified);
            }
            Fetched::Body(body) => body,
        };
        let body_hash = hex::encode(&Sha256::digest(&body.bytes)[..16]);
        let status = if source.url.scheme() == "file" {
            0
        } else {
            body.status
        };
        if same_url && state.body_hash.as_deref() == Some(body_hash.as_str()) {
            let mut success = empty_success(source, now, status, None);
            success.etag = body.etag;
            success.last_modified = body.last_modified;
            self.record(success).await?;
            return Ok(PollOutcome::Unchanged);
        }

        let options = ParseOptions {
            timezone: source.timezone,
            encoding: source.encoding,
            base_url: Some(source.url.clone()),
            now,
        };
        let content_type = body.content_type.clone();
        let bytes = body.bytes;
        // Parsing is CPU work; keep it off the async workers.
        let parsed = tokio::task::spawn_blocking(move || {
            parse_feed(&bytes, content_type.as_deref(), &options)
        })
        .await
        .map_err(|error| Failure::internal(format!("parser task failed: {error}")))?
        .map_err(|error| Failure {
            status: Some(status),
            info: PollFailureInfo {
                class: error.class().to_string(),
                message: error.to_string(),
                retry_after: None,
            },
        })?;

        let trusted = trustworthy_guids(&parsed.items);
        let region_tags = source_region_tags(source);
        let items = parsed
            .items
            .into_iter()
            .zip(trusted)
            .map(|(item, guid_is_trustworthy)| NewItem {
                keys: item_keys(&item, guid_is_trustworthy),
                item,
                regions: region_tags.clone(),
            })
            .collect();
        let summary = self
            .record(PollSuccess {
                source_id: source.id.clone(),
                now,
                status,
                etag: body.etag,
                last_modified: body.last_modified,
                body_hash: Some(body_hash),
                feed_title: parsed.title,
                feed_link: parsed.link,
                items,
            })
            .await?;
        Ok(PollOutcome::Stored(summary))
    }

    async fn record(&self, success: PollSuccess) -> Result<IngestSummary, Failure> {
        self.store
            .record_success(success)
            .await
            .map_err(Failure::store)
    }
}

/// The regions every item of `source` gets from the config.
fn source_region_tags(source: &SourceConfig) -> Vec<RegionTag> {
    source
        .regions
        .iter()
        .map(|slug| RegionTag {
            region: slug.to_string(),
            origin: "source".to_string(),
            evidence: None,
        })
        .collect()
}

fn empty_success(
    source: &SourceConfig,
    now: DateTime<Utc>,
    status: u16,
    body_hash: Option<String>,
) -> PollSuccess {
    PollSuccess {
        source_id: source.id.clone(),
        now,
        status,
        etag: None,
        last_modified: None,
        body_hash,
        feed_title: None,
        feed_link: None,
        items: Vec::new(),
    }
}

/// A failed poll on its way to being recorded.
struct Failure {
    status: Option<u16>,
    info: PollFailureInfo,
}

impl Failure {
    fn store(error: crate::store::StoreError) -> Failure {
        Failure::with_class("store", error.to_string())
    }

    fn internal(message: String) -> Failure {
        Failure::with_class("internal", message)
    }

    fn with_class(class: &str, message: String) -> Failure {
        Failure {
            status: None,
            info: PollFailureInfo {
                class: class.to_string(),
                message,
                retry_after: None,
            },
        }
    }
}

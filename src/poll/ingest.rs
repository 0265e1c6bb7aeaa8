//! One poll of one source, end to end: fetch → decode/parse → identity → store, with the source's state
//! recorded whatever happens.
//!
//! A source is never polled twice at once (a lock per source id), and the number of polls in flight over all
//! sources is bounded by a semaphore. Parsing runs on blocking threads, at most one per CPU: it is CPU work,
//! and a large document's parse tree is the biggest allocation a poll makes, so this bounds memory too.
//! A failure is recorded and reported, never propagated: one bad feed cannot stop the daemon or the other
//! sources.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use url::Url;

mod parsing;
pub use parsing::{item_text, items_to_store};

use crate::classify::tag::Origin;
use crate::config::{Schedule, SourceConfig};
use crate::feed::parse::DateSource;
use crate::metrics::{KindLabel, Metrics, PollLabels};
use crate::poll::fetch::{Fetched, FetchedBody, Fetcher, Freshness, Validators};
use crate::poll::memory::{pace_from_record, pace_to_record, trust_from_record, trust_to_record};
use crate::poll::pace::{PaceObservation, PaceState};
use crate::poll::report::{PollFailureInfo, PollOutcome, PollReport};
use crate::poll::scheduler::{Poller, ResumeState};
use crate::poll::trust::{self, Answer, Asking, TrustState, Verdict};
use crate::store::{
    IngestSummary, NewItem, PaceRecord, PollFailure, PollSuccess, SourceState, Store,
};

/// Polls sources and stores what they return.
pub struct Ingestor {
    /// Swapped whole on reload; a poll keeps the one it started with.
    fetcher: RwLock<Arc<Fetcher>>,
    store: Store,
    in_flight: RwLock<Arc<Semaphore>>,
    /// One permit per CPU for parse + tag work.
    parse_slots: Semaphore,
    source_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    parses: AtomicU64,
    metrics: Arc<Metrics>,
    /// `[poll] revalidate_after`; 0: by the clock (as many answers as span a day).
    revalidate_after: AtomicU32,
}

impl Ingestor {
    /// An ingestor with at most `concurrency` polls in flight.
    pub fn new(fetcher: Fetcher, store: Store, concurrency: usize) -> Ingestor {
        Ingestor {
            fetcher: RwLock::new(Arc::new(fetcher)),
            store,
            in_flight: RwLock::new(Arc::new(Semaphore::new(concurrency.max(1)))),
            parse_slots: Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            ),
            source_locks: Mutex::new(HashMap::new()),
            parses: AtomicU64::new(0),
            metrics: Arc::new(Metrics::new()),
            revalidate_after: AtomicU32::new(0),
        }
    }

    /// Takes `[poll] revalidate_after` (at start and on reload); `None`: as many answers as span a day.
    pub fn set_revalidate_after(&self, revalidate_after: Option<u32>) {
        self.revalidate_after
            .store(revalidate_after.unwrap_or(0), Ordering::Relaxed);
    }

    fn revalidate_after(&self) -> Option<u32> {
        Some(self.revalidate_after.load(Ordering::Relaxed)).filter(|n| *n > 0)
    }

    fn lock_for(&self, source_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.source_locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(source_id.to_string()).or_default().clone()
    }

    /// Takes new fetch settings and a new concurrency limit (config reload). Polls in flight finish with
    /// the old ones; the per-source locks are kept, so a source is still never polled twice at once.
    pub fn reconfigure(&self, fetcher: Fetcher, concurrency: usize) {
        *self.fetcher.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fetcher);
        *self.in_flight.write().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(Semaphore::new(concurrency.max(1)));
    }

    /// The store this ingestor writes to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The metrics this ingestor counts into (shared with the HTTP side's `/metrics`).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// How many bodies were handed to the parser since start (304s and identical bodies are not).
    pub fn parse_count(&self) -> u64 {
        self.parses.load(Ordering::Relaxed)
    }

    /// Polls `source` once and stores the result. Never fails: failures are recorded and reported.
    pub async fn poll(&self, source: &SourceConfig) -> PollReport {
        let report = self.poll_uncounted(source).await;
        self.count(source, &report);
        report
    }

    fn count(&self, source: &SourceConfig, report: &PollReport) {
        let outcome = match &report.outcome {
            PollOutcome::Stored(summary) => {
                self.metrics.count_items("new", summary.new);
                self.metrics.count_items("updated", summary.updated);
                self.metrics.count_items("unchanged", summary.unchanged);
                self.metrics.count_items("tombstoned", summary.tombstoned);
                self.metrics.merges.inc_by(summary.merged as u64);
                for (origin, n) in Origin::ALL.iter().zip(summary.new_tags) {
                    if n > 0 {
                        self.metrics
                            .tags
                            .get_or_create(&KindLabel {
                                kind: origin.to_string(),
                            })
                            .inc_by(n as u64);
                    }
                }
                "stored".to_string()
            }
            PollOutcome::NotModified => "not-modified".to_string(),
            PollOutcome::Unchanged => "unchanged".to_string(),
            PollOutcome::Gone => "gone".to_string(),
            PollOutcome::Failed(failure) => failure.class.clone(),
        };
        let region = if source.regions.is_empty() {
            "national".to_string()
        } else {
            source.regions.join("+")
        };
        self.metrics
            .polls
            .get_or_create(&PollLabels {
                source: source.id.clone(),
                region,
                outcome,
            })
            .inc();
    }

    async fn poll_uncounted(&self, source: &SourceConfig) -> PollReport {
        let lock = self.lock_for(&source.id);
        let _only_poll_of_this_source = lock.lock().await;
        let in_flight = self
            .in_flight
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let _permit = in_flight
            .acquire_owned()
            .await
            .expect("the in-flight semaphore is never closed");
        let now = Utc::now();
        let (state, pace, trust) = match self.memory_of(source).await {
            Ok(memory) => memory,
            Err(error) => {
                return self
                    .report_failure(source, now, 0, Failure::store(error))
                    .await;
            }
        };
        let failures_before = u32::try_from(state.consecutive_failures).unwrap_or(u32::MAX);
        if state.gone_url.as_deref() == Some(source.url.as_str()) {
            return PollReport {
                source_id: source.id.clone(),
                outcome: PollOutcome::Gone,
                consecutive_failures: failures_before,
                observation: None,
            };
        }
        let revalidate_after = trust::revalidate_after(
            self.revalidate_after(),
            planned_interval(source, pace.as_ref(), now),
        );
        let asking = trust.asking(revalidate_after);
        let result = self.poll_inner(source, &state, asking, now).await;
        let last_success = state.last_success;
        self.account(source, (now, last_success), &result, trust, asking)
            .await;
        match result {
            Ok(polled) => {
                log_polled(source, &polled.outcome);
                PollReport {
                    source_id: source.id.clone(),
                    outcome: polled.outcome,
                    consecutive_failures: 0,
                    observation: Some(polled.observation),
                }
            }
            Err(failure) => {
                self.report_failure(source, now, failures_before, failure)
                    .await
            }
        }
    }

    /// The source's stored state, its learned pace and its trust (fresh when its URL changed).
    async fn memory_of(
        &self,
        source: &SourceConfig,
    ) -> Result<(SourceState, Option<PaceRecord>, TrustState), crate::store::StoreError> {
        let state = self
            .store
            .source_state(&source.id)
            .await?
            .unwrap_or_default();
        let (pace, trust) = self.store.pace_and_trust(&source.id).await?;
        // Trust belongs to the server that earned it.
        let trust = if state.url == source.url.as_str() {
            trust_from_record(&trust)
        } else {
            TrustState::default()
        };
        Ok((state, pace, trust))
    }

    /// Counts the request and the items published since the last successful poll (a first poll's
    /// backlog is not the source's pace), and keeps what the answer proved about the validators.
    async fn account(
        &self,
        source: &SourceConfig,
        (now, last_success): (DateTime<Utc>, Option<i64>),
        result: &Result<Polled, Failure>,
        mut trust: TrustState,
        asking: Asking,
    ) {
        let (new_items, trust) = match result {
            Ok(polled) => {
                if let Some(verdict) = trust.after(asking, polled.answer, now.timestamp()) {
                    log_verdict(source, verdict);
                }
                let since = last_success.map(|at| age_at(at, now));
                let fresh = polled
                    .observation
                    .new_item_ages
                    .iter()
                    .filter(|age| since.is_some_and(|since| **age <= since))
                    .count();
                (fresh, Some(trust_to_record(&trust)))
            }
            Err(_) => (0, None),
        };
        if let Err(error) = self
            .store
            .record_request(&source.id, now, new_items, trust)
            .await
        {
            tracing::error!(source = %source.id, %error, "cannot count the request");
        }
    }

    async fn report_failure(
        &self,
        source: &SourceConfig,
        now: DateTime<Utc>,
        failures_before: u32,
        failure: Failure,
    ) -> PollReport {
        let gone = failure.info.class == "gone";
        let record = PollFailure {
            source_id: source.id.clone(),
            now,
            status: failure.status,
            error_class: failure.info.class.clone(),
            error_message: failure.info.message.clone(),
            gone_url: gone.then(|| source.url.to_string()),
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
        PollReport {
            source_id: source.id.clone(),
            outcome: PollOutcome::Failed(failure.info),
            consecutive_failures: failures_before.saturating_add(1),
            observation: None,
        }
    }

    async fn poll_inner(
        &self,
        source: &SourceConfig,
        state: &SourceState,
        asking: Asking,
        now: DateTime<Utc>,
    ) -> Result<Polled, Failure> {
        // Validators and body hash belong to the URL they came from; a changed URL starts afresh.
        let same_url = state.url == source.url.as_str();
        let body = match self
            .fetch(source, state, same_url && asking.send_validators)
            .await?
        {
            Fetched::NotModified(freshness) => {
                let mut success = empty_success(source, now, 304);
                success.moved_to = state.moved_to.clone();
                self.record(success).await?;
                return Ok(Polled::unchanged(
                    PollOutcome::NotModified,
                    Answer::NotModified,
                    freshness,
                ));
            }
            Fetched::Body(body) => *body,
        };
        let moved_to = body.moved_permanently.as_ref().map(Url::to_string);
        if moved_to.is_some() && moved_to != state.moved_to {
            tracing::info!(
                source = %source.id,
                from = %source.url,
                to = moved_to.as_deref().unwrap_or_default(),
                "feed moved permanently; update the source's url in the config"
            );
        }
        let body_hash = hex::encode(&Sha256::digest(&body.bytes)[..16]);
        let status = if source.url.scheme() == "file" {
            0
        } else {
            body.status
        };
        let same_body = same_url && state.body_hash.as_deref() == Some(body_hash.as_str());
        if same_body && asking.use_body_hash {
            let mut success = empty_success(source, now, status);
            success.etag = body.etag;
            success.last_modified = body.last_modified;
            success.moved_to = moved_to;
            self.record(success).await?;
            return Ok(Polled::unchanged(
                PollOutcome::Unchanged,
                Answer::SameBody,
                body.freshness,
            ));
        }
        let same_validators = same_url && same_validators(&body, state);
        let (summary, observation) = self
            .parse_and_store(source, body, body_hash, moved_to, now)
            .await?;
        Ok(Polled {
            answer: Answer::Parsed {
                new_items: summary.new,
                same_body,
                same_validators,
            },
            outcome: PollOutcome::Stored(summary),
            observation,
        })
    }

    /// Parses a fetched body, stores its items and says what the poll saw of the source's pace.
    async fn parse_and_store(
        &self,
        source: &SourceConfig,
        body: FetchedBody,
        body_hash: String,
        moved_to: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(IngestSummary, PaceObservation), Failure> {
        let status = if source.url.scheme() == "file" {
            0
        } else {
            body.status
        };
        // Relative links resolve against the URL that answered (after redirects), unless xml:base says
        // otherwise.
        let to_parse = BodyToParse {
            bytes: body.bytes,
            content_type: body.content_type,
            base_url: body.final_url.clone(),
            status,
        };
        let (parsed, items) = self.parse_and_classify(source, to_parse, now).await?;
        let window_ages = dated_ages(&items, now);
        let window = items.len();
        let hints = parsed.hints;
        let (summary, new_published) = self
            .store
            .record_poll(PollSuccess {
                source_id: source.id.clone(),
                now,
                status,
                etag: body.etag,
                last_modified: body.last_modified,
                body_hash: Some(body_hash),
                feed_title: parsed.title,
                feed_link: parsed.link,
                moved_to,
                items,
            })
            .await
            .map_err(Failure::store)?;
        let observation = PaceObservation {
            new_item_ages: new_published
                .iter()
                .map(|published| age_at(*published, now))
                .collect(),
            window_ages,
            window: Some(window),
            hints: Some(hints),
            freshness: body.freshness,
        };
        Ok((summary, observation))
    }

    /// Fetches the source; conditionally (its stored validators sent) when `send_validators`.
    async fn fetch(
        &self,
        source: &SourceConfig,
        state: &SourceState,
        send_validators: bool,
    ) -> Result<Fetched, Failure> {
        let validators = if send_validators {
            Validators {
                etag: state.etag.clone(),
                last_modified: state.last_modified.clone(),
            }
        } else {
            Validators::default()
        };
        let fetcher = self.fetcher();
        let fetch_started = std::time::Instant::now();
        let fetched = fetcher.fetch(&source.url, &validators).await;
        self.metrics
            .fetch_seconds
            .observe(fetch_started.elapsed().as_secs_f64());
        fetched.map_err(|error| Failure {
            status: error.status(),
            info: PollFailureInfo {
                class: error.class(),
                message: error.to_string(),
                retry_after: error.retry_after(),
            },
        })
    }

    /// The fetcher in use (a reload swaps it; a poll keeps the one it took).
    fn fetcher(&self) -> Arc<Fetcher> {
        self.fetcher
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn record(&self, success: PollSuccess) -> Result<IngestSummary, Failure> {
        self.store
            .record_success(success)
            .await
            .map_err(Failure::store)
    }
}

fn empty_success(source: &SourceConfig, now: DateTime<Utc>, status: u16) -> PollSuccess {
    PollSuccess {
        source_id: source.id.clone(),
        now,
        status,
        etag: None,
        last_modified: None,
        body_hash: None,
        feed_title: None,
        feed_link: None,
        moved_to: None,
        items: Vec::new(),
    }
}

/// A body to parse: what the server answered, and the URL its relative links resolve against.
struct BodyToParse {
    bytes: Vec<u8>,
    content_type: Option<String>,
    base_url: Url,
    /// HTTP status (0 for files).
    status: u16,
}

/// A successful poll on its way to being reported.
struct Polled {
    outcome: PollOutcome,
    /// What the answer was, for the trust in the source's validators.
    answer: Answer,
    observation: PaceObservation,
}

impl Polled {
    /// A poll that found the feed unchanged (304, or an identical body).
    fn unchanged(outcome: PollOutcome, answer: Answer, freshness: Freshness) -> Polled {
        Polled {
            outcome,
            answer,
            observation: PaceObservation {
                freshness,
                ..PaceObservation::default()
            },
        }
    }
}

/// The interval a source is polled at now: its cron's, else the one its pace planned last (the
/// shortest, before any).
fn planned_interval(
    source: &SourceConfig,
    pace: Option<&PaceRecord>,
    now: DateTime<Utc>,
) -> Duration {
    match &source.schedule {
        Schedule::Cron(cron) => cron.interval_near(now),
        Schedule::Auto(bounds) => pace
            .and_then(|pace| pace.interval_secs)
            .and_then(|seconds| u64::try_from(seconds).ok())
            .map_or(bounds.min_interval, Duration::from_secs),
    }
}

/// Whether the answer carries validators and they are the stored ones (the ETag when it has one).
fn same_validators(body: &FetchedBody, state: &SourceState) -> bool {
    match (&body.etag, &body.last_modified) {
        (Some(etag), _) => state.etag.as_deref() == Some(etag.as_str()),
        (None, Some(last_modified)) => {
            state.last_modified.as_deref() == Some(last_modified.as_str())
        }
        (None, None) => false,
    }
}

/// How long before `now` the feed's dated items were published (items without a date of their own
/// say nothing of the feed's pace).
fn dated_ages(items: &[NewItem], now: DateTime<Utc>) -> Vec<Duration> {
    items
        .iter()
        .filter(|item| item.item.date_source == DateSource::Feed)
        .map(|item| age_at(item.item.published.timestamp(), now))
        .collect()
}

fn age_at(published: i64, now: DateTime<Utc>) -> Duration {
    Duration::from_secs(u64::try_from(now.timestamp() - published).unwrap_or(0))
}

fn log_polled(source: &SourceConfig, outcome: &PollOutcome) {
    if let PollOutcome::Stored(summary) = outcome {
        tracing::info!(
            source = %source.id,
            new = summary.new,
            updated = summary.updated,
            unchanged = summary.unchanged,
            tombstoned = summary.tombstoned,
            "polled"
        );
    } else {
        tracing::debug!(source = %source.id, ?outcome, "polled, nothing new");
    }
}

fn log_verdict(source: &SourceConfig, verdict: Verdict) {
    match verdict {
        Verdict::ValidatorsLied(new_items) => tracing::warn!(
            source = %source.id,
            new_items,
            "the server said \"not modified\" but the feed had new items: its ETag/Last-Modified are not trusted; polling without them until they prove right"
        ),
        Verdict::BodyHashLied(new_items) => tracing::warn!(
            source = %source.id,
            new_items,
            "a body identical to the last one held new items: every body is parsed until identical ones prove empty"
        ),
        Verdict::ValidatorsTrustedAgain => tracing::info!(
            source = %source.id,
            "the server's ETag/Last-Modified changed with the feed several times in a row: trusted again"
        ),
        Verdict::BodyHashTrustedAgain => tracing::info!(
            source = %source.id,
            "identical bodies held nothing new several times in a row: the shortcut is trusted again"
        ),
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

impl Poller for Ingestor {
    fn poll(&self, source: &SourceConfig) -> impl Future<Output = PollReport> + Send {
        Ingestor::poll(self, source)
    }

    async fn resume_state(&self, source: &SourceConfig) -> ResumeState {
        let stored = match self.store().source_state(&source.id).await {
            Ok(stored) => stored,
            Err(error) => {
                tracing::warn!(source = %source.id, %error, "cannot read schedule state; starting fresh");
                return ResumeState::default();
            }
        };
        let pace = match self.store().pace_and_trust(&source.id).await {
            Ok((Some(pace), _)) => pace_from_record(&pace),
            Ok((None, _)) => PaceState::default(),
            Err(error) => {
                tracing::warn!(source = %source.id, %error, "cannot read the learned pace; learning afresh");
                PaceState::default()
            }
        };
        match stored {
            Some(state) => ResumeState {
                consecutive_failures: u32::try_from(state.consecutive_failures).unwrap_or(0),
                next_due: state.next_due.and_then(|t| DateTime::from_timestamp(t, 0)),
                gone: state.gone_url.as_deref() == Some(source.url.as_str()),
                pace,
            },
            None => ResumeState {
                pace,
                ..ResumeState::default()
            },
        }
    }

    async fn remember(&self, source_id: &str, next_due: DateTime<Utc>, pace: &PaceState) {
        if let Err(error) = self
            .store()
            .record_plan(source_id, pace_to_record(pace), next_due)
            .await
        {
            tracing::warn!(source = %source_id, %error, "cannot record the next poll time");
        }
    }
}

//! The CPU half of a poll: parsing a body as the source's kind says, reading new list entries' articles,
//! and classifying entries (identity, regions, story fingerprint) on blocking threads, at most one per CPU.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};

use super::{BodyToParse, Failure, Ingestor};
use crate::classify::gazetteer::Gazetteer;
use crate::classify::identity::{identify, trustworthy_guids};
use crate::classify::syndication::story_print;
use crate::classify::tag::{TagInput, tag_item};
use crate::config::SourceConfig;
use crate::feed::listing::parse_body;
use crate::feed::parse::{ParseOptions, ParsedFeed, ParsedItem};
use crate::poll::articles::{ArticleCounts, add_articles};
use crate::poll::report::PollFailureInfo;
use crate::store::NewItem;
use crate::text::plain_text;

impl Ingestor {
    /// Parses a body and classifies its entries (identity, regions, stories) on blocking threads, at
    /// most one per CPU at a time; with `[source.article]`, new entries' pages are read in between.
    pub(super) async fn parse_and_classify(
        &self,
        source: &SourceConfig,
        answer: BodyToParse,
        now: DateTime<Utc>,
    ) -> Result<(ParsedFeed, Vec<NewItem>), Failure> {
        let mut parsed = self.parse(source, answer, now).await?;
        let entries = std::mem::take(&mut parsed.items);
        let (entries, list_hashes) = match &source.article {
            Some(rule) => {
                let with = add_articles(&self.fetcher(), &self.store, source, rule, entries, now)
                    .await
                    .map_err(Failure::store)?;
                self.count_articles(source, with.counts);
                (with.items, Some(with.list_hashes))
            }
            None => (entries, None),
        };
        let mut items = self.classify(source, entries).await?;
        // A list-page source's entries are compared by what the list gave, not by the article read once.
        if let Some(hashes) = list_hashes {
            for (item, hash) in items.iter_mut().zip(hashes) {
                item.identity.content_hash = hash;
            }
        }
        self.warn_left_out(source, &parsed, items.len());
        Ok((parsed, items))
    }

    /// Parses `answer` as the source's kind says (feed, HTML list, JSON list) on a blocking thread.
    async fn parse(
        &self,
        source: &SourceConfig,
        answer: BodyToParse,
        now: DateTime<Utc>,
    ) -> Result<ParsedFeed, Failure> {
        let BodyToParse {
            bytes,
            content_type,
            base_url,
            status,
        } = answer;
        let options = ParseOptions {
            timezone: source.timezone,
            encoding: source.encoding,
            base_url: Some(base_url),
            now,
        };
        self.parses.fetch_add(1, Ordering::Relaxed);
        let kind = source.kind.clone();
        let parsed = self
            .blocking(move || parse_body(&kind, &bytes, content_type.as_deref(), &options))
            .await?;
        parsed.map_err(|error| Failure {
            status: Some(status),
            info: PollFailureInfo {
                class: error.class().to_string(),
                message: error.to_string(),
                retry_after: None,
            },
        })
    }

    /// Identity, regions and story fingerprint of each entry, on a blocking thread.
    async fn classify(
        &self,
        source: &SourceConfig,
        entries: Vec<ParsedItem>,
    ) -> Result<Vec<NewItem>, Failure> {
        let source_id = source.id.clone();
        let source_regions = source.regions.clone();
        let text_tagging = source.text_tagging;
        self.blocking(move || items_to_store(entries, &source_id, &source_regions, text_tagging))
            .await
    }

    /// Runs `work` on a blocking thread once a parse slot (one per CPU) is free.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Failure> {
        let _parse_slot = self
            .parse_slots
            .acquire()
            .await
            .map_err(|error| Failure::internal(format!("parse slots closed: {error}")))?;
        tokio::task::spawn_blocking(work).await.map_err(|error| {
            // A panic in a parsing dependency is still about this document: the source fails with a
            // parse error and backs off; the daemon and the other sources carry on.
            if error.is_panic() {
                Failure::with_class(
                    "parse",
                    format!("the parser panicked on this document: {error}"),
                )
            } else {
                Failure::internal(format!("parser task failed: {error}"))
            }
        })
    }

    fn warn_left_out(&self, source: &SourceConfig, parsed: &ParsedFeed, kept: usize) {
        if parsed.items_unreadable > 0 {
            self.metrics
                .count_items("unreadable", parsed.items_unreadable);
            tracing::warn!(
                source = %source.id,
                kept,
                unreadable = parsed.items_unreadable,
                "entries that could not be read even on their own were left out"
            );
        }
        if parsed.items_without_link > 0 {
            self.metrics
                .count_items("without-link", parsed.items_without_link);
            tracing::warn!(
                source = %source.id,
                kept,
                without_link = parsed.items_without_link,
                "list entries without a web link were left out"
            );
        }
        if parsed.items_left_out > 0 {
            tracing::warn!(
                source = %source.id,
                kept,
                left_out = parsed.items_left_out,
                "feed carries more items than one poll takes; the newest were kept"
            );
        }
    }

    fn count_articles(&self, source: &SourceConfig, counts: ArticleCounts) {
        self.metrics.count_items("article-read", counts.read);
        self.metrics.count_items("article-failed", counts.failed);
        if counts.over_limit > 0 {
            tracing::info!(
                source = %source.id,
                over_limit = counts.over_limit,
                "more new items than max_articles_per_poll: the rest are stored as the list gave them"
            );
        }
    }
}

/// The parsed entries of one feed of source `source_id`, with their identity (keys, id, content hash),
/// region tags and story fingerprint, ready for the store. `source_regions` are the source's configured
/// regions (empty: national); `text_tagging` adds regions found in each item's text (see `tag`).
pub fn items_to_store(
    items: Vec<ParsedItem>,
    source_id: &str,
    source_regions: &[&'static str],
    text_tagging: bool,
) -> Vec<NewItem> {
    let trusted = trustworthy_guids(&items);
    let gazetteer = Gazetteer::builtin();
    items
        .into_iter()
        .zip(trusted)
        .map(|(item, guid_is_trustworthy)| {
            let body = item_text(&item);
            let regions = tag_item(
                gazetteer,
                TagInput {
                    title: &item.title,
                    body: &body,
                    source_regions,
                    text_tagging,
                },
            );
            let story = Some(story_print(&item.title, &body));
            NewItem {
                story,
                identity: identify(source_id, &item, guid_is_trustworthy),
                item,
                regions,
            }
        })
        .collect()
}

/// The plain text an item is tagged and fingerprinted by: its full text, else its summary.
pub fn item_text(item: &ParsedItem) -> String {
    plain_text(
        item.content
            .as_deref()
            .or(item.summary.as_deref())
            .unwrap_or(""),
    )
}

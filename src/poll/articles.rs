//! `[source.article]`: each new item's own page, fetched once through the same host limits as its list
//! (newest items first, at most `max_articles_per_poll` a poll), gives the item its full text and, when
//! the list gave no time, its date. A failed fetch keeps the item as the list gave it, and so does the
//! limit: new items past it are stored without their article (they are not fetched later). An item already
//! stored is never fetched again: when its list entry is edited, the text stored for it stands in.
//!
//! What the store compares an entry with is the hash of what the list itself gave, so reading the
//! article once does not make every later poll look like an edit.

use chrono::{DateTime, Utc};

use crate::classify::identity::{content_hash, identify, trustworthy_guids};
use crate::config::{ArticleRule, SourceConfig};
use crate::feed::article::{ArticlePage, read_article};
use crate::feed::parse::{DateSource, FUTURE_TOLERANCE, ParseOptions, ParsedItem};
use crate::poll::fetch::{Fetched, Fetcher, Validators};
use crate::store::{KnownItem, Store, StoreError};

/// What one poll's article fetches came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ArticleCounts {
    /// Article pages read.
    pub read: usize,
    /// Article pages that could not be fetched or read (their items kept as listed).
    pub failed: usize,
    /// New items past this poll's limit, stored as listed.
    pub over_limit: usize,
}

/// The list's entries with their articles, and the hash of each entry's own data (what the store is to
/// compare, in entry order).
pub struct WithArticles {
    /// The entries, new ones with their article text and date.
    pub items: Vec<ParsedItem>,
    /// The hash of what the list gave for each entry.
    pub list_hashes: Vec<String>,
    /// What the fetches came to.
    pub counts: ArticleCounts,
}

/// Adds article text and dates to `items` of `source` (which has `rule`): fetched for new entries, taken
/// from the store for known ones.
pub async fn add_articles(
    fetcher: &Fetcher,
    store: &Store,
    source: &SourceConfig,
    rule: &ArticleRule,
    mut items: Vec<ParsedItem>,
    now: DateTime<Utc>,
) -> Result<WithArticles, StoreError> {
    let list_hashes: Vec<String> = items.iter().map(content_hash).collect();
    let trusted = trustworthy_guids(&items);
    let keys = items
        .iter()
        .zip(trusted)
        .map(|(item, trusted)| identify(&source.id, item, trusted).key_hashes)
        .collect();
    let known = store.known_items(&source.id, keys).await?;
    let mut new: Vec<usize> = Vec::new();
    for (index, known) in known.into_iter().enumerate() {
        match known {
            KnownItem::New => new.push(index),
            // An edited entry is tagged and matched with the text read for it before.
            KnownItem::Stored {
                content_hash,
                content,
            } if content_hash != list_hashes[index] => {
                if items[index].content.is_none() {
                    items[index].content = content;
                }
            }
            KnownItem::Stored { .. } | KnownItem::Removed => {}
        }
    }
    // Newest first (the list's order among equal times).
    new.sort_by_key(|&index| std::cmp::Reverse(items[index].published));
    let mut counts = ArticleCounts {
        over_limit: new.len().saturating_sub(rule.max_per_poll),
        ..ArticleCounts::default()
    };
    new.truncate(rule.max_per_poll);
    for index in new {
        match fetch_article(fetcher, source, rule, &items[index], now).await {
            Ok(page) => {
                merge(&mut items[index], page, now);
                counts.read += 1;
            }
            Err(reason) => {
                tracing::warn!(
                    source = %source.id,
                    link = items[index].link.as_deref().unwrap_or_default(),
                    %reason,
                    "article page not read; the item keeps what the list gave"
                );
                counts.failed += 1;
            }
        }
    }
    Ok(WithArticles {
        items,
        list_hashes,
        counts,
    })
}

/// Fetches and reads the page of `item`.
pub async fn fetch_article(
    fetcher: &Fetcher,
    source: &SourceConfig,
    rule: &ArticleRule,
    item: &ParsedItem,
    now: DateTime<Utc>,
) -> Result<ArticlePage, String> {
    let link = item.link.as_deref().ok_or("no link")?;
    let url = url::Url::parse(link).map_err(|error| error.to_string())?;
    let body = match fetcher.fetch(&url, &Validators::default()).await {
        Ok(Fetched::Body(body)) => *body,
        Ok(Fetched::NotModified(_)) => return Err("304 to an unconditional request".into()),
        Err(error) => return Err(format!("{}: {error}", error.class())),
    };
    let options = ParseOptions {
        timezone: source.timezone,
        encoding: source.encoding,
        base_url: Some(body.final_url),
        now,
    };
    let rule = rule.clone();
    tokio::task::spawn_blocking(move || {
        read_article(&body.bytes, body.content_type.as_deref(), &rule, &options)
    })
    .await
    .map_err(|error| format!("article reader failed: {error}"))?
    .map_err(|error| error.to_string())
}

/// `page`'s text and date into `item`: the text when the selector matched; the date when the list gave
/// no time of its own (none, a link's day, a relative time, or one in the future).
pub fn merge(item: &mut ParsedItem, page: ArticlePage, now: DateTime<Utc>) {
    if page.content.is_some() {
        item.content = page.content;
    }
    let list_gave_a_time = matches!(item.date_source, DateSource::Feed);
    if let Some(date) = page.date
        && !list_gave_a_time
        && !date.relative
        && date.at <= now + FUTURE_TOLERANCE
    {
        item.published = date.at;
        item.date_source = DateSource::Article;
    }
}

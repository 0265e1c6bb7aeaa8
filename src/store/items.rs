//! The item write path: one poll's entries inserted or updated in one transaction, with their keys,
//! region tags and story links, and the source's state refreshed.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::schema::{next_change_seq, read_version};
use super::stories::{StoryCandidate, StoryIndex};
use super::{Store, StoreError};
use crate::classify::identity::{content_hash, stable_item_id};
use crate::classify::syndication::{AnchorHashes, StoryPrint};
use crate::feed::parse::ParsedItem;

/// One entry to store, with the keys it is known by (strongest first) and its regions.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The parsed entry.
    pub item: ParsedItem,
    /// Identity keys from `identity::item_keys`; never empty.
    pub keys: Vec<String>,
    /// Region tags: (slug, origin, evidence).
    pub regions: Vec<RegionTag>,
    /// Fingerprint for finding the same story from other sources; `None` leaves the item on its own.
    pub story: Option<StoryPrint>,
}

/// One region an item belongs to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionTag {
    /// Region slug.
    pub region: String,
    /// `source`, `dateline`, `title` or `body`.
    pub origin: String,
    /// The text that matched, if any.
    pub evidence: Option<String>,
}

/// Everything one successful poll learned about a source.
#[derive(Debug, Clone)]
pub struct PollSuccess {
    /// Source id.
    pub source_id: String,
    /// When the poll ran.
    pub now: DateTime<Utc>,
    /// HTTP status (0 for files, 304 for not modified).
    pub status: u16,
    /// Validators to send next time (kept when `None`).
    pub etag: Option<String>,
    /// Validators to send next time (kept when `None`).
    pub last_modified: Option<String>,
    /// Hash of the body, to skip parsing an identical body next time.
    pub body_hash: Option<String>,
    /// The feed's title and home page, when parsed.
    pub feed_title: Option<String>,
    /// The feed's home page, when parsed.
    pub feed_link: Option<String>,
    /// Where the feed has moved permanently (301/308), if it has.
    pub moved_to: Option<String>,
    /// The entries, in feed order.
    pub items: Vec<NewItem>,
}

/// What storing a poll changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    /// Items never seen before.
    pub new: usize,
    /// Known items whose text changed upstream.
    pub updated: usize,
    /// Known items, unchanged.
    pub unchanged: usize,
    /// Entries of items that retention removed earlier: not ingested again.
    pub tombstoned: usize,
    /// New items found to repeat another source's story, shown through that story's first item.
    pub merged: usize,
    /// Region tags of the new items, by origin, in the order of [`TAG_ORIGINS`].
    #[serde(skip)]
    pub new_tags: [usize; 4],
    /// Whether anything that output shows changed (items or source titles).
    #[serde(skip)]
    pub changed_data: bool,
}

/// Evidence prefix of a region tag a story's first item got from another source's copy (`via hk`).
pub const BORROWED: &str = "via ";

/// The origins a region tag can have.
pub const TAG_ORIGINS: [&str; 4] = ["source", "dateline", "title", "body"];

impl Store {
    /// Stores one successful poll in one transaction: new items inserted, edited ones updated in place,
    /// the source's state refreshed.
    pub async fn record_success(&self, poll: PollSuccess) -> Result<IngestSummary, StoreError> {
        let version = self.version.clone();
        let stories = self.stories.clone();
        self.write(move |connection| {
            let mut stories = stories.lock().unwrap_or_else(|p| p.into_inner());
            let transaction = connection.transaction()?;
            let mut new_heads = Vec::new();
            let mut summary = store_items(&transaction, &poll, &mut stories, &mut new_heads)?;
            // A new feed title shows in every item's attribution: it changes the output too.
            if let Some(title) = &poll.feed_title {
                let stored: Option<String> = transaction
                    .query_row(
                        "SELECT title FROM sources WHERE id = ?1",
                        params![poll.source_id],
                        |row| row.get(0),
                    )
                    .optional()?
                    .flatten();
                if stored.as_deref() != Some(title.as_str()) && !summary.changed_data {
                    next_change_seq(&transaction, poll.now)?;
                    summary.changed_data = true;
                }
            }
            transaction.execute(
                "INSERT INTO sources (id, url) VALUES (?1, '') ON CONFLICT (id) DO NOTHING",
                params![poll.source_id],
            )?;
            transaction.execute(
                "UPDATE sources SET
                    title = COALESCE(?2, title),
                    site_link = COALESCE(?3, site_link),
                    last_attempt = ?4, last_success = ?4, last_status = ?5,
                    error_class = NULL, error_message = NULL, consecutive_failures = 0,
                    etag = COALESCE(?6, etag), last_modified = COALESCE(?7, last_modified),
                    body_hash = COALESCE(?8, body_hash),
                    items_seen = items_seen + ?9,
                    moved_to = ?10, gone_url = NULL
                 WHERE id = ?1",
                params![
                    poll.source_id,
                    poll.feed_title,
                    poll.feed_link,
                    poll.now.timestamp(),
                    poll.status,
                    poll.etag,
                    poll.last_modified,
                    poll.body_hash,
                    summary.new as i64,
                    poll.moved_to,
                ],
            )?;
            transaction.commit()?;
            // Only committed rows join the index: a rolled-back poll leaves no story head behind.
            stories.extend(new_heads);
            if summary.changed_data {
                let (change_seq, changed_at) = read_version(connection)?;
                version.change_seq.store(change_seq, Ordering::SeqCst);
                version.changed_at.store(changed_at, Ordering::SeqCst);
            }
            Ok(summary)
        })
        .await
    }
}

/// The stored form of an identity key: scoped to its source, hashed to 16 bytes.
pub(super) fn key_hash(source_id: &str, key: &str) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(source_id.as_bytes())
        .chain_update([0x1f])
        .chain_update(key.as_bytes())
        .finalize();
    let mut hash = [0u8; 16];
    hash.copy_from_slice(&digest[..16]);
    hash
}

/// Inserts new items and updates edited ones; runs inside the caller's transaction.
fn store_items(
    connection: &Connection,
    poll: &PollSuccess,
    stories: &mut StoryIndex,
    new_heads: &mut Vec<StoryCandidate>,
) -> Result<IngestSummary, StoreError> {
    let mut summary = IngestSummary::default();
    if poll.items.is_empty() {
        return Ok(summary);
    }
    let mut find_key =
        connection.prepare_cached("SELECT item_id FROM item_keys WHERE key_hash = ?1")?;
    let mut insert_key = connection.prepare_cached(
        "INSERT INTO item_keys (key_hash, item_id) VALUES (?1, ?2)
         ON CONFLICT (key_hash) DO NOTHING",
    )?;
    let mut insert_region = connection.prepare_cached(
        "INSERT INTO item_regions (item_id, region, origin, evidence) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (item_id, region) DO NOTHING",
    )?;
    let mut is_tombstoned =
        connection.prepare_cached("SELECT 1 FROM tombstones WHERE key_hash = ?1")?;
    let mut change_seq: Option<i64> = None;
    let mut changed_data = false;
    let mut index_ready = false;
    let now = poll.now.timestamp();
    for new_item in &poll.items {
        let item = &new_item.item;
        let hash = content_hash(item);
        let mut existing: Option<i64> = None;
        let key_hashes: Vec<[u8; 16]> = new_item
            .keys
            .iter()
            .map(|key| key_hash(&poll.source_id, key))
            .collect();
        for key_hash in &key_hashes {
            existing = find_key
                .query_row(params![key_hash], |row| row.get(0))
                .optional()?;
            if existing.is_some() {
                break;
            }
        }
        if existing.is_none() {
            let mut removed_before = false;
            for key_hash in &key_hashes {
                if is_tombstoned.exists(params![key_hash])? {
                    removed_before = true;
                    break;
                }
            }
            if removed_before {
                summary.tombstoned += 1;
                continue;
            }
        }
        let item_id = match existing {
            Some(item_id) => {
                let stored_hash: String = connection
                    .prepare_cached("SELECT content_hash FROM items WHERE id = ?1")?
                    .query_row(params![item_id], |row| row.get(0))?;
                if stored_hash == hash {
                    summary.unchanged += 1;
                } else {
                    let seq = match change_seq {
                        Some(seq) => seq,
                        None => *change_seq.insert(next_change_seq(connection, poll.now)?),
                    };
                    // A date we invented (first-seen, clamped) never replaces a stored one.
                    connection.prepare_cached(
                        "UPDATE items SET guid = ?2, link = ?3, title = ?4, summary = ?5, content = ?6,
                            author = ?7,
                            published = CASE WHEN ?9 = 'feed' THEN ?8 ELSE published END,
                            date_source = CASE WHEN ?9 = 'feed' THEN ?9 ELSE date_source END,
                            updated = ?10, content_hash = ?11, change_seq = ?12
                         WHERE id = ?1",
                    )?.execute(
                        params![
                            item_id,
                            item.guid,
                            item.link,
                            item.title,
                            item.summary,
                            item.content,
                            item.author,
                            item.published.timestamp(),
                            item.date_source.as_str(),
                            now,
                            hash,
                            seq,
                        ],
                    )?;
                    // An edited title or text may name other places: tags follow the new text
                    // (regions lent by other sources' copies stay).
                    connection
                        .prepare_cached(
                            "DELETE FROM item_regions WHERE item_id = ?1
                             AND (evidence IS NULL OR substr(evidence, 1, 4) <> ?2)",
                        )?
                        .execute(params![item_id, BORROWED])?;
                    for tag in &new_item.regions {
                        insert_region.execute(params![
                            item_id,
                            tag.region,
                            tag.origin,
                            tag.evidence
                        ])?;
                    }
                    summary.updated += 1;
                    changed_data = true;
                }
                item_id
            }
            None => {
                let seq = match change_seq {
                    Some(seq) => seq,
                    None => *change_seq.insert(next_change_seq(connection, poll.now)?),
                };
                let first_key = new_item.keys.first().map(String::as_str).unwrap_or("");
                let uid = stable_item_id(&poll.source_id, first_key);
                let story_id = match &new_item.story {
                    Some(print) => {
                        if !index_ready {
                            stories.cover(connection, poll)?;
                            index_ready = true;
                        }
                        stories.find(
                            connection,
                            &poll.source_id,
                            print,
                            item.published.timestamp(),
                        )?
                    }
                    None => None,
                };
                if story_id.is_some() {
                    summary.merged += 1;
                }
                let (story_hash, story_anchors, story_text) = match &new_item.story {
                    Some(print) => (
                        Some(print.simhash as i64),
                        Some(print.anchors.as_str()),
                        Some(format!("{}\u{1f}{}", print.title, print.lead)),
                    ),
                    None => (None, None, None),
                };
                connection.prepare_cached(
                    "INSERT INTO items (uid, source_id, guid, link, title, summary, content, author,
                        published, date_source, first_seen, content_hash, change_seq,
                        story_id, story_hash, story_anchors, story_text)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                )?.execute(
                    params![
                        uid,
                        poll.source_id,
                        item.guid,
                        item.link,
                        item.title,
                        item.summary,
                        item.content,
                        item.author,
                        item.published.timestamp(),
                        item.date_source.as_str(),
                        now,
                        hash,
                        seq,
                        story_id,
                        story_hash,
                        story_anchors,
                        story_text,
                    ],
                )?;
                summary.new += 1;
                changed_data = true;
                let item_id = connection.last_insert_rowid();
                if let (None, Some(print)) = (story_id, &new_item.story) {
                    new_heads.push(StoryCandidate {
                        id: item_id,
                        source_id: Arc::from(poll.source_id.as_str()),
                        published: item.published.timestamp(),
                        simhash: print.simhash,
                        anchors: AnchorHashes::parse(&print.anchors),
                    });
                }
                for tag in &new_item.regions {
                    insert_region.execute(params![
                        item_id,
                        tag.region,
                        tag.origin,
                        tag.evidence
                    ])?;
                    if let Some(index) = TAG_ORIGINS.iter().position(|o| *o == tag.origin) {
                        summary.new_tags[index] += 1;
                    }
                    // The story is shown through its first item: it lends that item its regions.
                    if let Some(head) = story_id {
                        insert_region.execute(params![
                            head,
                            tag.region,
                            tag.origin,
                            format!("{BORROWED}{}", poll.source_id)
                        ])?;
                    }
                }
                item_id
            }
        };
        // Remember every key this item was seen under; a key that already names another item stays there.
        for key_hash in &key_hashes {
            insert_key.execute(params![key_hash, item_id])?;
        }
    }
    summary.changed_data = changed_data;
    Ok(summary)
}

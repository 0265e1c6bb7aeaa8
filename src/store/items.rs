//! The item write path: one poll's entries inserted or updated in one transaction, with their keys,
//! region tags and story links, and the source's state refreshed.
//!
//! Which stored item an entry is, and its ids and hashes, were computed before (`classify::identity`);
//! here they meet the rows. Steps, per entry: find the item by any of its keys; skip an entry whose keys
//! are tombstoned; insert a new item (joining another source's story when it repeats one) or update an
//! edited one in place; remember every key it was seen under.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::schema::{next_change_seq, read_version};
use super::stories::{StoryCandidate, StoryIndex};
use super::{KeyForm, SourceKeyForm, Store, StoreError};
use crate::classify::identity::{Identity, KeyHash};
use crate::classify::syndication::{AnchorHashes, StoryPrint};
use crate::classify::tag::RegionTag;
use crate::feed::parse::ParsedItem;

/// One entry to store, with its identity (keys, id, content hash), its regions and its story fingerprint.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The parsed entry.
    pub item: ParsedItem,
    /// Which stored item this entry is, from `classify::identity::identify`.
    pub identity: Identity,
    /// Region tags.
    pub regions: Vec<RegionTag>,
    /// Fingerprint for finding the same story from other sources; `None` leaves the item on its own.
    pub story: Option<StoryPrint>,
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
    /// Region tags of the new items, by origin (`Origin as usize`).
    #[serde(skip)]
    pub new_tags: [usize; 4],
    /// Whether anything that output shows changed (items or source titles).
    #[serde(skip)]
    pub changed_data: bool,
}

/// What the store holds for an entry, by its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownItem {
    /// Never seen.
    New,
    /// Stored: its content hash and full text.
    Stored {
        /// The hash stored items are compared by.
        content_hash: String,
        /// The full text kept for it (an article page's text, for a list-page source).
        content: Option<String>,
    },
    /// Removed by retention: it is not stored again.
    Removed,
}

impl Store {
    /// For each key hashes of an entry of `source_id`, what the store holds for it.
    pub async fn known_items(
        &self,
        source_id: &str,
        key_hashes: Vec<Vec<KeyHash>>,
    ) -> Result<Vec<KnownItem>, StoreError> {
        let key_form = self.key_form.of_source(source_id);
        self.read(move |connection| {
            let mut stored = connection
                .prepare_cached("SELECT content_hash, content FROM items WHERE id = ?1")?;
            key_hashes
                .iter()
                .map(|keys| {
                    let keys = &key_form.stored(keys);
                    if let Some(item_id) = look_up_keys(connection, keys)?.item_id {
                        let (content_hash, content) = stored
                            .query_row(params![item_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
                        Ok(KnownItem::Stored {
                            content_hash,
                            content,
                        })
                    } else if any_tombstoned(connection, keys)? {
                        Ok(KnownItem::Removed)
                    } else {
                        Ok(KnownItem::New)
                    }
                })
                .collect()
        })
        .await
    }

    /// Stores one successful poll in one transaction: new items inserted, edited ones updated in place,
    /// the source's state refreshed.
    pub async fn record_success(&self, poll: PollSuccess) -> Result<IngestSummary, StoreError> {
        Ok(self.record_poll(poll).await?.0)
    }

    /// [`Store::record_success`], also saying when each new item was published (unix seconds; the
    /// first-seen time for an item without a date): what `poll::pace` learns a posting rate from.
    pub async fn record_poll(
        &self,
        poll: PollSuccess,
    ) -> Result<(IngestSummary, Vec<i64>), StoreError> {
        let version = self.version.clone();
        let stories = self.stories.clone();
        let key_form = self.key_form;
        self.write(move |connection| {
            let mut stories = stories.lock().unwrap_or_else(|p| p.into_inner());
            let transaction = connection.transaction()?;
            let mut writer = PollWriter::new(&transaction, &poll, &mut stories, key_form);
            let mut summary = writer.store_items()?;
            let new_heads = std::mem::take(&mut writer.new_heads);
            let new_published = std::mem::take(&mut writer.new_published);
            if !summary.changed_data && feed_title_changed(&transaction, &poll)? {
                // A new feed title shows in every item's attribution: it changes the output too.
                next_change_seq(&transaction, poll.now)?;
                summary.changed_data = true;
            }
            record_source_success(&transaction, &poll, summary.new)?;
            transaction.commit()?;
            // Only committed rows join the index: a rolled-back poll leaves no story head behind.
            stories.extend(new_heads);
            if summary.changed_data {
                let (change_seq, changed_at) = read_version(connection)?;
                version.change_seq.store(change_seq, Ordering::SeqCst);
                version.changed_at.store(changed_at, Ordering::SeqCst);
            }
            Ok((summary, new_published))
        })
        .await
    }
}

/// Whether the poll brings a feed title other than the stored one.
fn feed_title_changed(connection: &Connection, poll: &PollSuccess) -> Result<bool, StoreError> {
    let Some(title) = &poll.feed_title else {
        return Ok(false);
    };
    let stored: Option<String> = connection
        .query_row(
            "SELECT title FROM sources WHERE id = ?1",
            params![poll.source_id],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    Ok(stored.as_deref() != Some(title.as_str()))
}

/// The source's state after a successful poll: validators, title, counters; failures cleared.
fn record_source_success(
    connection: &Connection,
    poll: &PollSuccess,
    new_items: usize,
) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO sources (id, url) VALUES (?1, '') ON CONFLICT (id) DO NOTHING",
        params![poll.source_id],
    )?;
    connection.execute(
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
            new_items as i64,
            poll.moved_to,
        ],
    )?;
    Ok(())
}

/// Writes one poll's entries inside the caller's transaction.
struct PollWriter<'a> {
    connection: &'a Connection,
    poll: &'a PollSuccess,
    stories: &'a mut StoryIndex,
    /// Whether `stories` covers this poll's time range yet (loaded on the first story search).
    stories_ready: bool,
    /// The change counter this poll's writes carry, taken on the first write.
    change_seq: Option<i64>,
    /// New items that start a story, to join the story index once the transaction commits.
    new_heads: Vec<StoryCandidate>,
    /// When each new item was published, unix seconds.
    new_published: Vec<i64>,
    /// How the database stores this source's key hashes.
    key_form: SourceKeyForm,
}

impl<'a> PollWriter<'a> {
    fn new(
        connection: &'a Connection,
        poll: &'a PollSuccess,
        stories: &'a mut StoryIndex,
        key_form: KeyForm,
    ) -> PollWriter<'a> {
        PollWriter {
            connection,
            poll,
            stories,
            stories_ready: false,
            change_seq: None,
            new_heads: Vec::new(),
            new_published: Vec::new(),
            key_form: key_form.of_source(&poll.source_id),
        }
    }

    /// Inserts new items and updates edited ones.
    fn store_items(&mut self) -> Result<IngestSummary, StoreError> {
        let mut summary = IngestSummary::default();
        let poll = self.poll;
        for new_item in &poll.items {
            let key_hashes = &self.key_form.stored(&new_item.identity.key_hashes);
            let stored = look_up_keys(self.connection, key_hashes)?;
            let item_id = match stored.item_id {
                Some(item_id) => {
                    if self.update_if_edited(item_id, new_item)? {
                        summary.updated += 1;
                    } else {
                        summary.unchanged += 1;
                    }
                    item_id
                }
                None if any_tombstoned(self.connection, key_hashes)? => {
                    summary.tombstoned += 1;
                    continue;
                }
                None => {
                    let (item_id, merged) = self.insert(new_item)?;
                    summary.new += 1;
                    self.new_published.push(new_item.item.published.timestamp());
                    summary.merged += usize::from(merged);
                    for tag in &new_item.regions {
                        summary.new_tags[tag.origin as usize] += 1;
                    }
                    item_id
                }
            };
            let unstored = key_hashes
                .iter()
                .zip(&stored.key_is_stored)
                .filter(|(_, stored)| !**stored)
                .map(|(key_hash, _)| key_hash);
            remember_keys(self.connection, unstored, item_id)?;
        }
        summary.changed_data = summary.new + summary.updated > 0;
        Ok(summary)
    }

    /// The change counter for this poll's writes: one step per poll that changes anything.
    fn change_seq(&mut self) -> Result<i64, StoreError> {
        match self.change_seq {
            Some(seq) => Ok(seq),
            None => Ok(*self
                .change_seq
                .insert(next_change_seq(self.connection, self.poll.now)?)),
        }
    }

    /// Updates a known item whose text changed upstream; false when nothing changed.
    fn update_if_edited(&mut self, item_id: i64, new_item: &NewItem) -> Result<bool, StoreError> {
        let stored_hash: String = self
            .connection
            .prepare_cached("SELECT content_hash FROM items WHERE id = ?1")?
            .query_row(params![item_id], |row| row.get(0))?;
        if stored_hash == new_item.identity.content_hash {
            return Ok(false);
        }
        let seq = self.change_seq()?;
        let item = &new_item.item;
        // A date we invented or estimated (first-seen, clamped, relative, a link's day) never replaces a
        // stored one; an edit without full text keeps the text stored (a list page's entry whose article
        // page was read once).
        self.connection
            .prepare_cached(
                "UPDATE items SET guid = ?2, link = ?3, title = ?4, summary = ?5,
                    content = COALESCE(?6, content),
                    author = ?7,
                    published = CASE WHEN ?13 THEN ?8 ELSE published END,
                    date_source = CASE WHEN ?13 THEN ?9 ELSE date_source END,
                    updated = ?10, content_hash = ?11, change_seq = ?12
                 WHERE id = ?1",
            )?
            .execute(params![
                item_id,
                item.guid,
                item.link,
                item.title,
                item.summary,
                item.content,
                item.author,
                item.published.timestamp(),
                item.date_source.as_str(),
                self.poll.now.timestamp(),
                new_item.identity.content_hash,
                seq,
                item.date_source.replaces_a_stored_date(),
            ])?;
        // An edited title or text may name other places: tags follow the new text (regions lent by
        // other sources' copies stay).
        self.connection
            .prepare_cached("DELETE FROM item_regions WHERE item_id = ?1 AND lent_by IS NULL")?
            .execute(params![item_id])?;
        insert_tags(self.connection, item_id, &new_item.regions, None)?;
        Ok(true)
    }

    /// Inserts a new item; returns its row id and whether it joined another source's story.
    fn insert(&mut self, new_item: &NewItem) -> Result<(i64, bool), StoreError> {
        let seq = self.change_seq()?;
        let story_id = match &new_item.story {
            Some(print) => self.find_story(print, new_item.item.published.timestamp())?,
            None => None,
        };
        let item_id = insert_item_row(self.connection, self.poll, new_item, story_id, seq)?;
        insert_tags(self.connection, item_id, &new_item.regions, None)?;
        match (story_id, &new_item.story) {
            // The story is shown through its first item: the copy lends that item its regions.
            (Some(head), _) => {
                insert_tags(
                    self.connection,
                    head,
                    &new_item.regions,
                    Some(&self.poll.source_id),
                )?;
            }
            (None, Some(print)) => self.new_heads.push(StoryCandidate {
                id: item_id,
                source_id: Arc::from(self.poll.source_id.as_str()),
                published: new_item.item.published.timestamp(),
                simhash: print.simhash,
                anchors: AnchorHashes::parse(&print.anchors),
            }),
            (None, None) => {}
        }
        Ok((item_id, story_id.is_some()))
    }

    /// The first item of another source's story that `print` repeats, if any.
    fn find_story(
        &mut self,
        print: &StoryPrint,
        published: i64,
    ) -> Result<Option<i64>, StoreError> {
        if !self.stories_ready {
            let earliest = self
                .poll
                .items
                .iter()
                .map(|new| new.item.published.timestamp())
                .min()
                .unwrap_or(published);
            self.stories
                .cover(self.connection, earliest, self.poll.now.timestamp())?;
            self.stories_ready = true;
        }
        self.stories
            .find(self.connection, &self.poll.source_id, print, published)
    }
}

/// What the store knows of an entry's keys: the item the strongest stored key names (keys come strongest
/// first), and which keys are stored at all (those need no write).
struct StoredKeys {
    item_id: Option<i64>,
    key_is_stored: Vec<bool>,
}

/// Looks every key of an entry up once (see [`StoredKeys`]).
fn look_up_keys(connection: &Connection, key_hashes: &[KeyHash]) -> Result<StoredKeys, StoreError> {
    let mut find =
        connection.prepare_cached("SELECT item_id FROM item_keys WHERE key_hash = ?1")?;
    let mut stored = StoredKeys {
        item_id: None,
        key_is_stored: Vec::with_capacity(key_hashes.len()),
    };
    for key_hash in key_hashes {
        let item_id: Option<i64> = find
            .query_row(params![key_hash], |row| row.get(0))
            .optional()?;
        stored.item_id = stored.item_id.or(item_id);
        stored.key_is_stored.push(item_id.is_some());
    }
    Ok(stored)
}

/// Whether retention removed an item known by any of `key_hashes`.
fn any_tombstoned(connection: &Connection, key_hashes: &[KeyHash]) -> Result<bool, StoreError> {
    let mut buried = connection.prepare_cached("SELECT 1 FROM tombstones WHERE key_hash = ?1")?;
    for key_hash in key_hashes {
        if buried.exists(params![key_hash])? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Remembers keys an item was seen under; a key that already names another item stays there.
fn remember_keys<'k>(
    connection: &Connection,
    key_hashes: impl IntoIterator<Item = &'k KeyHash>,
    item_id: i64,
) -> Result<(), StoreError> {
    let mut insert = connection.prepare_cached(
        "INSERT INTO item_keys (key_hash, item_id) VALUES (?1, ?2)
         ON CONFLICT (key_hash) DO NOTHING",
    )?;
    for key_hash in key_hashes {
        insert.execute(params![key_hash, item_id])?;
    }
    Ok(())
}

/// Writes `tags` for `item_id`; `lent_by` names the source whose copy of the story lent them.
fn insert_tags(
    connection: &Connection,
    item_id: i64,
    tags: &[RegionTag],
    lent_by: Option<&str>,
) -> Result<(), StoreError> {
    let mut insert = connection.prepare_cached(
        "INSERT INTO item_regions (item_id, region, origin, evidence, lent_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (item_id, region) DO NOTHING",
    )?;
    for tag in tags {
        insert.execute(params![
            item_id,
            tag.region,
            tag.origin.as_str(),
            tag.evidence,
            lent_by
        ])?;
    }
    Ok(())
}

/// Inserts the row of a new item; returns its row id.
fn insert_item_row(
    connection: &Connection,
    poll: &PollSuccess,
    new_item: &NewItem,
    story_id: Option<i64>,
    change_seq: i64,
) -> Result<i64, StoreError> {
    let item = &new_item.item;
    let story = new_item.story.as_ref();
    connection
        .prepare_cached(
            "INSERT INTO items (uid, source_id, guid, link, title, summary, content, author,
                published, date_source, first_seen, content_hash, change_seq,
                story_id, story_hash, story_anchors, story_text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?
        .execute(params![
            new_item.identity.uid,
            poll.source_id,
            item.guid,
            item.link,
            item.title,
            item.summary,
            item.content,
            item.author,
            item.published.timestamp(),
            item.date_source.as_str(),
            poll.now.timestamp(),
            new_item.identity.content_hash,
            change_seq,
            story_id,
            story.map(|print| print.simhash as i64),
            story.map(|print| print.anchors.as_str()),
            story.map(|print| format!("{}\u{1f}{}", print.title, print.lead)),
        ])?;
    Ok(connection.last_insert_rowid())
}

//! The in-memory index of recent story heads that the cross-source story search runs against.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use crate::classify::syndication::{self, AnchorHashes, PreparedPrint, StoryPrint};

/// A story's first item, as the in-memory index keeps it: what the cheap first test needs (its text is
/// read from the database only for the few heads that pass).
pub(super) struct StoryCandidate {
    pub(super) id: i64,
    pub(super) source_id: Arc<str>,
    pub(super) published: i64,
    pub(super) simhash: u64,
    pub(super) anchors: AnchorHashes,
}

/// The first items of stories published since `covers_from`, in memory, so a poll's story search reads
/// no rows. Filled from SQL once for the time range a poll needs, then kept current by the writer (new
/// heads are added after their poll commits); emptied when retention removes items. Entries older than
/// [`STORY_INDEX_DAYS`] before the newest poll are dropped.
#[derive(Default)]
pub(super) struct StoryIndex {
    covers_from: Option<i64>,
    heads: Vec<StoryCandidate>,
}

/// Days of story heads kept in memory behind the newest poll.
const STORY_INDEX_DAYS: i64 = 10;

impl StoryIndex {
    /// Adds the heads of a poll that committed.
    pub(super) fn extend(&mut self, heads: Vec<StoryCandidate>) {
        self.heads.extend(heads);
    }

    /// Makes sure every head that `poll`'s items could match is in memory.
    /// `earliest` is the oldest publication time of the poll's items and `now` the poll's time, unix
    /// seconds.
    pub(super) fn cover(
        &mut self,
        connection: &Connection,
        earliest: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let window = syndication::WINDOW_HOURS * 3600;
        let needed_from = earliest - window;
        let keep_from = now - STORY_INDEX_DAYS * 86_400;
        match self.covers_from {
            Some(from) if from <= needed_from => {
                if from < keep_from && needed_from >= keep_from {
                    self.heads.retain(|head| head.published >= keep_from);
                    self.covers_from = Some(keep_from);
                }
            }
            _ => {
                let mut statement = connection.prepare_cached(
                    "SELECT id, source_id, published, story_hash, story_anchors FROM items
                     WHERE published >= ?1 AND story_id IS NULL AND story_hash IS NOT NULL",
                )?;
                let mut sources: HashMap<String, Arc<str>> = HashMap::new();
                self.heads = statement
                    .query_map(params![needed_from], |row| {
                        let source: String = row.get(1)?;
                        let anchors: String = row.get(4)?;
                        Ok((
                            row.get(0)?,
                            source,
                            row.get(2)?,
                            row.get::<_, i64>(3)?,
                            anchors,
                        ))
                    })?
                    .map(|row| {
                        row.map(|(id, source, published, simhash, anchors)| StoryCandidate {
                            id,
                            source_id: sources
                                .entry(source)
                                .or_insert_with_key(|source| Arc::from(source.as_str()))
                                .clone(),
                            published,
                            simhash: simhash as u64,
                            anchors: AnchorHashes::parse(&anchors),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                self.covers_from = Some(needed_from);
            }
        }
        Ok(())
    }

    /// The story `print` (of an item of `source_id` published at `published`) repeats: the closest head of
    /// another source within the window that passes `same_story`.
    pub(super) fn find(
        &self,
        connection: &Connection,
        source_id: &str,
        print: &StoryPrint,
        published: i64,
    ) -> Result<Option<i64>, StoreError> {
        let window = syndication::WINDOW_HOURS * 3600;
        let print = PreparedPrint::new(print.clone());
        let mut text = connection.prepare_cached("SELECT story_text FROM items WHERE id = ?1")?;
        let mut best: Option<(u32, i64)> = None;
        for head in &self.heads {
            if &*head.source_id == source_id
                || (head.published - published).abs() > window
                || !print.could_be_same(head.simhash, &head.anchors)
            {
                continue;
            }
            let Some(story_text) = text
                .query_row(params![head.id], |row| row.get::<_, Option<String>>(0))
                .optional()?
                .flatten()
            else {
                continue;
            };
            let (title, lead) = story_text
                .split_once('\u{1f}')
                .unwrap_or((story_text.as_str(), ""));
            let head_print = PreparedPrint::new(StoryPrint {
                simhash: head.simhash,
                anchors: String::new(),
                title: title.to_string(),
                lead: lead.to_string(),
            });
            if print.same_text(&head_print) {
                let distance = syndication::simhash_distance(print.print.simhash, head.simhash);
                if best.is_none_or(|(d, id)| (distance, head.id) < (d, id)) {
                    best = Some((distance, head.id));
                }
            }
        }
        Ok(best.map(|(_, id)| id))
    }
}

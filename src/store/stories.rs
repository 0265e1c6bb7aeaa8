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
///
/// Heads are also listed by the places and numbers their titles name (see [`Listing`]): two items can
/// only be one story when their anchors agree (`AnchorHashes::agree`), so an item is compared only with
/// the heads its anchors can agree with, not with every head of the last days.
#[derive(Default)]
pub(super) struct StoryIndex {
    covers_from: Option<i64>,
    heads: Vec<StoryCandidate>,
    /// Positions in `heads`, by listing.
    listed: HashMap<Listing, Vec<u32>>,
}

/// What a head is listed under. Anchors agree when the places overlap (or either title names none) and
/// the numbers overlap (or either names none); each query below asks for exactly the lists that can hold
/// agreeing heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Listing {
    /// Names this place (for items naming places but no number).
    Place(u64),
    /// Names this number (for items naming numbers but no place).
    Number(u64),
    /// Names no place.
    NoPlaces,
    /// Names no number.
    NoNumbers,
    /// Names this place and this number (for items naming both).
    PlaceAndNumber(u64, u64),
    /// Names this place and no number.
    PlaceWithoutNumbers(u64),
    /// Names this number and no place.
    NumberWithoutPlaces(u64),
    /// Names neither.
    Bare,
}

impl Listing {
    /// Every listing of a head with these anchors.
    fn of_head(anchors: &AnchorHashes) -> Vec<Listing> {
        let (places, numbers) = (anchors.places(), anchors.numbers());
        let mut listings: Vec<Listing> = places.iter().map(|&p| Listing::Place(p)).collect();
        listings.extend(numbers.iter().map(|&n| Listing::Number(n)));
        match (places.is_empty(), numbers.is_empty()) {
            (true, true) => listings.extend([Listing::NoPlaces, Listing::NoNumbers, Listing::Bare]),
            (true, false) => {
                listings.push(Listing::NoPlaces);
                listings.extend(numbers.iter().map(|&n| Listing::NumberWithoutPlaces(n)));
            }
            (false, true) => {
                listings.push(Listing::NoNumbers);
                listings.extend(places.iter().map(|&p| Listing::PlaceWithoutNumbers(p)));
            }
            (false, false) => listings.extend(
                places
                    .iter()
                    .flat_map(|&p| numbers.iter().map(move |&n| Listing::PlaceAndNumber(p, n))),
            ),
        }
        listings
    }

    /// The listings that hold every head whose anchors can agree with `anchors`; `None` when every head
    /// can (the item names neither places nor numbers).
    fn to_search(anchors: &AnchorHashes) -> Option<Vec<Listing>> {
        let (places, numbers) = (anchors.places(), anchors.numbers());
        let mut listings = Vec::new();
        match (places.is_empty(), numbers.is_empty()) {
            (true, true) => return None,
            (true, false) => {
                listings.extend(numbers.iter().map(|&n| Listing::Number(n)));
                listings.push(Listing::NoNumbers);
            }
            (false, true) => {
                listings.extend(places.iter().map(|&p| Listing::Place(p)));
                listings.push(Listing::NoPlaces);
            }
            (false, false) => {
                for &p in places {
                    listings.extend(numbers.iter().map(|&n| Listing::PlaceAndNumber(p, n)));
                    listings.push(Listing::PlaceWithoutNumbers(p));
                }
                listings.extend(numbers.iter().map(|&n| Listing::NumberWithoutPlaces(n)));
                listings.push(Listing::Bare);
            }
        }
        Some(listings)
    }
}

/// Days of story heads kept in memory behind the newest poll.
const STORY_INDEX_DAYS: i64 = 10;
/// How far heads may fall behind [`STORY_INDEX_DAYS`] before they are dropped: dropping re-lists every
/// head, so it is done about once a day, not on every poll.
const PRUNE_SLACK_SECS: i64 = 86_400;

impl StoryIndex {
    /// Adds the heads of a poll that committed.
    pub(super) fn extend(&mut self, heads: Vec<StoryCandidate>) {
        for head in heads {
            let position = u32::try_from(self.heads.len()).unwrap_or(u32::MAX);
            for listing in Listing::of_head(&head.anchors) {
                self.listed.entry(listing).or_default().push(position);
            }
            self.heads.push(head);
        }
    }

    /// Replaces every head (after a reload or a prune), listing them afresh.
    fn replace(&mut self, heads: Vec<StoryCandidate>) {
        self.heads.clear();
        self.listed.clear();
        self.extend(heads);
        self.heads.shrink_to_fit();
        self.listed.shrink_to_fit();
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
                if from < keep_from - PRUNE_SLACK_SECS && needed_from >= keep_from {
                    let mut heads = std::mem::take(&mut self.heads);
                    heads.retain(|head| head.published >= keep_from);
                    self.replace(heads);
                    self.covers_from = Some(keep_from);
                }
            }
            _ => {
                let heads = load_heads(connection, needed_from)?;
                self.replace(heads);
                self.covers_from = Some(needed_from);
            }
        }
        Ok(())
    }

    /// The lists of positions holding every head whose anchors can agree with `anchors` (a head may be in
    /// two); `None` when every head can.
    fn candidates(&self, anchors: &AnchorHashes) -> Option<Vec<&[u32]>> {
        Listing::to_search(anchors).map(|listings| {
            listings
                .iter()
                .filter_map(|listing| self.listed.get(listing).map(Vec::as_slice))
                .collect()
        })
    }

    /// The story `print` (of an item of `source_id` published at `published`) repeats: the closest head of
    /// another source within the window that passes `same_story` (closest by SimHash distance, then the
    /// oldest row). The heads passing the cheap test are read closest first, so the first whose text
    /// agrees is the answer and the rest are never read.
    pub(super) fn find(
        &self,
        connection: &Connection,
        source_id: &str,
        print: &StoryPrint,
        published: i64,
    ) -> Result<Option<i64>, StoreError> {
        let window = syndication::WINDOW_HOURS * 3600;
        let print = PreparedPrint::new(print.clone());
        let positions: Box<dyn Iterator<Item = usize>> = match self.candidates(&print.anchors) {
            None => Box::new(0..self.heads.len()),
            Some(lists) => Box::new(
                lists
                    .into_iter()
                    .flatten()
                    .map(|&position| position as usize),
            ),
        };
        let mut close: Vec<(u32, i64, u64)> = positions
            .map(|position| &self.heads[position])
            .filter(|head| {
                (head.published - published).abs() <= window
                    && print.could_be_same(head.simhash, &head.anchors)
                    && &*head.source_id != source_id
            })
            .map(|head| {
                let distance = syndication::simhash_distance(print.print.simhash, head.simhash);
                (distance, head.id, head.simhash)
            })
            .collect();
        close.sort_unstable();
        close.dedup();
        let mut text = connection.prepare_cached("SELECT story_text FROM items WHERE id = ?1")?;
        for (_, id, simhash) in close {
            let Some(story_text) = text
                .query_row(params![id], |row| row.get::<_, Option<String>>(0))
                .optional()?
                .flatten()
            else {
                continue;
            };
            let (title, lead) = story_text
                .split_once('\u{1f}')
                .unwrap_or((story_text.as_str(), ""));
            let head_print = PreparedPrint::new(StoryPrint {
                simhash,
                anchors: String::new(),
                title: title.to_string(),
                lead: lead.to_string(),
            });
            if print.same_text(&head_print) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }
}

/// The heads of stories published since `from`, from SQL.
fn load_heads(connection: &Connection, from: i64) -> Result<Vec<StoryCandidate>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT id, source_id, published, story_hash, story_anchors FROM items
         WHERE published >= ?1 AND story_id IS NULL AND story_hash IS NOT NULL",
    )?;
    let mut sources: HashMap<String, Arc<str>> = HashMap::new();
    let heads = statement
        .query_map(params![from], |row| {
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
    Ok(heads)
}

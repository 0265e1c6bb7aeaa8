//! What feeds read: items of a selection, newest first, with the other sources' copies of their stories;
//! item counts per region, and each region's items within a time window (the index page's map).

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use serde::Serialize;

use super::{Store, StoreError};
use crate::classify::tag::Origin;

/// An item as published.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredItem {
    /// Our stable id (a UUID).
    pub uid: String,
    /// Source id.
    pub source_id: String,
    /// The source's feed URL.
    pub source_url: Option<String>,
    /// The source's feed title.
    pub source_title: Option<String>,
    /// The source's home page (its feed's own link), if it gave one.
    pub source_site: Option<String>,
    /// Upstream guid.
    pub guid: Option<String>,
    /// Link to the article.
    pub link: Option<String>,
    /// Title.
    pub title: String,
    /// Short text.
    pub summary: Option<String>,
    /// Full text.
    pub content: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Published time, unix seconds.
    pub published: i64,
    /// First seen, unix seconds.
    pub first_seen: i64,
    /// Last upstream edit seen, unix seconds.
    pub updated: Option<i64>,
    /// The item's regions (and those the other sources' copies of its story lent it), strongest origin
    /// first.
    pub regions: Vec<StoredRegion>,
    /// Database row id: the tie-breaker of the paging cursor.
    pub row_id: i64,
    /// Other sources that carried the same story, first seen first.
    pub also_reported_by: Vec<AlsoReported>,
}

/// One region of a stored item, and why it has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRegion {
    /// Region slug.
    pub slug: String,
    /// What put the item in the region (`source`, `dateline`, `title`, `body`).
    #[serde(serialize_with = "origin_as_str")]
    pub origin: Origin,
    /// The place name that matched, if any.
    pub evidence: Option<String>,
    /// The source whose copy of the story gave the region, when another copy's text did.
    pub lent_by: Option<String>,
}

fn origin_as_str<S: serde::Serializer>(origin: &Origin, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(origin.as_str())
}

impl StoredRegion {
    /// A region the item has from its source's configuration.
    pub fn from_source(slug: &str) -> StoredRegion {
        StoredRegion {
            slug: slug.to_string(),
            origin: Origin::Source,
            evidence: None,
            lent_by: None,
        }
    }
}

impl StoredItem {
    /// The slugs of the item's regions.
    pub fn region_slugs(&self) -> impl Iterator<Item = &str> + '_ {
        self.regions.iter().map(|region| region.slug.as_str())
    }
}

/// Another source's copy of a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlsoReported {
    /// Source id.
    pub source_id: String,
    /// The source's title (config title, else the feed's), if known.
    pub source_title: Option<String>,
    /// The copy's link.
    pub link: Option<String>,
}

/// Which items a feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every item.
    All,
    /// Items with no region.
    National,
    /// Items tagged with any of these slugs.
    Regions(Vec<String>),
}

/// What to read for a feed; the rest of the filtering is the caller's `keep`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemQuery {
    /// Which items.
    pub selection: Selection,
    /// Only items published at or after this time (unix seconds).
    pub since: Option<i64>,
    /// Only items older than this cursor: (published, row id); without a row id, items published at
    /// or before that time.
    pub before: Option<(i64, Option<i64>)>,
    /// Only items from these sources (empty: any). Naming sources also shows their copies of stories
    /// other sources carried first, which are otherwise shown only through the first item.
    pub sources: Vec<String>,
    /// Only items whose matching region tag has one of these origins (`source`, `dateline`, `title`,
    /// `body`); empty: any. Applies to region selections and `All` (items with any such tag).
    pub origins: Vec<Origin>,
    /// Most items returned.
    pub limit: usize,
    /// Most rows read while looking for `limit` matches.
    pub scan_limit: usize,
}

impl Default for ItemQuery {
    fn default() -> ItemQuery {
        ItemQuery {
            selection: Selection::All,
            since: None,
            before: None,
            sources: Vec::new(),
            origins: Vec::new(),
            limit: 50,
            scan_limit: 5000,
        }
    }
}

/// Item count and newest item of one region (or `national`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionCount {
    /// Region slug, or `national`.
    pub region: String,
    /// Items tagged with it.
    pub items: i64,
    /// Newest published time, unix seconds.
    pub newest: Option<i64>,
}

/// One region's items within a time window: what the index page's map shades it by.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionActivity {
    /// The group's name: its region's slug, or `national`.
    pub region: String,
    /// Stories (a story carried by several sources counts once) published within the window.
    pub recent: i64,
    /// The newest story's publication time, unix seconds.
    pub newest: i64,
    /// The newest story's title.
    pub newest_title: String,
}

impl Store {
    /// The newest `limit` items of a selection, newest first.
    pub async fn feed_items(
        &self,
        selection: Selection,
        limit: usize,
    ) -> Result<Vec<StoredItem>, StoreError> {
        let query = ItemQuery {
            selection,
            limit,
            ..ItemQuery::default()
        };
        self.query_items(query, |_| true).await
    }

    /// Items matching `query` and `keep`, newest first (published, then insertion order). At most
    /// `query.scan_limit` rows are read, so a filter that matches little cannot make a request read all.
    pub async fn query_items<F>(
        &self,
        query: ItemQuery,
        keep: F,
    ) -> Result<Vec<StoredItem>, StoreError>
    where
        F: Fn(&StoredItem) -> bool + Send + 'static,
    {
        self.read(move |connection| {
            let (filter, values) = item_filter(&query);
            let scan_limit = query.scan_limit.max(query.limit);
            let sql = format!(
                "SELECT i.uid, i.source_id, s.url, s.title, i.guid, i.link, i.title, i.summary,
                        i.content, i.author, i.published, i.first_seen, i.updated,
                        (SELECT group_concat(r.region || char(31) || r.origin || char(31)
                                || coalesce(r.evidence, '') || char(31) || coalesce(r.lent_by, ''),
                                char(30))
                         FROM item_regions r WHERE r.item_id = i.id),
                        i.id, s.site_link
                 FROM items i LEFT JOIN sources s ON s.id = i.source_id
                 {filter}
                 ORDER BY i.published DESC, i.id DESC
                 LIMIT {scan_limit}"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query(params_from_iter(values.iter()))?;
            let mut items = Vec::with_capacity(query.limit.min(512));
            while let Some(row) = rows.next()? {
                let item = stored_item_from_row(row)?;
                if keep(&item) {
                    items.push(item);
                    if items.len() >= query.limit {
                        break;
                    }
                }
            }
            drop(rows);
            add_copies(connection, &mut items)?;
            Ok(items)
        })
        .await
    }

    /// Item count and newest item per region slug, plus `national` for items with no region.
    pub async fn region_counts(&self) -> Result<Vec<RegionCount>, StoreError> {
        self.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT r.region, count(*), max(i.published)
                 FROM item_regions r JOIN items i ON i.id = r.item_id
                 GROUP BY r.region
                 UNION ALL
                 SELECT 'national', count(*), max(i.published) FROM items i
                 WHERE NOT EXISTS (SELECT 1 FROM item_regions r WHERE r.item_id = i.id)",
            )?;
            let counts = statement
                .query_map([], |row| {
                    Ok(RegionCount {
                        region: row.get(0)?,
                        items: row.get(1)?,
                        newest: row.get(2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(counts)
        })
        .await
    }
}

impl Store {
    /// For each `(name, slugs)` group (a region and its sub-regions; `national` for items with no region):
    /// stories tagged with any of `slugs` published in `since..=until`, each counted once, and the newest
    /// story at or before `until` with its title. Groups with no story are left out. One indexed query
    /// per group.
    pub async fn region_activity(
        &self,
        groups: Vec<(String, Vec<String>)>,
        since: i64,
        until: i64,
    ) -> Result<Vec<RegionActivity>, StoreError> {
        self.read(move |connection| {
            let mut activity = Vec::new();
            for (name, slugs) in &groups {
                // With exactly one max() in a query, SQLite takes the bare column (the title) from the
                // row that holds the maximum. Copies of a story (story_id set) count through its first
                // item.
                let selection = if name == crate::regions::NATIONAL {
                    "NOT EXISTS (SELECT 1 FROM item_regions r WHERE r.item_id = i.id)".to_string()
                } else {
                    format!(
                        "i.id IN (SELECT r.item_id FROM item_regions r WHERE r.region IN ({}))",
                        vec!["?"; slugs.len().max(1)].join(", ")
                    )
                };
                let sql = format!(
                    "SELECT sum(i.published >= ?), max(i.published), i.title FROM items i
                     WHERE i.story_id IS NULL AND i.published <= ? AND {selection}
                     HAVING count(*) > 0"
                );
                let mut values: Vec<Value> = vec![since.into(), until.into()];
                if name != crate::regions::NATIONAL {
                    values.extend(slugs.iter().cloned().map(Value::from));
                    if slugs.is_empty() {
                        values.push(String::new().into());
                    }
                }
                let mut statement = connection.prepare_cached(&sql)?;
                let mut rows = statement.query(params_from_iter(values.iter()))?;
                if let Some(row) = rows.next()? {
                    activity.push(RegionActivity {
                        region: name.clone(),
                        recent: row.get(0)?,
                        newest: row.get(1)?,
                        newest_title: row.get(2)?,
                    });
                }
            }
            Ok(activity)
        })
        .await
    }
}

fn stored_item_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    let regions: Option<String> = row.get(13)?;
    Ok(StoredItem {
        uid: row.get(0)?,
        source_id: row.get(1)?,
        source_url: row.get(2)?,
        source_title: row.get(3)?,
        guid: row.get(4)?,
        link: row.get(5)?,
        title: row.get(6)?,
        summary: row.get(7)?,
        content: row.get(8)?,
        author: row.get(9)?,
        published: row.get(10)?,
        first_seen: row.get(11)?,
        updated: row.get(12)?,
        regions: regions.as_deref().map(stored_regions).unwrap_or_default(),
        row_id: row.get(14)?,
        source_site: row.get(15)?,
        also_reported_by: Vec::new(),
    })
}

/// The regions in `joined`: rows split by U+001E, fields (slug, origin, evidence, lent_by; empty for
/// none) by U+001F, as the item query's `group_concat` writes them; strongest origin first.
fn stored_regions(joined: &str) -> Vec<StoredRegion> {
    let non_empty = |field: &str| (!field.is_empty()).then(|| field.to_string());
    let mut regions: Vec<StoredRegion> = joined
        .split('\u{1e}')
        .filter_map(|row| {
            let mut fields = row.split('\u{1f}');
            let slug = fields.next()?.to_string();
            let origin = fields.next()?.parse().ok()?;
            Some(StoredRegion {
                slug,
                origin,
                evidence: fields.next().and_then(non_empty),
                lent_by: fields.next().and_then(non_empty),
            })
        })
        .collect();
    regions.sort_by(|a, b| (a.origin, &a.slug).cmp(&(b.origin, &b.slug)));
    regions
}

/// The `WHERE` clause of a feed query, with its values in order.
fn item_filter(query: &ItemQuery) -> (String, Vec<Value>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let origin_filter = if query.origins.is_empty() {
        String::new()
    } else {
        format!(
            " AND r.origin IN ({})",
            vec!["?"; query.origins.len()].join(", ")
        )
    };
    let origin_values = || {
        query
            .origins
            .iter()
            .map(|origin| Value::from(origin.as_str().to_string()))
    };
    match &query.selection {
        Selection::All => {
            if !query.origins.is_empty() {
                conditions.push(format!(
                    "i.id IN (SELECT r.item_id FROM item_regions r WHERE 1{origin_filter})"
                ));
                values.extend(origin_values());
            }
        }
        // A story's first item carries its copies' regions too (copied when they merged).
        Selection::National => conditions
            .push("NOT EXISTS (SELECT 1 FROM item_regions r WHERE r.item_id = i.id)".into()),
        Selection::Regions(slugs) => {
            conditions.push(format!(
                "i.id IN (SELECT r.item_id FROM item_regions r WHERE r.region IN ({}){origin_filter})",
                vec!["?"; slugs.len().max(1)].join(", ")
            ));
            values.extend(slugs.iter().cloned().map(Value::from));
            if slugs.is_empty() {
                values.push(String::new().into());
            }
            values.extend(origin_values());
        }
    }
    if query.sources.is_empty() {
        conditions.push("i.story_id IS NULL".into());
    }
    if let Some(since) = query.since {
        conditions.push("i.published >= ?".into());
        values.push(since.into());
    }
    match query.before {
        Some((published, Some(id))) => {
            conditions.push("(i.published < ? OR (i.published = ? AND i.id < ?))".into());
            values.extend([published.into(), published.into(), id.into()]);
        }
        Some((published, None)) => {
            conditions.push("i.published <= ?".into());
            values.push(published.into());
        }
        None => {}
    }
    if !query.sources.is_empty() {
        conditions.push(format!(
            "i.source_id IN ({})",
            vec!["?"; query.sources.len()].join(", ")
        ));
        values.extend(query.sources.iter().cloned().map(Value::from));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    (filter, values)
}

/// Fills `also_reported_by` of `items` with the other sources' copies of their stories.
fn add_copies(connection: &Connection, items: &mut [StoredItem]) -> Result<(), StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT m.source_id, s.title, m.link FROM items m LEFT JOIN sources s ON s.id = m.source_id
         WHERE m.story_id = ?1 ORDER BY m.first_seen, m.id",
    )?;
    for item in items {
        item.also_reported_by = statement
            .query_map(params![item.row_id], |row| {
                Ok(AlsoReported {
                    source_id: row.get(0)?,
                    source_title: row.get(1)?,
                    link: row.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(())
}

//! SQLite persistence: the only module that speaks SQL.
//!
//! One writer connection and one reader connection (WAL lets readers run beside the writer), each behind a
//! mutex and used only from `spawn_blocking`, so SQLite never blocks the async workers. Every poll's results
//! are written in one transaction: a crash leaves either all of a poll's items or none. Migrations are
//! embedded and applied in order, tracked by `PRAGMA user_version`.

mod items;
mod pace;
mod queries;
mod retention;
mod schema;
mod sources;
mod stats;
mod stories;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

pub use items::{IngestSummary, KnownItem, NewItem, PollSuccess};
pub use pace::{PaceRecord, SourceWeek, TrustRecord};
pub use queries::{
    AlsoReported, ItemQuery, RegionActivity, RegionCount, Selection, StoredItem, StoredRegion,
};
pub use retention::TOMBSTONE_DAYS;
use schema::{configure, migrate, read_version};
pub use sources::{PollFailure, SourceState};
pub use stats::StoreStats;
use stories::StoryIndex;

use crate::classify::identity::{KeyHash, key_hash};

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file's folder could not be created.
    #[error("cannot create database folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database was written by a newer regionfeed.
    #[error("database schema version {found} is newer than this binary knows ({known})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this binary knows.
        known: i64,
    },
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
    version: Arc<DataVersion>,
    /// Recent first items of stories, for the cross-source story search. Used only under the writer lock.
    stories: Arc<Mutex<StoryIndex>>,
    /// How this database stores key hashes (`meta.key_form`, migration 8).
    key_form: KeyForm,
    path: Arc<PathBuf>,
}

/// How identity key hashes are stored (see `migrations/0008_key_form.sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyForm {
    /// As `classify::identity` computes them (databases that held keys before migration 8).
    AsComputed,
    /// The first 4 bytes replaced by the source's: one source's keys sit together in the B-tree.
    SourcePrefixed,
}

impl KeyForm {
    /// How the keys of `source_id`'s entries are stored (its prefix hashed once, for a whole poll).
    fn of_source(self, source_id: &str) -> SourceKeyForm {
        SourceKeyForm {
            prefix: match self {
                KeyForm::AsComputed => None,
                KeyForm::SourcePrefixed => {
                    let hash = key_hash(source_id, "");
                    Some([hash[0], hash[1], hash[2], hash[3]])
                }
            },
        }
    }
}

/// [`KeyForm`] for one source.
#[derive(Debug, Clone, Copy)]
struct SourceKeyForm {
    /// The source's 4 bytes, when keys are stored by source.
    prefix: Option<[u8; 4]>,
}

impl SourceKeyForm {
    /// The stored form of an entry's key hashes.
    fn stored(self, key_hashes: &[KeyHash]) -> Vec<KeyHash> {
        key_hashes
            .iter()
            .map(|hash| {
                let mut stored = *hash;
                if let Some(prefix) = self.prefix {
                    stored[..4].copy_from_slice(&prefix);
                }
                stored
            })
            .collect()
    }
}

/// The change counter and time of the item data, mirrored in memory so HTTP can answer conditional
/// requests without touching SQLite. This process is the only writer, so the mirror is exact.
#[derive(Debug, Default)]
struct DataVersion {
    change_seq: AtomicI64,
    changed_at: AtomicI64,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets WAL mode and applies migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrate(&mut writer)?;
        // Table statistics for the query planner (which index answers a region feed best depends on how
        // many items a region has); cheap when they are fresh.
        writer.execute_batch("PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002")?;
        let key_form =
            match writer.query_row("SELECT value FROM meta WHERE key = 'key_form'", [], |row| {
                row.get::<_, i64>(0)
            })? {
                1 => KeyForm::SourcePrefixed,
                _ => KeyForm::AsComputed,
            };
        let reader = Connection::open(path)?;
        configure(&reader)?;
        let version = DataVersion::default();
        let (change_seq, changed_at) = read_version(&reader)?;
        version.change_seq.store(change_seq, Ordering::SeqCst);
        version.changed_at.store(changed_at, Ordering::SeqCst);
        Ok(Store {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            version: Arc::new(version),
            stories: Arc::new(Mutex::new(StoryIndex::default())),
            key_form,
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// Size of the database on disk: the main file and its write-ahead log, bytes.
    pub fn database_bytes(&self) -> u64 {
        let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        size(&self.path) + size(Path::new(&wal))
    }

    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let connection = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(|p| p.into_inner());
            work(&mut connection)
        })
        .await
        .map_err(|error| StoreError::Task(error.to_string()))?
    }

    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let connection = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let connection = connection.lock().unwrap_or_else(|p| p.into_inner());
            work(&connection)
        })
        .await
        .map_err(|error| StoreError::Task(error.to_string()))?
    }

    /// The number that grows with every change of what output shows; equal numbers mean equal data.
    /// Read from memory: no database access.
    pub fn change_seq(&self) -> i64 {
        self.version.change_seq.load(Ordering::SeqCst)
    }

    /// When the data behind `change_seq` last changed, unix seconds (0 before any item).
    pub fn changed_at(&self) -> i64 {
        self.version.changed_at.load(Ordering::SeqCst)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|connection| {
            connection.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::identity::identify;
    use crate::classify::tag::{Origin, RegionTag};
    use crate::config::RetentionPolicy;
    use crate::feed::parse::DateSource;
    use crate::feed::parse::ParsedItem;
    use chrono::TimeZone;
    use chrono::{DateTime, Utc};

    fn item(link: &str, title: &str) -> ParsedItem {
        ParsedItem {
            guid: None,
            link: Some(link.to_string()),
            title: title.to_string(),
            summary: Some("正文".into()),
            content: None,
            author: None,
            published: Utc.with_ymd_and_hms(2026, 11, 25, 2, 52, 0).unwrap(),
            date_source: DateSource::Feed,
        }
    }

    fn poll(source_id: &str, items: Vec<ParsedItem>, region: &str) -> PollSuccess {
        PollSuccess {
            source_id: source_id.into(),
            now: Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap(),
            status: 200,
            etag: Some("\"v1\"".into()),
            last_modified: None,
            body_hash: None,
            feed_title: Some("feed".into()),
            feed_link: None,
            moved_to: None,
            items: items
                .into_iter()
                .map(|item| NewItem {
                    story: None,
                    identity: identify(source_id, &item, true),
                    item,
                    regions: vec![RegionTag {
                        region: region.into(),
                        origin: Origin::Source,
                        evidence: None,
                    }],
                })
                .collect(),
        }
    }

    async fn open_temp() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("sub/test.db")).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn items_are_stored_once_and_edits_update_in_place() {
        let (_dir, store) = open_temp().await;
        let first = poll(
            "sx",
            vec![
                item("https://x.cn/1", "山西初雪"),
                item("https://x.cn/2", "太原"),
            ],
            "shanxi",
        );
        let summary = store.record_success(first.clone()).await.unwrap();
        assert_eq!((summary.new, summary.updated, summary.unchanged), (2, 0, 0));
        let again = store.record_success(first).await.unwrap();
        assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 2));
        let before = store
            .feed_items(Selection::Regions(vec!["shanxi".into()]), 10)
            .await
            .unwrap();

        let edited = poll("sx", vec![item("https://x.cn/1", "山西晋中初雪")], "shanxi");
        let summary = store.record_success(edited).await.unwrap();
        assert_eq!((summary.new, summary.updated, summary.unchanged), (0, 1, 0));
        let after = store
            .feed_items(Selection::Regions(vec!["shanxi".into()]), 10)
            .await
            .unwrap();
        assert_eq!(after.len(), 2);
        let edited_item = after.iter().find(|i| i.title == "山西晋中初雪").unwrap();
        let original = before.iter().find(|i| i.title == "山西初雪").unwrap();
        assert_eq!(edited_item.uid, original.uid);
        assert!(edited_item.updated.is_some());
        let slugs: Vec<&str> = edited_item.region_slugs().collect();
        assert_eq!(slugs, ["shanxi"]);
    }

    #[tokio::test]
    async fn selections_filter_by_region_and_national() {
        let (_dir, store) = open_temp().await;
        store
            .record_success(poll("sx", vec![item("https://x.cn/1", "a")], "shanxi"))
            .await
            .unwrap();
        store
            .record_success(poll("sn", vec![item("https://x.cn/2", "b")], "shaanxi"))
            .await
            .unwrap();
        let mut national = poll("cn", vec![item("https://x.cn/3", "c")], "x");
        national.items[0].regions.clear();
        store.record_success(national).await.unwrap();
        let titles =
            |items: Vec<StoredItem>| items.into_iter().map(|i| i.title).collect::<Vec<_>>();
        assert_eq!(
            titles(
                store
                    .feed_items(Selection::Regions(vec!["shanxi".into()]), 10)
                    .await
                    .unwrap()
            ),
            vec!["a"]
        );
        assert_eq!(
            titles(store.feed_items(Selection::National, 10).await.unwrap()),
            vec!["c"]
        );
        assert_eq!(store.feed_items(Selection::All, 10).await.unwrap().len(), 3);
        assert_eq!(store.feed_items(Selection::All, 2).await.unwrap().len(), 2);
        let counts = store.region_counts().await.unwrap();
        let published = Utc
            .with_ymd_and_hms(2026, 11, 25, 2, 52, 0)
            .unwrap()
            .timestamp();
        for region in ["national", "shanxi", "shaanxi"] {
            let expected = RegionCount {
                region: region.into(),
                items: 1,
                newest: Some(published),
            };
            assert!(counts.contains(&expected), "{region}: {counts:?}");
        }
    }

    #[tokio::test]
    async fn failures_and_successes_update_source_state() {
        let (_dir, store) = open_temp().await;
        store
            .sync_sources(vec![("sx".into(), "https://x.cn/rss".into())])
            .await
            .unwrap();
        let failure = PollFailure {
            source_id: "sx".into(),
            now: Utc::now(),
            status: Some(503),
            error_class: "http-5xx".into(),
            error_message: "HTTP 503".into(),
            gone_url: None,
        };
        store.record_failure(failure.clone()).await.unwrap();
        store.record_failure(failure).await.unwrap();
        let state = store.source_state("sx").await.unwrap().unwrap();
        assert_eq!(state.consecutive_failures, 2);
        assert_eq!(state.error_class.as_deref(), Some("http-5xx"));
        store
            .record_success(poll("sx", vec![], "shanxi"))
            .await
            .unwrap();
        let state = store.source_state("sx").await.unwrap().unwrap();
        assert_eq!((state.consecutive_failures, state.error_class), (0, None));
        assert_eq!(state.etag.as_deref(), Some("\"v1\""));
        assert_eq!(state.url, "https://x.cn/rss");
    }

    #[tokio::test]
    async fn reopening_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.db");
        {
            let store = Store::open(&path).unwrap();
            store
                .record_success(poll("sx", vec![item("https://x.cn/1", "a")], "shanxi"))
                .await
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.feed_items(Selection::All, 10).await.unwrap().len(), 1);
        assert!(store.change_seq() >= 1);
        assert!(store.changed_at() > 0);
    }

    fn dated_item(n: i64, days_ago: i64, now: DateTime<Utc>) -> ParsedItem {
        ParsedItem {
            published: now - chrono::Duration::days(days_ago),
            ..item(&format!("https://x.cn/{n}"), &format!("新闻{n}"))
        }
    }

    #[tokio::test]
    async fn keys_are_stored_by_source_in_new_databases_and_as_computed_in_older_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.db");
        let entry = item("https://x.cn/1", "新闻1");
        let computed = identify("s", &entry, true).key_hashes;
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.key_form, KeyForm::SourcePrefixed);
            store
                .record_success(poll("s", vec![entry.clone()], "shanxi"))
                .await
                .unwrap();
        }
        // The same item as a database from before migration 8 holds it: its keys as computed.
        {
            let connection = Connection::open(&path).unwrap();
            connection.execute("DELETE FROM item_keys", []).unwrap();
            for key in &computed {
                connection
                    .execute(
                        "INSERT INTO item_keys (key_hash, item_id) SELECT ?1, id FROM items",
                        rusqlite::params![key],
                    )
                    .unwrap();
            }
            connection
                .execute("DELETE FROM meta WHERE key = 'key_form'", [])
                .unwrap();
            connection.pragma_update(None, "user_version", 7).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.key_form, KeyForm::AsComputed);
        let again = store
            .record_success(poll("s", vec![entry], "shanxi"))
            .await
            .unwrap();
        assert_eq!((again.new, again.unchanged), (0, 1));
        let new_entry = store
            .record_success(poll("s", vec![item("https://x.cn/2", "新闻2")], "shanxi"))
            .await
            .unwrap();
        assert_eq!(new_entry.new, 1);
    }

    #[tokio::test]
    async fn retention_keeps_limits_and_the_per_source_minimum_and_buries_keys() {
        let (_dir, store) = open_temp().await;
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        // Source "busy": 30 items in shanxi, one per day. Source "quiet": 3 old items in shanxi.
        let busy: Vec<ParsedItem> = (0..30).map(|n| dated_item(n, n, now)).collect();
        let quiet: Vec<ParsedItem> = (100..103).map(|n| dated_item(n, 200, now)).collect();
        let mut busy_poll = poll("busy", busy.clone(), "shanxi");
        busy_poll.now = now;
        store.record_success(busy_poll.clone()).await.unwrap();
        let mut quiet_poll = poll("quiet", quiet.clone(), "shanxi");
        quiet_poll.now = now;
        store.record_success(quiet_poll.clone()).await.unwrap();
        let seq_before = store.change_seq();

        let policy = RetentionPolicy {
            max_age_days: 20,
            max_per_region: 25,
            min_per_source: 2,
            batch: 4,
        };
        let removed = store.apply_retention(policy, now).await.unwrap();
        let left = store.feed_items(Selection::All, 100).await.unwrap();
        let titles: Vec<&str> = left.iter().map(|i| i.title.as_str()).collect();
        // busy keeps days 0–20 (older than 20 days goes; within 25 per region); quiet's items are 200
        // days old but the newest 2 of every source stay.
        assert_eq!(removed, 9 + 1, "{titles:?}");
        assert_eq!(left.len(), 21 + 2);
        assert!(titles.contains(&"新闻20") && !titles.contains(&"新闻21"));
        assert!(
            titles.contains(&"新闻102")
                && titles.contains(&"新闻101")
                && !titles.contains(&"新闻100")
        );
        assert!(
            store.change_seq() > seq_before,
            "removals change the output"
        );

        // Upstream still lists the removed items: they stay removed.
        let again = store.record_success(busy_poll).await.unwrap();
        assert_eq!((again.new, again.tombstoned, again.unchanged), (0, 9, 21));
        let again = store.record_success(quiet_poll).await.unwrap();
        assert_eq!((again.new, again.tombstoned), (0, 1));
        assert_eq!(
            store.feed_items(Selection::All, 100).await.unwrap().len(),
            23
        );

        // A region cap: at most 5 per region, still at least 2 per source.
        let capped = RetentionPolicy {
            max_age_days: 3650,
            max_per_region: 5,
            ..policy
        };
        store.apply_retention(capped, now).await.unwrap();
        let left = store.feed_items(Selection::All, 100).await.unwrap();
        let from = |source: &str| left.iter().filter(|i| i.source_id == source).count();
        assert_eq!((from("busy"), from("quiet")), (5, 2));

        // SQLite does not enforce the references (`schema::configure`): retention removed what pointed
        // at the items it removed.
        let dangling: i64 = store
            .write(|connection| {
                Ok(connection.query_row(
                    "SELECT count(*) FROM pragma_foreign_key_check",
                    [],
                    |row| row.get(0),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(dangling, 0);
    }

    /// A poll of `source_id` with one item carrying its story fingerprint.
    fn story_poll(
        source_id: &str,
        link: &str,
        title: &str,
        lead: &str,
        published_day: u32,
    ) -> PollSuccess {
        let mut item = item(link, title);
        item.summary = Some(lead.to_string());
        item.published = Utc
            .with_ymd_and_hms(2026, 10, published_day, 2, 0, 0)
            .unwrap();
        let mut poll = poll(source_id, vec![item], "shanxi");
        poll.now = Utc
            .with_ymd_and_hms(2026, 10, published_day, 3, 0, 0)
            .unwrap();
        let story = crate::classify::syndication::story_print(title, lead);
        poll.items[0].story = Some(story);
        poll
    }

    #[tokio::test]
    async fn copies_are_shown_through_the_first_item_and_leave_with_it() {
        let (_dir, store) = open_temp().await;
        let lead = "中新网太原10月1日电 太原市政府1日发布冬季供暖方案，全市供暖将提前五天开始。";
        let first = story_poll(
            "wire",
            "https://a.example.cn/1",
            "太原发布冬季供暖方案",
            lead,
            1,
        );
        let copy = story_poll(
            "copy",
            "https://b.example.cn/1",
            "山西太原发布冬季供暖方案",
            lead,
            1,
        );
        let other = story_poll(
            "copy",
            "https://b.example.cn/2",
            "大同发布冬季供暖方案",
            &lead.replace("太原", "大同"),
            1,
        );
        assert_eq!(store.record_success(first).await.unwrap().merged, 0);
        assert_eq!(store.record_success(copy.clone()).await.unwrap().merged, 1);
        assert_eq!(store.record_success(other).await.unwrap().merged, 0);
        let shown = store.feed_items(Selection::All, 10).await.unwrap();
        let titles: Vec<&str> = shown.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, vec!["大同发布冬季供暖方案", "太原发布冬季供暖方案"]);
        assert_eq!(shown[1].also_reported_by.len(), 1);
        assert_eq!(shown[1].also_reported_by[0].source_id, "copy");

        // Retention removes the first item (old) but keeps the newer look-alike: the copy goes too and
        // stays buried, instead of coming back as a story of its own.
        let newer = story_poll(
            "wire",
            "https://a.example.cn/2",
            "其他新闻",
            "其他内容。",
            20,
        );
        store.record_success(newer).await.unwrap();
        let policy = RetentionPolicy {
            max_age_days: 10,
            max_per_region: 100,
            min_per_source: 1,
            batch: 10,
        };
        let now = Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap();
        let removed = store.apply_retention(policy, now).await.unwrap();
        let left: Vec<String> = store
            .query_items(
                ItemQuery {
                    sources: vec!["copy".into(), "wire".into()],
                    limit: 10,
                    ..ItemQuery::default()
                },
                |_| true,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.title)
            .collect();
        assert_eq!(removed, 2, "{left:?}");
        assert_eq!(left, vec!["其他新闻", "大同发布冬季供暖方案"]);
        let again = store.record_success(copy).await.unwrap();
        assert_eq!((again.new, again.tombstoned), (0, 1));
    }

    #[tokio::test]
    async fn migration_6_turns_via_evidence_into_lent_by() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        {
            let connection = Connection::open(&path).unwrap();
            for sql in &schema::MIGRATIONS[..5] {
                connection.execute_batch(sql).unwrap();
            }
            connection.pragma_update(None, "user_version", 5).unwrap();
            connection
                .execute_batch(
                    "INSERT INTO items (id, uid, source_id, title, published, date_source, first_seen,
                        content_hash, change_seq) VALUES (1, 'u', 'wire', 't', 0, 'feed', 0, 'h', 1);
                     INSERT INTO item_regions VALUES (1, 'shanxi', 'source', NULL);
                     INSERT INTO item_regions VALUES (1, 'beijing', 'dateline', 'via copy');",
                )
                .unwrap();
        }
        drop(Store::open(&path).unwrap());
        let connection = Connection::open(&path).unwrap();
        let rows: Vec<(String, Option<String>, Option<String>)> = connection
            .prepare("SELECT region, evidence, lent_by FROM item_regions ORDER BY region")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                ("beijing".to_string(), None, Some("copy".to_string())),
                ("shanxi".to_string(), None, None)
            ]
        );
    }

    #[tokio::test]
    async fn an_edit_rewrites_the_items_own_tags_and_keeps_lent_ones() {
        let (_dir, store) = open_temp().await;
        let lead = "中新网太原10月1日电 太原市政府1日发布冬季供暖方案，全市供暖将提前五天开始。";
        let first = story_poll(
            "wire",
            "https://a.example.cn/1",
            "太原发布冬季供暖方案",
            lead,
            1,
        );
        let mut copy = story_poll(
            "copy",
            "https://b.example.cn/1",
            "太原发布冬季供暖方案",
            lead,
            1,
        );
        copy.items[0].regions[0].region = "beijing".into();
        store.record_success(first).await.unwrap();
        assert_eq!(store.record_success(copy).await.unwrap().merged, 1);
        let titles_in = |slug: &str| {
            let store = store.clone();
            let slug = slug.to_string();
            async move {
                store
                    .feed_items(Selection::Regions(vec![slug]), 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|item| item.title)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            titles_in("beijing").await,
            ["太原发布冬季供暖方案"],
            "lent by the copy"
        );
        // Upstream edits the first item; its text now names another region.
        let mut edited = story_poll(
            "wire",
            "https://a.example.cn/1",
            "西安发布冬季供暖方案",
            lead,
            1,
        );
        edited.items[0].regions[0].region = "shaanxi".into();
        assert_eq!(store.record_success(edited).await.unwrap().updated, 1);
        assert!(
            titles_in("shanxi").await.is_empty(),
            "its own old tag is gone"
        );
        assert_eq!(titles_in("shaanxi").await, ["西安发布冬季供暖方案"]);
        assert_eq!(
            titles_in("beijing").await,
            ["西安发布冬季供暖方案"],
            "the lent tag stays"
        );
    }

    #[tokio::test]
    async fn the_database_file_stops_growing_under_steady_retention() {
        let (_dir, store) = open_temp().await;
        let policy = RetentionPolicy {
            max_age_days: 20,
            max_per_region: 200,
            min_per_source: 10,
            batch: 100,
        };
        let mut sizes = Vec::new();
        // A month passes between rounds; every round brings 200 new items of ~2 KB.
        for round in 0..14i64 {
            let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
                + chrono::Duration::days(30 * round);
            let items: Vec<ParsedItem> = (0..200)
                .map(|n| {
                    let mut item = dated_item(round * 1000 + n, 0, now);
                    item.summary = Some("正文内容。".repeat(120));
                    item
                })
                .collect();
            let mut poll = poll("busy", items, "shanxi");
            poll.now = now;
            store.record_success(poll).await.unwrap();
            store.apply_retention(policy, now).await.unwrap();
            sizes.push(store.database_bytes());
        }
        // Items are capped at 200 and tombstones expire after 180 days (6 rounds), so from round 9 on the
        // file stays within a few pages of where it was (measured: flat; without tombstone expiry it grows
        // 12 KiB a round; without the WAL checkpoint the WAL alone holds 4 MiB).
        let steady = sizes[9];
        let last = *sizes.last().unwrap();
        assert!(
            last <= steady + 16 * 1024,
            "database grew from {steady} to {last} bytes: {sizes:?}"
        );
        let items = store.feed_items(Selection::All, 1000).await.unwrap();
        assert_eq!(items.len(), 200);
    }
}

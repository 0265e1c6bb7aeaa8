//! Rendered feed bodies, kept in plain and gzip form until the item data changes, and ready-made answers
//! for repeated request lines.
//!
//! Entries belong to one `change_seq`; the first request after a change empties the cache. Concurrent
//! requests for the same missing body wait for a single render (a `OnceCell` per key). Bodies are
//! compressed once, when rendered: never per request. [`AnswerIndex`] maps an exact request line (host,
//! path, query) to its headers and body, so a repeat is answered without parsing the query again.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use tokio::sync::OnceCell;

/// Most bodies kept at once; past this the cache starts afresh (it refills in one render per feed).
const MAX_ENTRIES: usize = 1024;
/// Most bytes of bodies (both encodings) a map refers to; past this it starts afresh too. Without it a
/// crawler walking filtered URLs (each a new body of up to ~100 KB) could hold 1,024 of them.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A rendered body in the encodings we serve.
#[derive(Debug)]
pub struct RenderedBody {
    /// The body as is.
    pub identity: Bytes,
    /// The body gzip-compressed.
    pub gzip: Bytes,
}

impl RenderedBody {
    /// Bytes held, both encodings.
    pub fn len(&self) -> usize {
        self.identity.len() + self.gzip.len()
    }

    /// Compresses `body` once.
    pub fn new(body: String) -> RenderedBody {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(body.as_bytes());
        let gzip = encoder.finish().unwrap_or_default();
        RenderedBody {
            identity: Bytes::from(body),
            gzip: Bytes::from(gzip),
        }
    }
}

/// A map whose entries all belong to one data version: looking up with a newer version empties it, as
/// does reaching [`MAX_ENTRIES`] entries or [`MAX_BODY_BYTES`] of bodies.
struct Generational<V> {
    state: Mutex<GenerationState<V>>,
}

struct GenerationState<V> {
    change_seq: i64,
    entries: HashMap<String, V>,
    body_bytes: usize,
}

impl<V: Clone> Generational<V> {
    fn new() -> Generational<V> {
        Generational {
            state: Mutex::new(GenerationState {
                change_seq: i64::MIN,
                entries: HashMap::new(),
                body_bytes: 0,
            }),
        }
    }

    fn with_current<T>(
        &self,
        change_seq: i64,
        work: impl FnOnce(&mut HashMap<String, V>) -> T,
    ) -> T {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.change_seq != change_seq
            || state.entries.len() >= MAX_ENTRIES
            || state.body_bytes >= MAX_BODY_BYTES
        {
            *state = GenerationState {
                change_seq,
                entries: HashMap::new(),
                body_bytes: 0,
            };
        }
        work(&mut state.entries)
    }

    /// Counts `bytes` of body against the current version's budget.
    fn add_body_bytes(&self, change_seq: i64, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.change_seq == change_seq {
            state.body_bytes += bytes;
        }
    }

    fn get(&self, change_seq: i64, key: &str) -> Option<V> {
        self.with_current(change_seq, |map| map.get(key).cloned())
    }

    fn get_or_default(&self, change_seq: i64, key: &str) -> V
    where
        V: Default,
    {
        self.with_current(change_seq, |map| {
            map.entry(key.to_string()).or_default().clone()
        })
    }

    fn insert(&self, change_seq: i64, key: String, value: V) {
        self.with_current(change_seq, |map| map.insert(key, value));
    }
}

type Slot = Arc<OnceCell<Arc<RenderedBody>>>;

/// The cache of rendered bodies.
pub struct RenderCache {
    bodies: Generational<Slot>,
    hits: AtomicU64,
    renders: AtomicU64,
}

impl Default for RenderCache {
    fn default() -> RenderCache {
        RenderCache {
            bodies: Generational::new(),
            hits: AtomicU64::new(0),
            renders: AtomicU64::new(0),
        }
    }
}

impl RenderCache {
    /// The body for `key` at data version `change_seq`, rendering it with `render` if no request has yet.
    pub async fn get_or_render<F, Fut, E>(
        &self,
        change_seq: i64,
        key: &str,
        render: F,
    ) -> Result<Arc<RenderedBody>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<RenderedBody, E>>,
    {
        let slot = self.bodies.get_or_default(change_seq, key);
        if let Some(body) = slot.get() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(body.clone());
        }
        let body = slot
            .get_or_try_init(|| async {
                self.renders.fetch_add(1, Ordering::Relaxed);
                let body = render().await?;
                self.bodies.add_body_bytes(change_seq, body.len());
                Ok(Arc::new(body))
            })
            .await?;
        Ok(body.clone())
    }

    /// (cache hits, renders) since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.renders.load(Ordering::Relaxed),
        )
    }
}

/// A complete answer to one request line: the response headers (without `Content-Encoding`) and body.
#[derive(Debug)]
pub struct Answer {
    /// `ETag`, `Last-Modified`, `Cache-Control`, `Vary`, `Content-Type`.
    pub headers: HeaderMap,
    /// The body in both encodings.
    pub body: Arc<RenderedBody>,
}

impl Answer {
    /// The strong entity tag, for `If-None-Match`.
    pub fn etag(&self) -> &str {
        self.headers
            .get(header::ETAG)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

/// Answers by exact request line, for the current data version.
pub struct AnswerIndex {
    answers: Generational<Arc<Answer>>,
}

impl Default for AnswerIndex {
    fn default() -> AnswerIndex {
        AnswerIndex {
            answers: Generational::new(),
        }
    }
}

impl AnswerIndex {
    /// The answer stored for `request_line` at data version `change_seq`.
    pub fn get(&self, change_seq: i64, request_line: &str) -> Option<Arc<Answer>> {
        self.answers.get(change_seq, request_line)
    }

    /// Remembers `answer` for `request_line` at data version `change_seq`.
    pub fn insert(&self, change_seq: i64, request_line: String, answer: Arc<Answer>) {
        let bytes = answer.body.len();
        self.answers.insert(change_seq, request_line, answer);
        self.answers.add_body_bytes(change_seq, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[tokio::test]
    async fn renders_once_per_version_and_key() {
        let cache = RenderCache::default();
        let render =
            |text: &'static str| move || async move { Ok::<_, ()>(RenderedBody::new(text.into())) };
        let first = cache.get_or_render(1, "a", render("one")).await.unwrap();
        let again = cache.get_or_render(1, "a", render("two")).await.unwrap();
        assert_eq!(again.identity, first.identity);
        let other_key = cache.get_or_render(1, "b", render("three")).await.unwrap();
        assert_eq!(&other_key.identity[..], b"three");
        let new_version = cache.get_or_render(2, "a", render("four")).await.unwrap();
        assert_eq!(&new_version.identity[..], b"four");
        assert_eq!(cache.counts(), (1, 3));
        let mut inflated = String::new();
        flate2::read::GzDecoder::new(&new_version.gzip[..])
            .read_to_string(&mut inflated)
            .unwrap();
        assert_eq!(inflated, "four");
    }

    #[tokio::test]
    async fn concurrent_requests_render_once() {
        let cache = Arc::new(RenderCache::default());
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_render(1, "slow", || async {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Ok::<_, ()>(RenderedBody::new("body".into()))
                    })
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(&task.await.unwrap().identity[..], b"body");
        }
        assert_eq!(cache.counts().1, 1);
    }

    #[tokio::test]
    async fn bodies_past_the_byte_budget_start_the_cache_afresh() {
        let cache = RenderCache::default();
        let megabyte = || RenderedBody {
            identity: Bytes::from(vec![b'a'; 1024 * 1024]),
            gzip: Bytes::new(),
        };
        let fitting = MAX_BODY_BYTES / (1024 * 1024);
        for key in 0..fitting {
            let body = megabyte();
            cache
                .get_or_render(1, &key.to_string(), || async { Ok::<_, ()>(body) })
                .await
                .unwrap();
        }
        assert_eq!(cache.counts(), (0, fitting as u64));
        // The budget is spent: the next lookup starts afresh, so the first key renders again.
        let body = megabyte();
        cache
            .get_or_render(1, "0", || async { Ok::<_, ()>(body) })
            .await
            .unwrap();
        assert_eq!(cache.counts(), (0, fitting as u64 + 1));
        let held = cache.bodies.state.lock().unwrap().body_bytes;
        assert_eq!(held, 1024 * 1024);
    }
}

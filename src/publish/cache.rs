//! Rendered feed bodies, kept in plain and gzip form until the item data changes.
//!
//! Entries belong to one `change_seq`; the first request after a change empties the cache. Concurrent
//! requests for the same missing body wait for a single render (a `OnceCell` per key). Bodies are
//! compressed once, when rendered: never per request.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::OnceCell;

/// Most bodies kept at once; past this the cache starts afresh (it refills in one render per feed).
const MAX_ENTRIES: usize = 1024;

/// A rendered body in the encodings we serve.
#[derive(Debug)]
pub struct RenderedBody {
    /// The body as is.
    pub identity: Bytes,
    /// The body gzip-compressed.
    pub gzip: Bytes,
}

impl RenderedBody {
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

type Slot = Arc<OnceCell<Arc<RenderedBody>>>;

/// The cache of rendered bodies.
#[derive(Default)]
pub struct RenderCache {
    state: Mutex<(i64, HashMap<String, Slot>)>,
    hits: AtomicU64,
    renders: AtomicU64,
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
        let slot = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if state.0 != change_seq || state.1.len() >= MAX_ENTRIES {
                *state = (change_seq, HashMap::new());
            }
            state.1.entry(key.to_string()).or_default().clone()
        };
        if let Some(body) = slot.get() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(body.clone());
        }
        let body = slot
            .get_or_try_init(|| async {
                self.renders.fetch_add(1, Ordering::Relaxed);
                render().await.map(Arc::new)
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
}

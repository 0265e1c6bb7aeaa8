//! Wiring only: opens the store, starts the HTTP server and the per-source polling loops, applies config
//! reloads, talks to systemd, and stops everything in order. No logic of its own beyond that order.

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{self, Config, RetentionConfig};
use crate::poll::PollReport;
use crate::poll::fetch::{FetchSettings, Fetcher};
use crate::poll::ingest::Ingestor;
use crate::poll::scheduler::{Heartbeat, PollNow, run_heartbeat, spawn_source_loops};
use crate::publish::{PublishState, router};
use crate::store::Store;

/// How long in-flight polls may take to finish after a stop is asked for.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// A running daemon: HTTP server plus polling loops.
pub struct Daemon {
    config: RwLock<Config>,
    local_addr: SocketAddr,
    store: Store,
    ingestor: Arc<Ingestor>,
    publish: Arc<PublishState>,
    polling: Polling,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    loops: tokio::sync::Mutex<SourceLoops>,
    retention_settings: watch::Sender<RetentionConfig>,
    retention: Option<JoinHandle<()>>,
    heartbeat: Option<Arc<Heartbeat>>,
    /// Wakes a source's loop for an operator's refresh; shared with the HTTP side.
    poll_now: Arc<PollNow>,
}

/// The polling loops of the current config, and those of earlier configs still finishing a poll.
struct SourceLoops {
    stop: watch::Sender<bool>,
    current: Vec<JoinHandle<()>>,
    retiring: Vec<JoinHandle<()>>,
}

/// Whether the daemon polls on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polling {
    /// Poll every enabled source soon after start, then by its schedule.
    Scheduled,
    /// Poll only when asked (`Daemon::poll_source`); for tests and tools.
    OnDemand,
}

fn fetcher_for(config: &Config) -> anyhow::Result<Fetcher> {
    Fetcher::new(FetchSettings {
        timeout: config.poll.request_timeout,
        user_agent: config.poll.user_agent.clone(),
        max_body_bytes: config.poll.max_body_bytes,
        host_concurrency: config.poll.host_concurrency,
        host_spacing: config.poll.host_spacing,
    })
    .context("building the HTTP client")
}

fn source_rows(config: &Config) -> Vec<(String, String)> {
    config
        .sources
        .iter()
        .map(|source| (source.id.clone(), source.url.to_string()))
        .collect()
}

/// Opens the database, records the configured sources in it and builds the ingestor for `config`.
pub async fn open(config: &Config) -> anyhow::Result<(Store, Arc<Ingestor>)> {
    let store = Store::open(&config.storage.database)
        .with_context(|| format!("opening database {}", config.storage.database.display()))?;
    store
        .sync_sources(source_rows(config))
        .await
        .context("recording configured sources")?;
    let ingestor = Arc::new(Ingestor::new(
        fetcher_for(config)?,
        store.clone(),
        config.poll.concurrency,
    ));
    ingestor.set_revalidate_after(config.poll.revalidate_after);
    Ok((store, ingestor))
}

/// Starts the daemon on `listener`.
pub async fn start(
    config: Config,
    listener: TcpListener,
    polling: Polling,
) -> anyhow::Result<Daemon> {
    let (store, ingestor) = open(&config).await?;
    let local_addr = listener.local_addr().context("reading the bound address")?;
    let (stop, stopped) = watch::channel(false);

    let heartbeat = match polling {
        Polling::Scheduled => {
            let heartbeat = Arc::new(Heartbeat::default());
            tokio::spawn(run_heartbeat(heartbeat.clone(), stopped.clone()));
            Some(heartbeat)
        }
        Polling::OnDemand => None,
    };
    let poll_now = Arc::new(PollNow::default());
    let publish_state = Arc::new(PublishState::new(
        store.clone(),
        &config.server,
        config.sources.clone(),
        ingestor.metrics(),
        heartbeat.clone(),
        poll_now.clone(),
    ));
    let app = router(publish_state.clone());
    let (retention_settings, retention_watch) = watch::channel(config.retention);
    let retention = match polling {
        Polling::Scheduled => Some(tokio::spawn(retention_loop(
            store.clone(),
            retention_watch,
            stopped.clone(),
        ))),
        Polling::OnDemand => None,
    };
    if polling == Polling::Scheduled {
        tokio::spawn(give_back_memory_loop(ingestor.clone(), stopped.clone()));
    }
    let server = tokio::spawn(crate::server::serve(
        listener,
        app,
        config.server.limits,
        stopped,
    ));

    let (loops_stop, loops_stopped) = watch::channel(false);
    let current = match polling {
        Polling::Scheduled => spawn_source_loops(
            &config.sources,
            &HashSet::new(),
            ingestor.clone(),
            config.poll.startup_spread,
            loops_stopped,
            &poll_now,
        ),
        Polling::OnDemand => Vec::new(),
    };
    tracing::info!(
        address = %local_addr,
        sources = config.enabled_sources().count(),
        database = %config.storage.database.display(),
        "regionfeed started"
    );
    Ok(Daemon {
        config: RwLock::new(config),
        local_addr,
        store,
        ingestor,
        publish: publish_state,
        polling,
        stop,
        server,
        loops: tokio::sync::Mutex::new(SourceLoops {
            stop: loops_stop,
            current,
            retiring: Vec::new(),
        }),
        retention_settings,
        retention,
        heartbeat,
        poll_now,
    })
}

/// Gives the memory that polls freed back to the system (see `memory`), a few seconds after polls ran,
/// until `stop`: a burst of parsing (the first cycle, many sources due at once) would otherwise stay
/// counted against the daemon for its whole life.
async fn give_back_memory_loop(ingestor: Arc<Ingestor>, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(Duration::from_secs(5));
    let mut parses_at_last_trim = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let parses = ingestor.parse_count();
        if parses_at_last_trim != Some(parses) {
            parses_at_last_trim = Some(parses);
            let _ = tokio::task::spawn_blocking(crate::memory::give_back_freed).await;
        }
    }
}

/// Applies the retention policy a minute after start and then every `interval`, until `stop`.
async fn retention_loop(
    store: Store,
    mut settings: watch::Receiver<RetentionConfig>,
    mut stop: watch::Receiver<bool>,
) {
    // The first pass waits a minute, so start-up and the first polls are not slowed down.
    let mut delay = Duration::from_secs(60);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|stop| *stop) => return,
            changed = settings.changed() => {
                if changed.is_err() {
                    return;
                }
                // A reload: wait the new interval from now.
                delay = settings.borrow().interval;
                continue;
            }
        }
        let current = *settings.borrow();
        match store
            .apply_retention(current.policy, chrono::Utc::now())
            .await
        {
            Ok(0) => tracing::debug!("retention: nothing to remove"),
            Ok(removed) => tracing::info!(removed, "retention removed old items"),
            Err(error) => tracing::error!(%error, "retention failed; will try again"),
        }
        delay = current.interval;
    }
}

impl Daemon {
    /// The address the HTTP server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The database handle.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Polls one source now (waiting if it is being polled already). `None` for an unknown id.
    pub async fn poll_source(&self, source_id: &str) -> Option<PollReport> {
        let source = self.config().source(source_id)?.clone();
        Some(self.ingestor.poll(&source).await)
    }

    /// (render cache hits, feed renders) since start.
    pub fn render_counts(&self) -> (u64, u64) {
        self.publish.cache_counts()
    }

    /// How many fetched bodies were parsed since start.
    pub fn parse_count(&self) -> u64 {
        self.ingestor.parse_count()
    }

    /// Polls every enabled source now, concurrently within the configured limit.
    pub async fn poll_all(&self) -> Vec<PollReport> {
        poll_sources(&self.config(), &self.ingestor, None).await
    }

    /// Applies a new, already validated config without a restart: added sources start, removed ones stop
    /// (their items stay), changed ones take their new settings; polls in flight finish. The listen
    /// address and the database path only change with a restart.
    pub async fn reload(&self, mut new: Config) -> anyhow::Result<ReloadSummary> {
        let old = self.config();
        if new.server.listen != old.server.listen {
            tracing::warn!(old = %old.server.listen, new = %new.server.listen, "[server] listen changes only with a restart");
            new.server.listen = old.server.listen;
        }
        if new.storage.database != old.storage.database {
            tracing::warn!(old = %old.storage.database.display(), new = %new.storage.database.display(), "[storage] database changes only with a restart");
            new.storage.database = old.storage.database.clone();
        }
        let fetcher = fetcher_for(&new)?;
        self.store
            .sync_sources(source_rows(&new))
            .await
            .context("recording configured sources")?;
        self.ingestor.reconfigure(fetcher, new.poll.concurrency);
        self.ingestor
            .set_revalidate_after(new.poll.revalidate_after);
        self.publish.reconfigure(&new.server, new.sources.clone());
        let _ = self.retention_settings.send(new.retention);

        let summary = ReloadSummary::between(&old, &new);
        let mut loops = self.loops.lock().await;
        // Old loops stop scheduling; a poll they have in flight finishes and is stored.
        let _ = loops.stop.send(true);
        let finished = std::mem::take(&mut loops.current);
        loops.retiring.retain(|handle| !handle.is_finished());
        loops.retiring.extend(finished);
        if self.polling == Polling::Scheduled {
            let (stop, stopped) = watch::channel(false);
            loops.current = spawn_source_loops(
                &new.sources,
                &summary.unchanged,
                self.ingestor.clone(),
                new.poll.startup_spread,
                stopped,
                &self.poll_now,
            );
            loops.stop = stop;
        }
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = new;
        tracing::info!(
            added = ?summary.added,
            removed = ?summary.removed,
            changed = ?summary.changed,
            "config reloaded"
        );
        Ok(summary)
    }

    /// Stops accepting requests and scheduling polls, lets in-flight polls finish (up to `deadline`), and
    /// waits for the server to close.
    pub async fn shutdown(self, deadline: Duration) -> anyhow::Result<()> {
        tracing::info!("stopping");
        let _ = self.stop.send(true);
        let loops = self.loops.into_inner();
        let _ = loops.stop.send(true);
        let all_loops = loops
            .current
            .into_iter()
            .chain(loops.retiring)
            .chain(self.retention);
        let loops = futures_util::future::join_all(all_loops);
        if tokio::time::timeout(deadline, loops).await.is_err() {
            tracing::warn!(
                ?deadline,
                "polls still running at the deadline were abandoned"
            );
        }
        match tokio::time::timeout(deadline, self.server).await {
            Ok(joined) => joined.context("HTTP server task")?.context("HTTP server")?,
            Err(_) => tracing::warn!("HTTP connections still open at the deadline were dropped"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// What a reload changed, by source id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReloadSummary {
    /// Sources new in this config.
    pub added: Vec<String>,
    /// Sources no longer in the config.
    pub removed: Vec<String>,
    /// Sources whose settings changed.
    pub changed: Vec<String>,
    /// Sources exactly as before: they keep their planned next poll.
    pub unchanged: HashSet<String>,
}

impl ReloadSummary {
    fn between(old: &Config, new: &Config) -> ReloadSummary {
        let mut summary = ReloadSummary::default();
        for source in new.sources.iter() {
            match old.source(&source.id) {
                None => summary.added.push(source.id.clone()),
                Some(before) if before == source => {
                    summary.unchanged.insert(source.id.clone());
                }
                Some(_) => summary.changed.push(source.id.clone()),
            }
        }
        summary.removed = old
            .sources
            .iter()
            .filter(|source| new.source(&source.id).is_none())
            .map(|source| source.id.clone())
            .collect();
        summary
    }
}

/// Polls the enabled sources (or only `only`) concurrently and returns a report for each, in config order.
pub async fn poll_sources(
    config: &Config,
    ingestor: &Arc<Ingestor>,
    only: Option<&str>,
) -> Vec<PollReport> {
    let polls = config
        .enabled_sources()
        .filter(|source| only.is_none_or(|id| id == source.id))
        .map(|source| ingestor.poll(source));
    futures_util::future::join_all(polls).await
}

/// Tells systemd (when started by it) what the daemon is doing; a no-op elsewhere. The datagram is sent
/// without blocking: a notify socket nobody drains must never stall the daemon (it drops the message and
/// logs instead).
fn notify_systemd(state: &[sd_notify::NotifyState<'_>]) {
    let Some(socket_path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let message: String = state.iter().map(|s| format!("{s}\n")).collect();
    if let Err(error) = send_notification(&socket_path, &message) {
        tracing::warn!(%error, message = message.trim_end(), "cannot notify systemd");
    }
}

/// Sends one notify datagram to `socket_path` (a path, or `@name` for an abstract socket) without
/// blocking; a full socket is an error (`WouldBlock`), not a wait.
fn send_notification(socket_path: &std::ffi::OsStr, message: &str) -> std::io::Result<usize> {
    let socket = std::os::unix::net::UnixDatagram::unbound()?;
    socket.set_nonblocking(true)?;
    if let Some(name) = socket_path.as_encoded_bytes().strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        socket.send_to_addr(message.as_bytes(), &address)
    } else {
        socket.send_to(message.as_bytes(), socket_path)
    }
}

/// Sends `WATCHDOG=1` at half the interval systemd asked for, but only while the database answers and
/// the scheduler's heartbeat is recent.
fn spawn_watchdog(store: Store, heartbeat: Option<Arc<Heartbeat>>) -> Option<JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled()?;
    Some(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval / 2);
        loop {
            ticker.tick().await;
            if let Some(heartbeat) = &heartbeat
                && !heartbeat.is_alive()
            {
                tracing::error!(
                    since = ?heartbeat.since_last(),
                    "scheduler has not ticked; withholding the watchdog ping"
                );
                continue;
            }
            match tokio::time::timeout(interval / 2, store.ping()).await {
                Ok(Ok(())) => notify_systemd(&[sd_notify::NotifyState::Watchdog]),
                Ok(Err(error)) => {
                    tracing::error!(%error, "database does not answer; withholding the watchdog ping")
                }
                Err(_) => tracing::error!("database ping timed out; withholding the watchdog ping"),
            }
        }
    }))
}

/// Runs the daemon from the config at `config_path` (already loaded as `config`) until `shutdown`
/// completes. `reload` yields once per reload request (SIGHUP): the file is read again, and a config that
/// does not validate is logged and ignored, leaving the running one in place.
pub async fn run(
    config_path: &Path,
    config: Config,
    shutdown: impl Future<Output = ()>,
    mut reload: impl futures_util::Stream<Item = ()> + Unpin,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("binding {}", config.server.listen))?;
    let daemon = start(config, listener, Polling::Scheduled).await?;
    notify_systemd(&[sd_notify::NotifyState::Ready]);
    let watchdog = spawn_watchdog(daemon.store().clone(), daemon.heartbeat.clone());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(()) = reload.next() => {
                let mut reloading = vec![sd_notify::NotifyState::Reloading];
                if let Ok(now) = sd_notify::NotifyState::monotonic_usec_now() {
                    reloading.push(now);
                }
                notify_systemd(&reloading);
                match config::load(config_path) {
                    Ok(new) => {
                        if let Err(error) = daemon.reload(new).await {
                            tracing::error!(error = format!("{error:#}"), "reload failed; the previous config keeps running");
                        }
                    }
                    Err(error) => tracing::error!(%error, "new config rejected; the previous config keeps running"),
                }
                notify_systemd(&[sd_notify::NotifyState::Ready]);
            }
        }
    }
    notify_systemd(&[sd_notify::NotifyState::Stopping]);
    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    daemon.shutdown(SHUTDOWN_DEADLINE).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_never_block_on_an_undrained_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // Nobody reads: the queue fills, and then sends fail instead of waiting.
        let results: Vec<std::io::Result<usize>> = (0..10_000)
            .map(|_| send_notification(path.as_os_str(), "WATCHDOG=1\n"))
            .collect();
        assert!(results[0].is_ok());
        let refused = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .expect("the queue filled up");
        assert_eq!(refused.kind(), std::io::ErrorKind::WouldBlock);
        let mut buffer = [0u8; 64];
        let length = socket.recv(&mut buffer).unwrap();
        assert_eq!(&buffer[..length], b"WATCHDOG=1\n");
    }

    #[test]
    fn reload_summary_sorts_sources() {
        let base = "[[source]]\nid = \"a\"\nurl = \"http://x/a\"\nregion = \"anhui\"\n\n[[source]]\nid = \"b\"\nurl = \"http://x/b\"\nregion = \"anhui\"\n";
        let new = "[[source]]\nid = \"a\"\nurl = \"http://x/a\"\nregion = \"anhui\"\n\n[[source]]\nid = \"b\"\nurl = \"http://x/b2\"\nregion = \"anhui\"\n\n[[source]]\nid = \"c\"\nurl = \"http://x/c\"\nregion = \"anhui\"\n";
        let path = std::path::Path::new("/tmp/r.toml");
        let old = config::parse(base, path).unwrap();
        let mut new = config::parse(new, path).unwrap();
        let summary = ReloadSummary::between(&old, &new);
        assert_eq!(summary.added, vec!["c"]);
        assert_eq!(summary.changed, vec!["b"]);
        assert!(summary.removed.is_empty());
        assert_eq!(summary.unchanged, HashSet::from(["a".to_string()]));
        std::sync::Arc::make_mut(&mut new.sources).retain(|s| s.id == "c");
        let summary = ReloadSummary::between(&old, &new);
        assert_eq!(summary.removed, vec!["a", "b"]);
    }
}

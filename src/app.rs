//! Wiring only: opens the store, starts the HTTP server and the per-source polling loops, and stops them
//! in order. No logic of its own beyond that order.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::fetch::{FetchSettings, Fetcher};
use crate::ingest::{Ingestor, PollReport};
use crate::publish::{PublishState, router};
use crate::scheduler::spawn_source_loops;
use crate::store::Store;

/// How long in-flight polls may take to finish after a stop is asked for.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// A running daemon: HTTP server plus polling loops.
pub struct Daemon {
    config: Config,
    local_addr: SocketAddr,
    store: Store,
    ingestor: Arc<Ingestor>,
    publish: Arc<PublishState>,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    source_loops: Vec<JoinHandle<()>>,
}

/// Whether the daemon polls on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polling {
    /// Poll every enabled source soon after start, then by its schedule.
    Scheduled,
    /// Poll only when asked (`Daemon::poll_source`); for tests and tools.
    OnDemand,
}

/// Opens the database, records the configured sources in it and builds the ingestor for `config`.
pub async fn open(config: &Config) -> anyhow::Result<(Store, Arc<Ingestor>)> {
    let store = Store::open(&config.storage.database)
        .with_context(|| format!("opening database {}", config.storage.database.display()))?;
    let sources = config
        .sources
        .iter()
        .map(|source| (source.id.clone(), source.url.to_string()))
        .collect();
    store
        .sync_sources(sources)
        .await
        .context("recording configured sources")?;
    let fetcher = Fetcher::new(FetchSettings {
        timeout: config.poll.request_timeout,
        user_agent: config.poll.user_agent.clone(),
        max_body_bytes: config.poll.max_body_bytes,
        host_concurrency: config.poll.host_concurrency,
        host_spacing: config.poll.host_spacing,
    })
    .context("building the HTTP client")?;
    let ingestor = Arc::new(Ingestor::new(
        fetcher,
        store.clone(),
        config.poll.concurrency,
    ));
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

    let publish_state = Arc::new(PublishState::new(
        store.clone(),
        config.server.public_url.clone(),
        config.sources.clone(),
    ));
    let app = router(publish_state.clone());
    // Without TCP_NODELAY small responses wait for the peer's delayed ACK (~40 ms).
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::trace!(%error, "cannot set TCP_NODELAY");
        }
    });
    let mut server_stopped = stopped.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stopped.wait_for(|stop| *stop).await;
            })
            .await
    });

    let source_loops = match polling {
        Polling::Scheduled => spawn_source_loops(
            config.sources.clone(),
            ingestor.clone(),
            config.poll.startup_spread,
            stopped,
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
        config,
        local_addr,
        store,
        ingestor,
        publish: publish_state,
        stop,
        server,
        source_loops,
    })
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

    /// Polls one source now (waiting if it is being polled already). `None` for an unknown id.
    pub async fn poll_source(&self, source_id: &str) -> Option<PollReport> {
        let source = self.config.source(source_id)?;
        Some(self.ingestor.poll(source).await)
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
        poll_sources(&self.config, &self.ingestor, None).await
    }

    /// Stops accepting requests and scheduling polls, lets in-flight polls finish (up to `deadline`), and
    /// waits for the server to close.
    pub async fn shutdown(self, deadline: Duration) -> anyhow::Result<()> {
        tracing::info!("stopping");
        let _ = self.stop.send(true);
        let loops = futures_util::future::join_all(self.source_loops);
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

/// Runs the daemon from `config` until `shutdown` completes.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("binding {}", config.server.listen))?;
    let daemon = start(config, listener, Polling::Scheduled).await?;
    shutdown.await;
    daemon.shutdown(SHUTDOWN_DEADLINE).await
}

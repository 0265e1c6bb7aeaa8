//! Test helpers: a fixture feed server on 127.0.0.1:0 whose feeds the test can change, and an in-process
//! daemon on a temporary database.

#![allow(dead_code)] // Each test binary uses a different part of these helpers.

pub mod html;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing;
use regionfeed::app::{self, Daemon, Polling};
use regionfeed::config;

/// A canned answer of the fixture server.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Extra response headers. An `ETag` here makes a matching `If-None-Match` answer 304.
    pub headers: Vec<(&'static str, String)>,
    /// How long to wait before answering.
    pub delay: std::time::Duration,
    /// When set, the body is sent one byte at a time, this long apart.
    pub trickle: Option<std::time::Duration>,
}

impl Canned {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
            delay: std::time::Duration::ZERO,
            trickle: None,
        }
    }

    pub fn rss(body: &str) -> Canned {
        Canned::new(200, "application/rss+xml; charset=utf-8", body.as_bytes())
    }

    pub fn atom(body: &str) -> Canned {
        Canned::new(200, "application/atom+xml", body.as_bytes())
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Canned {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_delay(mut self, delay: std::time::Duration) -> Canned {
        self.delay = delay;
        self
    }

    /// Sends the body one byte every `interval` (headers at once).
    pub fn trickling(mut self, interval: std::time::Duration) -> Canned {
        self.trickle = Some(interval);
        self
    }
}

/// A feed server on loopback whose answers and request log the test controls.
#[derive(Clone)]
pub struct FixtureServer {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    log: Arc<Mutex<Vec<(String, HeaderMap)>>>,
    in_flight: Arc<Mutex<(usize, usize)>>,
    arrivals: Arc<Mutex<Vec<std::time::Instant>>>,
}

impl FixtureServer {
    pub async fn start() -> FixtureServer {
        let server = FixtureServer {
            base: String::new(),
            routes: Arc::default(),
            log: Arc::default(),
            in_flight: Arc::default(),
            arrivals: Arc::default(),
        };
        let app = Router::new()
            .route("/{*name}", routing::get(serve_fixture))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FixtureServer { base, ..server }
    }

    /// The most requests that were ever in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }

    /// When each request arrived, in order.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.arrivals.lock().unwrap().clone()
    }

    /// The headers of every request to `/{name}`, in order.
    pub fn request_headers(&self, name: &str) -> Vec<HeaderMap> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(path, _)| path == name)
            .map(|(_, headers)| headers.clone())
            .collect()
    }

    /// Serves `canned` at `/{name}` from now on.
    pub fn set(&self, name: &str, canned: Canned) {
        self.routes.lock().unwrap().insert(name.to_string(), canned);
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    /// How many requests `/{name}` received.
    pub fn requests_to(&self, name: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(path, _)| path == name)
            .count()
    }
}

async fn serve_fixture(
    State(server): State<FixtureServer>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    server
        .arrivals
        .lock()
        .unwrap()
        .push(std::time::Instant::now());
    {
        let mut in_flight = server.in_flight.lock().unwrap();
        in_flight.0 += 1;
        in_flight.1 = in_flight.1.max(in_flight.0);
    }
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    server.log.lock().unwrap().push((name.clone(), headers));
    let canned = server.routes.lock().unwrap().get(&name).cloned();
    let response = match canned {
        Some(canned) => {
            tokio::time::sleep(canned.delay).await;
            let etag = canned
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("etag"))
                .map(|(_, value)| value.clone());
            if etag.is_some() && etag == if_none_match {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                let body = match canned.trickle {
                    None => axum::body::Body::from(canned.body),
                    Some(interval) => {
                        let bytes = canned.body;
                        axum::body::Body::from_stream(futures_util::stream::unfold(
                            0,
                            move |sent| {
                                let next = bytes.get(sent).copied();
                                async move {
                                    tokio::time::sleep(interval).await;
                                    next.map(|byte| (Ok::<_, std::io::Error>(vec![byte]), sent + 1))
                                }
                            },
                        ))
                    }
                };
                let mut response = (
                    StatusCode::from_u16(canned.status).unwrap(),
                    [(header::CONTENT_TYPE, canned.content_type)],
                    body,
                )
                    .into_response();
                for (name, value) in canned.headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        }
        None => StatusCode::NOT_FOUND.into_response(),
    };
    server.in_flight.lock().unwrap().0 -= 1;
    response
}

/// The outcome of `source_id`'s poll among `reports` (panics when it was not polled).
pub fn outcome_of(
    reports: &[regionfeed::poll::PollReport],
    source_id: &str,
) -> regionfeed::poll::PollOutcome {
    reports
        .iter()
        .find(|report| report.source_id == source_id)
        .unwrap_or_else(|| panic!("{source_id} was not polled"))
        .outcome
        .clone()
}

/// An output entry's HTML as a reader shows it: the full content, else the summary.
pub fn entry_html(entry: &feed_rs::model::Entry) -> Option<String> {
    entry
        .content
        .as_ref()
        .and_then(|content| content.body.clone())
        .or_else(|| {
            entry
                .summary
                .as_ref()
                .map(|summary| summary.content.clone())
        })
}

/// The peak resident memory of this test process so far (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// An RSS 2.0 document with items `(guid, link, title, pubDate)`; empty guid or link means none.
pub fn rss(title: &str, items: &[(&str, &str, &str, &str)]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.cn/</link><description>test</description>\n"
    );
    for (guid, link, item_title, date) in items {
        xml.push_str("<item>");
        xml.push_str(&format!("<title>{item_title}</title>"));
        if !link.is_empty() {
            xml.push_str(&format!("<link>{link}</link>"));
        }
        if !guid.is_empty() {
            xml.push_str(&format!("<guid isPermaLink=\"false\">{guid}</guid>"));
        }
        xml.push_str(&format!(
            "<description>{item_title}。正文。</description><pubDate>{date}</pubDate></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// Writes `sources_toml` (with `[[source]]` tables) into a config in `dir` and starts the daemon on
/// 127.0.0.1:0 with polling on demand. Per-host spacing is off unless the test asks for it.
pub async fn start_daemon(dir: &Path, sources_toml: &str) -> Daemon {
    start_daemon_with_poll(dir, "host_spacing_ms = 0", sources_toml).await
}

/// Like [`start_daemon`], with `poll_settings` as the body of the `[poll]` table.
pub async fn start_daemon_with_poll(dir: &Path, poll_settings: &str, sources_toml: &str) -> Daemon {
    start_daemon_with_settings(dir, "", poll_settings, sources_toml).await
}

/// Like [`start_daemon`], with extra `[server]` keys and `[poll]` settings.
pub async fn start_daemon_with_settings(
    dir: &Path,
    server_settings: &str,
    poll_settings: &str,
    sources_toml: &str,
) -> Daemon {
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{server_settings}\n[storage]\ndatabase = \"test.db\"\n[poll]\n{poll_settings}\n\n{sources_toml}"
    );
    let path = dir.join("regionfeed.toml");
    std::fs::write(&path, &text).unwrap();
    let config = config::load(&path).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    app::start(config, listener, Polling::OnDemand)
        .await
        .unwrap()
}

/// The bundled demo (config/demo.toml, its feeds by absolute path), in-process on 127.0.0.1:0, polled once.
pub async fn demo_daemon(dir: &Path) -> Daemon {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("config/demo.toml"))
        .unwrap()
        .replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\"")
        .replace("../target/demo/regionfeed.db", "demo.db")
        .replace(
            "file://demo-feeds/",
            &format!("file://{}/", root.join("config/demo-feeds").display()),
        );
    let path = dir.join("demo.toml");
    std::fs::write(&path, text).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let daemon = app::start(config::load(&path).unwrap(), listener, Polling::OnDemand)
        .await
        .unwrap();
    for report in daemon.poll_all().await {
        assert!(!report.failed(), "{report:?}");
    }
    daemon
}

/// Writes `config_text` as the config in `dir` (listen on `127.0.0.1:0` there) and starts the daemon with
/// its scheduler: sources are polled by their schedules, as in production.
pub async fn start_scheduled_daemon(dir: &Path, config_text: &str) -> Daemon {
    let path = dir.join("regionfeed.toml");
    std::fs::write(&path, config_text).unwrap();
    let config = config::load(&path).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    app::start(config, listener, Polling::Scheduled)
        .await
        .unwrap()
}

/// `[[source]]` tables for `(id, url, region)` triples.
pub fn source_tables(sources: &[(&str, String, &str)]) -> String {
    sources
        .iter()
        .map(|(id, url, region)| {
            format!("[[source]]\nid = \"{id}\"\nurl = \"{url}\"\nregion = \"{region}\"\n\n")
        })
        .collect()
}

/// GETs `path` from the daemon; returns status and body.
pub async fn get(daemon: &Daemon, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{}{path}", daemon.local_addr()))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// An output feed's entries as (id, title) pairs, parsed back with feed-rs.
pub async fn feed_entries(daemon: &Daemon, path: &str) -> Vec<(String, String)> {
    let (status, body) = get(daemon, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    feed.entries
        .into_iter()
        .map(|entry| (entry.id, entry.title.map(|t| t.content).unwrap_or_default()))
        .collect()
}

/// The real binary, running, with its stderr collected line by line; killed when dropped.
pub struct DaemonProcess {
    pub child: std::process::Child,
    pub log: Arc<Mutex<Vec<String>>>,
    pub address: String,
}

impl DaemonProcess {
    /// Starts `regionfeed run --config config` with `envs` and waits (bounded) for its startup line.
    pub async fn start(config: &Path, envs: &[(&str, &std::ffi::OsStr)]) -> DaemonProcess {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_regionfeed"));
        command
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let mut process = DaemonProcess {
            child,
            log,
            address: String::new(),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let address = process.log_lines().iter().find_map(|line| {
                line.split("address=")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(str::to_string)
            });
            if let Some(address) = address {
                process.address = address;
                return process;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no startup line: {:#?}",
                process.log_lines()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Every stderr line so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends a signal (`HUP`, `TERM`, …) with kill(1).
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit, without blocking the test's runtime (its fixture
    /// servers may still be answering the daemon).
    pub async fn wait_for_exit(
        &mut self,
        timeout: std::time::Duration,
    ) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no exit within {timeout:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// GETs `path` from the daemon; returns the body.
    pub async fn get_text(&self, path: &str) -> String {
        reqwest::get(format!("http://{}{path}", self.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the regionfeed binary with `args` (off the async runtime): whether it succeeded, its stdout and
/// stderr.
pub async fn run_binary(args: Vec<String>) -> (bool, String, String) {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_regionfeed"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

//! Test helpers: a fixture feed server on 127.0.0.1:0 whose feeds the test can change, and an in-process
//! daemon on a temporary database.

#![allow(dead_code)] // Each test binary uses a different part of these helpers.

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
}

impl Canned {
    pub fn rss(body: &str) -> Canned {
        Canned {
            status: 200,
            content_type: "application/rss+xml; charset=utf-8",
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn atom(body: &str) -> Canned {
        Canned {
            status: 200,
            content_type: "application/atom+xml",
            body: body.as_bytes().to_vec(),
        }
    }
}

/// A feed server on loopback whose answers and request log the test controls.
#[derive(Clone)]
pub struct FixtureServer {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    log: Arc<Mutex<Vec<(String, HeaderMap)>>>,
}

impl FixtureServer {
    pub async fn start() -> FixtureServer {
        let routes: Arc<Mutex<HashMap<String, Canned>>> = Arc::default();
        let log: Arc<Mutex<Vec<(String, HeaderMap)>>> = Arc::default();
        let app = Router::new()
            .route("/{name}", routing::get(serve_fixture))
            .with_state((routes.clone(), log.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FixtureServer { base, routes, log }
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

type FixtureState = (
    Arc<Mutex<HashMap<String, Canned>>>,
    Arc<Mutex<Vec<(String, HeaderMap)>>>,
);

async fn serve_fixture(
    State((routes, log)): State<FixtureState>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    log.lock().unwrap().push((name.clone(), headers));
    let canned = routes.lock().unwrap().get(&name).cloned();
    match canned {
        Some(canned) => (
            StatusCode::from_u16(canned.status).unwrap(),
            [(header::CONTENT_TYPE, canned.content_type)],
            canned.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
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
/// 127.0.0.1:0 with polling on demand.
pub async fn start_daemon(dir: &Path, sources_toml: &str) -> Daemon {
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n[storage]\ndatabase = \"test.db\"\n\n{sources_toml}"
    );
    let path = dir.join("regionfeed.toml");
    std::fs::write(&path, &text).unwrap();
    let config = config::load(&path).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    app::start(config, listener, Polling::OnDemand)
        .await
        .unwrap()
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

//! Fetches a source's raw bytes over HTTP(S) or from a local file, with conditional GET, a whole-request
//! timeout and a body cap enforced while streaming (after decompression, so a gzip bomb is cut off).
//!
//! Fetch never parses: it returns bytes plus the headers later stages need, or a classified error that the
//! scheduler turns into backoff.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{
    AGE, CACHE_CONTROL, CONTENT_TYPE, DATE, ETAG, EXPIRES, HeaderMap, HeaderName,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use tokio::io::AsyncReadExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// Most redirects followed before a fetch is called a redirect loop.
pub const MAX_REDIRECTS: usize = 5;

/// What a successful fetch returned.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the validators still hold; nothing to parse. How long upstream says this stays fresh.
    NotModified(Freshness),
    /// A body to decode and parse.
    Body(Box<FetchedBody>),
}

/// A fetched body with the metadata later stages need.
#[derive(Debug)]
pub struct FetchedBody {
    /// The raw bytes, as sent (after content-encoding is undone).
    pub bytes: Vec<u8>,
    /// The `Content-Type` header, for its charset.
    pub content_type: Option<String>,
    /// Validators to send next time.
    pub etag: Option<String>,
    /// Validators to send next time.
    pub last_modified: Option<String>,
    /// HTTP status (200 for files).
    pub status: u16,
    /// Where the feed has moved, when every redirect on the way was permanent (301/308).
    pub moved_permanently: Option<Url>,
    /// The URL that answered, after any redirects: what relative links in the body resolve against.
    pub final_url: Url,
    /// How long upstream says this answer stays fresh.
    pub freshness: Freshness,
}

/// How long upstream says an answer stays fresh, from `Cache-Control: max-age` (less `Age`) and
/// `Expires` (counted from the response's `Date`): lower bounds for an `auto` schedule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Freshness {
    /// `Cache-Control: max-age`, less the `Age` the answer already has.
    pub max_age: Option<Duration>,
    /// `Expires` − `Date`.
    pub expires: Option<Duration>,
}

/// Validators from the previous fetch of a source, for a conditional GET.
#[derive(Debug, Default, Clone)]
pub struct Validators {
    /// Last `ETag` seen.
    pub etag: Option<String>,
    /// Last `Last-Modified` seen.
    pub last_modified: Option<String>,
}

/// Why a fetch failed; `class()` names the class shown in source status and logs.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The host name did not resolve.
    #[error("cannot resolve host: {0}")]
    Dns(String),
    /// No connection could be made.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The TLS handshake failed.
    #[error("TLS failure: {0}")]
    Tls(String),
    /// The request took longer than the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The body exceeded the cap.
    #[error("body larger than {limit} bytes")]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// Too many redirects.
    #[error("more than {MAX_REDIRECTS} redirects (redirect loop?)")]
    RedirectLoop,
    /// 410: the feed is gone for good.
    #[error("gone (HTTP 410): the feed was removed; polling stops until the source's URL changes")]
    Gone,
    /// 429, or 503 with Retry-After.
    #[error("rate limited (HTTP {status})")]
    RateLimited {
        /// 429 or 503.
        status: u16,
        /// When the server said to come back.
        retry_after: Option<DateTime<Utc>>,
    },
    /// Any other non-success status.
    #[error("HTTP {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// The connection broke off while the body was arriving (reset, or closed before the promised length).
    #[error("connection broke off mid-body: {0}")]
    Interrupted(String),
    /// A local file could not be read, or some other transport failure.
    #[error("read failed: {0}")]
    Io(String),
}

impl FetchError {
    /// Short error class for status pages, metrics and logs.
    pub fn class(&self) -> String {
        match self {
            FetchError::Dns(_) => "dns".into(),
            FetchError::Connect(_) => "connect".into(),
            FetchError::Tls(_) => "tls".into(),
            FetchError::Timeout(_) => "timeout".into(),
            FetchError::TooLarge { .. } => "too-large".into(),
            FetchError::RedirectLoop => "redirect-loop".into(),
            FetchError::RateLimited { .. } => "rate-limited".into(),
            FetchError::Gone => "gone".into(),
            FetchError::Status { status } if *status >= 500 => "http-5xx".into(),
            FetchError::Status { status } => format!("http-{status}"),
            FetchError::Interrupted(_) => "interrupted".into(),
            FetchError::Io(_) => "io".into(),
        }
    }

    /// When the server asked us to come back, if it did.
    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self {
            FetchError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, when the failure carried one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::RateLimited { status, .. } | FetchError::Status { status } => Some(*status),
            FetchError::Gone => Some(410),
            _ => None,
        }
    }
}

/// Settings shared by every fetch.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// User-Agent header.
    pub user_agent: String,
    /// Body cap in bytes, after decompression.
    pub max_body_bytes: u64,
    /// Most requests in flight to one host.
    pub host_concurrency: usize,
    /// Least time between the starts of two requests to one host.
    pub host_spacing: Duration,
}

/// A reusable HTTP client with our settings.
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
    hosts: HostLimits,
}

/// Per-host politeness: a cap on requests in flight and a minimum spacing between request starts.
struct HostLimits {
    concurrency: usize,
    spacing: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

struct HostSlot {
    in_flight: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
}

impl HostLimits {
    /// Waits for a free slot on `host` and for its spacing; the permit is held for the whole fetch.
    async fn acquire(&self, host: &str) -> OwnedSemaphorePermit {
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host.to_string())
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        in_flight: Arc::new(Semaphore::new(self.concurrency.max(1))),
                        next_start: tokio::sync::Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit = slot
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        if !self.spacing.is_zero() {
            let mut next_start = slot.next_start.lock().await;
            tokio::time::sleep_until(*next_start).await;
            *next_start = Instant::now() + self.spacing;
        }
        permit
    }
}

impl Fetcher {
    /// Builds the client (connection pool, gzip/brotli, redirect limit).
    pub fn new(settings: FetchSettings) -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(SpecialUseNames))
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let hosts = HostLimits {
            concurrency: settings.host_concurrency,
            spacing: settings.host_spacing,
            hosts: Mutex::new(HashMap::new()),
        };
        Ok(Fetcher {
            client,
            settings,
            hosts,
        })
    }

    /// Fetches `url`, sending `validators` as conditional headers.
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        if url.scheme() == "file" {
            return self.fetch_file(url).await;
        }
        let timeout = self.settings.timeout;
        // Waiting for the host's turn is not part of the request: with many feeds on one slow host, queued
        // polls would otherwise time out without ever being sent.
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let _host_permit = self.hosts.acquire(&host).await;
        // The client's timeout covers connect and headers; this one also covers a body that trickles.
        match tokio::time::timeout(timeout, self.fetch_http(url, validators)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(timeout)),
        }
    }

    async fn fetch_http(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let (response, moved_permanently) = self.follow_redirects(url, validators).await?;
        let final_url = response.url().clone();
        let status = response.status();
        let freshness = freshness(response.headers(), Utc::now());
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified(freshness));
        }
        if !status.is_success() {
            return Err(status_error(status, response.headers()));
        }
        let headers = response.headers();
        let content_type = header_string(headers, CONTENT_TYPE.as_str());
        let etag = header_string(headers, ETAG.as_str());
        let last_modified = header_string(headers, LAST_MODIFIED.as_str());
        let bytes = self.read_body(response).await?;
        Ok(Fetched::Body(Box::new(FetchedBody {
            bytes,
            content_type,
            etag,
            last_modified,
            status: status.as_u16(),
            moved_permanently,
            final_url,
            freshness,
        })))
    }

    /// Sends the request and follows redirects by hand, to tell permanent moves from temporary ones and
    /// to name a loop as such. Returns the final response and where the feed moved permanently (when
    /// every hop was a 301/308).
    async fn follow_redirects(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<(reqwest::Response, Option<Url>), FetchError> {
        let mut current = url.clone();
        let mut visited = vec![url.clone()];
        let mut moved_permanently: Option<Url> = None;
        let mut every_hop_permanent = true;
        loop {
            let mut request = self.client.get(current.clone());
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(last_modified) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, last_modified);
            }
            let response = request.send().await.map_err(|e| self.classify(e))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                return Ok((response, moved_permanently));
            }
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|location| current.join(location).ok())
                .ok_or(FetchError::Status {
                    status: status.as_u16(),
                })?;
            if visited.contains(&next) || visited.len() > MAX_REDIRECTS {
                return Err(FetchError::RedirectLoop);
            }
            every_hop_permanent &= matches!(status.as_u16(), 301 | 308);
            if every_hop_permanent {
                moved_permanently = Some(next.clone());
            }
            visited.push(next.clone());
            current = next;
        }
    }

    /// Reads the body up to `max_body_bytes`, counted after decompression.
    async fn read_body(&self, response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let limit = self.settings.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(FetchError::TooLarge { limit });
        }
        // Chunks arrive decompressed: counting them caps the inflated size, so a gzip bomb stops here.
        let mut bytes = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| match self.classify(e) {
                // Headers arrived, so the connection was made: a transport failure now broke the body.
                FetchError::Io(message) | FetchError::Connect(message) => {
                    FetchError::Interrupted(message)
                }
                other => other,
            })?;
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    async fn fetch_file(&self, url: &Url) -> Result<Fetched, FetchError> {
        let path = url
            .to_file_path()
            .map_err(|()| FetchError::Io(format!("{url} is not a local file path")))?;
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| FetchError::Io(format!("{}: {e}", path.display())))?;
        let limit = self.settings.max_body_bytes;
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| FetchError::Io(format!("{}: {e}", path.display())))?;
        if bytes.len() as u64 > limit {
            return Err(FetchError::TooLarge { limit });
        }
        Ok(Fetched::Body(Box::new(FetchedBody {
            bytes,
            content_type: None,
            etag: None,
            last_modified: None,
            status: 200,
            moved_permanently: None,
            final_url: url.clone(),
            freshness: Freshness::default(),
        })))
    }

    fn classify(&self, error: reqwest::Error) -> FetchError {
        let chain = error_chain(&error);
        if error.is_timeout() {
            FetchError::Timeout(self.settings.timeout)
        } else if error.is_redirect() {
            FetchError::RedirectLoop
        } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
            FetchError::Dns(chain)
        } else if chain.to_ascii_lowercase().contains("certificate")
            || chain.contains("tls")
            || chain.contains("TLS")
        {
            FetchError::Tls(chain)
        } else if error.is_connect() {
            FetchError::Connect(chain)
        } else {
            FetchError::Io(chain)
        }
    }
}

/// Name resolution through the system resolver, except for the special-use names of RFC 6761 §6.4: a name
/// under `.invalid` fails at once, as the RFC asks, without a query leaving the machine.
struct SpecialUseNames;

/// A name that never resolves.
#[derive(Debug, thiserror::Error)]
#[error("dns error: {0} is under .invalid, which never resolves (RFC 6761)")]
struct NeverResolves(String);

impl reqwest::dns::Resolve for SpecialUseNames {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            if host == "invalid" || host.ends_with(".invalid") {
                return Err(
                    Box::new(NeverResolves(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            // getaddrinfo on the blocking pool, as reqwest's own resolver does.
            let addresses: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The error and its causes on one line, for classification and for operators.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The error for a non-success status: 410 is gone, 429 (and 503 with Retry-After) rate limiting.
fn status_error(status: StatusCode, headers: &reqwest::header::HeaderMap) -> FetchError {
    let retry_after = parse_retry_after(headers, Utc::now());
    match status.as_u16() {
        410 => FetchError::Gone,
        429 => FetchError::RateLimited {
            status: 429,
            retry_after,
        },
        503 if retry_after.is_some() => FetchError::RateLimited {
            status: 503,
            retry_after,
        },
        code => FetchError::Status { status: code },
    }
}

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// How long upstream says an answer stays fresh (see [`Freshness`]). `no-cache` and `no-store` say it
/// does not; an `Expires` in the past, or not a date (`0`, `-1`), says nothing.
pub fn freshness(headers: &HeaderMap, now: DateTime<Utc>) -> Freshness {
    let date = |name: HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| DateTime::parse_from_rfc2822(value.trim()).ok())
            .map(|date| date.with_timezone(&Utc))
    };
    let cache_control = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|directive| directive.trim().to_ascii_lowercase())
        .collect::<Vec<_>>();
    if cache_control
        .iter()
        .any(|directive| directive == "no-cache" || directive == "no-store")
    {
        return Freshness::default();
    }
    let age: u64 = header_string(headers, AGE.as_str())
        .and_then(|age| age.trim().parse().ok())
        .unwrap_or(0);
    let max_age = cache_control
        .iter()
        .find_map(|directive| directive.strip_prefix("max-age="))
        .and_then(|seconds| seconds.trim_matches('"').parse::<u64>().ok())
        .map(|seconds| seconds.saturating_sub(age))
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs);
    let expires = date(EXPIRES).and_then(|expires| {
        let since = date(DATE).unwrap_or(now);
        (expires - since)
            .to_std()
            .ok()
            .filter(|lifetime| !lifetime.is_zero())
    });
    Freshness { max_age, expires }
}

/// Reads `Retry-After` as delay seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(now + chrono::Duration::seconds(i64::from(seconds)));
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 12, 2, 0).unwrap())
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 25 Nov 2026 13:00:00 GMT"),
        );
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 13, 0, 0).unwrap())
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers, now), None);
    }

    #[test]
    fn freshness_reads_max_age_less_age_and_expires_from_date() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.append(*name, HeaderValue::from_static(value));
            }
            map
        };
        let minutes = |m: u64| Some(Duration::from_secs(m * 60));
        let cached = freshness(
            &headers(&[("cache-control", "public, max-age=600"), ("age", "60")]),
            now,
        );
        assert_eq!(cached.max_age, minutes(9));
        let expiring = freshness(
            &headers(&[
                ("date", "Wed, 25 Nov 2026 10:00:00 GMT"),
                ("expires", "Wed, 25 Nov 2026 10:30:00 GMT"),
            ]),
            now,
        );
        assert_eq!(
            expiring.expires,
            minutes(30),
            "counted from Date, not our clock"
        );
        for silent in [
            headers(&[("cache-control", "max-age=600, no-cache")]),
            headers(&[("expires", "0"), ("cache-control", "max-age=0")]),
            headers(&[("expires", "Wed, 25 Nov 2026 11:00:00 GMT")]),
        ] {
            assert_eq!(freshness(&silent, now), Freshness::default(), "{silent:?}");
        }
    }

    #[test]
    fn error_classes_are_short_names() {
        assert_eq!(FetchError::Status { status: 404 }.class(), "http-404");
        assert_eq!(FetchError::Status { status: 502 }.class(), "http-5xx");
        assert_eq!(FetchError::RedirectLoop.class(), "redirect-loop");
        assert_eq!(FetchError::TooLarge { limit: 1 }.class(), "too-large");
    }
}

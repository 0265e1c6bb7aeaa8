//! How the service is: liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics (`/metrics`).

use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::{AppError, PublishState};
use crate::config::MetricsAccess;
use crate::metrics::{KindLabel, RegionLabel};

/// Liveness: the process answers and the database does.
pub(super) async fn healthz(
    State(state): State<Arc<PublishState>>,
) -> Result<&'static str, AppError> {
    state.store.ping().await?;
    Ok("ok\n")
}

/// Readiness: the database answers and the scheduler has beaten recently (when there is one).
pub(super) async fn readyz(State(state): State<Arc<PublishState>>) -> Response {
    if let Err(error) = state.store.ping().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: database does not answer: {error}\n"),
        )
            .into_response();
    }
    match &state.heartbeat {
        Some(heartbeat) if !heartbeat.is_alive() => (
            StatusCode::SERVICE_UNAVAILABLE,
            match heartbeat.since_last() {
                Some(since) => format!(
                    "not ready: scheduler last ticked {}s ago\n",
                    since.as_secs()
                ),
                None => "not ready: scheduler has not started\n".to_string(),
            },
        )
            .into_response(),
        Some(_) => "ready\n".into_response(),
        None => "ready (sources are polled on demand)\n".into_response(),
    }
}

/// Whether a client at `ip` may read `/metrics`.
fn metrics_allowed(access: MetricsAccess, ip: std::net::IpAddr) -> bool {
    match access {
        MetricsAccess::Off => false,
        MetricsAccess::Any => true,
        MetricsAccess::Loopback => {
            ip.is_loopback()
                || matches!(ip, std::net::IpAddr::V6(v6)
                    if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()))
        }
    }
}

/// Prometheus metrics; by default only for clients on a loopback address (`[server] metrics`).
pub(super) async fn metrics(
    State(state): State<Arc<PublishState>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
) -> Result<Response, AppError> {
    if !metrics_allowed(state.settings().metrics_access, peer.ip()) {
        return Err(AppError::NotFound(
            "not found (metrics are served to loopback clients only; see [server] metrics)".into(),
        ));
    }
    let metrics = &state.metrics;
    metrics
        .database_bytes
        .set(state.store.database_bytes() as i64);
    let (hits, renders) = state.cache.counts();
    let set = |kind: &str, value: u64| {
        metrics
            .render_cache
            .get_or_create(&KindLabel { kind: kind.into() })
            .inner()
            .store(value, std::sync::atomic::Ordering::Relaxed);
    };
    set("hit", hits);
    set("render", renders);
    let now = Utc::now().timestamp();
    for count in state.store.region_counts().await? {
        if let Some(newest) = count.newest {
            metrics
                .newest_item_age
                .get_or_create(&RegionLabel {
                    region: count.region.clone(),
                })
                .set((now - newest).max(0));
        }
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.encode(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_for_loopback_clients_unless_configured() {
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        assert!(metrics_allowed(MetricsAccess::Loopback, ip("127.0.0.1")));
        assert!(metrics_allowed(MetricsAccess::Loopback, ip("::1")));
        assert!(metrics_allowed(
            MetricsAccess::Loopback,
            ip("::ffff:127.0.0.1")
        ));
        assert!(!metrics_allowed(MetricsAccess::Loopback, ip("192.0.2.7")));
        assert!(!metrics_allowed(
            MetricsAccess::Loopback,
            ip("::ffff:192.0.2.7")
        ));
        assert!(metrics_allowed(MetricsAccess::Any, ip("192.0.2.7")));
        assert!(!metrics_allowed(MetricsAccess::Off, ip("127.0.0.1")));
    }
}

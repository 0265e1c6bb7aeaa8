//! `POST /sources/{id}/refresh`: the one request that changes anything, off unless `[server] admin_token`
//! is set, and only with that token.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::{AppError, PublishState};

/// `POST /sources/{id}/refresh` with `Authorization: Bearer <admin_token>`: wakes the source's polling loop
/// (also out of a backoff) and answers 202; the outcome shows in `/sources` once the poll is done.
pub(super) async fn refresh_source(
    State(state): State<Arc<PublishState>>,
    Path(source_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let settings = state.settings();
    let Some(expected) = settings.admin_token_digest else {
        return Err(AppError::Forbidden(
            "refresh is off: set [server] admin_token in the config to use it".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| <[u8; 32]>::from(Sha256::digest(token.trim().as_bytes())));
    if given != Some(expected) {
        return Err(AppError::Unauthorized(
            "send the admin token: Authorization: Bearer <[server] admin_token>".into(),
        ));
    }
    if !settings.sources.iter().any(|source| source.id == source_id) {
        return Err(AppError::NotFound(
            "no such source; the configured sources are listed at /sources".into(),
        ));
    }
    if !state.poll_now.request(&source_id) {
        return Err(AppError::Conflict(
            "this source is not being polled (disabled, or it answered 410 Gone)".into(),
        ));
    }
    tracing::info!(source = %source_id, "refresh asked for over HTTP");
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "source": source_id, "refresh": "queued" })),
    )
        .into_response())
}

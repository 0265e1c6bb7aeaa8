//! `AppError`: every error an HTTP client can get, mapped to its status code in this one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404 with a hint.
    #[error("{0}")]
    NotFound(String),
    /// 400 saying what is wrong with the request.
    #[error("{0}")]
    BadRequest(String),
    /// 401 with a bearer challenge: the admin token is missing or wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the endpoint is switched off.
    #[error("{0}")]
    Forbidden(String),
    /// 409: the request cannot apply to the resource as it is.
    #[error("{0}")]
    Conflict(String),
    /// 503: the database did not answer.
    #[error("database unavailable: {0}")]
    Store(#[from] crate::store::StoreError),
    /// 500: a bug or a failed task.
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Store(error) => {
                tracing::error!(%error, "request failed on the database");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(error) => {
                tracing::error!(%error, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = format!("{self}\n");
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

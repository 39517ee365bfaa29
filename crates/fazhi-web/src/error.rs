//! The API's one error shape: `{code, message_zh, message_en, request_id}` with a fitting status.
//! Storage errors map here; a database failure is logged in full and shown as a plain 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fazhi_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable machine code, e.g. `invalid_input`, `not_found`, `forbidden`.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// The request's id (also in the `x-request-id` header), for finding it in the logs.
    pub request_id: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "请先登录",
            "sign in first",
        )
    }
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", zh, en)
    }
}

/// The HTTP status of a storage error; a database failure is logged here, once.
pub fn status_for(e: &StoreError) -> StatusCode {
    match e {
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::Duplicate { .. } | StoreError::Invalid { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        StoreError::Forbidden => StatusCode::FORBIDDEN,
        StoreError::BadCredentials => StatusCode::UNAUTHORIZED,
        StoreError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        StoreError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::Db(_) | StoreError::Database(_) | StoreError::Migration(_) => {
            tracing::error!(error = %e, "storage failure");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = status_for(&e);
        Self {
            status,
            code: e.code(),
            message_zh: e.message_zh(),
            message_en: e.message_en(),
        }
    }
}

/// Carried on the response so the request-id middleware can write the final JSON body.
#[derive(Clone)]
pub(crate) struct PendingError(pub ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(PendingError(self));
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

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

    /// The error for a bare status: what the router or an extractor answers on its own (no
    /// route, a method the route lacks, a path or query parameter that does not parse, a body
    /// too large). `detail` is the extractor's own (English) reason, shown for client errors.
    pub fn for_status(status: StatusCode, detail: Option<&str>) -> Self {
        let (code, zh, en) = match status {
            StatusCode::BAD_REQUEST => ("invalid_input", "请求无效", "the request is not valid"),
            StatusCode::UNAUTHORIZED => return Self::unauthenticated(),
            StatusCode::FORBIDDEN => (
                "forbidden",
                "无权执行此操作",
                "you are not permitted to do this",
            ),
            StatusCode::NOT_FOUND => ("not_found", "未找到", "not found"),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "此地址不接受该请求方法",
                "this address does not accept the request method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "请求内容过大",
                "the request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "不支持的请求内容类型",
                "the request body has an unsupported content type",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => (
                "invalid_input",
                "请求内容不符合要求",
                "the request does not have the expected shape",
            ),
            StatusCode::TOO_MANY_REQUESTS => (
                "rate_limited",
                "请求过于频繁,请稍后再试",
                "too many requests; try again later",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                "unavailable",
                "服务暂时不可用,请稍后再试",
                "the service is unavailable; try again later",
            ),
            s if s.is_server_error() => (
                "internal",
                "系统内部错误,请联系管理员",
                "internal error; please contact the administrator",
            ),
            _ => (
                "error",
                "请求未能完成",
                "the request could not be completed",
            ),
        };
        match detail.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) if status.is_client_error() => {
                Self::new(status, code, format!("{zh}:{d}"), format!("{en}: {d}"))
            }
            _ => Self::new(status, code, zh, en),
        }
    }
}

/// The HTTP status of a storage error; a database failure is logged here, once.
pub fn status_for(e: &StoreError) -> StatusCode {
    match e {
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::Duplicate { .. } | StoreError::Invalid { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        StoreError::Forbidden | StoreError::NotPermitted { .. } => StatusCode::FORBIDDEN,
        StoreError::BadCredentials => StatusCode::UNAUTHORIZED,
        StoreError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
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

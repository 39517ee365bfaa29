//! fazhi over HTTP: the JSON API (`/api/v1`, described by its generated OpenAPI document) and
//! the server-rendered pages (workbench and public portal), zh-CN first with English.
//!
//! This crate owns routing, request ids, security headers, error shapes and templates. It holds
//! no business rules: those live in the pure crates and in `fazhi-store`.

pub mod api;
pub mod api_cases;
pub mod api_discretion;
pub mod api_doc;
pub mod audit_pages;
pub mod auth;
pub mod calendar_pages;
pub mod case_pages;
pub mod charts;
pub mod discretion_pages;
pub mod error;
pub mod feed_pages;
pub mod i18n;
pub mod input;
pub mod leader_pages;
pub mod pages;
pub mod plan_pages;
pub mod public_data;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use error::{ApiErrorBody, PendingError};
use fazhi_store::Db;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Largest request body accepted (JSON and forms); larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a TLS proxy).
    pub secure_cookies: bool,
    /// Figures for the public portal, valid while no public data has changed.
    pub public_cache: std::sync::Arc<public_data::PublicCache>,
    /// The public half of the key this server signs audit checkpoints with, if it has one.
    pub audit_key: Option<std::sync::Arc<fazhi_store::audit::checkpoint::PublicKey>>,
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi_json) = api_parts();
    Router::new()
        .merge(api_router)
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(openapi_json.clone()) }),
        )
        .route("/healthz", get(healthz))
        .merge(pages::router())
        .merge(plan_pages::router())
        .merge(case_pages::router())
        .merge(discretion_pages::router())
        .merge(charts::router())
        .merge(leader_pages::router())
        .merge(calendar_pages::router())
        .merge(feed_pages::router())
        .merge(audit_pages::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(input::check_input))
        .layer(middleware::from_fn(finish_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// The API's routes and its OpenAPI document, completed (see [`api_doc`]).
fn api_parts() -> (Router<AppState>, serde_json::Value) {
    let (api_router, openapi) = api::router()
        .merge(api_cases::router())
        .merge(api_discretion::router())
        .split_for_parts();
    let mut doc = serde_json::to_value(&openapi).expect("the OpenAPI document serialises");
    api_doc::complete(&mut doc);
    (api_router, doc)
}

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    api_parts().1
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match sqlx_ping(&state.db).await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "database unavailable"})),
            )
                .into_response()
        }
    }
}

async fn sqlx_ping(db: &Db) -> Result<(), fazhi_store::StoreError> {
    fazhi_store::directory::list_units(db).await.map(|_| ())
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        error::ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "没有这个接口",
            "no such endpoint",
        )
        .into_response()
    } else {
        pages::not_found_page(&req).into_response()
    }
}

/// Whether a request comes from someone signed in (or claiming to be): a session cookie or an
/// `Authorization` header. Its answer may carry personal data.
fn signed_in(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || axum_extra::extract::cookie::CookieJar::from_headers(headers)
            .get(auth::SESSION_COOKIE)
            .is_some()
}

/// A route that exists, asked with a method it does not have (the router adds `Allow`).
async fn method_not_allowed() -> error::ApiError {
    error::ApiError::for_status(StatusCode::METHOD_NOT_ALLOWED, None)
}

/// Whether an error response already has its final body: JSON or an HTML page. Anything else
/// (no body, or an extractor's plain-text reason) is rewritten into the error shape.
fn has_error_body(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json") || c.starts_with("text/html"))
}

/// Gives every error its body — the API's JSON shape with the request id under `/api/`, an
/// HTML error page in the reader's language elsewhere — and adds the security headers to every
/// response.
async fn finish_response(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let lang = i18n::Tr::of_request(req.uri(), req.headers());
    let private = api || signed_in(req.headers());
    let mut res = next.run(req).await;
    let status = res.status();
    let error = match res.extensions_mut().remove::<PendingError>() {
        Some(PendingError(e)) => Some(e),
        None if (status.is_client_error() || status.is_server_error()) && !has_error_body(&res) => {
            let body = std::mem::take(res.body_mut());
            let detail = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            Some(error::ApiError::for_status(
                status,
                std::str::from_utf8(&detail).ok(),
            ))
        }
        None => None,
    };
    if let Some(e) = error {
        let headers = std::mem::take(res.headers_mut());
        let mut out = if api {
            let body = ApiErrorBody {
                code: e.code.to_string(),
                message_zh: e.message_zh,
                message_en: e.message_en,
                request_id,
            };
            (e.status, Json(body)).into_response()
        } else {
            pages::api_error_page(lang, &path, &e)
        };
        for (k, v) in headers.iter() {
            if k != header::CONTENT_LENGTH && k != header::CONTENT_TYPE {
                out.headers_mut().append(k, v.clone());
            }
        }
        res = out;
    }
    let h = res.headers_mut();
    // Personal data never rests in a browser's or a proxy's cache: every answer to a signed-in
    // request, every API answer and every answer that sets a cookie is `no-store`, unless its
    // handler chose (the stylesheet: public; a feed: no-store already). What stays cacheable is
    // what anyone may read, and it varies with the cookies (language, session).
    if !h.contains_key(header::CACHE_CONTROL) {
        if private || h.contains_key(header::SET_COOKIE) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        } else {
            h.append(header::VARY, HeaderValue::from_static("cookie"));
        }
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Serve until SIGTERM or Ctrl-C, then finish in-flight requests and return. The reverse
/// proxies whose `X-Forwarded-For` counts come from `FAZHI_TRUSTED_PROXIES`; a malformed list
/// is refused.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let trusted = auth::TrustedProxies::from_env()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    if std::env::var_os("FAZHI_TRUST_PROXY").is_some() {
        tracing::warn!(
            "FAZHI_TRUST_PROXY is no longer read: list the proxies in FAZHI_TRUSTED_PROXIES \
             (addresses and CIDR blocks); until then X-Forwarded-For is ignored"
        );
    }
    let app = app(state)
        .layer(axum::Extension(std::sync::Arc::new(trusted)))
        .into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

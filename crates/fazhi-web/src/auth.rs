//! Who is asking: the session cookie (pages and API) or a bearer API token (machine clients),
//! and which language they read.

use crate::error::ApiError;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use fazhi_store::{accounts, Principal};

pub const SESSION_COOKIE: &str = "fazhi_session";
pub const LANG_COOKIE: &str = "fazhi_lang";
pub const LOGIN_CSRF_COOKIE: &str = "fazhi_login_csrf";

/// A signed-in caller. Extracting it refuses the request with 401 when there is none.
pub struct Auth {
    pub principal: Principal,
    /// The session's CSRF token; `None` for API-token callers, who send no cookies.
    pub csrf: Option<String>,
}

async fn lookup(parts: &Parts, state: &AppState) -> Result<Option<Auth>, ApiError> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        return match accounts::token_principal(&state.db, token.trim()).await? {
            Some(principal) => Ok(Some(Auth {
                principal,
                csrf: None,
            })),
            None => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "bad_token",
                "API 令牌无效或已撤销",
                "the API token is invalid or revoked",
            )),
        };
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(accounts::session(&state.db, cookie.value())
        .await?
        .map(|(principal, csrf)| Auth {
            principal,
            csrf: Some(csrf),
        }))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        lookup(parts, state)
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The caller if signed in; pages use it to choose between the login form and the workbench.
pub struct MaybeAuth(pub Option<Auth>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(lookup(parts, state).await.ok().flatten()))
    }
}

impl Tr {
    /// The page language of a request: `?lang=` first, then the remembered cookie, then zh-CN.
    pub fn of_request(uri: &axum::http::Uri, headers: &axum::http::HeaderMap) -> Tr {
        let from_query = uri.query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .and_then(Lang::parse)
        });
        let from_cookie = || {
            CookieJar::from_headers(headers)
                .get(LANG_COOKIE)
                .and_then(|c| Lang::parse(c.value()))
        };
        Tr {
            lang: from_query.or_else(from_cookie).unwrap_or_default(),
        }
    }
}

/// The page language: `?lang=` first, then the remembered cookie, then zh-CN.
impl FromRequestParts<AppState> for Tr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Tr::of_request(&parts.uri, &parts.headers))
    }
}

/// The client's address for the login rate limit.
pub fn client_ip(
    parts_headers: &axum::http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
) -> String {
    // Behind a reverse proxy the deployment sets FAZHI_TRUST_PROXY so X-Forwarded-For is used;
    // otherwise the header is client-controlled and ignored.
    if std::env::var_os("FAZHI_TRUST_PROXY").is_some() {
        if let Some(v) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            if let Some(first) = v.split(',').next() {
                return first.trim().to_string();
            }
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

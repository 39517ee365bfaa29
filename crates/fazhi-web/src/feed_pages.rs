//! Calendar feeds: `/feeds/{token}.ics` serves the holder's unit deadlines as iCalendar, for
//! Outlook, Thunderbird or a phone to subscribe to; the home page issues and revokes the token.

use crate::auth::Auth;
use crate::i18n::Tr;
use crate::pages::{csrf_ok, render, store_error_page, UserView};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use fazhi_store::{feeds, StoreError};
use icalendar::{Calendar, Component, EventLike};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feeds/{file}", get(feed))
        .route("/feeds", post(issue))
        .route("/feeds/revoke", post(revoke))
}

async fn feed(State(state): State<AppState>, t: Tr, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let who = match feeds::principal(&state.db, token).await {
        Ok(Some(p)) => p,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let entries = match feeds::entries(&state.db, &who).await {
        Ok(e) => e,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let mut cal = Calendar::new();
    cal.name(&format!("fazhi · {}", who.unit_name));
    for e in entries {
        let Ok(due) = NaiveDate::parse_from_str(&e.due, "%Y-%m-%d") else {
            continue;
        };
        let summary = t.pick(e.summary_zh, e.summary_en);
        cal.push(
            icalendar::Event::new()
                .uid(&e.uid)
                .summary(&summary)
                .all_day(due)
                .description(&e.path)
                .done(),
        );
    }
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        cal.done().to_string(),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "feed.html")]
struct FeedPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    url: String,
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn issue(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, &f.csrf) {
        return store_error_page(t, Some(user), "/home", StoreError::Forbidden);
    }
    match feeds::issue(&state.db, &auth.principal).await {
        Ok(token) => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if state.secure_cookies {
                "https"
            } else {
                "http"
            };
            let url = format!("{scheme}://{host}/feeds/{token}.ics");
            render(
                &FeedPage {
                    t,
                    user: Some(user),
                    path: "/home".into(),
                    url,
                },
                StatusCode::OK,
            )
        }
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

async fn revoke(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Form(f): Form<CsrfForm>,
) -> Response {
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, &f.csrf) {
        return store_error_page(t, Some(user), "/home", StoreError::Forbidden);
    }
    match feeds::revoke(&state.db, &auth.principal).await {
        Ok(_) => Redirect::to("/home").into_response(),
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

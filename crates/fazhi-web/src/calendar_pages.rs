//! `/calendar`: the years the working-day calendar covers and where each notice comes from;
//! an administrator loads next year's State Council holiday notice here (the file format of
//! `data/calendar/cn-mainland.toml`), as `fazhi calendar load` does. A bad file is refused with
//! its line and changes nothing; a good one recomputes the open deadlines it touches and the
//! page lists the due dates that moved.

use crate::auth::Auth;
use crate::i18n::Tr;
use crate::pages::{csrf_ok, render, store_error_page, UserView};
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use fazhi_store::calendar::{self, LoadReport, YearRow};
use fazhi_store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/calendar",
        get(page)
            .post(upload)
            .layer(DefaultBodyLimit::max(calendar::MAX_FILE_BYTES + 64 * 1024)),
    )
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    years: Vec<YearRow>,
    can_load: bool,
    missing: Option<i32>,
    loaded: Option<LoadReport>,
    error: Option<String>,
}

impl CalendarPage {
    fn proc_name(&self, id: &str) -> String {
        crate::case_pages::procedure_name(&self.t, id)
    }
}

async fn build(
    state: &AppState,
    t: Tr,
    auth: &Auth,
    loaded: Option<LoadReport>,
    error: Option<String>,
) -> Result<CalendarPage, StoreError> {
    Ok(CalendarPage {
        t,
        user: Some(UserView::of(auth)),
        path: "/calendar".into(),
        years: calendar::years(&state.db).await?,
        can_load: auth.principal.admin().is_ok(),
        missing: calendar::missing_notice(&state.db, crate::plan_pages::today_cst()).await?,
        loaded,
        error,
    })
}

async fn page(State(state): State<AppState>, t: Tr, auth: Auth) -> Response {
    match build(&state, t, &auth, None, None).await {
        Ok(p) => render(&p, StatusCode::OK),
        Err(e) => store_error_page(t, Some(UserView::of(&auth)), "/calendar", e),
    }
}

/// The upload: `csrf` and one `file` part.
async fn read_upload(
    mut mp: Multipart,
) -> Result<(String, String, Vec<u8>), crate::error::ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        crate::error::ApiError::for_status(e.status(), Some(&e.body_text()))
    };
    let (mut csrf, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => {
                name = field.file_name().unwrap_or_default().to_string();
                crate::input::check_text("filename", &name)?;
                bytes = field.bytes().await.map_err(bad)?.to_vec();
            }
            "csrf" => csrf = crate::input::utf8_text("csrf", &field.bytes().await.map_err(bad)?)?,
            _ => {}
        }
    }
    Ok((csrf, name, bytes))
}

async fn upload(State(state): State<AppState>, t: Tr, auth: Auth, mp: Multipart) -> Response {
    let user = UserView::of(&auth);
    let (csrf, name, bytes) = match read_upload(mp).await {
        Ok(u) => u,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    if !csrf_ok(&auth, &csrf) {
        return store_error_page(t, Some(user), "/calendar", StoreError::Forbidden);
    }
    let admin = match auth.principal.admin() {
        Ok(a) => a,
        Err(e) => return store_error_page(t, Some(user), "/calendar", e),
    };
    let outcome = match String::from_utf8(bytes) {
        Err(_) => Err(t.pick(
            "文件须为 UTF-8 编码的文本（TOML）".to_string(),
            "the file must be UTF-8 text (TOML)".to_string(),
        )),
        Ok(text) if text.trim().is_empty() => Err(t.pick(
            "请选择要载入的放假安排文件".to_string(),
            "choose a holiday notice file to load".to_string(),
        )),
        Ok(text) => {
            let name = if name.trim().is_empty() {
                "upload.toml".to_string()
            } else {
                name
            };
            calendar::load(&state.db, &admin, &name, &text)
                .await
                .map_err(|e| t.pick(e.message_zh(), e.message_en()))
        }
    };
    let (loaded, error, status) = match outcome {
        Ok(r) => (Some(r), None, StatusCode::OK),
        Err(m) => (None, Some(m), StatusCode::UNPROCESSABLE_ENTITY),
    };
    match build(&state, t, &auth, loaded, error).await {
        Ok(p) => render(&p, status),
        Err(e) => store_error_page(t, Some(UserView::of(&auth)), "/calendar", e),
    }
}

//! Plan tracking pages: the plan matrix (items × units, coloured by status, with overdue counts
//! per unit), an item's page with its text, units and timeline, the forms to report progress
//! and to close and reopen an item, and the matrix as CSV and XLSX.

use crate::auth::Auth;
use crate::i18n::Tr;
use crate::pages::{render, store_error_page, UserView};
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use fazhi_store::plans::{self, ItemView, Matrix, NewReport, ReportRow, ReportStatus};
use fazhi_store::StoreError;
use serde::Deserialize;

/// A report form may carry its attachments: five files of 2 MB and the text.
const REPORT_BODY_LIMIT: usize = plans::MAX_ATTACHMENTS * plans::MAX_ATTACHMENT_BYTES + 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans/{plan}", get(matrix_page))
        .route("/plans/{plan}/matrix.csv", get(matrix_csv))
        .route("/plans/{plan}/matrix.xlsx", get(matrix_xlsx))
        .route("/plans/{plan}/items/{item}", get(item_page))
        .route(
            "/plans/{plan}/items/{item}/reports",
            post(add_report).layer(DefaultBodyLimit::max(REPORT_BODY_LIMIT)),
        )
        .route("/attachments/{id}", get(download))
        .route("/plans/{plan}/items/{item}/close", post(close))
        .route("/plans/{plan}/items/{item}/reopen", post(reopen))
        .route("/units/{key}", get(unit_page))
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    unit: fazhi_store::directory::UnitRow,
    items: Vec<ItemView>,
    overdue: usize,
    due_soon: usize,
}

/// One unit's page: its plan responsibilities with their timing. Readable by the unit's own
/// people and by supervisors and auditors whose scope covers it.
async fn unit_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path(key): Path<String>,
) -> Response {
    let user = UserView::of(&auth);
    let loaded = async {
        let handle = auth.principal.read_unit(&state.db, &key).await?;
        let unit = fazhi_store::directory::unit_by_key(&state.db, &key).await?;
        let items = plans::responsibilities(&state.db, &handle, today_cst()).await?;
        Ok::<_, StoreError>((unit, items))
    }
    .await;
    match loaded {
        Ok((unit, items)) => {
            let overdue = items.iter().filter(|i| i.timing.is_overdue()).count();
            let due_soon = items
                .iter()
                .filter(|i| i.timing == plans::Timing::DueSoon)
                .count();
            let page = UnitPage {
                t,
                user: Some(user),
                path: format!("/units/{key}"),
                unit,
                items,
                overdue,
                due_soon,
            };
            render(&page, StatusCode::OK)
        }
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

/// Today in China Standard Time (UTC+8), the day the law counts in.
pub fn today_cst() -> NaiveDate {
    fazhi_store::clock::today()
}

#[derive(Deserialize)]
pub struct AsOf {
    /// View the matrix as it stood on this day (YYYY-MM-DD); default today.
    on: Option<NaiveDate>,
}

/// The CSS class and locale key of a status cell.
pub fn status_key(s: &ReportStatus) -> &'static str {
    match *s {
        ReportStatus::NotStarted => "status.not_started",
        ReportStatus::InProgress => "status.in_progress",
        ReportStatus::Done => "status.done",
    }
}

pub fn timing_key(i: &ItemView) -> &'static str {
    match i.timing {
        plans::Timing::OnTime => "timing.on_time",
        plans::Timing::DueSoon => "timing.due_soon",
        plans::Timing::Overdue { .. } => "timing.overdue",
        plans::Timing::ClosedOnTime => "timing.closed_on_time",
        plans::Timing::ClosedLate { .. } => "timing.closed_late",
    }
}

pub fn role_key(r: &plans::AssignmentRole) -> &'static str {
    match *r {
        plans::AssignmentRole::Lead => "plan.lead",
        plans::AssignmentRole::CoLead => "plan.co_lead",
        plans::AssignmentRole::Participant => "plan.participant",
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
struct MatrixPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    m: Matrix,
    on: NaiveDate,
}

impl MatrixPage {
    fn cell(
        &self,
        item: &ItemView,
        unit: &str,
    ) -> Option<(&'static str, &'static str, &'static str)> {
        item.assignment(unit)
            .map(|a| (a.role.as_str(), role_key(&a.role), status_key(&a.status)))
    }
    /// The cell's mark: its shape says the role, its colour (CSS) the status.
    fn mark(&self, role: &str) -> &'static str {
        match role {
            "lead" => "●",
            "co_lead" => "◐",
            _ => "○",
        }
    }
    fn status_class(&self, item: &ItemView, unit: &str) -> &'static str {
        item.assignment(unit)
            .map(|a| a.status.as_str())
            .unwrap_or("")
    }
}

async fn matrix_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path(plan): Path<i64>,
    Query(q): Query<AsOf>,
) -> Response {
    let user = UserView::of(&auth);
    let on = q.on.unwrap_or_else(today_cst);
    match plans::matrix(&state.db, plan, on).await {
        Ok(m) => render(
            &MatrixPage {
                t,
                user: Some(user),
                path: format!("/plans/{plan}"),
                m,
                on,
            },
            StatusCode::OK,
        ),
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

/// The matrix as rows: item number, title, deadline, timing, then one column per unit.
fn matrix_rows(m: &Matrix, t: Tr) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head = vec![
        t.t("plan.number").to_string(),
        t.t("plan.item").into(),
        t.t("plan.deadline").into(),
        t.t("plan.timing").into(),
    ];
    head.extend(m.units.iter().map(|(_, name)| name.clone()));
    let rows = m
        .items
        .iter()
        .map(|i| {
            let mut row = vec![
                i.number.clone(),
                i.title.clone(),
                i.deadline.clone(),
                t.t(timing_key(i)).to_string(),
            ];
            row.extend(m.units.iter().map(|(k, _)| {
                i.assignment(k)
                    .map(|a| {
                        format!(
                            "{} / {}",
                            t.t(role_key(&a.role)),
                            t.t(status_key(&a.status))
                        )
                    })
                    .unwrap_or_default()
            }));
            row
        })
        .collect();
    (head, rows)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

async fn matrix_csv(
    State(state): State<AppState>,
    t: Tr,
    _auth: Auth,
    Path(plan): Path<i64>,
    Query(q): Query<AsOf>,
) -> Response {
    let m = match plans::matrix(&state.db, plan, q.on.unwrap_or_else(today_cst)).await {
        Ok(m) => m,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let (head, rows) = matrix_rows(&m, t);
    // A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    let mut out = String::from("\u{feff}");
    for row in std::iter::once(&head).chain(rows.iter()) {
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"plan-matrix.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

async fn matrix_xlsx(
    State(state): State<AppState>,
    t: Tr,
    _auth: Auth,
    Path(plan): Path<i64>,
    Query(q): Query<AsOf>,
) -> Response {
    let m = match plans::matrix(&state.db, plan, q.on.unwrap_or_else(today_cst)).await {
        Ok(m) => m,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let (head, rows) = matrix_rows(&m, t);
    match xlsx(&m.plan.title, &head, &rows) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"plan-matrix.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn xlsx(
    title: &str,
    head: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(3 + r as u32, c as u16, v)?;
        }
    }
    sheet.set_column_width(1, 40)?;
    sheet.set_freeze_panes(3, 2)?;
    wb.save_to_buffer()
}

impl ItemPage {
    fn files_of(&self, report_id: &i64) -> Vec<&plans::AttachmentInfo> {
        self.attachments
            .iter()
            .filter(|a| a.report_id == *report_id)
            .collect()
    }
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    plan_id: i64,
    item: ItemView,
    reports: Vec<ReportRow>,
    attachments: Vec<plans::AttachmentInfo>,
    can_report: bool,
    can_close: bool,
    can_reopen: bool,
    /// The reader sees only the reports their units may read (see `plans::ReportScope`).
    reports_limited: bool,
    today: String,
}

async fn item_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path((plan, item)): Path<(i64, i64)>,
) -> Response {
    let user = UserView::of(&auth);
    let loaded = async {
        let view = plans::item(&state.db, item, today_cst()).await?;
        if view.plan_id != plan {
            return Err(StoreError::NotFound {
                entity: "plan item",
                key: item.to_string(),
            });
        }
        Ok((
            view,
            plans::reports(&state.db, &auth.principal, item).await?,
            plans::attachments_of_item(&state.db, &auth.principal, item).await?,
        ))
    }
    .await;
    match loaded {
        Ok((item_view, reports, attachments)) => {
            let my = &auth.principal.unit_key;
            let role = item_view.role_of(my);
            let writes_own = auth.principal.can_write_unit(auth.principal.unit_id);
            let answers = writes_own && role.is_some_and(|r| r.answers_for_item());
            let page = ItemPage {
                t,
                user: Some(user),
                path: format!("/plans/{plan}/items/{item}"),
                plan_id: plan,
                can_report: writes_own && role.is_some(),
                can_close: answers && item_view.closed_on.is_none(),
                can_reopen: answers && item_view.closed_on.is_some(),
                reports_limited: *auth.principal.readable_units()
                    != fazhi_store::access::UnitSet::All,
                item: item_view,
                reports,
                attachments,
                today: today_cst().to_string(),
            };
            render(&page, StatusCode::OK)
        }
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

fn bad_date(field: &'static str, s: &str) -> StoreError {
    StoreError::invalid(
        field,
        format!("日期格式应为 YYYY-MM-DD:{s}"),
        format!("a date is YYYY-MM-DD: {s}"),
    )
}

/// The report form, sent as multipart so that files can come with it.
#[derive(Default)]
struct ReportForm {
    csrf: String,
    reported_on: String,
    status: String,
    text: String,
    files: Vec<plans::NewAttachment>,
}

/// Read the report form. Its text parts are checked like every other text input (UTF-8, no
/// control characters, bounded length; see [`crate::input`]), the files are taken as sent.
async fn read_report_form(mut mp: Multipart) -> Result<ReportForm, crate::error::ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        crate::error::ApiError::for_status(e.status(), Some(&e.body_text()))
    };
    let mut form = ReportForm::default();
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        crate::input::check_text(&name, "")?;
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_string();
            crate::input::check_text("filename", &filename)?;
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            crate::input::check_text("content_type", &content_type)?;
            let content = field.bytes().await.map_err(bad)?.to_vec();
            // A file input left empty still sends a part with no name and no bytes.
            if !filename.is_empty() || !content.is_empty() {
                form.files.push(plans::NewAttachment {
                    filename,
                    content_type,
                    content,
                });
            }
            continue;
        }
        let value = crate::input::utf8_text(&name, &field.bytes().await.map_err(bad)?)?;
        match name.as_str() {
            "csrf" => form.csrf = value,
            "reported_on" => form.reported_on = value,
            "status" => form.status = value,
            "text" => form.text = value,
            _ => {}
        }
    }
    Ok(form)
}

async fn add_report(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path((plan, item)): Path<(i64, i64)>,
    mp: Multipart,
) -> Response {
    let user = UserView::of(&auth);
    let here = format!("/plans/{plan}/items/{item}");
    let form = match read_report_form(mp).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if !crate::pages::csrf_ok(&auth, &form.csrf) {
        return store_error_page(t, Some(user), "/home", StoreError::Forbidden);
    }
    let result = async {
        let reported_on = NaiveDate::parse_from_str(form.reported_on.trim(), "%Y-%m-%d")
            .map_err(|_| bad_date("report date", &form.reported_on))?;
        let status = ReportStatus::parse(&form.status)?;
        let unit = auth
            .principal
            .write_unit(&state.db, &auth.principal.unit_key)
            .await?;
        let report = NewReport {
            reported_on,
            status,
            text: form.text.clone(),
        };
        plans::file_report_with(&state.db, &unit, item, &report, &form.files).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&here).into_response(),
        Err(e) => store_error_page(t, Some(user), &here, e),
    }
}

/// Download an attachment: for those who may read its report (see `plans::ReportScope`).
async fn download(State(state): State<AppState>, auth: Auth, Path(id): Path<i64>) -> Response {
    match plans::attachment(&state.db, &auth.principal, id).await {
        Ok((info, bytes)) => {
            // RFC 5987 encoding keeps Chinese file names intact and the header valid.
            let encoded: String = info
                .filename
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename*=UTF-8''{encoded}"),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
struct CloseForm {
    csrf: String,
    closed_on: String,
    summary: String,
}

async fn close(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path((plan, item)): Path<(i64, i64)>,
    Form(form): Form<CloseForm>,
) -> Response {
    let user = UserView::of(&auth);
    if !crate::pages::csrf_ok(&auth, &form.csrf) {
        return store_error_page(t, Some(user), "/home", StoreError::Forbidden);
    }
    let result = async {
        let closed_on = NaiveDate::parse_from_str(form.closed_on.trim(), "%Y-%m-%d")
            .map_err(|_| bad_date("closing date", &form.closed_on))?;
        let unit = auth
            .principal
            .write_unit(&state.db, &auth.principal.unit_key)
            .await?;
        plans::close_item(&state.db, &unit, item, closed_on, &form.summary).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/plans/{plan}/items/{item}")).into_response(),
        Err(e) => store_error_page(t, Some(user), &format!("/plans/{plan}/items/{item}"), e),
    }
}

#[derive(Deserialize)]
struct ReopenForm {
    csrf: String,
    reason: String,
}

/// Reopen a closed item with the reason (its lead or co-lead unit).
async fn reopen(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path((plan, item)): Path<(i64, i64)>,
    Form(form): Form<ReopenForm>,
) -> Response {
    let user = UserView::of(&auth);
    let here = format!("/plans/{plan}/items/{item}");
    if !crate::pages::csrf_ok(&auth, &form.csrf) {
        return store_error_page(t, Some(user), "/home", StoreError::Forbidden);
    }
    let result = async {
        let unit = auth
            .principal
            .write_unit(&state.db, &auth.principal.unit_key)
            .await?;
        plans::reopen_item(&state.db, &unit, item, &form.reason).await
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&here).into_response(),
        Err(e) => store_error_page(t, Some(user), &here, e),
    }
}

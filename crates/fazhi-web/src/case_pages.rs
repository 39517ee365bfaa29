//! Case pages: lists with filters, a case's page (deadlines with their explanations, history,
//! links, alerts, personal data for those who may see it) with forms for exactly the actions the
//! engine allows now, the form to open a case, fault accountability, alerts and overdue lists.

use crate::auth::Auth;
use crate::i18n::Tr;
use crate::pages::{csrf_ok, render, store_error_page, UserView};
use crate::plan_pages::today_cst;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use fazhi_procedure::{FieldInfo, ProcedureSet};
use fazhi_store::cases::{self, CaseFilter, CaseSummary, CaseView, OverdueLine};
use fazhi_store::StoreError;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list_page).post(open_submit))
        .route("/cases/new", get(new_page))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/act", post(act_submit))
        .route("/cases/{id}/accountability", post(accountability_submit))
        .route("/overdue", get(overdue_page))
}

/// The form fields of a procedure's opening action.
pub fn opening_fields(procedure: &str) -> Vec<FieldInfo> {
    fazhi_procedure::opening_fields(ProcedureSet::bundled(), procedure)
}

pub fn procedure_name(t: &Tr, id: &str) -> String {
    ProcedureSet::bundled()
        .get(id)
        .map(|p| t.pick(&p.name_zh, &p.name_en).clone())
        .unwrap_or_else(|| id.to_string())
}

fn step_name(t: &Tr, procedure: &str, step: &str) -> String {
    ProcedureSet::bundled()
        .get(procedure)
        .and_then(|p| p.step(step))
        .map(|s| t.pick(&s.name_zh, &s.name_en).clone())
        .unwrap_or_else(|| step.to_string())
}

pub fn timing_key(timing: &str) -> &'static str {
    match timing {
        "overdue" => "timing.overdue",
        "due_soon" => "timing.due_soon",
        "on_time" => "timing.on_time",
        "closed" => "case.closed",
        "closed_on_time" => "timing.closed_on_time",
        "closed_late" => "timing.closed_late",
        "suspended" => "case.suspended",
        "lapsed" => "case.lapsed",
        "no_time_limit" => "case.no_time_limit",
        _ => "case.no_running_deadline",
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    procedure: Option<String>,
    unit: Option<String>,
    status: Option<String>,
    due_before: Option<String>,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    cases: Vec<CaseSummary>,
    procedures: Vec<(String, String)>,
    q: ListQuery,
}

impl ListPage {
    fn sel(&self, value: &str, current: &Option<String>) -> &'static str {
        if current.as_deref() == Some(value) {
            "selected"
        } else {
            ""
        }
    }
    fn proc_name(&self, id: &str) -> String {
        procedure_name(&self.t, id)
    }
    fn step(&self, c: &CaseSummary) -> String {
        step_name(&self.t, &c.procedure, &c.step)
    }
}

fn procedures(t: &Tr) -> Vec<(String, String)> {
    ProcedureSet::bundled()
        .procedures()
        .iter()
        .map(|p| (p.id.clone(), t.pick(&p.name_zh, &p.name_en).clone()))
        .collect()
}

async fn list_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> Response {
    let user = UserView::of(&auth);
    let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.is_empty());
    let due_before =
        nonempty(&q.due_before).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let filter = CaseFilter {
        procedure: nonempty(&q.procedure),
        unit_key: nonempty(&q.unit),
        status: nonempty(&q.status),
        due_before,
        limit: 500,
    };
    match cases::list(&state.db, &auth.principal, &filter, today_cst()).await {
        Ok(list) => {
            let page = ListPage {
                procedures: procedures(&t),
                t,
                user: Some(user),
                path: "/cases".into(),
                cases: list,
                q,
            };
            render(&page, StatusCode::OK)
        }
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    procedure: Option<String>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    procedures: Vec<(String, String)>,
    procedure: String,
    fields: Vec<FieldInfo>,
    units: Vec<(String, String)>,
    today: String,
}

async fn new_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Query(q): Query<NewQuery>,
) -> Response {
    let user = UserView::of(&auth);
    let procedure = q.procedure.unwrap_or_else(|| "disclosure_request".into());
    let units = match fazhi_store::directory::list_units(&state.db).await {
        Ok(u) => u
            .into_iter()
            .filter(|u| auth.principal.can_write_unit(u.id))
            .map(|u| (u.key, t.pick(u.name, u.name_en)))
            .collect(),
        Err(e) => return store_error_page(t, Some(user), "/cases", e),
    };
    let page = NewPage {
        procedures: procedures(&t),
        fields: opening_fields(&procedure),
        t,
        user: Some(user),
        path: "/cases/new".into(),
        procedure,
        units,
        today: today_cst().to_string(),
    };
    render(&page, StatusCode::OK)
}

/// Form fields come as `f.<id>`; empty ones are left out so optional fields stay unset.
fn form_fields(form: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    form.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("f.")
                .map(|id| (id.to_string(), v.trim().to_string()))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

fn form_date(form: &BTreeMap<String, String>, key: &'static str) -> Result<NaiveDate, StoreError> {
    let raw = form.get(key).map(String::as_str).unwrap_or("");
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        StoreError::invalid(
            key,
            format!("日期格式应为 YYYY-MM-DD:{raw}"),
            format!("a date is YYYY-MM-DD: {raw}"),
        )
    })
}

async fn open_submit(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return store_error_page(t, Some(user), "/cases", StoreError::Forbidden);
    }
    let result = async {
        let on = form_date(&form, "on")?;
        let unit_key = form
            .get("unit")
            .cloned()
            .unwrap_or_else(|| auth.principal.unit_key.clone());
        let procedure = form.get("procedure").cloned().unwrap_or_default();
        let unit = auth.principal.write_unit(&state.db, &unit_key).await?;
        // Through referrals: a case that names the petition it was referred from is linked.
        fazhi_store::referrals::open_case(
            &state.db,
            &unit,
            &auth.principal,
            &procedure,
            on,
            form_fields(&form),
        )
        .await
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => store_error_page(t, Some(user), "/cases/new", e),
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    v: CaseView,
    today: String,
    can_hold_accountable: bool,
    field_names: BTreeMap<String, String>,
    message: Option<String>,
}

impl CasePage {
    fn proc_name(&self, id: &str) -> String {
        procedure_name(&self.t, id)
    }
    fn step(&self) -> String {
        step_name(&self.t, &self.v.summary.procedure, &self.v.summary.step)
    }
    fn field_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.field_names.get(id).map(String::as_str).unwrap_or(id)
    }
    /// What a link between two cases means, in the page's language (`link.NAME` in the locales).
    fn link_name(&self, id: &str) -> &'static str {
        self.t.t(&format!("link.{id}"))
    }
    /// The current personal values (history copies are keyed `seq:field` and not shown again).
    fn personal_now(&self) -> Vec<(&String, &String)> {
        self.v
            .personal
            .iter()
            .flatten()
            .filter(|(k, _)| !k.contains(':'))
            .collect()
    }
    /// A value as a person reads it: a choice's name rather than its id.
    fn value<'a>(&'a self, field: &str, value: &'a str) -> String {
        ProcedureSet::bundled()
            .get(&self.v.summary.procedure)
            .and_then(|p| p.field(field))
            .and_then(|f| f.choices.iter().find(|c| c.id == value))
            .map(|c| self.t.pick(&c.name_zh, &c.name_en).clone())
            .unwrap_or_else(|| value.to_string())
    }
    fn action_name(&self, id: &str) -> String {
        ProcedureSet::bundled()
            .get(&self.v.summary.procedure)
            .and_then(|p| p.action(id))
            .map(|a| self.t.pick(&a.name_zh, &a.name_en).clone())
            .unwrap_or_else(|| id.to_string())
    }
}

#[derive(Deserialize)]
pub struct CaseQuery {
    on: Option<NaiveDate>,
}

async fn case_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Response {
    show_case(&state, t, &auth, id, q.on.unwrap_or_else(today_cst), None).await
}

async fn show_case(
    state: &AppState,
    t: Tr,
    auth: &Auth,
    id: i64,
    on: NaiveDate,
    message: Option<String>,
) -> Response {
    let user = UserView::of(auth);
    match cases::view(&state.db, &auth.principal, id, on).await {
        Ok(v) => {
            let field_names = ProcedureSet::bundled()
                .get(&v.summary.procedure)
                .map(|p| {
                    p.fields
                        .iter()
                        .map(|f| (f.id.clone(), t.pick(&f.name_zh, &f.name_en).clone()))
                        .collect()
                })
                .unwrap_or_default();
            // As the store decides: a supervisor (or administrator) who may act for the unit.
            let supervises = auth.principal.grants.iter().any(|g| {
                matches!(
                    g.role,
                    fazhi_store::Role::Supervisor | fazhi_store::Role::Administrator
                )
            }) && auth
                .principal
                .write_unit(&state.db, &v.summary.unit_key)
                .await
                .is_ok();
            let missed = v
                .deadlines
                .iter()
                .any(|d| matches!(d.status.as_str(), "overdue" | "closed_late"));
            let status = if message.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let page = CasePage {
                t,
                user: Some(user),
                path: format!("/cases/{id}"),
                can_hold_accountable: supervises && missed,
                v,
                today: on.to_string(),
                field_names,
                message,
            };
            render(&page, status)
        }
        Err(e) => store_error_page(t, Some(user), "/cases", e),
    }
}

async fn act_submit(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return store_error_page(t, Some(user), "/cases", StoreError::Forbidden);
    }
    let result = async {
        let on = form_date(&form, "on")?;
        let action = form.get("action").cloned().unwrap_or_default();
        cases::act(
            &state.db,
            &auth.principal,
            id,
            &action,
            on,
            form_fields(&form),
            None,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        // A refused action shows the case again with the engine's reason, so the person sees
        // what is missing next to the forms.
        Err(StoreError::Refused {
            message_zh,
            message_en,
            ..
        }) => {
            let msg = t.pick(message_zh, message_en);
            show_case(&state, t, &auth, id, today_cst(), Some(msg)).await
        }
        Err(e) => store_error_page(t, Some(user), &format!("/cases/{id}"), e),
    }
}

async fn accountability_submit(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path(id): Path<i64>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return store_error_page(t, Some(user), "/cases", StoreError::Forbidden);
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result = async {
        let on = form_date(&form, "decided_on")?;
        cases::open_accountability(
            &state.db,
            &auth.principal,
            id,
            &get("person"),
            &get("failure"),
            &get("decision"),
            on,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => store_error_page(t, Some(user), &format!("/cases/{id}"), e),
    }
}

#[derive(Template)]
#[template(path = "overdue.html")]
struct OverduePage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    lines: Vec<OverdueLine>,
    on: String,
}

impl OverduePage {
    fn proc_name(&self, id: &str) -> String {
        procedure_name(&self.t, id)
    }
}

async fn overdue_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Query(q): Query<CaseQuery>,
) -> Response {
    let user = UserView::of(&auth);
    let on = q.on.unwrap_or_else(today_cst);
    match cases::overdue(&state.db, &auth.principal, on).await {
        Ok(lines) => render(
            &OverduePage {
                t,
                user: Some(user),
                path: "/overdue".into(),
                lines,
                on: on.to_string(),
            },
            StatusCode::OK,
        ),
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

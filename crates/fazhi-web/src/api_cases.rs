//! The case API: procedures, cases, actions, alerts, overdue lists, fault accountability.

use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::{ApiErrorBody, ApiResult};
use crate::plan_pages::today_cst;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use fazhi_store::cases::{self, CaseFilter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_procedures))
        .routes(routes!(list_cases, open_case))
        .routes(routes!(show_case))
        .routes(routes!(act))
        .routes(routes!(alerts))
        .routes(routes!(overdue))
        .routes(routes!(accountability))
}

#[derive(Serialize, ToSchema)]
pub struct ProcedureOut {
    #[schema(value_type = crate::api_doc::ProcedureId)]
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The opening action's fields (what `POST /api/v1/cases` takes in `fields`).
    #[schema(value_type = Vec<crate::api_doc::FieldInfoDoc>)]
    pub opening_fields: Vec<fazhi_procedure::FieldInfo>,
}

/// The statutory procedures fazhi runs.
#[utoipa::path(get, path = "/api/v1/procedures", security(()), responses((status = 200, body = Vec<ProcedureOut>)))]
async fn list_procedures() -> Json<Vec<ProcedureOut>> {
    Json(
        fazhi_procedure::ProcedureSet::bundled()
            .procedures()
            .iter()
            .map(|p| ProcedureOut {
                id: p.id.clone(),
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
                opening_fields: crate::case_pages::opening_fields(&p.id),
            })
            .collect(),
    )
}

#[derive(Deserialize, IntoParams)]
pub struct CaseListParams {
    #[param(value_type = Option<crate::api_doc::ProcedureId>)]
    pub procedure: Option<String>,
    /// A unit's key.
    pub unit: Option<String>,
    #[param(value_type = Option<crate::api_doc::CaseStatusFilter>)]
    pub status: Option<String>,
    pub due_before: Option<NaiveDate>,
    /// Judge timing on this day; default today (China Standard Time).
    pub on: Option<NaiveDate>,
    /// At most 5000; default 200.
    pub limit: Option<i64>,
}

/// Cases the caller may read, soonest deadline first.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseListParams),
    responses((status = 200, body = Vec<crate::api_doc::CaseSummaryDoc>)))]
async fn list_cases(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<CaseListParams>,
) -> ApiResult<Json<Vec<cases::CaseSummary>>> {
    let f = CaseFilter {
        procedure: p.procedure,
        unit_key: p.unit,
        status: p.status,
        due_before: p.due_before,
        limit: p.limit.unwrap_or(200).clamp(1, 5000),
    };
    Ok(Json(
        cases::list(
            &state.db,
            &auth.principal,
            &f,
            p.on.unwrap_or_else(today_cst),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseIn {
    #[schema(value_type = crate::api_doc::ProcedureId)]
    pub procedure: String,
    /// The responsible unit's key; default the caller's own unit.
    pub unit: Option<String>,
    pub on: NaiveDate,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Open a case for a unit the caller may act for. A reconsideration case may name the petition
/// it was referred from (`referred_from_petition`: a petition whose petitioner was told to apply
/// for reconsideration); the two cases are then linked.
#[utoipa::path(post, path = "/api/v1/cases", request_body = OpenCaseIn,
    responses((status = 201, body = Created), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
async fn open_case(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<OpenCaseIn>,
) -> ApiResult<impl IntoResponse> {
    let key = body.unit.unwrap_or_else(|| auth.principal.unit_key.clone());
    let unit = auth.principal.write_unit(&state.db, &key).await?;
    let id = fazhi_store::referrals::open_case(
        &state.db,
        &unit,
        &auth.principal,
        &body.procedure,
        body.on,
        body.fields,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, IntoParams)]
pub struct OnParam {
    /// Judge timing on this day; default today (China Standard Time).
    pub on: Option<NaiveDate>,
}

/// A case: steps, deadlines with explanations, history, the actions allowed now. Personal data
/// only for the handling unit and its supervisors (and the read is audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(OnParam),
    responses((status = 200, body = crate::api_doc::CaseViewDoc), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)))]
async fn show_case(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<OnParam>,
) -> ApiResult<Json<cases::CaseView>> {
    Ok(Json(
        cases::view(
            &state.db,
            &auth.principal,
            id,
            q.on.unwrap_or_else(today_cst),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    pub action: String,
    pub on: NaiveDate,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// The sequence number of the earlier action this one corrects.
    pub corrects: Option<u32>,
}

/// Apply a dated action. A refused action (gate, step, permission) changes nothing and says why.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", request_body = ActionIn,
    responses((status = 200, body = crate::api_doc::ActOutcomeDoc), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ActionIn>,
) -> ApiResult<Json<cases::ActOutcome>> {
    Ok(Json(
        cases::act(
            &state.db,
            &auth.principal,
            id,
            &body.action,
            body.on,
            body.fields,
            body.corrects,
        )
        .await?,
    ))
}

/// Open alerts for the caller: warnings of their unit, alarms of the units they supervise.
#[utoipa::path(get, path = "/api/v1/alerts", responses((status = 200, body = Vec<crate::api_doc::AlertRowDoc>)))]
async fn alerts(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<cases::AlertRow>>> {
    Ok(Json(cases::alerts_for(&state.db, &auth.principal).await?))
}

/// Overdue running deadlines in the caller's scope, with days overdue.
#[utoipa::path(get, path = "/api/v1/overdue", params(OnParam),
    responses((status = 200, body = Vec<crate::api_doc::OverdueLineDoc>)))]
async fn overdue(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<OnParam>,
) -> ApiResult<Json<Vec<cases::OverdueLine>>> {
    Ok(Json(
        cases::overdue(&state.db, &auth.principal, q.on.unwrap_or_else(today_cst)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountabilityIn {
    /// The person held accountable (personal data).
    pub person: String,
    pub failure: String,
    pub decision: String,
    pub decided_on: NaiveDate,
}

/// Record fault accountability on a case that missed a deadline (supervisors).
#[utoipa::path(post, path = "/api/v1/cases/{id}/accountability", request_body = AccountabilityIn,
    responses((status = 201, body = Created), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
async fn accountability(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AccountabilityIn>,
) -> ApiResult<impl IntoResponse> {
    let new = cases::open_accountability(
        &state.db,
        &auth.principal,
        id,
        &b.person,
        &b.failure,
        &b.decision,
        b.decided_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: new })))
}

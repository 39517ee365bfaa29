//! The discretion API: the published benchmarks (public), evaluating a case, recording decided
//! penalties, the review list of deviations and per-agency deviation rates.

use crate::api::ApiJson;
use crate::auth::Auth;
use crate::discretion_pages::{evaluate, published, BenchmarkView};
use crate::error::{ApiError, ApiErrorBody, ApiResult};
use crate::plan_pages::today_cst;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use fazhi_discretion::Report;
use fazhi_store::penalties::{
    self, AgencyRate, NewPenalty, PenaltyFilter, PenaltyRow, PenaltyView,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_benchmarks))
        .routes(routes!(show_benchmark))
        .routes(routes!(evaluate_case))
        .routes(routes!(list_decisions, record_decision))
        .routes(routes!(show_decision))
        .routes(routes!(deviations))
        .routes(routes!(rates))
}

#[derive(Deserialize, IntoParams)]
pub struct OnParam {
    /// Mark the version in force on this day; default today (China Standard Time).
    pub on: Option<NaiveDate>,
}

/// Every published benchmark: agency, legal basis, effective dates, statutory ranges, tiers
/// with their conditions and sub-ranges (public).
#[utoipa::path(get, path = "/api/v1/discretion/benchmarks", params(OnParam), security(()),
    responses((status = 200, body = Vec<crate::api_doc::BenchmarkViewDoc>)))]
async fn list_benchmarks(Query(q): Query<OnParam>) -> Json<Vec<BenchmarkView>> {
    Json(published(q.on.unwrap_or_else(today_cst)))
}

/// One published benchmark (public).
#[utoipa::path(get, path = "/api/v1/discretion/benchmarks/{id}", params(OnParam), security(()),
    responses((status = 200, body = crate::api_doc::BenchmarkViewDoc), (status = 404, body = ApiErrorBody)))]
async fn show_benchmark(
    Path(id): Path<String>,
    Query(q): Query<OnParam>,
) -> ApiResult<Json<BenchmarkView>> {
    let on = q.on.unwrap_or_else(today_cst);
    published(on)
        .into_iter()
        .find(|b| b.id == id)
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_benchmark",
                format!("未知的裁量基准“{id}”"),
                format!("unknown discretion benchmark '{id}'"),
            )
        })
}

/// Facts as JSON: strings as written, numbers, or true/false.
fn fact_texts(facts: &BTreeMap<String, serde_json::Value>) -> ApiResult<BTreeMap<String, String>> {
    facts
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "wrong_type",
                        format!("事实“{k}”的值应为文本、数字或 true/false，而不是 {other}"),
                        format!("fact '{k}' must be a string, a number or true/false, not {other}"),
                    ))
                }
            };
            Ok((k.clone(), text))
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateIn {
    #[schema(value_type = crate::api_doc::BenchmarkId)]
    pub benchmark: String,
    /// Day of the violation (for a continuing violation, the day it ended).
    pub violation: NaiveDate,
    /// Day of the decision; default today.
    pub decision: Option<NaiveDate>,
    /// Day the violation was discovered; default the decision date.
    pub discovered: Option<NaiveDate>,
    /// `name → value`; values as strings (money in yuan), numbers or true/false.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub facts: BTreeMap<String, serde_json::Value>,
    /// A decided fine in yuan to check against the recommendation.
    pub decided: Option<String>,
}

/// What the benchmark says about a case: version, tier, adjustment, recommended range and the
/// explanation in zh-CN and English. Nothing is stored. Unknown facts, facts of the wrong type
/// and a violation date with no version in force are 422 with the engine's code.
#[utoipa::path(post, path = "/api/v1/discretion/evaluate", request_body = EvaluateIn,
    responses((status = 200, body = crate::api_doc::ReportDoc), (status = 422, body = ApiErrorBody)))]
async fn evaluate_case(_auth: Auth, ApiJson(b): ApiJson<EvaluateIn>) -> ApiResult<Json<Report>> {
    let facts = fact_texts(&b.facts)?;
    let d = |x: Option<NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
    evaluate(
        &b.benchmark,
        &b.violation.to_string(),
        &d(b.decision),
        &d(b.discovered),
        &facts,
        b.decided.as_deref().unwrap_or(""),
    )
    .map(Json)
    .map_err(|(code, zh, en)| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, zh, en))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// The deciding agency's unit key; default the caller's own unit.
    pub unit: Option<String>,
    /// The deciding unit must be one of the benchmark's agency units.
    #[schema(value_type = crate::api_doc::BenchmarkId)]
    pub benchmark: String,
    /// 决定书文号, unique within the unit.
    pub case_number: String,
    /// The party (personal data: never published, never on the audit trail).
    pub party_name: String,
    pub violation: NaiveDate,
    pub decision: NaiveDate,
    pub discovered: Option<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub facts: BTreeMap<String, serde_json::Value>,
    /// The decided fine in yuan ("0" = no fine).
    pub decided: String,
    /// Required when the decided fine is outside the recommendation.
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedOut {
    pub id: i64,
    #[schema(value_type = crate::api_doc::ReportDoc)]
    pub report: Report,
}

/// Record a decided penalty for a unit the caller may act for, which must be one of the
/// benchmark's agency units (403 otherwise). A decision outside the recommendation without a
/// written reason is refused (422) and nothing is stored.
#[utoipa::path(post, path = "/api/v1/discretion/decisions", request_body = DecisionIn,
    responses((status = 201, body = RecordedOut), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn record_decision(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<DecisionIn>,
) -> ApiResult<impl IntoResponse> {
    let facts = fact_texts(&b.facts)?;
    let decided_fen = fazhi_discretion::parse_decided(&b.decided).map_err(|e| {
        let (zh, en) = penalties::eval_messages(&e);
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), zh, en)
    })?;
    let key = b.unit.unwrap_or_else(|| auth.principal.unit_key.clone());
    let unit = auth.principal.write_unit(&state.db, &key).await?;
    let r = penalties::record(
        &state.db,
        &unit,
        &NewPenalty {
            benchmark: b.benchmark,
            case_number: b.case_number,
            party_name: b.party_name,
            violation_date: b.violation,
            decision_date: b.decision,
            discovered_date: b.discovered,
            facts,
            decided_fen,
            reason: b.reason,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordedOut {
            id: r.id,
            report: r.report,
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct DecisionParams {
    /// Only decisions outside the recommendation.
    pub outside_only: Option<bool>,
    /// A unit's key.
    pub unit: Option<String>,
    /// At most 5000; default 500.
    pub limit: Option<i64>,
}

/// Decisions of the units the caller may read, newest first (no party names).
#[utoipa::path(get, path = "/api/v1/discretion/decisions", params(DecisionParams),
    responses((status = 200, body = Vec<crate::api_doc::PenaltyRowDoc>)))]
async fn list_decisions(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<DecisionParams>,
) -> ApiResult<Json<Vec<PenaltyRow>>> {
    Ok(Json(
        penalties::list(
            &state.db,
            &auth.principal,
            &PenaltyFilter {
                outside_only: p.outside_only.unwrap_or(false),
                unit_key: p.unit,
                limit: p.limit.unwrap_or(500).clamp(1, 5000),
            },
        )
        .await?,
    ))
}

/// One decision with its facts and the engine's report; the party's name only for the
/// deciding unit and its supervisors (and that read is audited).
#[utoipa::path(get, path = "/api/v1/discretion/decisions/{id}",
    responses((status = 200, body = crate::api_doc::PenaltyViewDoc), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)))]
async fn show_decision(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<PenaltyView>> {
    Ok(Json(penalties::view(&state.db, &auth.principal, id).await?))
}

/// The legal affairs office's review list: decisions outside the recommendation in the
/// caller's scope, with their written reasons.
#[utoipa::path(get, path = "/api/v1/discretion/deviations",
    responses((status = 200, body = Vec<crate::api_doc::PenaltyRowDoc>)))]
async fn deviations(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<PenaltyRow>>> {
    Ok(Json(
        penalties::deviations(&state.db, &auth.principal).await?,
    ))
}

/// Per-agency deviation rates (decisions, outside the recommendation, rate) in scope.
#[utoipa::path(get, path = "/api/v1/discretion/rates",
    responses((status = 200, body = Vec<crate::api_doc::AgencyRateDoc>)))]
async fn rates(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<AgencyRate>>> {
    Ok(Json(penalties::rates(&state.db, &auth.principal).await?))
}

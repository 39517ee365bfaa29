//! The JSON API under `/api/v1`. Each handler documents itself for the OpenAPI document, which
//! is generated from this code and served at `/api/v1/openapi.json`.

use crate::auth::{Auth, ClientAddr, SESSION_COOKIE};
use crate::error::{ApiError, ApiErrorBody, ApiResult};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use fazhi_store::access::RoleGrant;
use fazhi_store::audit::{AuditQuery, AuditRecord, VerifyReport};
use fazhi_store::directory::{NewUnit, UnitRow};
use fazhi_store::profile::Profile;
use fazhi_store::{accounts, audit, directory, plans, profile};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "fazhi API",
        description = "法治 fazhi: law-based administration, on time and on record."
    ),
    // Every operation needs a caller unless it says otherwise (`security(())`).
    security(("session" = []), ("token" = [])),
    components(schemas(
        ApiErrorBody,
        crate::api_doc::ProcedureId,
        crate::api_doc::BenchmarkId,
        crate::api_doc::RoleDoc,
        crate::api_doc::RoleGrantDoc,
        crate::api_doc::CaseStatusFilter,
        crate::api_doc::ReportStatusDoc,
        crate::api_doc::UnitKindDoc,
    ))
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login, logout))
        .routes(routes!(me))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(resolve_unit))
        .routes(routes!(map_alias))
        .routes(routes!(get_profile, put_profile))
        .routes(routes!(list_users, create_user))
        .routes(routes!(create_token))
        .routes(routes!(list_audit))
        .routes(routes!(verify_audit))
        .routes(routes!(list_plans))
        .routes(routes!(plan_matrix))
        .routes(routes!(unit_responsibilities))
        .routes(routes!(add_report))
        .routes(routes!(close_item))
        .routes(routes!(reopen_item))
}

/// JSON body extractor whose rejections use the API's error shape: malformed JSON or invalid
/// UTF-8 is 400, a body of the wrong shape (unknown or missing fields) 422, a wrong content
/// type 415, an oversized body 413.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let detail = r.body_text();
    match r {
        JsonRejection::JsonDataError(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("请求内容不符合要求:{detail}"),
            format!("the request body does not have the expected shape: {detail}"),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 JSON(Content-Type: application/json)",
            "the request must be JSON (Content-Type: application/json)",
        ),
        JsonRejection::BytesRejection(_) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求内容过大",
                "the request body is too large",
            )
        }
        _ => ApiError::bad_request(
            format!("请求不是有效的 JSON:{detail}"),
            format!("the request body is not valid JSON: {detail}"),
        ),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub unit_key: String,
    pub unit_name: String,
    #[schema(value_type = Vec<crate::api_doc::RoleGrantDoc>)]
    pub roles: Vec<RoleGrant>,
}

impl Me {
    fn of(p: &fazhi_store::Principal) -> Self {
        Me {
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            unit_key: p.unit_key.clone(),
            unit_name: p.unit_name.clone(),
            roles: p.grants.clone(),
        }
    }
}

pub(crate) fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(cookie_age(accounts::SESSION_HOURS))
        .build()
}

fn cookie_age(hours: i64) -> time::Duration {
    time::Duration::hours(hours)
}

/// Sign in with a username and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest, security(()),
    responses((status = 200, body = Me, headers(("set-cookie" = String, description = "The session cookie"))),
        (status = 401, body = ApiErrorBody), (status = 429, body = ApiErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    jar: CookieJar,
    ApiJson(req): ApiJson<LoginRequest>,
) -> axum::response::Response {
    match accounts::login(&state.db, &req.username, &req.password, &ip).await {
        Ok(session) => {
            let me = Me::of(&session.principal);
            (jar.add(session_cookie(&state, session.token)), Json(me)).into_response()
        }
        Err(e) => (retry_after(&e), ApiError::from(e)).into_response(),
    }
}

/// `Retry-After` for a sign-in refused while a backoff runs.
pub(crate) fn retry_after(
    e: &fazhi_store::StoreError,
) -> Option<[(axum::http::HeaderName, String); 1]> {
    match e {
        fazhi_store::StoreError::RateLimited { retry_after_secs } => Some([(
            axum::http::header::RETRY_AFTER,
            retry_after_secs.to_string(),
        )]),
        _ => None,
    }
}

/// Sign out: ends the session.
#[utoipa::path(delete, path = "/api/v1/session", security(()), responses((status = 204)))]
async fn logout(State(state): State<AppState>, jar: CookieJar) -> ApiResult<impl IntoResponse> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        accounts::logout(&state.db, c.value()).await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    ))
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
async fn me(auth: Auth) -> Json<Me> {
    Json(Me::of(&auth.principal))
}

#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub key: String,
    pub name: String,
    pub name_en: String,
    #[schema(value_type = crate::api_doc::UnitKindDoc)]
    pub kind: String,
    pub parent_key: Option<String>,
}

impl From<UnitRow> for UnitOut {
    fn from(u: UnitRow) -> Self {
        UnitOut {
            key: u.key,
            name: u.name,
            name_en: u.name_en,
            kind: u.kind,
            parent_key: u.parent_key,
        }
    }
}

/// Every unit of the directory (public).
#[utoipa::path(get, path = "/api/v1/units", security(()), responses((status = 200, body = Vec<UnitOut>)))]
async fn list_units(State(state): State<AppState>) -> ApiResult<Json<Vec<UnitOut>>> {
    Ok(Json(
        directory::list_units(&state.db)
            .await?
            .into_iter()
            .map(UnitOut::from)
            .collect(),
    ))
}

/// Add a unit (administrators). A duplicate name or key is refused with 422.
#[utoipa::path(post, path = "/api/v1/units", request_body = crate::api_doc::NewUnitDoc,
    responses((status = 201, body = UnitOut), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_unit(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(new): ApiJson<NewUnit>,
) -> ApiResult<impl IntoResponse> {
    let admin = auth.principal.admin()?;
    let row = directory::create_unit(&state.db, &admin, new).await?;
    Ok((StatusCode::CREATED, Json(UnitOut::from(row))))
}

#[derive(Deserialize, IntoParams)]
pub struct ResolveQuery {
    /// A unit name as written, e.g. 法制 or 市级各部门.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResolveOut {
    pub name: String,
    /// `unit`, `group`, `choose` (a group whose members are chosen per item) or `unknown`.
    #[schema(pattern = "^(unit|group|choose|unknown)$")]
    pub kind: String,
    pub units: Vec<UnitOut>,
    pub suggestions: Vec<String>,
}

/// Resolve a name as written to the unit(s) it means. Unknown names say so; nothing is guessed.
#[utoipa::path(get, path = "/api/v1/units/resolve", params(ResolveQuery), security(()), responses((status = 200, body = ResolveOut)))]
async fn resolve_unit(
    State(state): State<AppState>,
    Query(q): Query<ResolveQuery>,
) -> ApiResult<Json<ResolveOut>> {
    let dir = directory::load_directory(&state.db).await?;
    let res = dir.resolve(&q.name);
    let units = res
        .unit_keys()
        .into_iter()
        .filter_map(|k| dir.unit(k))
        .map(|u| UnitOut {
            key: u.key.clone(),
            name: u.name.clone(),
            name_en: u.name_en.clone(),
            kind: u.kind.as_str().to_string(),
            parent_key: u.parent.clone(),
        })
        .collect();
    let suggestions = match &res {
        fazhi_org::Resolution::Unknown { suggestions } => suggestions
            .iter()
            .filter_map(|k| dir.unit(k))
            .map(|u| u.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    Ok(Json(ResolveOut {
        name: q.name,
        kind: res.kind_str().to_string(),
        units,
        suggestions,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasIn {
    pub alias: String,
}

/// Remember that a name means this unit (administrators).
#[utoipa::path(post, path = "/api/v1/units/{key}/aliases", request_body = AliasIn,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
async fn map_alias(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<AliasIn>,
) -> ApiResult<StatusCode> {
    let admin = auth.principal.admin()?;
    directory::remember_alias(&state.db, &admin, &body.alias, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    pub address: String,
    pub phone: String,
    pub office_hours: String,
    pub disclosure_contact: String,
}

impl From<Profile> for ProfileBody {
    fn from(p: Profile) -> Self {
        ProfileBody {
            address: p.address,
            phone: p.phone,
            office_hours: p.office_hours,
            disclosure_contact: p.disclosure_contact,
        }
    }
}

/// A unit's public contact profile (readable by anyone signed in who may read the unit).
#[utoipa::path(get, path = "/api/v1/units/{key}/profile",
    responses((status = 200, body = ProfileBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_profile(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
) -> ApiResult<Json<ProfileBody>> {
    let unit = auth.principal.read_unit(&state.db, &key).await?;
    Ok(Json(profile::get(&state.db, &unit).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct Written {
    /// The audit-trail entry that records this change.
    pub audit_seq: i64,
}

/// Replace a unit's contact profile: its own officers, or supervisors of its scope.
#[utoipa::path(put, path = "/api/v1/units/{key}/profile", request_body = ProfileBody,
    responses((status = 200, body = Written), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
async fn put_profile(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<Written>> {
    let unit = auth.principal.write_unit(&state.db, &key).await?;
    let p = Profile {
        address: body.address,
        phone: body.phone,
        office_hours: body.office_hours,
        disclosure_contact: body.disclosure_contact,
    };
    Ok(Json(Written {
        audit_seq: profile::update(&state.db, &unit, &p).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub unit: String,
    /// Roles, e.g. `[{"role": "officer", "scope": null}]`.
    #[schema(value_type = Vec<crate::api_doc::RoleGrantDoc>)]
    pub roles: Vec<RoleGrant>,
}

/// Accounts (administrators).
#[utoipa::path(get, path = "/api/v1/users",
    responses((status = 200, body = Vec<crate::api_doc::UserSummaryDoc>), (status = 403, body = ApiErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<accounts::UserSummary>>> {
    let admin = auth.principal.admin()?;
    Ok(Json(accounts::list_users(&state.db, &admin).await?))
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserIn,
    responses((status = 201, body = crate::api_cases::Created), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewUserIn>,
) -> ApiResult<impl IntoResponse> {
    let admin = auth.principal.admin()?;
    let id = accounts::create_user(
        &state.db,
        &admin,
        accounts::NewUser {
            username: body.username,
            display_name: body.display_name,
            password: body.password,
            unit_key: body.unit,
            grants: body.roles,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(crate::api_cases::Created { id })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Shown once; send it as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Issue an API token for the signed-in account.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenIn, responses((status = 201, body = TokenOut)))]
async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<TokenIn>,
) -> ApiResult<impl IntoResponse> {
    let token = accounts::create_api_token(&state.db, &auth.principal, &body.name).await?;
    Ok((StatusCode::CREATED, Json(TokenOut { token })))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub before_seq: Option<i64>,
    /// At most 500; default 100.
    pub limit: Option<i64>,
}

/// The audit trail, newest first, limited to the caller's units (auditors, supervisors, administrators).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams),
    responses((status = 200, body = Vec<crate::api_doc::AuditRecordDoc>), (status = 403, body = ApiErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    let handle = auth.principal.auditor()?;
    let q = AuditQuery {
        unit_keys: None,
        entity: p.entity,
        entity_id: p.entity_id,
        before_seq: p.before_seq,
        since: None,
        limit: p.limit.unwrap_or(100).clamp(1, 500),
    };
    Ok(Json(audit::list_scoped(&state.db, &handle, q).await?))
}

/// Check the whole hash chain and name the first broken entry.
#[utoipa::path(get, path = "/api/v1/audit/verify",
    responses((status = 200, body = crate::api_doc::VerifyReportDoc), (status = 403, body = ApiErrorBody)))]
async fn verify_audit(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<VerifyReport>> {
    auth.principal.auditor()?;
    Ok(Json(audit::verify(&state.db).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct OnParams {
    /// The day to judge timing on (YYYY-MM-DD); default today (China Standard Time).
    pub on: Option<chrono::NaiveDate>,
}

/// Every imported plan (public).
#[utoipa::path(get, path = "/api/v1/plans", security(()), responses((status = 200, body = Vec<crate::api_doc::PlanRowDoc>)))]
async fn list_plans(State(state): State<AppState>) -> ApiResult<Json<Vec<plans::PlanRow>>> {
    Ok(Json(plans::list_plans(&state.db).await?))
}

/// A plan's items with their units, each unit's latest status, and timing on a day.
#[utoipa::path(get, path = "/api/v1/plans/{id}/matrix", params(OnParams),
    responses((status = 200, body = crate::api_doc::MatrixDoc), (status = 404, body = ApiErrorBody)))]
async fn plan_matrix(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<OnParams>,
) -> ApiResult<Json<plans::Matrix>> {
    let on = q.on.unwrap_or_else(crate::plan_pages::today_cst);
    Ok(Json(plans::matrix(&state.db, id, on).await?))
}

/// The plan items a unit is assigned to, soonest deadline first.
#[utoipa::path(get, path = "/api/v1/units/{key}/responsibilities", params(OnParams),
    responses((status = 200, body = Vec<crate::api_doc::ItemViewDoc>), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody)))]
async fn unit_responsibilities(
    State(state): State<AppState>,
    auth: Auth,
    Path(key): Path<String>,
    Query(q): Query<OnParams>,
) -> ApiResult<Json<Vec<plans::ItemView>>> {
    let unit = auth.principal.read_unit(&state.db, &key).await?;
    let on = q.on.unwrap_or_else(crate::plan_pages::today_cst);
    Ok(Json(plans::responsibilities(&state.db, &unit, on).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// The unit reporting: the caller's own unit by default; a supervisor may report for a unit in scope.
    pub unit: Option<String>,
    pub reported_on: chrono::NaiveDate,
    #[schema(value_type = crate::api_doc::ReportStatusDoc)]
    pub status: String,
    pub text: String,
}

/// File a progress report on a plan item for a unit assigned to it.
#[utoipa::path(post, path = "/api/v1/plan-items/{id}/reports", request_body = ReportIn,
    responses((status = 201, body = crate::api_cases::Created), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReportIn>,
) -> ApiResult<impl IntoResponse> {
    let unit_key = body.unit.unwrap_or_else(|| auth.principal.unit_key.clone());
    let unit = auth.principal.write_unit(&state.db, &unit_key).await?;
    let report = plans::NewReport {
        reported_on: body.reported_on,
        status: plans::ReportStatus::parse(&body.status)?,
        text: body.text,
    };
    let id = plans::file_report(&state.db, &unit, id, &report).await?;
    Ok((StatusCode::CREATED, Json(crate::api_cases::Created { id })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseIn {
    /// The lead unit closing the item: the caller's own unit by default.
    pub unit: Option<String>,
    pub closed_on: chrono::NaiveDate,
    pub summary: String,
}

/// Close a plan item with a summary (its lead or co-lead units only), once: on a day not after
/// today (Beijing) nor before the item's last progress report.
#[utoipa::path(post, path = "/api/v1/plan-items/{id}/close", request_body = CloseIn,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
async fn close_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CloseIn>,
) -> ApiResult<StatusCode> {
    let unit_key = body.unit.unwrap_or_else(|| auth.principal.unit_key.clone());
    let unit = auth.principal.write_unit(&state.db, &unit_key).await?;
    plans::close_item(&state.db, &unit, id, body.closed_on, &body.summary).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenIn {
    /// The lead unit reopening the item: the caller's own unit by default.
    pub unit: Option<String>,
    /// Why the closing is undone (recorded on the audit trail).
    pub reason: String,
}

/// Reopen a closed plan item, with the reason (its lead or co-lead units only): the closing
/// date and summary are cleared, the closing stays on the audit trail.
#[utoipa::path(post, path = "/api/v1/plan-items/{id}/reopen", request_body = ReopenIn,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
async fn reopen_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReopenIn>,
) -> ApiResult<StatusCode> {
    let unit_key = body.unit.unwrap_or_else(|| auth.principal.unit_key.clone());
    let unit = auth.principal.write_unit(&state.db, &unit_key).await?;
    plans::reopen_item(&state.db, &unit, id, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

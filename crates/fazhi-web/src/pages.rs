//! Server-rendered pages: the public portal, sign-in, and each role's home. Every form carries a
//! CSRF token (the session's, or for the sign-in form a double-submit cookie); every string
//! comes from the locale files; templates escape by default.

use crate::api::session_cookie;
use crate::auth::{Auth, ClientAddr, MaybeAuth, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use fazhi_store::access::Role;
use fazhi_store::audit::{AuditQuery, AuditRecord, VerifyReport};
use fazhi_store::directory::UnitRow;
use fazhi_store::profile::{Profile, PublicProfile};
use fazhi_store::{accounts, audit, directory, profile, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(portal))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/home", get(home))
        .route("/units/{key}/profile", post(save_profile))
        .route("/lang/{code}", get(switch_lang))
        .route("/static/app.css", get(stylesheet))
}

/// Render a template, or a plain 500 if rendering fails (a template bug, logged).
pub(crate) fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// What the layout shows of the signed-in person.
pub struct UserView {
    pub display_name: String,
    pub unit_name: String,
    pub csrf: String,
    /// Supervisors, auditors and administrators: they get the leader's view.
    pub overseer: bool,
}

impl UserView {
    pub(crate) fn of(auth: &Auth) -> Self {
        UserView {
            display_name: auth.principal.display_name.clone(),
            unit_name: auth.principal.unit_name.clone(),
            csrf: auth.csrf.clone().unwrap_or_default(),
            overseer: auth.principal.auditor().is_ok(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    title: &'static str,
    message: String,
}

/// The heading of an error page with this status.
fn error_title(t: &Tr, status: StatusCode) -> &'static str {
    t.t(match status {
        StatusCode::UNAUTHORIZED => "error.unauthenticated",
        StatusCode::FORBIDDEN => "error.forbidden",
        StatusCode::NOT_FOUND => "error.not_found",
        StatusCode::METHOD_NOT_ALLOWED => "error.method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "error.too_large",
        StatusCode::TOO_MANY_REQUESTS => "error.too_many",
        s if s.is_server_error() => "error.internal",
        _ => "error.invalid",
    })
}

fn error_page(
    t: Tr,
    user: Option<UserView>,
    path: &str,
    status: StatusCode,
    e: &StoreError,
) -> Response {
    let message = t.pick(e.message_zh(), e.message_en());
    render(
        &ErrorPage {
            title: error_title(&t, status),
            t,
            user,
            path: path.to_string(),
            message,
        },
        status,
    )
}

/// The HTML page for an error that would be JSON on the API: what the router or an extractor
/// refused on a page's path (no such page, a method the page lacks, not signed in, a form that
/// does not parse), in the reader's language.
pub(crate) fn api_error_page(t: Tr, path: &str, e: &crate::error::ApiError) -> Response {
    render(
        &ErrorPage {
            title: error_title(&t, e.status),
            message: t.pick(&e.message_zh, &e.message_en).clone(),
            t,
            user: None,
            path: path.to_string(),
        },
        e.status,
    )
}

pub(crate) fn store_error_page(
    t: Tr,
    user: Option<UserView>,
    path: &str,
    e: StoreError,
) -> Response {
    let status = crate::error::status_for(&e);
    error_page(t, user, path, status, &e)
}

pub fn not_found_page(req: &Request) -> Response {
    let e = StoreError::NotFound {
        entity: "page",
        key: req.uri().path().to_string(),
    };
    error_page(
        Tr::of_request(req.uri(), req.headers()),
        None,
        req.uri().path(),
        StatusCode::NOT_FOUND,
        &e,
    )
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    units: Vec<UnitRow>,
    profiles: Vec<PublicProfile>,
    plans: Vec<PlanSummary>,
    stats: Vec<fazhi_store::cases::PublicStat>,
    guide: Vec<GuideEntry>,
}

impl PortalPage {
    fn proc_name(&self, id: &str) -> String {
        crate::case_pages::procedure_name(&self.t, id)
    }
}

/// What the public should know before filing: each procedure's time limits in force today,
/// with the law and article that set them.
pub struct GuideEntry {
    pub procedure: String,
    pub limits: Vec<String>,
}

fn guide(t: &Tr) -> Vec<GuideEntry> {
    let set = fazhi_procedure::ProcedureSet::bundled();
    let today = crate::plan_pages::today_cst();
    [
        "disclosure_request",
        "petition",
        "reconsideration",
        "licensing",
    ]
    .iter()
    .filter_map(|id| set.get(id))
    .map(|p| GuideEntry {
        procedure: t.pick(&p.name_zh, &p.name_en).clone(),
        limits: p
            .deadlines
            .iter()
            .filter_map(|d| {
                let rule = set.rules().get(&d.rule)?;
                let v = rule.version_on(today)?;
                let period = v.period?;
                Some(if t.is_en() {
                    format!(
                        "{}: {} {} ({} {})",
                        rule.title_en,
                        period.length,
                        period.unit.en(),
                        v.law_en,
                        v.article_en
                    )
                } else {
                    format!(
                        "{}:{}{}({}{})",
                        rule.title,
                        period.length,
                        period.unit.zh(),
                        v.law,
                        v.article
                    )
                })
            })
            .collect(),
    })
    .collect()
}

async fn portal(State(state): State<AppState>, t: Tr, MaybeAuth(auth): MaybeAuth) -> Response {
    let user = auth.as_ref().map(UserView::of);
    match crate::public_data::public_data(&state).await {
        Ok(d) => render(
            &PortalPage {
                guide: guide(&t),
                t,
                user,
                path: "/".into(),
                units: d.units.clone(),
                profiles: d.profiles.clone(),
                plans: d.plans.clone(),
                stats: d.stats.clone(),
            },
            StatusCode::OK,
        ),
        Err(e) => store_error_page(t, user, "/", e),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    csrf: String,
    username: String,
    error: Option<String>,
}

fn login_csrf_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, value))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .build()
}

async fn login_form(
    State(state): State<AppState>,
    t: Tr,
    jar: CookieJar,
    MaybeAuth(auth): MaybeAuth,
) -> Response {
    if auth.is_some() {
        return Redirect::to("/home").into_response();
    }
    let csrf = accounts::new_secret("");
    let page = LoginPage {
        t,
        user: None,
        path: "/login".into(),
        csrf: csrf.clone(),
        username: String::new(),
        error: None,
    };
    (
        jar.add(login_csrf_cookie(&state, csrf)),
        render(&page, StatusCode::OK),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

async fn login_submit(
    State(state): State<AppState>,
    t: Tr,
    jar: CookieJar,
    ClientAddr(ip): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    let fresh = accounts::new_secret("");
    let again = |error: &str, status| {
        let page = LoginPage {
            t,
            user: None,
            path: "/login".into(),
            csrf: fresh.clone(),
            username: form.username.clone(),
            error: Some(error.to_string()),
        };
        (
            jar.clone().add(login_csrf_cookie(&state, fresh.clone())),
            render(&page, status),
        )
            .into_response()
    };
    let cookie_ok = jar
        .get(LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !c.value().is_empty() && c.value() == form.csrf);
    if !cookie_ok {
        return again(t.t("login.expired"), StatusCode::FORBIDDEN);
    }
    match accounts::login(&state.db, form.username.trim(), &form.password, &ip).await {
        Ok(session) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
                .add(session_cookie(&state, session.token));
            (jar, Redirect::to("/home")).into_response()
        }
        Err(e @ StoreError::RateLimited { retry_after_secs }) => {
            let wait = if retry_after_secs < 120 {
                t.t("login.wait_seconds")
                    .replace("{n}", &retry_after_secs.to_string())
            } else {
                t.t("login.wait_minutes")
                    .replace("{n}", &retry_after_secs.div_ceil(60).to_string())
            };
            let message = t.t("login.rate_limited").replace("{wait}", &wait);
            (
                crate::api::retry_after(&e),
                again(&message, StatusCode::TOO_MANY_REQUESTS),
            )
                .into_response()
        }
        Err(StoreError::BadCredentials) => {
            again(t.t("login.bad_credentials"), StatusCode::UNAUTHORIZED)
        }
        Err(e) => store_error_page(t, None, "/login", e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

pub(crate) fn csrf_ok(auth: &Auth, token: &str) -> bool {
    auth.csrf
        .as_deref()
        .is_some_and(|c| !token.is_empty() && c == token)
}

async fn logout(
    State(state): State<AppState>,
    t: Tr,
    jar: CookieJar,
    auth: Option<Auth>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some(auth) = auth else {
        return Redirect::to("/").into_response();
    };
    if !csrf_ok(&auth, &form.csrf) {
        return error_page(
            t,
            Some(UserView::of(&auth)),
            "/home",
            StatusCode::FORBIDDEN,
            &StoreError::Forbidden,
        );
    }
    if let Some(c) = jar.get(SESSION_COOKIE) {
        if let Err(e) = accounts::logout(&state.db, c.value()).await {
            return store_error_page(t, None, "/", e);
        }
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/"),
    )
        .into_response()
}

/// One row of the home page's unit table.
pub struct UnitLine {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub has_profile: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    roles: Vec<&'static str>,
    own_unit_key: String,
    own_unit_name: String,
    /// The own unit's profile, when the person may change it.
    own_profile: Option<Profile>,
    saved: bool,
    units: Vec<UnitLine>,
    audit: Vec<AuditRecord>,
    chain: Option<VerifyReport>,
    users: Vec<accounts::UserSummary>,
    plans: Vec<PlanSummary>,
    /// Plan items my unit is assigned to, soonest deadline first.
    mine: Vec<fazhi_store::plans::ItemView>,
    /// Warnings of my unit and alarms of the units I supervise.
    alerts: Vec<fazhi_store::cases::AlertRow>,
    /// Open cases I may act on, soonest deadline first.
    open_cases: Vec<fazhi_store::cases::CaseSummary>,
    /// Whether I hold a live calendar-feed token.
    feed_live: bool,
    /// When I last opened this page, and what changed in my unit's records since.
    last_visit: Option<String>,
    changes: Vec<AuditRecord>,
    /// For supervisors and administrators: the year whose holiday notice is not loaded yet.
    missing_notice: Option<i32>,
    /// For supervisors: due dates that loaded notices moved, newest first.
    moves: Vec<fazhi_store::calendar::MoveRow>,
}

impl HomePage {
    fn proc_name(&self, id: &str) -> String {
        crate::case_pages::procedure_name(&self.t, id)
    }
}

/// A plan with its progress counts, for the home page and the portal.
#[derive(Clone)]
pub struct PlanSummary {
    pub id: i64,
    pub title: String,
    pub doc_number: String,
    pub items: usize,
    pub closed: usize,
    pub overdue: usize,
    pub due_soon: usize,
    /// Item by item, for the public: number, title, lead units, deadline, timing.
    pub lines: Vec<PublicItem>,
}

/// One plan item as the public sees it (units are public bodies; no personal data).
#[derive(Clone)]
pub struct PublicItem {
    pub number: String,
    pub title: String,
    pub lead: String,
    pub deadline: String,
    pub timing_key: &'static str,
    pub timing_class: &'static str,
}

pub async fn plan_summaries(db: &fazhi_store::Db) -> Result<Vec<PlanSummary>, StoreError> {
    use fazhi_store::plans::{self, Timing};
    let today = crate::plan_pages::today_cst();
    let mut out = Vec::new();
    for p in plans::list_plans(db).await? {
        let items = plans::items(db, p.id, today).await?;
        out.push(PlanSummary {
            id: p.id,
            title: p.title,
            doc_number: p.doc_number.unwrap_or_default(),
            items: items.len(),
            closed: items.iter().filter(|i| i.closed_on.is_some()).count(),
            overdue: items.iter().filter(|i| i.timing.is_overdue()).count(),
            due_soon: items.iter().filter(|i| i.timing == Timing::DueSoon).count(),
            lines: items
                .iter()
                .map(|i| PublicItem {
                    number: i.number.clone(),
                    title: i.title.clone(),
                    lead: i
                        .assignments
                        .iter()
                        .filter(|a| a.role.answers_for_item())
                        .map(|a| a.unit_name.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                    deadline: i.deadline.clone(),
                    timing_key: crate::plan_pages::timing_key(i),
                    timing_class: i.timing.key(),
                })
                .collect(),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct HomeQuery {
    saved: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    t: Tr,
    MaybeAuth(auth): MaybeAuth,
    Query(q): Query<HomeQuery>,
) -> Response {
    let Some(auth) = auth else {
        return Redirect::to("/login").into_response();
    };
    let user = UserView::of(&auth);
    match build_home(&state, t, &auth, q.saved.is_some()).await {
        Ok(page) => render(&page, StatusCode::OK),
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

async fn build_home(
    state: &AppState,
    t: Tr,
    auth: &Auth,
    saved: bool,
) -> Result<HomePage, StoreError> {
    let p = &auth.principal;
    let db = &state.db;
    let role_key = |r: Role| match r {
        Role::Administrator => "role.administrator",
        Role::Supervisor => "role.supervisor",
        Role::Officer => "role.officer",
        Role::Auditor => "role.auditor",
    };
    let roles = p.grants.iter().map(|g| t.t(role_key(g.role))).collect();
    let own_profile = match p.write_unit(db, &p.unit_key).await {
        Ok(handle) => Some(profile::get(db, handle.as_read()).await?),
        Err(StoreError::Forbidden) => None,
        Err(e) => return Err(e),
    };
    let public = crate::public_data::public_data(state).await?;
    let with_profile: std::collections::HashSet<&str> = public
        .profiles
        .iter()
        .map(|pp| pp.unit_key.as_str())
        .collect();
    let sees_others = p.grants.iter().any(|g| g.role != Role::Officer);
    let units = if sees_others {
        directory::list_units(db)
            .await?
            .into_iter()
            .filter(|u| p.can_read_unit(u.id))
            .map(|u| UnitLine {
                has_profile: with_profile.contains(u.key.as_str()),
                key: u.key,
                name: t.pick(u.name, u.name_en),
                kind: u.kind,
            })
            .collect()
    } else {
        Vec::new()
    };
    let (audit, chain) = match p.auditor() {
        Ok(handle) => {
            let q = AuditQuery {
                limit: 20,
                ..AuditQuery::default()
            };
            (
                audit::list_scoped(db, &handle, q).await?,
                // The chain and its stored checkpoints: every case's rows are left to
                // `fazhi audit verify` and the API, which read them all.
                Some(audit::verify_chain(db).await?),
            )
        }
        Err(_) => (Vec::new(), None),
    };
    let users = match p.admin() {
        Ok(admin) => accounts::list_users(db, &admin).await?,
        Err(_) => Vec::new(),
    };
    let own = p.read_unit(db, &p.unit_key).await?;
    let last_visit = accounts::touch_home(db, p).await?;
    let changes = match &last_visit {
        Some(since) => audit::changes_for_unit(db, &own, since, 20).await?,
        None => Vec::new(),
    };
    let mine =
        fazhi_store::plans::responsibilities(db, &own, crate::plan_pages::today_cst()).await?;
    let oversees = p.has_role(Role::Supervisor) || p.has_role(Role::Administrator);
    Ok(HomePage {
        t,
        user: Some(UserView::of(auth)),
        path: "/home".into(),
        roles,
        own_unit_key: p.unit_key.clone(),
        own_unit_name: p.unit_name.clone(),
        own_profile,
        saved,
        units,
        audit,
        chain,
        users,
        plans: public.plans.clone(),
        mine,
        alerts: fazhi_store::cases::alerts_for(db, p).await?,
        open_cases: {
            let only_own = !p.grants.iter().any(|g| g.role != Role::Officer);
            let f = fazhi_store::cases::CaseFilter {
                status: Some("open".into()),
                unit_key: only_own.then(|| p.unit_key.clone()),
                limit: 20,
                ..Default::default()
            };
            fazhi_store::cases::list(db, p, &f, crate::plan_pages::today_cst()).await?
        },
        feed_live: fazhi_store::feeds::has_live(db, p).await?,
        last_visit: last_visit.map(|v| v.get(..16).unwrap_or(&v).replace('T', " ")),
        changes,
        missing_notice: if oversees {
            fazhi_store::calendar::missing_notice(db, crate::plan_pages::today_cst()).await?
        } else {
            None
        },
        moves: if p.has_role(Role::Supervisor) {
            fazhi_store::calendar::recent_moves(db, p, 20).await?
        } else {
            Vec::new()
        },
    })
}

#[derive(Deserialize)]
struct ProfileForm {
    csrf: String,
    address: String,
    phone: String,
    office_hours: String,
    disclosure_contact: String,
}

async fn save_profile(
    State(state): State<AppState>,
    t: Tr,
    auth: Option<Auth>,
    Path(key): Path<String>,
    Form(form): Form<ProfileForm>,
) -> Response {
    let Some(auth) = auth else {
        return Redirect::to("/login").into_response();
    };
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, &form.csrf) {
        return error_page(
            t,
            Some(user),
            "/home",
            StatusCode::FORBIDDEN,
            &StoreError::Forbidden,
        );
    }
    let result = async {
        let unit = auth.principal.write_unit(&state.db, &key).await?;
        let p = Profile {
            address: form.address.trim().to_string(),
            phone: form.phone.trim().to_string(),
            office_hours: form.office_hours.trim().to_string(),
            disclosure_contact: form.disclosure_contact.trim().to_string(),
        };
        profile::update(&state.db, &unit, &p).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/home?saved=1").into_response(),
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

/// `next` if it is a path on this site, else `/`. Browsers read `/\host` and `//host` as
/// another site, treat `\` as `/`, and drop tabs and newlines (so `/<TAB>/host` is `//host`).
/// A local path therefore starts with one `/` followed by neither `/` nor `\`, and holds no
/// backslash and no control character anywhere.
pub(crate) fn local_path(next: &str) -> &str {
    let mut rest = next.chars();
    let local = rest.next() == Some('/')
        && !matches!(rest.next(), Some('/' | '\\'))
        && !next.chars().any(|c| c == '\\' || c.is_control());
    if local {
        next
    } else {
        "/"
    }
}

#[derive(Deserialize)]
struct LangQuery {
    next: Option<String>,
}

async fn switch_lang(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let next = local_path(q.next.as_deref().unwrap_or("/"));
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(next)).into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

impl axum::extract::OptionalFromRequestParts<AppState> for Auth {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let MaybeAuth(a) =
            <MaybeAuth as axum::extract::FromRequestParts<AppState>>::from_request_parts(
                parts, state,
            )
            .await
            .unwrap_or(MaybeAuth(None));
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_same_site_paths_are_followed() {
        for hostile in [
            "/\\evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r/evil.example/",
            "//evil.example/",
            "/home\\..\\\\evil.example",
            "/ok\u{0}",
            "/ok\u{85}",
            "https://evil.example/",
            " /evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(local_path(hostile), "/", "{hostile:?}");
        }
        for local in [
            "/",
            "/home",
            "/cases?status=open&lang=en",
            "/plans/1/items/2",
            "/案件",
        ] {
            assert_eq!(local_path(local), local);
        }
    }
}

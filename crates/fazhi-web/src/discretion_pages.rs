//! Penalty discretion pages. Public: every benchmark in force today as readable tables with
//! their legal basis and effective dates, a printable page per benchmark, its JSON download,
//! and agency-level decision counts (numbers only). Signed in: try a case against a benchmark
//! ("what would the benchmark say?"), record the decision taken, and the review list of
//! decisions outside the recommendation with per-agency deviation rates.

use crate::auth::{Auth, MaybeAuth};
use crate::i18n::Tr;
use crate::pages::{csrf_ok, render, store_error_page, UserView};
use crate::plan_pages::today_cst;
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use fazhi_discretion::model::{Benchmark, Fine, Kind, KindSet};
use fazhi_discretion::{bundled, format_yuan, Basis, FactKind, Report};
use fazhi_store::penalties::{self, AgencyRate, NewPenalty, PenaltyFilter, PenaltyRow};
use fazhi_store::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/discretion", get(list_page))
        .route("/discretion/try", get(try_page))
        .route(
            "/discretion/decisions",
            get(decisions_page).post(record_submit),
        )
        .route("/discretion/decisions/{id}", get(decision_page))
        .route("/discretion/{id}", get(benchmark_page))
}

// ---------------------------------------------------------------- the published view

/// A text in both languages.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

impl Label {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Label {
            zh: zh.into(),
            en: en.into(),
        }
    }
    /// The text in the page's language.
    pub fn get(&self, en: bool) -> &str {
        if en {
            &self.en
        } else {
            &self.zh
        }
    }
}

/// A benchmark as published: what the public page shows and the JSON download carries.
#[derive(Clone, Debug, Serialize)]
pub struct BenchmarkView {
    pub id: String,
    pub title: Label,
    pub agency: Label,
    /// The directory units that decide under this benchmark (unit keys).
    pub agency_units: Vec<String>,
    /// A model benchmark, not adopted by any agency.
    pub model: bool,
    pub note: Option<String>,
    /// none | life_health | financial (Art 36's five-year limitation).
    pub safety: String,
    pub facts: Vec<FactView>,
    pub versions: Vec<VersionView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FactView {
    pub name: String,
    /// bool | integer | money | enum
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    pub label: Label,
    /// `None` = the fact must be given.
    pub default: Option<String>,
    /// One of the standard facts every benchmark knows (the leniency articles read them).
    pub standard: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct VersionView {
    pub from: String,
    /// Last day in force; `None` = still in force.
    pub until: Option<String>,
    pub in_force: bool,
    pub violation_basis: Basis,
    pub penalty_basis: Basis,
    /// The penalty article, quoted.
    pub text: Option<String>,
    pub statutory: Vec<ClauseView>,
    pub tiers: Vec<TierView>,
    pub heavier: Vec<GroundView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClauseView {
    pub condition: Option<String>,
    pub kinds: Vec<Kind>,
    pub kinds_text: Label,
    pub mandatory: Vec<Kind>,
    pub fine: Option<FineView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FineView {
    /// amount | times
    pub kind: &'static str,
    /// Yuan for an amount, the multiple for times (at most two decimals).
    pub min: String,
    pub max: String,
    /// The money fact a multiple is of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    pub text: Label,
}

#[derive(Clone, Debug, Serialize)]
pub struct TierView {
    pub id: String,
    pub level: String,
    pub level_text: Label,
    pub condition: String,
    pub kinds: Vec<Kind>,
    pub kinds_text: Label,
    pub fine: Option<FineView>,
    pub description: Label,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroundView {
    pub condition: String,
    pub description: Label,
}

fn kinds_label(k: KindSet) -> Label {
    Label::new(k.zh(), k.en())
}

fn hundredths(h: i64) -> String {
    fazhi_discretion::money::format_hundredths(h)
}

fn fine_view(f: &Option<Fine>, b: &Benchmark) -> Option<FineView> {
    Some(match f.as_ref()? {
        Fine::Amount { min, max } => FineView {
            kind: "amount",
            min: hundredths(*min),
            max: hundredths(*max),
            of: None,
            text: Label::new(
                format!("罚款 {} 元至 {} 元", hundredths(*min), hundredths(*max)),
                format!("fine {}–{} yuan", hundredths(*min), hundredths(*max)),
            ),
        },
        Fine::Times { min, max, of } => {
            let d = &b.facts.defs()[*of];
            FineView {
                kind: "times",
                min: hundredths(*min),
                max: hundredths(*max),
                of: Some(d.name.clone()),
                text: Label::new(
                    format!(
                        "{}的 {} 倍至 {} 倍罚款",
                        d.zh,
                        hundredths(*min),
                        hundredths(*max)
                    ),
                    format!(
                        "fine of {}–{} times {}",
                        hundredths(*min),
                        hundredths(*max),
                        d.name
                    ),
                ),
            }
        }
    })
}

fn snake<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

impl BenchmarkView {
    pub fn of(b: &Benchmark, today: NaiveDate) -> Self {
        BenchmarkView {
            id: b.id.clone(),
            title: Label::new(&b.title.zh, &b.title.en),
            agency: Label::new(&b.agency.zh, &b.agency.en),
            agency_units: b.agency_units.clone(),
            model: b.model,
            note: b.note.clone(),
            safety: snake(&b.safety),
            facts: b
                .facts
                .defs()
                .iter()
                .map(|d| {
                    let (kind, unit, values) = match &d.kind {
                        FactKind::Bool => ("bool", None, Vec::new()),
                        FactKind::Money => ("money", None, Vec::new()),
                        FactKind::Integer { unit } => (
                            "integer",
                            Some(unit.clone()).filter(|u| !u.is_empty()),
                            Vec::new(),
                        ),
                        FactKind::Enum { values } => ("enum", None, values.clone()),
                    };
                    FactView {
                        name: d.name.clone(),
                        kind: kind.into(),
                        unit,
                        values,
                        label: Label::new(&d.zh, &d.en),
                        default: d.default.map(|v| d.render(v)),
                        standard: d.standard,
                    }
                })
                .collect(),
            versions: b
                .versions
                .iter()
                .map(|v| VersionView {
                    from: v.from.to_string(),
                    until: v.until.map(|u| u.to_string()),
                    in_force: v.in_force(today),
                    violation_basis: v.violation_basis.clone(),
                    penalty_basis: v.penalty_basis.clone(),
                    text: v.text.clone(),
                    statutory: v
                        .clauses
                        .iter()
                        .map(|c| ClauseView {
                            condition: c.when_src.clone(),
                            kinds: c.kinds.kinds(),
                            kinds_text: kinds_label(c.kinds),
                            mandatory: c.mandatory.kinds(),
                            fine: fine_view(&c.fine, b),
                        })
                        .collect(),
                    tiers: v
                        .tiers
                        .iter()
                        .map(|t| TierView {
                            id: t.id.clone(),
                            level: snake(&t.level),
                            level_text: Label::new(t.level.zh(), t.level.en()),
                            condition: t.when_src.clone(),
                            kinds: t.kinds.kinds(),
                            kinds_text: kinds_label(t.kinds),
                            fine: fine_view(&t.fine, b),
                            description: Label::new(&t.zh, &t.en),
                        })
                        .collect(),
                    heavier: v
                        .heavier
                        .iter()
                        .map(|h| GroundView {
                            condition: h.when_src.clone(),
                            description: Label::new(&h.zh, &h.en),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The version in force on the day the view was made.
    pub fn current(&self) -> Option<&VersionView> {
        self.versions.iter().find(|v| v.in_force)
    }

    /// The file's own facts (the standard ones are the same for every benchmark).
    pub fn own_facts(&self) -> Vec<&FactView> {
        self.facts.iter().filter(|f| !f.standard).collect()
    }
}

/// Every shipped benchmark as published, with the version in force `today` marked.
pub fn published(today: NaiveDate) -> Vec<BenchmarkView> {
    bundled()
        .iter()
        .map(|b| BenchmarkView::of(b, today))
        .collect()
}

// ---------------------------------------------------------------- public pages

#[derive(Template)]
#[template(path = "discretion.html")]
struct ListPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    today: String,
    benchmarks: Vec<BenchmarkView>,
    rates: Vec<AgencyRate>,
}

async fn list_page(State(state): State<AppState>, t: Tr, MaybeAuth(auth): MaybeAuth) -> Response {
    let user = auth.as_ref().map(UserView::of);
    let today = today_cst();
    let rates = match penalties::public_rates(&state.db).await {
        Ok(r) => r,
        Err(e) => return store_error_page(t, user, "/discretion", e),
    };
    let benchmarks = published(today)
        .into_iter()
        .filter(|b| b.current().is_some())
        .collect();
    render(
        &ListPage {
            t,
            user,
            path: "/discretion".into(),
            today: today.to_string(),
            benchmarks,
            rates,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "discretion_benchmark.html")]
struct BenchmarkPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    today: String,
    b: BenchmarkView,
}

/// `/discretion/{id}`: the printable page; `/discretion/{id}.json`: the download.
async fn benchmark_page(t: Tr, MaybeAuth(auth): MaybeAuth, Path(id): Path<String>) -> Response {
    let user = auth.as_ref().map(UserView::of);
    let today = today_cst();
    let (id, json) = match id.strip_suffix(".json") {
        Some(stem) => (stem.to_string(), true),
        None => (id, false),
    };
    let Some(b) = bundled().iter().find(|b| b.id == id) else {
        return store_error_page(
            t,
            user,
            "/discretion",
            StoreError::NotFound {
                entity: "benchmark",
                key: id,
            },
        );
    };
    let view = BenchmarkView::of(b, today);
    if json {
        return (
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{id}.json\""),
            )],
            Json(view),
        )
            .into_response();
    }
    render(
        &BenchmarkPage {
            t,
            user,
            path: format!("/discretion/{id}"),
            today: today.to_string(),
            b: view,
        },
        StatusCode::OK,
    )
}

// ---------------------------------------------------------------- try a case

/// One input of the try form, from the benchmark's fact definitions.
pub struct FactInput {
    pub name: String,
    pub label: Label,
    /// bool | integer | money | enum
    pub kind: &'static str,
    pub unit: String,
    pub values: Vec<String>,
    pub required: bool,
    pub standard: bool,
    /// The value entered ("" = not given).
    pub value: String,
    /// How the default reads ("" = none).
    pub default: String,
}

fn fact_inputs(b: &Benchmark, given: &BTreeMap<String, String>) -> Vec<FactInput> {
    let mut out: Vec<FactInput> = b
        .facts
        .defs()
        .iter()
        .map(|d| {
            let (kind, unit, values) = match &d.kind {
                FactKind::Bool => ("bool", String::new(), Vec::new()),
                FactKind::Money => ("money", String::new(), Vec::new()),
                FactKind::Integer { unit } => ("integer", unit.clone(), Vec::new()),
                FactKind::Enum { values } => ("enum", String::new(), values.clone()),
            };
            FactInput {
                name: d.name.clone(),
                label: Label::new(&d.zh, &d.en),
                kind,
                unit,
                values,
                required: d.default.is_none(),
                standard: d.standard,
                value: given.get(&d.name).cloned().unwrap_or_default(),
                default: d.default.map(|v| d.render(v)).unwrap_or_default(),
            }
        })
        .collect();
    // The item's own facts first, then `harm` (required), then the other standard facts.
    out.sort_by_key(|f| (f.standard, !f.required));
    out
}

/// Everything the try form and the record form carry; also re-shown after a refusal.
#[derive(Default)]
struct TryInput {
    benchmark: String,
    violation: String,
    decision: String,
    discovered: String,
    decided: String,
    facts: BTreeMap<String, String>,
    unit: String,
    case_number: String,
    party: String,
    reason: String,
}

impl TryInput {
    fn from_map(m: &BTreeMap<String, String>) -> Self {
        let get = |k: &str| m.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        TryInput {
            benchmark: get("benchmark"),
            violation: get("violation"),
            decision: get("decision"),
            discovered: get("discovered"),
            decided: get("decided"),
            facts: m
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("f.")
                        .map(|n| (n.to_string(), v.trim().to_string()))
                })
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            unit: get("unit"),
            case_number: get("case_number"),
            party: get("party"),
            reason: m.get("reason").cloned().unwrap_or_default(),
        }
    }
}

fn parse_date(raw: &str, zh: &str, en: &str) -> Result<NaiveDate, (String, String)> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        (
            format!("{zh}格式应为 YYYY-MM-DD:“{raw}”"),
            format!("{en} must be YYYY-MM-DD: '{raw}'"),
        )
    })
}

/// The dates of a case as entered: violation (required), decision (default today), discovery
/// (default the decision date).
pub fn case_dates(
    violation: &str,
    decision: &str,
    discovered: &str,
) -> Result<(NaiveDate, NaiveDate, Option<NaiveDate>), (String, String)> {
    let v = parse_date(violation, "违法行为发生日", "the violation date")?;
    let d = if decision.trim().is_empty() {
        today_cst()
    } else {
        parse_date(decision, "决定日期", "the decision date")?
    };
    let f = if discovered.trim().is_empty() {
        None
    } else {
        Some(parse_date(discovered, "发现日期", "the discovery date")?)
    };
    Ok((v, d, f))
}

/// Evaluate a case against a shipped benchmark; the error in zh-CN and English.
pub fn evaluate(
    benchmark: &str,
    violation: &str,
    decision: &str,
    discovered: &str,
    facts: &BTreeMap<String, String>,
    decided: &str,
) -> Result<Report, (&'static str, String, String)> {
    let eval = |e: fazhi_discretion::EvalError| {
        let (zh, en) = penalties::eval_messages(&e);
        (e.code(), zh, en)
    };
    let b = fazhi_discretion::bundled_benchmark(benchmark).map_err(eval)?;
    let (v, d, f) =
        case_dates(violation, decision, discovered).map_err(|(zh, en)| ("invalid_date", zh, en))?;
    let decided = if decided.trim().is_empty() {
        None
    } else {
        Some(fazhi_discretion::parse_decided(decided).map_err(eval)?)
    };
    let pairs: Vec<(&str, &str)> = facts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (case, out) = b.evaluate_pairs(v, d, f, &pairs).map_err(eval)?;
    Ok(b.report(&case, &out, decided))
}

#[derive(Template)]
#[template(path = "discretion_try.html")]
struct TryPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    benchmarks: Vec<(String, Label)>,
    b: BenchmarkView,
    inputs: Vec<FactInput>,
    input: TryInput,
    report: Option<Report>,
    error: Option<String>,
    record_error: Option<String>,
    units: Vec<(String, String)>,
}

impl TryPage {
    fn recommended(&self, r: &Report) -> String {
        match r.recommended_fine {
            Some(f) => format!("{} – {}", format_yuan(f.min_fen), format_yuan(f.max_fen)),
            None => "—".into(),
        }
    }
    fn range(&self, f: &Option<fazhi_discretion::FenRange>) -> String {
        match f {
            Some(f) => format!("{} – {}", format_yuan(f.min_fen), format_yuan(f.max_fen)),
            None => "—".into(),
        }
    }
    fn adjustment(&self, r: &Report) -> String {
        if self.t.is_en() {
            snake(&r.adjustment).replace('_', " ")
        } else {
            r.adjustment.zh().to_string()
        }
    }
    fn kinds(&self, r: &Report) -> String {
        let k = KindSet::from_kinds(&r.kinds);
        if k.is_empty() {
            return "—".into();
        }
        kinds_label(k).get(self.t.is_en()).to_string()
    }
    fn explanation<'a>(&self, r: &'a Report) -> &'a [String] {
        self.t.pick(&r.explanation_zh, &r.explanation_en)
    }
}

async fn try_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let input = TryInput::from_map(&q);
    let run = !input.violation.is_empty();
    show_try(&state, t, &auth, input, run, None).await
}

async fn show_try(
    state: &AppState,
    t: Tr,
    auth: &Auth,
    mut input: TryInput,
    run: bool,
    record_error: Option<String>,
) -> Response {
    let user = UserView::of(auth);
    let all = bundled();
    let b = all
        .iter()
        .find(|b| b.id == input.benchmark)
        .unwrap_or(&all[0]);
    input.benchmark = b.id.clone();
    if input.decision.is_empty() {
        input.decision = today_cst().to_string();
    }
    let (report, error) = if run {
        match evaluate(
            &b.id,
            &input.violation,
            &input.decision,
            &input.discovered,
            &input.facts,
            &input.decided,
        ) {
            Ok(r) => (Some(r), None),
            Err((_, zh, en)) => (None, Some(t.pick(zh, en))),
        }
    } else {
        (None, None)
    };
    let units = match fazhi_store::directory::list_units(&state.db).await {
        Ok(u) => u
            .into_iter()
            .filter(|u| auth.principal.can_write_unit(u.id))
            .map(|u| (u.key, t.pick(u.name, u.name_en)))
            .collect(),
        Err(e) => return store_error_page(t, Some(user), "/discretion/try", e),
    };
    if input.unit.is_empty() {
        input.unit = auth.principal.unit_key.clone();
    }
    let status = if error.is_some() || record_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = TryPage {
        benchmarks: all
            .iter()
            .map(|b| (b.id.clone(), Label::new(&b.title.zh, &b.title.en)))
            .collect(),
        b: BenchmarkView::of(b, today_cst()),
        inputs: fact_inputs(b, &input.facts),
        t,
        user: Some(user),
        path: "/discretion/try".into(),
        input,
        report,
        error,
        record_error,
        units,
    };
    render(&page, status)
}

// ---------------------------------------------------------------- decisions

async fn record_submit(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let user = UserView::of(&auth);
    if !csrf_ok(&auth, form.get("csrf").map(String::as_str).unwrap_or("")) {
        return store_error_page(t, Some(user), "/discretion/try", StoreError::Forbidden);
    }
    let input = TryInput::from_map(&form);
    let result = async {
        let (v, d, f) = case_dates(&input.violation, &input.decision, &input.discovered)
            .map_err(|(zh, en)| StoreError::invalid("date", zh, en))?;
        let decided_fen = fazhi_discretion::parse_decided(&input.decided)
            .map_err(|e| penalties::eval_error(&e))?;
        let unit = auth.principal.write_unit(&state.db, &input.unit).await?;
        penalties::record(
            &state.db,
            &unit,
            &NewPenalty {
                benchmark: input.benchmark.clone(),
                case_number: input.case_number.clone(),
                party_name: input.party.clone(),
                violation_date: v,
                decision_date: d,
                discovered_date: f,
                facts: input.facts.clone(),
                decided_fen,
                reason: input.reason.clone(),
            },
        )
        .await
    }
    .await;
    match result {
        Ok(r) => Redirect::to(&format!("/discretion/decisions/{}", r.id)).into_response(),
        Err(e @ (StoreError::Forbidden | StoreError::NotPermitted { .. })) => {
            store_error_page(t, Some(user), "/discretion/try", e)
        }
        // Refused (no reason, bad facts, duplicate number): the form again, filled in, with why.
        Err(e) => {
            let msg = if t.is_en() {
                e.message_en()
            } else {
                e.message_zh()
            };
            show_try(&state, t, &auth, input, true, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "discretion_decisions.html")]
struct DecisionsPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    rates: Vec<AgencyRate>,
    deviations: Vec<PenaltyRow>,
    decisions: Vec<PenaltyRow>,
}

impl DecisionsPage {
    fn title(&self, id: &str) -> String {
        benchmark_title(&self.t, id)
    }
}

pub fn benchmark_title(t: &Tr, id: &str) -> String {
    bundled()
        .iter()
        .find(|b| b.id == id)
        .map(|b| t.pick(&b.title.zh, &b.title.en).clone())
        .unwrap_or_else(|| id.to_string())
}

async fn decisions_page(State(state): State<AppState>, t: Tr, auth: Auth) -> Response {
    let user = UserView::of(&auth);
    let loaded = async {
        Ok::<_, StoreError>((
            penalties::rates(&state.db, &auth.principal).await?,
            penalties::deviations(&state.db, &auth.principal).await?,
            penalties::list(
                &state.db,
                &auth.principal,
                &PenaltyFilter {
                    limit: 200,
                    ..Default::default()
                },
            )
            .await?,
        ))
    }
    .await;
    match loaded {
        Ok((rates, deviations, decisions)) => render(
            &DecisionsPage {
                t,
                user: Some(user),
                path: "/discretion/decisions".into(),
                rates,
                deviations,
                decisions,
            },
            StatusCode::OK,
        ),
        Err(e) => store_error_page(t, Some(user), "/home", e),
    }
}

#[derive(Template)]
#[template(path = "discretion_decision.html")]
struct DecisionPage {
    t: Tr,
    user: Option<UserView>,
    path: String,
    v: penalties::PenaltyView,
    title: String,
    explanation: Vec<String>,
}

async fn decision_page(
    State(state): State<AppState>,
    t: Tr,
    auth: Auth,
    Path(id): Path<i64>,
) -> Response {
    let user = UserView::of(&auth);
    match penalties::view(&state.db, &auth.principal, id).await {
        Ok(v) => {
            let key = t.pick("explanation_zh", "explanation_en");
            let explanation = v.report[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            render(
                &DecisionPage {
                    title: benchmark_title(&t, &v.row.benchmark),
                    t,
                    user: Some(user),
                    path: format!("/discretion/decisions/{id}"),
                    v,
                    explanation,
                },
                StatusCode::OK,
            )
        }
        Err(e) => store_error_page(t, Some(user), "/discretion/decisions", e),
    }
}

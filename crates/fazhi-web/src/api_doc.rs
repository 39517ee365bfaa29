//! The OpenAPI document made complete: how to authenticate, every error status an operation
//! can answer (with the one error shape), and the schemas of what the storage layer returns.
//!
//! Handlers document their own success bodies and the errors only they give (403, 404, 429);
//! [`complete`] adds what every operation shares, from the middleware and extractors that run
//! before or around every handler:
//!
//! - 400 and 422 everywhere: `input::check_input` refuses a path or query string that is not
//!   UTF-8 (400) or holds a control character or an over-long value (422), and a query or path
//!   parameter that does not parse is 400;
//! - 401 for an operation that needs a caller (session cookie or API token);
//! - 400, 413, 415 and 422 for an operation with a JSON body (malformed JSON, too large, not
//!   JSON, wrong shape);
//! - 500 everywhere (a database failure, logged in full).
//!
//! The schemas below mirror types of `fazhi-store`, which does not depend on utoipa. Response
//! schemas name their properties and which are always present but never forbid others, so a
//! field added later does not break a client; request schemas refuse unknown fields, as the
//! handlers do. `scripts/schemathesis.sh` checks real answers against this document.

use serde_json::{json, Map, Value};
use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// The session cookie's security scheme name.
pub const SESSION_SCHEME: &str = "session";
/// The bearer API token's security scheme name.
pub const TOKEN_SCHEME: &str = "token";

/// An error response: status, component name, description.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "Malformed request: JSON that does not parse, text that is not UTF-8, or a path or \
         query parameter of the wrong type (`invalid_input`).",
    ),
    (
        "401",
        "Unauthorized",
        "No session and no API token, an expired session, or an invalid or revoked token \
         (`unauthenticated`, `bad_token`); for sign-in, a wrong username or password \
         (`bad_credentials`).",
    ),
    (
        "403",
        "Forbidden",
        "Signed in, but not permitted: the unit, record or action is outside the caller's \
         roles and scope (`forbidden`).",
    ),
    (
        "404",
        "NotFound",
        "No such record: a unit key, case, plan, plan item, decision or benchmark that does \
         not exist (`not_found`, `unknown_benchmark`).",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The request body exceeds 256 KiB (`payload_too_large`).",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not sent as `Content-Type: application/json` (`unsupported_media_type`).",
    ),
    (
        "422",
        "UnprocessableEntity",
        "Well-formed but not acceptable: a body of the wrong shape or with an unknown field, a \
         control character or over-long text, a value out of range, a duplicate (naming the \
         field), or an action the procedure engine refuses, with its reason (`invalid_input`, \
         `duplicate`, `refused`, the engine's own codes).",
    ),
    (
        "429",
        "TooManyRequests",
        "Sign-in attempts are slowed after repeated failures: wait the seconds in \
         `Retry-After` (`rate_limited`).",
    ),
    (
        "500",
        "InternalError",
        "A storage failure, logged in full on the server under the request id (`internal`).",
    ),
];

fn error_response(description: &str, retry_after: bool) -> Value {
    let mut r = json!({
        "description": description,
        "headers": {
            "x-request-id": {
                "description": "The request's id, also in the body.",
                "schema": { "type": "string" }
            }
        },
        "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/ApiErrorBody" } }
        }
    });
    if retry_after {
        r["headers"]["Retry-After"] = json!({
            "description": "Seconds to wait before the next sign-in attempt.",
            "required": true,
            "schema": { "type": "integer", "minimum": 1 }
        });
    }
    r
}

fn error_ref(status: &str) -> Value {
    let name = ERRORS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, n, _)| *n)
        .unwrap_or("InternalError");
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// Whether an operation needs a caller: its own `security`, else the document's.
fn needs_caller(op: &Value, global: &Value) -> bool {
    let security = op.get("security").unwrap_or(global);
    match security.as_array() {
        Some(reqs) => {
            !reqs.is_empty()
                && !reqs
                    .iter()
                    .any(|r| r.as_object().is_some_and(Map::is_empty))
        }
        None => false,
    }
}

/// Complete the generated document (see the module documentation).
pub fn complete(doc: &mut Value) {
    let components = doc["components"].as_object_mut().expect("components");
    components.insert(
        "securitySchemes".into(),
        json!({
            SESSION_SCHEME: {
                "type": "apiKey",
                "in": "cookie",
                "name": crate::auth::SESSION_COOKIE,
                "description": "The session cookie set by `POST /api/v1/session` (HttpOnly, \
                    SameSite=Lax, 12 hours). The JSON API takes no CSRF token: it accepts only \
                    `application/json` bodies, which a cross-site form cannot send and a \
                    cross-site script cannot send without a CORS preflight the server never \
                    grants. The HTML forms carry their own CSRF token."
            },
            TOKEN_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token from `POST /api/v1/tokens`, sent as \
                    `Authorization: Bearer <token>`; it acts as the account that issued it. \
                    An operation that needs a caller refuses an invalid or revoked token with \
                    401 (`bad_token`)."
            }
        }),
    );
    let mut responses = Map::new();
    for (status, name, description) in ERRORS {
        responses.insert(
            (*name).into(),
            error_response(description, *status == "429"),
        );
    }
    components.insert("responses".into(), Value::Object(responses));

    let global = doc.get("security").cloned().unwrap_or(Value::Null);
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                continue;
            }
            let mut statuses = vec!["400", "422", "500"];
            if needs_caller(op, &global) {
                statuses.push("401");
            }
            if op.get("requestBody").is_some() {
                statuses.extend(["413", "415"]);
            }
            let responses = op["responses"].as_object_mut().expect("responses");
            // The handler's own error statuses take the shared description and shape.
            let own: Vec<String> = responses
                .keys()
                .filter(|s| s.starts_with('4') || s.starts_with('5'))
                .cloned()
                .collect();
            for status in own.iter().map(String::as_str).chain(statuses) {
                responses.insert(status.to_string(), error_ref(status));
            }
            for (status, r) in responses.iter_mut() {
                if r.get("description").and_then(Value::as_str) == Some("") {
                    r["description"] = Value::from(match status.as_str() {
                        "200" => "OK",
                        "201" => "Created",
                        "204" => "Done; no content",
                        _ => "Answer",
                    });
                }
            }
        }
    }
}

// ---------------------------------------------------------------- enums known at run time

/// A procedure's id: one of the bundled procedures (`GET /api/v1/procedures`).
pub struct ProcedureId;

impl PartialSchema for ProcedureId {
    fn schema() -> RefOr<Schema> {
        let ids: Vec<String> = fazhi_procedure::ProcedureSet::bundled()
            .procedures()
            .iter()
            .map(|p| p.id.clone())
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ids))
            .description(Some("A procedure's id (see GET /api/v1/procedures)."))
            .into()
    }
}

impl ToSchema for ProcedureId {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ProcedureId")
    }
}

/// A discretion benchmark's id: one of the published benchmarks.
pub struct BenchmarkId;

impl PartialSchema for BenchmarkId {
    fn schema() -> RefOr<Schema> {
        let ids: Vec<String> = fazhi_discretion::bundled()
            .iter()
            .map(|b| b.id.clone())
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ids))
            .description(Some(
                "A benchmark's id (see GET /api/v1/discretion/benchmarks).",
            ))
            .into()
    }
}

impl ToSchema for BenchmarkId {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BenchmarkId")
    }
}

// ---------------------------------------------------------------- enums

/// An account's role.
#[derive(ToSchema)]
#[schema(as = Role)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleDoc {
    /// Manages accounts and the directory; reads every unit with personal data masked.
    Administrator,
    /// Legal affairs office: supervises all units or a subtree and may act for them.
    Supervisor,
    /// Acts for their own unit only.
    Officer,
    /// Reads everything in scope, including the audit trail; changes nothing.
    Auditor,
}

/// A role, limited to a unit's subtree or (`scope: null`) covering every unit.
#[derive(ToSchema)]
#[schema(as = RoleGrant)]
#[allow(dead_code)]
pub struct RoleGrantDoc {
    pub role: RoleDoc,
    /// The key of the unit whose subtree the role covers; `null` for every unit.
    pub scope: Option<String>,
}

/// A case list filter by status.
#[derive(ToSchema)]
#[schema(as = CaseStatusFilter)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CaseStatusFilter {
    Open,
    Closed,
    Overdue,
    DueSoon,
}

/// A unit's reported status on a plan item.
#[derive(ToSchema)]
#[schema(as = ReportStatus)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ReportStatusDoc {
    NotStarted,
    InProgress,
    Done,
}

/// What kind of organisation a unit is.
#[derive(ToSchema)]
#[schema(as = UnitKind)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum UnitKindDoc {
    Government,
    Department,
    Office,
    CountyGovernment,
    Other,
}

// ---------------------------------------------------------------- request bodies

/// A new unit of the directory.
#[derive(ToSchema)]
#[schema(as = NewUnit)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewUnitDoc {
    /// Stable key, e.g. `legal-affairs-office`.
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub kind: UnitKindDoc,
    /// The parent unit's key.
    pub parent: Option<String>,
    /// Other names the unit is written as.
    #[serde(default)]
    pub aliases: Vec<String>,
}

// ---------------------------------------------------------------- accounts and audit

/// An account as administrators list it.
#[derive(ToSchema)]
#[schema(as = UserSummary)]
#[allow(dead_code)]
pub struct UserSummaryDoc {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_key: String,
    pub unit_name: String,
    pub roles: Vec<RoleGrantDoc>,
}

/// One entry of the hash-chained audit trail. Never holds personal values.
#[derive(ToSchema)]
#[schema(as = AuditRecord)]
#[allow(dead_code)]
pub struct AuditRecordDoc {
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    pub actor: String,
    pub unit_key: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The record before the change, as JSON text.
    pub before_json: Option<String>,
    /// The record after the change, as JSON text.
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// A keyed digest (`1:` and 64 hex digits) of the case, penalty or accountability rows this
    /// entry wrote.
    pub row_digest: Option<String>,
}

/// The first broken entry of the chain, and why.
#[derive(ToSchema)]
#[schema(as = BrokenEntry)]
#[allow(dead_code)]
pub struct BrokenDoc {
    pub seq: i64,
    pub reason_en: String,
    pub reason_zh: String,
}

/// The result of checking the whole chain, its checkpoints, and the rows of cases, penalties and
/// accountability records.
#[derive(ToSchema)]
#[schema(as = VerifyReport)]
#[allow(dead_code)]
pub struct VerifyReportDoc {
    pub entries: i64,
    pub head_seq: Option<i64>,
    /// `null` when the chain is intact.
    pub first_broken: Option<BrokenDoc>,
    pub checkpoints: CheckpointsCheckedDoc,
    /// `null` when the chain is broken.
    pub rows: Option<RowsReportDoc>,
}

/// Signed checkpoints held against the chain.
#[derive(ToSchema)]
#[schema(as = CheckpointsChecked)]
#[allow(dead_code)]
pub struct CheckpointsCheckedDoc {
    pub stored: i64,
    pub signatures_checked: i64,
    /// The given checkpoint's sequence number, when the chain extends it.
    pub since: Option<i64>,
    /// Checkpoints the chain does not extend, or whose signature fails.
    pub problems: Vec<BrokenDoc>,
}

/// Cases and penalties compared with the digests the trail recorded.
#[derive(ToSchema)]
#[schema(as = RowsReport)]
#[allow(dead_code)]
pub struct RowsReportDoc {
    pub checked: i64,
    pub before_digests: i64,
    /// The first 100.
    pub problems: Vec<RowProblemDoc>,
    pub problems_total: i64,
}

/// A record whose rows differ from the trail, are not on it, or were deleted.
#[derive(ToSchema)]
#[schema(as = RowProblem)]
#[allow(dead_code)]
pub struct RowProblemDoc {
    /// case | penalty | accountability
    pub entity: String,
    pub id: String,
    pub seq: Option<i64>,
    pub reason_en: String,
    pub reason_zh: String,
}

// ---------------------------------------------------------------- plans

/// An imported work plan.
#[derive(ToSchema)]
#[schema(as = PlanRow)]
#[allow(dead_code)]
pub struct PlanRowDoc {
    pub id: i64,
    pub plan_key: String,
    pub doc_number: Option<String>,
    pub title: String,
    pub issuer: Option<String>,
    #[schema(format = Date)]
    pub issued_on: Option<String>,
    pub year: i64,
}

/// A unit assigned to a plan item, with its latest reported status.
#[derive(ToSchema)]
#[schema(as = Assignment)]
#[allow(dead_code)]
pub struct AssignmentDoc {
    pub unit_key: String,
    pub unit_name: String,
    /// lead | co_lead | participant
    #[schema(value_type = String, pattern = "^(lead|co_lead|participant)$")]
    pub role: String,
    /// The unit as the notice wrote it.
    pub written: String,
    pub status: ReportStatusDoc,
    #[schema(format = Date)]
    pub last_report_on: Option<String>,
}

/// Where an item stands against its deadline: `state`, and `days` when overdue or late.
#[derive(ToSchema)]
#[schema(as = ItemTiming)]
#[allow(dead_code)]
pub struct TimingDoc {
    /// on_time | due_soon | overdue | closed_on_time | closed_late
    #[schema(pattern = "^(on_time|due_soon|overdue|closed_on_time|closed_late)$")]
    pub state: String,
    pub days: Option<i64>,
}

/// A plan item with its units and timing.
#[derive(ToSchema)]
#[schema(as = PlanItem)]
#[allow(dead_code)]
pub struct ItemViewDoc {
    pub id: i64,
    pub plan_id: i64,
    pub number: String,
    pub title: String,
    pub body: String,
    /// The deadline as computed (YYYY-MM-DD) or as written when it is not a date.
    pub deadline: String,
    pub deadline_source: String,
    #[schema(format = Date)]
    pub closed_on: Option<String>,
    pub summary: Option<String>,
    /// `[date, what]` pairs.
    #[schema(value_type = Vec<Vec<String>>)]
    pub milestones: Vec<(String, String)>,
    pub assignments: Vec<AssignmentDoc>,
    /// Unit names the notice used that the directory does not know.
    pub unresolved: Vec<String>,
    pub timing: TimingDoc,
}

/// A plan's items × units.
#[derive(ToSchema)]
#[schema(as = PlanMatrix)]
#[allow(dead_code)]
pub struct MatrixDoc {
    pub plan: PlanRowDoc,
    /// `[key, name]` of each unit assigned to some item.
    #[schema(value_type = Vec<Vec<String>>)]
    pub units: Vec<(String, String)>,
    pub items: Vec<ItemViewDoc>,
    /// Per unit (same order as `units`): overdue items it is assigned to.
    pub overdue_per_unit: Vec<u64>,
}

// ---------------------------------------------------------------- procedures and cases

/// A choice of a choice field.
#[derive(ToSchema)]
#[schema(as = ChoiceInfo)]
#[allow(dead_code)]
pub struct ChoiceInfoDoc {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A field of an action's form.
#[derive(ToSchema)]
#[schema(as = FieldInfo)]
#[allow(dead_code)]
pub struct FieldInfoDoc {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub required: bool,
    /// `field=value|value`: required only when this holds.
    pub required_when: Option<String>,
    /// text | date | choice | bool | number
    pub kind: String,
    pub choices: Vec<ChoiceInfoDoc>,
    /// A name or contact of a private person: stored apart, masked as 〔个人信息〕 for readers
    /// who do not handle the case.
    pub personal: bool,
}

/// A case as listed.
#[derive(ToSchema)]
#[schema(as = CaseSummary)]
#[allow(dead_code)]
pub struct CaseSummaryDoc {
    pub id: i64,
    pub procedure: ProcedureId,
    pub procedure_name_zh: String,
    pub procedure_name_en: String,
    pub unit_key: String,
    pub unit_name: String,
    pub step: String,
    #[schema(format = Date)]
    pub opened_on: String,
    #[schema(format = Date)]
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    pub major: bool,
    /// The soonest running deadline.
    #[schema(format = Date)]
    pub next_due: Option<String>,
    /// on_time | due_soon | overdue | closed | no_running_deadline, on the day asked.
    #[schema(pattern = "^(on_time|due_soon|overdue|closed|no_running_deadline)$")]
    pub timing: String,
    /// A running deadline is counted in part on weekdays alone, for a year whose holiday notice
    /// is not yet loaded (待确认).
    pub provisional: bool,
}

/// A due-soon warning (to the unit) or an overdue alarm (to its supervisors).
#[derive(ToSchema)]
#[schema(as = Alert)]
#[allow(dead_code)]
pub struct AlertRowDoc {
    pub id: i64,
    pub case_id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub procedure: ProcedureId,
    pub deadline_key: String,
    #[schema(format = Date)]
    pub due: String,
    /// warning | alarm
    #[schema(pattern = "^(warning|alarm)$")]
    pub kind: String,
    #[schema(format = Date)]
    pub raised_on: String,
}

/// An overdue running deadline.
#[derive(ToSchema)]
#[schema(as = OverdueLine)]
#[allow(dead_code)]
pub struct OverdueLineDoc {
    pub unit_key: String,
    pub unit_name: String,
    pub case_id: i64,
    pub procedure: ProcedureId,
    pub deadline_key: String,
    #[schema(format = Date)]
    pub due: String,
    pub days_overdue: i64,
}

/// Fault accountability recorded on a case.
#[derive(ToSchema)]
#[schema(as = Accountability)]
#[allow(dead_code)]
pub struct AccountabilityRowDoc {
    pub id: i64,
    pub case_id: i64,
    pub unit_key: String,
    pub opened_by: String,
    /// The person held accountable.
    pub person: String,
    pub failure: String,
    pub decision: String,
    #[schema(format = Date)]
    pub decided_on: String,
}

/// A link between two cases (a petition referred to reconsideration, ...).
#[derive(ToSchema)]
#[schema(as = CaseLink)]
#[allow(dead_code)]
pub struct LinkViewDoc {
    pub case_id: i64,
    pub procedure: ProcedureId,
    pub link: String,
    /// `from` when the other case led to this one, `to` when this one led to it.
    #[schema(pattern = "^(from|to)$")]
    pub direction: String,
}

/// Everything a case page shows.
#[derive(ToSchema)]
#[schema(as = CaseView)]
#[allow(dead_code)]
pub struct CaseViewDoc {
    pub summary: CaseSummaryDoc,
    /// The engine's state (procedure, version, step, fields, history) with personal values
    /// masked as 〔个人信息〕.
    #[schema(value_type = Object)]
    pub state: Value,
    /// The case's deadlines with their explanations (law and article, counting, extensions).
    #[schema(value_type = Vec<Object>)]
    pub deadlines: Vec<Value>,
    /// What the caller may do now, with the reason where a gate blocks it.
    #[schema(value_type = Vec<Object>)]
    pub actions: Vec<Value>,
    pub links: Vec<LinkViewDoc>,
    /// Personal values by field, only for the handling unit and its supervisors (the read is
    /// audited); `null` for everyone else.
    #[schema(value_type = Option<HashMap<String, String>>)]
    pub personal: Option<Value>,
    pub alerts: Vec<AlertRowDoc>,
    pub accountability: Vec<AccountabilityRowDoc>,
}

/// What an action did.
#[derive(ToSchema)]
#[schema(as = ActOutcome)]
#[allow(dead_code)]
pub struct ActOutcomeDoc {
    pub case_id: i64,
    /// The step the case is in now.
    pub step: String,
    /// Cases the action opened.
    pub linked: Vec<i64>,
}

// ---------------------------------------------------------------- discretion

/// A recorded penalty decision as listed (no party name).
#[derive(ToSchema)]
#[schema(as = PenaltyRow)]
#[allow(dead_code)]
pub struct PenaltyRowDoc {
    pub id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub benchmark: BenchmarkId,
    /// The benchmark version's first day.
    #[schema(format = Date)]
    pub version: String,
    pub case_number: String,
    #[schema(format = Date)]
    pub violation_date: String,
    #[schema(format = Date)]
    pub decision_date: String,
    pub tier: String,
    /// minor | ordinary | serious | grave
    pub level: String,
    pub adjustment: String,
    pub recommended_min_fen: Option<i64>,
    pub recommended_max_fen: Option<i64>,
    pub decided_fen: i64,
    pub within_recommendation: bool,
    pub within_statutory: bool,
    pub reason: String,
    pub recorded_by: String,
    pub created_at: String,
}

/// One decision in full.
#[derive(ToSchema)]
#[schema(as = PenaltyView)]
#[allow(dead_code)]
pub struct PenaltyViewDoc {
    pub id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub benchmark: BenchmarkId,
    #[schema(format = Date)]
    pub version: String,
    pub case_number: String,
    #[schema(format = Date)]
    pub violation_date: String,
    #[schema(format = Date)]
    pub decision_date: String,
    pub tier: String,
    pub level: String,
    pub adjustment: String,
    pub recommended_min_fen: Option<i64>,
    pub recommended_max_fen: Option<i64>,
    pub decided_fen: i64,
    pub within_recommendation: bool,
    pub within_statutory: bool,
    pub reason: String,
    pub recorded_by: String,
    pub created_at: String,
    #[schema(format = Date)]
    pub discovered_date: String,
    pub facts: std::collections::HashMap<String, String>,
    /// The engine's report, as for `POST /api/v1/discretion/evaluate`.
    #[schema(value_type = Object)]
    pub report: Value,
    /// The party, only for the deciding unit and its supervisors (the read is audited);
    /// `null` for everyone else.
    pub party_name: Option<String>,
}

/// Decisions and deviations of one agency.
#[derive(ToSchema)]
#[schema(as = AgencyRate)]
#[allow(dead_code)]
pub struct AgencyRateDoc {
    pub unit_key: String,
    pub unit_name: String,
    pub decisions: i64,
    /// Decisions outside the recommendation.
    pub outside: i64,
    /// `outside / decisions` in per mille, rounded half up.
    pub rate_permille: i64,
    /// The same as a percentage with one decimal, e.g. `33.3%`.
    pub rate: String,
}

/// What a benchmark says about a case.
#[derive(ToSchema)]
#[schema(as = DiscretionReport)]
#[allow(dead_code)]
pub struct ReportDoc {
    pub benchmark: BenchmarkId,
    #[schema(value_type = Object)]
    pub title: Value,
    #[schema(value_type = Object)]
    pub agency: Value,
    pub model: bool,
    #[schema(format = Date)]
    pub violation_date: String,
    #[schema(format = Date)]
    pub decision_date: String,
    #[schema(format = Date)]
    pub discovered_date: String,
    #[schema(value_type = Object)]
    pub version: Value,
    #[schema(value_type = Object)]
    pub tier: Value,
    pub adjustment: String,
    pub waivable: bool,
    pub mitigation_permitted: bool,
    pub kinds: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub recommended_fine: Option<Value>,
    pub limitation_years: u8,
    #[schema(format = Date)]
    pub limitation_ends: String,
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub facts: Vec<Value>,
    pub explanation_zh: Vec<String>,
    pub explanation_en: Vec<String>,
    /// The check of a decided fine, when one was given.
    #[schema(value_type = Option<Object>)]
    pub decision: Option<Value>,
}

/// A published benchmark.
#[derive(ToSchema)]
#[schema(as = Benchmark)]
#[allow(dead_code)]
pub struct BenchmarkViewDoc {
    pub id: BenchmarkId,
    /// `{zh, en}`.
    #[schema(value_type = Object)]
    pub title: Value,
    /// The agency that decides under this benchmark, `{zh, en}`.
    #[schema(value_type = Object)]
    pub agency: Value,
    /// The directory units that decide under this benchmark (unit keys): only they, or a
    /// supervisor for them, may record a decision.
    pub agency_units: Vec<String>,
    /// A model benchmark, not adopted by any agency.
    pub model: bool,
    pub note: Option<String>,
    /// none | life_health | financial
    #[schema(pattern = "^(none|life_health|financial)$")]
    pub safety: String,
    #[schema(value_type = Vec<Object>)]
    pub facts: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<Value>,
}

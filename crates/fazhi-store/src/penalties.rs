//! Decided administrative penalties, judged against the discretion benchmarks.
//!
//! An enforcement agency records each penalty decision it takes: the benchmark, the case's
//! facts and dates, the decided fine. Storage runs the engine itself (`fazhi-discretion`), so the
//! recommendation kept beside the decision is the engine's, never the caller's. A decision
//! outside the recommendation must carry a written reason (refused otherwise, nothing stored),
//! and is listed for the legal affairs office's review with per-agency deviation rates.
//!
//! Only the benchmark's agency decides under it: a decision is recorded for one of the
//! benchmark's agency units (`agency_units` in `data/discretion`), by its officers or a
//! supervisor acting for it.
//!
//! The party's name is personal data (the party may be a private person): it sits in
//! `penalty_personal`, never on the audit trail, in lists or on public pages; reading it is
//! itself recorded on the trail. The public sees agency-level counts only ([`public_rates`]).

use crate::access::{Principal, UnitWrite};
use crate::audit::AuditEntry;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use chrono::NaiveDate;
use fazhi_discretion::{bundled_benchmark, Benchmark, EvalError, Report};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// Longest case number (决定书文号), party name and reason accepted.
pub const MAX_CASE_NUMBER_CHARS: usize = 100;
pub const MAX_PARTY_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 4000;

/// A penalty decision to record.
#[derive(Clone, Debug, Default)]
pub struct NewPenalty {
    /// The benchmark's id, e.g. `air-119-2-burning`.
    pub benchmark: String,
    /// 决定书文号, unique within the unit.
    pub case_number: String,
    /// The party: personal data, kept apart.
    pub party_name: String,
    pub violation_date: NaiveDate,
    pub decision_date: NaiveDate,
    /// `None` = the decision date (see `fazhi_discretion::Case::discovered`).
    pub discovered_date: Option<NaiveDate>,
    /// The facts as `name → value` texts, as a person writes them.
    pub facts: BTreeMap<String, String>,
    /// The decided fine in fen (0 = no fine).
    pub decided_fen: i64,
    /// Written reason; required when the decision is outside the recommendation.
    pub reason: String,
}

/// What recording a decision returns: its id and the engine's report with the decision check.
#[derive(Clone, Debug, Serialize)]
pub struct Recorded {
    pub id: i64,
    pub report: Report,
}

/// One recorded decision as listed (no party name).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PenaltyRow {
    pub id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub benchmark: String,
    pub version: String,
    pub case_number: String,
    pub violation_date: String,
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
}

impl PenaltyRow {
    /// The recommended range in yuan, e.g. `500.00–800.00`, or `—` when no fine is recommended.
    pub fn recommended_yuan(&self) -> String {
        match (self.recommended_min_fen, self.recommended_max_fen) {
            (Some(a), Some(b)) => format!(
                "{}–{}",
                fazhi_discretion::format_yuan(a),
                fazhi_discretion::format_yuan(b)
            ),
            _ => "—".into(),
        }
    }
    pub fn decided_yuan(&self) -> String {
        fazhi_discretion::format_yuan(self.decided_fen)
    }
}

/// One decision in full, for those who may read its unit: the row, the facts, the engine's
/// report and (for the unit and its supervisors) the party's name.
#[derive(Clone, Debug, Serialize)]
pub struct PenaltyView {
    #[serde(flatten)]
    pub row: PenaltyRow,
    pub discovered_date: String,
    pub facts: BTreeMap<String, String>,
    pub report: serde_json::Value,
    /// `None` for readers who do not handle personal data (auditors, administrators).
    pub party_name: Option<String>,
}

/// Decisions and deviations of one agency.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AgencyRate {
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

impl AgencyRate {
    fn new(unit_key: String, unit_name: String, decisions: i64, outside: i64) -> Self {
        let permille = if decisions == 0 {
            0
        } else {
            (outside * 2000 + decisions) / (2 * decisions)
        };
        AgencyRate {
            unit_key,
            unit_name,
            decisions,
            outside,
            rate_permille: permille,
            rate: format!("{}.{}%", permille / 10, permille % 10),
        }
    }
}

/// The engine's error in zh-CN and English, each naming the fact, value or date at fault.
pub fn eval_messages(e: &EvalError) -> (String, String) {
    match e {
        EvalError::UnknownBenchmark { id } => (
            format!("未知的裁量基准“{id}”"),
            format!("unknown discretion benchmark '{id}'"),
        ),
        EvalError::UnknownFact { fact, known } => (
            format!("未知事实“{fact}”，可用事实：{}", known.join("、")),
            format!("unknown fact '{fact}'; known facts: {}", known.join(", ")),
        ),
        EvalError::DuplicateFact { fact } => (
            format!("事实“{fact}”重复给出"),
            format!("fact '{fact}' given twice"),
        ),
        EvalError::WrongType {
            fact,
            value,
            expected_zh,
            expected_en,
        } => (
            format!("事实“{fact}”的值“{value}”类型错误，应为{expected_zh}"),
            format!("fact '{fact}': '{value}' is not a {expected_en}"),
        ),
        EvalError::OutOfDomain {
            fact,
            value,
            min,
            max,
        } => (
            format!("事实“{fact}”的值 {value} 超出范围 {min}–{max}"),
            format!("fact '{fact}': {value} is outside {min}–{max}"),
        ),
        EvalError::MissingFact { fact, zh, en } => (
            format!("缺少事实“{fact}”（{zh}）"),
            format!("missing fact '{fact}' ({en})"),
        ),
        EvalError::FactCount { expected, got } => (
            format!("事实个数应为 {expected}，实为 {got}"),
            format!("expected {expected} fact values, got {got}"),
        ),
        EvalError::NoVersion {
            benchmark,
            date,
            versions,
        } => (
            format!(
                "裁量基准“{benchmark}”在违法行为发生日 {date} 没有施行中的版本（已有版本：{}）",
                versions.join("，")
            ),
            format!(
                "benchmark '{benchmark}' has no version in force on the violation date {date} (versions: {})",
                versions.join(", ")
            ),
        ),
        EvalError::DateOrder { zh, en } => (
            format!("日期顺序错误：{zh}"),
            format!("dates out of order: {en}"),
        ),
        EvalError::Gap {
            benchmark,
            version,
            what_zh,
            what_en,
        } => (
            format!("裁量基准“{benchmark}”版本 {version}：没有适用于这些事实的{what_zh}"),
            format!("benchmark '{benchmark}' version {version}: no {what_en} applies to these facts"),
        ),
        EvalError::Conflict {
            benchmark,
            version,
            a,
            b,
        } => (
            format!("裁量基准“{benchmark}”版本 {version}：{a} 与 {b} 同时适用"),
            format!("benchmark '{benchmark}' version {version}: {a} and {b} both apply"),
        ),
        EvalError::Overflow { fact } => (
            format!("金额过大无法计算（事实“{fact}”）"),
            format!("amount too large to compute (fact '{fact}')"),
        ),
        EvalError::BadAmount { value } => (
            format!("决定罚款金额“{value}”不是有效的元金额"),
            format!("decided fine '{value}' is not an amount in yuan"),
        ),
    }
}

/// The engine's refusal as a storage error: 422 with the engine's own words; `reason` is the
/// engine's stable code (`unknown_fact`, `wrong_type`, `no_version`, …).
pub fn eval_error(e: &EvalError) -> StoreError {
    let (zh, en) = eval_messages(e);
    StoreError::Refused {
        reason: e.code().to_string(),
        message_zh: zh,
        message_en: en,
    }
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn check_text(field: &'static str, value: &str, max: usize, zh: &str, en: &str) -> StoreResult<()> {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        return Err(StoreError::invalid(
            field,
            format!("{zh}须为 1–{max} 个字符"),
            format!("{en} is 1–{max} characters"),
        ));
    }
    Ok(())
}

/// Only the benchmark's agency decides under it: the unit must be one of its agency units.
/// Whoever holds the handle may act for the unit (its officers, its supervisors); that is
/// `write_unit`'s check, this one is the unit's.
fn check_agency(b: &Benchmark, unit: &UnitWrite) -> StoreResult<()> {
    if b.agency_units.iter().any(|k| k == unit.unit_key()) {
        return Ok(());
    }
    let units = if b.agency_units.is_empty() {
        ("(未指定)".to_string(), "(none named)".to_string())
    } else {
        (b.agency_units.join("、"), b.agency_units.join(", "))
    };
    Err(StoreError::NotPermitted {
        code: "not_benchmark_agency",
        message_zh: format!(
            "单位“{}”不是裁量基准“{}”的实施机关({}),不能登记依该基准作出的处罚决定;可登记的单位:{}",
            unit.unit_key(),
            b.id,
            b.agency.zh,
            units.0
        ),
        message_en: format!(
            "unit '{}' is not an agency of discretion benchmark '{}' ({}) and cannot record a decision under it; units that can: {}",
            unit.unit_key(),
            b.id,
            b.agency.en,
            units.1
        ),
    })
}

/// Record a decided penalty for the unit, which must be one of the benchmark's agency units.
/// The engine evaluates the case; a decision outside its recommendation without a written
/// reason is refused and nothing is stored.
pub async fn record(db: &Db, unit: &UnitWrite, new: &NewPenalty) -> StoreResult<Recorded> {
    let b = bundled_benchmark(new.benchmark.trim()).map_err(|e| eval_error(&e))?;
    check_agency(b, unit)?;
    check_text(
        "case number",
        &new.case_number,
        MAX_CASE_NUMBER_CHARS,
        "决定书文号",
        "the case number",
    )?;
    check_text(
        "party",
        &new.party_name,
        MAX_PARTY_CHARS,
        "当事人名称",
        "the party's name",
    )?;
    if new.decided_fen < 0 {
        return Err(StoreError::invalid(
            "decided amount",
            "决定罚款金额不能为负数",
            "the decided fine cannot be negative",
        ));
    }
    crate::clock::check_recorded_date(
        "decision date",
        "决定日期",
        "The decision's date",
        new.decision_date,
    )?;
    let pairs: Vec<(&str, &str)> = new
        .facts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (case, outcome) = b
        .evaluate_pairs(
            new.violation_date,
            new.decision_date,
            new.discovered_date,
            &pairs,
        )
        .map_err(|e| eval_error(&e))?;
    let report = b.report(&case, &outcome, Some(new.decided_fen));
    let check = outcome.check_decision(new.decided_fen);
    let reason = new.reason.trim();
    if check.requires_reason && reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            format!(
                "决定罚款{}元超出建议幅度（{}），须书面说明理由",
                check.decided_yuan,
                outcome.fine.map(|r| r.yuan()).unwrap_or_else(|| "不予罚款".into())
            ),
            format!(
                "the decided fine of {} yuan is outside the recommendation ({}): a written reason is required",
                check.decided_yuan,
                outcome.fine.map(|r| r.yuan()).unwrap_or_else(|| "no fine".into())
            ),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(StoreError::invalid(
            "reason",
            format!("理由不得超过 {MAX_REASON_CHARS} 个字符"),
            format!("a reason is at most {MAX_REASON_CHARS} characters"),
        ));
    }
    let facts_json = serde_json::to_string(&new.facts).unwrap_or_else(|_| "{}".into());
    let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
    let version = date_text(report.version.from);
    let tier = report.tier.id.clone();
    let level = serde_json::to_value(report.tier.level)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let adjustment = serde_json::to_value(report.adjustment)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let case_number = new.case_number.trim();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO penalties (unit_id, benchmark, version, case_number, violation_date, decision_date, \
         discovered_date, facts, tier, level, adjustment, rec_min_fen, rec_max_fen, decided_fen, \
         within_recommendation, within_statutory, reason, report, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
         RETURNING id",
    )
    .bind(unit.unit_id())
    .bind(&b.id)
    .bind(&version)
    .bind(case_number)
    .bind(date_text(case.violation))
    .bind(date_text(case.decision))
    .bind(date_text(report.discovered_date))
    .bind(&facts_json)
    .bind(&tier)
    .bind(&level)
    .bind(&adjustment)
    .bind(outcome.fine.map(|r| r.min_fen))
    .bind(outcome.fine.map(|r| r.max_fen))
    .bind(new.decided_fen)
    .bind(check.within_recommendation as i64)
    .bind(check.within_statutory as i64)
    .bind(reason)
    .bind(&report_json)
    .bind(unit.actor())
    .bind(crate::now_text())
    .fetch_one(tx.conn())
    .await
    .map_err(|e| StoreError::from_insert(e, "case number", case_number))?
    .get(0);
    sqlx::query("INSERT INTO penalty_personal (penalty_id, party_name) VALUES ($1, $2)")
        .bind(id)
        .bind(new.party_name.trim())
        .execute(tx.conn())
        .await?;
    // The party's name stays off the trail: the trail is read by auditors of every unit.
    tx.audit(
        AuditEntry::new(unit.actor(), "penalty.record", "penalty", id)
            .unit(unit.unit_key())
            .after(serde_json::json!({
                "benchmark": b.id,
                "version": version,
                "case_number": case_number,
                "violation_date": date_text(case.violation),
                "decision_date": date_text(case.decision),
                "facts": new.facts,
                "tier": tier,
                "adjustment": adjustment,
                "recommended_fine": outcome.fine,
                "decided_fen": new.decided_fen,
                "within_recommendation": check.within_recommendation,
                "within_statutory": check.within_statutory,
                "reason": reason,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(Recorded { id, report })
}

const ROW_SQL: &str = "SELECT p.id, u.key, u.name, p.benchmark, p.version, p.case_number, p.violation_date, \
     p.decision_date, p.tier, p.level, p.adjustment, p.rec_min_fen, p.rec_max_fen, p.decided_fen, \
     p.within_recommendation, p.within_statutory, p.reason, p.recorded_by, p.created_at, p.unit_id, \
     p.discovered_date, p.facts, p.report \
     FROM penalties p JOIN units u ON u.id = p.unit_id";

fn row_of(r: &sqlx::any::AnyRow) -> PenaltyRow {
    PenaltyRow {
        id: r.get(0),
        unit_key: r.get(1),
        unit_name: r.get(2),
        benchmark: r.get(3),
        version: r.get(4),
        case_number: r.get(5),
        violation_date: r.get(6),
        decision_date: r.get(7),
        tier: r.get(8),
        level: r.get(9),
        adjustment: r.get(10),
        recommended_min_fen: r.get(11),
        recommended_max_fen: r.get(12),
        decided_fen: r.get(13),
        within_recommendation: r.get::<i64, _>(14) != 0,
        within_statutory: r.get::<i64, _>(15) != 0,
        reason: r.get(16),
        recorded_by: r.get(17),
        created_at: r.get(18),
    }
}

/// Filters for decision lists.
#[derive(Clone, Debug, Default)]
pub struct PenaltyFilter {
    /// Only decisions outside the recommendation (the review list).
    pub outside_only: bool,
    pub unit_key: Option<String>,
    pub limit: i64,
}

/// Decisions of the units the person may read, newest decision first. No party names.
pub async fn list(db: &Db, who: &Principal, f: &PenaltyFilter) -> StoreResult<Vec<PenaltyRow>> {
    let rows = sqlx::query(&format!(
        "{ROW_SQL} WHERE ($1 = 0 OR p.within_recommendation = 0) AND ($2 = '' OR u.key = $2) \
         ORDER BY p.decision_date DESC, p.id DESC"
    ))
    .bind(f.outside_only as i64)
    .bind(f.unit_key.clone().unwrap_or_default())
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<PenaltyRow> = rows
        .iter()
        .filter(|r| who.can_read_unit(r.get::<i64, _>(19)))
        .map(row_of)
        .collect();
    if f.limit > 0 {
        out.truncate(f.limit as usize);
    }
    Ok(out)
}

/// The legal affairs office's review list: decisions outside the recommendation, in scope.
pub async fn deviations(db: &Db, who: &Principal) -> StoreResult<Vec<PenaltyRow>> {
    list(
        db,
        who,
        &PenaltyFilter {
            outside_only: true,
            ..Default::default()
        },
    )
    .await
}

async fn counts(db: &Db) -> StoreResult<Vec<(i64, AgencyRate)>> {
    let rows = sqlx::query(
        "SELECT p.unit_id, u.key, u.name, COUNT(*), \
         SUM(CASE WHEN p.within_recommendation = 0 THEN 1 ELSE 0 END) \
         FROM penalties p JOIN units u ON u.id = p.unit_id \
         GROUP BY p.unit_id, u.key, u.name ORDER BY u.key",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>(0),
                AgencyRate::new(r.get(1), r.get(2), r.get(3), r.get(4)),
            )
        })
        .collect())
}

/// Per-agency deviation rates of the units the person may read.
pub async fn rates(db: &Db, who: &Principal) -> StoreResult<Vec<AgencyRate>> {
    Ok(counts(db)
        .await?
        .into_iter()
        .filter(|(unit_id, _)| who.can_read_unit(*unit_id))
        .map(|(_, r)| r)
        .collect())
}

/// Per-agency counts for the public portal: numbers only, no case and no party.
pub async fn public_rates(db: &Db) -> StoreResult<Vec<AgencyRate>> {
    Ok(counts(db).await?.into_iter().map(|(_, r)| r).collect())
}

/// One decision in full. The party's name is shown to the unit's own staff and its
/// supervisors (not to auditors), and that read is recorded on the audit trail.
pub async fn view(db: &Db, who: &Principal, id: i64) -> StoreResult<PenaltyView> {
    let r = sqlx::query(&format!("{ROW_SQL} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(StoreError::NotFound {
            entity: "penalty",
            key: id.to_string(),
        })?;
    let unit_id: i64 = r.get(19);
    if !who.can_read_unit(unit_id) {
        return Err(StoreError::Forbidden);
    }
    let row = row_of(&r);
    let facts: BTreeMap<String, String> =
        serde_json::from_str(&r.get::<String, _>(21)).unwrap_or_default();
    let report: serde_json::Value =
        serde_json::from_str(&r.get::<String, _>(22)).unwrap_or_default();
    let party_name = if who.handles_personal_data_of(unit_id) {
        let name: Option<String> =
            sqlx::query("SELECT party_name FROM penalty_personal WHERE penalty_id = $1")
                .bind(id)
                .fetch_optional(db.pool())
                .await?
                .map(|r| r.get(0));
        if name.is_some() {
            let mut tx = db.begin_write().await?;
            tx.audit(
                AuditEntry::new(&who.actor(), "personal.read", "penalty", id)
                    .unit(&row.unit_key)
                    .after(serde_json::json!({ "fields": ["party_name"] })),
            )
            .await?;
            tx.commit().await?;
        }
        name
    } else {
        None
    };
    Ok(PenaltyView {
        discovered_date: r.get(20),
        facts,
        report,
        party_name,
        row,
    })
}

/// The demo's decided penalties (invented cases and parties): four decisions of three Bazhong
/// agencies, one outside the recommendation with its written reason. Idempotent.
pub async fn load_demo(db: &Db) -> StoreResult<()> {
    let any: i64 = sqlx::query("SELECT COUNT(*) FROM penalties")
        .fetch_one(db.pool())
        .await?
        .get(0);
    if any > 0 {
        return Ok(());
    }
    let demo = Principal::system(
        0,
        "",
        vec![crate::access::RoleGrant {
            role: crate::access::Role::Supervisor,
            scope: None,
        }],
        "serve --demo",
    );
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid");
    let facts = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let decisions = [
        (
            "urban-management-bureau",
            NewPenalty {
                benchmark: "municipal-waste-42-dumping".into(),
                case_number: "巴城管罚决字〔2026〕第0031号".into(),
                party_name: "周德顺".into(),
                violation_date: d("2026-03-02"),
                decision_date: d("2026-03-20"),
                facts: facts(&[("party", "individual"), ("volume_m3", "3"), ("harm", "minor")]),
                decided_fen: 8_000,
                ..Default::default()
            },
        ),
        (
            "urban-management-bureau",
            NewPenalty {
                benchmark: "air-119-2-burning".into(),
                case_number: "巴城管罚决字〔2026〕第0047号".into(),
                party_name: "巴中市兴旺再生资源回收有限公司".into(),
                violation_date: d("2026-04-08"),
                decision_date: d("2026-04-29"),
                facts: facts(&[("party", "unit"), ("burned_kg", "100"), ("harm", "minor")]),
                decided_fen: 6_000_000,
                ..Default::default()
            },
        ),
        (
            "environmental-protection-bureau",
            NewPenalty {
                benchmark: "air-119-2-burning".into(),
                case_number: "巴环罚决字〔2026〕第0012号".into(),
                party_name: "孙桂兰".into(),
                violation_date: d("2026-01-15"),
                decision_date: d("2026-02-03"),
                facts: facts(&[("party", "individual"), ("burned_kg", "5"), ("harm", "none")]),
                decided_fen: 150_000,
                reason: "焚烧发生在重污染天气橙色预警期间，烟尘飘入相邻小学，经案审会集体讨论，在法定幅度内从重处罚。".into(),
                ..Default::default()
            },
        ),
        (
            "food-drug-bureau",
            NewPenalty {
                benchmark: "food-safety-122-unlicensed".into(),
                case_number: "巴食药监罚决字〔2026〕第0008号".into(),
                party_name: "何记卤味店 何小军".into(),
                violation_date: d("2026-05-10"),
                decision_date: d("2026-06-01"),
                facts: facts(&[
                    ("goods_value", "3500"),
                    ("days_operating", "40"),
                    ("harm", "none"),
                ]),
                decided_fen: 6_500_000,
                ..Default::default()
            },
        ),
    ];
    for (unit_key, new) in decisions {
        let unit = demo.write_unit(db, unit_key).await?;
        record(db, &unit, &new).await?;
    }
    Ok(())
}

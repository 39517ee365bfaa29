//! Cases of statutory procedures: the storage around `fazhi_procedure`'s pure engine.
//!
//! A case belongs to its responsible unit. Its state is the engine's `CaseState`, stored as
//! JSON with personal values (names and contacts of private persons) masked; the values sit in
//! `case_personal`, readable only by the handling unit and its supervisors, each read audited.
//! After every action the case's deadlines are recomputed into `case_deadlines`, which is all
//! the sweep reads: the sweep is two set-based inserts, so a million open cases cost little.
//! History is never rewritten: an action is appended, with its audit entry, in one transaction.

use crate::access::{Principal, Role, UnitWrite};
use crate::audit::AuditEntry;
use crate::db::{write_tx, Db};
use crate::error::{StoreError, StoreResult};
use crate::sql::{args, Conn};
use chrono::NaiveDate;
use fazhi_procedure::{
    ActionInfo, ActionRequest, Actor, CaseState, DeadlineView, Effect, ProcedureSet, Refusal,
    Relation,
};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// What a stored case shows in place of a personal value.
pub const PERSONAL_MARK: &str = "〔个人信息〕";

/// The bundled procedures, for what does not depend on the calendar (names, personal fields).
/// Deadlines are counted on [`Db::procedures`], which knows the years a deployment loaded.
fn set() -> &'static ProcedureSet {
    ProcedureSet::bundled()
}

fn refused(r: Refusal) -> StoreError {
    if r.code == "forbidden" {
        return StoreError::Forbidden;
    }
    StoreError::Refused {
        reason: r.code,
        message_zh: r.message_zh,
        message_en: r.message_en,
    }
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// How the engine sees a person acting on a case of `unit_id`.
pub fn actor_for(p: &Principal, unit_id: i64) -> Actor {
    use fazhi_procedure::Role as R;
    let supervises = p.grants.iter().any(|g| {
        matches!(g.role, Role::Supervisor | Role::Administrator) && p.can_write_unit(unit_id)
    });
    let (role, relation) = if p.unit_id == unit_id && p.has_role(Role::Officer) {
        (R::Officer, Relation::ResponsibleUnit)
    } else if supervises && p.has_role(Role::Supervisor) {
        (R::Supervisor, Relation::SupervisorOfUnit)
    } else if supervises {
        (R::Administrator, Relation::SupervisorOfUnit)
    } else if p.unit_id == unit_id && p.has_role(Role::Auditor) {
        (R::Auditor, Relation::ResponsibleUnit)
    } else {
        let role = match p.grants.first().map(|g| g.role) {
            Some(Role::Administrator) => R::Administrator,
            Some(Role::Supervisor) => R::Supervisor,
            Some(Role::Auditor) => R::Auditor,
            _ => R::Officer,
        };
        (role, Relation::Other)
    };
    Actor {
        role,
        relation,
        name: p.actor(),
    }
}

/// Split personal values out of a state: the masked state to store, and the values.
fn mask(state: &CaseState, personal: &[String]) -> (CaseState, BTreeMap<String, String>) {
    let mut masked = state.clone();
    let mut values = BTreeMap::new();
    for (k, v) in masked.fields.iter_mut() {
        if personal.contains(k) && v != PERSONAL_MARK {
            values.insert(k.clone(), std::mem::replace(v, PERSONAL_MARK.to_string()));
        }
    }
    for a in masked.history.iter_mut() {
        for (k, v) in a.fields.iter_mut() {
            if personal.contains(k) && v != PERSONAL_MARK {
                values.insert(
                    format!("{}:{k}", a.seq),
                    std::mem::replace(v, PERSONAL_MARK.to_string()),
                );
            }
        }
    }
    (masked, values)
}

/// Put the personal values back, for the engine (links carry them to the linked case).
fn unmask(state: &mut CaseState, values: &BTreeMap<String, String>) {
    for (k, v) in state.fields.iter_mut() {
        if let Some(real) = values.get(k) {
            *v = real.clone();
        }
    }
    for a in state.history.iter_mut() {
        for (k, v) in a.fields.iter_mut() {
            if let Some(real) = values.get(&format!("{}:{k}", a.seq)) {
                *v = real.clone();
            }
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub procedure: String,
    pub procedure_name_zh: String,
    pub procedure_name_en: String,
    pub unit_key: String,
    pub unit_name: String,
    pub step: String,
    pub opened_on: String,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    pub major: bool,
    /// The soonest running deadline and its timing on the day asked.
    pub next_due: Option<String>,
    pub timing: String,
    /// A running deadline is counted in part on weekdays alone (待确认).
    pub provisional: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinkView {
    pub case_id: i64,
    pub procedure: String,
    pub link: String,
    /// `from` when the other case led to this one, `to` when this one led to it.
    pub direction: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub case_id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub procedure: String,
    pub deadline_key: String,
    pub due: String,
    pub kind: String,
    pub raised_on: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccountabilityRow {
    pub id: i64,
    pub case_id: i64,
    pub unit_key: String,
    pub opened_by: String,
    pub person: String,
    pub failure: String,
    pub decision: String,
    pub decided_on: String,
}

/// Everything a case page shows.
#[derive(Clone, Debug, Serialize)]
pub struct CaseView {
    pub summary: CaseSummary,
    /// The state with personal values masked.
    pub state: CaseState,
    pub deadlines: Vec<DeadlineView>,
    /// What the viewer may do now (with the reason where a gate blocks it).
    pub actions: Vec<ActionInfo>,
    pub links: Vec<LinkView>,
    /// Personal values, only for the handling unit and its supervisors (the read is audited).
    pub personal: Option<BTreeMap<String, String>>,
    pub alerts: Vec<AlertRow>,
    pub accountability: Vec<AccountabilityRow>,
}

struct Stored {
    unit_id: i64,
    unit_key: String,
    state: CaseState,
}

async fn load<C: Conn>(c: &mut C, case_id: i64) -> StoreResult<Stored> {
    let r = c
        .fetch_optional(
            "SELECT c.unit_id, u.key, c.state FROM cases c JOIN units u ON u.id = c.unit_id WHERE c.id = $1",
            args![case_id],
        )
        .await?
        .ok_or(StoreError::NotFound {
            entity: "case",
            key: case_id.to_string(),
        })?;
    let state: CaseState = serde_json::from_str(&r.text(2)?).map_err(|e| {
        StoreError::Migration(format!("case {case_id}: stored state unreadable: {e}"))
    })?;
    Ok(Stored {
        unit_id: r.int(0)?,
        unit_key: r.text(1)?,
        state,
    })
}

async fn personal_values<C: Conn>(
    c: &mut C,
    case_id: i64,
) -> StoreResult<BTreeMap<String, String>> {
    c.fetch_all(
        "SELECT field, value FROM case_personal WHERE case_id = $1",
        args![case_id],
    )
    .await?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?)))
    .collect()
}

/// What storing a case state writes: the masked row, the personal values apart, and the
/// deadlines as of its last action. Computed without the database, so a new case's rows are
/// prepared before its write transaction begins.
struct CaseRows {
    procedure: String,
    version: String,
    opened_on: String,
    step: String,
    closed_on: Option<String>,
    outcome: Option<String>,
    major: i64,
    state_json: String,
    at: String,
    next_due: Option<String>,
    next_warn: Option<String>,
    late: Option<i64>,
    personal: BTreeMap<String, String>,
    deadlines: Vec<DeadlineRow>,
}

/// One row of `case_deadlines`.
struct DeadlineRow {
    key: String,
    rule_id: String,
    due: Option<String>,
    warn_from: Option<String>,
    running: bool,
    optional: bool,
    provisional: bool,
}

impl CaseRows {
    /// The rows of `state` with its deadlines counted on `set`'s calendar.
    fn of(set: &ProcedureSet, state: &CaseState) -> CaseRows {
        let personal = fazhi_procedure::personal_fields(set, &state.procedure);
        let (masked, values) = mask(state, &personal);
        // Deadlines as of the last action's day: only due and warn-from dates are kept, the
        // status on any later day follows from them.
        let as_of = state
            .history
            .last()
            .map(|a| a.on)
            .unwrap_or(state.opened_on);
        let deadlines: Vec<(DeadlineView, bool)> =
            fazhi_procedure::deadline_dates(set, state, as_of)
                .into_iter()
                .map(|d| {
                    let running = !state.closed
                        && d.due.is_some()
                        && matches!(d.status.as_str(), "on_time" | "due_soon" | "overdue");
                    (d, running)
                })
                .collect();
        // The summary follows duties; a right (optional deadline) is nobody's overdue work.
        let running = deadlines
            .iter()
            .filter(|(d, r)| *r && !d.optional)
            .map(|(d, _)| d);
        CaseRows {
            procedure: state.procedure.clone(),
            version: state.version.clone(),
            opened_on: date_text(state.opened_on),
            step: state.step.clone(),
            closed_on: state.closed_on.map(date_text),
            outcome: state.outcome.clone(),
            major: masked.fields.get("major_case").is_some_and(|v| v == "true") as i64,
            state_json: serde_json::to_string(&masked).expect("a case state serialises"),
            at: crate::now_text(),
            next_due: running.clone().filter_map(|d| d.due).min().map(date_text),
            next_warn: running.filter_map(|d| d.warn_from).min().map(date_text),
            late: state
                .closed
                .then(|| deadlines.iter().any(|(d, _)| d.status == "closed_late") as i64),
            personal: values,
            deadlines: deadlines
                .into_iter()
                .map(|(d, running)| DeadlineRow {
                    key: d.key,
                    rule_id: d.rule_id,
                    due: d.due.map(date_text),
                    warn_from: d.warn_from.map(date_text),
                    running,
                    optional: d.optional,
                    provisional: d.provisional,
                })
                .collect(),
        }
    }
}

/// Write a case's rows: insert when `case_id` is None, else replace. Returns the case's id.
async fn save<C: Conn>(
    c: &mut C,
    case_id: Option<i64>,
    unit_id: i64,
    rows: CaseRows,
) -> StoreResult<i64> {
    let id = match case_id {
        None => c
            .fetch_optional(
                "INSERT INTO cases (procedure, version, unit_id, opened_on, step, closed_on, outcome, major, state, \
                 created_at, updated_at, next_due, next_warn, late) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13) RETURNING id",
                args![
                    rows.procedure,
                    rows.version,
                    unit_id,
                    rows.opened_on,
                    rows.step,
                    rows.closed_on,
                    rows.outcome,
                    rows.major,
                    rows.state_json,
                    rows.at,
                    rows.next_due,
                    rows.next_warn,
                    rows.late,
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Database("INSERT … RETURNING gave no row".into()))?
            .int(0)?,
        Some(id) => {
            c.execute(
                "UPDATE cases SET step = $1, closed_on = $2, outcome = $3, major = $4, state = $5, updated_at = $6, \
                 next_due = $7, next_warn = $8, late = $9 WHERE id = $10",
                args![
                    rows.step,
                    rows.closed_on,
                    rows.outcome,
                    rows.major,
                    rows.state_json,
                    rows.at,
                    rows.next_due,
                    rows.next_warn,
                    rows.late,
                    id,
                ],
            )
            .await?;
            id
        }
    };
    for (field, value) in rows.personal {
        c.execute(
            "INSERT INTO case_personal (case_id, field, value) VALUES ($1, $2, $3) \
             ON CONFLICT (case_id, field) DO UPDATE SET value = excluded.value",
            args![id, field, value],
        )
        .await?;
    }
    if case_id.is_some() {
        c.execute("DELETE FROM case_deadlines WHERE case_id = $1", args![id])
            .await?;
    }
    if !rows.deadlines.is_empty() {
        // One statement for all of the case's deadlines: each statement costs a round trip.
        // Placeholders are numbered in order of appearance (see the crate docs).
        let placeholders: Vec<String> = (0..rows.deadlines.len())
            .map(|i| {
                let b = i * 9;
                let p: Vec<String> = (1..=9).map(|k| format!("${}", b + k)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO case_deadlines (case_id, key, unit_id, rule_id, due, warn_from, open, optional, provisional) VALUES {}",
            placeholders.join(", ")
        );
        let mut values = Vec::with_capacity(rows.deadlines.len() * 9);
        for d in rows.deadlines {
            values.extend(args![
                id,
                d.key,
                unit_id,
                d.rule_id,
                d.due,
                d.warn_from,
                d.running as i64,
                d.optional as i64,
                d.provisional as i64,
            ]);
        }
        c.execute(&sql, values).await?;
    }
    Ok(id)
}

/// Recompute, on `set`'s calendar, the deadlines of every open case that has a provisional
/// deadline, one without a due date, or (with `since`) one due or warned of on or after that
/// day. Returns how many cases were rewritten and the due dates that moved. Personal values are
/// read to count (links may need them) but not rewritten.
pub(crate) async fn recompute_open<C: Conn>(
    c: &mut C,
    set: &ProcedureSet,
    since: Option<&str>,
) -> StoreResult<(usize, Vec<crate::calendar::Move>)> {
    let cond = match since {
        Some(_) => "d.provisional = 1 OR d.due IS NULL OR d.due >= $1 OR d.warn_from >= $1",
        None => "(d.provisional = 1 OR d.due IS NULL) AND $1 = $1",
    };
    // Each case with its unit's name, for the moves: one statement, not one per case.
    let ids: Vec<(i64, String)> = c
        .fetch_all(
            &format!(
                "SELECT DISTINCT d.case_id, u.name FROM case_deadlines d JOIN cases c ON c.id = d.case_id \
                 JOIN units u ON u.id = c.unit_id \
                 WHERE c.closed_on IS NULL AND ({cond}) ORDER BY d.case_id"
            ),
            args![since.unwrap_or("").to_string()],
        )
        .await?
        .iter()
        .map(|r| Ok((r.int(0)?, r.text(1)?)))
        .collect::<StoreResult<_>>()?;
    let mut moved = Vec::new();
    for (id, unit_name) in &ids {
        let id = *id;
        let before: BTreeMap<String, Option<String>> = c
            .fetch_all(
                "SELECT key, due FROM case_deadlines WHERE case_id = $1",
                args![id],
            )
            .await?
            .iter()
            .map(|r| Ok((r.text(0)?, r.opt_text(1)?)))
            .collect::<StoreResult<_>>()?;
        let stored = load(c, id).await?;
        let mut state = stored.state;
        unmask(&mut state, &personal_values(c, id).await?);
        let mut rows = CaseRows::of(set, &state);
        rows.personal.clear();
        for d in &rows.deadlines {
            let from = before.get(&d.key).cloned().flatten();
            if from != d.due {
                moved.push(crate::calendar::Move {
                    case_id: id,
                    unit_key: stored.unit_key.clone(),
                    unit_name: unit_name.clone(),
                    procedure: state.procedure.clone(),
                    deadline_key: d.key.clone(),
                    from,
                    to: d.due.clone(),
                });
            }
        }
        save(c, Some(id), stored.unit_id, rows).await?;
    }
    Ok((ids.len(), moved))
}

fn public_fields(state: &CaseState) -> serde_json::Value {
    let personal = fazhi_procedure::personal_fields(set(), &state.procedure);
    serde_json::to_value(mask(state, &personal).0.fields).unwrap_or_default()
}

/// Open a case of `procedure` for the unit of `unit`. Returns the new case's id.
pub async fn open_case(
    db: &Db,
    unit: &UnitWrite,
    who: &Principal,
    procedure: &str,
    on: NaiveDate,
    fields: BTreeMap<String, String>,
) -> StoreResult<i64> {
    open_case_linked(db, unit, who, procedure, on, fields, None).await
}

/// A link an opening writes with the case, in the same transaction: the case it comes from,
/// the link's name, and what the trail says of it.
pub(crate) struct OpeningLink {
    pub from_case: i64,
    pub name: &'static str,
}

/// [`open_case`], linking the new case from another in the same write transaction.
pub(crate) async fn open_case_linked(
    db: &Db,
    unit: &UnitWrite,
    who: &Principal,
    procedure: &str,
    on: NaiveDate,
    fields: BTreeMap<String, String>,
    link: Option<OpeningLink>,
) -> StoreResult<i64> {
    crate::clock::check_recorded_date("on", "起算日期", "The case's date", on)?;
    let set = db.procedures().await?;
    let actor = actor_for(who, unit.unit_id());
    let state = fazhi_procedure::open(&set, procedure, on, &actor, fields).map_err(refused)?;
    // Everything but the id is prepared here, outside the write transaction, so the writer
    // only writes.
    let rows = CaseRows::of(&set, &state);
    let entry = AuditEntry::new(unit.actor(), "case.open", "case", "")
        .unit(unit.unit_key())
        .after(serde_json::json!({
            "procedure": state.procedure, "version": state.version, "on": state.opened_on,
            "step": state.step, "fields": public_fields(&state),
        }));
    let unit_id = unit.unit_id();
    let link = link.map(|l| {
        let entry = AuditEntry::new(unit.actor(), "case.link", "case", "")
            .unit(unit.unit_key())
            .after(serde_json::json!({ "from_case": l.from_case, "link": l.name }));
        (l, entry)
    });
    write_tx!(db, |c| open_in(c, unit_id, rows, entry, link))
}

async fn open_in<C: Conn>(
    c: &mut C,
    unit_id: i64,
    rows: CaseRows,
    mut entry: AuditEntry,
    link: Option<(OpeningLink, AuditEntry)>,
) -> StoreResult<i64> {
    let id = save(c, None, unit_id, rows).await?;
    entry.entity_id = id.to_string();
    c.audit(entry).await?;
    if let Some((l, mut entry)) = link {
        c.execute(
            "INSERT INTO case_links (from_case, to_case, link) VALUES ($1, $2, $3)",
            args![l.from_case, id, l.name],
        )
        .await?;
        entry.entity_id = id.to_string();
        c.audit(entry).await?;
    }
    Ok(id)
}

/// The result of an action: the case, and the cases its effects opened.
#[derive(Clone, Debug, Serialize)]
pub struct ActOutcome {
    pub case_id: i64,
    pub step: String,
    pub linked: Vec<i64>,
}

/// Apply a dated action to a case. Permission, gates and order are the engine's to judge; a
/// refusal changes nothing. Linked cases the action opens are created in the same transaction.
pub async fn act(
    db: &Db,
    who: &Principal,
    case_id: i64,
    action: &str,
    on: NaiveDate,
    fields: BTreeMap<String, String>,
    corrects: Option<u32>,
) -> StoreResult<ActOutcome> {
    crate::clock::check_recorded_date("on", "办理日期", "The action's date", on)?;
    let set = db.procedures().await?;
    let (who, action) = (who.clone(), action.to_string());
    write_tx!(db, |c| act_in(
        c, &set, &who, case_id, &action, on, fields, corrects
    ))
}

#[allow(clippy::too_many_arguments)]
async fn act_in<C: Conn>(
    c: &mut C,
    set: &ProcedureSet,
    who: &Principal,
    case_id: i64,
    action: &str,
    on: NaiveDate,
    fields: BTreeMap<String, String>,
    corrects: Option<u32>,
) -> StoreResult<ActOutcome> {
    // Read the case inside the write transaction, which serialises writers: two actions on one
    // case at once apply one after the other instead of the second overwriting the first.
    let stored = load(c, case_id).await?;
    if !who.can_read_unit(stored.unit_id) {
        return Err(StoreError::Forbidden);
    }
    let mut state = stored.state;
    let stored_personal = personal_values(c, case_id).await?;
    unmask(&mut state, &stored_personal);
    let actor = actor_for(who, stored.unit_id);
    let req = ActionRequest {
        action: action.to_string(),
        on,
        actor,
        fields,
        corrects,
    };
    let applied = fazhi_procedure::apply(set, &state, &req).map_err(refused)?;
    let mut rows = CaseRows::of(set, &applied.case);
    // Personal values already stored as they are need no write.
    rows.personal
        .retain(|k, v| stored_personal.get(k) != Some(&*v));
    save(c, Some(case_id), stored.unit_id, rows).await?;
    let before = serde_json::json!({ "step": state.step, "closed": state.closed });
    let last = applied.case.history.last();
    let personal = fazhi_procedure::personal_fields(set, &state.procedure);
    let action_fields: BTreeMap<&String, &str> = last
        .map(|a| {
            a.fields
                .iter()
                .map(|(k, v)| {
                    (
                        k,
                        if personal.contains(k) {
                            PERSONAL_MARK
                        } else {
                            v.as_str()
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    c.audit(
        AuditEntry::new(&who.actor(), &format!("case.{action}"), "case", case_id)
            .unit(&stored.unit_key)
            .before(before)
            .after(serde_json::json!({
                "action": action, "on": on, "step": applied.case.step, "closed": applied.case.closed,
                "fields": action_fields, "corrects": corrects,
            })),
    )
    .await?;
    let mut linked = Vec::new();
    for effect in &applied.effects {
        let Effect::OpenLinked {
            procedure,
            start_date,
            fields,
            link,
        } = effect;
        // The linked case opens under the same responsible unit; the engine judges it as the
        // system acting for that unit, since the person who referred it already had the right.
        let system = Actor {
            role: fazhi_procedure::Role::Officer,
            relation: Relation::ResponsibleUnit,
            name: who.actor(),
        };
        let new_state = fazhi_procedure::open(set, procedure, *start_date, &system, fields.clone())
            .map_err(refused)?;
        let new_id = save(c, None, stored.unit_id, CaseRows::of(set, &new_state)).await?;
        c.execute(
            "INSERT INTO case_links (from_case, to_case, link) VALUES ($1, $2, $3)",
            args![case_id, new_id, link],
        )
        .await?;
        c.audit(
            AuditEntry::new(&who.actor(), "case.open_linked", "case", new_id)
                .unit(&stored.unit_key)
                .after(serde_json::json!({
                    "procedure": procedure, "from_case": case_id, "link": link, "on": start_date,
                    "fields": public_fields(&new_state),
                })),
        )
        .await?;
        linked.push(new_id);
    }
    Ok(ActOutcome {
        case_id,
        step: applied.case.step,
        linked,
    })
}

fn summary_from_row(r: &sqlx::any::AnyRow, today: NaiveDate) -> CaseSummary {
    let procedure: String = r.get(1);
    let (zh, en) = set()
        .get(&procedure)
        .map(|p| (p.name_zh.clone(), p.name_en.clone()))
        .unwrap_or_else(|| (procedure.clone(), procedure.clone()));
    let closed_on: Option<String> = r.get(6);
    let next_due: Option<String> = r.get(10);
    let warn_from: Option<String> = r.get(11);
    let today_s = date_text(today);
    let timing = match (&closed_on, &next_due) {
        (Some(_), _) => "closed",
        (None, Some(due)) if *due < today_s => "overdue",
        (None, Some(_)) if warn_from.as_deref().is_some_and(|w| w <= today_s.as_str()) => {
            "due_soon"
        }
        (None, Some(_)) => "on_time",
        (None, None) => "no_running_deadline",
    };
    CaseSummary {
        id: r.get(0),
        procedure,
        procedure_name_zh: zh,
        procedure_name_en: en,
        unit_key: r.get(2),
        unit_name: r.get(3),
        step: r.get(4),
        opened_on: r.get(5),
        closed_on,
        outcome: r.get(7),
        major: r.get::<i64, _>(8) != 0,
        next_due,
        timing: timing.to_string(),
        provisional: r.get::<i64, _>(12) != 0,
    }
}

const SUMMARY_SQL: &str = "SELECT c.id, c.procedure, u.key, u.name, c.step, c.opened_on, c.closed_on, c.outcome, c.major, c.unit_id, \
     c.next_due, c.next_warn, \
     (SELECT COUNT(*) FROM case_deadlines d WHERE d.case_id = c.id AND d.open = 1 AND d.provisional = 1) \
     FROM cases c JOIN units u ON u.id = c.unit_id";

/// Filters for case lists.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub procedure: Option<String>,
    pub unit_key: Option<String>,
    /// open | closed | overdue | due_soon
    pub status: Option<String>,
    /// Only cases with a running deadline on or before this day.
    pub due_before: Option<NaiveDate>,
    pub limit: i64,
}

/// Cases the person may read, soonest deadline first (open before closed). Filtering, order
/// and limit happen in the database, on the summary columns every action keeps current.
pub async fn list(
    db: &Db,
    who: &Principal,
    f: &CaseFilter,
    today: NaiveDate,
) -> StoreResult<Vec<CaseSummary>> {
    let today_s = date_text(today);
    let mut sql =
        format!("{SUMMARY_SQL} WHERE ($1 = '' OR c.procedure = $1) AND ($2 = '' OR u.key = $2)");
    match who.readable_units() {
        crate::access::UnitSet::All => {}
        crate::access::UnitSet::None => return Ok(Vec::new()),
        // Unit ids come from the database, never from the request: safe to inline.
        crate::access::UnitSet::Some(ids) => {
            let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            sql.push_str(&format!(" AND c.unit_id IN ({})", list.join(",")));
        }
    }
    sql.push_str(match f.status.as_deref() {
        Some("open") => " AND c.closed_on IS NULL",
        Some("closed") => " AND c.closed_on IS NOT NULL",
        Some("overdue") => " AND c.closed_on IS NULL AND c.next_due < $3",
        Some("due_soon") => " AND c.closed_on IS NULL AND c.next_due >= $3 AND c.next_warn <= $3",
        _ => " AND $3 = $3",
    });
    sql.push_str(" AND ($4 = '' OR (c.closed_on IS NULL AND c.next_due <= $4))");
    sql.push_str(
        " ORDER BY CASE WHEN c.closed_on IS NULL THEN 0 ELSE 1 END, \
         CASE WHEN c.next_due IS NULL THEN 1 ELSE 0 END, c.next_due, c.id DESC LIMIT $5",
    );
    let rows = sqlx::query(&sql)
        .bind(f.procedure.clone().unwrap_or_default())
        .bind(f.unit_key.clone().unwrap_or_default())
        .bind(&today_s)
        .bind(f.due_before.map(date_text).unwrap_or_default())
        .bind(if f.limit > 0 { f.limit } else { i64::MAX })
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(|r| summary_from_row(r, today)).collect())
}

/// A case as the person may see it. Reading personal values is recorded on the audit trail.
pub async fn view(
    db: &Db,
    who: &Principal,
    case_id: i64,
    today: NaiveDate,
) -> StoreResult<CaseView> {
    let stored = load(&mut db.pool().clone(), case_id).await?;
    if !who.can_read_unit(stored.unit_id) {
        return Err(StoreError::Forbidden);
    }
    let row = sqlx::query(&format!("{SUMMARY_SQL} WHERE c.id = $1"))
        .bind(case_id)
        .fetch_one(db.pool())
        .await?;
    let summary = summary_from_row(&row, today);
    let actor = actor_for(who, stored.unit_id);
    let handles_personal = matches!(
        actor.relation,
        Relation::ResponsibleUnit | Relation::SupervisorOfUnit
    ) && actor.role != fazhi_procedure::Role::Auditor;
    let personal = if handles_personal {
        let values = personal_values(&mut db.pool().clone(), case_id).await?;
        if !values.is_empty() {
            let entry = AuditEntry::new(&who.actor(), "personal.read", "case", case_id)
                .unit(&stored.unit_key)
                .after(serde_json::json!({ "fields": values.keys().collect::<Vec<_>>() }));
            write_tx!(db, |c| c.audit(entry))?;
        }
        Some(values)
    } else {
        None
    };
    let mut unmasked = stored.state.clone();
    if let Some(values) = &personal {
        unmask(&mut unmasked, values);
    }
    let set = db.procedures().await?;
    let deadlines = fazhi_procedure::deadlines(&set, &unmasked, today);
    let actions = if who.can_write_unit(stored.unit_id) {
        fazhi_procedure::allowed_actions_on(&set, &unmasked, &actor, Some(today))
    } else {
        Vec::new()
    };
    let mut links = Vec::new();
    for (sql, direction) in [
        ("SELECT l.to_case, c.procedure, l.link FROM case_links l JOIN cases c ON c.id = l.to_case WHERE l.from_case = $1", "to"),
        ("SELECT l.from_case, c.procedure, l.link FROM case_links l JOIN cases c ON c.id = l.from_case WHERE l.to_case = $1", "from"),
    ] {
        for r in sqlx::query(sql).bind(case_id).fetch_all(db.pool()).await? {
            links.push(LinkView { case_id: r.get(0), procedure: r.get(1), link: r.get(2), direction });
        }
    }
    let alerts = alerts_where(db, "a.case_id = $1", case_id, 1000).await?;
    let mut accountability = accountability_of(db, case_id).await?;
    // The person held accountable is named for those who handle the case's personal data.
    if personal.is_none() {
        for a in &mut accountability {
            a.person = PERSONAL_MARK.to_string();
        }
    }
    Ok(CaseView {
        summary,
        state: stored.state,
        deadlines,
        actions,
        links,
        personal,
        alerts,
        accountability,
    })
}

async fn alerts_where(db: &Db, cond: &str, arg: i64, limit: i64) -> StoreResult<Vec<AlertRow>> {
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.case_id, u.key, u.name, c.procedure, a.deadline_key, a.due, a.kind, a.raised_on \
         FROM alerts a JOIN units u ON u.id = a.unit_id JOIN cases c ON c.id = a.case_id WHERE {cond} \
         ORDER BY a.due, a.id LIMIT {limit}"
    ))
    .bind(arg)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| AlertRow {
            id: r.get(0),
            case_id: r.get(1),
            unit_key: r.get(2),
            unit_name: r.get(3),
            procedure: r.get(4),
            deadline_key: r.get(5),
            due: r.get(6),
            kind: r.get(7),
            raised_on: r.get(8),
        })
        .collect())
}

/// Open alerts the person should see: due-soon warnings of their own unit, and overdue
/// alarms of the units they supervise. Alerts of closed cases are no longer shown.
pub async fn alerts_for(db: &Db, who: &Principal) -> StoreResult<Vec<AlertRow>> {
    let supervises = who.has_role(Role::Supervisor) || who.has_role(Role::Administrator);
    // Unit ids come from the database, never from the request: safe to inline.
    let in_list = |ids: &std::collections::HashSet<i64>| {
        let v: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        format!(
            "({})",
            if v.is_empty() {
                "-1".to_string()
            } else {
                v.join(",")
            }
        )
    };
    let scope = match who.readable_units() {
        crate::access::UnitSet::All => "1 = 1".to_string(),
        crate::access::UnitSet::None => "1 = 0".to_string(),
        crate::access::UnitSet::Some(ids) => format!("a.unit_id IN {}", in_list(ids)),
    };
    let cond = if supervises {
        format!("c.closed_on IS NULL AND {scope} AND $1 = $1")
    } else {
        "c.closed_on IS NULL AND a.kind = 'warning' AND a.unit_id = $1".to_string()
    };
    // The hundred most urgent: a longer list is read on the overdue list instead.
    alerts_where(db, &cond, who.unit_id, 100).await
}

/// What a sweep did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub on: String,
    pub period: String,
    /// False when another process already swept this period, or for a preview.
    pub ran: bool,
    /// A sweep on a day that has not come yet only says what it would raise: nothing is written.
    pub preview: bool,
    pub warnings: u64,
    pub alarms: u64,
}

/// Raise due-soon warnings and overdue alarms for every running deadline, once: an alert
/// already raised for the same case, deadline and due date is not raised again, and a period
/// already swept (by any process sharing the database) is skipped.
pub async fn sweep(db: &Db, on: NaiveDate, period: &str, node: &str) -> StoreResult<SweepReport> {
    let day = date_text(on);
    if on > crate::clock::today() {
        return sweep_preview(db, &day, period).await;
    }
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query(
        "INSERT INTO sweep_runs (period, ran_at, node, warnings, alarms) VALUES ($1, $2, $3, 0, 0) \
         ON CONFLICT (period) DO NOTHING",
    )
    .bind(period)
    .bind(crate::now_text())
    .bind(node)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(SweepReport {
            on: day,
            period: period.to_string(),
            ran: false,
            preview: false,
            warnings: 0,
            alarms: 0,
        });
    }
    let warnings = sqlx::query(
        "INSERT INTO alerts (case_id, unit_id, deadline_key, due, kind, raised_on) \
         SELECT case_id, unit_id, key, due, 'warning', $1 FROM case_deadlines \
         WHERE open = 1 AND warn_from <= $1 AND due >= $1 ON CONFLICT DO NOTHING",
    )
    .bind(&day)
    .execute(tx.conn())
    .await?
    .rows_affected();
    let alarms = sqlx::query(
        "INSERT INTO alerts (case_id, unit_id, deadline_key, due, kind, raised_on) \
         SELECT case_id, unit_id, key, due, 'alarm', $1 FROM case_deadlines \
         WHERE open = 1 AND optional = 0 AND due < $1 ON CONFLICT DO NOTHING",
    )
    .bind(&day)
    .execute(tx.conn())
    .await?
    .rows_affected();
    sqlx::query("UPDATE sweep_runs SET warnings = $1, alarms = $2 WHERE period = $3")
        .bind(warnings as i64)
        .bind(alarms as i64)
        .bind(period)
        .execute(tx.conn())
        .await?;
    let report = SweepReport {
        on: day,
        period: period.to_string(),
        ran: true,
        preview: false,
        warnings,
        alarms,
    };
    tx.audit(AuditEntry::new(&format!("sweep:{node}"), "sweep", "sweep", period).after(&report))
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// What a sweep on `day` (not yet come) would raise, with nothing written.
async fn sweep_preview(db: &Db, day: &str, period: &str) -> StoreResult<SweepReport> {
    let count = |kind: &'static str, cond: &'static str| {
        let sql = format!(
            "SELECT COUNT(*) FROM case_deadlines d WHERE d.open = 1 AND {cond} AND NOT EXISTS \
             (SELECT 1 FROM alerts a WHERE a.case_id = d.case_id AND a.deadline_key = d.key \
              AND a.due = d.due AND a.kind = '{kind}')"
        );
        async move {
            let n: i64 = sqlx::query(&sql)
                .bind(day)
                .fetch_one(db.pool())
                .await?
                .get(0);
            StoreResult::Ok(n as u64)
        }
    };
    Ok(SweepReport {
        on: day.to_string(),
        period: period.to_string(),
        ran: false,
        preview: true,
        warnings: count("warning", "d.warn_from <= $1 AND d.due >= $1").await?,
        alarms: count("alarm", "d.optional = 0 AND d.due < $1").await?,
    })
}

/// Overdue running deadlines per unit on a day: (unit key, unit name, cases, most days over).
#[derive(Clone, Debug, Serialize)]
pub struct OverdueLine {
    pub unit_key: String,
    pub unit_name: String,
    pub case_id: i64,
    pub procedure: String,
    pub deadline_key: String,
    pub due: String,
    pub days_overdue: i64,
}

pub async fn overdue(db: &Db, who: &Principal, on: NaiveDate) -> StoreResult<Vec<OverdueLine>> {
    let rows = sqlx::query(
        "SELECT u.key, u.name, d.case_id, c.procedure, d.key, d.due, d.unit_id FROM case_deadlines d \
         JOIN units u ON u.id = d.unit_id JOIN cases c ON c.id = d.case_id \
         WHERE d.open = 1 AND d.optional = 0 AND d.due < $1 ORDER BY u.id, d.due",
    )
    .bind(date_text(on))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .filter(|r| who.can_read_unit(r.get::<i64, _>(6)))
        .map(|r| {
            let due: String = r.get(5);
            let days = NaiveDate::parse_from_str(&due, "%Y-%m-%d")
                .map(|d| (on - d).num_days())
                .unwrap_or(0);
            OverdueLine {
                unit_key: r.get(0),
                unit_name: r.get(1),
                case_id: r.get(2),
                procedure: r.get(3),
                deadline_key: r.get(4),
                due,
                days_overdue: days,
            }
        })
        .collect())
}

async fn accountability_of(db: &Db, case_id: i64) -> StoreResult<Vec<AccountabilityRow>> {
    let rows = sqlx::query(
        "SELECT a.id, a.case_id, u.key, a.opened_by, a.person, a.failure, a.decision, a.decided_on \
         FROM accountability a JOIN units u ON u.id = a.unit_id WHERE a.case_id = $1 ORDER BY a.id",
    )
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| AccountabilityRow {
            id: r.get(0),
            case_id: r.get(1),
            unit_key: r.get(2),
            opened_by: r.get(3),
            person: r.get(4),
            failure: r.get(5),
            decision: r.get(6),
            decided_on: r.get(7),
        })
        .collect())
}

/// Record fault accountability on an overdue case: supervisors of the case's unit only, and
/// only once a deadline of the case has been missed.
pub async fn open_accountability(
    db: &Db,
    who: &Principal,
    case_id: i64,
    person: &str,
    failure: &str,
    decision: &str,
    decided_on: NaiveDate,
) -> StoreResult<i64> {
    let stored = load(&mut db.pool().clone(), case_id).await?;
    let supervises = (who.has_role(Role::Supervisor) || who.has_role(Role::Administrator))
        && who.can_write_unit(stored.unit_id);
    if !supervises {
        return Err(StoreError::Forbidden);
    }
    for (field, value) in [
        ("person", person),
        ("failure", failure),
        ("decision", decision),
    ] {
        if value.trim().is_empty() || value.chars().count() > 2000 {
            return Err(StoreError::invalid(
                field,
                "须填写(不超过 2000 字)",
                "required (at most 2000 characters)",
            ));
        }
    }
    crate::clock::check_recorded_date("decided_on", "决定日期", "The decision's date", decided_on)?;
    let set = db.procedures().await?;
    let missed = fazhi_procedure::deadlines(&set, &stored.state, decided_on)
        .iter()
        .any(|d| matches!(d.status.as_str(), "overdue" | "closed_late"));
    if !missed {
        return Err(StoreError::invalid(
            "case",
            "该案件没有逾期的期限,不能启动过错责任追究",
            "no deadline of this case was missed: fault accountability needs an overdue case",
        ));
    }
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO accountability (case_id, unit_id, opened_by, person, failure, decision, decided_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(case_id)
    .bind(stored.unit_id)
    .bind(who.actor())
    .bind(person.trim())
    .bind(failure.trim())
    .bind(decision.trim())
    .bind(date_text(decided_on))
    .bind(crate::now_text())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        AuditEntry::new(&who.actor(), "accountability.open", "accountability", id)
            .unit(&stored.unit_key)
            // The person's name is personal data: never on the trail.
            .after(serde_json::json!({ "case": case_id, "person": PERSONAL_MARK, "failure": failure, "decision": decision, "decided_on": decided_on })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Counts per procedure for the public portal: received, closed, closed on time, per month.
/// No personal data and no case detail: only numbers.
#[derive(Clone, Debug, Serialize)]
pub struct PublicStat {
    pub procedure: String,
    pub month: String,
    pub unit_name: String,
    pub received: i64,
    pub closed: i64,
    pub closed_on_time: i64,
}

pub async fn public_stats(db: &Db) -> StoreResult<Vec<PublicStat>> {
    let month = match db.backend() {
        crate::db::Backend::Sqlite => "substr(c.opened_on, 1, 7)",
        crate::db::Backend::Postgres => "substring(c.opened_on from 1 for 7)",
    };
    let rows = sqlx::query(&format!(
        "SELECT c.procedure, {month} AS month, u.name, COUNT(*), \
         CAST(SUM(CASE WHEN c.closed_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN c.closed_on IS NOT NULL AND c.late = 0 THEN 1 ELSE 0 END) AS BIGINT) \
         FROM cases c JOIN units u ON u.id = c.unit_id GROUP BY c.procedure, {month}, u.name, u.id \
         ORDER BY c.procedure, month, u.id"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| PublicStat {
            procedure: r.get(0),
            month: r.get(1),
            unit_name: r.get(2),
            received: r.get(3),
            closed: r.get(4),
            closed_on_time: r.get(5),
        })
        .collect())
}

/// Fill the database with `n` generated disclosure requests and petitions spread over the
/// units and over 2026, through the real engine, in one transaction with one audit entry.
/// For load tests and page budgets only (`scripts/page-budget.sh`); the names are invented.
#[doc(hidden)]
pub async fn generate(db: &Db, n: usize) -> StoreResult<usize> {
    let units: Vec<(i64, String)> =
        sqlx::query("SELECT id, key FROM units WHERE parent_id IS NOT NULL ORDER BY id")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    if units.is_empty() {
        return Err(StoreError::invalid(
            "units",
            "请先导入单位目录",
            "import a directory first",
        ));
    }
    let actor = Actor {
        role: fazhi_procedure::Role::Officer,
        relation: Relation::ResponsibleUnit,
        name: "generator".into(),
    };
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).expect("a valid date");
    let set = db.procedures().await?;
    let mut tx = db.begin_write().await?;
    for i in 0..n {
        let (unit_id, _) = &units[i % units.len()];
        let on = start + chrono::Duration::days((i * 7 % 320) as i64);
        let (procedure, fields) = if i % 3 == 0 {
            (
                "petition",
                vec![
                    ("channel", "letter".to_string()),
                    ("petitioner_name", format!("信访人{i}")),
                    ("matter", "反映问题".to_string()),
                ],
            )
        } else {
            (
                "disclosure_request",
                vec![
                    ("channel", "online".to_string()),
                    ("applicant_name", format!("申请人{i}")),
                    ("information_sought", "预算信息".to_string()),
                ],
            )
        };
        let fields = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let mut state =
            fazhi_procedure::open(&set, procedure, on, &actor, fields).map_err(refused)?;
        // Most requests get their reply; a few are still open or late.
        if procedure == "disclosure_request" && i % 10 != 0 {
            let reply = ActionRequest {
                action: "reply".into(),
                on: on + chrono::Duration::days(if i % 17 == 0 { 40 } else { 14 }),
                actor: actor.clone(),
                fields: [("reply_type".to_string(), "disclose".to_string())].into(),
                corrects: None,
            };
            if let Ok(applied) = fazhi_procedure::apply(&set, &state, &reply) {
                state = applied.case;
            }
        }
        save(&mut tx, None, *unit_id, CaseRows::of(&set, &state)).await?;
    }
    tx.audit(
        AuditEntry::new("generator", "case.generate", "case", "bulk")
            .after(serde_json::json!({ "cases": n })),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

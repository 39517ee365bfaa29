//! The case engine: opening a case, applying dated actions under gates and permissions, what an
//! actor may do next, and the case's deadlines through `fazhi-deadline`.
//!
//! A case's history is append-only. A correction is an action of the same kind whose
//! `corrects` names the entry it corrects; its date and fields then stand in for that entry's
//! when fields and deadlines are worked out, but it never moves the case to another step.

use crate::def::{
    Action, Choice, Cond, DeadlineDef, FieldKind, GateAtom, Procedure, Relation, Role,
};
use crate::ProcedureSet;
use chrono::NaiveDate;
use fazhi_deadline::{compute, explain, Event, EventKind, Rule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who is acting, as the storage layer sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    pub relation: Relation,
    pub name: String,
}

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedAction {
    pub seq: u32,
    pub action: String,
    /// The day the action took effect (for a correction: the corrected day).
    pub on: NaiveDate,
    pub actor: String,
    pub fields: BTreeMap<String, String>,
    pub corrects: Option<u32>,
    /// The case's step after this entry.
    #[serde(default)]
    pub step: String,
}

/// A case: one run of a procedure. Serialisable; the storage layer keeps it as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub procedure: String,
    /// Id of the procedure version, chosen by the start date.
    pub version: String,
    pub step: String,
    /// The start date (e.g. the receipt date of a request), which chose the version.
    pub opened_on: NaiveDate,
    pub history: Vec<AppliedAction>,
    /// The latest value of every field recorded so far (corrections applied).
    pub fields: BTreeMap<String, String>,
    pub closed: bool,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    /// The value of the procedure's outcome field once closed.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A request to take an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRequest {
    pub action: String,
    pub on: NaiveDate,
    pub actor: Actor,
    /// Empty values count as not given (blank form inputs).
    pub fields: BTreeMap<String, String>,
    pub corrects: Option<u32>,
}

/// Why an action was refused. Codes: `unknown_procedure`, `unknown_action`, `closed`,
/// `out_of_order` (not possible from this step or in this version, or dated before the last
/// entry), `forbidden`, `bad_field`, `gate` (a prerequisite is missing, including required
/// fields and actions allowed once), `bad_correction`, `no_version`, `deadline` (the dates would
/// make the deadline engine refuse, e.g. overlapping suspensions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message_zh}\n{message_en}")]
pub struct Refusal {
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

fn refuse(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal {
        code: code.to_owned(),
        message_zh: zh.into(),
        message_en: en.into(),
    }
}

/// Something the caller must carry out after storing the new state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// Open a case of `procedure` starting on `start_date` (pass it to [`open`] as `on`, with
    /// `fields`) and link it to this one; `link` names the kind of link.
    OpenLinked {
        procedure: String,
        start_date: NaiveDate,
        fields: BTreeMap<String, String>,
        link: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub case: CaseState,
    pub effects: Vec<Effect>,
}

pub type ChoiceInfo = Choice;

/// A field of an action's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub required: bool,
    /// `field=value|value`: required only when this holds.
    pub required_when: Option<String>,
    /// text, date, choice, bool or number.
    pub kind: String,
    pub choices: Vec<ChoiceInfo>,
    pub personal: bool,
    /// The longest text accepted, in characters.
    pub max_chars: u32,
}

/// An action the actor could take now, with its form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionInfo {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub fields: Vec<FieldInfo>,
    /// Why it would be refused now (a gate or the once-only rule), for the form to explain.
    pub blocked_by: Option<Refusal>,
}

/// One deadline of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineView {
    pub key: String,
    pub rule_id: String,
    pub name_zh: String,
    pub name_en: String,
    /// `None` while the clock is stopped, or when it cannot be computed (status `error`).
    pub due: Option<NaiveDate>,
    pub warn_from: Option<NaiveDate>,
    /// on_time | due_soon | overdue | closed_on_time | closed_late | suspended |
    /// no_time_limit | lapsed (an optional deadline, a right, unused by its end or when the
    /// case closed) | error
    pub status: String,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub law: String,
    pub article: String,
    pub law_en: String,
    pub article_en: String,
    /// A right rather than a duty (appeal, time to sue): warned of, never an overdue alarm.
    pub optional: bool,
    /// Counted in part on weekdays alone, for want of a year's holiday notice (待确认); the
    /// years are in `provisional_years`. Warned of and alarmed like any other.
    pub provisional: bool,
    pub provisional_years: Vec<i32>,
}

/// The fields a procedure marks personal (names and contacts of private persons).
pub fn personal_fields(set: &ProcedureSet, procedure: &str) -> Vec<String> {
    set.get(procedure)
        .map(|p| {
            p.fields
                .iter()
                .filter(|f| f.personal)
                .map(|f| f.id.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn procedure<'s>(set: &'s ProcedureSet, id: &str) -> Result<&'s Procedure, Refusal> {
    set.get(id).ok_or_else(|| {
        let ids: Vec<_> = set.procedures().iter().map(|p| p.id.as_str()).collect();
        refuse(
            "unknown_procedure",
            format!("未知程序 “{id}”；可用：{}", ids.join(", ")),
            format!("unknown procedure `{id}`; known: {}", ids.join(", ")),
        )
    })
}

fn permitted(a: &Action, actor: &Actor) -> Result<(), Refusal> {
    if a.roles.contains(&actor.role) && a.relations.contains(&actor.relation) {
        return Ok(());
    }
    let rel_zh = match actor.relation {
        Relation::ResponsibleUnit => "承办单位",
        Relation::SupervisorOfUnit => "承办单位的监督单位",
        Relation::Other => "其他单位",
    };
    let roles: Vec<_> = a.roles.iter().map(|r| r.name()).collect();
    let rels: Vec<_> = a.relations.iter().map(|r| r.name()).collect();
    Err(refuse(
        "forbidden",
        format!(
            "{}（{}，{}）无权执行 “{}”：须为 {} 且属于 {}",
            actor.name,
            actor.role.name(),
            rel_zh,
            a.name_zh,
            roles.join("/"),
            rels.join("/")
        ),
        format!(
            "{} ({}, {}) may not take `{}`: it needs a {} of the {}",
            actor.name,
            actor.role.name(),
            actor.relation.name(),
            a.id,
            roles.join("/"),
            rels.join(" or ")
        ),
    ))
}

/// Drop blank values and check every given field is one the action records, of the right kind.
fn clean_fields(
    p: &Procedure,
    a: &Action,
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Refusal> {
    let mut out = BTreeMap::new();
    for (k, v) in given {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let Some(f) = a.field(k).and_then(|_| p.field(k)) else {
            let ids: Vec<_> = a.fields.iter().map(|f| f.id.as_str()).collect();
            return Err(refuse(
                "bad_field",
                format!(
                    "“{}” 不记录字段 “{k}”；可记录：{}",
                    a.name_zh,
                    ids.join(", ")
                ),
                format!(
                    "`{}` does not record field `{k}`; it records: {}",
                    a.id,
                    ids.join(", ")
                ),
            ));
        };
        // Text of any kind is one line or paragraphs: no control characters but tab and line
        // breaks (a NUL is refused by PostgreSQL), and no longer than the field allows.
        if let Some(c) = v
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(refuse(
                "bad_field",
                format!(
                    "字段 “{}” 含有不可见的控制字符（U+{:04X}）",
                    f.name_zh, c as u32
                ),
                format!(
                    "field `{k}` ({}) holds a control character (U+{:04X})",
                    f.name_en, c as u32
                ),
            ));
        }
        let len = v.chars().count();
        if len > f.max_chars as usize {
            return Err(refuse(
                "bad_field",
                format!(
                    "字段 “{}” 过长：最多 {} 个字符，收到 {len} 个",
                    f.name_zh, f.max_chars
                ),
                format!(
                    "field `{k}` ({}) is too long: at most {} characters, got {len}",
                    f.name_en, f.max_chars
                ),
            ));
        }
        let ok = match f.kind {
            FieldKind::Text => true,
            FieldKind::Date => fazhi_deadline::parse_date(v).is_ok(),
            FieldKind::Bool => v == "true" || v == "false",
            FieldKind::Number => v.parse::<u32>().is_ok(),
            FieldKind::Choice => f.choices.iter().any(|c| c.id == v),
        };
        if !ok {
            let expect_en = match f.kind {
                FieldKind::Date => "a date YYYY-MM-DD".to_owned(),
                FieldKind::Bool => "true or false".to_owned(),
                FieldKind::Number => "a whole number".to_owned(),
                _ => {
                    let c: Vec<_> = f.choices.iter().map(|c| c.id.as_str()).collect();
                    format!("one of {}", c.join(", "))
                }
            };
            return Err(refuse(
                "bad_field",
                format!("字段 “{}” 的值 “{v}” 无效：应为 {expect_en}", f.name_zh),
                format!("field `{k}` ({}): `{v}` is not {expect_en}", f.name_en),
            ));
        }
        out.insert(k.clone(), v.to_owned());
    }
    Ok(out)
}

fn check_required(
    p: &Procedure,
    a: &Action,
    fields: &BTreeMap<String, String>,
    case_fields: &BTreeMap<String, String>,
) -> Result<(), Refusal> {
    let get = |k: &str| fields.get(k).or_else(|| case_fields.get(k)).cloned();
    for f in &a.fields {
        let needed = f.required || f.required_when.as_ref().is_some_and(|c| c.holds(get));
        if needed && !fields.contains_key(&f.id) {
            let (zh, en) = p
                .field(&f.id)
                .map_or((f.id.as_str(), f.id.as_str()), |d| (&d.name_zh, &d.name_en));
            let why = f.required_when.as_ref().map_or(String::new(), |c| {
                format!(" (when {} is {})", c.field, c.values.join(" or "))
            });
            return Err(refuse(
                "gate",
                format!("“{}” 须填写 “{zh}”", a.name_zh),
                format!("`{}` needs `{}` ({en}){why}", a.id, f.id),
            ));
        }
    }
    Ok(())
}

/// A history entry as it stands after corrections.
struct Eff<'c> {
    seq: u32,
    action: &'c str,
    on: NaiveDate,
    fields: BTreeMap<String, String>,
}

fn effective(history: &[AppliedAction]) -> Vec<Eff<'_>> {
    let mut out: Vec<Eff<'_>> = Vec::with_capacity(history.len());
    for h in history {
        match h.corrects.and_then(|n| root(history, n)) {
            None => out.push(Eff {
                seq: h.seq,
                action: &h.action,
                on: h.on,
                fields: h.fields.clone(),
            }),
            Some(r) => {
                if let Some(e) = out.iter_mut().find(|e| e.seq == r) {
                    e.on = h.on;
                    e.fields
                        .extend(h.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
    }
    out
}

/// The original entry a correction (or a chain of them) stands for.
fn root(history: &[AppliedAction], mut seq: u32) -> Option<u32> {
    for _ in 0..=history.len() {
        let h = history.iter().find(|h| h.seq == seq)?;
        match h.corrects {
            None => return Some(seq),
            Some(n) if n < seq => seq = n,
            Some(_) => return None,
        }
    }
    None
}

/// Fields, closure and outcome from the history; the step is kept as recorded.
fn rebuild(p: &Procedure, case: &mut CaseState) {
    let eff = effective(&case.history);
    let mut fields = BTreeMap::new();
    let mut closed_on = None;
    for e in &eff {
        fields.extend(e.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(a) = p.action(e.action) {
            fields.extend(a.sets.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let step_after = case
            .history
            .iter()
            .find(|h| h.seq == e.seq)
            .map(|h| h.step.as_str());
        if closed_on.is_none()
            && step_after
                .and_then(|s| p.step(s))
                .is_some_and(|s| s.terminal)
        {
            closed_on = Some(e.on);
        }
    }
    case.fields = fields;
    case.closed = p.step(&case.step).is_some_and(|s| s.terminal);
    case.closed_on = if case.closed { closed_on } else { None };
    case.outcome = match (&p.outcome_field, case.closed) {
        (Some(f), true) => case.fields.get(f).cloned(),
        _ => None,
    };
}

/// The deadline engine's events for each deadline key, from the effective history.
fn events_by_deadline(p: &Procedure, case: &CaseState) -> Vec<(usize, Vec<Event>)> {
    let mut by: Vec<Vec<Event>> = vec![Vec::new(); p.deadlines.len()];
    let live: Vec<bool> = p
        .deadlines
        .iter()
        .map(|d| d.in_version(&case.version))
        .collect();
    let entries = effective(&case.history);
    let opening = entries
        .first()
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    for e in &entries {
        let Some(a) = p.action(e.action) else {
            continue;
        };
        let get = |k: &str| e.fields.get(k).or_else(|| case.fields.get(k)).cloned();
        for s in &a.events {
            if s.when.as_ref().is_some_and(|c| !c.holds(get)) {
                continue;
            }
            // An event's date is the entry's own date field, else one the opening recorded (the
            // receipt date), else the entry's date: never the same field of another action (a
            // re-review request must not take the review request's date).
            let date = match &s.date_field {
                None => e.on,
                Some(f) => e
                    .fields
                    .get(f)
                    .or_else(|| opening.get(f))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(e.on),
            };
            let Some(i) = p.deadlines.iter().position(|d| d.key == s.deadline) else {
                continue;
            };
            if !live[i] {
                continue;
            }
            // A deadline met once stays met: later closing actions (e.g. a decision after a
            // late reply) do not close it again.
            if s.kind == EventKind::Closed && by[i].iter().any(|x| x.kind == EventKind::Closed) {
                continue;
            }
            let detail = s
                .detail
                .clone()
                .or_else(|| s.detail_field.as_deref().and_then(get));
            by[i].push(Event {
                kind: s.kind,
                date,
                detail,
            });
        }
    }
    by.into_iter()
        .enumerate()
        .filter(|(_, evs)| !evs.is_empty())
        .map(|(i, mut evs)| {
            // A closed case leaves no clock running: what was not met by then closed with it.
            if let (true, Some(c), false) = (case.closed, case.closed_on, p.deadlines[i].optional) {
                if !evs.iter().any(|x| x.kind == EventKind::Closed) {
                    evs.push(Event::new(EventKind::Closed, c));
                }
            }
            (i, evs)
        })
        .collect()
}

/// The deadlines that have started (their rule's triggering event happened), each with its rule
/// and its events.
fn started<'s>(
    set: &'s ProcedureSet,
    p: &'s Procedure,
    case: &CaseState,
) -> Vec<(&'s DeadlineDef, &'s Rule, Vec<Event>)> {
    events_by_deadline(p, case)
        .into_iter()
        .filter_map(|(i, evs)| {
            let d = &p.deadlines[i];
            let rule = set.rules().get(&d.rule)?;
            let triggered = rule
                .trigger
                .iter()
                .any(|k| evs.iter().any(|e| e.kind == *k));
            triggered.then_some((d, rule, evs))
        })
        .collect()
}

/// Errors that come from the calendar's reach, not from the case's dates: these must not
/// block recording what happened.
fn calendar_limit(code: &str) -> bool {
    code.starts_with("calendar_") || code == "date_out_of_range"
}

/// Refuse a state whose dates the deadline engine rejects.
fn check_deadlines(
    set: &ProcedureSet,
    p: &Procedure,
    case: &CaseState,
    on: NaiveDate,
) -> Result<(), Refusal> {
    let cal = set.calendar();
    for (d, rule, evs) in started(set, p, case) {
        if let Err(e) = compute(cal, rule, &evs, on) {
            if !calendar_limit(e.code) {
                return Err(refuse(
                    "deadline",
                    format!("期限 “{}”：{}", rule.title, e.zh),
                    format!("deadline `{}`: {}", d.key, e.en),
                ));
            }
        }
    }
    Ok(())
}

fn due_of(
    set: &ProcedureSet,
    p: &Procedure,
    case: &CaseState,
    key: &str,
    on: NaiveDate,
) -> Option<Option<NaiveDate>> {
    let (_, rule, evs) = started(set, p, case)
        .into_iter()
        .find(|(d, _, _)| d.key == key)?;
    compute(set.calendar(), rule, &evs, on).ok().map(|d| d.due)
}

/// Check the gates. `on = None` (a form shown without a date) lets date-dependent conditions
/// pass; they are checked again when the action is applied.
fn check_gates(
    set: &ProcedureSet,
    p: &Procedure,
    case: &CaseState,
    a: &Action,
    fields: &BTreeMap<String, String>,
    on: Option<NaiveDate>,
) -> Result<(), Refusal> {
    let eff = effective(&case.history);
    if a.once && eff.iter().any(|e| e.action == a.id) {
        return Err(refuse(
            "gate",
            format!("“{}” 每个案件只能进行一次，已进行过", a.name_zh),
            format!(
                "`{}` is allowed once per case and has already been taken",
                a.id
            ),
        ));
    }
    let get = |k: &str| fields.get(k).or_else(|| case.fields.get(k)).cloned();
    for g in &a.gates {
        let holds = |atom: &GateAtom| match atom {
            GateAtom::Done(x) => eff.iter().any(|e| e.action == x),
            GateAtom::NotDone(x) => !eff.iter().any(|e| e.action == x),
            GateAtom::Field(c) => c.holds(get),
            GateAtom::Expired(k) => match on {
                None => true,
                Some(on) => due_of(set, p, case, k, on)
                    .flatten()
                    .is_some_and(|d| d < on),
            },
            GateAtom::NotExpired(k) => match on {
                None => true,
                Some(on) => match due_of(set, p, case, k, on) {
                    None => false,
                    Some(None) => true,
                    Some(Some(d)) => on <= d,
                },
            },
            // Without a date (a form being shown) or without the field yet, the other gates
            // and the required fields speak; with both, the notice must be early enough.
            GateAtom::DaysAhead { field, days } => match (on, get(field)) {
                (Some(on), Some(v)) => v
                    .parse::<NaiveDate>()
                    .is_ok_and(|at| (at - on).num_days() >= i64::from(*days)),
                _ => true,
            },
        };
        if !g.any.iter().any(holds) {
            return Err(refuse("gate", g.message_zh.clone(), g.message_en.clone()));
        }
    }
    Ok(())
}

fn target_step(a: &Action, current: &str, get: impl Fn(&str) -> Option<String> + Copy) -> String {
    a.branches
        .iter()
        .find(|b| b.when.holds(get))
        .map(|b| b.to.clone())
        .or_else(|| a.to.clone())
        .unwrap_or_else(|| current.to_owned())
}

/// Open a case with the procedure's opening action. The start date is the opening action's
/// start field if given (e.g. the receipt date), else `on`; it chooses the procedure version.
pub fn open(
    set: &ProcedureSet,
    procedure_id: &str,
    on: NaiveDate,
    actor: &Actor,
    fields: BTreeMap<String, String>,
) -> Result<CaseState, Refusal> {
    let p = procedure(set, procedure_id)?;
    let a = p.opening_action();
    permitted(a, actor)?;
    let mut fields = clean_fields(p, a, &fields)?;
    let start = match p.start_field.as_ref() {
        Some(f) => match fields.get(f) {
            Some(v) => v.parse().unwrap_or(on),
            None => {
                fields.insert(f.clone(), on.to_string());
                on
            }
        },
        None => on,
    };
    if start > on {
        return Err(refuse(
            "bad_field",
            format!("起始日期 {start} 晚于登记日期 {on}"),
            format!("the start date {start} is after the day it is recorded, {on}"),
        ));
    }
    let version = p.version_on(start).ok_or_else(|| {
        let spans: Vec<_> = p
            .versions
            .iter()
            .map(|v| {
                format!(
                    "{} {}..{}",
                    v.id,
                    v.effective_from,
                    v.effective_to.map_or(String::new(), |t| t.to_string())
                )
            })
            .collect();
        refuse(
            "no_version",
            format!(
                "{start} 时 “{}” 尚无适用的版本（{}）",
                p.name_zh,
                spans.join("；")
            ),
            format!(
                "no version of `{}` applies on {start} ({})",
                p.id,
                spans.join("; ")
            ),
        )
    })?;
    let to = target_step(a, "", |k| fields.get(k).cloned());
    let mut case = CaseState {
        procedure: p.id.clone(),
        version: version.id.clone(),
        step: to.clone(),
        opened_on: start,
        history: Vec::new(),
        fields: BTreeMap::new(),
        closed: false,
        closed_on: None,
        outcome: None,
    };
    check_gates(set, p, &case, a, &fields, Some(on))?;
    check_required(p, a, &fields, &BTreeMap::new())?;
    case.history.push(AppliedAction {
        seq: 1,
        action: a.id.clone(),
        on,
        actor: actor.name.clone(),
        fields,
        corrects: None,
        step: to,
    });
    rebuild(p, &mut case);
    check_deadlines(set, p, &case, on)?;
    Ok(case)
}

/// Apply one action to a case, returning the new state and what the caller must do next.
pub fn apply(
    set: &ProcedureSet,
    case: &CaseState,
    req: &ActionRequest,
) -> Result<Applied, Refusal> {
    let p = procedure(set, &case.procedure)?;
    let a = p.action(&req.action).ok_or_else(|| {
        let ids: Vec<_> = p.actions.iter().map(|a| a.id.as_str()).collect();
        refuse(
            "unknown_action",
            format!(
                "“{}” 没有操作 “{}”；可用：{}",
                p.name_zh,
                req.action,
                ids.join(", ")
            ),
            format!(
                "`{}` has no action `{}`; known: {}",
                p.id,
                req.action,
                ids.join(", ")
            ),
        )
    })?;
    let seq = case.history.iter().map(|h| h.seq).max().unwrap_or(0) + 1;
    let mut next = case.clone();
    let mut effects = Vec::new();
    if let Some(n) = req.corrects {
        let target = case.history.iter().find(|h| h.seq == n);
        let Some(r) = target.and_then(|_| root(&case.history, n)) else {
            return Err(refuse(
                "bad_correction",
                format!("要更正的记录 #{n} 不存在"),
                format!("there is no entry #{n} to correct"),
            ));
        };
        let orig = case
            .history
            .iter()
            .find(|h| h.seq == r)
            .expect("root exists");
        if orig.action != a.id {
            return Err(refuse(
                "bad_correction",
                format!("记录 #{n} 是 “{}”，更正须为同一操作", orig.action),
                format!(
                    "entry #{n} is `{}`; a correction must be the same action",
                    orig.action
                ),
            ));
        }
        permitted(a, &req.actor)?;
        let fields = clean_fields(p, a, &req.fields)?;
        let mut merged = effective(&case.history)
            .into_iter()
            .find(|e| e.seq == r)
            .map(|e| e.fields)
            .unwrap_or_default();
        merged.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        check_required(p, a, &merged, &case.fields)?;
        next.history.push(AppliedAction {
            seq,
            action: a.id.clone(),
            on: req.on,
            actor: req.actor.name.clone(),
            fields,
            corrects: Some(n),
            step: case.step.clone(),
        });
    } else {
        if case.closed {
            return Err(refuse(
                "closed",
                "案件已办结，不能再进行操作（更正除外）",
                "the case is closed; only corrections can be recorded",
            ));
        }
        let step = p.step(&case.step);
        let possible = |v: &str| -> Vec<&str> {
            p.actions
                .iter()
                .filter(|x| x.in_version(v) && step.is_some_and(|s| x.allowed_from(s)))
                .map(|x| x.id.as_str())
                .collect()
        };
        if !a.in_version(&case.version) || !step.is_some_and(|s| a.allowed_from(s)) {
            let now = possible(&case.version).join(", ");
            let why_en = if a.in_version(&case.version) {
                format!("at step `{}`", case.step)
            } else {
                format!("in version {} of the procedure", case.version)
            };
            return Err(refuse(
                "out_of_order",
                format!(
                    "当前环节 “{}” 不能进行 “{}”；可进行：{now}",
                    step.map_or(case.step.as_str(), |s| &s.name_zh),
                    a.name_zh
                ),
                format!("`{}` is not possible {why_en}; possible now: {now}", a.id),
            ));
        }
        permitted(a, &req.actor)?;
        if let Some(last) = case.history.iter().map(|h| h.on).max() {
            if req.on < last {
                return Err(refuse(
                    "out_of_order",
                    format!("日期 {} 早于上一项记录的日期 {last}", req.on),
                    format!("{} is before the last entry's date, {last}", req.on),
                ));
            }
        }
        let fields = clean_fields(p, a, &req.fields)?;
        check_gates(set, p, case, a, &fields, Some(req.on))?;
        check_required(p, a, &fields, &case.fields)?;
        let to = target_step(a, &case.step, |k| {
            fields.get(k).or_else(|| case.fields.get(k)).cloned()
        });
        next.step = to.clone();
        next.history.push(AppliedAction {
            seq,
            action: a.id.clone(),
            on: req.on,
            actor: req.actor.name.clone(),
            fields,
            corrects: None,
            step: to,
        });
        rebuild(p, &mut next);
        if let Some(l) = &a.link {
            let get = |k: &str| next.fields.get(k).cloned();
            let target = l
                .procedure
                .clone()
                .or_else(|| l.procedure_field.as_deref().and_then(get))
                .filter(|t| set.get(t).is_some());
            if let Some(t) = target {
                let start_date = l
                    .start_field
                    .as_deref()
                    .and_then(get)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(req.on);
                let fields = l
                    .fields
                    .iter()
                    .filter_map(|(to, from)| get(from).map(|v| (to.clone(), v)))
                    .collect();
                effects.push(Effect::OpenLinked {
                    procedure: t,
                    start_date,
                    fields,
                    link: l.name.clone(),
                });
            }
        }
    }
    rebuild(p, &mut next);
    check_deadlines(set, p, &next, req.on)?;
    Ok(Applied {
        case: next,
        effects,
    })
}

/// [`allowed_actions_on`] without a date: conditions on deadlines having expired pass here
/// and are checked when the action is applied.
pub fn allowed_actions(set: &ProcedureSet, case: &CaseState, actor: &Actor) -> Vec<ActionInfo> {
    allowed_actions_on(set, case, actor, None)
}

/// The actions `actor` could take now from the case's step, each with its form and, if a gate
/// or the once-only rule would refuse it on `on`, the reason. Actions the actor is not
/// permitted to take are left out.
pub fn allowed_actions_on(
    set: &ProcedureSet,
    case: &CaseState,
    actor: &Actor,
    on: Option<NaiveDate>,
) -> Vec<ActionInfo> {
    let Some(p) = set.get(&case.procedure) else {
        return Vec::new();
    };
    let Some(step) = p.step(&case.step) else {
        return Vec::new();
    };
    if case.closed {
        return Vec::new();
    }
    p.actions
        .iter()
        .filter(|a| a.in_version(&case.version) && a.allowed_from(step))
        .filter(|a| permitted(a, actor).is_ok())
        .map(|a| ActionInfo {
            id: a.id.clone(),
            name_zh: a.name_zh.clone(),
            name_en: a.name_en.clone(),
            fields: form_fields(p, a),
            blocked_by: check_gates(set, p, case, a, &BTreeMap::new(), on).err(),
        })
        .collect()
}

fn cond_text(c: &Cond) -> String {
    format!("{}={}", c.field, c.values.join("|"))
}

/// The form of an action: its fields with their names, kinds and choices.
fn form_fields(p: &Procedure, a: &Action) -> Vec<FieldInfo> {
    a.fields
        .iter()
        .filter_map(|f| {
            let d = p.field(&f.id)?;
            Some(FieldInfo {
                id: f.id.clone(),
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
                required: f.required,
                required_when: f.required_when.as_ref().map(cond_text),
                kind: d.kind.name().to_owned(),
                choices: d.choices.clone(),
                personal: d.personal,
                max_chars: d.max_chars,
            })
        })
        .collect()
}

/// The form of a procedure's opening action (empty for an unknown procedure).
pub fn opening_fields(set: &ProcedureSet, procedure: &str) -> Vec<FieldInfo> {
    set.get(procedure)
        .map(|p| form_fields(p, p.opening_action()))
        .unwrap_or_default()
}

/// The case's deadlines as of `today`, in the order the procedure lists them; only those whose
/// triggering event has happened.
pub fn deadlines(set: &ProcedureSet, case: &CaseState, today: NaiveDate) -> Vec<DeadlineView> {
    deadline_views(set, case, today, true)
}

/// The same deadlines with their dates and status but without the explanations, which cost
/// more to write than the dates cost to compute: for storage, which keeps only the dates.
pub fn deadline_dates(set: &ProcedureSet, case: &CaseState, today: NaiveDate) -> Vec<DeadlineView> {
    deadline_views(set, case, today, false)
}

fn deadline_views(
    set: &ProcedureSet,
    case: &CaseState,
    today: NaiveDate,
    explained: bool,
) -> Vec<DeadlineView> {
    let Some(p) = set.get(&case.procedure) else {
        return Vec::new();
    };
    let cal = set.calendar();
    let mut out = Vec::new();
    for (d, rule, evs) in started(set, p, case) {
        let mut view = DeadlineView {
            key: d.key.clone(),
            rule_id: rule.id.clone(),
            name_zh: rule.title.clone(),
            name_en: rule.title_en.clone(),
            due: None,
            warn_from: None,
            status: "error".into(),
            explanation_zh: String::new(),
            explanation_en: String::new(),
            law: String::new(),
            article: String::new(),
            law_en: String::new(),
            article_en: String::new(),
            optional: d.optional,
            provisional: false,
            provisional_years: Vec::new(),
        };
        let computed = if explained {
            explain(cal, rule, set.rules().kinds(), &evs, today)
        } else {
            compute(cal, rule, &evs, today)
        };
        match computed {
            Ok(x) => {
                view.due = x.due;
                view.warn_from = x.warning;
                view.provisional = x.is_provisional();
                view.provisional_years = x.provisional_years.clone();
                view.status = x.status.name().to_owned();
                // A right (optional deadline) not used in time lapses; it is nobody's breach.
                if d.optional && x.closed.is_none() && (case.closed || view.status == "overdue") {
                    view.status = "lapsed".into();
                }
                view.explanation_zh = x
                    .explanation
                    .iter()
                    .map(|l| l.zh.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                view.explanation_en = x
                    .explanation
                    .iter()
                    .map(|l| l.en.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                view.law = x.version.law.clone();
                view.article = x.version.article.clone();
                view.law_en = x.version.law_en.clone();
                view.article_en = x.version.article_en.clone();
            }
            Err(e) => {
                view.explanation_zh = e.zh;
                view.explanation_en = e.en;
            }
        }
        out.push(view);
    }
    out
}

//! Computing a case's due date, warning date and status from its events, and explaining it.

use crate::event::{Event, EventKind};
use crate::rule::{Rule, RuleVersion, SupplementRule, SuspensionKinds};
use crate::DeadlineError;
use chrono::{Days, NaiveDate};
use fazhi_calendar::{Calendar, DayKind, Period, Unit};
use serde::Serialize;

/// Where a case stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    OnTime,
    DueSoon,
    Overdue,
    ClosedOnTime,
    ClosedLate,
    /// The clock is stopped by a suspension (or a pending supplement) with no end yet.
    Suspended,
    /// The version of the law in force sets no time limit.
    NoTimeLimit,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::OnTime => "on_time",
            Status::DueSoon => "due_soon",
            Status::Overdue => "overdue",
            Status::ClosedOnTime => "closed_on_time",
            Status::ClosedLate => "closed_late",
            Status::Suspended => "suspended",
            Status::NoTimeLimit => "no_time_limit",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Status::OnTime => "未到期",
            Status::DueSoon => "即将到期（预警）",
            Status::Overdue => "已超期",
            Status::ClosedOnTime => "按期办结",
            Status::ClosedLate => "超期办结",
            Status::Suspended => "中止计算中",
            Status::NoTimeLimit => "无法定期限",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Status::OnTime => "on time",
            Status::DueSoon => "due soon",
            Status::Overdue => "overdue",
            Status::ClosedOnTime => "closed on time",
            Status::ClosedLate => "closed late",
            Status::Suspended => "suspended",
            Status::NoTimeLimit => "no time limit",
        }
    }
}

/// A suspension the computation took into account. Days `from..=to` are not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedSuspension<'r> {
    pub kind: &'r str,
    pub from: NaiveDate,
    /// `None` while the suspension has not ended.
    pub to: Option<NaiveDate>,
    /// Units (working days or days, as the period counts) that were not counted.
    pub not_counted: u32,
}

/// The extension the computation applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedExtension<'r> {
    pub approved_on: NaiveDate,
    pub length: u32,
    pub approver: &'r str,
    pub approver_en: &'r str,
}

/// One line of explanation, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub zh: String,
    pub en: String,
}

/// The result for one case.
#[derive(Debug, Clone)]
pub struct Deadline<'r> {
    pub rule: &'r Rule,
    pub version: &'r RuleVersion,
    /// The event whose day starts the count (the day itself is not counted).
    pub trigger: Event,
    /// The day counting runs from (not counted): the trigger, or a restart.
    pub counting_from: NaiveDate,
    pub original_due: Option<NaiveDate>,
    pub extension: Option<AppliedExtension<'r>>,
    pub suspensions: Vec<AppliedSuspension<'r>>,
    pub due: Option<NaiveDate>,
    pub warning: Option<NaiveDate>,
    pub closed: Option<NaiveDate>,
    pub today: NaiveDate,
    pub status: Status,
    /// The years without a State Council notice that the count ran through, counted on
    /// Monday–Friday alone (only under [`Calendar::assuming_weekends_only`]); empty when the
    /// deadline is exact. A provisional deadline warns and alarms like any other.
    pub provisional_years: Vec<i32>,
    /// Empty unless asked for ([`explain`]).
    pub explanation: Vec<Line>,
}

impl Deadline<'_> {
    /// Counted at least in part on weekdays alone, for want of a year's notice: 待确认.
    pub fn is_provisional(&self) -> bool {
        !self.provisional_years.is_empty()
    }

    /// The machine form of the result (`--json`, the web API).
    pub fn to_json(&self) -> serde_json::Value {
        let v = self.version;
        serde_json::json!({
            "rule": self.rule.id,
            "title": self.rule.title,
            "title_en": self.rule.title_en,
            "law": v.law,
            "law_en": v.law_en,
            "article": v.article,
            "article_en": v.article_en,
            "version_effective_from": v.effective_from,
            "version_effective_to": v.effective_to,
            "period": v.period.map(period_json),
            "trigger": self.trigger,
            "counting_from": self.counting_from,
            "original_due": self.original_due,
            "extension": self.extension,
            "suspensions": self.suspensions,
            "due": self.due,
            "warning": self.warning,
            "closed": self.closed,
            "today": self.today,
            "status": self.status,
            "provisional": self.is_provisional(),
            "provisional_years": self.provisional_years,
            "explanation": self.explanation,
        })
    }
}

pub(crate) fn period_json(p: Period) -> serde_json::Value {
    let unit = match p.unit {
        Unit::WorkingDay => "working_day",
        Unit::CalendarDay => "day",
        Unit::Month => "month",
    };
    serde_json::json!({ "length": p.length, "unit": unit })
}

fn err(code: &'static str, zh: String, en: String) -> DeadlineError {
    DeadlineError::new(code, zh, en)
}

/// Compute the deadline without the explanation (the fast path for lists and alarms).
pub fn compute<'r>(
    cal: &Calendar,
    rule: &'r Rule,
    events: &[Event],
    today: NaiveDate,
) -> Result<Deadline<'r>, DeadlineError> {
    run(cal, rule, None, events, today)
}

/// Compute the deadline and explain it: law and article, where counting started, which days
/// were skipped and why, the extension, the result.
pub fn explain<'r>(
    cal: &Calendar,
    rule: &'r Rule,
    kinds: &SuspensionKinds,
    events: &[Event],
    today: NaiveDate,
) -> Result<Deadline<'r>, DeadlineError> {
    run(cal, rule, Some(kinds), events, today)
}

/// A suspension interval: days `a..=b` not counted; `b = None` while open.
#[derive(Clone, Debug)]
struct Interval<'r> {
    kind: &'r str,
    a: NaiveDate,
    b: Option<NaiveDate>,
}

fn one(events: &[Event], kind: EventKind) -> Result<Option<&Event>, DeadlineError> {
    let mut it = events.iter().filter(|e| e.kind == kind);
    let first = it.next();
    if let Some(second) = it.next() {
        return Err(err(
            "duplicate_event",
            format!(
                "事件 “{}” 出现多次（{} 和 {}），每个案件只能有一个",
                kind.zh(),
                first.map(|e| e.date).unwrap_or(second.date),
                second.date
            ),
            format!(
                "event `{kind}` appears more than once ({} and {}); a case has at most one",
                first.map(|e| e.date).unwrap_or(second.date),
                second.date
            ),
        ));
    }
    Ok(first)
}

fn out_of_order(a: &Event, b: &Event) -> DeadlineError {
    err(
        "events_out_of_order",
        format!(
            "事件顺序错误：“{}”（{}）不能早于 “{}”（{}）",
            b.kind.zh(),
            b.date,
            a.kind.zh(),
            a.date
        ),
        format!(
            "events out of order: `{}` ({}) cannot come before `{}` ({})",
            b.kind, b.date, a.kind, a.date
        ),
    )
}

fn run<'r>(
    cal: &Calendar,
    rule: &'r Rule,
    kinds: Option<&SuspensionKinds>,
    events: &[Event],
    today: NaiveDate,
) -> Result<Deadline<'r>, DeadlineError> {
    // The trigger picks the version of the law.
    let trigger = rule
        .trigger
        .iter()
        .find_map(|k| events.iter().find(|e| e.kind == *k))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<_> = rule.trigger.iter().map(|k| k.name()).collect();
            let zh: Vec<_> = rule.trigger.iter().map(|k| k.zh()).collect();
            err(
                "no_trigger",
                format!("缺少起算事件：规则 {} 需要 {} 之一", rule.id, zh.join("、")),
                format!(
                    "no triggering event: rule {} needs one of {}",
                    rule.id,
                    names.join(", ")
                ),
            )
        })?;
    let version = rule.version_on(trigger.date).ok_or_else(|| {
        let spans: Vec<_> = rule
            .versions
            .iter()
            .map(|v| match v.effective_to {
                Some(t) => format!("{}–{}", v.effective_from, t),
                None => format!("{}–", v.effective_from),
            })
            .collect();
        err(
            "no_version",
            format!(
                "{} 时规则 {} 尚无适用的法律版本（有效期间：{}）",
                trigger.date,
                rule.id,
                spans.join("；")
            ),
            format!(
                "no version of rule {} applies on {} (versions: {})",
                rule.id,
                trigger.date,
                spans.join("; ")
            ),
        )
    })?;

    // Order checks that do not depend on the rule's details.
    let received = one(events, EventKind::Received)?;
    let accepted = one(events, EventKind::Accepted)?;
    for k in [EventKind::Served, EventKind::Published, EventKind::Filed] {
        one(events, k)?;
    }
    if let (Some(r), Some(a)) = (received, accepted) {
        if a.date < r.date {
            return Err(out_of_order(r, a));
        }
    }
    let closed = one(events, EventKind::Closed)?;
    if let Some(c) = closed {
        // Nothing may be dated after the case was closed, nor the close before the trigger.
        if c.date < trigger.date {
            return Err(out_of_order(&trigger, c));
        }
        if let Some(e) = events
            .iter()
            .filter(|e| e.kind != EventKind::Closed)
            .find(|e| e.date > c.date)
        {
            if e.kind != EventKind::Resumed {
                return Err(out_of_order(e, c));
            }
        }
    }
    let sup_req = one(events, EventKind::SupplementRequested)?;
    let sup_rec = one(events, EventKind::SupplementReceived)?;
    match (sup_req, sup_rec) {
        (Some(q), Some(r)) if r.date < q.date => return Err(out_of_order(q, r)),
        (None, Some(r)) => {
            return Err(err(
                "events_out_of_order",
                format!("有 “收到补正材料”（{}）却没有 “通知补正”", r.date),
                format!(
                    "`supplement_received` ({}) without `supplement_requested`",
                    r.date
                ),
            ))
        }
        _ => {}
    }
    let extended = one(events, EventKind::Extended)?;

    let mut notes: Vec<Line> = Vec::new();
    let mut counting_from = trigger.date;
    let mut intervals: Vec<Interval<'r>> = Vec::new();
    let mut awaiting_supplement = false;

    match (version.supplement, sup_req, sup_rec) {
        (_, None, _) => {}
        (SupplementRule::Restart, Some(_), Some(r)) => {
            if r.date > counting_from {
                counting_from = r.date;
                notes.push(Line {
                    zh: format!("收到补正后的申请（{}），期限自该日重新起算", r.date),
                    en: format!("the corrected request arrived on {}; the period runs again from that day", r.date),
                });
            }
        }
        (SupplementRule::Restart, Some(q), None) => {
            if closed.is_none() {
                awaiting_supplement = true;
            } else {
                notes.push(Line {
                    zh: format!("{} 通知补正，未收到补正即办结；按原起算日计算", q.date),
                    en: format!("supplement requested on {}, case closed without it; counted from the original day", q.date),
                });
            }
        }
        (SupplementRule::Suspend, Some(q), r) => {
            if r.is_none() && closed.is_some() {
                return Err(open_on_closed("补正", "supplement", q.date));
            }
            intervals.push(Interval { kind: "supplement", a: q.date, b: r.map(|e| e.date) });
        }
        (SupplementRule::Ignore, Some(q), _) => notes.push(Line {
            zh: format!("{} 通知补正：本版本法律未规定补正影响期限，不予扣除", q.date),
            en: format!("supplement requested on {}: this version of the law does not stop the clock for it", q.date),
        }),
    }

    // Pair suspensions with resumptions in date order.
    let mut marks: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Suspended | EventKind::Resumed))
        .collect();
    marks.sort_by_key(|e| (e.date, e.kind == EventKind::Resumed));
    let mut open: Option<Interval<'r>> = None;
    for e in marks {
        if e.date < trigger.date {
            return Err(out_of_order(&trigger, e));
        }
        match e.kind {
            EventKind::Suspended => {
                if let Some(o) = &open {
                    return Err(overlap(o.a, None, e.date));
                }
                let kind = suspension_kind(rule, version, e)?;
                open = Some(Interval {
                    kind,
                    a: e.date,
                    b: None,
                });
            }
            _ => match open.take() {
                Some(mut o) => {
                    o.b = Some(e.date);
                    intervals.push(o);
                }
                None => {
                    return Err(err(
                        "resumed_without_suspension",
                        format!("“恢复计算”（{}）之前没有对应的 “中止计算”", e.date),
                        format!("`resumed` ({}) without an earlier `suspended`", e.date),
                    ))
                }
            },
        }
    }
    if let Some(o) = open {
        if closed.is_some() {
            return Err(open_on_closed("中止", "suspension", o.a));
        }
        intervals.push(o);
    }
    intervals.sort_by_key(|i| i.a);
    for w in intervals.windows(2) {
        match w[0].b {
            Some(b) if b < w[1].a => {}
            _ => return Err(overlap(w[0].a, w[0].b, w[1].a)),
        }
    }

    let Some(period) = version.period else {
        let mut d = Deadline {
            rule,
            version,
            trigger,
            counting_from,
            original_due: None,
            extension: None,
            suspensions: Vec::new(),
            due: None,
            warning: None,
            closed: closed.map(|c| c.date),
            today,
            status: Status::NoTimeLimit,
            provisional_years: Vec::new(),
            explanation: Vec::new(),
        };
        if let Some(k) = kinds {
            d.explanation = explain_lines(cal, &d, k, &notes, period_placeholder())?;
        }
        return Ok(d);
    };

    // Only closed intervals can be counted around; an open one stops the clock.
    let closed_iv: Vec<(NaiveDate, NaiveDate)> = intervals
        .iter()
        .filter_map(|i| i.b.map(|b| (i.a, b)))
        .collect();
    let open_iv = intervals.iter().find(|i| i.b.is_none()).map(|i| i.a);

    let raw0 = count_end(cal, counting_from, period, &closed_iv)?;
    let due0 = roll(cal, raw0, period.unit)?;

    let mut extension = None;
    let mut due = due0;
    if let Some(x) = extended {
        let Some(allowed) = &version.extension else {
            return Err(err(
                "extension_not_allowed",
                format!("{}{} 不允许延长期限", version.law, version.article),
                format!(
                    "{} {} allows no extension",
                    version.law_en, version.article_en
                ),
            ));
        };
        let length = match &x.detail {
            None => allowed.max.length,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0 && *n <= allowed.max.length)
                .ok_or_else(|| {
                    err(
                        "bad_extension",
                        format!(
                            "延长期限 “{s}” 无效：应为 1 至 {} {}",
                            allowed.max.length,
                            allowed.max.unit.zh()
                        ),
                        format!(
                            "extension `{s}` is invalid: must be 1 to {} {}",
                            allowed.max.length,
                            allowed.max.unit.en()
                        ),
                    )
                })?,
        };
        if x.date < trigger.date {
            return Err(out_of_order(&trigger, x));
        }
        if x.date > due0 {
            notes.push(Line {
                zh: format!("{} 批准延长时原期限（{}）已届满，延长无效，未予计入", x.date, due0),
                en: format!("the extension approved on {} came after the period had expired ({}); not applied", x.date, due0),
            });
        } else {
            // The extension runs from the day after the original period ended.
            let raw1 = count_end(
                cal,
                due0,
                Period {
                    length,
                    unit: period.unit,
                },
                &closed_iv,
            )?;
            due = roll(cal, raw1, period.unit)?;
            extension = Some(AppliedExtension {
                approved_on: x.date,
                length,
                approver: &allowed.approver,
                approver_en: &allowed.approver_en,
            });
        }
    }

    let suspended_now = awaiting_supplement || open_iv.is_some_and(|a| a <= due);
    let warning = warn_date(cal, due, rule.warn_before)?.max(counting_from);
    let status = match closed {
        Some(c) if c.date <= due => Status::ClosedOnTime,
        Some(_) => Status::ClosedLate,
        None if suspended_now => Status::Suspended,
        None if today > due => Status::Overdue,
        None if today >= warning => Status::DueSoon,
        None => Status::OnTime,
    };
    let suspensions = intervals
        .iter()
        .filter(|i| i.b.is_none_or(|b| b > counting_from))
        .map(|i| {
            let a = i.a.max(counting_from + Days::new(1));
            let n = match (i.b, period.unit) {
                (None, _) => 0,
                (Some(b), Unit::WorkingDay) => cal
                    .working_days_between(a.pred_opt().unwrap_or(a), b)
                    .unwrap_or(0),
                (Some(b), _) => (b - a).num_days() + 1,
            };
            AppliedSuspension {
                kind: i.kind,
                from: i.a,
                to: i.b,
                not_counted: n.max(0) as u32,
            }
        })
        .collect();

    let provisional_years = if cal.is_assuming_weekends_only() {
        cal.missing_years(trigger.date.min(counting_from), due.max(warning))
    } else {
        Vec::new()
    };
    let mut d = Deadline {
        rule,
        version,
        trigger,
        counting_from,
        original_due: Some(due0),
        extension,
        suspensions,
        due: (!suspended_now).then_some(due),
        warning: (!suspended_now).then_some(warning),
        closed: closed.map(|c| c.date),
        today,
        status,
        provisional_years,
        explanation: Vec::new(),
    };
    if let Some(k) = kinds {
        if awaiting_supplement {
            notes.push(Line {
                zh: "已通知补正，尚未收到补正材料：期限待收到后重新起算".into(),
                en: "supplement requested and not yet received: the period will run again from its receipt".into(),
            });
        }
        d.explanation = explain_lines(cal, &d, k, &notes, period)?;
        if d.is_provisional() {
            d.explanation.push(provisional_line(&d.provisional_years));
        }
    }
    Ok(d)
}

fn period_placeholder() -> Period {
    Period::days(0)
}

fn open_on_closed(zh: &str, en: &str, from: NaiveDate) -> DeadlineError {
    err(
        "open_suspension_on_closed_case",
        format!("案件已办结，但 {from} 开始的{zh}没有结束日期"),
        format!("the case is closed but the {en} from {from} has no end date"),
    )
}

fn overlap(a: NaiveDate, b: Option<NaiveDate>, c: NaiveDate) -> DeadlineError {
    let span = b.map_or(format!("{a} 起"), |b| format!("{a} 至 {b}"));
    let span_en = b.map_or(format!("from {a}, not ended"), |b| format!("{a} to {b}"));
    err(
        "overlapping_suspensions",
        format!("中止期间重叠：{c} 开始的中止与 {span} 的中止重叠"),
        format!("overlapping suspensions: the one starting {c} overlaps the one {span_en}"),
    )
}

fn suspension_kind<'r>(
    rule: &Rule,
    v: &'r RuleVersion,
    e: &Event,
) -> Result<&'r str, DeadlineError> {
    match (&e.detail, v.not_counted.as_slice()) {
        (_, []) => Err(err(
            "suspension_not_allowed",
            format!("{}{}（规则 {}）没有不计入期限的情形，不能中止", v.law, v.article, rule.id),
            format!("{} {} (rule {}) lists no time that is not counted; no suspension is possible", v.law_en, v.article_en, rule.id),
        )),
        (None, [only]) => Ok(only),
        (Some(k), allowed) if allowed.contains(k) => Ok(allowed.iter().find(|a| *a == k).map_or("", |a| a)),
        (_, allowed) => Err(err(
            "bad_suspension_kind",
            format!("中止（{}）须注明本规则允许的情形之一：{}（如 suspended:{}={}）", e.date, allowed.join(", "), allowed[0], e.date),
            format!("the suspension on {} must name one of this rule's kinds: {} (e.g. suspended:{}={})", e.date, allowed.join(", "), allowed[0], e.date),
        )),
    }
}

/// Raw end of a period of `p` counted from `start`, skipping the days of the (sorted, disjoint,
/// closed) suspensions. O(number of suspensions) calendar queries.
pub(crate) fn count_end(
    cal: &Calendar,
    start: NaiveDate,
    p: Period,
    susp: &[(NaiveDate, NaiveDate)],
) -> Result<NaiveDate, DeadlineError> {
    let add = |base: NaiveDate, n: u32| -> Result<NaiveDate, DeadlineError> {
        Ok(match p.unit {
            Unit::WorkingDay => cal.add_working_days(base, n)?,
            _ => base
                .checked_add_days(Days::new(u64::from(n)))
                .ok_or_else(far)?,
        })
    };
    let used = |base: NaiveDate, last: NaiveDate| -> Result<u32, DeadlineError> {
        Ok(match p.unit {
            Unit::WorkingDay => cal.working_days_between(base, last)? as u32,
            _ => (last - base).num_days() as u32,
        })
    };
    if p.unit == Unit::Month {
        let mut end = cal.period_raw_end(start, p)?;
        for &(a, b) in susp {
            if b <= start {
                continue;
            }
            let a = a.max(start + Days::new(1));
            if a > end {
                break;
            }
            end = end
                .checked_add_days(Days::new((b - a).num_days() as u64 + 1))
                .ok_or_else(far)?;
        }
        return Ok(end);
    }
    let (mut base, mut rem) = (start, p.length);
    for &(a, b) in susp {
        if b <= base {
            continue;
        }
        let a = a.max(base + Days::new(1));
        let cand = add(base, rem)?;
        if cand < a {
            return Ok(cand);
        }
        rem -= used(base, a.pred_opt().ok_or_else(far)?)?;
        base = b;
    }
    add(base, rem)
}

/// Why a deadline is provisional, naming the notices that are missing.
pub fn provisional_line(years: &[i32]) -> Line {
    let zh: Vec<String> = years
        .iter()
        .map(|y| format!("《国务院办公厅关于{y}年部分节假日安排的通知》"))
        .collect();
    let en: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    Line {
        zh: format!(
            "待确认：{}尚未载入，本期限在该年份内按周一至周五为工作日推算（以日计的期限届满日遇周六、周日顺延至周一）；通知载入后自动重新计算",
            zh.join("、")
        ),
        en: format!(
            "provisional: the State Council's holiday notice for {} is not loaded yet, so in that year this period counts Monday to Friday as working days (a period in days ending on a Saturday or Sunday runs to the Monday); it is recomputed when the notice is loaded",
            en.join(", ")
        ),
    }
}

fn far() -> DeadlineError {
    err(
        "date_out_of_range",
        "日期超出可计算范围".into(),
        "date out of range".into(),
    )
}

fn roll(cal: &Calendar, raw: NaiveDate, unit: Unit) -> Result<NaiveDate, DeadlineError> {
    Ok(match unit {
        Unit::WorkingDay => raw,
        _ => cal.next_working_day_from(raw)?,
    })
}

fn warn_date(cal: &Calendar, due: NaiveDate, before: Period) -> Result<NaiveDate, DeadlineError> {
    Ok(match before.unit {
        Unit::WorkingDay => cal.sub_working_days(due, before.length)?,
        _ => due
            .checked_sub_days(Days::new(u64::from(before.length)))
            .ok_or_else(far)?,
    })
}

fn len(p: Period) -> (String, String) {
    (
        format!("{}{}", p.length, p.unit.zh()),
        format!("{} {}", p.length, p.unit.en()),
    )
}

fn explain_lines(
    cal: &Calendar,
    d: &Deadline<'_>,
    kinds: &SuspensionKinds,
    notes: &[Line],
    period: Period,
) -> Result<Vec<Line>, DeadlineError> {
    let v = d.version;
    let mut out = Vec::new();
    let range_zh = v
        .effective_to
        .map_or(format!("{} 起施行", v.effective_from), |t| {
            format!("适用于 {} 至 {} 的起算事件", v.effective_from, t)
        });
    let range_en = v
        .effective_to
        .map_or(format!("in force from {}", v.effective_from), |t| {
            format!("applies to triggering dates {} to {}", v.effective_from, t)
        });
    let Some(_) = v.period else {
        out.push(Line {
            zh: format!(
                "规则 {}（{}）：依据{}{}（{}），{}",
                d.rule.id, d.rule.title, v.law, v.article, range_zh, "法律未规定期限"
            ),
            en: format!(
                "rule {} ({}): {} {} ({}) sets no time limit",
                d.rule.id, d.rule.title_en, v.law_en, v.article_en, range_en
            ),
        });
        if let (Some(n), Some(ne)) = (&v.note, &v.note_en) {
            out.push(Line {
                zh: n.clone(),
                en: ne.clone(),
            });
        }
        return Ok(out);
    };
    let (pz, pe) = len(period);
    out.push(Line {
        zh: format!(
            "规则 {}（{}）：依据{}{}，期限为{}（{}；按起算日 {} 选用此版本）",
            d.rule.id, d.rule.title, v.law, v.article, pz, range_zh, d.trigger.date
        ),
        en: format!(
            "rule {} ({}): {} {}, {} ({}; version chosen by the triggering date {})",
            d.rule.id, d.rule.title_en, v.law_en, v.article_en, pe, range_en, d.trigger.date
        ),
    });
    if let (Some(n), Some(ne)) = (&v.note, &v.note_en) {
        out.push(Line {
            zh: n.clone(),
            en: ne.clone(),
        });
    }
    let first = d.counting_from + Days::new(1);
    out.push(Line {
        zh: format!(
            "起算：{} {}，当日不计入，自 {} 起计算",
            d.trigger.kind.zh(),
            d.trigger.date,
            first
        ),
        en: format!(
            "start: {} on {}; that day is not counted, counting starts {}",
            d.trigger.kind, d.trigger.date, first
        ),
    });
    out.extend(notes.iter().cloned());
    for s in &d.suspensions {
        let (kz, ke) = (kinds.zh(s.kind), kinds.en(s.kind));
        out.push(match s.to {
            Some(to) => Line {
                zh: format!(
                    "中止（{kz}）：{} 至 {}，不计入期限（{}{}）",
                    s.from,
                    to,
                    s.not_counted,
                    period.unit.zh()
                ),
                en: format!(
                    "suspended ({ke}): {} to {}, not counted ({} {})",
                    s.from,
                    to,
                    s.not_counted,
                    period.unit.en()
                ),
            },
            None => Line {
                zh: format!("中止（{kz}）：自 {} 起，尚未恢复，期限停止计算", s.from),
                en: format!(
                    "suspended ({ke}) since {}, not yet resumed: the clock is stopped",
                    s.from
                ),
            },
        });
    }
    if let (Some(x), Some(d0)) = (&d.extension, d.original_due) {
        out.push(Line {
            zh: format!("原期限届满日 {d0}；{} 经{}批准延长{}{}，自 {} 起续算", x.approved_on, x.approver, x.length, period.unit.zh(), d0 + Days::new(1)),
            en: format!("original last day {d0}; extended by {} {} approved by the {} on {}, counted from {}", x.length, period.unit.en(), x.approver_en, x.approved_on, d0 + Days::new(1)),
        });
    }
    let Some(due) = d.due else {
        out.push(Line {
            zh: format!("结果：期限停止计算中，恢复后再计算届满日（截至 {}）", d.today),
            en: format!("result: the clock is stopped; the last day is computed once counting resumes (as of {})", d.today),
        });
        return Ok(out);
    };
    // Which rest days the window held, and what the law does with them.
    let rest = cal.rest_days_between(d.counting_from, due)?;
    let in_susp = |x: NaiveDate| {
        d.suspensions
            .iter()
            .any(|s| s.to.is_some_and(|t| x >= s.from && x <= t))
    };
    let rest: Vec<_> = rest.into_iter().filter(|(x, _)| !in_susp(*x)).collect();
    match period.unit {
        Unit::WorkingDay => {
            if !rest.is_empty() {
                let (z, e) = runs(&rest);
                out.push(Line {
                    zh: format!("不计入的非工作日：{z}"),
                    en: format!("rest days not counted: {e}"),
                });
            }
            let makeup: Vec<String> = d
                .counting_from
                .iter_days()
                .skip(1)
                .take_while(|x| *x <= due)
                .filter(|x| matches!(cal.day_kind(*x), Ok(DayKind::MakeUpWorkingDay { .. })))
                .map(|x| x.to_string())
                .collect();
            if !makeup.is_empty() {
                out.push(Line {
                    zh: format!("计入的调休上班日：{}", makeup.join("、")),
                    en: format!("make-up working days counted: {}", makeup.join(", ")),
                });
            }
        }
        _ => {
            if let Some(last_raw) = last_raw_day(cal, d, period)? {
                if last_raw != due {
                    let skipped: Vec<_> = rest
                        .iter()
                        .filter(|(x, _)| *x >= last_raw)
                        .cloned()
                        .collect();
                    let (z, e) = runs(&skipped);
                    out.push(Line {
                        zh: format!("期间最后一日 {last_raw} 为休息日（{z}），顺延至其后第一个工作日 {due}"),
                        en: format!("the period's last day {last_raw} is a rest day ({e}); it ends on the next working day, {due}"),
                    });
                }
            }
            out.push(Line {
                zh: "期间中的节假日不扣除（按日计算的期限）".into(),
                en: "rest days inside a period counted in days are not deducted".into(),
            });
        }
    }
    let closed_zh = d.closed.map_or(String::new(), |c| format!("；{c} 办结"));
    let closed_en = d.closed.map_or(String::new(), |c| format!("; closed {c}"));
    out.push(Line {
        zh: format!(
            "结果：届满日 {due}（最后一日 24 时止），预警日 {}{closed_zh}；截至 {} 状态：{}",
            d.warning.map_or("-".into(), |w| w.to_string()),
            d.today,
            d.status.zh()
        ),
        en: format!(
            "result: due {due} (until the end of that day), warning from {}{closed_en}; status as of {}: {}",
            d.warning.map_or("-".into(), |w| w.to_string()),
            d.today,
            d.status.en()
        ),
    });
    Ok(out)
}

/// For day and month periods: the last day before the rest-day rule moved it.
fn last_raw_day(
    cal: &Calendar,
    d: &Deadline<'_>,
    p: Period,
) -> Result<Option<NaiveDate>, DeadlineError> {
    let susp: Vec<_> = d
        .suspensions
        .iter()
        .filter_map(|s| s.to.map(|t| (s.from, t)))
        .collect();
    let raw0 = count_end(cal, d.counting_from, p, &susp)?;
    Ok(Some(match (&d.extension, d.original_due) {
        (Some(x), Some(d0)) => count_end(
            cal,
            d0,
            Period {
                length: x.length,
                unit: p.unit,
            },
            &susp,
        )?,
        _ => raw0,
    }))
}

/// Group consecutive days with the same reason: "2024-02-10 至 2024-02-17 春节假期（8 日）".
fn runs(days: &[(NaiveDate, DayKind<'_>)]) -> (String, String) {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let (start, k) = days[i];
        let label = k.reason_zh();
        let mut j = i;
        while j + 1 < days.len()
            && days[j + 1].0 == days[j].0 + Days::new(1)
            && days[j + 1].1.reason_zh() == label
        {
            j += 1;
        }
        let end = days[j].0;
        let n = j - i + 1;
        if n == 1 {
            zh.push(format!("{start} {label}"));
            en.push(format!("{start} {}", k.reason_en()));
        } else {
            zh.push(format!("{start} 至 {end} {label}（{n} 日）"));
            en.push(format!("{start} to {end} {} ({n} days)", k.reason_en()));
        }
        i = j + 1;
    }
    (zh.join("；"), en.join("; "))
}

//! Deadline rules as data: reading and validating `data/rules/**/*.toml`.
//!
//! One file per rule id; each `[[version]]` cites its law and article and says when it applies;
//! `[[case]]` entries beside it are golden tests (OpenFisca style).

use crate::event::{Event, EventKind};
use crate::LoadError;
use chrono::NaiveDate;
use fazhi_calendar::{Period, Unit};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use toml::Spanned;

/// How a request for missing materials (补正) affects the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupplementRule {
    /// The period runs again from receipt of the materials (e.g. 政府信息公开条例 2019 Art 30).
    Restart,
    /// The days from the request to the receipt are not counted.
    Suspend,
    /// The law of this version says nothing; the count is not affected.
    Ignore,
}

/// An allowed extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub max: Period,
    pub approver: String,
    pub approver_en: String,
}

/// One version of a rule: the law in force for triggering dates in `effective_from..=effective_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVersion {
    pub law: String,
    pub law_en: String,
    pub article: String,
    pub article_en: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    /// `None`: this version of the law sets no time limit.
    pub period: Option<Period>,
    pub extension: Option<Extension>,
    /// Kinds of suspension whose days are not counted.
    pub not_counted: Vec<String>,
    pub supplement: SupplementRule,
    pub note: Option<String>,
    pub note_en: Option<String>,
}

impl RuleVersion {
    pub fn applies_on(&self, d: NaiveDate) -> bool {
        d >= self.effective_from && self.effective_to.is_none_or(|to| d <= to)
    }
}

/// A golden case stored beside the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldenCase {
    pub name: String,
    pub events: Vec<Event>,
    pub today: NaiveDate,
    pub due: Option<NaiveDate>,
    pub warning: Option<NaiveDate>,
    pub status: String,
    pub line: usize,
}

/// A deadline rule with its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub title_en: String,
    /// File the rule came from, for citations and errors.
    pub file: String,
    /// The event that starts the count: the first of these kinds present in the case.
    pub trigger: Vec<EventKind>,
    pub warn_before: Period,
    pub versions: Vec<RuleVersion>,
    pub cases: Vec<GoldenCase>,
}

impl Rule {
    pub fn version_on(&self, d: NaiveDate) -> Option<&RuleVersion> {
        self.versions.iter().find(|v| v.applies_on(d))
    }
}

/// Labels of the kinds of suspension (`data/rules/suspension-kinds.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuspensionKinds {
    pub labels: BTreeMap<String, (String, String)>,
}

impl SuspensionKinds {
    pub fn zh<'a>(&'a self, k: &'a str) -> &'a str {
        self.labels.get(k).map(|l| l.0.as_str()).unwrap_or(k)
    }
    pub fn en<'a>(&'a self, k: &'a str) -> &'a str {
        self.labels.get(k).map(|l| l.1.as_str()).unwrap_or(k)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKinds {
    kinds: BTreeMap<String, RawLabel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    title_en: String,
    trigger: Spanned<Vec<String>>,
    warn_before: Spanned<RawPeriod>,
    version: Vec<RawVersion>,
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    length: u32,
    unit: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    law: String,
    law_en: String,
    article: String,
    article_en: String,
    effective_from: Spanned<toml::value::Datetime>,
    effective_to: Option<Spanned<toml::value::Datetime>>,
    /// Absent only together with `no_time_limit = true`.
    period: Option<Spanned<RawPeriod>>,
    #[serde(default)]
    no_time_limit: bool,
    extension: Option<Spanned<RawExtension>>,
    #[serde(default = "no_kinds")]
    not_counted: Spanned<Vec<String>>,
    #[serde(default = "default_supplement")]
    supplement: Spanned<String>,
    note: Option<String>,
    note_en: Option<String>,
}

fn no_kinds() -> Spanned<Vec<String>> {
    Spanned::new(0..0, Vec::new())
}

fn default_supplement() -> Spanned<String> {
    Spanned::new(0..0, "ignore".to_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    length: u32,
    unit: String,
    approver: String,
    approver_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Spanned<String>,
    events: Vec<Spanned<String>>,
    today: toml::value::Datetime,
    due: Option<toml::value::Datetime>,
    warning: Option<toml::value::Datetime>,
    status: String,
}

pub(crate) type Ctx<'a> = fazhi_calendar::Source<'a>;

/// A rule file's period, checked.
fn checked_period(cx: &Ctx<'_>, p: &RawPeriod, at: usize) -> Result<Period, LoadError> {
    let unit = match p.unit.as_str() {
        "working_day" => Unit::WorkingDay,
        "day" => Unit::CalendarDay,
        "month" => Unit::Month,
        u => {
            return cx.err(
                at,
                format!("unit must be working_day, day or month, not {u:?}"),
            )
        }
    };
    if p.length == 0 {
        return cx.err(at, "a period of length 0");
    }
    Ok(Period {
        length: p.length,
        unit,
    })
}

fn parse_toml<T: serde::de::DeserializeOwned>(cx: &Ctx<'_>) -> Result<T, LoadError> {
    toml::from_str(cx.text).or_else(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(0);
        cx.err(at, e.message().to_owned())
    })
}

pub(crate) fn parse_kinds(file: &str, text: &str) -> Result<SuspensionKinds, LoadError> {
    let cx = Ctx { file, text };
    let raw: RawKinds = parse_toml(&cx)?;
    Ok(SuspensionKinds {
        labels: raw
            .kinds
            .into_iter()
            .map(|(k, v)| (k, (v.zh, v.en)))
            .collect(),
    })
}

pub(crate) fn parse_rule(
    file: &str,
    text: &str,
    kinds: &SuspensionKinds,
) -> Result<Rule, LoadError> {
    let cx = Ctx { file, text };
    let raw: RawRule = parse_toml(&cx)?;
    let id = raw.id.get_ref().clone();
    let valid_id = !id.is_empty()
        && id.split('.').count() == 2
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
    if !valid_id {
        return cx.err(
            raw.id.span().start,
            format!("rule id {id:?} must look like `area.step`"),
        );
    }
    let mut trigger = Vec::new();
    for t in raw.trigger.get_ref() {
        match EventKind::parse(t) {
            Some(k) => trigger.push(k),
            None => {
                return cx.err(
                    raw.trigger.span().start,
                    format!("unknown trigger event {t:?}"),
                )
            }
        }
    }
    if trigger.is_empty() {
        return cx.err(
            raw.trigger.span().start,
            "trigger must name at least one event kind",
        );
    }
    let warn_before = checked_period(&cx, raw.warn_before.get_ref(), raw.warn_before.span().start)?;
    if warn_before.unit == Unit::Month {
        return cx.err(
            raw.warn_before.span().start,
            "warn_before must be in working days or days",
        );
    }

    let mut versions: Vec<RuleVersion> = Vec::new();
    for rv in raw.version {
        let at = rv.effective_from.span().start;
        let from = cx.toml_date(rv.effective_from.get_ref(), at)?;
        let to = match &rv.effective_to {
            Some(t) => Some(cx.toml_date(t.get_ref(), t.span().start)?),
            None => None,
        };
        if to.is_some_and(|t| t < from) {
            return cx.err(at, "effective_to is before effective_from");
        }
        if let Some(prev) = versions.last() {
            match prev.effective_to {
                Some(pt) if pt < from => {}
                _ => {
                    return cx.err(at, "versions must be in date order and must not overlap (the previous one needs an effective_to before this effective_from)")
                }
            }
        }
        let period = match (&rv.period, rv.no_time_limit) {
            (Some(p), false) => Some(checked_period(&cx, p.get_ref(), p.span().start)?),
            (None, true) => None,
            _ => {
                return cx.err(
                    at,
                    "a version needs either `period` or `no_time_limit = true`",
                )
            }
        };
        let extension = match &rv.extension {
            Some(e) => {
                let ea = e.span().start;
                let e = e.get_ref();
                let max = checked_period(
                    &cx,
                    &RawPeriod {
                        length: e.length,
                        unit: e.unit.clone(),
                    },
                    ea,
                )?;
                if period.is_some_and(|p| p.unit != max.unit) {
                    return cx.err(ea, "the extension must be in the same unit as the period");
                }
                Some(Extension {
                    max,
                    approver: e.approver.clone(),
                    approver_en: e.approver_en.clone(),
                })
            }
            None => None,
        };
        for k in rv.not_counted.get_ref() {
            if !kinds.labels.contains_key(k) {
                return cx.err(
                    rv.not_counted.span().start,
                    format!("unknown suspension kind {k:?} (add it to suspension-kinds.toml)"),
                );
            }
        }
        let supplement = match rv.supplement.get_ref().as_str() {
            "restart" => SupplementRule::Restart,
            "suspend" => SupplementRule::Suspend,
            "ignore" => SupplementRule::Ignore,
            s => {
                return cx.err(
                    rv.supplement.span().start,
                    format!("supplement must be restart, suspend or ignore, not {s:?}"),
                )
            }
        };
        versions.push(RuleVersion {
            law: rv.law,
            law_en: rv.law_en,
            article: rv.article,
            article_en: rv.article_en,
            effective_from: from,
            effective_to: to,
            period,
            extension,
            not_counted: rv.not_counted.into_inner(),
            supplement,
            note: rv.note,
            note_en: rv.note_en,
        });
    }
    if versions.is_empty() {
        return cx.err(raw.id.span().start, "a rule needs at least one [[version]]");
    }

    let mut cases = Vec::new();
    let mut names = HashSet::new();
    for rc in raw.case {
        let at = rc.name.span().start;
        if !names.insert(rc.name.get_ref().clone()) {
            return cx.err(at, format!("duplicate case name {:?}", rc.name.get_ref()));
        }
        let mut events = Vec::new();
        for e in &rc.events {
            match Event::parse_all(e.get_ref()) {
                Ok(mut v) => events.append(&mut v),
                Err(err) => return cx.err(e.span().start, err.en),
            }
        }
        cases.push(GoldenCase {
            name: rc.name.into_inner(),
            events,
            today: cx.toml_date(&rc.today, at)?,
            due: rc.due.as_ref().map(|d| cx.toml_date(d, at)).transpose()?,
            warning: rc
                .warning
                .as_ref()
                .map(|d| cx.toml_date(d, at))
                .transpose()?,
            status: rc.status,
            line: cx.line(at),
        });
    }

    Ok(Rule {
        id,
        title: raw.title,
        title_en: raw.title_en,
        file: file.to_owned(),
        trigger,
        warn_before,
        versions,
        cases,
    })
}

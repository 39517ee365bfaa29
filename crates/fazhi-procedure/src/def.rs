//! Procedure definitions (`data/procedures/*.toml`): the types, reading them, and the checks
//! that make a definition trustworthy before any case runs on it (every reference resolves,
//! every step is reachable and has a way out, every deadline rule exists).

use crate::LoadError;
use chrono::NaiveDate;
use fazhi_deadline::{EventKind, RuleBook};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use toml::Spanned;

/// What a person is in the system (from their account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    Supervisor,
    Officer,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::Supervisor,
        Role::Officer,
        Role::Auditor,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Supervisor => "supervisor",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// How a person's unit stands to the case (the storage layer works this out from the org tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The person belongs to the unit handling the case.
    ResponsibleUnit,
    /// The person belongs to a unit that supervises the handling unit.
    SupervisorOfUnit,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 3] = [
        Relation::ResponsibleUnit,
        Relation::SupervisorOfUnit,
        Relation::Other,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Relation::ResponsibleUnit => "responsible_unit",
            Relation::SupervisorOfUnit => "supervisor_of_unit",
            Relation::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// The kind of value a field holds. Values are always strings in a case; the kind says which
/// strings are valid (`date`: YYYY-MM-DD, `bool`: true/false, `number`: a whole number ≥ 0,
/// `choice`: one of the choice ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Choice,
    Bool,
    Number,
}

impl FieldKind {
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::Bool => "bool",
            FieldKind::Number => "number",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A field a case can record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: FieldKind,
    pub choices: Vec<Choice>,
    /// Names and contacts of private persons: shown only to the handling unit and its
    /// supervisors, never on public pages.
    pub personal: bool,
    /// The longest value accepted, in characters (text fields; `max_chars` in the data,
    /// [`DEFAULT_MAX_CHARS`] when not given).
    pub max_chars: u32,
}

/// The longest text value a field takes unless its data says otherwise: free text such as a
/// reason or a summary of the matter. Names, numbers and references set a lower `max_chars`.
pub const DEFAULT_MAX_CHARS: u32 = 20_000;

/// A version of the procedure, chosen by the date the case starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub id: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub law: String,
}

impl Version {
    pub fn applies_on(&self, d: NaiveDate) -> bool {
        d >= self.effective_from && self.effective_to.is_none_or(|t| d <= t)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Reaching this step closes the case.
    pub terminal: bool,
}

/// A deadline of the case: a rule of the deadline engine fed by the events the actions emit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineDef {
    pub key: String,
    pub rule: String,
    /// A right rather than a duty (an appeal, the other party's time to sue): when the case
    /// closes without it being used it lapses instead of closing late.
    pub optional: bool,
    /// Procedure versions the deadline exists in; empty = all. In other versions the actions'
    /// events for it are dropped, so it never starts.
    pub versions: Vec<String>,
}

impl DeadlineDef {
    pub fn in_version(&self, v: &str) -> bool {
        self.versions.is_empty() || self.versions.iter().any(|x| x == v)
    }
}

/// `field=a|b`: the field's value is one of the listed ones; `field=*`: it has a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cond {
    pub field: String,
    pub values: Vec<String>,
}

impl Cond {
    pub fn holds(&self, get: impl Fn(&str) -> Option<String>) -> bool {
        get(&self.field).is_some_and(|v| self.values.iter().any(|x| x == "*" || *x == v))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionField {
    pub id: String,
    pub required: bool,
    /// Required only when this holds (e.g. a legal ground when the reply is a refusal).
    pub required_when: Option<Cond>,
}

/// A deadline event an action emits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventSpec {
    pub deadline: String,
    pub kind: EventKind,
    /// Date field giving the event's date; the action's date when absent or not recorded
    /// (use `when = "field=*"` to emit the event only when the field is recorded).
    pub date_field: Option<String>,
    pub detail: Option<String>,
    /// Field whose value is the detail (suspension kind, extension length).
    pub detail_field: Option<String>,
    pub when: Option<Cond>,
}

/// One prerequisite an action refuses without.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum GateAtom {
    /// That action has been taken in this case.
    Done(String),
    NotDone(String),
    /// That deadline's last day has passed before the action's date.
    Expired(String),
    /// That deadline has started and its last day has not passed.
    NotExpired(String),
    /// A case field has one of the values.
    Field(Cond),
    /// The date in that field is at least `days` calendar days after the action's date (a
    /// notice that must go out so many days before what it announces).
    DaysAhead {
        field: String,
        days: u32,
    },
}

/// A gate passes when any of its atoms holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    pub any: Vec<GateAtom>,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    pub when: Cond,
    pub to: String,
}

/// A linked case this action opens (carried out by the storage layer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkDef {
    /// The procedure to open, or `None` when `procedure_field` picks it.
    pub procedure: Option<String>,
    /// A choice field whose value, when it names a procedure, is the one to open; other
    /// values open nothing.
    pub procedure_field: Option<String>,
    /// Date field giving the linked case's start date; the action's date if absent.
    pub start_field: Option<String>,
    /// The kind of link, for the storage layer and the pages.
    pub name: String,
    /// Linked case field ← this case's field.
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The action that opens a case (exactly one per procedure).
    pub opens: bool,
    /// Steps the action may be taken from; `*` means any step that is not terminal.
    pub from: Vec<String>,
    /// Step after the action; `None` keeps the step.
    pub to: Option<String>,
    /// The first branch whose condition holds (on the action's and the case's fields) wins
    /// over `to`.
    pub branches: Vec<Branch>,
    pub fields: Vec<ActionField>,
    pub events: Vec<EventSpec>,
    pub gates: Vec<Gate>,
    /// At most once per case.
    pub once: bool,
    pub roles: Vec<Role>,
    pub relations: Vec<Relation>,
    /// Procedure versions the action exists in; empty = all.
    pub versions: Vec<String>,
    /// Fields set to fixed values when the action is taken.
    pub sets: BTreeMap<String, String>,
    pub link: Option<LinkDef>,
}

impl Action {
    pub fn in_version(&self, v: &str) -> bool {
        self.versions.is_empty() || self.versions.iter().any(|x| x == v)
    }
    pub fn allowed_from(&self, step: &Step) -> bool {
        !self.opens
            && self
                .from
                .iter()
                .any(|f| *f == step.id || (f == "*" && !step.terminal))
    }
    pub fn field(&self, id: &str) -> Option<&ActionField> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// A statutory procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub file: String,
    /// Date field of the opening action that is the case's start date (e.g. the receipt date);
    /// the opening action's date when absent.
    pub start_field: Option<String>,
    /// Field holding the case's outcome.
    pub outcome_field: Option<String>,
    pub versions: Vec<Version>,
    pub fields: Vec<FieldDef>,
    pub steps: Vec<Step>,
    pub actions: Vec<Action>,
    pub deadlines: Vec<DeadlineDef>,
}

impl Procedure {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }
    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }
    pub fn deadline(&self, key: &str) -> Option<&DeadlineDef> {
        self.deadlines.iter().find(|d| d.key == key)
    }
    pub fn opening_action(&self) -> &Action {
        // The loader guarantees exactly one.
        self.actions
            .iter()
            .find(|a| a.opens)
            .unwrap_or(&self.actions[0])
    }
    pub fn version_on(&self, d: NaiveDate) -> Option<&Version> {
        self.versions.iter().find(|v| v.applies_on(d))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    start_field: Option<Spanned<String>>,
    outcome_field: Option<Spanned<String>>,
    #[serde(default = "default_roles")]
    roles: Spanned<Vec<String>>,
    #[serde(default = "default_relations")]
    relations: Spanned<Vec<String>>,
    #[serde(default)]
    version: Vec<RawVersion>,
    #[serde(default)]
    deadline: Vec<RawDeadline>,
    #[serde(default)]
    field: Vec<RawField>,
    #[serde(default)]
    step: Vec<RawStep>,
    #[serde(default)]
    action: Vec<RawAction>,
}

fn default_roles() -> Spanned<Vec<String>> {
    Spanned::new(0..0, vec!["officer".into(), "supervisor".into()])
}

fn default_relations() -> Spanned<Vec<String>> {
    Spanned::new(
        0..0,
        vec!["responsible_unit".into(), "supervisor_of_unit".into()],
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    id: Spanned<String>,
    effective_from: toml::value::Datetime,
    effective_to: Option<toml::value::Datetime>,
    #[serde(default)]
    law: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    key: Spanned<String>,
    rule: Spanned<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    #[serde(default = "text_kind")]
    kind: String,
    #[serde(default)]
    choices: Vec<RawChoice>,
    #[serde(default)]
    personal: bool,
    max_chars: Option<Spanned<u32>>,
}

fn text_kind() -> String {
    "text".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    id: String,
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    terminal: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    id: Spanned<String>,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    opens: bool,
    #[serde(default)]
    from: Vec<String>,
    to: Option<String>,
    #[serde(default)]
    branches: Vec<RawBranch>,
    #[serde(default)]
    fields: Vec<RawActionField>,
    #[serde(default)]
    events: Vec<RawEvent>,
    #[serde(default)]
    gates: Vec<RawGate>,
    #[serde(default)]
    once: bool,
    roles: Option<Vec<String>>,
    relations: Option<Vec<String>>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    sets: BTreeMap<String, String>,
    link: Option<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBranch {
    when: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActionField {
    id: String,
    #[serde(default)]
    required: bool,
    required_when: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    deadline: String,
    kind: String,
    date: Option<String>,
    detail: Option<String>,
    detail_field: Option<String>,
    when: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    any: Vec<String>,
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    procedure: Option<String>,
    procedure_field: Option<String>,
    start: Option<String>,
    name: String,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

type Ctx<'a> = fazhi_calendar::Source<'a>;

fn cond(s: &str) -> Option<Cond> {
    let (f, v) = s.split_once('=')?;
    let values: Vec<String> = v.split('|').map(|x| x.trim().to_owned()).collect();
    let f = f.trim();
    (!f.is_empty() && values.iter().all(|x| !x.is_empty())).then(|| Cond {
        field: f.to_owned(),
        values,
    })
}

fn roles(list: &[String]) -> Result<Vec<Role>, String> {
    list.iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                format!("unknown role {r:?} (known: administrator, supervisor, officer, auditor)")
            })
        })
        .collect()
}

fn relations(list: &[String]) -> Result<Vec<Relation>, String> {
    list.iter()
        .map(|r| {
            Relation::parse(r).ok_or_else(|| {
                format!(
                    "unknown relation {r:?} (known: responsible_unit, supervisor_of_unit, other)"
                )
            })
        })
        .collect()
}

/// Parse and check one definition on its own. References to other procedures (links) are
/// checked by the set.
pub(crate) fn parse_procedure(
    file: &str,
    text: &str,
    rules: &RuleBook,
) -> Result<(Procedure, Vec<(usize, LinkDef)>), LoadError> {
    let cx = Ctx { file, text };
    let raw: RawProcedure = toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(0);
        cx.error(at, e.message().to_owned())
    })?;
    let pid = raw.id.get_ref().clone();
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    if !id_ok(&pid) {
        return Err(cx.error(
            raw.id.span().start,
            format!("procedure id {pid:?} must be lower_snake_case"),
        ));
    }
    let def_roles = roles(raw.roles.get_ref()).map_err(|m| cx.error(raw.roles.span().start, m))?;
    let def_relations =
        relations(raw.relations.get_ref()).map_err(|m| cx.error(raw.relations.span().start, m))?;

    // Versions.
    let mut versions: Vec<Version> = Vec::new();
    for v in &raw.version {
        let at = v.id.span().start;
        let from = cx.toml_date(&v.effective_from, at)?;
        let to = v
            .effective_to
            .as_ref()
            .map(|t| cx.toml_date(t, at))
            .transpose()?;
        if to.is_some_and(|t| t < from) {
            return Err(cx.error(at, "effective_to is before effective_from"));
        }
        if let Some(o) = versions.iter().find(|o| {
            o.id == *v.id.get_ref()
                || (o.effective_to.is_none_or(|t| t >= from)
                    && to.is_none_or(|t| t >= o.effective_from))
        }) {
            return Err(cx.error(
                at,
                format!(
                    "version {:?} duplicates or overlaps version {:?}",
                    v.id.get_ref(),
                    o.id
                ),
            ));
        }
        versions.push(Version {
            id: v.id.get_ref().clone(),
            effective_from: from,
            effective_to: to,
            law: v.law.clone(),
        });
    }
    if versions.is_empty() {
        return Err(cx.error(raw.id.span().start, "no [[version]]"));
    }
    versions.sort_by_key(|v| v.effective_from);

    // Deadlines.
    let mut deadlines: Vec<DeadlineDef> = Vec::new();
    for d in &raw.deadline {
        let at = d.key.span().start;
        if deadlines.iter().any(|x| x.key == *d.key.get_ref()) {
            return Err(cx.error(at, format!("duplicate deadline key {:?}", d.key.get_ref())));
        }
        if rules.get(d.rule.get_ref()).is_none() {
            return Err(cx.error(
                d.rule.span().start,
                format!(
                    "unknown rule {:?} (see `fazhi rules list`)",
                    d.rule.get_ref()
                ),
            ));
        }
        if let Some(v) = d
            .versions
            .iter()
            .find(|v| !versions.iter().any(|x| x.id == **v))
        {
            return Err(cx.error(at, format!("unknown version {v:?}")));
        }
        deadlines.push(DeadlineDef {
            key: d.key.get_ref().clone(),
            rule: d.rule.get_ref().clone(),
            optional: d.optional,
            versions: d.versions.clone(),
        });
    }

    // Fields.
    let mut fields: Vec<FieldDef> = Vec::new();
    for f in &raw.field {
        let at = f.id.span().start;
        if !id_ok(f.id.get_ref()) || fields.iter().any(|x| x.id == *f.id.get_ref()) {
            return Err(cx.error(
                at,
                format!(
                    "field id {:?} is duplicated or not lower_snake_case",
                    f.id.get_ref()
                ),
            ));
        }
        let kind = match f.kind.as_str() {
            "text" => FieldKind::Text,
            "date" => FieldKind::Date,
            "choice" => FieldKind::Choice,
            "bool" => FieldKind::Bool,
            "number" => FieldKind::Number,
            k => {
                return Err(cx.error(
                    at,
                    format!("field kind {k:?} must be text, date, choice, bool or number"),
                ))
            }
        };
        if (kind == FieldKind::Choice) == f.choices.is_empty() {
            return Err(cx.error(at, "choices are given exactly for kind = \"choice\""));
        }
        let max_chars = match &f.max_chars {
            None => DEFAULT_MAX_CHARS,
            Some(m) if kind != FieldKind::Text => {
                return Err(cx.error(m.span().start, "max_chars is for text fields"))
            }
            Some(m) if !(1..=DEFAULT_MAX_CHARS).contains(m.get_ref()) => {
                return Err(cx.error(
                    m.span().start,
                    format!("max_chars must be 1 to {DEFAULT_MAX_CHARS}"),
                ))
            }
            Some(m) => *m.get_ref(),
        };
        fields.push(FieldDef {
            id: f.id.get_ref().clone(),
            name_zh: f.name_zh.clone(),
            name_en: f.name_en.clone(),
            kind,
            choices: f
                .choices
                .iter()
                .map(|c| Choice {
                    id: c.id.clone(),
                    name_zh: c.zh.clone(),
                    name_en: c.en.clone(),
                })
                .collect(),
            personal: f.personal,
            max_chars,
        });
    }
    let field_of = |name: &str, at: usize, what: &str| -> Result<&FieldDef, LoadError> {
        fields
            .iter()
            .find(|f| f.id == name)
            .ok_or_else(|| cx.error(at, format!("unknown field {name:?} in {what}")))
    };
    let check_cond = |s: &str, at: usize, what: &str| -> Result<Cond, LoadError> {
        let c = cond(s).ok_or_else(|| {
            cx.error(at, format!("{what} {s:?} must read `field=value[|value…]`"))
        })?;
        let f = field_of(&c.field, at, what)?;
        let ok = |v: &String| {
            v == "*"
                || match f.kind {
                    FieldKind::Choice => f.choices.iter().any(|x| x.id == *v),
                    FieldKind::Bool => v == "true" || v == "false",
                    _ => true,
                }
        };
        if let Some(v) = c.values.iter().find(|v| !ok(v)) {
            return Err(cx.error(
                at,
                format!("{what}: {v:?} is not a value of field {:?}", f.id),
            ));
        }
        Ok(c)
    };
    for (name, sp) in [
        (&raw.start_field, "start_field"),
        (&raw.outcome_field, "outcome_field"),
    ] {
        if let Some(s) = name {
            field_of(s.get_ref(), s.span().start, sp)?;
        }
    }

    // Steps.
    let mut steps: Vec<Step> = Vec::new();
    let mut step_at: BTreeMap<String, usize> = BTreeMap::new();
    for s in &raw.step {
        let at = s.id.span().start;
        if !id_ok(s.id.get_ref()) || steps.iter().any(|x| x.id == *s.id.get_ref()) {
            return Err(cx.error(
                at,
                format!(
                    "step id {:?} is duplicated or not lower_snake_case",
                    s.id.get_ref()
                ),
            ));
        }
        step_at.insert(s.id.get_ref().clone(), at);
        steps.push(Step {
            id: s.id.get_ref().clone(),
            name_zh: s.name_zh.clone(),
            name_en: s.name_en.clone(),
            terminal: s.terminal,
        });
    }
    let step_exists = |name: &str, at: usize| -> Result<(), LoadError> {
        if steps.iter().any(|s| s.id == name) {
            Ok(())
        } else {
            Err(cx.error(at, format!("unknown step {name:?}")))
        }
    };

    // Actions.
    let action_ids: BTreeSet<&str> = raw.action.iter().map(|a| a.id.get_ref().as_str()).collect();
    let mut actions: Vec<Action> = Vec::new();
    let mut links = Vec::new();
    for a in &raw.action {
        let at = a.id.span().start;
        let aid = a.id.get_ref();
        if !id_ok(aid) || actions.iter().any(|x| x.id == *aid) {
            return Err(cx.error(
                at,
                format!("action id {aid:?} is duplicated or not lower_snake_case"),
            ));
        }
        if a.opens && !a.from.is_empty() {
            return Err(cx.error(at, "the opening action has no `from`"));
        }
        if !a.opens && a.from.is_empty() {
            return Err(cx.error(at, format!("action {aid:?} needs `from` (steps or \"*\")")));
        }
        for f in &a.from {
            if f != "*" {
                step_exists(f, at)?;
            }
        }
        match &a.to {
            Some(t) => step_exists(t, at)?,
            None if a.opens => return Err(cx.error(at, "the opening action needs `to`")),
            None => {}
        }
        let mut branches = Vec::new();
        for b in &a.branches {
            step_exists(&b.to, at)?;
            branches.push(Branch {
                when: check_cond(&b.when, at, "branch condition")?,
                to: b.to.clone(),
            });
        }
        let mut afields = Vec::new();
        for f in &a.fields {
            field_of(&f.id, at, &format!("action {aid:?}"))?;
            if afields.iter().any(|x: &ActionField| x.id == f.id) {
                return Err(cx.error(at, format!("field {:?} listed twice", f.id)));
            }
            let required_when = f
                .required_when
                .as_deref()
                .map(|s| check_cond(s, at, "required_when"))
                .transpose()?;
            afields.push(ActionField {
                id: f.id.clone(),
                required: f.required,
                required_when,
            });
        }
        let mut events = Vec::new();
        for e in &a.events {
            let Some(d) = deadlines.iter().find(|d| d.key == e.deadline) else {
                return Err(cx.error(at, format!("unknown deadline key {:?}", e.deadline)));
            };
            let kind = EventKind::parse(&e.kind)
                .ok_or_else(|| cx.error(at, format!("unknown deadline event kind {:?}", e.kind)))?;
            for f in [&e.date, &e.detail_field].into_iter().flatten() {
                field_of(f, at, "event")?;
            }
            if let Some(df) = &e.date {
                if field_of(df, at, "event")?.kind != FieldKind::Date {
                    return Err(cx.error(at, format!("event date field {df:?} is not a date")));
                }
            }
            if kind == EventKind::Suspended {
                // Every version of the rule the event can reach must know a literal kind.
                let rule = rules.get(&d.rule).expect("checked above");
                if let Some(k) = &e.detail {
                    if !rule.versions.iter().any(|v| v.not_counted.contains(k)) {
                        return Err(
                            cx.error(at, format!("rule {} never lets {k:?} go uncounted", d.rule))
                        );
                    }
                }
            }
            events.push(EventSpec {
                deadline: e.deadline.clone(),
                kind,
                date_field: e.date.clone(),
                detail: e.detail.clone(),
                detail_field: e.detail_field.clone(),
                when: e
                    .when
                    .as_deref()
                    .map(|s| check_cond(s, at, "event condition"))
                    .transpose()?,
            });
        }
        let mut gates = Vec::new();
        for g in &a.gates {
            let mut any = Vec::new();
            for atom in &g.any {
                let (k, v) = atom.split_once(':').ok_or_else(|| {
                    cx.error(
                        at,
                        format!("gate {atom:?} must be done:, not_done:, expired:, not_expired:, field: or days_ahead:"),
                    )
                })?;
                let known_action = |x: &str| {
                    if action_ids.contains(x) {
                        Ok(x.to_owned())
                    } else {
                        Err(cx.error(at, format!("gate names unknown action {x:?}")))
                    }
                };
                let known_deadline = |x: &str| {
                    if deadlines.iter().any(|d| d.key == x) {
                        Ok(x.to_owned())
                    } else {
                        Err(cx.error(at, format!("gate names unknown deadline {x:?}")))
                    }
                };
                any.push(match k {
                    "done" => GateAtom::Done(known_action(v)?),
                    "not_done" => GateAtom::NotDone(known_action(v)?),
                    "expired" => GateAtom::Expired(known_deadline(v)?),
                    "not_expired" => GateAtom::NotExpired(known_deadline(v)?),
                    "field" => GateAtom::Field(check_cond(v, at, "gate")?),
                    "days_ahead" => {
                        let (f, n) = v.split_once('=').ok_or_else(|| {
                            cx.error(at, format!("gate {atom:?} must be days_ahead:FIELD=DAYS"))
                        })?;
                        if field_of(f, at, "gate")?.kind != FieldKind::Date {
                            return Err(cx.error(at, format!("gate field {f:?} is not a date")));
                        }
                        // Without the date the gate could not judge; the action must ask for it.
                        if !afields.iter().any(|x| x.id == f && x.required) {
                            return Err(cx.error(
                                at,
                                format!("gate field {f:?} must be a required field of the action"),
                            ));
                        }
                        let days = n.parse().map_err(|_| {
                            cx.error(at, format!("gate {atom:?}: {n:?} is not a number of days"))
                        })?;
                        GateAtom::DaysAhead {
                            field: f.to_owned(),
                            days,
                        }
                    }
                    _ => return Err(cx.error(at, format!("unknown gate kind {k:?}"))),
                });
            }
            if any.is_empty() {
                return Err(cx.error(at, "a gate needs at least one condition"));
            }
            gates.push(Gate {
                any,
                message_zh: g.zh.clone(),
                message_en: g.en.clone(),
            });
        }
        for k in a.sets.keys() {
            field_of(k, at, "sets")?;
        }
        for v in &a.versions {
            if !versions.iter().any(|x| x.id == *v) {
                return Err(cx.error(at, format!("unknown version {v:?}")));
            }
        }
        let link = match &a.link {
            None => None,
            Some(l) => {
                if l.procedure.is_some() == l.procedure_field.is_some() {
                    return Err(
                        cx.error(at, "a link names exactly one of procedure, procedure_field")
                    );
                }
                if let Some(pf) = &l.procedure_field {
                    if field_of(pf, at, "link")?.kind != FieldKind::Choice {
                        return Err(
                            cx.error(at, format!("link procedure_field {pf:?} is not a choice"))
                        );
                    }
                }
                if let Some(s) = &l.start {
                    field_of(s, at, "link start")?;
                }
                for src in l.fields.values() {
                    field_of(src, at, "link fields")?;
                }
                let def = LinkDef {
                    procedure: l.procedure.clone(),
                    procedure_field: l.procedure_field.clone(),
                    start_field: l.start.clone(),
                    name: l.name.clone(),
                    fields: l.fields.clone(),
                };
                links.push((cx.line(at), def.clone()));
                Some(def)
            }
        };
        actions.push(Action {
            id: aid.clone(),
            name_zh: a.name_zh.clone(),
            name_en: a.name_en.clone(),
            opens: a.opens,
            from: a.from.clone(),
            to: a.to.clone(),
            branches,
            fields: afields,
            events,
            gates,
            once: a.once,
            roles: match &a.roles {
                Some(r) => roles(r).map_err(|m| cx.error(at, m))?,
                None => def_roles.clone(),
            },
            relations: match &a.relations {
                Some(r) => relations(r).map_err(|m| cx.error(at, m))?,
                None => def_relations.clone(),
            },
            versions: a.versions.clone(),
            sets: a.sets.clone(),
            link,
        });
    }
    let openers: Vec<&Action> = actions.iter().filter(|a| a.opens).collect();
    if openers.len() != 1 {
        return Err(cx.error(
            raw.id.span().start,
            format!(
                "a procedure has exactly one action with `opens = true` (found {})",
                openers.len()
            ),
        ));
    }

    // Every step reachable from the opening action, and every non-terminal step has a way out.
    let targets = |a: &Action| -> Vec<String> {
        a.to.iter()
            .cloned()
            .chain(a.branches.iter().map(|b| b.to.clone()))
            .collect()
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = targets(openers[0]).into();
    while let Some(s) = queue.pop_front() {
        if !seen.insert(s.clone()) {
            continue;
        }
        let step = steps.iter().find(|x| x.id == s).expect("checked");
        for a in actions.iter().filter(|a| a.allowed_from(step)) {
            queue.extend(targets(a));
        }
    }
    for s in &steps {
        let at = step_at[&s.id];
        if !seen.contains(&s.id) {
            return Err(cx.error(
                at,
                format!("step {:?} is unreachable from the opening action", s.id),
            ));
        }
        if !s.terminal && !actions.iter().any(|a| a.allowed_from(s)) {
            return Err(cx.error(
                at,
                format!(
                    "step {:?} is a dead end: not terminal and no action leads out",
                    s.id
                ),
            ));
        }
        if !s.terminal
            && !actions
                .iter()
                .filter(|a| a.allowed_from(s))
                .flat_map(&targets)
                .any(|t| t != s.id)
        {
            return Err(cx.error(
                at,
                format!(
                    "step {:?} is a dead end: every action from it stays there",
                    s.id
                ),
            ));
        }
    }
    if !steps.iter().any(|s| s.terminal) {
        return Err(cx.error(
            raw.id.span().start,
            "no terminal step: a case could never close",
        ));
    }

    Ok((
        Procedure {
            id: pid,
            name_zh: raw.name_zh,
            name_en: raw.name_en,
            file: file.to_owned(),
            start_field: raw.start_field.map(|s| s.into_inner()),
            outcome_field: raw.outcome_field.map(|s| s.into_inner()),
            versions,
            fields,
            steps,
            actions,
            deadlines,
        },
        links,
    ))
}

//! Statutory procedures (法定程序) as data, and the one case engine that runs them.
//!
//! This crate owns: the definitions under `data/procedures/` (steps, actions with who may take
//! them, gates, deadline rules attached through the events actions emit, suspensions, outcomes,
//! personal fields), the loader that refuses a definition with unknown or unreachable parts
//! (naming file and line), and the pure case engine: [`open`] a case, [`apply`] dated actions,
//! [`allowed_actions`] for a form, [`deadlines`] with explanations from `fazhi-deadline`.
//!
//! It must not do I/O, keep state, read the clock or know about storage: a [`CaseState`] goes
//! in, a new one and its [`Effect`]s come out, and the caller stores them. History is only ever
//! appended to; a correction is a new action that names the one it corrects.
//!
//! ```
//! use fazhi_procedure::{open, deadlines, Actor, ProcedureSet, Relation, Role};
//! let set = ProcedureSet::bundled();
//! let officer = Actor { role: Role::Officer, relation: Relation::ResponsibleUnit, name: "王" .into() };
//! let on = "2018-02-01".parse().unwrap();
//! let fields = [("channel", "in_person"), ("applicant_name", "张三")]
//!     .map(|(k, v)| (k.to_string(), v.to_string()))
//!     .into();
//! let case = open(set, "disclosure_request", on, &officer, fields).unwrap();
//! let d = &deadlines(set, &case, on)[0];
//! assert_eq!(d.due.unwrap().to_string(), "2018-02-27"); // 15 working days under the 2007 rules
//! ```

mod case;
mod def;

pub use case::{
    allowed_actions, allowed_actions_on, apply, deadline_dates, deadlines, open, opening_fields,
    personal_fields, ActionInfo, ActionRequest, Actor, Applied, AppliedAction, CaseState,
    ChoiceInfo, DeadlineView, Effect, FieldInfo, Refusal,
};
pub use def::{
    Action, ActionField, Branch, Choice, Cond, DeadlineDef, EventSpec, FieldDef, FieldKind, Gate,
    GateAtom, LinkDef, Procedure, Relation, Role, Step, Version, DEFAULT_MAX_CHARS,
};

use fazhi_calendar::Calendar;
use fazhi_deadline::RuleBook;
use std::sync::{Arc, OnceLock};

/// A definition that does not parse or check, with the file and line to fix (the calendar's
/// error type, shared by every loader).
pub use fazhi_calendar::LoadError;

/// The bundled procedure files, by path relative to the repository root.
pub const BUNDLED_FILES: &[(&str, &str)] = &[
    (
        "data/procedures/disclosure-request.toml",
        include_str!("../../../data/procedures/disclosure-request.toml"),
    ),
    (
        "data/procedures/petition.toml",
        include_str!("../../../data/procedures/petition.toml"),
    ),
    (
        "data/procedures/reconsideration.toml",
        include_str!("../../../data/procedures/reconsideration.toml"),
    ),
    (
        "data/procedures/litigation.toml",
        include_str!("../../../data/procedures/litigation.toml"),
    ),
    (
        "data/procedures/licensing.toml",
        include_str!("../../../data/procedures/licensing.toml"),
    ),
];

/// All procedures, with the deadline rules they refer to and the working-day calendar their
/// deadlines are counted on. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ProcedureSet {
    procedures: Arc<Vec<Procedure>>,
    rules: Arc<RuleBook>,
    calendar: Calendar,
}

impl ProcedureSet {
    /// The procedures compiled from `data/procedures/`, parsed once per process.
    pub fn bundled() -> &'static ProcedureSet {
        static SET: OnceLock<ProcedureSet> = OnceLock::new();
        // Validated by this crate's tests, so failure here is a build bug.
        SET.get_or_init(|| {
            ProcedureSet::parse(BUNDLED_FILES).expect("bundled procedures are valid")
        })
    }

    /// The deadline rules procedures can name: `fazhi-deadline`'s bundled rules.
    pub fn bundled_rules() -> &'static RuleBook {
        RuleBook::bundled()
    }

    /// Parse and check definitions (file name, text) against the bundled rules.
    pub fn parse(files: &[(&str, &str)]) -> Result<ProcedureSet, LoadError> {
        Self::parse_with(files, Self::bundled_rules().clone(), &[])
    }

    /// Check definitions as `fazhi procedure check` does: links may also name the bundled
    /// procedures not redefined in `files`.
    pub fn check(files: &[(&str, &str)]) -> Result<ProcedureSet, LoadError> {
        let bundled: Vec<&str> = Self::bundled()
            .procedures
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        Self::parse_with(files, Self::bundled_rules().clone(), &bundled)
    }

    /// Parse against a given rule book; `also_known` are procedure ids links may name besides
    /// those in `files`.
    pub fn parse_with(
        files: &[(&str, &str)],
        rules: RuleBook,
        also_known: &[&str],
    ) -> Result<ProcedureSet, LoadError> {
        let mut procedures: Vec<Procedure> = Vec::new();
        let mut links = Vec::new();
        for (file, text) in files {
            let (p, l) = def::parse_procedure(file, text, &rules)?;
            if let Some(prev) = procedures.iter().find(|x| x.id == p.id) {
                return Err(LoadError {
                    file: (*file).to_owned(),
                    line: 1,
                    message: format!("duplicate procedure id {:?} (also in {})", p.id, prev.file),
                });
            }
            links.extend(
                l.into_iter()
                    .map(|(line, d)| ((*file).to_owned(), line, p.id.clone(), d)),
            );
            procedures.push(p);
        }
        for (file, line, from, l) in &links {
            let err = |message: String| LoadError {
                file: file.clone(),
                line: *line,
                message,
            };
            let targets: Vec<String> = match (&l.procedure, &l.procedure_field) {
                (Some(p), _) => vec![p.clone()],
                (None, Some(f)) => procedures
                    .iter()
                    .find(|p| p.id == *from)
                    .and_then(|p| p.field(f))
                    .map(|f| f.choices.iter().map(|c| c.id.clone()).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let known =
                |id: &str| procedures.iter().any(|p| p.id == id) || also_known.contains(&id);
            if let Some(p) = &l.procedure {
                if !known(p) {
                    return Err(err(format!("link to unknown procedure {p:?}")));
                }
            } else if !targets.iter().any(|t| known(t)) {
                return Err(err(
                    "no choice of the link's procedure_field names a procedure".into(),
                ));
            }
            for t in targets {
                if let Some(tp) = procedures.iter().find(|p| p.id == t) {
                    if let Some(f) = l.fields.keys().find(|f| tp.field(f).is_none()) {
                        return Err(err(format!(
                            "link sets unknown field {f:?} of procedure {t:?}"
                        )));
                    }
                }
            }
        }
        Ok(ProcedureSet {
            procedures: Arc::new(procedures),
            rules: Arc::new(rules),
            calendar: Calendar::bundled().assuming_weekends_only(),
        })
    }

    /// The same procedures counted on another calendar: the bundled years plus those a
    /// deployment loaded. Years without a notice are counted on weekdays alone and the
    /// deadlines they touch are marked provisional, never left without a due date.
    pub fn with_calendar(&self, calendar: &Calendar) -> ProcedureSet {
        ProcedureSet {
            procedures: Arc::clone(&self.procedures),
            rules: Arc::clone(&self.rules),
            calendar: calendar.assuming_weekends_only(),
        }
    }

    /// The calendar deadlines are counted on (years without a notice: weekdays alone).
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    pub fn get(&self, id: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.id == id)
    }

    pub fn procedures(&self) -> &[Procedure] {
        &self.procedures
    }

    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }
}

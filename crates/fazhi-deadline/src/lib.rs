//! Statutory deadlines (法定期限) as data, computed against the working-day calendar.
//!
//! This crate owns: the rule files under `data/rules/` (one per rule id, versions chosen by the
//! triggering date, golden cases beside them), reading a case's dated events, and computing the
//! due date, the due-soon warning date, the status for a given day and an explanation in Chinese
//! and English.
//!
//! It must not do I/O, keep state or know about storage: callers pass events in and get a
//! [`Deadline`] back. Rules are parsed from `&str`; [`RuleBook::bundled`] compiles the
//! repository's files in.
//!
//! ```
//! use fazhi_calendar::Calendar;
//! use fazhi_deadline::{explain, Event, RuleBook};
//! let book = RuleBook::bundled();
//! let rule = book.get("disclosure.reply").unwrap();
//! let events = Event::parse_all("received=2020-03-02").unwrap();
//! let today = "2020-03-10".parse().unwrap();
//! let d = explain(Calendar::bundled(), rule, book.kinds(), &events, today).unwrap();
//! assert_eq!(d.due.unwrap().to_string(), "2020-03-30");
//! ```

mod engine;
mod error;
mod event;
mod rule;

pub use engine::{
    compute, explain, provisional_line, AppliedExtension, AppliedSuspension, Deadline, Line, Status,
};
pub use error::{DeadlineError, LoadError};
pub use event::{parse_date, Event, EventKind};
pub use rule::{Extension, GoldenCase, Rule, RuleVersion, SupplementRule, SuspensionKinds};

use std::sync::OnceLock;

/// The bundled files, by path relative to the repository root. A new rule file is added here.
pub const BUNDLED_FILES: &[(&str, &str)] = &[
    (
        "data/rules/disclosure/reply.toml",
        include_str!("../../../data/rules/disclosure/reply.toml"),
    ),
    (
        "data/rules/disclosure/clarification.toml",
        include_str!("../../../data/rules/disclosure/clarification.toml"),
    ),
    (
        "data/rules/licensing/supplement-request.toml",
        include_str!("../../../data/rules/licensing/supplement-request.toml"),
    ),
    (
        "data/rules/licensing/decision.toml",
        include_str!("../../../data/rules/licensing/decision.toml"),
    ),
    (
        "data/rules/licensing/joint-decision.toml",
        include_str!("../../../data/rules/licensing/joint-decision.toml"),
    ),
    (
        "data/rules/licensing/hearing-request.toml",
        include_str!("../../../data/rules/licensing/hearing-request.toml"),
    ),
    (
        "data/rules/licensing/hearing.toml",
        include_str!("../../../data/rules/licensing/hearing.toml"),
    ),
    (
        "data/rules/reconsideration/acceptance.toml",
        include_str!("../../../data/rules/reconsideration/acceptance.toml"),
    ),
    (
        "data/rules/reconsideration/copy-to-respondent.toml",
        include_str!("../../../data/rules/reconsideration/copy-to-respondent.toml"),
    ),
    (
        "data/rules/reconsideration/copy-to-respondent-simplified.toml",
        include_str!("../../../data/rules/reconsideration/copy-to-respondent-simplified.toml"),
    ),
    (
        "data/rules/reconsideration/respondent-reply.toml",
        include_str!("../../../data/rules/reconsideration/respondent-reply.toml"),
    ),
    (
        "data/rules/reconsideration/respondent-reply-simplified.toml",
        include_str!("../../../data/rules/reconsideration/respondent-reply-simplified.toml"),
    ),
    (
        "data/rules/reconsideration/decision.toml",
        include_str!("../../../data/rules/reconsideration/decision.toml"),
    ),
    (
        "data/rules/reconsideration/decision-simplified.toml",
        include_str!("../../../data/rules/reconsideration/decision-simplified.toml"),
    ),
    (
        "data/rules/petition/acceptance.toml",
        include_str!("../../../data/rules/petition/acceptance.toml"),
    ),
    (
        "data/rules/petition/handling.toml",
        include_str!("../../../data/rules/petition/handling.toml"),
    ),
    (
        "data/rules/petition/review.toml",
        include_str!("../../../data/rules/petition/review.toml"),
    ),
    (
        "data/rules/petition/re-review.toml",
        include_str!("../../../data/rules/petition/re-review.toml"),
    ),
    (
        "data/rules/petition/review-request.toml",
        include_str!("../../../data/rules/petition/review-request.toml"),
    ),
    (
        "data/rules/petition/re-review-request.toml",
        include_str!("../../../data/rules/petition/re-review-request.toml"),
    ),
    (
        "data/rules/litigation/defence.toml",
        include_str!("../../../data/rules/litigation/defence.toml"),
    ),
    (
        "data/rules/litigation/appeal-judgment.toml",
        include_str!("../../../data/rules/litigation/appeal-judgment.toml"),
    ),
    (
        "data/rules/litigation/appeal-ruling.toml",
        include_str!("../../../data/rules/litigation/appeal-ruling.toml"),
    ),
    (
        "data/rules/litigation/time-to-sue.toml",
        include_str!("../../../data/rules/litigation/time-to-sue.toml"),
    ),
    (
        "data/rules/normative-document/filing.toml",
        include_str!("../../../data/rules/normative-document/filing.toml"),
    ),
    (
        "data/rules/penalty/decision.toml",
        include_str!("../../../data/rules/penalty/decision.toml"),
    ),
];

/// The bundled labels of suspension kinds.
pub const BUNDLED_KINDS: (&str, &str) = (
    "data/rules/suspension-kinds.toml",
    include_str!("../../../data/rules/suspension-kinds.toml"),
);

/// All rules, by id.
#[derive(Debug, Clone)]
pub struct RuleBook {
    rules: Vec<Rule>,
    kinds: SuspensionKinds,
}

impl RuleBook {
    /// Parse a set of rule files and the suspension-kind labels. Rule ids must be unique.
    pub fn parse(kinds: (&str, &str), files: &[(&str, &str)]) -> Result<Self, LoadError> {
        let kinds = rule::parse_kinds(kinds.0, kinds.1)?;
        let mut rules: Vec<Rule> = Vec::with_capacity(files.len());
        for (file, text) in files {
            let r = rule::parse_rule(file, text, &kinds)?;
            if let Some(prev) = rules.iter().find(|p| p.id == r.id) {
                let line = rule::Ctx { file, text }.line(text.find("id").unwrap_or(0));
                return Err(LoadError {
                    file: (*file).to_owned(),
                    line,
                    message: format!("duplicate rule id {:?} (also in {})", r.id, prev.file),
                });
            }
            rules.push(r);
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self { rules, kinds })
    }

    /// The rules compiled from `data/rules/`, parsed once per process.
    pub fn bundled() -> &'static RuleBook {
        static BOOK: OnceLock<RuleBook> = OnceLock::new();
        BOOK.get_or_init(|| {
            // Validated by this crate's tests, so failure here is a build bug.
            RuleBook::parse(BUNDLED_KINDS, BUNDLED_FILES).expect("bundled rules are valid")
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn kinds(&self) -> &SuspensionKinds {
        &self.kinds
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Like [`RuleBook::get`], with an error naming the known ids.
    pub fn require(&self, id: &str) -> Result<&Rule, DeadlineError> {
        self.get(id).ok_or_else(|| {
            let ids: Vec<_> = self.rules.iter().map(|r| r.id.as_str()).collect();
            DeadlineError::new(
                "unknown_rule",
                format!("未知规则 “{id}”；可用规则：{}", ids.join(", ")),
                format!("unknown rule `{id}`; known rules: {}", ids.join(", ")),
            )
        })
    }

    /// The machine form of the rule list (`rules list --json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "title": r.title,
                        "title_en": r.title_en,
                        "file": r.file,
                        "trigger": r.trigger,
                        "versions": r.versions.iter().map(|v| serde_json::json!({
                            "law": v.law, "law_en": v.law_en,
                            "article": v.article, "article_en": v.article_en,
                            "effective_from": v.effective_from, "effective_to": v.effective_to,
                            "period": v.period.map(engine::period_json),
                            "extension": v.extension.as_ref().map(|e| serde_json::json!({
                                "max": engine::period_json(e.max),
                                "approver": e.approver, "approver_en": e.approver_en,
                            })),
                            "not_counted": v.not_counted,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        )
    }
}

//! Typed facts of a case.
//!
//! Every benchmark sees the engine's standard facts (the ones the Administrative Penalty Law's
//! leniency articles read) followed by the facts its own file declares. A case's facts are a
//! vector of `i64` in that order: yes/no as 0/1, enums as the value's position, money as fen,
//! whole numbers as themselves. Standard facts other than `harm` default to "not present" (the
//! explanation lists every default it relied on); `harm` has no default because both the
//! limitation period and Art 33 turn on it.

use crate::error::EvalError;
use crate::money::{format_yuan, parse_yuan};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactKind {
    Bool,
    /// A whole number: a count, a duration, an age, a quantity in `unit`.
    Integer {
        unit: String,
    },
    /// An amount of money: yuan in files and on the command line, fen inside.
    Money,
    Enum {
        values: Vec<String>,
    },
}

impl FactKind {
    pub fn name_en(&self) -> &'static str {
        match self {
            FactKind::Bool => "yes/no (true/false)",
            FactKind::Integer { .. } => "whole number",
            FactKind::Money => "amount in yuan (at most two decimals)",
            FactKind::Enum { .. } => "one of the listed values",
        }
    }
    pub fn name_zh(&self) -> &'static str {
        match self {
            FactKind::Bool => "是/否（true/false）",
            FactKind::Integer { .. } => "整数",
            FactKind::Money => "金额（元，最多两位小数）",
            FactKind::Enum { .. } => "所列取值之一",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactDef {
    pub name: String,
    pub kind: FactKind,
    pub zh: String,
    pub en: String,
    /// Value used when the case does not give the fact; `None` = the fact is required.
    pub default: Option<i64>,
    pub min: i64,
    pub max: i64,
    pub standard: bool,
}

/// Upper bound of money facts: 10¹² yuan. Keeps multiples of it far from `i64` overflow.
pub const MONEY_MAX_FEN: i64 = 100_000_000_000_000;
pub const INTEGER_MAX: i64 = 1_000_000_000;

impl FactDef {
    pub fn new(name: &str, kind: FactKind) -> Self {
        let (min, max) = match &kind {
            FactKind::Bool => (0, 1),
            FactKind::Enum { values } => (0, values.len() as i64 - 1),
            FactKind::Money => (0, MONEY_MAX_FEN),
            FactKind::Integer { .. } => (0, INTEGER_MAX),
        };
        FactDef {
            name: name.into(),
            kind,
            zh: String::new(),
            en: String::new(),
            default: None,
            min,
            max,
            standard: false,
        }
    }

    /// Render a stored value the way a person writes it.
    pub fn render(&self, v: i64) -> String {
        match &self.kind {
            FactKind::Bool => (v != 0).to_string(),
            FactKind::Money => format_yuan(v),
            FactKind::Integer { .. } => v.to_string(),
            FactKind::Enum { values } => values
                .get(v as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{v}")),
        }
    }

    /// Parse the text a person wrote for this fact.
    pub fn parse(&self, text: &str) -> Result<i64, EvalError> {
        let t = text.trim();
        let wrong = || EvalError::WrongType {
            fact: self.name.clone(),
            value: text.to_string(),
            expected_zh: self.kind.name_zh(),
            expected_en: self.kind.name_en(),
        };
        let v = match &self.kind {
            FactKind::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" | "是" => 1,
                "false" | "no" | "n" | "0" | "否" => 0,
                _ => return Err(wrong()),
            },
            FactKind::Money => parse_yuan(t).ok_or_else(wrong)?,
            FactKind::Integer { .. } => t.parse::<i64>().map_err(|_| wrong())?,
            FactKind::Enum { values } => {
                values.iter().position(|x| x == t).ok_or_else(wrong)? as i64
            }
        };
        self.check(v)?;
        Ok(v)
    }

    pub fn check(&self, v: i64) -> Result<(), EvalError> {
        if v < self.min || v > self.max {
            return Err(EvalError::OutOfDomain {
                fact: self.name.clone(),
                value: self.render(v),
                min: self.render(self.min),
                max: self.render(self.max),
            });
        }
        Ok(())
    }
}

/// Positions of the standard facts in every fact vector.
pub mod std_facts {
    pub const AGE: usize = 0;
    pub const HARM: usize = 1;
    pub const CORRECTED_IN_TIME: usize = 2;
    pub const FIRST_OFFENCE: usize = 3;
    pub const NO_FAULT: usize = 4;
    pub const MENTAL_INCAPACITY: usize = 5;
    pub const LIMITED_CAPACITY: usize = 6;
    pub const ELIMINATED_HARM: usize = 7;
    pub const COERCED: usize = 8;
    pub const CONFESSED: usize = 9;
    pub const MERITORIOUS: usize = 10;
    pub const OTHER_MITIGATION: usize = 11;
    pub const EMERGENCY: usize = 12;
    pub const COUNT: usize = 13;

    /// `harm` values.
    pub const HARM_NONE: i64 = 0;
    pub const HARM_MINOR: i64 = 1;
    pub const HARM_SERIOUS: i64 = 2;
}

fn standard_facts() -> Vec<FactDef> {
    let b = |name: &str, zh: &str, en: &str| FactDef {
        zh: zh.into(),
        en: en.into(),
        default: Some(0),
        standard: true,
        ..FactDef::new(name, FactKind::Bool)
    };
    vec![
        FactDef {
            zh: "当事人年龄（周岁；单位当事人不填）".into(),
            en: "age of the party in full years (omit for an organisation)".into(),
            default: Some(18),
            max: 150,
            standard: true,
            ..FactDef::new(
                "age",
                FactKind::Integer {
                    unit: "year".into(),
                },
            )
        },
        FactDef {
            zh: "危害后果：none 无 / minor 轻微 / serious 较重以上".into(),
            en: "harm caused: none / minor / serious".into(),
            default: None,
            standard: true,
            ..FactDef::new(
                "harm",
                FactKind::Enum {
                    values: vec!["none".into(), "minor".into(), "serious".into()],
                },
            )
        },
        b("corrected_in_time", "及时改正", "corrected promptly"),
        b("first_offence", "初次违法", "first offence"),
        b(
            "no_fault",
            "有证据足以证明没有主观过错",
            "evidence proves no subjective fault",
        ),
        b(
            "mental_incapacity",
            "精神病人、智力残疾人在不能辨认或者不能控制自己行为时违法",
            "mental incapacity at the time (could not recognise or control own conduct)",
        ),
        b(
            "limited_capacity",
            "尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人",
            "party with limited capacity (not fully lost)",
        ),
        b(
            "eliminated_harm",
            "主动消除或者减轻违法行为危害后果",
            "eliminated or reduced the harm on own initiative",
        ),
        b(
            "coerced",
            "受他人胁迫或者诱骗实施违法行为",
            "coerced or deceived into the violation",
        ),
        b(
            "confessed",
            "主动供述行政机关尚未掌握的违法行为",
            "confessed violations the agency did not know of",
        ),
        b(
            "meritorious",
            "配合行政机关查处违法行为有立功表现",
            "meritorious cooperation with the investigation",
        ),
        b(
            "other_mitigation",
            "法律、法规、规章规定的其他应当从轻或者减轻情形",
            "other lighter/mitigated ground in a law, regulation or rule",
        ),
        b(
            "emergency",
            "违反突发事件应对措施（重大传染病疫情等突发事件期间）",
            "violated emergency-response measures during an emergency",
        ),
    ]
}

/// The facts one benchmark knows: standard facts first, then its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactTable {
    defs: Vec<FactDef>,
}

/// Fact vectors carry a 64-bit "given" mask, so a benchmark may declare at most this many.
pub const MAX_FACTS: usize = 64;

impl FactTable {
    pub fn with_file_facts(file: Vec<FactDef>) -> Result<Self, String> {
        let mut defs = standard_facts();
        for f in file {
            if defs.iter().any(|d| d.name == f.name) {
                return Err(format!(
                    "fact '{}' is declared twice or shadows a standard fact",
                    f.name
                ));
            }
            defs.push(f);
        }
        if defs.len() > MAX_FACTS {
            return Err(format!(
                "at most {} facts of its own per benchmark",
                MAX_FACTS - std_facts::COUNT
            ));
        }
        Ok(FactTable { defs })
    }
    pub fn lookup(&self, name: &str) -> Option<(usize, &FactDef)> {
        self.defs.iter().enumerate().find(|(_, d)| d.name == name)
    }
    pub fn defs(&self) -> &[FactDef] {
        &self.defs
    }
    pub fn len(&self) -> usize {
        self.defs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
    /// Defaults, with 0 standing in for facts that have none (used by the load checks for
    /// facts no condition reads).
    pub fn defaults(&self) -> Vec<i64> {
        self.defs
            .iter()
            .map(|d| d.default.unwrap_or(d.min))
            .collect()
    }

    /// Build a case's facts from `name=value` texts. Unknown names, wrong types, duplicates and
    /// missing required facts are errors naming the fact.
    pub fn parse_pairs<K: AsRef<str>, V: AsRef<str>>(
        &self,
        pairs: &[(K, V)],
    ) -> Result<Facts, EvalError> {
        let mut values = self.defaults();
        let mut given = 0u64;
        for (k, v) in pairs {
            let k = k.as_ref().trim();
            let (i, def) = self.lookup(k).ok_or_else(|| EvalError::UnknownFact {
                fact: k.to_string(),
                known: self.defs.iter().map(|d| d.name.clone()).collect(),
            })?;
            if given & (1 << i) != 0 {
                return Err(EvalError::DuplicateFact {
                    fact: k.to_string(),
                });
            }
            values[i] = def.parse(v.as_ref())?;
            given |= 1 << i;
        }
        self.complete(Facts { values, given })
    }

    /// Check a fact vector built by hand (or by a fuzzer): right length, every value in its
    /// domain, every required fact given.
    pub fn complete(&self, facts: Facts) -> Result<Facts, EvalError> {
        if facts.values.len() != self.defs.len() {
            return Err(EvalError::FactCount {
                expected: self.defs.len(),
                got: facts.values.len(),
            });
        }
        for (i, d) in self.defs.iter().enumerate() {
            if d.default.is_none() && facts.given & (1 << i) == 0 {
                return Err(EvalError::MissingFact {
                    fact: d.name.clone(),
                    zh: d.zh.clone(),
                    en: d.en.clone(),
                });
            }
            d.check(facts.values[i])?;
        }
        Ok(facts)
    }
}

/// The facts of one case, in fact-table order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub values: Vec<i64>,
    /// Bit i set = fact i was given rather than defaulted.
    pub given: u64,
}

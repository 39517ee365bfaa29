//! Errors, each with a zh-CN and an English message naming the place.
//!
//! `Display` prints "中文 / English" on one line so a CLI can print it as is; `code()` is a
//! stable machine code for the web layer.

use chrono::NaiveDate;
use serde::Serialize;
use thiserror::Error;

/// A benchmark file that cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{source_name}{}: {zh} / {en}", place_suffix(.line, .place))]
pub struct LoadError {
    /// The file name (or other label) the text came from.
    pub source_name: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Where in the benchmark, e.g. `versions[2021-04-29].tiers[minor-small].when`.
    pub place: Option<String>,
    pub zh: String,
    pub en: String,
}

fn place_suffix(line: &Option<usize>, place: &Option<String>) -> String {
    let mut s = String::new();
    if let Some(l) = line {
        s.push_str(&format!(":{l}"));
    }
    if let Some(p) = place {
        s.push_str(&format!(" [{p}]"));
    }
    s
}

impl LoadError {
    pub fn new(
        source_name: &str,
        place: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        LoadError {
            source_name: source_name.into(),
            line: None,
            place: Some(place.into()),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// A case that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum EvalError {
    #[error("未知的裁量基准“{id}” / unknown discretion benchmark '{id}'")]
    UnknownBenchmark { id: String },
    #[error("未知事实“{fact}”，可用事实：{} / unknown fact '{fact}'; known facts: {}", known.join(", "), known.join(", "))]
    UnknownFact { fact: String, known: Vec<String> },
    #[error("事实“{fact}”重复给出 / fact '{fact}' given twice")]
    DuplicateFact { fact: String },
    #[error("事实“{fact}”的值“{value}”类型错误，应为{expected_zh} / fact '{fact}': '{value}' is not a {expected_en}")]
    WrongType {
        fact: String,
        value: String,
        expected_zh: &'static str,
        expected_en: &'static str,
    },
    #[error("事实“{fact}”的值 {value} 超出范围 {min}–{max} / fact '{fact}': {value} is outside {min}–{max}")]
    OutOfDomain {
        fact: String,
        value: String,
        min: String,
        max: String,
    },
    #[error("缺少事实“{fact}”（{zh}） / missing fact '{fact}' ({en})")]
    MissingFact {
        fact: String,
        zh: String,
        en: String,
    },
    #[error("事实个数应为 {expected}，实为 {got} / expected {expected} fact values, got {got}")]
    FactCount { expected: usize, got: usize },
    #[error("裁量基准“{benchmark}”在违法行为发生日 {date} 没有施行中的版本（已有版本：{}） / benchmark '{benchmark}' has no version in force on the violation date {date} (versions: {})", versions.join(", "), versions.join(", "))]
    NoVersion {
        benchmark: String,
        date: NaiveDate,
        versions: Vec<String>,
    },
    #[error("日期顺序错误：{zh} / dates out of order: {en}")]
    DateOrder { zh: &'static str, en: &'static str },
    #[error("裁量基准“{benchmark}”版本 {version}：没有适用于这些事实的{what_zh} / benchmark '{benchmark}' version {version}: no {what_en} applies to these facts")]
    Gap {
        benchmark: String,
        version: NaiveDate,
        what_zh: &'static str,
        what_en: &'static str,
    },
    #[error("裁量基准“{benchmark}”版本 {version}：{a} 与 {b} 同时适用 / benchmark '{benchmark}' version {version}: {a} and {b} both apply")]
    Conflict {
        benchmark: String,
        version: NaiveDate,
        a: String,
        b: String,
    },
    #[error("金额过大无法计算（事实“{fact}”） / amount too large to compute (fact '{fact}')")]
    Overflow { fact: String },
    #[error(
        "决定罚款金额“{value}”不是有效的元金额 / decided fine '{value}' is not an amount in yuan"
    )]
    BadAmount { value: String },
}

impl EvalError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::UnknownBenchmark { .. } => "unknown_benchmark",
            EvalError::UnknownFact { .. } => "unknown_fact",
            EvalError::DuplicateFact { .. } => "duplicate_fact",
            EvalError::WrongType { .. } => "wrong_type",
            EvalError::OutOfDomain { .. } => "out_of_domain",
            EvalError::MissingFact { .. } => "missing_fact",
            EvalError::FactCount { .. } => "fact_count",
            EvalError::NoVersion { .. } => "no_version",
            EvalError::DateOrder { .. } => "date_order",
            EvalError::Gap { .. } => "gap",
            EvalError::Conflict { .. } => "conflict",
            EvalError::Overflow { .. } => "overflow",
            EvalError::BadAmount { .. } => "bad_amount",
        }
    }
}

//! The benchmark format (one TOML file per violation item) and its compiled form.
//!
//! See `data/discretion/README.md` for the format written out for agencies. Parsing is from
//! `&str`: reading files is the caller's business.

use crate::error::LoadError;
use crate::expr::{compile, Cond};
use crate::facts::{FactDef, FactKind, FactTable};
use crate::money::{parse_hundredths, FenRange};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// Law and article, e.g. 《中华人民共和国食品安全法》 / 第一百二十二条第一款.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    pub law: String,
    pub article: String,
}

/// Penalty kinds in scope (detention is out of scope: it is the public-security organs').
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Warning,
    Fine,
    Confiscation,
    Suspension,
    Revocation,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Warning,
        Kind::Fine,
        Kind::Confiscation,
        Kind::Suspension,
        Kind::Revocation,
    ];
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Warning => "警告",
            Kind::Fine => "罚款",
            Kind::Confiscation => "没收违法所得、非法财物",
            Kind::Suspension => "暂扣许可证件、责令停产停业",
            Kind::Revocation => "吊销许可证件",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Kind::Warning => "warning",
            Kind::Fine => "fine",
            Kind::Confiscation => "confiscation of illegal gains and property",
            Kind::Suspension => "suspension of licence / of production or business",
            Kind::Revocation => "revocation of licence",
        }
    }
}

/// A set of penalty kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindSet(u8);

impl KindSet {
    pub fn from_kinds(kinds: &[Kind]) -> Self {
        KindSet(kinds.iter().fold(0, |a, k| a | k.bit()))
    }
    pub fn contains(self, k: Kind) -> bool {
        self.0 & k.bit() != 0
    }
    pub fn is_subset(self, other: KindSet) -> bool {
        self.0 & !other.0 == 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn minus(self, other: KindSet) -> KindSet {
        KindSet(self.0 & !other.0)
    }
    pub fn kinds(self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| self.contains(*k))
            .collect()
    }
    pub fn zh(self) -> String {
        self.kinds()
            .iter()
            .map(|k| k.zh())
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn en(self) -> String {
        self.kinds()
            .iter()
            .map(|k| k.en())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Serialize for KindSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.kinds().serialize(s)
    }
}

/// 裁量阶次.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Minor,
    Ordinary,
    Serious,
    Grave,
}

impl Level {
    pub fn zh(self) -> &'static str {
        match self {
            Level::Minor => "轻微",
            Level::Ordinary => "一般",
            Level::Serious => "较重",
            Level::Grave => "严重",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Level::Minor => "minor",
            Level::Ordinary => "ordinary",
            Level::Serious => "serious",
            Level::Grave => "grave",
        }
    }
}

/// Art 36's five-year period applies to violations touching these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    #[default]
    None,
    LifeHealth,
    Financial,
}

// ---------------------------------------------------------------- the file as written

/// A number in a file: a TOML integer, float or string ("0.5"); read exactly to hundredths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawNumber {
    Int(i64),
    Float(f64),
    Str(String),
}

impl RawNumber {
    fn hundredths(&self) -> Option<i64> {
        match self {
            RawNumber::Int(i) if *i >= 0 => i.checked_mul(100),
            RawNumber::Int(_) => None,
            // Floats are read through their shortest decimal rendering, so 0.1 stays 0.1.
            RawNumber::Float(f) if f.is_finite() && *f >= 0.0 => parse_hundredths(&format!("{f}")),
            RawNumber::Float(_) => None,
            RawNumber::Str(s) => parse_hundredths(s),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFine {
    /// Amount range in yuan: `[min, max]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yuan: Option<[RawNumber; 2]>,
    /// Multiple range: `[min, max]` times the money fact named in `of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<[RawNumber; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFact {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub zh: String,
    pub en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<toml::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClause {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    pub kinds: Vec<Kind>,
    #[serde(default)]
    pub mandatory: Vec<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine: Option<RawFine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub id: String,
    pub level: Level,
    pub when: String,
    pub kinds: Vec<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine: Option<RawFine>,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeavier {
    pub when: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVersion {
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub violation_basis: Basis,
    pub penalty_basis: Basis,
    /// The penalty article's text, quoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub statutory: Vec<RawClause>,
    pub tiers: Vec<RawTier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heavier: Vec<RawHeavier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBenchmark {
    pub id: String,
    pub title: Text,
    pub agency: Text,
    /// The directory units (keys in `data/orgs`) that exercise the agency's power and so decide
    /// under this benchmark; no other unit may record a decision under it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agency_units: Vec<String>,
    /// A model benchmark written for illustration, not one an agency has adopted.
    #[serde(default)]
    pub model: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default)]
    pub safety: Safety,
    #[serde(default)]
    pub facts: Vec<RawFact>,
    pub versions: Vec<RawVersion>,
}

// ---------------------------------------------------------------- compiled

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fine {
    /// Fen.
    Amount { min: i64, max: i64 },
    /// Hundredths of a multiple of the money fact `of`.
    Times { min: i64, max: i64, of: usize },
}

impl Fine {
    /// The concrete range for these facts. `Err(fact index)` on overflow. Multiples round the
    /// lower bound up and the upper bound down to whole fen, so the range never leaves the
    /// statute's.
    #[inline]
    pub fn range(&self, facts: &[i64]) -> Result<FenRange, usize> {
        match *self {
            Fine::Amount { min, max } => Ok(FenRange {
                min_fen: min,
                max_fen: max,
            }),
            Fine::Times { min, max, of } => {
                let base = *facts.get(of).ok_or(of)?;
                // i64 first (the common case, and 128-bit division is slow); i128 on overflow.
                let (lo, hi) = match (base.checked_mul(min), base.checked_mul(max)) {
                    (Some(a), Some(b)) if base >= 0 => ((a + 99) / 100, b / 100),
                    _ => {
                        let lo = (base as i128 * min as i128 + 99).div_euclid(100);
                        let hi = (base as i128 * max as i128).div_euclid(100);
                        (
                            i64::try_from(lo).map_err(|_| of)?,
                            i64::try_from(hi).map_err(|_| of)?,
                        )
                    }
                };
                Ok(FenRange {
                    min_fen: lo,
                    max_fen: hi.max(lo),
                })
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Clause {
    pub when: Cond,
    pub when_src: Option<String>,
    pub kinds: KindSet,
    pub mandatory: KindSet,
    pub fine: Option<Fine>,
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub id: String,
    pub level: Level,
    pub when: Cond,
    pub when_src: String,
    pub kinds: KindSet,
    pub fine: Option<Fine>,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct Heavier {
    pub when: Cond,
    pub when_src: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub from: NaiveDate,
    /// Last day in force (inclusive); `None` = still in force.
    pub until: Option<NaiveDate>,
    pub violation_basis: Basis,
    pub penalty_basis: Basis,
    pub text: Option<String>,
    pub clauses: Vec<Clause>,
    pub tiers: Vec<Tier>,
    pub heavier: Vec<Heavier>,
}

impl Version {
    pub fn in_force(&self, d: NaiveDate) -> bool {
        self.from <= d && self.until.is_none_or(|u| d <= u)
    }
}

/// A compiled discretion benchmark for one violation item.
#[derive(Debug, Clone)]
pub struct Benchmark {
    pub id: String,
    pub source_name: String,
    pub title: Text,
    pub agency: Text,
    /// The directory units that decide under this benchmark (see [`RawBenchmark::agency_units`]).
    pub agency_units: Vec<String>,
    pub model: bool,
    pub note: Option<String>,
    pub safety: Safety,
    pub facts: FactTable,
    /// Sorted by `from`, not overlapping.
    pub versions: Vec<Version>,
}

/// At most this many benchmark-specific heavier grounds (they share a bit set with the
/// statutory rules).
pub const MAX_HEAVIER: usize = 8;

fn date(source: &str, place: &str, s: &str) -> Result<NaiveDate, LoadError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        LoadError::new(
            source,
            place,
            format!("日期“{s}”格式应为 YYYY-MM-DD"),
            format!("date '{s}' must be YYYY-MM-DD"),
        )
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Benchmark {
    /// Parse and compile one benchmark file. `source_name` labels every error (use the file
    /// name). This checks the structure; call [`crate::check`] for conflicts, gaps and ranges.
    pub fn parse(source_name: &str, text: &str) -> Result<Benchmark, LoadError> {
        let raw: RawBenchmark = toml::from_str(text).map_err(|e| LoadError {
            source_name: source_name.into(),
            line: e.span().map(|s| line_of(text, s.start)),
            place: None,
            zh: format!("TOML 格式错误：{}", e.message()),
            en: format!("malformed TOML: {}", e.message()),
        })?;
        Self::from_raw(source_name, raw)
    }

    pub fn from_raw(src: &str, raw: RawBenchmark) -> Result<Benchmark, LoadError> {
        let err = |place: &str, zh: String, en: String| LoadError::new(src, place, zh, en);
        if raw.id.trim().is_empty()
            || !raw
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(
                "id",
                "编号只能由字母、数字、-、_ 组成".into(),
                "id must be letters, digits, '-' or '_'".into(),
            ));
        }
        let mut defs = Vec::new();
        for f in &raw.facts {
            let place = format!("facts[{}]", f.name);
            if f.name.is_empty()
                || !f
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                || f.name.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(err(
                    &place,
                    "事实名只能由字母、数字、_ 组成".into(),
                    "fact names are letters, digits and '_'".into(),
                ));
            }
            let kind = match f.kind.as_str() {
                "bool" => FactKind::Bool,
                "money" => FactKind::Money,
                "integer" => FactKind::Integer {
                    unit: f.unit.clone().unwrap_or_default(),
                },
                "enum" => match &f.values {
                    Some(v) if !v.is_empty() => FactKind::Enum { values: v.clone() },
                    _ => {
                        return Err(err(
                            &place,
                            "枚举事实须列出 values".into(),
                            "an enum fact needs `values`".into(),
                        ))
                    }
                },
                other => {
                    return Err(err(
                        &place,
                        format!("未知事实类型“{other}”（bool/integer/money/enum）"),
                        format!("unknown fact type '{other}' (bool/integer/money/enum)"),
                    ))
                }
            };
            let mut def = FactDef {
                zh: f.zh.clone(),
                en: f.en.clone(),
                ..FactDef::new(&f.name, kind)
            };
            if let Some(m) = f.min {
                def.min = if def.kind == FactKind::Money {
                    m.saturating_mul(100)
                } else {
                    m
                };
            }
            if let Some(m) = f.max {
                def.max = if def.kind == FactKind::Money {
                    m.saturating_mul(100)
                } else {
                    m
                };
            }
            if def.min > def.max || def.min < 0 && def.kind == FactKind::Money {
                return Err(err(
                    &place,
                    "取值范围 min > max".into(),
                    "domain has min > max".into(),
                ));
            }
            if let Some(d) = &f.default {
                let text = match d {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                def.default = Some(def.parse(&text).map_err(|e| {
                    err(
                        &place,
                        format!("默认值无效：{e}"),
                        format!("bad default: {e}"),
                    )
                })?);
            }
            defs.push(def);
        }
        let facts = FactTable::with_file_facts(defs)
            .map_err(|e| err("facts", format!("事实表错误：{e}"), e))?;

        let cond = |place: &str, s: &str| {
            compile(s, &facts).map_err(|e| {
                err(
                    place,
                    format!("条件“{s}”无效：{e}"),
                    format!("bad condition '{s}': {e}"),
                )
            })
        };
        let fine = |place: &str, f: &Option<RawFine>| -> Result<Option<Fine>, LoadError> {
            let Some(f) = f else { return Ok(None) };
            let pair = |p: &[RawNumber; 2]| -> Result<(i64, i64), LoadError> {
                let lo = p[0].hundredths();
                let hi = p[1].hundredths();
                match (lo, hi) {
                    (Some(a), Some(b)) if a <= b => Ok((a, b)),
                    _ => Err(err(
                        place,
                        "罚款幅度应为 [下限, 上限]，非负，最多两位小数".into(),
                        "a fine range is [min, max], non-negative, at most two decimals".into(),
                    )),
                }
            };
            match (&f.yuan, &f.times, &f.of) {
                (Some(p), None, None) => {
                    let (min, max) = pair(p)?;
                    Ok(Some(Fine::Amount { min, max }))
                }
                (None, Some(p), Some(of)) => {
                    let (min, max) = pair(p)?;
                    let (i, d) = facts.lookup(of).ok_or_else(|| {
                        err(
                            place,
                            format!("倍数基数“{of}”不是已声明的事实"),
                            format!("multiple basis '{of}' is not a declared fact"),
                        )
                    })?;
                    if d.kind != FactKind::Money {
                        return Err(err(
                            place,
                            format!("倍数基数“{of}”须为金额事实"),
                            format!("multiple basis '{of}' must be a money fact"),
                        ));
                    }
                    Ok(Some(Fine::Times { min, max, of: i }))
                }
                _ => Err(err(
                    place,
                    "罚款须写 yuan = [下限, 上限]，或 times = [下限, 上限] 加 of = 事实".into(),
                    "a fine is either `yuan = [min, max]` or `times = [min, max]` with `of = FACT`"
                        .into(),
                )),
            }
        };

        if raw.versions.is_empty() {
            return Err(err(
                "versions",
                "至少需要一个版本".into(),
                "at least one version is required".into(),
            ));
        }
        let mut versions = Vec::new();
        for v in &raw.versions {
            let vp = format!("versions[{}]", v.from);
            let from = date(src, &vp, &v.from)?;
            let until = v.until.as_deref().map(|u| date(src, &vp, u)).transpose()?;
            if until.is_some_and(|u| u < from) {
                return Err(err(
                    &vp,
                    "until 早于 from".into(),
                    "`until` is before `from`".into(),
                ));
            }
            if v.statutory.is_empty() || v.tiers.is_empty() {
                return Err(err(
                    &vp,
                    "每个版本须有 statutory 与 tiers".into(),
                    "each version needs `statutory` and `tiers`".into(),
                ));
            }
            let mut clauses = Vec::new();
            for (i, c) in v.statutory.iter().enumerate() {
                let p = format!("{vp}.statutory[{i}]");
                if c.kinds.is_empty() {
                    return Err(err(
                        &p,
                        "法定处罚种类不能为空".into(),
                        "statutory kinds must not be empty".into(),
                    ));
                }
                let kinds = KindSet::from_kinds(&c.kinds);
                let mandatory = KindSet::from_kinds(&c.mandatory);
                if !mandatory.is_subset(kinds) {
                    return Err(err(
                        &p,
                        "mandatory 须为 kinds 的子集".into(),
                        "`mandatory` must be a subset of `kinds`".into(),
                    ));
                }
                let fine = fine(&p, &c.fine)?;
                if fine.is_some() != kinds.contains(Kind::Fine) {
                    return Err(err(
                        &p,
                        "有罚款种类时须写罚款幅度，反之亦然".into(),
                        "a `fine` range goes with the `fine` kind and only with it".into(),
                    ));
                }
                clauses.push(Clause {
                    when: c
                        .when
                        .as_deref()
                        .map(|w| cond(&format!("{p}.when"), w))
                        .transpose()?
                        .unwrap_or_else(Cond::always),
                    when_src: c.when.clone(),
                    kinds,
                    mandatory,
                    fine,
                });
            }
            let mut tiers: Vec<Tier> = Vec::new();
            for t in &v.tiers {
                let p = format!("{vp}.tiers[{}]", t.id);
                if tiers.iter().any(|x| x.id == t.id) {
                    return Err(err(&p, "阶次编号重复".into(), "duplicate tier id".into()));
                }
                let kinds = KindSet::from_kinds(&t.kinds);
                let fine = fine(&p, &t.fine)?;
                if fine.is_some() != kinds.contains(Kind::Fine) {
                    return Err(err(
                        &p,
                        "有罚款种类时须写罚款幅度，反之亦然".into(),
                        "a `fine` range goes with the `fine` kind and only with it".into(),
                    ));
                }
                tiers.push(Tier {
                    id: t.id.clone(),
                    level: t.level,
                    when: cond(&format!("{p}.when"), &t.when)?,
                    when_src: t.when.clone(),
                    kinds,
                    fine,
                    zh: t.zh.clone(),
                    en: t.en.clone(),
                });
            }
            if v.heavier.len() > MAX_HEAVIER {
                return Err(err(
                    &vp,
                    format!("从重情节至多 {MAX_HEAVIER} 条"),
                    format!("at most {MAX_HEAVIER} heavier grounds"),
                ));
            }
            let heavier = v
                .heavier
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    Ok(Heavier {
                        when: cond(&format!("{vp}.heavier[{i}]"), &h.when)?,
                        when_src: h.when.clone(),
                        zh: h.zh.clone(),
                        en: h.en.clone(),
                    })
                })
                .collect::<Result<Vec<_>, LoadError>>()?;
            versions.push(Version {
                from,
                until,
                violation_basis: v.violation_basis.clone(),
                penalty_basis: v.penalty_basis.clone(),
                text: v.text.clone(),
                clauses,
                tiers,
                heavier,
            });
        }
        versions.sort_by_key(|v| v.from);
        // An open-ended version ends the day before the next one starts.
        for i in 0..versions.len() {
            if let Some(next) = versions.get(i + 1).map(|n| n.from) {
                let last = next.pred_opt().unwrap_or(next);
                match versions[i].until {
                    None => versions[i].until = Some(last),
                    Some(u) if u >= next => {
                        return Err(err(
                            &format!("versions[{}]", versions[i].from),
                            format!("与自 {next} 起的版本重叠"),
                            format!("overlaps the version from {next}"),
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(Benchmark {
            id: raw.id,
            source_name: src.into(),
            title: raw.title,
            agency: raw.agency,
            agency_units: raw.agency_units,
            model: raw.model,
            note: raw.note,
            safety: raw.safety,
            facts,
            versions,
        })
    }

    /// The version in force on `day`.
    #[inline]
    pub fn version_at(&self, day: NaiveDate) -> Option<usize> {
        self.versions.iter().position(|v| v.in_force(day))
    }
}

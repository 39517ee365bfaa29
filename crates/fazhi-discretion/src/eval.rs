//! Evaluation of one case against a benchmark.
//!
//! [`Benchmark::evaluate`] is the hot path: no allocation, returns a `Copy` [`Outcome`]. The
//! explanation (zh-CN and English, each rule with its article) is rendered on demand by
//! [`Benchmark::report`], which is what storage and the web keep.
//!
//! Order of precedence, fixed:
//! 1. the tier (and statutory clause) for the facts — the benchmark proper;
//! 2. no penalty: limitation expired (Art 36) > under 14 (Art 30) > mental incapacity (Art 31)
//!    > no fault (Art 33(2)) > minor, promptly corrected, no harm (Art 33(1));
//! 3. first minor offence may be waived (Art 33(1)): a flag, the range below still stands;
//! 4. lighter / mitigated (Arts 30, 31, 32): one ground → lighter, two or more → mitigated;
//! 5. heavier (Art 49, the benchmark's own grounds), only when step 4 found nothing.

use crate::error::EvalError;
use crate::facts::{std_facts as sf, Facts};
use crate::model::{Benchmark, Fine, KindSet, Level, Safety};
use crate::money::{format_yuan, parse_yuan, FenRange};
use crate::rules::{edition_on, Edition, Rule, RuleSet, SHARE_PERCENT};
use chrono::{Months, NaiveDate};
use serde::Serialize;

/// One case: the dates and the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Day of the violation (for a continuing violation, the day it ended: Art 36(2)).
    pub violation: NaiveDate,
    /// Day the penalty decision is (to be) taken.
    pub decision: NaiveDate,
    /// Day the violation was discovered; `None` = the decision date, which can only make the
    /// limitation check stricter on the agency, never on the party.
    pub discovered: Option<NaiveDate>,
    pub facts: Facts,
}

/// What the recommendation does to the tier's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjustment {
    /// The tier's own range.
    Standard,
    /// 从轻: the lower part of the statutory range.
    Lighter,
    /// 减轻: below the statutory minimum.
    Mitigated,
    /// 从重: the upper part of the statutory range.
    Heavier,
    /// 不予处罚.
    NoPenalty,
}

impl Adjustment {
    pub fn zh(self) -> &'static str {
        match self {
            Adjustment::Standard => "按阶次幅度",
            Adjustment::Lighter => "从轻",
            Adjustment::Mitigated => "减轻",
            Adjustment::Heavier => "从重",
            Adjustment::NoPenalty => "不予处罚",
        }
    }
}

/// The result of an evaluation, without text. Indices point into the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub version: usize,
    pub clause: usize,
    pub tier: usize,
    pub adjustment: Adjustment,
    /// Art 33(1) first minor offence: the agency may decide not to penalise.
    pub waivable: bool,
    /// A decision below the statutory minimum is lawful (a lighter/mitigated ground exists).
    pub mitigation_permitted: bool,
    /// Kinds recommended (empty for no penalty).
    pub kinds: KindSet,
    /// Recommended fine; `None` when no fine is recommended.
    pub fine: Option<FenRange>,
    pub tier_fine: Option<FenRange>,
    pub statutory_fine: Option<FenRange>,
    pub rules: RuleSet,
    /// Bit i = the benchmark's heavier ground i applied.
    pub heavier_grounds: u8,
    pub limitation_years: u8,
    pub leniency_edition: Edition,
}

fn share(r: FenRange) -> i64 {
    let w = r.max_fen.saturating_sub(r.min_fen);
    match w.checked_mul(SHARE_PERCENT) {
        Some(x) => x / 100,
        None => w / 100 * SHARE_PERCENT,
    }
}

impl Benchmark {
    /// Evaluate a case. Never panics; every failure is an [`EvalError`] naming the place.
    pub fn evaluate(&self, case: &Case) -> Result<Outcome, EvalError> {
        let f = &case.facts.values[..];
        if f.len() != self.facts.len() {
            return Err(EvalError::FactCount {
                expected: self.facts.len(),
                got: f.len(),
            });
        }
        for (d, v) in self.facts.defs().iter().zip(f) {
            if *v < d.min || *v > d.max {
                d.check(*v)?;
            }
        }
        if case.decision < case.violation {
            return Err(EvalError::DateOrder {
                zh: "决定日期早于违法行为发生日",
                en: "decision date is before the violation date",
            });
        }
        let discovered = case.discovered.unwrap_or(case.decision);
        if discovered < case.violation || discovered > case.decision {
            return Err(EvalError::DateOrder {
                zh: "发现日期应在违法行为发生日与决定日期之间",
                en: "discovery date must lie between the violation date and the decision date",
            });
        }
        let vi = self
            .version_at(case.violation)
            .ok_or_else(|| EvalError::NoVersion {
                benchmark: self.id.clone(),
                date: case.violation,
                versions: self
                    .versions
                    .iter()
                    .map(|v| match v.until {
                        Some(u) => format!("{}..{}", v.from, u),
                        None => format!("{}..", v.from),
                    })
                    .collect(),
            })?;
        let v = &self.versions[vi];

        let ci = unique(v.clauses.iter().map(|c| c.when.eval(f))).map_err(|e| match e {
            None => EvalError::Gap {
                benchmark: self.id.clone(),
                version: v.from,
                what_zh: "法定处罚条款",
                what_en: "statutory clause",
            },
            Some((a, b)) => EvalError::Conflict {
                benchmark: self.id.clone(),
                version: v.from,
                a: format!("statutory[{a}]"),
                b: format!("statutory[{b}]"),
            },
        })?;
        let ti = unique(v.tiers.iter().map(|t| t.when.eval(f))).map_err(|e| match e {
            None => EvalError::Gap {
                benchmark: self.id.clone(),
                version: v.from,
                what_zh: "裁量阶次",
                what_en: "discretion tier",
            },
            Some((a, b)) => EvalError::Conflict {
                benchmark: self.id.clone(),
                version: v.from,
                a: format!("tier '{}'", v.tiers[a].id),
                b: format!("tier '{}'", v.tiers[b].id),
            },
        })?;
        let clause = &v.clauses[ci];
        let tier = &v.tiers[ti];
        let overflow = |i: usize| EvalError::Overflow {
            fact: self.facts.defs()[i].name.clone(),
        };
        let range = |fine: &Option<Fine>| {
            fine.as_ref()
                .map(|x| x.range(f))
                .transpose()
                .map_err(overflow)
        };
        let statutory_fine = range(&clause.fine)?;
        let tier_fine = range(&tier.fine)?;

        let mut rules = RuleSet::default();
        let len = edition_on(case.decision);
        let harm = f[sf::HARM];

        // Art 36: five years only for life/health/financial safety *with* harm, and only for
        // violations under the 2021 law (the 1996 law's two years are lighter: Art 37).
        let long = self.safety != Safety::None
            && harm != sf::HARM_NONE
            && edition_on(case.violation) == Edition::E2021;
        let limitation_years: u8 = if long { 5 } else { 2 };

        let mut out = Outcome {
            version: vi,
            clause: ci,
            tier: ti,
            adjustment: Adjustment::Standard,
            waivable: false,
            mitigation_permitted: false,
            kinds: tier.kinds,
            fine: tier_fine,
            tier_fine,
            statutory_fine,
            rules,
            heavier_grounds: 0,
            limitation_years,
            leniency_edition: len,
        };

        let no_penalty = if limitation_expired(case.violation, limitation_years, discovered) {
            Some(Rule::LimitationExpired)
        } else if f[sf::AGE] < 14 {
            Some(Rule::Under14)
        } else if f[sf::MENTAL_INCAPACITY] != 0 {
            Some(Rule::MentalIncapacity)
        } else if f[sf::NO_FAULT] != 0 && len == Edition::E2021 {
            Some(Rule::NoFault)
        } else if tier.level == Level::Minor
            && f[sf::CORRECTED_IN_TIME] != 0
            && harm == sf::HARM_NONE
        {
            Some(Rule::MinorCorrectedNoHarm)
        } else {
            None
        };
        if let Some(r) = no_penalty {
            rules.insert(r);
            out.rules = rules;
            out.adjustment = Adjustment::NoPenalty;
            out.kinds = KindSet::default();
            out.fine = None;
            return Ok(out);
        }

        if len == Edition::E2021
            && f[sf::FIRST_OFFENCE] != 0
            && harm != sf::HARM_SERIOUS
            && f[sf::CORRECTED_IN_TIME] != 0
        {
            rules.insert(Rule::FirstOffenceMayWaive);
            out.waivable = true;
        }

        let mut grounds = 0;
        let mut ground = |on: bool, r: Rule, rules: &mut RuleSet| {
            if on {
                rules.insert(r);
                grounds += 1;
            }
        };
        ground((14..18).contains(&f[sf::AGE]), Rule::Age14To17, &mut rules);
        ground(
            f[sf::LIMITED_CAPACITY] != 0 && len == Edition::E2021,
            Rule::LimitedCapacity,
            &mut rules,
        );
        ground(
            f[sf::ELIMINATED_HARM] != 0,
            Rule::EliminatedHarm,
            &mut rules,
        );
        ground(f[sf::COERCED] != 0, Rule::Coerced, &mut rules);
        ground(
            f[sf::CONFESSED] != 0 && len == Edition::E2021,
            Rule::Confessed,
            &mut rules,
        );
        ground(f[sf::MERITORIOUS] != 0, Rule::Meritorious, &mut rules);
        ground(
            f[sf::OTHER_MITIGATION] != 0,
            Rule::OtherMitigation,
            &mut rules,
        );

        let mut heavier = false;
        if f[sf::EMERGENCY] != 0 && edition_on(case.violation) == Edition::E2021 {
            rules.insert(Rule::Emergency);
            heavier = true;
        }
        for (i, h) in v.heavier.iter().enumerate() {
            if h.when.eval(f) {
                out.heavier_grounds |= 1 << i;
                heavier = true;
            }
        }
        if out.heavier_grounds != 0 {
            rules.insert(Rule::BenchmarkHeavier);
        }

        let stat = statutory_fine.or(tier_fine);
        if grounds > 0 {
            out.mitigation_permitted = true;
            if heavier {
                rules.insert(Rule::LeniencyOverridesHeavier);
            }
            if grounds >= 2 {
                rules.insert(Rule::SeveralGroundsMitigated);
                out.adjustment = Adjustment::Mitigated;
                out.fine = stat.map(|s| FenRange {
                    min_fen: 0,
                    max_fen: (s.min_fen - 1).max(0),
                });
            } else {
                out.adjustment = Adjustment::Lighter;
                out.fine = match (stat, tier_fine) {
                    (Some(s), Some(t)) => Some(FenRange {
                        min_fen: s.min_fen,
                        max_fen: t.max_fen.min(s.min_fen + share(s)).max(s.min_fen),
                    }),
                    _ => None,
                };
            }
        } else if heavier {
            out.adjustment = Adjustment::Heavier;
            out.fine = match (stat, tier_fine) {
                (Some(s), Some(t)) => Some(FenRange {
                    min_fen: t.min_fen.max(s.max_fen - share(s)).min(s.max_fen),
                    max_fen: s.max_fen,
                }),
                _ => None,
            };
        }
        out.rules = rules;
        Ok(out)
    }

    /// Parse facts given as `name=value` texts, then evaluate.
    pub fn evaluate_pairs<K: AsRef<str>, V: AsRef<str>>(
        &self,
        violation: NaiveDate,
        decision: NaiveDate,
        discovered: Option<NaiveDate>,
        pairs: &[(K, V)],
    ) -> Result<(Case, Outcome), EvalError> {
        let facts = self.facts.parse_pairs(pairs)?;
        let case = Case {
            violation,
            decision,
            discovered,
            facts,
        };
        let out = self.evaluate(&case)?;
        Ok((case, out))
    }
}

/// Last day of the limitation period: the same-numbered day `years` later, or the month's last
/// day if that day does not exist (29 February). No rest-day extension: this is not a period
/// for a party to act in.
pub fn limitation_end(violation: NaiveDate, years: u8) -> NaiveDate {
    violation
        .checked_add_months(Months::new(12 * years as u32))
        .unwrap_or(NaiveDate::MAX)
}

/// Same as `discovered > limitation_end(..)`, without the month arithmetic: comparing
/// (year, month, day) against the unclamped anniversary gives the same answer, 29 February
/// included.
#[inline]
fn limitation_expired(violation: NaiveDate, years: u8, discovered: NaiveDate) -> bool {
    use chrono::Datelike;
    (discovered.year(), discovered.month(), discovered.day())
        > (
            violation.year() + years as i32,
            violation.month(),
            violation.day(),
        )
}

/// The single `true` position, or `Err(None)` for none, `Err(Some((a, b)))` for two.
#[inline]
fn unique(it: impl Iterator<Item = bool>) -> Result<usize, Option<(usize, usize)>> {
    let mut found = None;
    for (i, b) in it.enumerate() {
        if b {
            if let Some(a) = found {
                return Err(Some((a, i)));
            }
            found = Some(i);
        }
    }
    found.ok_or(None)
}

// ---------------------------------------------------------------- decided penalties

/// Whether a decided fine sits inside the recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionCheck {
    pub decided_fen: i64,
    pub decided_yuan: String,
    pub within_recommendation: bool,
    /// Inside what the law allows for this case (the statutory range, or below its minimum
    /// when a lighter/mitigated ground exists; zero when no penalty is due).
    pub within_statutory: bool,
    /// A decision outside the recommendation must carry a written reason.
    pub requires_reason: bool,
    pub zh: String,
    pub en: String,
}

/// Parse a decided fine in yuan ("0" = no fine).
pub fn parse_decided(text: &str) -> Result<i64, EvalError> {
    parse_yuan(text).ok_or_else(|| EvalError::BadAmount {
        value: text.to_string(),
    })
}

impl Outcome {
    /// Judge a decided fine (fen; 0 = no fine imposed).
    pub fn check_decision(&self, decided_fen: i64) -> DecisionCheck {
        let d = decided_fen;
        let (within_rec, within_stat) = match self.adjustment {
            Adjustment::NoPenalty => (d == 0, d == 0),
            _ => {
                let rec = match self.fine {
                    Some(r) => r.contains(d) || (d == 0 && self.waivable),
                    None => d == 0,
                };
                let stat = match self.statutory_fine {
                    Some(s) => {
                        s.contains(d)
                            || (self.mitigation_permitted && (0..s.min_fen).contains(&d))
                            || (d == 0 && self.waivable)
                    }
                    None => d == 0,
                };
                (rec, stat)
            }
        };
        let (zh, en) = match (within_rec, within_stat) {
            (true, _) => ("决定罚款在建议幅度内。".to_string(), "The decided fine is inside the recommendation.".to_string()),
            (false, true) => (
                "决定罚款超出建议幅度但在法定幅度内：须书面说明理由。".to_string(),
                "The decided fine is outside the recommendation but within the law: a written reason is required.".to_string(),
            ),
            (false, false) => (
                "决定罚款超出法律允许的幅度：须书面说明理由，并应经法制审核。".to_string(),
                "The decided fine is outside what the law allows for this case: a written reason is required and legality review is advised.".to_string(),
            ),
        };
        DecisionCheck {
            decided_fen: d,
            decided_yuan: format_yuan(d),
            within_recommendation: within_rec,
            within_statutory: within_stat,
            requires_reason: !within_rec,
            zh,
            en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limitation_shortcut_matches_month_arithmetic() {
        let start = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
        for v in 0..1500u64 {
            let violation = start + chrono::Days::new(v);
            for years in [2u8, 5] {
                let end = limitation_end(violation, years);
                for d in [end.pred_opt().unwrap(), end, end.succ_opt().unwrap()] {
                    assert_eq!(
                        limitation_expired(violation, years, d),
                        d > end,
                        "{violation} {years} {d}"
                    );
                }
            }
        }
    }
}

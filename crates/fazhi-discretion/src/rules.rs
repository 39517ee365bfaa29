//! The Administrative Penalty Law's leniency and aggravation rules, built into the engine so
//! that no benchmark file copies them.
//!
//! Two editions matter: the 1996 law (Arts 25–27, 29) and the 2021 law (Arts 30–33, 36, 49; in
//! force 2021-07-15). Which edition a rule is cited from follows Art 37 (从旧兼从轻): the law
//! at the time of the violation, unless the law at the time of decision is lighter. So
//! - leniency grounds that only the 2021 law has (first minor offence, no fault, limited
//!   capacity, confession, emergency aggravation excepted) apply when the decision is taken on or
//!   after 2021-07-15;
//! - the five-year limitation period (harsher) applies only to violations on or after
//!   2021-07-15.

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Edition {
    #[serde(rename = "1996")]
    E1996,
    #[serde(rename = "2021")]
    E2021,
}

/// The 2021 Administrative Penalty Law's commencement.
pub const COMMENCEMENT_2021: NaiveDate = match NaiveDate::from_ymd_opt(2021, 7, 15) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

#[inline]
pub fn edition_on(d: NaiveDate) -> Edition {
    if d >= COMMENCEMENT_2021 {
        Edition::E2021
    } else {
        Edition::E1996
    }
}

/// Share of the statutory fine range that "lighter" and "heavier" recommend (its lower or
/// upper 30 %). This is a model rule of the Bazhong benchmarks, not statute: Art 32 only says
/// "lighter or mitigated"; many provinces use 30 %.
pub const SHARE_PERCENT: i64 = 30;

/// Every rule the engine may apply, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Rule {
    LimitationExpired = 0,
    Under14,
    MentalIncapacity,
    NoFault,
    MinorCorrectedNoHarm,
    FirstOffenceMayWaive,
    Age14To17,
    LimitedCapacity,
    EliminatedHarm,
    Coerced,
    Confessed,
    Meritorious,
    OtherMitigation,
    SeveralGroundsMitigated,
    Emergency,
    BenchmarkHeavier,
    LeniencyOverridesHeavier,
}

impl Rule {
    pub const ALL: [Rule; 17] = [
        Rule::LimitationExpired,
        Rule::Under14,
        Rule::MentalIncapacity,
        Rule::NoFault,
        Rule::MinorCorrectedNoHarm,
        Rule::FirstOffenceMayWaive,
        Rule::Age14To17,
        Rule::LimitedCapacity,
        Rule::EliminatedHarm,
        Rule::Coerced,
        Rule::Confessed,
        Rule::Meritorious,
        Rule::OtherMitigation,
        Rule::SeveralGroundsMitigated,
        Rule::Emergency,
        Rule::BenchmarkHeavier,
        Rule::LeniencyOverridesHeavier,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::LimitationExpired => "limitation_expired",
            Rule::Under14 => "under_14",
            Rule::MentalIncapacity => "mental_incapacity",
            Rule::NoFault => "no_fault",
            Rule::MinorCorrectedNoHarm => "minor_corrected_no_harm",
            Rule::FirstOffenceMayWaive => "first_offence_may_waive",
            Rule::Age14To17 => "age_14_to_17",
            Rule::LimitedCapacity => "limited_capacity",
            Rule::EliminatedHarm => "eliminated_harm",
            Rule::Coerced => "coerced",
            Rule::Confessed => "confessed",
            Rule::Meritorious => "meritorious",
            Rule::OtherMitigation => "other_mitigation",
            Rule::SeveralGroundsMitigated => "several_grounds_mitigated",
            Rule::Emergency => "emergency",
            Rule::BenchmarkHeavier => "benchmark_heavier",
            Rule::LeniencyOverridesHeavier => "leniency_overrides_heavier",
        }
    }

    /// The article, as cited in a decision, for the edition applied.
    pub fn article(self, e: Edition) -> (&'static str, &'static str) {
        use Edition::*;
        match (self, e) {
            (Rule::LimitationExpired, E2021) => (
                "《行政处罚法》（2021）第三十六条",
                "Administrative Penalty Law (2021) Art 36",
            ),
            (Rule::LimitationExpired, E1996) => (
                "《行政处罚法》（1996）第二十九条",
                "Administrative Penalty Law (1996) Art 29",
            ),
            (Rule::Under14 | Rule::Age14To17, E2021) => (
                "《行政处罚法》（2021）第三十条",
                "Administrative Penalty Law (2021) Art 30",
            ),
            (Rule::Under14 | Rule::Age14To17, E1996) => (
                "《行政处罚法》（1996）第二十五条",
                "Administrative Penalty Law (1996) Art 25",
            ),
            (Rule::MentalIncapacity, E2021) => (
                "《行政处罚法》（2021）第三十一条",
                "Administrative Penalty Law (2021) Art 31",
            ),
            (Rule::MentalIncapacity, E1996) => (
                "《行政处罚法》（1996）第二十六条",
                "Administrative Penalty Law (1996) Art 26",
            ),
            (Rule::LimitedCapacity, _) => (
                "《行政处罚法》（2021）第三十一条",
                "Administrative Penalty Law (2021) Art 31",
            ),
            (Rule::NoFault, _) => (
                "《行政处罚法》（2021）第三十三条第二款",
                "Administrative Penalty Law (2021) Art 33(2)",
            ),
            (Rule::MinorCorrectedNoHarm, E2021) => (
                "《行政处罚法》（2021）第三十三条第一款",
                "Administrative Penalty Law (2021) Art 33(1)",
            ),
            (Rule::MinorCorrectedNoHarm, E1996) => (
                "《行政处罚法》（1996）第二十七条第二款",
                "Administrative Penalty Law (1996) Art 27(2)",
            ),
            (Rule::FirstOffenceMayWaive, _) => (
                "《行政处罚法》（2021）第三十三条第一款",
                "Administrative Penalty Law (2021) Art 33(1)",
            ),
            (Rule::EliminatedHarm, E2021) => (
                "《行政处罚法》（2021）第三十二条第（一）项",
                "Administrative Penalty Law (2021) Art 32(1)",
            ),
            (Rule::Coerced, E2021) => (
                "《行政处罚法》（2021）第三十二条第（二）项",
                "Administrative Penalty Law (2021) Art 32(2)",
            ),
            (Rule::Confessed, _) => (
                "《行政处罚法》（2021）第三十二条第（三）项",
                "Administrative Penalty Law (2021) Art 32(3)",
            ),
            (Rule::Meritorious, E2021) => (
                "《行政处罚法》（2021）第三十二条第（四）项",
                "Administrative Penalty Law (2021) Art 32(4)",
            ),
            (Rule::OtherMitigation, E2021) => (
                "《行政处罚法》（2021）第三十二条第（五）项",
                "Administrative Penalty Law (2021) Art 32(5)",
            ),
            (Rule::EliminatedHarm, E1996) => (
                "《行政处罚法》（1996）第二十七条第一款第（一）项",
                "Administrative Penalty Law (1996) Art 27(1)(1)",
            ),
            (Rule::Coerced, E1996) => (
                "《行政处罚法》（1996）第二十七条第一款第（二）项",
                "Administrative Penalty Law (1996) Art 27(1)(2)",
            ),
            (Rule::Meritorious, E1996) => (
                "《行政处罚法》（1996）第二十七条第一款第（三）项",
                "Administrative Penalty Law (1996) Art 27(1)(3)",
            ),
            (Rule::OtherMitigation, E1996) => (
                "《行政处罚法》（1996）第二十七条第一款第（四）项",
                "Administrative Penalty Law (1996) Art 27(1)(4)",
            ),
            (Rule::SeveralGroundsMitigated, E2021) => (
                "《行政处罚法》（2021）第三十二条；本基准通用规则",
                "Administrative Penalty Law (2021) Art 32; benchmark general rule",
            ),
            (Rule::SeveralGroundsMitigated, E1996) => (
                "《行政处罚法》（1996）第二十七条；本基准通用规则",
                "Administrative Penalty Law (1996) Art 27; benchmark general rule",
            ),
            (Rule::Emergency, _) => (
                "《行政处罚法》（2021）第四十九条",
                "Administrative Penalty Law (2021) Art 49",
            ),
            (Rule::BenchmarkHeavier, _) => {
                ("本裁量基准从重情节", "this benchmark's heavier grounds")
            }
            (Rule::LeniencyOverridesHeavier, _) => ("本基准通用规则", "benchmark general rule"),
        }
    }

    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Rule::LimitationExpired => ("违法行为在法定期限内未被发现，不再给予行政处罚。", "The violation was not discovered within the limitation period: no penalty may be given."),
            Rule::Under14 => ("不满十四周岁的未成年人有违法行为的，不予行政处罚，责令监护人加以管教。", "A minor under 14: no penalty; the guardian is ordered to discipline the minor."),
            Rule::MentalIncapacity => ("精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为的，不予行政处罚。", "Mental incapacity at the time of the violation: no penalty."),
            Rule::NoFault => ("当事人有证据足以证明没有主观过错的，不予行政处罚（法律、行政法规另有规定的除外）。", "The party proves it had no subjective fault: no penalty (unless a law or administrative regulation provides otherwise)."),
            Rule::MinorCorrectedNoHarm => ("违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。", "A minor violation, promptly corrected, with no harm: no penalty."),
            Rule::FirstOffenceMayWaive => ("初次违法且危害后果轻微并及时改正的，可以不予行政处罚。", "A first offence with minor (or no) harm, promptly corrected: the penalty may be waived."),
            Rule::Age14To17 => ("已满十四周岁不满十八周岁的未成年人有违法行为的，应当从轻或者减轻行政处罚。", "A minor aged 14 to 17: the penalty must be lighter or mitigated."),
            Rule::LimitedCapacity => ("尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人有违法行为的，可以从轻或者减轻行政处罚。", "A party with limited (not wholly lost) capacity: the penalty may be lighter or mitigated."),
            Rule::EliminatedHarm => ("主动消除或者减轻违法行为危害后果的，应当从轻或者减轻行政处罚。", "Eliminated or reduced the harm on own initiative: lighter or mitigated."),
            Rule::Coerced => ("受他人胁迫或者诱骗实施违法行为的，应当从轻或者减轻行政处罚。", "Coerced or deceived into the violation: lighter or mitigated."),
            Rule::Confessed => ("主动供述行政机关尚未掌握的违法行为的，应当从轻或者减轻行政处罚。", "Confessed violations the agency did not yet know of: lighter or mitigated."),
            Rule::Meritorious => ("配合行政机关查处违法行为有立功表现的，应当从轻或者减轻行政处罚。", "Meritorious cooperation with the investigation: lighter or mitigated."),
            Rule::OtherMitigation => ("法律、法规、规章规定其他应当从轻或者减轻行政处罚的。", "Another ground in a law, regulation or rule: lighter or mitigated."),
            Rule::SeveralGroundsMitigated => ("具有两项以上从轻或者减轻情节的，建议减轻处罚（在法定最低限以下）。", "Two or more lighter/mitigated grounds: a mitigated penalty (below the statutory minimum) is recommended."),
            Rule::Emergency => ("发生重大传染病疫情等突发事件期间违反突发事件应对措施的，依法快速、从重处罚。", "Violating emergency-response measures during an emergency: heavier penalty."),
            Rule::BenchmarkHeavier => ("具有本基准规定的从重情节，在法定幅度较高部分内处罚。", "A heavier ground listed in this benchmark: the upper part of the statutory range."),
            Rule::LeniencyOverridesHeavier => ("同时具有法定从轻、减轻情节和从重情节的，优先适用法定从轻、减轻情节。", "Statutory lighter/mitigated grounds and heavier grounds both present: the statutory lighter/mitigated grounds prevail."),
        }
    }
}

/// A set of rules, as a bit set so that evaluation does not allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleSet(u32);

impl RuleSet {
    #[inline]
    pub fn insert(&mut self, r: Rule) {
        self.0 |= 1 << (r as u8);
    }
    pub fn contains(self, r: Rule) -> bool {
        self.0 & (1 << (r as u8)) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn rules(self) -> Vec<Rule> {
        Rule::ALL
            .into_iter()
            .filter(|r| self.contains(*r))
            .collect()
    }
}

impl Serialize for RuleSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.rules().serialize(s)
    }
}

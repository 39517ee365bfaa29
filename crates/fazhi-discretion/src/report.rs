//! The explained, serialisable result of an evaluation: what storage keeps and pages render.

use crate::eval::{Adjustment, Case, DecisionCheck, Outcome};
use crate::model::Fine;
use crate::model::{Basis, Benchmark, Kind, Level, Text};
use crate::money::{format_hundredths, FenRange};
use crate::rules::Rule;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionRef {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub violation_basis: Basis,
    pub penalty_basis: Basis,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierRef {
    pub id: String,
    pub level: Level,
    pub condition: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedRule {
    pub rule: Rule,
    pub article_zh: String,
    pub article_en: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactValue {
    pub name: String,
    pub value: String,
    /// `false` = the engine used the default.
    pub given: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub benchmark: String,
    pub title: Text,
    pub agency: Text,
    pub model: bool,
    pub violation_date: NaiveDate,
    pub decision_date: NaiveDate,
    pub discovered_date: NaiveDate,
    pub version: VersionRef,
    pub tier: TierRef,
    pub adjustment: Adjustment,
    pub waivable: bool,
    pub mitigation_permitted: bool,
    pub kinds: Vec<Kind>,
    pub recommended_fine: Option<FenRange>,
    pub tier_fine: Option<FenRange>,
    pub statutory_fine: Option<FenRange>,
    pub limitation_years: u8,
    pub limitation_ends: NaiveDate,
    pub rules: Vec<AppliedRule>,
    pub facts: Vec<FactValue>,
    pub explanation_zh: Vec<String>,
    pub explanation_en: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionCheck>,
}

fn fine_src(f: &Option<Fine>, b: &Benchmark) -> (String, String) {
    match f {
        None => ("无罚款".into(), "no fine".into()),
        Some(Fine::Amount { min, max }) => (
            format!(
                "罚款{}元至{}元",
                format_hundredths(*min),
                format_hundredths(*max)
            ),
            format!(
                "fine {}–{} yuan",
                format_hundredths(*min),
                format_hundredths(*max)
            ),
        ),
        Some(Fine::Times { min, max, of }) => {
            let d = &b.facts.defs()[*of];
            (
                format!(
                    "{}的{}倍至{}倍罚款",
                    d.zh,
                    format_hundredths(*min),
                    format_hundredths(*max)
                ),
                format!(
                    "fine of {}–{} times {}",
                    format_hundredths(*min),
                    format_hundredths(*max),
                    d.name
                ),
            )
        }
    }
}

impl Benchmark {
    /// Explain an outcome in zh-CN and English, citing every rule and article.
    pub fn report(&self, case: &Case, out: &Outcome, decided_fen: Option<i64>) -> Report {
        let v = &self.versions[out.version];
        let c = &v.clauses[out.clause];
        let t = &v.tiers[out.tier];
        let e = out.leniency_edition;
        let mut zh = Vec::new();
        let mut en = Vec::new();
        let until = |u: Option<NaiveDate>| u.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
        zh.push(format!(
            "适用版本：自{}起施行（至{}）。违法依据：{}{}；处罚依据：{}{}。",
            v.from,
            until(v.until),
            v.violation_basis.law,
            v.violation_basis.article,
            v.penalty_basis.law,
            v.penalty_basis.article
        ));
        en.push(format!(
            "Version in force on the violation date {}: from {} (until {}). Violation basis: {} {}; penalty basis: {} {}.",
            case.violation, v.from, until(v.until), v.violation_basis.law, v.violation_basis.article, v.penalty_basis.law, v.penalty_basis.article
        ));
        let (sz, se) = fine_src(&c.fine, self);
        let cond = c.when_src.as_deref().unwrap_or("—");
        let stat_zh = out
            .statutory_fine
            .map(|r| format!("，即{}元", r.yuan()))
            .unwrap_or_default();
        let stat_en = out
            .statutory_fine
            .map(|r| format!(", i.e. {} yuan", r.yuan()))
            .unwrap_or_default();
        zh.push(format!(
            "法定处罚（条件：{cond}）：{}；{sz}{stat_zh}。",
            c.kinds.zh()
        ));
        en.push(format!(
            "Statutory penalty (condition: {cond}): {}; {se}{stat_en}.",
            c.kinds.en()
        ));
        let (tz, te) = fine_src(&t.fine, self);
        zh.push(format!(
            "裁量阶次：{}（{}），条件：{}；{}：{}；{}。",
            t.level.zh(),
            t.id,
            t.when_src,
            t.zh,
            t.kinds.zh(),
            tz
        ));
        en.push(format!(
            "Discretion tier: {} ({}), condition: {}; {}: {}; {}.",
            t.level.en(),
            t.id,
            t.when_src,
            t.en,
            t.kinds.en(),
            te
        ));
        let limitation_ends = crate::eval::limitation_end(case.violation, out.limitation_years);
        zh.push(format!(
            "追责时效：{}年，至{}止。",
            out.limitation_years, limitation_ends
        ));
        en.push(format!(
            "Limitation period: {} years, ending {}.",
            out.limitation_years, limitation_ends
        ));

        let mut rules = Vec::new();
        for r in out.rules.rules() {
            let (az, ae) = r.article(e);
            let (az, ae) = if r == Rule::LimitationExpired {
                r.article(crate::rules::edition_on(case.violation))
            } else {
                (az, ae)
            };
            let (xz, xe) = r.text();
            let mut xz = xz.to_string();
            let mut xe = xe.to_string();
            if r == Rule::BenchmarkHeavier {
                for (i, h) in v.heavier.iter().enumerate() {
                    if out.heavier_grounds & (1 << i) != 0 {
                        xz.push_str(&format!("（{}：{}）", h.zh, h.when_src));
                        xe.push_str(&format!(" ({}: {})", h.en, h.when_src));
                    }
                }
            }
            zh.push(format!("依据{az}：{xz}"));
            en.push(format!("Under {ae}: {xe}"));
            rules.push(AppliedRule {
                rule: r,
                article_zh: az.into(),
                article_en: ae.into(),
                zh: xz,
                en: xe,
            });
        }
        match (out.adjustment, out.fine) {
            (Adjustment::NoPenalty, _) => {
                zh.push("结论：不予行政处罚（应当对当事人进行教育）。".into());
                en.push("Result: no penalty (the party is to be educated).".into());
            }
            (a, Some(r)) => {
                zh.push(format!(
                    "结论：{}；建议处罚种类：{}；建议罚款{}元。",
                    a.zh(),
                    out.kinds.zh(),
                    r.yuan()
                ));
                en.push(
                    format!(
                        "Result: {:?}; recommended kinds: {}; recommended fine {} yuan.",
                        a,
                        out.kinds.en(),
                        r.yuan()
                    )
                    .replace("Standard", "tier range"),
                );
            }
            (a, None) => {
                zh.push(format!(
                    "结论：{}；建议处罚种类：{}。",
                    a.zh(),
                    out.kinds.zh()
                ));
                en.push(
                    format!("Result: {:?}; recommended kinds: {}.", a, out.kinds.en())
                        .replace("Standard", "tier range"),
                );
            }
        }
        if out.waivable {
            zh.push("首违不罚：可以不予行政处罚；如予处罚，按上述建议。".into());
            en.push("First minor offence: the penalty may be waived; if a penalty is given, the recommendation above applies.".into());
        }
        let facts: Vec<FactValue> = self
            .facts
            .defs()
            .iter()
            .enumerate()
            .map(|(i, d)| FactValue {
                name: d.name.clone(),
                value: d.render(case.facts.values[i]),
                given: case.facts.given & (1 << i) != 0,
            })
            .collect();
        let assumed: Vec<String> = facts
            .iter()
            .filter(|f| !f.given)
            .map(|f| format!("{}={}", f.name, f.value))
            .collect();
        if !assumed.is_empty() {
            zh.push(format!(
                "未给出而按默认值认定的事实：{}。",
                assumed.join("，")
            ));
            en.push(format!(
                "Facts not given, default assumed: {}.",
                assumed.join(", ")
            ));
        }
        let decision = decided_fen.map(|d| out.check_decision(d));
        if let Some(d) = &decision {
            zh.push(format!("决定罚款{}元：{}", d.decided_yuan, d.zh));
            en.push(format!("Decided fine {} yuan: {}", d.decided_yuan, d.en));
        }
        Report {
            benchmark: self.id.clone(),
            title: self.title.clone(),
            agency: self.agency.clone(),
            model: self.model,
            violation_date: case.violation,
            decision_date: case.decision,
            discovered_date: case.discovered.unwrap_or(case.decision),
            version: VersionRef {
                from: v.from,
                until: v.until,
                violation_basis: v.violation_basis.clone(),
                penalty_basis: v.penalty_basis.clone(),
            },
            tier: TierRef {
                id: t.id.clone(),
                level: t.level,
                condition: t.when_src.clone(),
                zh: t.zh.clone(),
                en: t.en.clone(),
            },
            adjustment: out.adjustment,
            waivable: out.waivable,
            mitigation_permitted: out.mitigation_permitted,
            kinds: out.kinds.kinds(),
            recommended_fine: out.fine,
            tier_fine: out.tier_fine,
            statutory_fine: out.statutory_fine,
            limitation_years: out.limitation_years,
            limitation_ends,
            rules,
            facts,
            explanation_zh: zh,
            explanation_en: en,
            decision,
        }
    }
}

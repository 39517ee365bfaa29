//! Load checks, in the manner of Catala: conflicts and gaps are errors, not silence.
//!
//! For each version the checker enumerates fact combinations over the facts that any
//! condition or multiple reads: every value of a yes/no or enum fact (exhaustive), and for a
//! numeric fact its domain minimum, every threshold a condition compares it with, ±1 of each
//! (1 fen for money), the midpoints between thresholds and a value past the largest; money
//! facts that are the basis of a multiple also get a decade sweep and the points where a
//! multiple crosses an amount bound. At every combination exactly one statutory clause and
//! exactly one tier must apply, and the tier's kinds and fine must lie inside the clause's.

use crate::facts::FactKind;
use crate::model::{Benchmark, Fine, Version};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Two tiers apply to the same facts.
    Conflict,
    /// No tier applies.
    Gap,
    /// Two statutory clauses apply to the same facts.
    ClauseConflict,
    /// No statutory clause applies.
    ClauseGap,
    /// The tier's fine lies outside the statutory range.
    OutOfRange,
    /// The tier imposes a kind the statute does not allow.
    KindNotAllowed,
    /// The tier omits a kind the statute makes mandatory (并处).
    MandatoryKindMissing,
    /// Too many combinations to search.
    SearchTooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub source: String,
    pub benchmark: String,
    pub version: String,
    pub kind: FindingKind,
    pub tier: Option<String>,
    pub other: Option<String>,
    /// Facts that trigger it, as `name=value`.
    pub example: Vec<String>,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{} version {}",
            self.source, self.benchmark, self.version
        )?;
        if let Some(t) = &self.tier {
            write!(f, ", tier {t}")?;
        }
        write!(f, "]: {} / {}", self.zh, self.en)?;
        if !self.example.is_empty() {
            write!(f, " — 例 / example: {}", self.example.join(" "))?;
        }
        Ok(())
    }
}

/// Above this many combinations per version the search stops and says so.
pub const MAX_COMBINATIONS: u64 = 2_000_000;

/// Run every load check on a parsed benchmark. Empty = the benchmark passes.
pub fn check(b: &Benchmark) -> Vec<Finding> {
    let mut out = Vec::new();
    for v in &b.versions {
        check_version(b, v, &mut out);
    }
    out
}

fn candidates(b: &Benchmark, v: &Version) -> Vec<(usize, Vec<i64>)> {
    let mut read = Vec::new();
    let mut thresholds = Vec::new();
    for c in &v.clauses {
        c.when.collect(&mut read, &mut thresholds);
    }
    for t in &v.tiers {
        t.when.collect(&mut read, &mut thresholds);
    }
    let mut bases = BTreeSet::new();
    let mut amounts = Vec::new();
    let mut multiples = Vec::new();
    for fine in v
        .clauses
        .iter()
        .map(|c| &c.fine)
        .chain(v.tiers.iter().map(|t| &t.fine))
        .flatten()
    {
        match *fine {
            Fine::Amount { min, max } => amounts.extend([min, max]),
            Fine::Times { min, max, of } => {
                bases.insert(of);
                read.push(of);
                multiples.extend([min, max]);
            }
        }
    }
    read.sort_unstable();
    read.dedup();
    let defs = b.facts.defs();
    read.into_iter()
        .map(|i| {
            let d = &defs[i];
            let vals: Vec<i64> = match &d.kind {
                FactKind::Bool => vec![0, 1],
                FactKind::Enum { values } => (0..values.len() as i64).collect(),
                FactKind::Money | FactKind::Integer { .. } => {
                    let mut ts: Vec<i64> = thresholds
                        .iter()
                        .filter(|(f, _)| *f == i)
                        .map(|(_, t)| *t)
                        .collect();
                    ts.sort_unstable();
                    ts.dedup();
                    let mut s = BTreeSet::new();
                    s.insert(d.min);
                    s.insert(d.min.saturating_add(1));
                    for w in ts.windows(2) {
                        s.insert(w[0] + (w[1] - w[0]) / 2);
                    }
                    for t in &ts {
                        s.extend([t.saturating_sub(1), *t, t.saturating_add(1)]);
                    }
                    s.insert(ts.last().map_or(d.min.saturating_add(1000), |t| {
                        t.saturating_mul(2).saturating_add(1)
                    }));
                    if bases.contains(&i) {
                        let mut p = 1i64;
                        while p <= d.max / 10 && p < 1_000_000_000_000 {
                            s.insert(p);
                            p *= 10;
                        }
                        for a in &amounts {
                            for m in multiples.iter().filter(|m| **m > 0) {
                                let x = (*a as i128 * 100 / *m as i128) as i64;
                                s.extend([x - 1, x, x + 1]);
                            }
                        }
                    }
                    s.into_iter()
                        .filter(|x| *x >= d.min && *x <= d.max)
                        .collect()
                }
            };
            (i, vals)
        })
        .collect()
}

fn check_version(b: &Benchmark, v: &Version, out: &mut Vec<Finding>) {
    let defs = b.facts.defs();
    let cands = candidates(b, v);
    let vname = v.from.to_string();
    let finding = |kind,
                   tier: Option<&str>,
                   other: Option<&str>,
                   example: Vec<String>,
                   zh: String,
                   en: String| Finding {
        source: b.source_name.clone(),
        benchmark: b.id.clone(),
        version: vname.clone(),
        kind,
        tier: tier.map(str::to_string),
        other: other.map(str::to_string),
        example,
        zh,
        en,
    };
    let total = cands
        .iter()
        .try_fold(1u64, |a, (_, v)| a.checked_mul(v.len() as u64))
        .unwrap_or(u64::MAX);
    if total > MAX_COMBINATIONS {
        out.push(finding(
            FindingKind::SearchTooLarge,
            None,
            None,
            vec![],
            format!("条件涉及的事实组合过多（{total}），无法检查；请拆分基准"),
            format!("too many fact combinations ({total}) to check; split the benchmark"),
        ));
        return;
    }
    let mut seen: BTreeSet<(FindingKind, Option<String>, Option<String>)> = BTreeSet::new();
    let mut facts = b.facts.defaults();
    let mut idx = vec![0usize; cands.len()];
    loop {
        for (k, (fi, vals)) in cands.iter().enumerate() {
            facts[*fi] = vals[idx[k]];
        }
        let example = || {
            cands
                .iter()
                .map(|(fi, _)| format!("{}={}", defs[*fi].name, defs[*fi].render(facts[*fi])))
                .collect::<Vec<_>>()
        };
        let mut report = |kind, tier: Option<&str>, other: Option<&str>, zh: String, en: String| {
            if seen.insert((kind, tier.map(str::to_string), other.map(str::to_string))) {
                out.push(finding(kind, tier, other, example(), zh, en));
            }
        };
        let clauses: Vec<usize> = (0..v.clauses.len())
            .filter(|i| v.clauses[*i].when.eval(&facts))
            .collect();
        let tiers: Vec<usize> = (0..v.tiers.len())
            .filter(|i| v.tiers[*i].when.eval(&facts))
            .collect();
        match clauses.as_slice() {
            [] => report(
                FindingKind::ClauseGap,
                None,
                None,
                "没有适用的法定处罚条款".into(),
                "no statutory clause applies".into(),
            ),
            [_, b2, ..] => {
                let a = format!("statutory[{}]", clauses[0]);
                let bb = format!("statutory[{b2}]");
                report(
                    FindingKind::ClauseConflict,
                    Some(&a),
                    Some(&bb),
                    format!("法定条款 {a} 与 {bb} 同时适用"),
                    format!("statutory clauses {a} and {bb} both apply"),
                )
            }
            [_] => {}
        }
        match tiers.as_slice() {
            [] => report(
                FindingKind::Gap,
                None,
                None,
                "没有适用的裁量阶次".into(),
                "no discretion tier applies".into(),
            ),
            [a, b2, ..] => {
                let (ta, tb) = (&v.tiers[*a].id, &v.tiers[*b2].id);
                report(
                    FindingKind::Conflict,
                    Some(ta),
                    Some(tb),
                    format!("阶次“{ta}”与“{tb}”同时适用"),
                    format!("tiers '{ta}' and '{tb}' both apply"),
                )
            }
            [_] => {}
        }
        if let ([ci], [ti]) = (clauses.as_slice(), tiers.as_slice()) {
            let c = &v.clauses[*ci];
            let t = &v.tiers[*ti];
            let tid = Some(t.id.as_str());
            let extra = t.kinds.minus(c.kinds);
            if !extra.is_empty() {
                report(
                    FindingKind::KindNotAllowed,
                    tid,
                    None,
                    format!("处罚种类“{}”超出法定种类", extra.zh()),
                    format!("kind(s) '{}' not allowed by the statute", extra.en()),
                );
            }
            let missing = c.mandatory.minus(t.kinds);
            if !missing.is_empty() {
                report(
                    FindingKind::MandatoryKindMissing,
                    tid,
                    None,
                    format!("缺少法定必须并处的“{}”", missing.zh()),
                    format!("omits mandatory kind(s) '{}'", missing.en()),
                );
            }
            if let (Some(Ok(tr)), Some(Ok(sr))) = (
                t.fine.map(|f| f.range(&facts)),
                c.fine.map(|f| f.range(&facts)),
            ) {
                if !tr.within(&sr) {
                    report(
                        FindingKind::OutOfRange,
                        tid,
                        None,
                        format!("阶次罚款{}元超出法定幅度{}元", tr.yuan(), sr.yuan()),
                        format!(
                            "tier fine {} yuan lies outside the statutory {} yuan",
                            tr.yuan(),
                            sr.yuan()
                        ),
                    );
                }
            }
        }
        // Odometer over the candidate lists.
        let mut k = 0;
        loop {
            if k == idx.len() {
                return;
            }
            idx[k] += 1;
            if idx[k] < cands[k].1.len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

//! Golden cases: data files of inputs and expected outputs kept beside each benchmark
//! (`<id>.cases.toml`), in the manner of OpenFisca's YAML tests.
//!
//! ```toml
//! benchmark = "food-safety-122-unlicensed"
//! [[cases]]
//! name = "small shop, first month"
//! violation = "2023-05-01"
//! decision = "2023-06-01"
//! facts = { goods_value = "1500", days_operating = 20, harm = "none" }
//! decided = "55000"                       # optional, yuan
//! expect = { version = "2021-04-29", tier = "small-minor", adjustment = "standard",
//!            fine = ["50000", "60000"], rules = [], requires_reason = false }
//! # or: expect = { error = "no_version" }
//! ```

use crate::eval::parse_decided;
use crate::model::Benchmark;
use crate::money::parse_yuan;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub benchmark: String,
    #[serde(default)]
    pub cases: Vec<GoldenCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    pub name: String,
    pub violation: String,
    pub decision: String,
    #[serde(default)]
    pub discovered: Option<String>,
    #[serde(default)]
    pub facts: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub decided: Option<String>,
    pub expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub error: Option<String>,
    pub version: Option<String>,
    pub tier: Option<String>,
    pub adjustment: Option<String>,
    /// `[min, max]` in yuan, or `[]` for no fine.
    pub fine: Option<Vec<String>>,
    pub kinds: Option<Vec<String>>,
    /// The exact set of rules applied.
    pub rules: Option<Vec<String>>,
    pub waivable: Option<bool>,
    pub limitation_years: Option<u8>,
    pub requires_reason: Option<bool>,
    pub within_statutory: Option<bool>,
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("bad date '{s}'"))
}

/// Run a case file against a benchmark. Returns one message per failing case (empty = pass)
/// and the number of cases run.
pub fn run(b: &Benchmark, cases_text: &str) -> Result<(usize, Vec<String>), String> {
    let file: CaseFile =
        toml::from_str(cases_text).map_err(|e| format!("malformed case file: {e}"))?;
    if file.benchmark != b.id {
        return Err(format!(
            "case file is for '{}', not '{}'",
            file.benchmark, b.id
        ));
    }
    let mut failures = Vec::new();
    for c in &file.cases {
        if let Err(m) = run_one(b, c) {
            failures.push(format!("{} / {}: {m}", b.id, c.name));
        }
    }
    Ok((file.cases.len(), failures))
}

fn run_one(b: &Benchmark, c: &GoldenCase) -> Result<(), String> {
    let pairs: Vec<(String, String)> = c
        .facts
        .iter()
        .map(|(k, v)| (k.clone(), value_text(v)))
        .collect();
    let discovered = c.discovered.as_deref().map(day).transpose()?;
    let res = b.evaluate_pairs(day(&c.violation)?, day(&c.decision)?, discovered, &pairs);
    let e = &c.expect;
    let (case, out) = match (res, &e.error) {
        (Err(err), Some(code)) if err.code() == code => return Ok(()),
        (Err(err), _) => return Err(format!("unexpected error: {err}")),
        (Ok(_), Some(code)) => return Err(format!("expected error '{code}', got a result")),
        (Ok(x), None) => x,
    };
    let decided = c
        .decided
        .as_deref()
        .map(parse_decided)
        .transpose()
        .map_err(|e| e.to_string())?;
    let r = b.report(&case, &out, decided);
    let mut diffs = Vec::new();
    let mut cmp = |what: &str, want: String, got: String| {
        if want != got {
            diffs.push(format!("{what}: expected {want}, got {got}"));
        }
    };
    if let Some(v) = &e.version {
        cmp("version", v.clone(), r.version.from.to_string());
    }
    if let Some(t) = &e.tier {
        cmp("tier", t.clone(), r.tier.id.clone());
    }
    if let Some(a) = &e.adjustment {
        cmp(
            "adjustment",
            a.clone(),
            format!("{:?}", r.adjustment)
                .to_lowercase()
                .replace("nopenalty", "no_penalty"),
        );
    }
    if let Some(f) = &e.fine {
        let want = f
            .iter()
            .map(|x| {
                parse_yuan(x)
                    .map(crate::money::format_yuan)
                    .unwrap_or_else(|| x.clone())
            })
            .collect::<Vec<_>>()
            .join("–");
        let got = r.recommended_fine.map(|x| x.yuan()).unwrap_or_default();
        cmp("fine", want, got);
    }
    if let Some(k) = &e.kinds {
        let got: Vec<String> = r
            .kinds
            .iter()
            .map(|k| format!("{k:?}").to_lowercase())
            .collect();
        cmp("kinds", k.join(","), got.join(","));
    }
    if let Some(rs) = &e.rules {
        let mut want = rs.clone();
        want.sort();
        let mut got: Vec<String> = r.rules.iter().map(|a| a.rule.id().to_string()).collect();
        got.sort();
        cmp("rules", want.join(","), got.join(","));
    }
    if let Some(w) = e.waivable {
        cmp("waivable", w.to_string(), r.waivable.to_string());
    }
    if let Some(y) = e.limitation_years {
        cmp(
            "limitation_years",
            y.to_string(),
            r.limitation_years.to_string(),
        );
    }
    if let Some(q) = e.requires_reason {
        cmp(
            "requires_reason",
            q.to_string(),
            r.decision
                .as_ref()
                .map(|d| d.requires_reason.to_string())
                .unwrap_or_else(|| "no decision given".into()),
        );
    }
    if let Some(q) = e.within_statutory {
        cmp(
            "within_statutory",
            q.to_string(),
            r.decision
                .as_ref()
                .map(|d| d.within_statutory.to_string())
                .unwrap_or_else(|| "no decision given".into()),
        );
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

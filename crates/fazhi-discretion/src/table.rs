//! Agencies' discretion tables (the XLSX/CSV sheets they already write) → benchmark files.
//!
//! Pure: the caller reads the sheet into rows of cell texts (first row = header) and writes the
//! returned TOML texts. One row per tier; rows with the same `id` form one benchmark, rows
//! with the same `id` and `from` one version. Columns (Chinese or English header, any order):
//!
//! | header (zh / en) | content |
//! |---|---|
//! | 编号 / id | benchmark id, e.g. `food-safety-122-unlicensed` |
//! | 违法行为 / title | the violation |
//! | 实施机关 / agency | issuing agency |
//! | 违法依据 / violation_basis | `《某法》第X条` |
//! | 处罚依据 / penalty_basis | `《某法》第Y条` |
//! | 施行日期 / from | version start, YYYY-MM-DD |
//! | 事实 / facts | declarations `name:type:说明` separated by `;`; type is bool, integer, money or `enum(a|b)` (any row of the benchmark) |
//! | 安全领域 / safety | optional: 无 / 生命健康 / 金融 (none / life_health / financial) |
//! | 法定条件 / statutory_when | optional condition selecting the statutory clause |
//! | 法定处罚种类 / statutory_kinds | e.g. `没收、罚款` |
//! | 法定罚款 / statutory_fine | `5000-50000` (yuan) or `10-20倍` |
//! | 倍数基数 / basis | money fact a multiple is of |
//! | 阶次编号 / tier | tier id |
//! | 裁量阶次 / level | 轻微 / 一般 / 较重 / 严重 |
//! | 适用条件 / when | the tier's condition, in the condition language |
//! | 处罚种类 / kinds | the tier's kinds |
//! | 罚款幅度 / fine | the tier's fine, as for 法定罚款 |
//! | 情形说明 / description | the tier's description |

use crate::error::LoadError;
use crate::model::{
    Basis, Benchmark, Kind, Level, RawBenchmark, RawClause, RawFact, RawFine, RawNumber, RawTier,
    RawVersion, Safety, Text,
};

const COLUMNS: &[(&str, &str, bool)] = &[
    ("id", "编号", true),
    ("title", "违法行为", true),
    ("agency", "实施机关", true),
    ("violation_basis", "违法依据", true),
    ("penalty_basis", "处罚依据", true),
    ("from", "施行日期", true),
    ("facts", "事实", false),
    ("safety", "安全领域", false),
    ("statutory_when", "法定条件", false),
    ("statutory_kinds", "法定处罚种类", true),
    ("statutory_fine", "法定罚款", false),
    ("basis", "倍数基数", false),
    ("tier", "阶次编号", true),
    ("level", "裁量阶次", true),
    ("when", "适用条件", true),
    ("kinds", "处罚种类", true),
    ("fine", "罚款幅度", false),
    ("description", "情形说明", false),
];

fn split_list(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', '/'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn kind(s: &str) -> Option<Kind> {
    let k = s.to_lowercase();
    Some(match k.as_str() {
        "warning" | "警告" => Kind::Warning,
        "fine" | "罚款" => Kind::Fine,
        "confiscation" => Kind::Confiscation,
        "suspension" => Kind::Suspension,
        "revocation" => Kind::Revocation,
        _ if k.starts_with("没收") => Kind::Confiscation,
        _ if k.contains("吊销") => Kind::Revocation,
        _ if k.contains("暂扣") || k.contains("停产停业") || k.contains("停业") => {
            Kind::Suspension
        }
        _ => return None,
    })
}

fn level(s: &str) -> Option<Level> {
    Some(match s.trim().to_lowercase().as_str() {
        "minor" | "轻微" => Level::Minor,
        "ordinary" | "一般" => Level::Ordinary,
        "serious" | "较重" => Level::Serious,
        "grave" | "严重" | "特别严重" => Level::Grave,
        _ => return None,
    })
}

fn basis(s: &str) -> Basis {
    match s.find('》') {
        Some(i) => Basis {
            law: s[..i + '》'.len_utf8()].trim().into(),
            article: s[i + '》'.len_utf8()..].trim().into(),
        },
        None => Basis {
            law: s.trim().into(),
            article: String::new(),
        },
    }
}

fn fine(s: &str, of: &str) -> Result<Option<RawFine>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let (body, times) = match s
        .strip_suffix('倍')
        .or_else(|| s.strip_suffix("times"))
        .or_else(|| s.strip_suffix('x'))
    {
        Some(b) => (b.trim(), true),
        None => (s.trim_end_matches('元').trim(), false),
    };
    let parts: Vec<&str> = body
        .split(['-', '–', '～', '~', '至'])
        .map(str::trim)
        .collect();
    let [lo, hi] = parts.as_slice() else {
        return Err(format!("'{s}' is not a range like 5000-50000 or 10-20倍"));
    };
    let pair = [
        RawNumber::Str(lo.trim_end_matches('倍').to_string()),
        RawNumber::Str(hi.to_string()),
    ];
    Ok(Some(if times {
        if of.is_empty() {
            return Err(format!(
                "'{s}' is a multiple: fill the 倍数基数 / basis column"
            ));
        }
        RawFine {
            yuan: None,
            times: Some(pair),
            of: Some(of.to_string()),
        }
    } else {
        RawFine {
            yuan: Some(pair),
            times: None,
            of: None,
        }
    }))
}

fn facts(s: &str) -> Result<Vec<RawFact>, String> {
    s.split([';', '；', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|d| {
            let mut it = d.splitn(3, [':', '：']);
            let name = it.next().unwrap_or("").trim().to_string();
            let ty = it
                .next()
                .ok_or_else(|| format!("fact '{d}' must be name:type:说明"))?
                .trim();
            let zh = it.next().unwrap_or("").trim().to_string();
            let (kind, values) = match ty.strip_prefix("enum(").and_then(|x| x.strip_suffix(')')) {
                Some(vals) => (
                    "enum".to_string(),
                    Some(vals.split('|').map(|v| v.trim().to_string()).collect()),
                ),
                None => (ty.to_string(), None),
            };
            let default = (kind == "bool").then_some(toml::Value::Boolean(false));
            Ok(RawFact {
                name,
                kind,
                en: zh.clone(),
                zh,
                unit: None,
                values,
                default,
                min: None,
                max: None,
            })
        })
        .collect()
}

/// Convert a table into `(id, TOML text)` pairs. Each text parses as a [`Benchmark`]; run
/// [`crate::check()`] on it before use.
pub fn import(source: &str, rows: &[Vec<String>]) -> Result<Vec<(String, String)>, LoadError> {
    let err =
        |place: String, en: String| LoadError::new(source, place, format!("表格错误：{en}"), en);
    let header = rows
        .first()
        .ok_or_else(|| err("row 1".into(), "the table is empty".into()))?;
    let mut col = std::collections::HashMap::new();
    for (name, zh, required) in COLUMNS {
        let pos = header.iter().position(|h| {
            let h = h.trim();
            h.eq_ignore_ascii_case(name) || h == *zh
        });
        match pos {
            Some(p) => {
                col.insert(*name, p);
            }
            None if *required => {
                return Err(err("row 1".into(), format!("missing column {zh} / {name}")))
            }
            None => {}
        }
    }
    let mut out: Vec<RawBenchmark> = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(1) {
        let cell = |name: &str| {
            col.get(name)
                .and_then(|i| row.get(*i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let id = cell("id");
        if id.is_empty() {
            continue;
        }
        let place = |c: &str| format!("row {}, column {c}", r + 1);
        let b = match out.iter_mut().position(|b| b.id == id) {
            Some(i) => &mut out[i],
            None => {
                out.push(RawBenchmark {
                    id: id.clone(),
                    title: Text { zh: cell("title"), en: cell("title") },
                    agency: Text { zh: cell("agency"), en: cell("agency") },
                    agency_units: vec![],
                    model: false,
                    note: Some(format!("由 {source} 导入；英文文本待补。Imported from {source}; English text to be written.")),
                    safety: match cell("safety").as_str() {
                        "" | "无" | "none" => Safety::None,
                        "生命健康" | "life_health" => Safety::LifeHealth,
                        "金融" | "financial" => Safety::Financial,
                        other => return Err(err(place("safety"), format!("unknown safety '{other}'"))),
                    },
                    facts: vec![],
                    versions: vec![],
                });
                out.last_mut()
                    .ok_or_else(|| err(place("id"), "internal".into()))?
            }
        };
        if b.facts.is_empty() {
            b.facts = facts(&cell("facts")).map_err(|e| err(place("facts"), e))?;
        }
        let from = cell("from");
        let vi = match b.versions.iter().position(|v| v.from == from) {
            Some(i) => i,
            None => {
                b.versions.push(RawVersion {
                    from: from.clone(),
                    until: None,
                    violation_basis: basis(&cell("violation_basis")),
                    penalty_basis: basis(&cell("penalty_basis")),
                    text: None,
                    statutory: vec![],
                    tiers: vec![],
                    heavier: vec![],
                });
                b.versions.len() - 1
            }
        };
        let v = &mut b.versions[vi];
        let kinds = |c: &str| -> Result<Vec<Kind>, LoadError> {
            split_list(&cell(c))
                .iter()
                .map(|k| {
                    kind(k).ok_or_else(|| err(place(c), format!("unknown penalty kind '{k}'")))
                })
                .collect()
        };
        let of = cell("basis");
        let clause = RawClause {
            when: Some(cell("statutory_when")).filter(|w| !w.is_empty()),
            kinds: kinds("statutory_kinds")?,
            mandatory: vec![],
            fine: fine(&cell("statutory_fine"), &of)
                .map_err(|e| err(place("statutory_fine"), e))?,
        };
        if !v.statutory.contains(&clause) {
            v.statutory.push(clause);
        }
        let desc = cell("description");
        v.tiers.push(RawTier {
            id: cell("tier"),
            level: level(&cell("level"))
                .ok_or_else(|| err(place("level"), format!("unknown level '{}'", cell("level"))))?,
            when: cell("when"),
            kinds: kinds("kinds")?,
            fine: fine(&cell("fine"), &of).map_err(|e| err(place("fine"), e))?,
            zh: desc.clone(),
            en: desc,
        });
    }
    out.into_iter()
        .map(|b| {
            let id = b.id.clone();
            let body = toml::to_string(&b).map_err(|e| err(format!("benchmark {id}"), e.to_string()))?;
            let text = format!("# Imported from {source} by `fazhi discretion import`. Check it, write the English texts,\n# then run `fazhi discretion check`.\n\n{body}");
            // Whatever the table said, the result must parse.
            Benchmark::parse(&format!("{id}.toml"), &text)?;
            Ok((id, text))
        })
        .collect()
}

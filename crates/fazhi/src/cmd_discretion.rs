//! `fazhi discretion`: penalty discretion benchmarks — load checks, evaluation of a case,
//! batch evaluation, and import of agencies' XLSX/CSV tables.
//!
//! The engine (`fazhi-discretion`) is pure; this module owns the file reading, the table
//! readers (calamine for XLSX, csv for CSV) and the terminal output.

use crate::error::{CliError, CliResult};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use fazhi_discretion::{self as disc, Benchmark};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum DiscretionCmd {
    /// Run the load checks (conflicts, gaps, ranges outside the statute) on benchmark files;
    /// `*.cases.toml` files are run as golden cases. No FILE = the shipped benchmarks.
    /// Exit 2 with the findings when any check fails.
    Check {
        files: Vec<PathBuf>,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one case: version, tier, recommended penalty, leniency, explanation.
    Evaluate(EvaluateArgs),
    /// Evaluate every case of a CSV file (columns: violation, decision, then facts by name);
    /// writes one result line per case and the timing to stderr.
    Batch {
        /// Shipped benchmark id (see `fazhi discretion list`).
        item: Option<String>,
        /// A benchmark file instead of a shipped one.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The cases (CSV with a header row).
        #[arg(long)]
        cases: PathBuf,
        /// Where to write results (CSV); default stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Convert an agency's discretion table (XLSX or CSV) into benchmark files; see
    /// data/discretion/README.md for the columns.
    Import {
        table: PathBuf,
        /// Directory for the generated `<id>.toml` files.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// List the shipped benchmarks.
    List,
}

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Shipped benchmark id (see `fazhi discretion list`).
    pub item: Option<String>,
    /// A benchmark file instead of a shipped one.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Day of the violation (YYYY-MM-DD); picks the version in force.
    #[arg(long = "on", value_name = "DATE")]
    pub on: String,
    /// Day of the decision (default: today).
    #[arg(long, value_name = "DATE")]
    pub decision: Option<String>,
    /// Day the violation was discovered (default: the decision date).
    #[arg(long, value_name = "DATE")]
    pub discovered: Option<String>,
    /// A fact, NAME=VALUE; repeat for each fact.
    #[arg(long = "fact", value_name = "K=V")]
    pub facts: Vec<String>,
    /// The decided fine in yuan (0 = none): says whether it is inside the recommendation.
    #[arg(long, value_name = "AMOUNT")]
    pub decided: Option<String>,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: DiscretionCmd) -> CliResult {
    match cmd {
        DiscretionCmd::Check { files, json } => check(files, json),
        DiscretionCmd::Evaluate(args) => evaluate(args),
        DiscretionCmd::Batch {
            item,
            file,
            cases,
            out,
        } => batch(item, file, cases, out),
        DiscretionCmd::Import { table, out } => import(table, out),
        DiscretionCmd::List => {
            for b in disc::bundled() {
                let v = b
                    .versions
                    .iter()
                    .map(|v| v.from.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                println!(
                    "{}\t{} / {}\t{}\tversions: {v}",
                    b.id, b.title.zh, b.title.en, b.agency.zh
                );
            }
            Ok(())
        }
    }
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "无法读取 {0} / cannot read {0}: {e}",
            path.display()
        ))
    })
}

fn date(s: &str, what: &str) -> Result<NaiveDate, CliError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::usage(format!(
            "{what}“{s}”格式应为 YYYY-MM-DD / {what} '{s}' must be YYYY-MM-DD"
        ))
    })
}

fn load(item: Option<&str>, file: Option<&Path>) -> Result<Benchmark, CliError> {
    match (item, file) {
        (_, Some(p)) => Benchmark::parse(&p.display().to_string(), &read(p)?)
            .map_err(|e| CliError::usage(e.to_string())),
        (Some(id), None) => disc::bundled_benchmark(id)
            .cloned()
            .map_err(|e| CliError::usage(e.to_string())),
        (None, None) => Err(CliError::usage(
            "请给出基准编号或 --file / give a benchmark id or --file",
        )),
    }
}

fn check(files: Vec<PathBuf>, json: bool) -> CliResult {
    let mut problems: Vec<String> = Vec::new();
    let mut findings = Vec::new();
    let mut loaded: Vec<Benchmark> = Vec::new();
    let (bench_files, case_files): (Vec<_>, Vec<_>) = files
        .iter()
        .partition(|p| !p.to_string_lossy().ends_with(".cases.toml"));
    if files.is_empty() {
        loaded = disc::load_bundled().map_err(|e| CliError::usage(e.to_string()))?;
    }
    for p in bench_files {
        match Benchmark::parse(&p.display().to_string(), &read(p)?) {
            Ok(b) => loaded.push(b),
            Err(e) => problems.push(e.to_string()),
        }
    }
    for b in &loaded {
        let f = disc::check(b);
        if f.is_empty() {
            let tiers: usize = b.versions.iter().map(|v| v.tiers.len()).sum();
            println!(
                "OK {} ({}): {} versions, {tiers} tiers / 通过",
                b.source_name,
                b.id,
                b.versions.len()
            );
        }
        findings.extend(f);
    }
    let cases: Vec<(String, String)> = if files.is_empty() {
        disc::BUNDLED_CASES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    } else {
        case_files
            .iter()
            .map(|p| Ok((p.display().to_string(), read(p)?)))
            .collect::<Result<_, CliError>>()?
    };
    for (name, text) in cases {
        let id = Path::new(&name)
            .file_name()
            .map(|f| {
                f.to_string_lossy()
                    .trim_end_matches(".cases.toml")
                    .to_string()
            })
            .unwrap_or_default();
        let bench = loaded
            .iter()
            .find(|b| b.id == id)
            .cloned()
            .or_else(|| disc::bundled_benchmark(&id).ok().cloned());
        match bench {
            None => problems.push(format!(
                "{name}: 找不到编号为“{id}”的基准 / no benchmark with id '{id}'"
            )),
            Some(b) => match disc::golden::run(&b, &text) {
                Ok((n, fails)) if fails.is_empty() => {
                    println!("OK {name}: {n} golden cases / 通过")
                }
                Ok((_, fails)) => {
                    problems.extend(fails.into_iter().map(|f| format!("{name}: {f}")))
                }
                Err(e) => problems.push(format!("{name}: {e}")),
            },
        }
    }
    if json {
        let doc = serde_json::json!({ "findings": findings, "errors": problems });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    if findings.is_empty() && problems.is_empty() {
        return Ok(());
    }
    let mut msg: Vec<String> = problems;
    msg.extend(findings.iter().map(|f| f.to_string()));
    Err(CliError::usage(format!(
        "{}\n检查未通过：{} 项 / checks failed: {} finding(s)",
        msg.join("\n"),
        msg.len(),
        msg.len()
    )))
}

fn evaluate(a: EvaluateArgs) -> CliResult {
    let b = load(a.item.as_deref(), a.file.as_deref())?;
    let violation = date(&a.on, "违法日期 --on / violation date --on")?;
    let decision = match &a.decision {
        Some(d) => date(d, "决定日期 --decision / decision date --decision")?,
        None => fazhi_store::clock::today(),
    };
    let discovered = a
        .discovered
        .as_deref()
        .map(|d| date(d, "发现日期 --discovered / discovery date --discovered"))
        .transpose()?;
    let pairs = a
        .facts
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "--fact “{kv}” 应写作 名称=值 / --fact '{kv}' must be NAME=VALUE"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let decided = a
        .decided
        .as_deref()
        .map(disc::parse_decided)
        .transpose()
        .map_err(|e| CliError::usage(e.to_string()))?;
    let (case, out) = b
        .evaluate_pairs(violation, decision, discovered, &pairs)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let report = b.report(&case, &out, decided);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| CliError::failure(e.to_string()))?
        );
    } else {
        println!("{} — {} / {}", b.id, b.title.zh, b.title.en);
        for l in &report.explanation_zh {
            println!("  {l}");
        }
        println!();
        for l in &report.explanation_en {
            println!("  {l}");
        }
        if let Some(d) = &report.decision {
            println!("\nrequires_reason: {}", d.requires_reason);
        }
    }
    Ok(())
}

fn batch(
    item: Option<String>,
    file: Option<PathBuf>,
    cases: PathBuf,
    out: Option<PathBuf>,
) -> CliResult {
    use std::io::Write;
    let b = load(item.as_deref(), file.as_deref())?;
    let mut rdr = csv::Reader::from_path(&cases)
        .map_err(|e| CliError::usage(format!("{}: {e}", cases.display())))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| CliError::usage(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() < 2 || header[0] != "violation" || header[1] != "decision" {
        return Err(CliError::usage("案件表前两列应为 violation, decision / the cases CSV must start with columns violation, decision"));
    }
    let mut parsed = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec =
            rec.map_err(|e| CliError::usage(format!("{} line {}: {e}", cases.display(), n + 2)))?;
        let at = |e: String| {
            CliError::usage(format!(
                "{} 第{}行 / line {}: {e}",
                cases.display(),
                n + 2,
                n + 2
            ))
        };
        let v = date(rec.get(0).unwrap_or(""), "violation").map_err(|e| at(e.message))?;
        let d = date(rec.get(1).unwrap_or(""), "decision").map_err(|e| at(e.message))?;
        let pairs: Vec<(&str, &str)> = header[2..]
            .iter()
            .map(String::as_str)
            .zip(rec.iter().skip(2))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let facts = b.facts.parse_pairs(&pairs).map_err(|e| at(e.to_string()))?;
        parsed.push(disc::Case {
            violation: v,
            decision: d,
            discovered: None,
            facts,
        });
    }
    let start = Instant::now();
    let results: Vec<Result<disc::Outcome, disc::EvalError>> =
        parsed.iter().map(|c| b.evaluate(c)).collect();
    let secs = start.elapsed().as_secs_f64();
    let mut w: Box<dyn Write> = match &out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .map_err(|e| CliError::failure(format!("{}: {e}", p.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let v = &b.versions;
    let io = |e: std::io::Error| CliError::failure(e.to_string());
    writeln!(w, "tier,adjustment,min_fen,max_fen,waivable").map_err(io)?;
    for r in &results {
        match r {
            Ok(o) => {
                let (lo, hi) = o
                    .fine
                    .map(|f| (f.min_fen.to_string(), f.max_fen.to_string()))
                    .unwrap_or_default();
                let adj = serde_json::to_value(o.adjustment)
                    .ok()
                    .and_then(|x| x.as_str().map(str::to_string))
                    .unwrap_or_default();
                writeln!(
                    w,
                    "{},{adj},{lo},{hi},{}",
                    v[o.version].tiers[o.tier].id, o.waivable
                )
                .map_err(io)?;
            }
            Err(e) => writeln!(w, "error:{},,,,", e.code()).map_err(io)?,
        }
    }
    w.flush().map_err(io)?;
    eprintln!(
        "fazhi: evaluated {} cases in {:.3} s ({:.0} cases/s, one core)",
        results.len(),
        secs,
        results.len() as f64 / secs.max(1e-9)
    );
    Ok(())
}

fn table_rows(path: &Path) -> Result<Vec<Vec<String>>, CliError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bad = |e: String| CliError::usage(format!("{}: {e}", path.display()));
    match ext.as_str() {
        "csv" => {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_path(path)
                .map_err(|e| bad(e.to_string()))?;
            rdr.records()
                .map(|r| {
                    r.map(|r| r.iter().map(str::to_string).collect())
                        .map_err(|e| bad(e.to_string()))
                })
                .collect()
        }
        "xlsx" | "xlsm" | "xls" | "ods" => {
            use calamine::{open_workbook_auto, Reader};
            let mut wb = open_workbook_auto(path).map_err(|e| bad(e.to_string()))?;
            let sheet = wb
                .sheet_names()
                .first()
                .cloned()
                .ok_or_else(|| bad("工作簿没有工作表 / workbook has no sheet".into()))?;
            let range = wb.worksheet_range(&sheet).map_err(|e| bad(e.to_string()))?;
            Ok(range
                .rows()
                .map(|r| r.iter().map(cell_text).collect())
                .collect())
        }
        _ => Err(bad(
            "只支持 .xlsx / .csv 表格 / only .xlsx and .csv tables are supported".into(),
        )),
    }
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Whole numbers come back as floats; print them without ".0" so "5000" stays "5000".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel serial dates count days from 1899-12-30 (the 1900 leap-year bug is baked in).
        Data::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|base| base.checked_add_days(chrono::Days::new(d.as_f64().max(0.0) as u64)))
            .map(|x| x.to_string())
            .unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        other => other.to_string(),
    }
}

fn import(table: PathBuf, out: PathBuf) -> CliResult {
    let rows = table_rows(&table)?;
    let name = table.display().to_string();
    let files = disc::table::import(&name, &rows).map_err(|e| CliError::usage(e.to_string()))?;
    std::fs::create_dir_all(&out)
        .map_err(|e| CliError::failure(format!("{}: {e}", out.display())))?;
    let mut findings = Vec::new();
    for (id, text) in &files {
        let path = out.join(format!("{id}.toml"));
        std::fs::write(&path, text)
            .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
        let b = Benchmark::parse(&path.display().to_string(), text)
            .map_err(|e| CliError::usage(e.to_string()))?;
        let f = disc::check(&b);
        println!(
            "wrote {} ({} versions){}",
            path.display(),
            b.versions.len(),
            if f.is_empty() { "" } else { " — checks fail" }
        );
        findings.extend(f);
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "{}\n已写出，但检查未通过 / written, but the load checks fail: {} finding(s)",
            findings
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            findings.len()
        )))
    }
}

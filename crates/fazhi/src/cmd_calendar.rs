//! `fazhi calendar …`, `fazhi deadline …`, `fazhi rules …`: the working-day calendar and the
//! statutory deadline engine on the command line. All arithmetic lives in `fazhi-calendar` and
//! `fazhi-deadline`; this module only parses arguments and prints.

use crate::error::{CliError, CliResult};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use fazhi_calendar::Calendar;
use fazhi_deadline::{explain, parse_date, DeadlineError, Event, RuleBook};
use std::io::{BufRead, BufWriter, Write};

#[derive(Args, Debug)]
pub struct CalendarArgs {
    #[command(subcommand)]
    cmd: CalendarCmd,
    /// Print JSON instead of plain text.
    #[arg(long, global = true)]
    json: bool,
    /// Treat years without a State Council notice as "weekends only" instead of failing.
    #[arg(long, global = true)]
    assume_weekends_only: bool,
    /// Count on this database's calendar (the bundled years plus those loaded into it); without
    /// it, on the bundled years alone.
    #[arg(long, env = "FAZHI_DB", global = true)]
    db: Option<String>,
}

#[derive(Subcommand, Debug)]
enum CalendarCmd {
    /// Print `true` if DATE is a working day, else `false`.
    IsWorkday {
        /// YYYY-MM-DD (omit with --stdin).
        date: Option<String>,
        /// Read dates from standard input, one per line; print one answer per line.
        #[arg(long)]
        stdin: bool,
    },
    /// Print the date N working days after DATE (DATE itself not counted).
    Add {
        /// `DATE N`, or just `N` with --stdin.
        #[arg(num_args = 1..=2, required = true)]
        args: Vec<String>,
        /// Count calendar days instead; a last day on a rest day moves to the next working day.
        #[arg(long)]
        days: bool,
        /// Read start dates from standard input, one per line; print one answer per line.
        #[arg(long)]
        stdin: bool,
    },
    /// Print the number of working days in (FROM, TO].
    Between { from: String, to: String },
    /// Load State Council holiday notices (`[[notice]]` blocks, the format of
    /// data/calendar/cn-mainland.toml) into the database given by --db or FAZHI_DB: validated,
    /// stored on the audit trail, and every open deadline they touch recomputed.
    Load {
        /// One or more files, loaded in order.
        #[arg(required = true)]
        files: Vec<String>,
        /// Only check the files against the database's calendar; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// List every year the calendar covers and where its notices come from.
    Years,
}

#[derive(Args, Debug)]
pub struct DeadlineArgs {
    /// Rule id, e.g. disclosure.reply (see `fazhi rules list`).
    rule: String,
    /// A case event KIND[:DETAIL]=DATE, e.g. received=2020-03-02, suspended:hearing=2020-03-05,
    /// resumed=2020-03-10, extended=2020-03-20, closed=2020-04-01. Repeatable.
    #[arg(long = "event", short = 'e', value_name = "KIND=DATE")]
    events: Vec<String>,
    /// The day to judge the status on (default: today, Beijing time).
    #[arg(long)]
    today: Option<String>,
    /// Print JSON instead of plain text.
    #[arg(long)]
    json: bool,
    /// Count on this database's calendar (bundled years plus loaded ones).
    #[arg(long, env = "FAZHI_DB")]
    db: Option<String>,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    cmd: RulesCmd,
}

#[derive(Subcommand, Debug)]
enum RulesCmd {
    /// List the rules with their laws and articles.
    List {
        #[arg(long)]
        json: bool,
    },
}

fn bad(e: DeadlineError) -> CliError {
    CliError::usage(format!("{}\n{}", e.zh, e.en))
}

fn date(s: &str) -> Result<NaiveDate, CliError> {
    parse_date(s).map_err(bad)
}

fn count(s: &str) -> Result<u32, CliError> {
    s.trim().parse::<u32>().map_err(|_| {
        CliError::usage(format!(
            "“{s}” 不是非负整数\n`{s}` is not a non-negative whole number"
        ))
    })
}

fn cal_err(e: fazhi_calendar::CalendarError) -> CliError {
    CliError::usage(e.to_string())
}

fn write_err(e: std::io::Error) -> CliError {
    CliError::failure(format!("写入输出失败 / cannot write output: {e}"))
}

/// The bundled calendar, or with `--db` the database's (bundled years plus loaded ones).
fn calendar_of(db: Option<&str>) -> Result<Calendar, CliError> {
    let Some(url) = db else {
        return Ok(Calendar::bundled().clone());
    };
    crate::cmd_server::runtime()?.block_on(async {
        let conn =
            crate::cmd_server::open_db(&crate::cmd_server::DbArgs { db: url.into() }).await?;
        let cal = conn
            .calendar()
            .await
            .map_err(crate::cmd_server::store_error);
        conn.close().await;
        cal
    })
}

pub fn run_calendar(a: CalendarArgs) -> CliResult {
    match &a.cmd {
        CalendarCmd::Load { files, check } => return load(a.db.as_deref(), files, *check, a.json),
        CalendarCmd::Years => return years(a.db.as_deref(), a.json),
        _ => {}
    }
    let base = calendar_of(a.db.as_deref())?;
    let cal = if a.assume_weekends_only {
        base.assuming_weekends_only()
    } else {
        base
    };
    let assumed = a.assume_weekends_only;
    match a.cmd {
        CalendarCmd::IsWorkday { date: d, stdin } => match (d, stdin) {
            (None, true) => batch(|line| {
                Ok(cal
                    .is_working_day(date(line)?)
                    .map_err(cal_err)?
                    .to_string())
            }),
            (Some(d), false) => {
                let d = date(&d)?;
                let v = cal.is_working_day(d).map_err(cal_err)?;
                if a.json {
                    let kind = cal.day_kind(d).map_err(cal_err)?;
                    print_json(&serde_json::json!({
                        "date": d, "working_day": v, "reason_zh": kind.reason_zh(),
                        "reason_en": kind.reason_en(), "assumed_weekends_only": assumed,
                    }));
                } else {
                    println!("{v}");
                }
                Ok(())
            }
            _ => Err(CliError::usage(
                "请给出日期或 --stdin（二选一）\ngive either DATE or --stdin",
            )),
        },
        CalendarCmd::Add { args, days, stdin } => {
            let add = |d: NaiveDate, n: u32| {
                if days {
                    cal.add_days_rolled(d, n)
                } else {
                    cal.add_working_days(d, n)
                }
                .map_err(cal_err)
            };
            match (args.as_slice(), stdin) {
                ([n], true) => {
                    let n = count(n)?;
                    batch(|line| Ok(add(date(line)?, n)?.to_string()))
                }
                ([d, n], false) => {
                    let (d, n) = (date(d)?, count(n)?);
                    let r = add(d, n)?;
                    if a.json {
                        let unit = if days { "day" } else { "working_day" };
                        print_json(&serde_json::json!({
                            "from": d, "n": n, "unit": unit, "result": r, "assumed_weekends_only": assumed,
                        }));
                    } else {
                        println!("{r}");
                    }
                    Ok(())
                }
                _ => Err(CliError::usage(
                    "用法：calendar add DATE N，或 calendar add --stdin N\nusage: calendar add DATE N, or calendar add --stdin N",
                )),
            }
        }
        CalendarCmd::Between { from, to } => {
            let (f, t) = (date(&from)?, date(&to)?);
            let n = cal.working_days_between(f, t).map_err(cal_err)?;
            if a.json {
                print_json(&serde_json::json!({
                    "from": f, "to": t, "working_days": n, "assumed_weekends_only": assumed,
                }));
            } else {
                println!("{n}");
            }
            Ok(())
        }
        CalendarCmd::Load { .. } | CalendarCmd::Years => unreachable!("handled above"),
    }
}

fn need_db(db: Option<&str>) -> Result<crate::cmd_server::DbArgs, CliError> {
    db.map(|d| crate::cmd_server::DbArgs { db: d.into() })
        .ok_or_else(|| {
            CliError::usage(
                "请用 --db 或 FAZHI_DB 指定数据库\nname the database with --db or FAZHI_DB",
            )
        })
}

fn load(db: Option<&str>, files: &[String], check: bool, json: bool) -> CliResult {
    let db = need_db(db)?;
    let texts = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .map(|t| (f.clone(), t))
                .map_err(|e| CliError::usage(format!("无法读取 {f}：{e}\ncannot read {f}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    crate::cmd_server::runtime()?.block_on(async {
        let conn = crate::cmd_server::open_db(&db).await?;
        let admin = fazhi_store::access::AdminHandle::command_line("calendar load");
        let mut reports = Vec::new();
        for (file, text) in &texts {
            let name = std::path::Path::new(file)
                .file_name()
                .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
            if check {
                let notices = fazhi_store::calendar::check(&conn, &name, text)
                    .await
                    .map_err(crate::cmd_server::store_error)?;
                if !json {
                    for n in &notices {
                        println!("{file}: ok: {} {} {}", n.year, n.kind, n.title);
                    }
                }
                reports.push(serde_json::json!({ "file": file, "notices": notices }));
                continue;
            }
            let r = fazhi_store::calendar::load(&conn, &admin, &name, text)
                .await
                .map_err(crate::cmd_server::store_error)?;
            if !json {
                let years: Vec<String> = r.years.iter().map(|y| y.to_string()).collect();
                println!(
                    "{file}: 已载入 {} 则通知（{} 年），重新计算 {} 个在办案件，{} 个期限变动 / loaded {} notice(s) for {}, recomputed {} open case(s), {} due date(s) moved",
                    r.notices.len(), years.join("、"), r.recomputed, r.moved.len(),
                    r.notices.len(), years.join(", "), r.recomputed, r.moved.len()
                );
                for m in &r.moved {
                    println!(
                        "  case {} {} {} ({}): {} -> {}",
                        m.case_id,
                        m.unit_name,
                        m.procedure,
                        m.deadline_key,
                        m.from.as_deref().unwrap_or("-"),
                        m.to.as_deref().unwrap_or("-")
                    );
                }
            }
            reports.push(serde_json::to_value(&r).expect("a load report serialises"));
        }
        conn.close().await;
        if json {
            print_json(&serde_json::Value::Array(reports));
        }
        Ok(())
    })
}

fn years(db: Option<&str>, json: bool) -> CliResult {
    let rows = match db {
        Some(url) => crate::cmd_server::runtime()?.block_on(async {
            let conn =
                crate::cmd_server::open_db(&crate::cmd_server::DbArgs { db: url.into() }).await?;
            let rows = fazhi_store::calendar::years(&conn)
                .await
                .map_err(crate::cmd_server::store_error);
            conn.close().await;
            rows
        })?,
        None => fazhi_store::calendar::bundled_years(),
    };
    if json {
        print_json(&serde_json::to_value(&rows).expect("years serialise"));
        return Ok(());
    }
    for y in &rows {
        for n in &y.notices {
            let source = match (&n.file, &n.loaded_at, &n.loaded_by) {
                (Some(f), Some(at), Some(by)) => format!("载入 loaded {f} {at} {by}"),
                _ => "内置 bundled".to_owned(),
            };
            println!(
                "{}\t{}\t{}{}\t{source}",
                y.year,
                n.kind,
                n.title,
                n.document_number
                    .as_deref()
                    .map_or(String::new(), |d| format!("（{d}）"))
            );
        }
    }
    Ok(())
}

/// Answer one question per input line; stop at the first bad line, naming it.
fn batch(mut f: impl FnMut(&str) -> Result<String, CliError>) -> CliResult {
    let stdin = std::io::stdin();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line =
            line.map_err(|e| CliError::failure(format!("读取输入失败 / cannot read input: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer =
            f(&line).map_err(|e| CliError::usage(format!("stdin:{}: {}", i + 1, e.message)))?;
        writeln!(out, "{answer}").map_err(write_err)?;
    }
    out.flush().map_err(write_err)
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub fn run_deadline(a: DeadlineArgs) -> CliResult {
    let book = RuleBook::bundled();
    let rule = book.require(&a.rule).map_err(bad)?;
    let mut events = Vec::new();
    for e in &a.events {
        events.extend(Event::parse_all(e).map_err(bad)?);
    }
    let today = match &a.today {
        Some(t) => date(t)?,
        None => fazhi_store::clock::today(),
    };
    // Years without a notice are counted on weekdays alone, and the result says so.
    let cal = calendar_of(a.db.as_deref())?.assuming_weekends_only();
    let d = explain(&cal, rule, book.kinds(), &events, today).map_err(bad)?;
    if a.json {
        print_json(&d.to_json());
        return Ok(());
    }
    let show = |x: Option<NaiveDate>| x.map_or("-".to_owned(), |d| d.to_string());
    let mark = if d.is_provisional() {
        " (待确认 provisional)"
    } else {
        ""
    };
    println!("due: {}{mark}", show(d.due));
    println!("warning: {}", show(d.warning));
    println!("status: {}", d.status.name());
    if d.is_provisional() {
        let years: Vec<String> = d.provisional_years.iter().map(|y| y.to_string()).collect();
        println!("provisional: {}", years.join(", "));
    }
    println!();
    for l in &d.explanation {
        println!("{}", l.zh);
    }
    println!();
    for l in &d.explanation {
        println!("{}", l.en);
    }
    Ok(())
}

pub fn run_rules(a: RulesArgs) -> CliResult {
    let book = RuleBook::bundled();
    match a.cmd {
        RulesCmd::List { json: true } => print_json(&book.to_json()),
        RulesCmd::List { json: false } => {
            for r in book.rules() {
                println!("{}\t{} / {}", r.id, r.title, r.title_en);
                for v in &r.versions {
                    let span = match v.effective_to {
                        Some(t) => format!("{}..{}", v.effective_from, t),
                        None => format!("{}..", v.effective_from),
                    };
                    let period = v.period.map_or("no time limit".to_owned(), |p| {
                        format!("{} {}", p.length, p.unit.en())
                    });
                    let ext = v.extension.as_ref().map_or(String::new(), |e| {
                        format!(
                            ", +{} {} ({})",
                            e.max.length,
                            e.max.unit.en(),
                            e.approver_en
                        )
                    });
                    println!("  {span}\t{}{}\t{period}{ext}", v.law, v.article);
                }
            }
        }
    }
    Ok(())
}

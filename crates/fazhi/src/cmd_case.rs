//! `fazhi case open|act|show` and `fazhi sweep`: cases of statutory procedures from scripts.
//! The command line acts as the system on the server: it acts for the named unit as its officer
//! (open, act) and reads as a supervisor (show), and says so on the audit trail.

use crate::cmd_server::{open_db, runtime, store_error, DbArgs};
use crate::error::{CliError, CliResult};
use chrono::NaiveDate;
use clap::Subcommand;
use fazhi_store::access::{Role, RoleGrant};
use fazhi_store::{cases, Principal};
use std::collections::BTreeMap;

#[derive(Subcommand, Debug)]
pub enum CaseCmd {
    /// Open a case of PROCEDURE for a unit; prints the case id and its deadlines.
    Open {
        #[command(flatten)]
        db: DbArgs,
        procedure: String,
        /// The responsible unit (key or a name that resolves to one unit).
        #[arg(long)]
        unit: String,
        /// The day the case starts (YYYY-MM-DD).
        #[arg(long)]
        on: NaiveDate,
        /// A field of the opening action, repeatable: K=V.
        #[arg(long = "field")]
        fields: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Apply a dated action to a case.
    Act {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
        action: String,
        #[arg(long)]
        on: NaiveDate,
        #[arg(long = "field")]
        fields: Vec<String>,
        /// The sequence number of an earlier action this one corrects.
        #[arg(long)]
        corrects: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Show a case: steps, deadlines with explanations, history.
    Show {
        #[command(flatten)]
        db: DbArgs,
        id: i64,
        /// Judge deadlines on this day (default today, China Standard Time).
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
}

fn parse_fields(pairs: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| CliError::usage(format!("字段应写作 K=V:{p}\na field is K=V: {p}")))
        })
        .collect()
}

/// The principal the command line acts as: an officer of `unit`, or a supervisor of all units.
fn system_principal(unit_id: i64, unit_key: &str, role: Role, command: &str) -> Principal {
    Principal::system(
        unit_id,
        unit_key,
        vec![RoleGrant { role, scope: None }],
        command,
    )
}

pub fn today_cst() -> NaiveDate {
    fazhi_store::clock::today()
}

pub fn run(cmd: CaseCmd) -> CliResult {
    runtime()?.block_on(async {
        match cmd {
            CaseCmd::Open {
                db,
                procedure,
                unit,
                on,
                fields,
                json,
            } => {
                let fields = parse_fields(&fields)?;
                let conn = open_db(&db).await?;
                let key = crate::cmd_server::resolve_unit_key(&conn, &unit).await?;
                let row = fazhi_store::directory::unit_by_key(&conn, &key)
                    .await
                    .map_err(store_error)?;
                let who = system_principal(row.id, &key, Role::Officer, "case open");
                let handle = who.write_unit(&conn, &key).await.map_err(store_error)?;
                // Through the referral check, so a reconsideration case that names the petition
                // it was referred from is checked and linked as on the web.
                let id =
                    fazhi_store::referrals::open_case(&conn, &handle, &who, &procedure, on, fields)
                        .await
                        .map_err(store_error)?;
                print_case(&conn, id, on, json).await
            }
            CaseCmd::Act {
                db,
                id,
                action,
                on,
                fields,
                corrects,
                json,
            } => {
                let fields = parse_fields(&fields)?;
                let conn = open_db(&db).await?;
                let (unit_id, unit_key) = case_unit(&conn, id).await?;
                let who = system_principal(unit_id, &unit_key, Role::Officer, "case act");
                let out = cases::act(&conn, &who, id, &action, on, fields, corrects)
                    .await
                    .map_err(store_error)?;
                for linked in &out.linked {
                    eprintln!("opened linked case {linked} / 已生成关联案件 {linked}");
                }
                print_case(&conn, id, on, json).await
            }
            CaseCmd::Show { db, id, on, json } => {
                let conn = open_db(&db).await?;
                print_case(&conn, id, on.unwrap_or_else(today_cst), json).await
            }
        }
    })
}

async fn case_unit(conn: &fazhi_store::Db, id: i64) -> Result<(i64, String), CliError> {
    let who = system_principal(0, "", Role::Supervisor, "case show");
    let list = cases::list(conn, &who, &cases::CaseFilter::default(), today_cst())
        .await
        .map_err(store_error)?;
    let c = list
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| CliError::not_found(format!("没有案件 {id}\nno case {id}")))?;
    let row = fazhi_store::directory::unit_by_key(conn, &c.unit_key)
        .await
        .map_err(store_error)?;
    Ok((row.id, c.unit_key))
}

async fn print_case(conn: &fazhi_store::Db, id: i64, on: NaiveDate, json: bool) -> CliResult {
    let who = system_principal(0, "", Role::Supervisor, "case show");
    let view = cases::view(conn, &who, id, on).await.map_err(store_error)?;
    if json {
        let mut v = serde_json::to_value(&view).expect("a case view serialises");
        // Personal values stay out of machine output unless asked for on the page.
        v.as_object_mut().map(|o| o.remove("personal"));
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("JSON serialises")
        );
        return Ok(());
    }
    let s = &view.summary;
    println!(
        "case {} · {} / {} · {} · step {}",
        s.id, s.procedure_name_zh, s.procedure_name_en, s.unit_name, s.step
    );
    for d in &view.deadlines {
        let due = d.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
        let provisional = if d.provisional {
            " (待确认 provisional)"
        } else {
            ""
        };
        println!(
            "  {} due {due}{provisional} [{}] {} {}",
            d.key, d.status, d.law, d.article
        );
        for line in d.explanation_en.lines() {
            println!("    {line}");
        }
    }
    for a in &view.state.history {
        println!("  #{} {} {} by {}", a.seq, a.on, a.action, a.actor);
    }
    Ok(())
}

pub fn sweep(db: DbArgs, on: Option<NaiveDate>, json: bool) -> CliResult {
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        let on = on.unwrap_or_else(today_cst);
        // A manual sweep is its own period, so it always runs; alerts are never raised twice.
        let period = format!("manual {on} {}", fazhi_store::now_text());
        let r = cases::sweep(&conn, on, &period, "cli")
            .await
            .map_err(store_error)?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&r).expect("JSON serialises")
            );
        } else if r.preview {
            println!(
                "{on} 尚未到来，仅预览，未作任何记录：将产生 {} 条临期提醒、{} 条超期告警 / {on} has not come yet: a preview, nothing recorded: {} due-soon warnings and {} overdue alarms would be raised",
                r.warnings, r.alarms, r.warnings, r.alarms
            );
        } else {
            println!(
                "swept {on}: {} due-soon warnings, {} overdue alarms raised",
                r.warnings, r.alarms
            );
        }
        Ok(())
    })
}

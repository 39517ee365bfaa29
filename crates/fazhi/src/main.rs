//! `fazhi`: the command-line entry point. Each verb lives in its own `cmd_*` module; this file
//! only parses arguments and dispatches.

mod cmd_case;
mod cmd_discretion;
mod cmd_server;
mod demo;
mod error;
// @mods (helpers add `mod cmd_xxx;` lines here)
mod cmd_calendar;
mod cmd_plan;
mod cmd_procedure;

use clap::{Parser, Subcommand};
use error::{CliError, CliResult};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "fazhi",
    version,
    about = "fazhi (法治): law-based administration, on time and on record"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web server and API (SQLite by default; migrations run on start).
    Serve(cmd_server::ServeArgs),
    /// Apply database migrations and exit.
    Migrate(cmd_server::DbArgs),
    /// Accounts.
    #[command(subcommand)]
    User(cmd_server::UserCmd),
    /// The hash-chained audit trail.
    #[command(subcommand)]
    Audit(cmd_server::AuditCmd),
    /// Write a consistent online copy of the SQLite database to PATH.
    Backup {
        #[command(flatten)]
        db: cmd_server::DbArgs,
        path: String,
    },
    /// Penalty discretion benchmarks: check, evaluate, batch, import, list.
    #[command(subcommand)]
    Discretion(cmd_discretion::DiscretionCmd),
    /// Cases of statutory procedures.
    #[command(subcommand)]
    Case(cmd_case::CaseCmd),
    /// Raise due-soon warnings and overdue alarms for every open case (once each).
    Sweep {
        #[command(flatten)]
        db: cmd_server::DbArgs,
        /// The day to sweep as (default today, China Standard Time).
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    // @commands (helpers add variants here)
    /// Statutory procedure definitions: list, check.
    #[command(subcommand)]
    Procedure(cmd_procedure::ProcedureCmd),
    /// Work-plan notices: parse.
    #[command(subcommand)]
    Plan(cmd_plan::PlanCmd),
    /// The organisation directory: resolve.
    #[command(subcommand)]
    Org(cmd_plan::OrgCmd),
    /// Working-day calendar: is-workday, add, between.
    Calendar(cmd_calendar::CalendarArgs),
    /// Compute a statutory deadline from a case's dated events, with an explanation.
    Deadline(cmd_calendar::DeadlineArgs),
    /// List the deadline rules with their laws and articles.
    Rules(cmd_calendar::RulesArgs),
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Serve(args) => cmd_server::serve(args),
        Command::Migrate(db) => cmd_server::migrate(db),
        Command::User(cmd) => cmd_server::user(cmd),
        Command::Audit(cmd) => cmd_server::audit(cmd),
        Command::Backup { db, path } => cmd_server::backup(db, path),
        Command::Discretion(cmd) => cmd_discretion::run(cmd),
        Command::Case(cmd) => cmd_case::run(cmd),
        Command::Sweep { db, on, json } => cmd_case::sweep(db, on, json),
        // @dispatch (helpers add match arms here)
        Command::Procedure(cmd) => cmd_procedure::run(cmd),
        Command::Plan(cmd) => cmd_plan::run_plan(cmd),
        Command::Org(cmd) => cmd_plan::run_org(cmd),
        Command::Calendar(a) => cmd_calendar::run_calendar(a),
        Command::Deadline(a) => cmd_calendar::run_deadline(a),
        Command::Rules(a) => cmd_calendar::run_rules(a),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError { exit, message }) => {
            eprintln!("{message}");
            ExitCode::from(exit)
        }
    }
}

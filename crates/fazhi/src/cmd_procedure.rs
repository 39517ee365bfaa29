//! `fazhi procedure list` and `fazhi procedure check FILE…`: the statutory procedure
//! definitions on the command line. Loading and checking live in `fazhi-procedure`; this module
//! only reads files, parses arguments and prints.

use crate::error::{CliError, CliResult};
use clap::Subcommand;
use fazhi_procedure::{Procedure, ProcedureSet};

#[derive(Subcommand, Debug)]
pub enum ProcedureCmd {
    /// List the bundled procedures with their versions, steps, actions and deadline rules.
    List {
        /// Print JSON instead of plain text.
        #[arg(long)]
        json: bool,
    },
    /// Check definition files (unknown rules, roles, fields or steps; unreachable or dead-end
    /// steps). Links may name the bundled procedures. Exit 2 on the first error, naming file
    /// and line.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
}

pub fn run(cmd: ProcedureCmd) -> CliResult {
    match cmd {
        ProcedureCmd::List { json } => list(ProcedureSet::bundled(), json),
        ProcedureCmd::Check { files } => check(&files),
    }
}

fn summary_json(p: &Procedure) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "name_zh": p.name_zh,
        "name_en": p.name_en,
        "file": p.file,
        "versions": p.versions,
        "steps": p.steps,
        "actions": p.actions.iter().map(|a| serde_json::json!({
            "id": a.id, "name_zh": a.name_zh, "name_en": a.name_en,
            "from": a.from, "to": a.to, "once": a.once, "versions": a.versions,
        })).collect::<Vec<_>>(),
        "deadlines": p.deadlines,
        "personal_fields": p.fields.iter().filter(|f| f.personal).map(|f| &f.id).collect::<Vec<_>>(),
    })
}

fn list(set: &ProcedureSet, json: bool) -> CliResult {
    if json {
        let v: Vec<_> = set.procedures().iter().map(summary_json).collect();
        let text =
            serde_json::to_string_pretty(&v).map_err(|e| CliError::failure(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    for p in set.procedures() {
        println!("{}\t{} / {}\t{}", p.id, p.name_zh, p.name_en, p.file);
        for v in &p.versions {
            let to = v.effective_to.map_or(String::new(), |t| t.to_string());
            println!(
                "  version {}\t{}..{}\t{}",
                v.id, v.effective_from, to, v.law
            );
        }
        let steps: Vec<_> = p.steps.iter().map(|s| s.id.as_str()).collect();
        println!("  steps\t{}", steps.join(", "));
        let actions: Vec<_> = p.actions.iter().map(|a| a.id.as_str()).collect();
        println!("  actions\t{}", actions.join(", "));
        let rules: Vec<_> = p
            .deadlines
            .iter()
            .map(|d| format!("{}={}", d.key, d.rule))
            .collect();
        println!("  deadlines\t{}", rules.join(", "));
    }
    Ok(())
}

fn check(files: &[String]) -> CliResult {
    let mut texts = Vec::new();
    for f in files {
        let t = std::fs::read_to_string(f)
            .map_err(|e| CliError::usage(format!("cannot read {f}: {e}")))?;
        texts.push((f.as_str(), t));
    }
    let pairs: Vec<(&str, &str)> = texts.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let set = ProcedureSet::check(&pairs).map_err(|e| CliError::usage(e.to_string()))?;
    for p in set.procedures() {
        println!(
            "ok\t{}\t{}\t{} steps, {} actions, {} deadlines",
            p.file,
            p.id,
            p.steps.len(),
            p.actions.len(),
            p.deadlines.len()
        );
    }
    Ok(())
}

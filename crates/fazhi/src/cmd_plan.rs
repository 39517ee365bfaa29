//! `fazhi plan parse FILE` and `fazhi org resolve NAME`: the command-line face of the pure
//! crates fazhi-plan and fazhi-org. This module reads the file; the crates never do I/O.
//!
//! Both commands resolve names against the database's directory (with the aliases people have
//! mapped) when `--db` or `FAZHI_DB` names one, and otherwise against the Bazhong 2008 directory
//! bundled with fazhi-org.

use crate::error::{CliError, CliResult};
use clap::Subcommand;
use fazhi_org::{Directory, Resolution};
use fazhi_plan::{DeadlineSource, Plan, RefKind, UnitRef};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// Parse a work-plan notice (UTF-8 text) and show its items with their units and deadlines.
    Parse {
        /// The notice as a UTF-8 text file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Resolve against this database's directory instead of the bundled one.
        #[arg(long, env = "FAZHI_DB")]
        db: Option<String>,
    },
    /// Parse a notice and store it as tracked items with their units (idempotent: importing the
    /// same notice again changes nothing). Names are resolved against the stored directory.
    Import {
        #[command(flatten)]
        db: crate::cmd_server::DbArgs,
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCmd {
    /// Load an organisation directory file (TOML) into the database (idempotent).
    Import {
        #[command(flatten)]
        db: crate::cmd_server::DbArgs,
        file: String,
    },
    /// Resolve a unit name as plans write it ("法制", "市级各部门") to canonical unit name(s).
    Resolve {
        name: String,
        /// Print JSON instead of one name per line.
        #[arg(long)]
        json: bool,
        /// Resolve against this database's directory instead of the bundled one.
        #[arg(long, env = "FAZHI_DB")]
        db: Option<String>,
    },
}

fn directory(db: Option<&str>) -> Result<Directory, CliError> {
    match db {
        None => Ok(Directory::bundled_bazhong_2008()),
        Some(url) => crate::cmd_server::stored_directory(url),
    }
}

pub fn run_plan(cmd: PlanCmd) -> CliResult {
    match cmd {
        PlanCmd::Parse { file, json, db } => plan_parse(&file, json, db.as_deref()),
        PlanCmd::Import { db, file } => crate::cmd_server::plan_import(db, read_notice(&file)?),
    }
}

pub fn run_org(cmd: OrgCmd) -> CliResult {
    match cmd {
        OrgCmd::Resolve { name, json, db } => org_resolve(&name, json, db.as_deref()),
        OrgCmd::Import { db, file } => crate::cmd_server::org_import(db, file),
    }
}

/// A notice's text and the name to show for it in errors.
pub struct Notice {
    pub shown: String,
    pub text: String,
}

fn read_notice(file: &PathBuf) -> Result<Notice, CliError> {
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => CliError::usage(format!("{shown}: no such file")),
        _ => CliError::failure(format!("{shown}: cannot read: {e}")),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::usage(format!("{shown}: not UTF-8 text (invalid byte at offset {}); convert it first, e.g. iconv -f GB18030 -t UTF-8", e.utf8_error().valid_up_to()))
    })?;
    Ok(Notice { shown, text })
}

fn plan_parse(file: &PathBuf, as_json: bool, db: Option<&str>) -> CliResult {
    let Notice { shown, text } = read_notice(file)?;
    let plan = fazhi_plan::parse_and_resolve(&text, &directory(db)?)
        .map_err(|e| CliError::usage(format!("{shown}: {e}")))?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&plan_json(&plan)).expect("JSON values serialise")
        );
    } else {
        print!("{}", plan_text(&plan));
    }
    Ok(())
}

fn refs_json(refs: &[UnitRef]) -> Value {
    Value::Array(
        refs.iter()
            .map(|r| json!({ "name": r.name, "units": r.units }))
            .collect(),
    )
}

fn plan_json(plan: &Plan) -> Value {
    let items: Vec<Value> = plan
        .items
        .iter()
        .map(|i| {
            json!({
                "number": i.number,
                "title": i.title,
                "lead": refs_json(&i.lead),
                "co_lead": refs_json(&i.co_lead),
                "participants": refs_json(&i.participants),
                "deadline": i.deadline,
                "milestones": i.milestones,
            })
        })
        .collect();
    json!({
        "title": plan.title,
        "doc_number": plan.doc_number,
        "issuer": plan.issuer,
        "issued_on": plan.issued_on,
        "items": items,
        "warnings": plan.warnings,
    })
}

fn ref_text(r: &UnitRef) -> String {
    match r.resolution {
        RefKind::Unit if r.units.len() == 1 && r.units[0] == r.name => r.name.clone(),
        RefKind::Unit => format!("{} → {}", r.name, r.units.join("、")),
        RefKind::Group => format!(
            "{} → {} units ({})",
            r.name,
            r.units.len(),
            r.group.as_deref().unwrap_or("")
        ),
        RefKind::ChooseFromGroup => format!("{} → to be chosen per item", r.name),
        RefKind::Unknown => format!("{} → ? (not in the directory)", r.name),
        RefKind::Unresolved => r.name.clone(),
    }
}

fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(plan.title.clone());
    if let Some(d) = &plan.doc_number {
        line(format!("document number: {d}"));
    }
    if let Some(i) = &plan.issuer {
        line(format!("issuer: {i}"));
    }
    if let Some(d) = plan.issued_on {
        line(format!("issued on: {d}"));
    }
    line(format!("{} items", plan.items.len()));
    for item in &plan.items {
        line(String::new());
        line(format!("{} {}", item.number, item.title));
        for (label, refs) in [
            ("lead", &item.lead),
            ("co-lead", &item.co_lead),
            ("participants", &item.participants),
        ] {
            if !refs.is_empty() {
                line(format!(
                    "  {label}: {}",
                    refs.iter().map(ref_text).collect::<Vec<_>>().join("; ")
                ));
            }
        }
        let source = match item.deadline_source {
            DeadlineSource::Explicit => "stated",
            DeadlineSource::EndOfPlanYear => "end of plan year",
        };
        line(format!("  deadline: {} ({source})", item.deadline));
        for m in &item.milestones {
            line(format!("  milestone: {} {}", m.date, m.text));
        }
    }
    if !plan.warnings.is_empty() {
        line(String::new());
        for w in &plan.warnings {
            line(format!("warning (character {}): {}", w.offset, w.message));
        }
    }
    out
}

fn org_resolve(name: &str, as_json: bool, db: Option<&str>) -> CliResult {
    let dir = directory(db)?;
    let res = dir.resolve(name);
    let names = dir.canonical_names(&res);
    let suggestions: Vec<String> = match &res {
        Resolution::Unknown { suggestions } => suggestions
            .iter()
            .filter_map(|k| dir.unit(k).map(|u| u.name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    if as_json {
        let group = match &res {
            Resolution::Group { group_key, .. } | Resolution::ChooseFromGroup { group_key } => {
                Some(group_key.clone())
            }
            _ => None,
        };
        let v = json!({
            "name": name,
            "resolution": res.kind_str(),
            "units": names,
            "keys": res.unit_keys(),
            "group": group,
            "suggestions": suggestions,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("JSON values serialise")
        );
    } else {
        for n in &names {
            println!("{n}");
        }
    }
    match res {
        Resolution::Unit(_) | Resolution::Group { .. } => Ok(()),
        Resolution::ChooseFromGroup { group_key } => Err(CliError::not_found(format!(
            "\"{name}\" is the unit group `{group_key}`, whose units are chosen per plan item: it names no fixed units"
        ))),
        Resolution::Unknown { .. } if suggestions.is_empty() => Err(CliError::not_found(format!("no unit or unit group is named \"{name}\""))),
        Resolution::Unknown { .. } => Err(CliError::not_found(format!(
            "no unit or unit group is named \"{name}\"; did you mean: {}",
            suggestions.join(", ")
        ))),
    }
}

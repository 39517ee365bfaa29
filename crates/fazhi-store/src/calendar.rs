//! The working-day calendar a database counts on: the bundled State Council notices plus the
//! notices a deployment loaded at run time (`fazhi calendar load`, or the administrator's
//! upload page), kept whole in `calendar_files` and on the audit trail.
//!
//! Loading a notice recomputes, in the same audited transaction, every open deadline it can
//! touch; the due dates it moved are kept in `deadline_moves` for the supervisors to see.
//! Every process sharing the database picks the new calendar up within [`RECHECK`].

use crate::access::{AdminHandle, Principal};
use crate::audit::AuditEntry;
use crate::{Db, StoreError, StoreResult};
use chrono::{Datelike, NaiveDate};
use fazhi_calendar::Calendar;
use fazhi_procedure::ProcedureSet;
use serde::Serialize;
use sqlx::Row;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a process trusts its calendar before asking the database whether another process
/// loaded a notice (one indexed `MAX(id)`).
pub const RECHECK: Duration = Duration::from_secs(1);

/// The largest calendar file accepted: a year's notice is a few kilobytes.
pub const MAX_FILE_BYTES: usize = 256 * 1024;

#[derive(Default, Debug)]
pub struct Cache {
    current: RwLock<Option<Current>>,
}

#[derive(Clone, Debug)]
struct Current {
    /// `MAX(id)` of `calendar_files` the calendar was built from.
    version: i64,
    checked: Instant,
    calendar: Calendar,
    set: Arc<ProcedureSet>,
}

impl Db {
    /// The procedures counted on this database's calendar.
    pub async fn procedures(&self) -> StoreResult<Arc<ProcedureSet>> {
        Ok(current(self).await?.set)
    }

    /// This database's calendar, strict: a year without a notice is an error, not assumed.
    pub async fn calendar(&self) -> StoreResult<Calendar> {
        Ok(current(self).await?.calendar)
    }
}

async fn current(db: &Db) -> StoreResult<Current> {
    let cached = db
        .calendar
        .current
        .read()
        .expect("calendar cache lock")
        .clone();
    if let Some(c) = &cached {
        if c.checked.elapsed() < RECHECK {
            return Ok(c.clone());
        }
    }
    let version: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM calendar_files")
        .fetch_one(db.pool())
        .await?
        .get(0);
    let fresh = match cached {
        Some(c) if c.version == version => Current {
            checked: Instant::now(),
            ..c
        },
        _ => build(db, version).await?,
    };
    *db.calendar.current.write().expect("calendar cache lock") = Some(fresh.clone());
    Ok(fresh)
}

/// The stored files as the loader names them: `name (#id)`.
async fn stored_files(db: &Db) -> StoreResult<Vec<(String, String)>> {
    Ok(
        sqlx::query("SELECT id, name, text FROM calendar_files ORDER BY id")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| {
                (
                    file_label(r.get::<i64, _>(0), &r.get::<String, _>(1)),
                    r.get(2),
                )
            })
            .collect(),
    )
}

fn file_label(id: i64, name: &str) -> String {
    format!("{name} (#{id})")
}

async fn build(db: &Db, version: i64) -> StoreResult<Current> {
    let files = stored_files(db).await?;
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    // Every stored file was validated against the ones before it when it was loaded.
    let calendar = Calendar::bundled_with(&refs).map_err(|e| {
        StoreError::Migration(format!("the stored calendar files no longer load: {e}"))
    })?;
    let set = Arc::new(ProcedureSet::bundled().with_calendar(&calendar));
    Ok(Current {
        version,
        checked: Instant::now(),
        calendar,
        set,
    })
}

/// A due date a loaded notice moved.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Move {
    pub case_id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub procedure: String,
    pub deadline_key: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What loading a file did.
#[derive(Clone, Debug, Serialize)]
pub struct LoadReport {
    pub file_id: i64,
    pub name: String,
    pub sha256: String,
    /// The years its notices arrange.
    pub years: Vec<i32>,
    pub notices: Vec<NoticeInfo>,
    /// Open cases whose deadlines were recomputed.
    pub recomputed: usize,
    pub moved: Vec<Move>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NoticeInfo {
    pub year: i32,
    pub kind: &'static str,
    pub title: String,
    pub document_number: Option<String>,
    pub published: Option<NaiveDate>,
}

fn invalid_file(e: &fazhi_calendar::LoadError) -> StoreError {
    StoreError::invalid(
        "calendar file",
        format!(
            "放假安排文件有误，未作任何更改：{}:{}：{}",
            e.file, e.line, e.message
        ),
        format!("the holiday notice file was refused and nothing changed: {e}"),
    )
}

/// Check a file against the stored calendar without loading it: the notices it would add.
pub async fn check(db: &Db, name: &str, text: &str) -> StoreResult<Vec<NoticeInfo>> {
    Ok(validate(db, name, text).await?.1)
}

async fn validate(db: &Db, name: &str, text: &str) -> StoreResult<(Calendar, Vec<NoticeInfo>)> {
    if text.len() > MAX_FILE_BYTES {
        return Err(StoreError::invalid(
            "calendar file",
            format!("放假安排文件过大（最多 {} KB）", MAX_FILE_BYTES / 1024),
            format!(
                "the holiday notice file is too large (at most {} KB)",
                MAX_FILE_BYTES / 1024
            ),
        ));
    }
    let mut files = stored_files(db).await?;
    files.push((name.to_owned(), text.to_owned()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let calendar = Calendar::bundled_with(&refs).map_err(|e| invalid_file(&e))?;
    let notices = calendar
        .notices()
        .iter()
        .filter(|n| n.file == name)
        .map(|n| NoticeInfo {
            year: n.year,
            kind: n.kind.name(),
            title: n.title.clone(),
            document_number: n.document_number.clone(),
            published: n.published,
        })
        .collect();
    Ok((calendar, notices))
}

/// Validate and store a file of `[[notice]]` blocks, then recompute every open deadline it can
/// touch, all in one audited transaction. A bad file changes nothing.
pub async fn load(db: &Db, admin: &AdminHandle, name: &str, text: &str) -> StoreResult<LoadReport> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(StoreError::invalid(
            "name",
            "文件名须为 1–200 个字符",
            "a file name is 1–200 characters",
        ));
    }
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(text.as_bytes()))
    };
    if let Some(r) = sqlx::query("SELECT id, name FROM calendar_files WHERE sha256 = $1")
        .bind(&sha256)
        .fetch_optional(db.pool())
        .await?
    {
        let (id, old): (i64, String) = (r.get(0), r.get(1));
        return Err(StoreError::invalid(
            "calendar file",
            format!(
                "该文件已于此前载入（{}），未作任何更改",
                file_label(id, &old)
            ),
            format!(
                "this file was loaded before ({}); nothing changed",
                file_label(id, &old)
            ),
        ));
    }
    let (calendar, notices) = validate(db, name, text).await?;
    let mut years: Vec<i32> = notices.iter().map(|n| n.year).collect();
    years.sort_unstable();
    years.dedup();
    let set = ProcedureSet::bundled().with_calendar(&calendar);
    // Open deadlines a notice for these years can move: those still provisional, and those due
    // from the December before the first year on (a year's notice may declare December days).
    let first = years.first().copied().unwrap_or(0);
    let since = format!("{:04}-12-01", first - 1);

    let mut tx = db.begin_write().await?;
    let file_id: i64 = sqlx::query(
        "INSERT INTO calendar_files (name, text, sha256, years, loaded_at, loaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(name)
    .bind(text)
    .bind(&sha256)
    .bind(
        years
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(","),
    )
    .bind(crate::now_text())
    .bind(admin.actor())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    let (recomputed, moved) = crate::cases::recompute_open(&mut tx, &set, Some(&since)).await?;
    for m in &moved {
        sqlx::query(
            "INSERT INTO deadline_moves (calendar_file_id, case_id, unit_id, deadline_key, due_from, due_to) \
             SELECT $1, $2, u.id, $3, $4, $5 FROM units u WHERE u.key = $6",
        )
        .bind(file_id)
        .bind(m.case_id)
        .bind(&m.deadline_key)
        .bind(&m.from)
        .bind(&m.to)
        .bind(&m.unit_key)
        .execute(tx.conn())
        .await?;
    }
    let report = LoadReport {
        file_id,
        name: name.to_owned(),
        sha256,
        years,
        notices,
        recomputed,
        moved,
    };
    tx.audit(
        AuditEntry::new(admin.actor(), "calendar.load", "calendar_file", file_id)
            .after(serde_json::to_value(&report).expect("a load report serialises")),
    )
    .await?;
    tx.commit().await?;
    // This process counts on the new calendar at once; others within RECHECK.
    *db.calendar.current.write().expect("calendar cache lock") = None;
    Ok(report)
}

/// After the upgrade that brought run-time calendars: open cases stored while a year had no
/// notice kept deadlines without a due date. Count them again, provisionally where a notice is
/// still missing, in one audited step.
pub(crate) async fn recount_after_upgrade(db: &Db) -> StoreResult<usize> {
    let set = db.procedures().await?;
    let mut tx = db.begin_write().await?;
    let (recomputed, moved) = crate::cases::recompute_open(&mut tx, &set, None).await?;
    if recomputed == 0 {
        // Nothing to write: the transaction is dropped, which rolls it back.
        return Ok(0);
    }
    tx.audit(
        AuditEntry::new("migrate", "calendar.recount", "calendar", "0010")
            .after(serde_json::json!({ "recomputed": recomputed, "moved": moved })),
    )
    .await?;
    tx.commit().await?;
    Ok(recomputed)
}

/// One year the calendar covers and where its notices come from.
#[derive(Clone, Debug, Serialize)]
pub struct YearRow {
    pub year: i32,
    pub notices: Vec<YearNotice>,
}

#[derive(Clone, Debug, Serialize)]
pub struct YearNotice {
    pub kind: &'static str,
    pub title: String,
    pub document_number: Option<String>,
    /// `bundled`, or `loaded`.
    pub source: &'static str,
    /// For a loaded notice: the file, when and by whom.
    pub file: Option<String>,
    pub loaded_at: Option<String>,
    pub loaded_by: Option<String>,
}

/// The bundled years alone, as [`years`] lists them.
pub fn bundled_years() -> Vec<YearRow> {
    year_rows(Calendar::bundled(), &[])
}

/// Every year with a notice, ascending, with the source of each notice.
pub async fn years(db: &Db) -> StoreResult<Vec<YearRow>> {
    let calendar = db.calendar().await?;
    let loaded: Vec<(String, String, String)> =
        sqlx::query("SELECT id, name, loaded_at, loaded_by FROM calendar_files ORDER BY id")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| {
                (
                    file_label(r.get::<i64, _>(0), &r.get::<String, _>(1)),
                    r.get(2),
                    r.get(3),
                )
            })
            .collect();
    Ok(year_rows(&calendar, &loaded))
}

fn year_rows(calendar: &Calendar, loaded: &[(String, String, String)]) -> Vec<YearRow> {
    let mut out: Vec<YearRow> = Vec::new();
    for n in calendar.notices() {
        let from_file = loaded.iter().find(|(label, _, _)| *label == n.file);
        let notice = YearNotice {
            kind: n.kind.name(),
            title: n.title.clone(),
            document_number: n.document_number.clone(),
            source: if from_file.is_some() {
                "loaded"
            } else {
                "bundled"
            },
            file: from_file.map(|f| f.0.clone()),
            loaded_at: from_file.map(|f| f.1.clone()),
            loaded_by: from_file.map(|f| f.2.clone()),
        };
        match out.iter_mut().find(|y| y.year == n.year) {
            Some(y) => y.notices.push(notice),
            None => out.push(YearRow {
                year: n.year,
                notices: vec![notice],
            }),
        }
    }
    out.sort_by_key(|y| y.year);
    out
}

/// The year whose notice a supervisor should be told is missing on `today`: the current year
/// if it has none, else from 1 October the next year if it has none.
pub async fn missing_notice(db: &Db, today: NaiveDate) -> StoreResult<Option<i32>> {
    let covered = db.calendar().await?.covered_years();
    let year = today.year();
    if !covered.contains(&year) {
        return Ok(Some(year));
    }
    Ok((today.month() >= 10 && !covered.contains(&(year + 1))).then_some(year + 1))
}

/// The due dates loaded notices moved, newest first, in the units the person may read.
pub async fn recent_moves(db: &Db, who: &Principal, limit: i64) -> StoreResult<Vec<MoveRow>> {
    let scope = match who.readable_units() {
        crate::access::UnitSet::All => "1 = 1".to_string(),
        crate::access::UnitSet::None => return Ok(Vec::new()),
        // Unit ids come from the database, never from the request: safe to inline.
        crate::access::UnitSet::Some(ids) => {
            let v: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            format!("m.unit_id IN ({})", v.join(","))
        }
    };
    let rows = sqlx::query(&format!(
        "SELECT m.case_id, u.key, u.name, c.procedure, m.deadline_key, m.due_from, m.due_to, f.name, f.id, f.loaded_at \
         FROM deadline_moves m JOIN units u ON u.id = m.unit_id JOIN cases c ON c.id = m.case_id \
         JOIN calendar_files f ON f.id = m.calendar_file_id WHERE {scope} \
         ORDER BY m.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| MoveRow {
            moved: Move {
                case_id: r.get(0),
                unit_key: r.get(1),
                unit_name: r.get(2),
                procedure: r.get(3),
                deadline_key: r.get(4),
                from: r.get(5),
                to: r.get(6),
            },
            file: file_label(r.get::<i64, _>(8), &r.get::<String, _>(7)),
            loaded_at: r.get(9),
        })
        .collect())
}

#[derive(Clone, Debug, Serialize)]
pub struct MoveRow {
    #[serde(flatten)]
    pub moved: Move,
    pub file: String,
    pub loaded_at: String,
}

//! Plan tracking: a parsed plan notice becomes items with assigned units; each assigned unit
//! files dated progress reports; the lead unit closes the item. Lateness is computed from the
//! item's deadline on the official working-day calendar, never self-reported. A unit's reports
//! and their attachments are read by the units the item concerns (see [`ReportScope`]).

use crate::access::{AdminHandle, Principal, UnitRead, UnitSet, UnitWrite};
use crate::audit::AuditEntry;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;

/// An item is "due soon" from this many working days before its deadline.
pub const DUE_SOON_WORKING_DAYS: u32 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentRole {
    Lead,
    CoLead,
    Participant,
}

impl AssignmentRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::CoLead => "co_lead",
            Self::Participant => "participant",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "lead" => Self::Lead,
            "co_lead" => Self::CoLead,
            _ => Self::Participant,
        }
    }
    /// Lead and co-lead units answer for the item and may close it.
    pub fn answers_for_item(self) -> bool {
        matches!(self, Self::Lead | Self::CoLead)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    NotStarted,
    InProgress,
    Done,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }
    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "not_started" => Ok(Self::NotStarted),
            "in_progress" => Ok(Self::InProgress),
            "done" => Ok(Self::Done),
            _ => Err(StoreError::invalid(
                "status",
                format!("未知进展状态 {s}(可选 not_started、in_progress、done)"),
                format!("unknown status {s} (one of not_started, in_progress, done)"),
            )),
        }
    }
}

/// Where an item stands against its deadline on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Timing {
    OnTime,
    DueSoon,
    Overdue { days: i64 },
    ClosedOnTime,
    ClosedLate { days: i64 },
}

impl Timing {
    pub fn key(&self) -> &'static str {
        match self {
            Timing::OnTime => "on_time",
            Timing::DueSoon => "due_soon",
            Timing::Overdue { .. } => "overdue",
            Timing::ClosedOnTime => "closed_on_time",
            Timing::ClosedLate { .. } => "closed_late",
        }
    }
    pub fn is_overdue(&self) -> bool {
        matches!(self, Timing::Overdue { .. })
    }
}

/// The timing of a deadline on `today`, closed or not.
pub fn timing(deadline: NaiveDate, closed_on: Option<NaiveDate>, today: NaiveDate) -> Timing {
    if let Some(closed) = closed_on {
        let late = (closed - deadline).num_days();
        return if late > 0 {
            Timing::ClosedLate { days: late }
        } else {
            Timing::ClosedOnTime
        };
    }
    if today > deadline {
        return Timing::Overdue {
            days: (today - deadline).num_days(),
        };
    }
    // Outside the calendar's years (no holiday notice yet) a week before is used instead.
    let warn_from = fazhi_calendar::Calendar::bundled()
        .sub_working_days(deadline, DUE_SOON_WORKING_DAYS)
        .unwrap_or(deadline - chrono::Duration::days(7));
    if today >= warn_from {
        Timing::DueSoon
    } else {
        Timing::OnTime
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanRow {
    pub id: i64,
    pub plan_key: String,
    pub doc_number: Option<String>,
    pub title: String,
    pub issuer: Option<String>,
    pub issued_on: Option<String>,
    pub year: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Assignment {
    pub unit_key: String,
    pub unit_name: String,
    pub role: AssignmentRole,
    pub written: String,
    /// The unit's latest reported status on this item.
    pub status: ReportStatus,
    pub last_report_on: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    pub id: i64,
    pub plan_id: i64,
    pub number: String,
    pub title: String,
    pub body: String,
    pub deadline: String,
    pub deadline_source: String,
    pub closed_on: Option<String>,
    pub summary: Option<String>,
    pub milestones: Vec<(String, String)>,
    pub assignments: Vec<Assignment>,
    pub unresolved: Vec<String>,
    pub timing: Timing,
}

impl ItemView {
    pub fn role_of(&self, unit_key: &str) -> Option<AssignmentRole> {
        self.assignment(unit_key).map(|a| a.role)
    }

    /// The unit's assignment on this item (a cell of the plan matrix).
    pub fn assignment(&self, unit_key: &str) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.unit_key == unit_key)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ImportOutcome {
    pub plan_id: i64,
    /// False when the same notice was imported before: nothing was changed.
    pub created: bool,
    pub items: usize,
    pub assignments: usize,
    pub unresolved: Vec<String>,
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("dates are stored as YYYY-MM-DD")
}

/// Store a resolved plan. Importing the same notice (same document number, or the same title
/// when it has none) again changes nothing.
pub async fn import(
    db: &Db,
    admin: &AdminHandle,
    plan: &fazhi_plan::Plan,
) -> StoreResult<ImportOutcome> {
    let plan_key = plan
        .doc_number
        .clone()
        .unwrap_or_else(|| plan.title.clone());
    let existing = sqlx::query("SELECT id FROM plans WHERE plan_key = $1")
        .bind(&plan_key)
        .fetch_optional(db.pool())
        .await?;
    if let Some(r) = existing {
        let plan_id: i64 = r.get(0);
        let items: i64 = sqlx::query("SELECT COUNT(*) FROM plan_items WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(db.pool())
            .await?
            .get(0);
        return Ok(ImportOutcome {
            plan_id,
            created: false,
            items: items as usize,
            assignments: 0,
            unresolved: vec![],
        });
    }
    let unit_ids: HashMap<String, i64> = sqlx::query("SELECT key, id FROM units")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut tx = db.begin_write().await?;
    let plan_id: i64 = sqlx::query(
        "INSERT INTO plans (plan_key, doc_number, title, issuer, issued_on, year, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&plan_key)
    .bind(&plan.doc_number)
    .bind(&plan.title)
    .bind(&plan.issuer)
    .bind(plan.issued_on.map(date_text))
    .bind(plan.year as i64)
    .bind(crate::now_text())
    .fetch_one(tx.conn())
    .await
    .map_err(|e| StoreError::from_insert(e, "plan", &plan_key))?
    .get(0);
    let (mut assignments, mut unresolved) = (0, Vec::new());
    for (position, item) in plan.items.iter().enumerate() {
        let item_id: i64 = sqlx::query(
            "INSERT INTO plan_items (plan_id, position, number, title, body, deadline, deadline_source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(plan_id)
        .bind(position as i64)
        .bind(&item.number)
        .bind(&item.title)
        .bind(&item.body)
        .bind(date_text(item.deadline))
        .bind(serde_json::to_value(item.deadline_source).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .fetch_one(tx.conn())
        .await?
        .get(0);
        for m in &item.milestones {
            sqlx::query("INSERT INTO plan_milestones (item_id, due_on, text) VALUES ($1, $2, $3)")
                .bind(item_id)
                .bind(date_text(m.date))
                .bind(&m.text)
                .execute(tx.conn())
                .await?;
        }
        // A unit named in several roles keeps the strongest (lead over co-lead over participant).
        let roles = [
            (AssignmentRole::Lead, &item.lead),
            (AssignmentRole::CoLead, &item.co_lead),
            (AssignmentRole::Participant, &item.participants),
        ];
        for (role, refs) in roles {
            for r in refs.iter() {
                if r.keys.is_empty() {
                    sqlx::query(
                        "INSERT INTO plan_unresolved (item_id, role, written) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(item_id)
                    .bind(role.as_str())
                    .bind(&r.name)
                    .execute(tx.conn())
                    .await?;
                    unresolved.push(format!("{} {}: {}", item.number, role.as_str(), r.name));
                }
                for key in &r.keys {
                    let Some(&unit_id) = unit_ids.get(key) else {
                        return Err(StoreError::NotFound {
                            entity: "unit",
                            key: key.clone(),
                        });
                    };
                    let n = sqlx::query(
                        "INSERT INTO plan_assignments (item_id, unit_id, role, written) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (item_id, unit_id) DO NOTHING",
                    )
                    .bind(item_id)
                    .bind(unit_id)
                    .bind(role.as_str())
                    .bind(&r.name)
                    .execute(tx.conn())
                    .await?
                    .rows_affected();
                    assignments += n as usize;
                }
            }
        }
    }
    tx.audit(
        AuditEntry::new(admin.actor(), "plan.import", "plan", plan_id).after(serde_json::json!({
            "plan_key": plan_key, "title": plan.title, "items": plan.items.len(),
            "assignments": assignments, "unresolved": unresolved,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(ImportOutcome {
        plan_id,
        created: true,
        items: plan.items.len(),
        assignments,
        unresolved,
    })
}

pub async fn list_plans(db: &Db) -> StoreResult<Vec<PlanRow>> {
    let rows = sqlx::query(
        "SELECT id, plan_key, doc_number, title, issuer, issued_on, year FROM plans ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| PlanRow {
            id: r.get(0),
            plan_key: r.get(1),
            doc_number: r.get(2),
            title: r.get(3),
            issuer: r.get(4),
            issued_on: r.get(5),
            year: r.get(6),
        })
        .collect())
}

pub async fn plan(db: &Db, plan_id: i64) -> StoreResult<PlanRow> {
    list_plans(db)
        .await?
        .into_iter()
        .find(|p| p.id == plan_id)
        .ok_or(StoreError::NotFound {
            entity: "plan",
            key: plan_id.to_string(),
        })
}

/// Every item of a plan with its units, their latest status, and its timing on `today`.
pub async fn items(db: &Db, plan_id: i64, today: NaiveDate) -> StoreResult<Vec<ItemView>> {
    load_items(db, Some(plan_id), None, today).await
}

pub async fn item(db: &Db, item_id: i64, today: NaiveDate) -> StoreResult<ItemView> {
    load_items(db, None, Some(item_id), today)
        .await?
        .pop()
        .ok_or(StoreError::NotFound {
            entity: "plan item",
            key: item_id.to_string(),
        })
}

async fn load_items(
    db: &Db,
    plan_id: Option<i64>,
    item_id: Option<i64>,
    today: NaiveDate,
) -> StoreResult<Vec<ItemView>> {
    let rows = sqlx::query(
        "SELECT id, plan_id, number, title, body, deadline, deadline_source, closed_on, summary FROM plan_items \
         WHERE ($1 = 0 OR plan_id = $1) AND ($2 = 0 OR id = $2) ORDER BY plan_id, position",
    )
    .bind(plan_id.unwrap_or(0))
    .bind(item_id.unwrap_or(0))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut index = HashMap::new();
    for r in &rows {
        let deadline: String = r.get(5);
        // Viewed as of an earlier day, an item closed later was still open then.
        let closed_on: Option<String> = r
            .get::<Option<String>, _>(7)
            .filter(|c| parse_date(c) <= today);
        let timing = timing(
            parse_date(&deadline),
            closed_on.as_deref().map(parse_date),
            today,
        );
        index.insert(r.get::<i64, _>(0), out.len());
        out.push(ItemView {
            id: r.get(0),
            plan_id: r.get(1),
            number: r.get(2),
            title: r.get(3),
            body: r.get(4),
            deadline,
            deadline_source: r.get(6),
            closed_on,
            summary: r.get(8),
            milestones: vec![],
            assignments: vec![],
            unresolved: vec![],
            timing,
        });
    }
    let scope = "JOIN plan_items i ON i.id = x.item_id WHERE ($1 = 0 OR i.plan_id = $1) AND ($2 = 0 OR i.id = $2)";
    let latest = latest_statuses(db, plan_id, item_id, today).await?;
    let a_rows = sqlx::query(&format!(
        "SELECT x.item_id, u.key, u.name, x.role, x.written FROM plan_assignments x JOIN units u ON u.id = x.unit_id {scope} \
         ORDER BY x.item_id, CASE x.role WHEN 'lead' THEN 0 WHEN 'co_lead' THEN 1 ELSE 2 END, u.id"
    ))
    .bind(plan_id.unwrap_or(0))
    .bind(item_id.unwrap_or(0))
    .fetch_all(db.pool())
    .await?;
    for r in &a_rows {
        let (iid, key): (i64, String) = (r.get(0), r.get(1));
        let (status, last) = latest
            .get(&(iid, key.clone()))
            .cloned()
            .unwrap_or((ReportStatus::NotStarted, None));
        if let Some(&i) = index.get(&iid) {
            out[i].assignments.push(Assignment {
                unit_key: key,
                unit_name: r.get(2),
                role: AssignmentRole::parse(&r.get::<String, _>(3)),
                written: r.get(4),
                status,
                last_report_on: last,
            });
        }
    }
    for r in sqlx::query(&format!(
        "SELECT x.item_id, x.due_on, x.text FROM plan_milestones x {scope} ORDER BY x.due_on"
    ))
    .bind(plan_id.unwrap_or(0))
    .bind(item_id.unwrap_or(0))
    .fetch_all(db.pool())
    .await?
    {
        if let Some(&i) = index.get(&r.get::<i64, _>(0)) {
            out[i].milestones.push((r.get(1), r.get(2)));
        }
    }
    for r in sqlx::query(&format!(
        "SELECT x.item_id, x.role, x.written FROM plan_unresolved x {scope}"
    ))
    .bind(plan_id.unwrap_or(0))
    .bind(item_id.unwrap_or(0))
    .fetch_all(db.pool())
    .await?
    {
        if let Some(&i) = index.get(&r.get::<i64, _>(0)) {
            out[i].unresolved.push(format!(
                "{} ({})",
                r.get::<String, _>(2),
                r.get::<String, _>(1)
            ));
        }
    }
    Ok(out)
}

/// The latest reported status of each (item, unit).
async fn latest_statuses(
    db: &Db,
    plan_id: Option<i64>,
    item_id: Option<i64>,
    as_of: NaiveDate,
) -> StoreResult<HashMap<(i64, String), (ReportStatus, Option<String>)>> {
    let rows = sqlx::query(
        "SELECT r.item_id, u.key, r.status, r.reported_on FROM progress_reports r \
         JOIN units u ON u.id = r.unit_id JOIN plan_items i ON i.id = r.item_id \
         WHERE ($1 = 0 OR i.plan_id = $1) AND ($2 = 0 OR i.id = $2) AND r.reported_on <= $3 \
         ORDER BY r.reported_on, r.id",
    )
    .bind(plan_id.unwrap_or(0))
    .bind(item_id.unwrap_or(0))
    .bind(date_text(as_of))
    .fetch_all(db.pool())
    .await?;
    let mut out = HashMap::new();
    for r in &rows {
        let status = ReportStatus::parse(&r.get::<String, _>(2))?;
        out.insert((r.get(0), r.get(1)), (status, Some(r.get(3))));
    }
    Ok(out)
}

/// The items a unit is assigned to, across plans, soonest deadline first.
pub async fn responsibilities(
    db: &Db,
    unit: &UnitRead,
    today: NaiveDate,
) -> StoreResult<Vec<ItemView>> {
    let rows = sqlx::query(
        "SELECT a.item_id, i.plan_id FROM plan_assignments a JOIN plan_items i ON i.id = a.item_id WHERE a.unit_id = $1",
    )
    .bind(unit.unit_id())
    .fetch_all(db.pool())
    .await?;
    let ids: std::collections::HashSet<i64> = rows.iter().map(|r| r.get(0)).collect();
    let plans: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.get(1)).collect();
    // A handful of queries per plan, not per item: plans are few, items many.
    let mut out = Vec::new();
    for plan in plans {
        out.extend(
            items(db, plan, today)
                .await?
                .into_iter()
                .filter(|i| ids.contains(&i.id)),
        );
    }
    out.sort_by(|a, b| {
        (a.closed_on.is_some(), &a.deadline, a.id).cmp(&(b.closed_on.is_some(), &b.deadline, b.id))
    });
    Ok(out)
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub reported_on: NaiveDate,
    pub status: ReportStatus,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub reported_on: String,
    pub status: ReportStatus,
    pub text: String,
    pub author: String,
}

/// Maximum length of a progress report's text, in characters.
pub const MAX_REPORT_CHARS: usize = 5_000;

async fn assignment_role(
    db: &Db,
    item_id: i64,
    unit_id: i64,
) -> StoreResult<Option<AssignmentRole>> {
    Ok(
        sqlx::query("SELECT role FROM plan_assignments WHERE item_id = $1 AND unit_id = $2")
            .bind(item_id)
            .bind(unit_id)
            .fetch_optional(db.pool())
            .await?
            .map(|r| AssignmentRole::parse(&r.get::<String, _>(0))),
    )
}

/// Largest attachment accepted, and most attachments on one report.
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;
pub const MAX_ATTACHMENTS: usize = 5;

/// A file attached to a progress report (a scanned document, a spreadsheet of figures).
#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub report_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

fn check_attachments(files: &[NewAttachment]) -> StoreResult<()> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(StoreError::invalid(
            "attachment",
            format!("每份报告最多 {MAX_ATTACHMENTS} 个附件"),
            format!("at most {MAX_ATTACHMENTS} attachments per report"),
        ));
    }
    for f in files {
        if f.content.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::invalid(
                "attachment",
                format!("附件 {} 超过 2 MB", f.filename),
                format!("attachment {} is larger than 2 MB", f.filename),
            ));
        }
        let name_ok = !f.filename.trim().is_empty()
            && f.filename.chars().count() <= 200
            && !f.filename.contains(['/', '\\', '\0']);
        if !name_ok {
            return Err(StoreError::invalid(
                "attachment",
                "附件文件名无效",
                "the attachment's file name is not valid",
            ));
        }
    }
    Ok(())
}

/// File a progress report for `unit` on an item it is assigned to.
pub async fn file_report(
    db: &Db,
    unit: &UnitWrite,
    item_id: i64,
    report: &NewReport,
) -> StoreResult<i64> {
    file_report_with(db, unit, item_id, report, &[]).await
}

/// File a progress report with attachments; the report and its files commit together.
pub async fn file_report_with(
    db: &Db,
    unit: &UnitWrite,
    item_id: i64,
    report: &NewReport,
    attachments: &[NewAttachment],
) -> StoreResult<i64> {
    check_attachments(attachments)?;
    let text = report.text.trim();
    if text.is_empty() || text.chars().count() > MAX_REPORT_CHARS {
        return Err(StoreError::invalid(
            "report",
            format!("进展内容须为 1–{MAX_REPORT_CHARS} 个字符"),
            format!("a report's text is 1–{MAX_REPORT_CHARS} characters"),
        ));
    }
    crate::clock::check_recorded_date(
        "report date",
        "报告日期",
        "The report's date",
        report.reported_on,
    )?;
    let today = crate::clock::today();
    let item = item(db, item_id, today).await?;
    if assignment_role(db, item_id, unit.unit_id())
        .await?
        .is_none()
    {
        return Err(StoreError::Forbidden);
    }
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO progress_reports (item_id, unit_id, reported_on, status, text, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(item_id)
    .bind(unit.unit_id())
    .bind(date_text(report.reported_on))
    .bind(report.status.as_str())
    .bind(text)
    .bind(unit.actor())
    .bind(crate::now_text())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    let mut files = Vec::new();
    for f in attachments {
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(&f.content));
        sqlx::query(
            "INSERT INTO report_attachments (report_id, filename, content_type, size, sha256, content) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&f.filename)
        .bind(&f.content_type)
        .bind(f.content.len() as i64)
        .bind(&sha)
        .bind(&f.content)
        .execute(tx.conn())
        .await?;
        files.push(
            serde_json::json!({ "filename": f.filename, "size": f.content.len(), "sha256": sha }),
        );
    }
    tx.audit(
        AuditEntry::new(unit.actor(), "plan.report", "progress_report", id)
            .unit(unit.unit_key())
            .after(serde_json::json!({ "item": item.number, "plan_id": item.plan_id, "report": report, "attachments": files })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Most characters in a closing summary or a reopening reason.
pub const MAX_CLOSING_CHARS: usize = 2_000;

fn check_closing_text(field: &'static str, text: &str, zh: &str, en: &str) -> StoreResult<()> {
    let n = text.trim().chars().count();
    if n == 0 || n > MAX_CLOSING_CHARS {
        return Err(StoreError::invalid(
            field,
            format!("{zh}(1–{MAX_CLOSING_CHARS} 个字符)"),
            format!("{en} (1–{MAX_CLOSING_CHARS} characters)"),
        ));
    }
    Ok(())
}

/// The lead or co-lead unit's permission on an item: `Forbidden` for any other unit.
async fn answering_for(db: &Db, unit: &UnitWrite, item_id: i64) -> StoreResult<()> {
    if assignment_role(db, item_id, unit.unit_id())
        .await?
        .is_some_and(AssignmentRole::answers_for_item)
    {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Close an item with a summary: only its lead or co-lead units may, and only once (until it
/// is reopened, see [`reopen_item`]). The closing date has happened (not after today in Beijing,
/// not before the calendar's first day) and is not earlier than the item's last progress
/// report, whichever unit filed it: an item is not finished before the work reported on it.
pub async fn close_item(
    db: &Db,
    unit: &UnitWrite,
    item_id: i64,
    closed_on: NaiveDate,
    summary: &str,
) -> StoreResult<()> {
    let today = crate::clock::today();
    // Exists (NotFound otherwise) before anything else is said about it.
    item(db, item_id, today).await?;
    answering_for(db, unit, item_id).await?;
    check_closing_text(
        "summary",
        summary,
        "办结须填写总结",
        "closing an item needs a summary",
    )?;
    crate::clock::check_recorded_date("closing date", "办结日期", "The closing date", closed_on)?;
    let mut tx = db.begin_write().await?;
    // Read inside the write transaction, which serialises writers: of two closings at once
    // the second sees the first, and a report filed meanwhile is counted.
    let last_report: Option<String> =
        sqlx::query("SELECT MAX(reported_on) FROM progress_reports WHERE item_id = $1")
            .bind(item_id)
            .fetch_one(tx.conn())
            .await?
            .get(0);
    if let Some(last) = last_report.filter(|l| *l > date_text(closed_on)) {
        return Err(StoreError::invalid(
            "closing date",
            format!("办结日期{closed_on}早于该事项最后一次进展报告的日期({last})：事项不能在所报告的工作之前办结"),
            format!("the closing date {closed_on} is before the item's last progress report ({last}): an item cannot be finished before the work reported on it"),
        ));
    }
    let changed = sqlx::query(
        "UPDATE plan_items SET closed_on = $1, summary = $2 WHERE id = $3 AND closed_on IS NULL",
    )
    .bind(date_text(closed_on))
    .bind(summary.trim())
    .bind(item_id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::invalid(
            "plan item",
            "该事项已办结；如需更正，请先重新打开（须说明理由）",
            "the item is already closed; to correct it, reopen it first (with a reason)",
        ));
    }
    tx.audit(
        AuditEntry::new(unit.actor(), "plan.close", "plan_item", item_id)
            .unit(unit.unit_key())
            .before(serde_json::json!({ "closed_on": null, "summary": null }))
            .after(
                serde_json::json!({ "closed_on": date_text(closed_on), "summary": summary.trim() }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reopen a closed item, giving the reason (a closing found premature or mistaken): only its
/// lead or co-lead units may. The closing date and summary are cleared, so the item is open
/// again, judged against its deadline, and can be closed again; the closing that was undone
/// stays on the audit trail (`plan.close`, then `plan.reopen` with it as `before`).
pub async fn reopen_item(db: &Db, unit: &UnitWrite, item_id: i64, reason: &str) -> StoreResult<()> {
    item(db, item_id, crate::clock::today()).await?;
    answering_for(db, unit, item_id).await?;
    check_closing_text(
        "reason",
        reason,
        "重新打开须说明理由",
        "reopening an item needs a reason",
    )?;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT closed_on, summary FROM plan_items WHERE id = $1")
        .bind(item_id)
        .fetch_one(tx.conn())
        .await?;
    let (closed_on, summary): (Option<String>, Option<String>) = (row.get(0), row.get(1));
    if closed_on.is_none() {
        return Err(StoreError::invalid(
            "plan item",
            "该事项尚未办结，无需重新打开",
            "the item is not closed: there is nothing to reopen",
        ));
    }
    sqlx::query(
        "UPDATE plan_items SET closed_on = NULL, summary = NULL WHERE id = $1 AND closed_on IS NOT NULL",
    )
    .bind(item_id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        AuditEntry::new(unit.actor(), "plan.reopen", "plan_item", item_id)
            .unit(unit.unit_key())
            .before(serde_json::json!({ "closed_on": closed_on, "summary": summary }))
            .after(
                serde_json::json!({ "closed_on": null, "summary": null, "reason": reason.trim() }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The units whose progress reports (and their attachments) on one item a person may read.
///
/// A report is its unit's working record, so it is scoped like the unit's other records: a
/// person reads the reports of the units they may read ([`Principal::can_read_unit`]: an
/// officer their own unit, a supervisor or an auditor every unit in their scope, an
/// administrator every unit). On top of that an item shares its reports among its units:
///
/// - the **lead or co-lead** unit answers for the item (and closes it), so it reads the reports
///   of **every unit assigned** to the item;
/// - a **participating** unit reads **its own** reports and those of the **lead and co-lead**
///   units, whose work it contributes to, but not those of the other participants;
/// - a unit with **no part** in the item reads none of its reports.
///
/// A person counts as each unit they may read that is assigned to the item, so a supervisor
/// scoped to a participating unit reads what that unit reads. The item itself (its text, units,
/// each unit's latest status and the matrix) stays readable by every signed-in person; the
/// reports' text and files do not. Pages, the API and exports all read reports through
/// [`reports`], [`attachments_of_item`] and [`attachment`], which apply this.
#[derive(Clone, Debug)]
pub struct ReportScope {
    units: UnitSet,
}

impl ReportScope {
    /// Whether the reports of this unit are readable.
    pub fn contains(&self, unit_id: i64) -> bool {
        self.units.contains(unit_id)
    }
}

/// The report scope of `who` on an item.
pub async fn report_scope(db: &Db, who: &Principal, item_id: i64) -> StoreResult<ReportScope> {
    if *who.readable_units() == UnitSet::All {
        return Ok(ReportScope {
            units: UnitSet::All,
        });
    }
    let assigned: Vec<(i64, AssignmentRole)> =
        sqlx::query("SELECT unit_id, role FROM plan_assignments WHERE item_id = $1")
            .bind(item_id)
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| (r.get(0), AssignmentRole::parse(&r.get::<String, _>(1))))
            .collect();
    let mine = assigned.iter().filter(|(u, _)| who.can_read_unit(*u));
    let answers = mine.clone().any(|(_, r)| r.answers_for_item());
    let participates = mine.clone().next().is_some();
    let units = assigned
        .iter()
        .filter(|(u, role)| {
            who.can_read_unit(*u) || answers || (participates && role.answers_for_item())
        })
        .map(|(u, _)| *u)
        .collect();
    Ok(ReportScope {
        units: UnitSet::Some(units),
    })
}

/// An item's reports that `who` may read (see [`ReportScope`]), oldest first.
pub async fn reports(db: &Db, who: &Principal, item_id: i64) -> StoreResult<Vec<ReportRow>> {
    let scope = report_scope(db, who, item_id).await?;
    let rows = sqlx::query(
        "SELECT r.id, u.key, u.name, r.reported_on, r.status, r.text, r.author, r.unit_id FROM progress_reports r \
         JOIN units u ON u.id = r.unit_id WHERE r.item_id = $1 ORDER BY r.reported_on, r.id",
    )
    .bind(item_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .filter(|r| scope.contains(r.get(7)))
        .map(|r| {
            Ok(ReportRow {
                id: r.get(0),
                unit_key: r.get(1),
                unit_name: r.get(2),
                reported_on: r.get(3),
                status: ReportStatus::parse(&r.get::<String, _>(4))?,
                text: r.get(5),
                author: r.get(6),
            })
        })
        .collect()
}

/// The plan matrix: items × units, each cell the unit's role and latest status.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub plan: PlanRow,
    pub units: Vec<(String, String)>,
    pub items: Vec<ItemView>,
    /// Per unit (same order as `units`): overdue items it is assigned to.
    pub overdue_per_unit: Vec<usize>,
}

pub async fn matrix(db: &Db, plan_id: i64, today: NaiveDate) -> StoreResult<Matrix> {
    let plan = plan(db, plan_id).await?;
    let items = items(db, plan_id, today).await?;
    let all_units = crate::directory::list_units(db).await?;
    let used: std::collections::HashSet<&str> = items
        .iter()
        .flat_map(|i| i.assignments.iter().map(|a| a.unit_key.as_str()))
        .collect();
    let units: Vec<(String, String)> = all_units
        .iter()
        .filter(|u| used.contains(u.key.as_str()))
        .map(|u| (u.key.clone(), u.name.clone()))
        .collect();
    let overdue_per_unit = units
        .iter()
        .map(|(k, _)| {
            items
                .iter()
                .filter(|i| i.timing.is_overdue() && i.role_of(k).is_some())
                .count()
        })
        .collect();
    Ok(Matrix {
        plan,
        units,
        items,
        overdue_per_unit,
    })
}

fn attachment_info(r: &sqlx::any::AnyRow) -> AttachmentInfo {
    AttachmentInfo {
        id: r.get(0),
        report_id: r.get(1),
        filename: r.get(2),
        content_type: r.get(3),
        size: r.get(4),
        sha256: r.get(5),
    }
}

/// The attachments of the item's reports that `who` may read (metadata only): an attachment
/// follows its report (see [`ReportScope`]).
pub async fn attachments_of_item(
    db: &Db,
    who: &Principal,
    item_id: i64,
) -> StoreResult<Vec<AttachmentInfo>> {
    let scope = report_scope(db, who, item_id).await?;
    let rows = sqlx::query(
        "SELECT a.id, a.report_id, a.filename, a.content_type, a.size, a.sha256, r.unit_id FROM report_attachments a \
         JOIN progress_reports r ON r.id = a.report_id WHERE r.item_id = $1 ORDER BY a.id",
    )
    .bind(item_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .filter(|r| scope.contains(r.get(6)))
        .map(attachment_info)
        .collect())
}

/// One attachment with its content, for those who may read its report (else `Forbidden`).
pub async fn attachment(
    db: &Db,
    who: &Principal,
    id: i64,
) -> StoreResult<(AttachmentInfo, Vec<u8>)> {
    let r = sqlx::query(
        "SELECT a.id, a.report_id, a.filename, a.content_type, a.size, a.sha256, r.item_id, r.unit_id, a.content \
         FROM report_attachments a JOIN progress_reports r ON r.id = a.report_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(StoreError::NotFound {
        entity: "attachment",
        key: id.to_string(),
    })?;
    if !report_scope(db, who, r.get(6)).await?.contains(r.get(7)) {
        return Err(StoreError::Forbidden);
    }
    Ok((attachment_info(&r), r.get(8)))
}

//! Private calendar feeds: each person may hold one live token whose URL serves their unit's
//! deadlines as iCalendar. The token is the only secret fazhi puts in a URL, so it is
//! revocable, shown once, and stored as a hash. Feeds carry no personal data.

use crate::access::Principal;
use crate::accounts::{new_secret, secret_hash};
use crate::audit::AuditEntry;
use crate::db::Db;
use crate::error::StoreResult;
use serde::Serialize;
use sqlx::Row;

/// Revoke any live token of the person and issue a new one (returned once).
pub async fn issue(db: &Db, who: &Principal) -> StoreResult<String> {
    let token = new_secret("fzf_");
    let mut tx = db.begin_write().await?;
    let now = crate::now_text();
    sqlx::query("UPDATE feed_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(&now)
        .bind(who.user_id)
        .execute(tx.conn())
        .await?;
    sqlx::query("INSERT INTO feed_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(who.user_id)
        .bind(secret_hash(&token))
        .bind(&now)
        .execute(tx.conn())
        .await?;
    tx.audit(
        AuditEntry::new(&who.actor(), "feed.issue", "feed_token", who.user_id).unit(&who.unit_key),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Revoke the person's live token; the old URL stops working at once.
pub async fn revoke(db: &Db, who: &Principal) -> StoreResult<u64> {
    let mut tx = db.begin_write().await?;
    let n = sqlx::query(
        "UPDATE feed_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(crate::now_text())
    .bind(who.user_id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    tx.audit(
        AuditEntry::new(&who.actor(), "feed.revoke", "feed_token", who.user_id).unit(&who.unit_key),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Whether the person has a live feed token (its value cannot be shown again).
pub async fn has_live(db: &Db, who: &Principal) -> StoreResult<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM feed_tokens WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(who.user_id)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

pub async fn principal(db: &Db, token: &str) -> StoreResult<Option<Principal>> {
    crate::accounts::secret_principal(db, "feed_tokens", token).await
}

/// One dated deadline of the person's unit.
#[derive(Clone, Debug, Serialize)]
pub struct FeedEntry {
    pub uid: String,
    pub due: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub path: String,
}

/// The unit's running case deadlines and open plan items.
pub async fn entries(db: &Db, who: &Principal) -> StoreResult<Vec<FeedEntry>> {
    let mut out = Vec::new();
    let rows = sqlx::query(
        "SELECT d.case_id, d.key, d.due, c.procedure, d.provisional FROM case_deadlines d JOIN cases c ON c.id = d.case_id \
         WHERE d.unit_id = $1 AND d.open = 1 AND d.due IS NOT NULL ORDER BY d.due",
    )
    .bind(who.unit_id)
    .fetch_all(db.pool())
    .await?;
    let set = fazhi_procedure::ProcedureSet::bundled();
    for r in &rows {
        let (case_id, key, due, procedure): (i64, String, String, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        // Counted on weekdays alone for want of a year's notice: say so in the entry.
        let (mz, me) = if r.get::<i64, _>(4) != 0 {
            ("（待确认）", " (provisional)")
        } else {
            ("", "")
        };
        let (pz, pe) = set
            .get(&procedure)
            .map(|p| (p.name_zh.clone(), p.name_en.clone()))
            .unwrap_or_default();
        out.push(FeedEntry {
            uid: format!("case-{case_id}-{key}@fazhi"),
            due,
            summary_zh: format!("【法定期限】{pz} #{case_id}({key}){mz}"),
            summary_en: format!("[Deadline] {pe} #{case_id} ({key}){me}"),
            path: format!("/cases/{case_id}"),
        });
    }
    let rows = sqlx::query(
        "SELECT i.id, i.plan_id, i.number, i.title, i.deadline FROM plan_items i \
         JOIN plan_assignments a ON a.item_id = i.id WHERE a.unit_id = $1 AND i.closed_on IS NULL ORDER BY i.deadline",
    )
    .bind(who.unit_id)
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        let (id, plan, number, title, due): (i64, i64, String, String, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        out.push(FeedEntry {
            uid: format!("plan-item-{id}@fazhi"),
            due,
            summary_zh: format!("【工作安排】{number} {title}"),
            summary_en: format!("[Plan item] {number} {title}"),
            path: format!("/plans/{plan}/items/{id}"),
        });
    }
    Ok(out)
}

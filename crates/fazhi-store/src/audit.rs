//! The append-only, hash-chained audit trail.
//!
//! Each entry's hash is SHA-256 over its own fields and the previous entry's hash, serialised
//! as one JSON array so the encoding is unambiguous. `audit_head` holds the last sequence number
//! and hash: editing a row breaks its hash, deleting or reordering rows breaks the links, and
//! removing the newest rows no longer matches the head.

use crate::db::Db;
use crate::error::StoreResult;
use crate::sql::{args, Conn};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a change records: who did what to which record, with the state before and after.
#[derive(Clone, Debug, Default)]
pub struct AuditEntry {
    pub actor: String,
    pub unit_key: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    pub fn new(actor: &str, action: &str, entity: &str, entity_id: impl ToString) -> Self {
        Self {
            actor: actor.to_string(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            ..Self::default()
        }
    }
    pub fn unit(mut self, unit_key: &str) -> Self {
        self.unit_key = Some(unit_key.to_string());
        self
    }
    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// One stored row of the trail.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub unit_key: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.unit_key,
            self.action,
            self.entity,
            self.entity_id,
            self.before_json,
            self.after_json,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    fn from_row(r: &sqlx::any::AnyRow) -> Self {
        Self {
            seq: r.get("seq"),
            at: r.get("at"),
            actor: r.get("actor"),
            unit_key: r.get("unit_key"),
            action: r.get("action"),
            entity: r.get("entity"),
            entity_id: r.get("entity_id"),
            before_json: r.get("before_json"),
            after_json: r.get("after_json"),
            prev_hash: r.get("prev_hash"),
            hash: r.get("hash"),
        }
    }
}

macro_rules! columns {
    () => {
        "seq, at, actor, unit_key, action, entity, entity_id, before_json, after_json, prev_hash, hash"
    };
}
const COLUMNS: &str = columns!();
const INSERT: &str = concat!(
    "INSERT INTO audit_log (",
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
);

/// Append inside the caller's transaction, which already holds the write lock.
pub(crate) async fn append<C: Conn>(c: &mut C, entry: AuditEntry) -> StoreResult<i64> {
    let head = c
        .fetch_optional("SELECT seq, hash FROM audit_head WHERE id = 1", args![])
        .await?;
    let (last_seq, prev_hash) = match head {
        Some(r) => (r.int(0)?, r.text(1)?),
        None => (0, GENESIS.to_string()),
    };
    let mut rec = AuditRecord {
        seq: last_seq + 1,
        at: crate::now_text(),
        actor: entry.actor,
        unit_key: entry.unit_key,
        action: entry.action,
        entity: entry.entity,
        entity_id: entry.entity_id,
        before_json: entry.before.map(|v| v.to_string()),
        after_json: entry.after.map(|v| v.to_string()),
        prev_hash,
        hash: String::new(),
    };
    rec.hash = rec.compute_hash();
    c.execute(
        INSERT,
        args![
            rec.seq,
            &rec.at,
            &rec.actor,
            &rec.unit_key,
            &rec.action,
            &rec.entity,
            &rec.entity_id,
            &rec.before_json,
            &rec.after_json,
            &rec.prev_hash,
            &rec.hash,
        ],
    )
    .await?;
    c.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        args![rec.seq, &rec.hash],
    )
    .await?;
    Ok(rec.seq)
}

/// The result of checking the whole chain.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VerifyReport {
    pub entries: i64,
    pub head_seq: Option<i64>,
    /// The first entry found broken, and why; `None` when the chain is intact.
    pub first_broken: Option<Broken>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Broken {
    pub seq: i64,
    pub reason_en: String,
    pub reason_zh: String,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

fn broken(seq: i64, en: String, zh: String) -> Option<Broken> {
    Some(Broken {
        seq,
        reason_en: en,
        reason_zh: zh,
    })
}

/// Check every entry in order, in pages so memory stays flat on a long trail.
pub async fn verify(db: &Db) -> StoreResult<VerifyReport> {
    const PAGE: i64 = 5_000;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_string();
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(PAGE)
        .fetch_all(db.pool())
        .await?;
        for row in &rows {
            let rec = AuditRecord::from_row(row);
            let problem = if rec.seq != expected_seq {
                broken(
                    expected_seq,
                    format!(
                        "entry {expected_seq} is missing (next stored entry is {})",
                        rec.seq
                    ),
                    format!("第 {expected_seq} 条记录缺失(下一条为第 {} 条)", rec.seq),
                )
            } else if rec.prev_hash != prev_hash {
                broken(
                    rec.seq,
                    format!("entry {} does not link to the entry before it", rec.seq),
                    format!(
                        "第 {} 条记录与前一条记录的链接不符(可能被删除或调换顺序)",
                        rec.seq
                    ),
                )
            } else if rec.compute_hash() != rec.hash {
                broken(
                    rec.seq,
                    format!(
                        "entry {} was altered: its content does not match its hash",
                        rec.seq
                    ),
                    format!("第 {} 条记录被篡改:内容与哈希值不符", rec.seq),
                )
            } else {
                None
            };
            if problem.is_some() {
                return Ok(VerifyReport {
                    entries: expected_seq - 1,
                    head_seq: None,
                    first_broken: problem,
                });
            }
            prev_hash = rec.hash;
            expected_seq += 1;
            after = rec.seq;
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    let entries = expected_seq - 1;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(db.pool())
        .await?
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));
    let first_broken = match &head {
        None if entries == 0 => None,
        None => broken(1, "the chain head record is missing".into(), "链头记录缺失".into()),
        Some((seq, hash)) if *seq != entries || *hash != prev_hash => broken(
            entries + 1,
            format!("the chain ends at entry {entries} but its head records entry {seq}: entries were removed"),
            format!("审计链止于第 {entries} 条,但链头记录为第 {seq} 条:有记录被删除"),
        ),
        Some(_) => None,
    };
    Ok(VerifyReport {
        entries,
        head_seq: head.map(|h| h.0),
        first_broken,
    })
}

/// Filters for reading the trail.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Only entries of these units (`None`: all).
    pub unit_keys: Option<Vec<String>>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub before_seq: Option<i64>,
    /// Only entries recorded after this time (RFC 3339, as stored).
    pub since: Option<String>,
    pub limit: i64,
}

/// The newest entries first.
pub async fn list(db: &Db, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM audit_log \
         WHERE ($1 = '' OR entity = $1) AND ($2 = '' OR entity_id = $2) AND seq < $3 AND at > $4"
    );
    let keys = q.unit_keys.clone().unwrap_or_default();
    if q.unit_keys.is_some() {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 5)).collect();
        sql.push_str(&format!(" AND unit_key IN ({})", marks.join(", ")));
    }
    // Placeholders stay in ascending order of first use (see the crate docs).
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", keys.len() + 5));
    let mut query = sqlx::query(&sql)
        .bind(q.entity.clone().unwrap_or_default())
        .bind(q.entity_id.clone().unwrap_or_default())
        .bind(q.before_seq.unwrap_or(i64::MAX))
        .bind(q.since.clone().unwrap_or_default());
    for k in keys {
        query = query.bind(k);
    }
    let query = query.bind(q.limit.max(1));
    let rows = query.fetch_all(db.pool()).await?;
    Ok(rows.iter().map(AuditRecord::from_row).collect())
}

/// The trail as the holder of `handle` may see it: entries of the units in their scope
/// (entries with no unit, such as directory imports, only for those who see every unit).
pub async fn list_scoped(
    db: &Db,
    handle: &crate::access::AuditorHandle,
    mut q: AuditQuery,
) -> StoreResult<Vec<AuditRecord>> {
    q.unit_keys = match &handle.units {
        crate::access::UnitSet::All => None,
        crate::access::UnitSet::None => Some(Vec::new()),
        crate::access::UnitSet::Some(ids) => {
            let rows = sqlx::query("SELECT id, key FROM units")
                .fetch_all(db.pool())
                .await?;
            Some(
                rows.iter()
                    .filter(|r| ids.contains(&r.get::<i64, _>(0)))
                    .map(|r| r.get::<String, _>(1))
                    .collect(),
            )
        }
    };
    list(db, &q).await
}

/// The last sequence number of the trail: every change moves it, so it is a version of the
/// whole database that caches of public figures can compare against (one indexed read).
pub async fn head_seq(db: &Db) -> StoreResult<i64> {
    Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.get::<i64, _>(0))
        .unwrap_or(0))
}

/// What changed in one unit's records since a time: for "since my last visit" on a person's
/// home page. Entries never hold personal values, so the unit's own people may read them.
pub async fn changes_for_unit(
    db: &Db,
    unit: &crate::access::UnitRead,
    since: &str,
    limit: i64,
) -> StoreResult<Vec<AuditRecord>> {
    let q = AuditQuery {
        unit_keys: Some(vec![unit.unit_key().to_string()]),
        since: Some(since.to_string()),
        limit,
        ..AuditQuery::default()
    };
    list(db, &q).await
}

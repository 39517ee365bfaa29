//! The append-only, hash-chained audit trail.
//!
//! Each entry's hash is SHA-256 over its own fields and the previous entry's hash, serialised
//! as one JSON array so the encoding is unambiguous. `audit_head` holds the last sequence number
//! and hash: editing a row breaks its hash, deleting or reordering rows breaks the links, and
//! removing the newest rows no longer matches the head.
//!
//! Against someone who can write the database the chain alone is not enough: they can cut the
//! newest entries and move the head, or recompute every hash after an edit. Two more checks:
//! - [`checkpoint`]: the head signed with an Ed25519 key kept outside the database, published,
//!   and checked later with the public key ([`verify_with`] with `since`);
//! - row digests ([`rows`]): an entry that writes a case, a penalty or an accountability record
//!   records a keyed digest of the record's rows, and [`verify`] recomputes it, so rows edited
//!   with a database client are named although the chain is intact.
//!
//! The head row also carries `public_seq`, the last entry that may have changed what the public
//! portal shows ([`changes_public_data`]): its cache compares that, not the head, so reading
//! personal data (audited, changing nothing public) does not empty it.

pub mod checkpoint;
mod rows;

use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::sql::{args, Conn};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;

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

/// Whether an entry of `action` may change what the public portal shows (plans and progress,
/// case statistics, the directory, units' public contacts). Reads and the records of accounts,
/// tokens, feeds, alerts and accountability do not; anything else is taken to, so a new kind
/// of write can only empty the portal's cache too often, never leave it stale.
pub fn changes_public_data(action: &str) -> bool {
    const PRIVATE: &[&str] = &["personal.read", "sweep"];
    const PRIVATE_KINDS: &[&str] = &["user.", "token.", "feed.", "accountability."];
    !(PRIVATE.contains(&action) || PRIVATE_KINDS.iter().any(|k| action.starts_with(k)))
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
    /// The keyed digest of the record's rows as this entry wrote them (cases, penalties,
    /// accountability records).
    pub row_digest: Option<String>,
}

impl AuditRecord {
    /// SHA-256 over the fields as one JSON array; the row digest is appended when there is one,
    /// so entries written before row digests keep their hashes.
    fn compute_hash(&self) -> String {
        let mut canonical = serde_json::json!([
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
        if let (Some(d), Some(a)) = (&self.row_digest, canonical.as_array_mut()) {
            a.push(serde_json::json!(d));
        }
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
            row_digest: r.get("row_digest"),
        }
    }
}

macro_rules! columns {
    () => {
        "seq, at, actor, unit_key, action, entity, entity_id, before_json, after_json, prev_hash, hash, row_digest"
    };
}
const COLUMNS: &str = columns!();
const INSERT: &str = concat!(
    "INSERT INTO audit_log (",
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
);
/// The head, the public version and the row-digest key, in one statement (as
/// [`Head::of`] reads them, after a first column).
const HEAD: &str = "SELECT NULL, seq, hash, public_seq, \
    (SELECT secret FROM audit_digest_key WHERE id = 1) FROM audit_head WHERE id = 1";

/// The trail's head as an append reads it.
struct Head {
    seq: i64,
    hash: String,
    public_seq: i64,
    /// The row-digest key.
    key: Option<String>,
}

impl Head {
    /// From a row whose first column is ignored: seq, hash, public_seq, key.
    fn of(values: Vec<Option<String>>) -> StoreResult<Head> {
        let mut v = values.into_iter().skip(1);
        let mut next = || v.next().flatten();
        let bad = || StoreError::Database("the audit head row is malformed".into());
        Ok(Head {
            seq: next().and_then(|s| s.parse().ok()).ok_or_else(bad)?,
            hash: next().ok_or_else(bad)?,
            public_seq: next().and_then(|s| s.parse().ok()).ok_or_else(bad)?,
            key: next(),
        })
    }
}

/// Append inside the caller's transaction, which already holds the write lock.
pub(crate) async fn append<C: Conn>(c: &mut C, entry: AuditEntry) -> StoreResult<i64> {
    // The case, penalty or accountability record whose rows this entry records, if any.
    let record = match (rows::covered(&entry.entity), entry.entity_id.parse::<i64>()) {
        (Some((_, covered)), Ok(id)) if rows::records_rows(&entry.action) => Some((covered, id)),
        _ => None,
    };
    // On a server the head and the record's rows come in one round trip.
    let (head, parts) = match record {
        Some((covered, id)) if c.round_trips() => {
            let mut head = None;
            let mut parts = Vec::new();
            for r in c.fetch_all(covered.sql_with_head(), args![id, id]).await? {
                let values = r.into_texts();
                if values.first().cloned().flatten() == Some(rows::HEAD_PART.to_string()) {
                    head = Some(Head::of(values)?);
                } else {
                    parts.push(rows::PartRow::of(values)?);
                }
            }
            (head, Some(parts))
        }
        _ => {
            let head = c.fetch_optional(HEAD, args![]).await?;
            (head.map(|r| Head::of(r.into_texts())).transpose()?, None)
        }
    };
    let head = match head {
        Some(h) => h,
        // The first entry.
        None => Head {
            seq: 0,
            hash: GENESIS.to_string(),
            public_seq: 0,
            key: c
                .fetch_optional("SELECT secret FROM audit_digest_key WHERE id = 1", args![])
                .await?
                .map(|r| r.text(0))
                .transpose()?,
        },
    };
    let row_digest = match record {
        Some((covered, id)) => {
            let key = head.key.as_deref().ok_or_else(|| {
                StoreError::Database(
                    "the audit trail's row-digest key (audit_digest_key) is missing: \
                     the database was altered outside fazhi"
                        .into(),
                )
            })?;
            let mut parts = match parts {
                Some(p) => p,
                None => rows::part_rows(c, covered, id).await?,
            };
            Some(rows::digest(covered, id, &mut parts, key))
        }
        None => None,
    };
    let (last_seq, prev_hash, public_seq) = (head.seq, head.hash, head.public_seq);
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
        row_digest,
    };
    rec.hash = rec.compute_hash();
    let public_seq = if changes_public_data(&rec.action) {
        rec.seq
    } else {
        public_seq
    };
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
            &rec.row_digest,
        ],
    )
    .await?;
    c.execute(
        "INSERT INTO audit_head (id, seq, hash, public_seq) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, \
         public_seq = excluded.public_seq",
        args![rec.seq, &rec.hash, public_seq],
    )
    .await?;
    Ok(rec.seq)
}

/// The result of checking the trail.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VerifyReport {
    pub entries: i64,
    pub head_seq: Option<i64>,
    /// The first entry found broken, and why; `None` when the chain is intact.
    pub first_broken: Option<Broken>,
    pub checkpoints: CheckpointsChecked,
    /// Rows compared with the trail's digests (`None` when not asked, or the chain is broken).
    pub rows: Option<RowsReport>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Broken {
    pub seq: i64,
    pub reason_en: String,
    pub reason_zh: String,
}

/// Checkpoints held against the chain: those stored in the database, and the one given.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CheckpointsChecked {
    /// Stored checkpoints found.
    pub stored: i64,
    /// Of them, those whose signature was checked (by the given public key).
    pub signatures_checked: i64,
    /// The given checkpoint's sequence number, when the chain was shown to extend it.
    pub since: Option<i64>,
    /// Checkpoints the chain does not extend (or whose signature fails).
    pub problems: Vec<Broken>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RowsReport {
    /// Records (cases, penalties) whose rows were digested.
    pub checked: i64,
    /// Of them, records from before row digests that no entry has recorded since.
    pub before_digests: i64,
    /// The first problems (at most [`MAX_ROW_PROBLEMS`]); `problems_total` counts them all.
    pub problems: Vec<RowProblem>,
    pub problems_total: i64,
}

/// The most row problems a report lists.
pub const MAX_ROW_PROBLEMS: usize = 100;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RowProblem {
    pub entity: String,
    pub id: String,
    /// The latest entry that recorded the record's rows, if any.
    pub seq: Option<i64>,
    pub reason_en: String,
    pub reason_zh: String,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
            && self.checkpoints.problems.is_empty()
            && self.rows.as_ref().is_none_or(|r| r.problems.is_empty())
    }

    /// The first problem found, in English and Chinese.
    fn first_problem(&self) -> Option<(&str, &str)> {
        self.first_broken
            .iter()
            .chain(self.checkpoints.problems.iter())
            .map(|b| (b.reason_en.as_str(), b.reason_zh.as_str()))
            .chain(self.rows.iter().flat_map(|r| {
                r.problems
                    .iter()
                    .map(|p| (p.reason_en.as_str(), p.reason_zh.as_str()))
            }))
            .next()
    }
    pub fn problem_en(&self) -> &str {
        self.first_problem().map_or("", |p| p.0)
    }
    pub fn problem_zh(&self) -> &str {
        self.first_problem().map_or("", |p| p.1)
    }
}

fn broken(seq: i64, en: String, zh: String) -> Option<Broken> {
    Some(Broken {
        seq,
        reason_en: en,
        reason_zh: zh,
    })
}

/// How far a walk along the chain got.
pub(crate) struct Walk {
    /// The last entry checked, and its hash (empty when none was).
    pub last_seq: i64,
    pub last_hash: String,
    pub broken: Option<Broken>,
}

/// Check entries in order, in pages so memory stays flat on a long trail, from the first (its
/// `prev_hash` must be the genesis) or from `start` (whose own link is not checked: the caller
/// knows its hash), up to `upto`; `visit` sees each entry that checked out.
pub(crate) async fn walk(
    db: &Db,
    start: Option<i64>,
    upto: Option<i64>,
    mut visit: impl FnMut(&AuditRecord),
) -> StoreResult<Walk> {
    const PAGE: i64 = 5_000;
    let (mut expected_seq, mut prev_hash) = match start {
        None => (1, Some(GENESIS.to_string())),
        Some(s) => (s, None),
    };
    let mut last_hash = prev_hash.clone().unwrap_or_default();
    let mut after = expected_seq - 1;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        ))
        .bind(after)
        .bind(upto.unwrap_or(i64::MAX))
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
            } else if prev_hash.as_ref().is_some_and(|p| *p != rec.prev_hash) {
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
                return Ok(Walk {
                    last_seq: expected_seq - 1,
                    last_hash,
                    broken: problem,
                });
            }
            visit(&rec);
            after = rec.seq;
            expected_seq += 1;
            last_hash = rec.hash.clone();
            prev_hash = Some(rec.hash);
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    Ok(Walk {
        last_seq: expected_seq - 1,
        last_hash,
        broken: None,
    })
}

/// What [`verify_with`] checks besides the chain itself.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// The key that checkpoints must be signed with: needed for `since`, and then also checks
    /// the stored checkpoints' signatures.
    pub public_key: Option<checkpoint::PublicKey>,
    /// A checkpoint seen earlier that the chain must still extend.
    pub since: Option<checkpoint::Checkpoint>,
    /// Recompute the digests of cases, penalties and accountability records (reads every row).
    pub rows: bool,
}

/// Check everything: the chain, the stored checkpoints, and every case's and penalty's rows.
pub async fn verify(db: &Db) -> StoreResult<VerifyReport> {
    verify_with(
        db,
        &VerifyOptions {
            rows: true,
            ..VerifyOptions::default()
        },
    )
    .await
}

/// The chain and the stored checkpoints only: what a page can afford on every view.
pub async fn verify_chain(db: &Db) -> StoreResult<VerifyReport> {
    verify_with(db, &VerifyOptions::default()).await
}

/// One latest row digest of a record on the trail.
struct Recorded {
    seq: i64,
    digest: String,
}

/// Check the chain from its first entry, hold the checkpoints against it, and (if asked)
/// compare every case's and penalty's rows with the digest the trail last recorded.
pub async fn verify_with(db: &Db, opts: &VerifyOptions) -> StoreResult<VerifyReport> {
    let mut checks = CheckpointsChecked::default();
    // (checkpoint, " given" or "" in the messages)
    let mut targets: Vec<(checkpoint::Checkpoint, bool)> = Vec::new();
    for cp in checkpoint::all(db).await? {
        checks.stored += 1;
        if let Some(key) = opts.public_key.as_ref().filter(|k| k.key_id == cp.key_id) {
            checks.signatures_checked += 1;
            if let Err(mut b) = key.check(&cp) {
                b.reason_en = format!("a stored checkpoint: {}", b.reason_en);
                b.reason_zh = format!("数据库中的检查点:{}", b.reason_zh);
                checks.problems.push(b);
                continue;
            }
        }
        targets.push((cp, false));
    }
    if let Some(cp) = &opts.since {
        let key = opts.public_key.as_ref().ok_or_else(|| {
            StoreError::invalid(
                "public key",
                "核对检查点需要签名密钥的公钥",
                "checking a checkpoint needs the public key it was signed with",
            )
        })?;
        match key.check(cp) {
            Ok(()) => targets.push((cp.clone(), true)),
            Err(b) => checks.problems.push(b),
        }
    }
    let which = |given: bool| {
        if given {
            (" given", "所给的")
        } else {
            ("", "")
        }
    };
    let mut recorded: HashMap<(usize, i64), Recorded> = HashMap::new();
    let mut mismatched: Vec<usize> = Vec::new();
    for (i, (cp, given)) in targets.iter().enumerate() {
        if cp.seq <= 0 && cp.hash != GENESIS {
            let (en, zh) = which(*given);
            checks.problems.push(checkpoint::rewritten(cp, en, zh));
            mismatched.push(i);
        }
    }
    let by_seq: HashMap<i64, Vec<usize>> =
        targets
            .iter()
            .enumerate()
            .fold(HashMap::new(), |mut m, (i, (cp, _))| {
                m.entry(cp.seq).or_insert_with(Vec::new).push(i);
                m
            });
    let walked = walk(db, None, None, |rec| {
        if let Some(ix) = by_seq.get(&rec.seq) {
            for &i in ix {
                let (cp, given) = &targets[i];
                if cp.hash != rec.hash {
                    let (en, zh) = which(*given);
                    checks.problems.push(checkpoint::rewritten(cp, en, zh));
                    mismatched.push(i);
                }
            }
        }
        if opts.rows {
            if let (Some(digest), Some((kind, _)), Ok(id)) = (
                &rec.row_digest,
                rows::covered(&rec.entity),
                rec.entity_id.parse::<i64>(),
            ) {
                recorded.insert(
                    (kind, id),
                    Recorded {
                        seq: rec.seq,
                        digest: digest.clone(),
                    },
                );
            }
        }
    })
    .await?;
    let entries = walked.last_seq;
    if let Some(b) = walked.broken {
        return Ok(VerifyReport {
            entries,
            head_seq: None,
            first_broken: Some(b),
            checkpoints: checks,
            rows: None,
        });
    }
    for (i, (cp, given)) in targets.iter().enumerate() {
        if cp.seq > entries && !mismatched.contains(&i) {
            let (en, zh) = which(*given);
            checks.problems.push(checkpoint::cut(cp, entries, en, zh));
        }
    }
    if let Some((cp, _)) = targets.iter().find(|(_, given)| *given) {
        if checks.problems.is_empty() {
            checks.since = Some(cp.seq);
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(db.pool())
        .await?
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)));
    let first_broken = match &head {
        None if entries == 0 => None,
        None => broken(1, "the chain head record is missing".into(), "链头记录缺失".into()),
        Some((seq, hash)) if *seq != entries || *hash != walked.last_hash => broken(
            entries + 1,
            format!("the chain ends at entry {entries} but its head records entry {seq}: entries were removed"),
            format!("审计链止于第 {entries} 条,但链头记录为第 {seq} 条:有记录被删除"),
        ),
        Some(_) => None,
    };
    let rows = if opts.rows {
        Some(check_rows(db, recorded).await?)
    } else {
        None
    };
    Ok(VerifyReport {
        entries,
        head_seq: head.map(|h| h.0),
        first_broken,
        checkpoints: checks,
        rows,
    })
}

/// Recompute the digest of every case and penalty, in windows of ids, and compare it with the
/// latest one the trail recorded.
async fn check_rows(
    db: &Db,
    mut recorded: HashMap<(usize, i64), Recorded>,
) -> StoreResult<RowsReport> {
    const WINDOW: i64 = 1_000;
    let mut report = RowsReport::default();
    let problem = |report: &mut RowsReport, p: RowProblem| {
        report.problems_total += 1;
        if report.problems.len() < MAX_ROW_PROBLEMS {
            report.problems.push(p);
        }
    };
    let key: Option<String> = sqlx::query("SELECT secret FROM audit_digest_key WHERE id = 1")
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.get(0));
    let Some(key) = key else {
        problem(
            &mut report,
            RowProblem {
                entity: "audit_digest_key".into(),
                id: "1".into(),
                seq: None,
                reason_en: "the row-digest key is missing: the database was altered outside fazhi"
                    .into(),
                reason_zh: "行摘要密钥缺失:数据库在 fazhi 之外被修改".into(),
            },
        );
        return Ok(report);
    };
    let baselines: HashMap<String, i64> =
        sqlx::query("SELECT entity, max_id FROM audit_row_baseline")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    for (kind, covered) in rows::COVERED.iter().enumerate() {
        let (en, zh) = (covered.name_en(), covered.name_zh());
        let baseline = baselines.get(covered.entity).copied().unwrap_or(0);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for (table, owner) in covered.owner_columns() {
            let r = sqlx::query(&format!("SELECT MIN({owner}), MAX({owner}) FROM {table}"))
                .fetch_one(db.pool())
                .await?;
            if let (Some(a), Some(b)) = (r.get::<Option<i64>, _>(0), r.get::<Option<i64>, _>(1)) {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        let mut from = lo;
        while from <= hi {
            let to = from.saturating_add(WINDOW - 1).min(hi);
            let found = sqlx::query(covered.sql())
                .bind(from)
                .bind(to)
                .fetch_all(db.pool())
                .await?;
            let mut by_id: std::collections::BTreeMap<i64, Vec<rows::PartRow>> = Default::default();
            for r in &found {
                let values = (0..r.len())
                    .map(|i| r.try_get::<Option<String>, _>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                let owner: i64 = values
                    .get(1)
                    .cloned()
                    .flatten()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| StoreError::Database("a row without its owner".into()))?;
                by_id
                    .entry(owner)
                    .or_default()
                    .push(rows::PartRow::of(values)?);
            }
            for (id, mut parts) in by_id {
                report.checked += 1;
                let now = rows::digest(covered, id, &mut parts, &key);
                match recorded.remove(&(kind, id)) {
                    Some(r) if r.digest == now => {}
                    Some(r) => problem(
                        &mut report,
                        RowProblem {
                            entity: covered.entity.into(),
                            id: id.to_string(),
                            seq: Some(r.seq),
                            reason_en: format!(
                                "{en} {id} was changed outside fazhi: its rows differ from what entry {} recorded",
                                r.seq
                            ),
                            reason_zh: format!(
                                "{zh} {id} 在 fazhi 之外被修改:与第 {} 条审计记录所记载的不符",
                                r.seq
                            ),
                        },
                    ),
                    None if id <= baseline => report.before_digests += 1,
                    None => problem(
                        &mut report,
                        RowProblem {
                            entity: covered.entity.into(),
                            id: id.to_string(),
                            seq: None,
                            reason_en: format!(
                                "{en} {id} is not on the audit trail: no entry records its rows \
                                 (added outside fazhi, or its entries were removed)"
                            ),
                            reason_zh: format!(
                                "{zh} {id} 不在审计链上:没有审计记录记载其内容\
                                 (在 fazhi 之外添加,或其审计记录被删除)"
                            ),
                        },
                    ),
                }
            }
            from = match to.checked_add(1) {
                Some(f) => f,
                None => break,
            };
        }
    }
    // Records the trail holds a digest of, with no rows left.
    let mut gone: Vec<_> = recorded.into_iter().collect();
    gone.sort_by_key(|((kind, id), _)| (*kind, *id));
    for ((kind, id), r) in gone {
        let covered = &rows::COVERED[kind];
        if rows::digest(covered, id, &mut [], &key) == r.digest {
            continue;
        }
        let (en, zh) = (covered.name_en(), covered.name_zh());
        problem(
            &mut report,
            RowProblem {
                entity: covered.entity.into(),
                id: id.to_string(),
                seq: Some(r.seq),
                reason_en: format!(
                    "{en} {id} was deleted outside fazhi (entry {} recorded its rows)",
                    r.seq
                ),
                reason_zh: format!(
                    "{zh} {id} 在 fazhi 之外被删除(第 {} 条审计记录记载过它)",
                    r.seq
                ),
            },
        );
    }
    Ok(report)
}

/// The head: the last sequence number and its hash (0 and the genesis for an empty trail).
pub(crate) async fn head(db: &Db) -> StoreResult<(i64, String)> {
    Ok(sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(db.pool())
        .await?
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        .unwrap_or((0, GENESIS.to_string())))
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

/// The last sequence number of the trail: every change moves it (reads of personal data too).
pub async fn head_seq(db: &Db) -> StoreResult<i64> {
    Ok(head(db).await?.0)
}

/// The version of the public data: the last entry that may have changed what the portal shows
/// ([`changes_public_data`]). Kept in the database, so it is exact across every process that
/// shares it, and one indexed read; a cache of public figures compares against it.
pub async fn public_version(db: &Db) -> StoreResult<i64> {
    Ok(
        sqlx::query("SELECT public_seq FROM audit_head WHERE id = 1")
            .fetch_optional(db.pool())
            .await?
            .map(|r| r.get::<i64, _>(0))
            .unwrap_or(0),
    )
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

#[cfg(test)]
mod tests {
    use super::changes_public_data;

    #[test]
    fn reads_and_private_records_leave_the_public_version() {
        for private in [
            "personal.read",
            "sweep",
            "user.create",
            "token.create",
            "feed.issue",
            "feed.revoke",
            "accountability.open",
        ] {
            assert!(!changes_public_data(private), "{private}");
        }
        for public in [
            "case.open",
            "case.extend",
            "case.open_linked",
            "plan.report",
            "profile.update",
            "unit.update",
            "penalty.record",
            "something.new",
        ] {
            assert!(changes_public_data(public), "{public}");
        }
    }
}

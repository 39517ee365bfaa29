//! Row digests: each entry that writes a case, a penalty or an accountability record also
//! records a digest of that record's rows as they stand when the entry is appended (inside the
//! same transaction, so as written), and [`super::verify_with`] recomputes the digest of the
//! current rows for the latest such entry of each record. A row edited, added or deleted with a
//! database client is then named, although the chain itself is intact.
//!
//! The digest is HMAC-SHA256 under a random key kept in the database (`audit_digest_key`), not
//! a plain hash: the rows hold personal values (names, contacts), and the trail is read by
//! auditors of every unit, who must not be able to confirm a guessed name against it. Anyone
//! who can read the key can read the rows themselves.
//!
//! What is covered is listed here, table by table and column by column, so a later column is
//! simply not covered until it is listed (under a new digest version): the records' own data,
//! not what is derived from it and recomputed in bulk (a case's deadlines and summary columns).
//! A personal-data read records no digest: it changed nothing, and a digest taken then would
//! make a row edited by hand before the read look recorded.

use crate::error::{StoreError, StoreResult};
use crate::sql::{args, Conn};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::OnceLock;

/// The version written before every digest (`1:<hex>`); a change of what is covered gets a new
/// one, and digests of the old version are then checked against the old list.
pub const VERSION: &str = "1";

/// One table of a record: its rows whose `owner` column is the record's id.
struct Part {
    table: &'static str,
    owner: &'static str,
    /// The column that orders the part's rows (its key within the record).
    order: &'static str,
    columns: &'static [&'static str],
}

/// A record kind whose rows are digested: the audit entity, its tables, what a person calls it.
pub(crate) struct Covered {
    pub entity: &'static str,
    name_en: &'static str,
    name_zh: &'static str,
    parts: &'static [Part],
}

/// A case: its row and its personal values. Not what is derived from them and rewritten without
/// an entry of the case's own (a loaded calendar recounts every open deadline in one step):
/// `case_deadlines`, the summary columns `next_due`, `next_warn` and `late`, and `updated_at`.
const CASE: Covered = Covered {
    entity: "case",
    name_en: "case",
    name_zh: "案件",
    parts: &[
        Part {
            table: "cases",
            owner: "id",
            order: "id",
            columns: &[
                "id",
                "procedure",
                "version",
                "unit_id",
                "opened_on",
                "step",
                "closed_on",
                "outcome",
                "major",
                "state",
                "created_at",
            ],
        },
        Part {
            table: "case_personal",
            owner: "case_id",
            order: "field",
            columns: &["field", "value"],
        },
    ],
};

const PENALTY: Covered = Covered {
    entity: "penalty",
    name_en: "penalty",
    name_zh: "处罚决定",
    parts: &[
        Part {
            table: "penalties",
            owner: "id",
            order: "id",
            columns: &[
                "id",
                "unit_id",
                "benchmark",
                "version",
                "case_number",
                "violation_date",
                "decision_date",
                "discovered_date",
                "facts",
                "tier",
                "level",
                "adjustment",
                "rec_min_fen",
                "rec_max_fen",
                "decided_fen",
                "within_recommendation",
                "within_statutory",
                "reason",
                "report",
                "recorded_by",
                "created_at",
            ],
        },
        Part {
            table: "penalty_personal",
            owner: "penalty_id",
            order: "penalty_id",
            columns: &["party_name"],
        },
    ],
};

/// A fault-accountability decision: it names the official held responsible.
const ACCOUNTABILITY: Covered = Covered {
    entity: "accountability",
    name_en: "fault-accountability record",
    name_zh: "过错责任追究记录",
    parts: &[Part {
        table: "accountability",
        owner: "id",
        order: "id",
        columns: &[
            "id",
            "case_id",
            "unit_id",
            "opened_by",
            "person",
            "failure",
            "decision",
            "decided_on",
            "created_at",
        ],
    }],
};

pub(crate) const COVERED: &[Covered] = &[CASE, PENALTY, ACCOUNTABILITY];

/// The part of the row [`Covered::sql_with_head`] puts first: the trail's head.
pub(crate) const HEAD_PART: i64 = -1;

/// The record kind of `entity`, when its rows are digested.
pub(crate) fn covered(entity: &str) -> Option<(usize, &'static Covered)> {
    COVERED.iter().enumerate().find(|(_, c)| c.entity == entity)
}

/// Whether an entry of `action` records the rows it names: every write does, a read does not.
pub(crate) fn records_rows(action: &str) -> bool {
    action != "personal.read"
}

impl Covered {
    pub fn name_en(&self) -> &'static str {
        self.name_en
    }
    pub fn name_zh(&self) -> &'static str {
        self.name_zh
    }

    /// One statement for all of the record's parts, for the ids from `$1` to `$2`: every value
    /// as text (or NULL), padded to one width; each row `part, owner, order, values…`.
    pub fn sql(&self) -> &'static str {
        static CACHE: OnceLock<Vec<String>> = OnceLock::new();
        let all = CACHE.get_or_init(|| {
            COVERED
                .iter()
                .map(|c| {
                    let width = c.parts.iter().map(|p| p.columns.len()).max().unwrap_or(0);
                    c.parts
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let mut cols = vec![
                                format!("CAST({i} AS TEXT)"),
                                format!("CAST({} AS TEXT)", p.owner),
                                format!("CAST({} AS TEXT)", p.order),
                            ];
                            cols.extend(p.columns.iter().map(|c| format!("CAST({c} AS TEXT)")));
                            cols.extend(
                                (p.columns.len()..width).map(|_| "CAST(NULL AS TEXT)".to_string()),
                            );
                            format!(
                                "SELECT {} FROM {} WHERE {} BETWEEN $1 AND $2",
                                cols.join(", "),
                                p.table,
                                p.owner
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" UNION ALL ")
                })
                .collect()
        });
        let i = COVERED
            .iter()
            .position(|c| c.entity == self.entity)
            .expect("a covered entity");
        &all[i]
    }

    /// [`Covered::sql`] for one id, after a first row that is the trail's head (part
    /// [`HEAD_PART`]; then seq, hash, public_seq and the digest key): what an append on a
    /// server reads in one round trip.
    pub fn sql_with_head(&self) -> &'static str {
        static CACHE: OnceLock<Vec<String>> = OnceLock::new();
        let all = CACHE.get_or_init(|| {
            COVERED
                .iter()
                .map(|c| {
                    let width = c.parts.iter().map(|p| p.columns.len()).max().unwrap_or(0);
                    let pad = (2..width)
                        .map(|_| ", CAST(NULL AS TEXT)")
                        .collect::<String>();
                    format!(
                        "SELECT CAST({HEAD_PART} AS TEXT), CAST(seq AS TEXT), CAST(hash AS TEXT), \
                         CAST(public_seq AS TEXT), \
                         (SELECT CAST(secret AS TEXT) FROM audit_digest_key WHERE id = 1){pad} \
                         FROM audit_head WHERE id = 1 UNION ALL {}",
                        c.sql()
                    )
                })
                .collect()
        });
        let i = COVERED
            .iter()
            .position(|c| c.entity == self.entity)
            .expect("a covered entity");
        &all[i]
    }

    /// One statement per part for the id `$1`, values as stored: for the SQLite writer, where
    /// a statement costs no round trip and the union's casts and padding would cost time.
    fn part_sql(&self, part: usize) -> &'static str {
        static CACHE: OnceLock<Vec<Vec<String>>> = OnceLock::new();
        let all = CACHE.get_or_init(|| {
            COVERED
                .iter()
                .map(|c| {
                    c.parts
                        .iter()
                        .map(|p| {
                            format!(
                                "SELECT {}, {} FROM {} WHERE {} = $1",
                                p.order,
                                p.columns.join(", "),
                                p.table,
                                p.owner
                            )
                        })
                        .collect()
                })
                .collect()
        });
        let i = COVERED
            .iter()
            .position(|c| c.entity == self.entity)
            .expect("a covered entity");
        &all[i][part]
    }

    /// The tables holding the record's rows, with the column naming the record.
    pub fn owner_columns(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        self.parts.iter().map(|p| (p.table, p.owner))
    }
}

/// One row read for a digest: its part, its order key and its values.
pub(crate) struct PartRow {
    pub part: usize,
    pub order: Option<String>,
    pub values: Vec<Option<String>>,
}

/// The digest of one record's rows (in any order): `VERSION:hex`. HMAC-SHA256 over an
/// unambiguous encoding fed straight into the MAC: the entity and id, then each row (sorted by
/// part and order key, bytewise) as its part number and its part's values, each value tagged
/// NULL or text (integers in decimal) with its length.
pub(crate) fn digest(c: &Covered, id: i64, rows: &mut [PartRow], key: &str) -> String {
    rows.sort_by(|a, b| {
        (a.part, a.order.as_deref().map(str::as_bytes))
            .cmp(&(b.part, b.order.as_deref().map(str::as_bytes)))
    });
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    let text = |mac: &mut Hmac<Sha256>, s: &str| {
        mac.update(&[1]);
        mac.update(&(s.len() as u64).to_be_bytes());
        mac.update(s.as_bytes());
    };
    mac.update(b"fazhi row digest ");
    mac.update(VERSION.as_bytes());
    mac.update(&[0]);
    text(&mut mac, c.entity);
    text(&mut mac, &id.to_string());
    for r in rows.iter() {
        mac.update(b"R");
        mac.update(&(r.part as u64).to_be_bytes());
        let width = c.parts.get(r.part).map_or(0, |p| p.columns.len());
        for v in r.values.iter().take(width) {
            match v {
                None => mac.update(&[0]),
                Some(s) => text(&mut mac, s),
            }
        }
    }
    format!("{VERSION}:{}", hex::encode(mac.finalize().into_bytes()))
}

/// The record `id`'s rows as they stand inside the caller's transaction, one statement per
/// part (on the SQLite writer, where a statement costs no round trip).
pub(crate) async fn part_rows<C: Conn>(
    c: &mut C,
    covered: &Covered,
    id: i64,
) -> StoreResult<Vec<PartRow>> {
    let mut parts = Vec::new();
    for part in 0..covered.parts.len() {
        for r in c.fetch_all(covered.part_sql(part), args![id]).await? {
            let mut values = r.into_texts();
            let order = values.first().cloned().flatten();
            values.remove(0);
            parts.push(PartRow {
                part,
                order,
                values,
            });
        }
    }
    Ok(parts)
}

impl PartRow {
    /// From a row of [`Covered::sql`]: part, owner, order key, values (padded).
    pub fn of(mut values: Vec<Option<String>>) -> StoreResult<PartRow> {
        let bad = || StoreError::Database("a digest row without its part".into());
        if values.len() < 3 {
            return Err(bad());
        }
        let rest = values.split_off(3);
        let order = values.pop().flatten();
        values.pop();
        let part = values
            .pop()
            .flatten()
            .and_then(|p| p.parse().ok())
            .ok_or_else(bad)?;
        Ok(PartRow {
            part,
            order,
            values: rest,
        })
    }
}

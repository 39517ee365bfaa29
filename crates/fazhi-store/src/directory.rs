//! The organisation directory in the database: units, aliases (from the data file and those a
//! person mapped by hand), and unit groups. Name resolution itself is `fazhi_org`'s pure logic,
//! run over the directory rebuilt from these rows, so a remembered mapping takes effect at once.

use crate::access::AdminHandle;
use crate::audit::AuditEntry;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use fazhi_org::{Directory, GroupDef, UnitDef, UnitKind};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize)]
pub struct UnitRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub parent_key: Option<String>,
}

impl UnitRow {
    /// From a row of `id, key, name, name_en, kind, parent_key`.
    fn from_row(r: &sqlx::any::AnyRow) -> Self {
        UnitRow {
            id: r.get(0),
            key: r.get(1),
            name: r.get(2),
            name_en: r.get(3),
            kind: r.get(4),
            parent_key: r.get(5),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub units_added: usize,
    pub units_updated: usize,
    pub aliases_added: usize,
    pub groups_written: usize,
}

pub async fn list_units(db: &Db) -> StoreResult<Vec<UnitRow>> {
    let rows = sqlx::query(
        "SELECT u.id, u.key, u.name, u.name_en, u.kind, p.key FROM units u \
         LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.id",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(UnitRow::from_row).collect())
}

pub async fn unit_by_key(db: &Db, key: &str) -> StoreResult<UnitRow> {
    list_units(db)
        .await?
        .into_iter()
        .find(|u| u.key == key)
        .ok_or(StoreError::NotFound {
            entity: "unit",
            key: key.to_string(),
        })
}

fn kind_from_str(s: &str) -> UnitKind {
    serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or(UnitKind::Other)
}

/// Rebuild the pure directory from the stored rows, including remembered aliases.
pub async fn load_directory(db: &Db) -> StoreResult<Directory> {
    let units = list_units(db).await?;
    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query("SELECT alias, unit_id FROM unit_aliases ORDER BY alias")
        .fetch_all(db.pool())
        .await?
    {
        aliases.entry(r.get(1)).or_default().push(r.get(0));
    }
    let defs = units
        .into_iter()
        .map(|u| UnitDef {
            aliases: aliases.remove(&u.id).unwrap_or_default(),
            kind: kind_from_str(&u.kind),
            key: u.key,
            name: u.name,
            name_en: u.name_en,
            parent: u.parent_key,
        })
        .collect();
    let mut groups = Vec::new();
    for r in sqlx::query("SELECT definition FROM unit_groups ORDER BY key")
        .fetch_all(db.pool())
        .await?
    {
        let def: GroupDef = serde_json::from_str(&r.get::<String, _>(0))
            .map_err(|e| StoreError::Migration(format!("stored unit group is not valid: {e}")))?;
        groups.push(def);
    }
    Directory::from_parts(defs, groups).map_err(|e| {
        StoreError::invalid(
            "unit",
            format!("单位目录不一致:{e}"),
            format!("the stored directory is inconsistent: {e}"),
        )
    })
}

/// Load a directory data file into the database. Idempotent: units are matched by key, and a
/// second import of the same file changes nothing.
pub async fn import(db: &Db, admin: &AdminHandle, dir: &Directory) -> StoreResult<ImportReport> {
    let mut report = ImportReport::default();
    let mut tx = db.begin_write().await?;
    let mut ids: HashMap<String, i64> = HashMap::new();
    for r in sqlx::query("SELECT key, id FROM units")
        .fetch_all(tx.conn())
        .await?
    {
        ids.insert(r.get(0), r.get(1));
    }
    let existing: HashMap<String, UnitRow> = {
        let rows = sqlx::query(
            "SELECT u.id, u.key, u.name, u.name_en, u.kind, p.key FROM units u LEFT JOIN units p ON p.id = u.parent_id",
        )
        .fetch_all(tx.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let row = UnitRow::from_row(r);
                (row.key.clone(), row)
            })
            .collect()
    };
    // Pass 1: every unit exists with its own fields; pass 2: parent links, so the order of the
    // file does not matter.
    for u in dir.units() {
        match existing.get(&u.key) {
            None => {
                let id: i64 = sqlx::query(
                    "INSERT INTO units (key, name, name_en, kind, parent_id, created_at) \
                     VALUES ($1, $2, $3, $4, NULL, $5) RETURNING id",
                )
                .bind(&u.key)
                .bind(&u.name)
                .bind(&u.name_en)
                .bind(u.kind.as_str())
                .bind(crate::now_text())
                .fetch_one(tx.conn())
                .await
                .map_err(|e| StoreError::from_insert(e, "unit name", &u.name))?
                .get(0);
                ids.insert(u.key.clone(), id);
                report.units_added += 1;
                tx.audit(
                    AuditEntry::new(admin.actor(), "unit.create", "unit", &u.key)
                        .unit(&u.key)
                        .after(u),
                )
                .await?;
            }
            Some(old) => {
                let changed = old.name != u.name
                    || old.name_en != u.name_en
                    || old.kind != u.kind.as_str()
                    || old.parent_key != u.parent;
                if changed {
                    sqlx::query(
                        "UPDATE units SET name = $1, name_en = $2, kind = $3 WHERE id = $4",
                    )
                    .bind(&u.name)
                    .bind(&u.name_en)
                    .bind(u.kind.as_str())
                    .bind(old.id)
                    .execute(tx.conn())
                    .await
                    .map_err(|e| StoreError::from_insert(e, "unit name", &u.name))?;
                    report.units_updated += 1;
                    tx.audit(
                        AuditEntry::new(admin.actor(), "unit.update", "unit", &u.key)
                            .unit(&u.key)
                            .before(old)
                            .after(u),
                    )
                    .await?;
                }
            }
        }
    }
    for u in dir.units() {
        let parent_id = u.parent.as_ref().and_then(|p| ids.get(p).copied());
        sqlx::query("UPDATE units SET parent_id = $1 WHERE key = $2")
            .bind(parent_id)
            .bind(&u.key)
            .execute(tx.conn())
            .await?;
        for alias in &u.aliases {
            let inserted = sqlx::query(
                "INSERT INTO unit_aliases (alias, unit_id, source) VALUES ($1, $2, 'directory') \
                 ON CONFLICT (alias) DO NOTHING",
            )
            .bind(alias)
            .bind(ids[&u.key])
            .execute(tx.conn())
            .await?
            .rows_affected();
            report.aliases_added += inserted as usize;
        }
    }
    for g in dir.groups() {
        let def = serde_json::to_string(g).expect("a group definition serialises");
        let old: Option<String> = sqlx::query("SELECT definition FROM unit_groups WHERE key = $1")
            .bind(&g.key)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get(0));
        if old.as_deref() != Some(def.as_str()) {
            sqlx::query(
                "INSERT INTO unit_groups (key, name, definition) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET name = excluded.name, definition = excluded.definition",
            )
            .bind(&g.key)
            .bind(&g.name)
            .bind(&def)
            .execute(tx.conn())
            .await?;
            report.groups_written += 1;
        }
    }
    if report == ImportReport::default() {
        return Ok(report); // nothing changed: roll back the empty transaction
    }
    tx.audit(
        AuditEntry::new(admin.actor(), "directory.import", "directory", "import").after(&report),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Add one unit. The directory is checked as a whole first, so a name that clashes with an
/// existing unit, alias or group is refused with the clash named.
pub async fn create_unit(db: &Db, admin: &AdminHandle, new: NewUnit) -> StoreResult<UnitRow> {
    if new.key.is_empty()
        || !new
            .key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(StoreError::invalid(
            "unit key",
            "单位标识须为小写字母、数字或 -",
            "a unit key is lowercase letters, digits or -",
        ));
    }
    if new.name.trim().is_empty() {
        return Err(StoreError::invalid(
            "unit name",
            "单位名称不能为空",
            "the unit name is empty",
        ));
    }
    let current = load_directory(db).await?;
    let units = current
        .units()
        .iter()
        .cloned()
        .chain(std::iter::once(UnitDef {
            key: new.key.clone(),
            name: new.name.clone(),
            name_en: new.name_en.clone(),
            kind: new.kind,
            parent: new.parent.clone(),
            aliases: new.aliases.clone(),
        }));
    if current.units().iter().any(|u| u.name == new.name) {
        return Err(StoreError::Duplicate {
            field: "unit name",
            value: new.name,
        });
    }
    if current.units().iter().any(|u| u.key == new.key) {
        return Err(StoreError::Duplicate {
            field: "unit key",
            value: new.key,
        });
    }
    let checked = Directory::from_parts(units.collect(), current.groups().to_vec())
        .map_err(|e| StoreError::invalid("unit", e.to_string(), e.to_string()))?;
    let report = import(db, admin, &checked).await?;
    debug_assert_eq!(report.units_added, 1);
    unit_by_key(db, &new.key).await
}

/// Remember that `alias` means `unit_key` (a person's mapping of a name a parser could not
/// resolve). Refused when the alias already means something else.
pub async fn remember_alias(
    db: &Db,
    admin: &AdminHandle,
    alias: &str,
    unit_key: &str,
) -> StoreResult<()> {
    let alias = alias.trim();
    if alias.is_empty() {
        return Err(StoreError::invalid(
            "alias",
            "别名不能为空",
            "the alias is empty",
        ));
    }
    let dir = load_directory(db).await?;
    match dir.resolve(alias) {
        fazhi_org::Resolution::Unit(k) if k == unit_key => return Ok(()),
        fazhi_org::Resolution::Unknown { .. } => {}
        other => {
            return Err(StoreError::Duplicate {
                field: "alias",
                value: format!("{alias} → {}", dir.canonical_names(&other).join("、")),
            })
        }
    }
    let unit = unit_by_key(db, unit_key).await?;
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO unit_aliases (alias, unit_id, source) VALUES ($1, $2, 'mapping')")
        .bind(alias)
        .bind(unit.id)
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::from_insert(e, "alias", alias))?;
    tx.audit(
        AuditEntry::new(admin.actor(), "alias.map", "unit_alias", alias)
            .unit(unit_key)
            .after(serde_json::json!({ "alias": alias, "unit": unit_key })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

//! A unit's public contact profile: where and how the public reaches its information-disclosure
//! and petition desks. It is a unit-owned record: officers change their own unit's profile,
//! supervisors those in their scope. It holds office contacts only, never personal data, and
//! is shown on the public portal.

use crate::access::{UnitRead, UnitWrite};
use crate::audit::AuditEntry;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub address: String,
    pub phone: String,
    pub office_hours: String,
    /// The office that receives disclosure requests, e.g. "办公室政务公开科".
    pub disclosure_contact: String,
}

impl Profile {
    fn validate(&self) -> StoreResult<()> {
        for (field, value, max) in [
            ("address", &self.address, 200),
            ("phone", &self.phone, 40),
            ("office hours", &self.office_hours, 100),
            ("disclosure contact", &self.disclosure_contact, 100),
        ] {
            if value.chars().count() > max {
                return Err(StoreError::invalid(
                    field,
                    format!("不得超过 {max} 个字符"),
                    format!("at most {max} characters"),
                ));
            }
        }
        if !self
            .phone
            .chars()
            .all(|c| c.is_ascii_digit() || " -+()".contains(c))
        {
            return Err(StoreError::invalid(
                "phone",
                "只能包含数字、空格和 - + ( )",
                "digits, spaces and - + ( ) only",
            ));
        }
        Ok(())
    }
}

pub async fn get(db: &Db, unit: &UnitRead) -> StoreResult<Profile> {
    Ok(fetch(db.pool(), unit.unit_id()).await?.unwrap_or_default())
}

async fn fetch<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    unit_id: i64,
) -> StoreResult<Option<Profile>> {
    let row = sqlx::query("SELECT address, phone, office_hours, disclosure_contact FROM unit_profiles WHERE unit_id = $1")
        .bind(unit_id)
        .fetch_optional(exec)
        .await?;
    Ok(row.map(|r| Profile {
        address: r.get(0),
        phone: r.get(1),
        office_hours: r.get(2),
        disclosure_contact: r.get(3),
    }))
}

/// Replace the unit's profile; returns the audit sequence number of the change.
pub async fn update(db: &Db, unit: &UnitWrite, new: &Profile) -> StoreResult<i64> {
    new.validate()?;
    let mut tx = db.begin_write().await?;
    let before = fetch(tx.conn(), unit.unit_id()).await?;
    sqlx::query(
        "INSERT INTO unit_profiles (unit_id, address, phone, office_hours, disclosure_contact, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unit_id) DO UPDATE SET address = excluded.address, \
         phone = excluded.phone, office_hours = excluded.office_hours, \
         disclosure_contact = excluded.disclosure_contact, updated_at = excluded.updated_at",
    )
    .bind(unit.unit_id())
    .bind(&new.address)
    .bind(&new.phone)
    .bind(&new.office_hours)
    .bind(&new.disclosure_contact)
    .bind(crate::now_text())
    .execute(tx.conn())
    .await?;
    let seq = tx
        .audit(
            AuditEntry::new(
                unit.actor(),
                "profile.update",
                "unit_profile",
                unit.unit_key(),
            )
            .unit(unit.unit_key())
            .before(before)
            .after(new),
        )
        .await?;
    tx.commit().await?;
    Ok(seq)
}

/// Every unit's public profile, for the portal (no login).
#[derive(Clone, Debug, Serialize)]
pub struct PublicProfile {
    pub unit_key: String,
    pub unit_name: String,
    pub profile: Profile,
}

pub async fn list_public(db: &Db) -> StoreResult<Vec<PublicProfile>> {
    let rows = sqlx::query(
        "SELECT u.key, u.name, p.address, p.phone, p.office_hours, p.disclosure_contact \
         FROM unit_profiles p JOIN units u ON u.id = p.unit_id ORDER BY u.id",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| PublicProfile {
            unit_key: r.get(0),
            unit_name: r.get(1),
            profile: Profile {
                address: r.get(2),
                phone: r.get(3),
                office_hours: r.get(4),
                disclosure_contact: r.get(5),
            },
        })
        .collect())
}

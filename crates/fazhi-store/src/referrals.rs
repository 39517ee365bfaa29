//! Petitions answered by telling the petitioner to use a statutory channel, and the cases that
//! channel's body opens and links back to them.
//!
//! A matter to be resolved by reconsideration or litigation is not handled as a petition: the
//! petition bureau tells the petitioner to use that channel (告知; 信访条例 2005 Art 21, 信访工作
//! 条例 2022 Art 31) and records the channel and the notice date (`refer` in
//! data/procedures/petition.toml). It opens nothing on that channel: a case opened there in the
//! bureau's name would run a time limit that is not the bureau's and raise an alarm against it.
//! The reconsideration body (the legal affairs office) opens its case when the application
//! arrives and names the petition in the opening field [`REFERRED_FROM_PETITION`]; this module
//! checks that the field names a petition referred to reconsideration and links the two cases
//! (`case_links`, shown on both case pages).
//!
//! The case and its link are written in one transaction, the link with its own audit entry
//! (`case.link`): a case never stands without the link its field names.

use crate::access::{Principal, UnitSet, UnitWrite};
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use chrono::NaiveDate;
use sqlx::Row;
use std::collections::BTreeMap;

/// The opening field of a reconsideration case that names the petition it was referred from,
/// and the name of the link between the two cases.
pub const REFERRED_FROM_PETITION: &str = "referred_from_petition";

/// Which procedures take the field, and the petition's `referred_to` channel each needs.
const CHANNELS: &[(&str, &str, &str, &str)] = &[(
    "reconsideration",
    "reconsideration",
    "行政复议",
    "reconsideration",
)];

fn invalid(zh: String, en: String) -> StoreError {
    StoreError::invalid(REFERRED_FROM_PETITION, zh, en)
}

/// The petition a case of `procedure` may name in `referred_from_petition`: an existing
/// petition whose petitioner was told to use this procedure's channel.
///
/// The person opening the case need not be able to read the petition (an officer of the legal
/// affairs office cannot read the petition bureau's cases). To them a refusal says only that the
/// number is not such a petition, so that opening a case is no way to learn what another unit's
/// case numbers hold; those who may read the petition are told what is wrong with it.
pub async fn check_referred_from(
    db: &Db,
    who: &Principal,
    procedure: &str,
    value: &str,
) -> StoreResult<i64> {
    let Some(&(_, channel, channel_zh, channel_en)) =
        CHANNELS.iter().find(|(p, ..)| *p == procedure)
    else {
        return Err(invalid(
            format!("{procedure} 案件不记录由信访事项转来的案件编号"),
            format!("a {procedure} case does not record a petition it was referred from"),
        ));
    };
    let value = value.trim();
    let id: i64 = value.parse().ok().filter(|id| *id > 0).ok_or_else(|| {
        invalid(
            format!("应填写信访事项的案件编号(正整数):{value}"),
            format!("give the petition's case number (a whole number): {value}"),
        )
    })?;
    let not_such = || {
        invalid(
            format!("#{id} 不是已告知信访人申请{channel_zh}的信访事项"),
            format!("#{id} is not a petition whose petitioner was told to apply for {channel_en}"),
        )
    };
    let row = sqlx::query("SELECT procedure, step, state, unit_id FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else {
        return Err(if *who.readable_units() == UnitSet::All {
            invalid(
                format!("案件 #{id} 不存在"),
                format!("there is no case #{id}"),
            )
        } else {
            not_such()
        });
    };
    let (kind, step, state, unit_id): (String, String, String, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let told: Option<String> = serde_json::from_str::<serde_json::Value>(&state)
        .ok()
        .and_then(|s| s["fields"]["referred_to"].as_str().map(str::to_string));
    let wrong = if kind != "petition" {
        Some((
            format!("案件 #{id} 不是信访事项"),
            format!("case #{id} is not a petition"),
        ))
    } else if step != "referred" {
        Some((
            format!("信访事项 #{id} 尚未告知信访人通过法定途径解决"),
            format!("petition #{id} has not been referred: its petitioner was not told to use a statutory channel"),
        ))
    } else if told.as_deref() != Some(channel) {
        let (zh, en) = match told.as_deref() {
            Some("litigation") => ("行政诉讼", "litigation"),
            Some("other_statutory") => ("其他法定途径", "another statutory channel"),
            _ => ("其他途径", "another channel"),
        };
        Some((
            format!("信访事项 #{id} 告知信访人通过{zh}解决,而非{channel_zh}"),
            format!("petition #{id} told the petitioner to use {en}, not {channel_en}"),
        ))
    } else {
        None
    };
    match wrong {
        None => Ok(id),
        Some((zh, en)) if who.can_read_unit(unit_id) => Err(invalid(zh, en)),
        Some(_) => Err(not_such()),
    }
}

/// Open a case of `procedure` for `unit` (as [`crate::cases::open_case`]); when the fields name
/// the petition it was referred from, check it first and link the two cases after.
pub async fn open_case(
    db: &Db,
    unit: &UnitWrite,
    who: &Principal,
    procedure: &str,
    on: NaiveDate,
    fields: BTreeMap<String, String>,
) -> StoreResult<i64> {
    let petition = match fields.get(REFERRED_FROM_PETITION) {
        Some(v) if !v.trim().is_empty() => Some(check_referred_from(db, who, procedure, v).await?),
        _ => None,
    };
    let link = petition.map(|from_case| crate::cases::OpeningLink {
        from_case,
        name: REFERRED_FROM_PETITION,
    });
    crate::cases::open_case_linked(db, unit, who, procedure, on, fields, link).await
}

//! The figures the public portal and the charts show, cached against the audit trail's head:
//! every change moves the head, so a cached copy is served exactly while nothing has changed
//! (in this process or any other sharing the database), and one indexed read checks it.

use crate::pages::PlanSummary;
use crate::AppState;
use fazhi_store::cases::PublicStat;
use fazhi_store::directory::UnitRow;
use fazhi_store::profile::PublicProfile;
use fazhi_store::StoreError;
use std::sync::{Arc, Mutex};

pub struct PublicData {
    pub units: Vec<UnitRow>,
    pub profiles: Vec<PublicProfile>,
    pub plans: Vec<PlanSummary>,
    pub stats: Vec<PublicStat>,
}

/// (audit head, day): the day is part of the key because timing changes overnight.
type Version = (i64, chrono::NaiveDate);

#[derive(Default)]
pub struct PublicCache {
    inner: Mutex<Option<(Version, Arc<PublicData>)>>,
}

pub async fn public_data(state: &AppState) -> Result<Arc<PublicData>, StoreError> {
    let key = (
        fazhi_store::audit::head_seq(&state.db).await?,
        crate::plan_pages::today_cst(),
    );
    if let Some((k, data)) = state
        .public_cache
        .inner
        .lock()
        .expect("cache lock")
        .as_ref()
    {
        if *k == key {
            return Ok(data.clone());
        }
    }
    let data = Arc::new(PublicData {
        units: fazhi_store::directory::list_units(&state.db).await?,
        profiles: fazhi_store::profile::list_public(&state.db).await?,
        plans: crate::pages::plan_summaries(&state.db).await?,
        stats: fazhi_store::cases::public_stats(&state.db).await?,
    });
    *state.public_cache.inner.lock().expect("cache lock") = Some((key, data.clone()));
    Ok(data)
}

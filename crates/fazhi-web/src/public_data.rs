//! The figures the public portal and the charts show, cached against the version of public
//! data (`audit::public_version`): the last audit entry that may have changed what the portal
//! shows, kept in the database, so a cached copy is served exactly while nothing public has
//! changed (in this process or any other sharing the database), and one indexed read checks
//! it. Reads of personal data are audited too but leave that version, and so the cache, alone.

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

/// (public data version, day): the day is part of the key because timing changes overnight.
type Version = (i64, chrono::NaiveDate);

#[derive(Default)]
pub struct PublicCache {
    inner: Mutex<Option<(Version, Arc<PublicData>)>>,
}

pub async fn public_data(state: &AppState) -> Result<Arc<PublicData>, StoreError> {
    let key = (
        fazhi_store::audit::public_version(&state.db).await?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use fazhi_store::access::{AdminHandle, Role};
    use fazhi_store::{cases, directory, profile, testing};
    use std::collections::BTreeMap;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Reading personal data is audited, but it changes nothing the portal shows: the cached
    /// figures stay. A change of public data, made through another connection as another
    /// process would, replaces them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_personal_data_read_keeps_the_cached_figures_and_a_public_change_replaces_them() {
        for t in testing::fresh_databases("public_cache").await {
            let db = t.open().await;
            directory::import(
                &db,
                &AdminHandle::command_line("test"),
                &fazhi_org::Directory::bundled_bazhong_2008(),
            )
            .await
            .unwrap();
            let go = testing::person(&db, "go", "general-office", Role::Officer).await;
            let unit = go.write_unit(&db, "general-office").await.unwrap();
            let on = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
            let id = cases::open_case(
                &db,
                &unit,
                &go,
                "disclosure_request",
                on,
                fields(&[
                    ("channel", "in_person"),
                    ("applicant_name", "张三"),
                    ("information_sought", "预算"),
                ]),
            )
            .await
            .unwrap();
            let state = AppState {
                db: db.clone(),
                secure_cookies: false,
                public_cache: Default::default(),
                audit_key: None,
            };
            let first = public_data(&state).await.unwrap();
            let view = cases::view(&db, &go, id, on).await.unwrap();
            assert!(view.personal.is_some(), "{}: the read happened", t.label);
            let second = public_data(&state).await.unwrap();
            assert!(
                Arc::ptr_eq(&first, &second),
                "{}: a personal-data read must not invalidate the public cache",
                t.label
            );

            // Another process acts on the case: the portal's figures are computed again.
            let other = t.open().await;
            let go2 = fazhi_store::accounts::login(&other, "go", "correct horse battery", "::1")
                .await
                .unwrap()
                .principal;
            cases::act(
                &other,
                &go2,
                id,
                "extend",
                on + chrono::Duration::days(19),
                fields(&[("approver", "主任"), ("reason", "需要")]),
                None,
            )
            .await
            .unwrap();
            let third = public_data(&state).await.unwrap();
            assert!(
                !Arc::ptr_eq(&second, &third),
                "{}: a case action changes public figures",
                t.label
            );
            // A unit's public contact details are public data too.
            let unit2 = go2.write_unit(&other, "general-office").await.unwrap();
            profile::update(
                &other,
                &unit2,
                &profile::Profile {
                    phone: "0827-1234567".into(),
                    ..profile::Profile::default()
                },
            )
            .await
            .unwrap();
            let fourth = public_data(&state).await.unwrap();
            assert!(!Arc::ptr_eq(&third, &fourth), "{}: a profile", t.label);
            assert!(fourth
                .profiles
                .iter()
                .any(|p| p.profile.phone == "0827-1234567"));
            other.close().await;
            db.close().await;
            t.remove().await;
        }
    }
}

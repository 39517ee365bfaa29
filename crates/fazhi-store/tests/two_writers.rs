//! Two processes writing one SQLite file: a write waits its turn and never fails with "database
//! is locked". (A deferred BEGIN that later upgrades to a write lock fails at once when another
//! connection writes; the busy timeout does not apply to that upgrade.)

use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::profile::{self, Profile};
use fazhi_store::testing::{fresh_sqlite, person};
use fazhi_store::{cases, directory, Db};
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn profile_writes_wait_while_another_process_opens_cases() {
    let t = fresh_sqlite("two_writers");
    let a = t.open().await;
    directory::import(
        &a,
        &AdminHandle::command_line("test"),
        &fazhi_org::Directory::bundled_bazhong_2008(),
    )
    .await
    .unwrap();
    let go = person(&a, "go", "general-office", Role::Officer).await;
    // A second pool on the same file stands for a second process (its own write lock).
    let b = Db::connect(&t.url).await.unwrap();
    let writer = {
        let b = b.clone();
        let go = go.clone();
        tokio::spawn(async move {
            let unit = go.write_unit(&b, "general-office").await.unwrap();
            for i in 0..150 {
                let fields: BTreeMap<String, String> = [
                    ("channel", "online".to_string()),
                    ("applicant_name", format!("申请人{i}")),
                    ("information_sought", "预算".to_string()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
                let on = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
                cases::open_case(&b, &unit, &go, "disclosure_request", on, fields)
                    .await
                    .unwrap();
            }
        })
    };
    let unit = go.write_unit(&a, "general-office").await.unwrap();
    let mut failures = Vec::new();
    for i in 0..150 {
        let p = Profile {
            address: format!("江北大道 {i} 号"),
            phone: "0827-5261000".into(),
            office_hours: "9:00-17:30".into(),
            disclosure_contact: "政务公开科".into(),
        };
        if let Err(e) = profile::update(&a, &unit, &p).await {
            failures.push(e.to_string());
        }
    }
    writer.await.unwrap();
    assert!(
        failures.is_empty(),
        "{} of 150 failed: {:?}",
        failures.len(),
        failures.first()
    );
    fazhi_store::audit::verify(&a).await.unwrap();
    b.close().await;
    a.close().await;
    t.remove().await;
}

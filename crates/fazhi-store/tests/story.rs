//! The storage story: the same test runs on SQLite and, when `FAZHI_TEST_PG` is set, on
//! PostgreSQL. Directory import, accounts, unit-scoped access, and the audit chain's tamper
//! evidence.

use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::audit::{self, AuditQuery};
use fazhi_store::directory::{self, NewUnit};
use fazhi_store::profile::{self, Profile};
use fazhi_store::testing::fresh_databases;
use fazhi_store::{accounts, Db, Principal, StoreError};

fn admin() -> AdminHandle {
    AdminHandle::command_line("test")
}

async fn seeded(db: &Db) {
    directory::import(db, &admin(), &fazhi_org::Directory::bundled_bazhong_2008())
        .await
        .unwrap();
    for (username, unit, role) in [
        ("officer-a", "general-office", Role::Officer),
        ("officer-b", "petition-bureau", Role::Officer),
        ("supervisor", "legal-affairs-office", Role::Supervisor),
        ("auditor", "audit-bureau", Role::Auditor),
    ] {
        accounts::create_user(
            db,
            &admin(),
            accounts::NewUser {
                username: username.into(),
                display_name: format!("{username} name"),
                password: "correct horse battery".into(),
                unit_key: unit.into(),
                grants: vec![RoleGrant { role, scope: None }],
            },
        )
        .await
        .unwrap();
    }
}

async fn principal(db: &Db, username: &str) -> Principal {
    accounts::login(db, username, "correct horse battery", "127.0.0.1")
        .await
        .unwrap()
        .principal
}

async fn audit_count(db: &Db) -> i64 {
    audit::verify(db).await.unwrap().entries
}

#[tokio::test]
async fn migrations_and_directory_import_are_idempotent() {
    for t in fresh_databases("import").await {
        let db = t.open().await;
        assert!(
            db.migrate().await.unwrap().is_empty(),
            "{}: second migrate applies nothing",
            t.label
        );
        let dir = fazhi_org::Directory::bundled_bazhong_2008();
        let first = directory::import(&db, &admin(), &dir).await.unwrap();
        assert_eq!(first.units_added, dir.units().len(), "{}", t.label);
        let entries = audit_count(&db).await;
        let second = directory::import(&db, &admin(), &dir).await.unwrap();
        assert_eq!(
            second,
            directory::ImportReport::default(),
            "{}: a second import changes nothing",
            t.label
        );
        assert_eq!(
            audit_count(&db).await,
            entries,
            "{}: and records nothing",
            t.label
        );
        let stored = directory::load_directory(&db).await.unwrap();
        let res = stored.resolve("法制");
        assert_eq!(res.unit_keys(), vec!["legal-affairs-office"], "{}", t.label);
        assert_eq!(
            stored.canonical_names(&res),
            vec!["市政府法制办公室".to_string()]
        );
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    for t in fresh_databases("badinput").await {
        let db = t.open().await;
        seeded(&db).await;
        let before = audit_count(&db).await;
        let dup = NewUnit {
            key: "another-legal-office".into(),
            name: "市政府法制办公室".into(),
            name_en: "dup".into(),
            kind: fazhi_org::UnitKind::Office,
            parent: Some("bazhong-city-government".into()),
            aliases: vec![],
        };
        let err = directory::create_unit(&db, &admin(), dup)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Duplicate {
                    field: "unit name",
                    ..
                }
            ),
            "{}: {err:?}",
            t.label
        );
        let err = accounts::create_user(
            &db,
            &admin(),
            accounts::NewUser {
                username: "officer-a".into(),
                display_name: "x".into(),
                password: "long enough password".into(),
                unit_key: "general-office".into(),
                grants: vec![RoleGrant {
                    role: Role::Officer,
                    scope: None,
                }],
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Duplicate {
                    field: "username",
                    ..
                }
            ),
            "{}: {err:?}",
            t.label
        );
        let err = accounts::create_user(
            &db,
            &admin(),
            accounts::NewUser {
                username: "newbie".into(),
                display_name: "x".into(),
                password: "long enough password".into(),
                unit_key: "no-such-unit".into(),
                grants: vec![RoleGrant {
                    role: Role::Officer,
                    scope: None,
                }],
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { entity: "unit", .. }),
            "{}: {err:?}",
            t.label
        );
        let officer = principal(&db, "officer-a").await;
        let own = officer.write_unit(&db, "general-office").await.unwrap();
        let bad = Profile {
            phone: "call me maybe".into(),
            ..Profile::default()
        };
        assert!(matches!(
            profile::update(&db, &own, &bad).await,
            Err(StoreError::Invalid { .. })
        ));
        assert_eq!(
            audit_count(&db).await,
            before,
            "{}: nothing was recorded",
            t.label
        );
        assert!(accounts::list_users(&db, &admin())
            .await
            .unwrap()
            .iter()
            .all(|u| u.username != "newbie"));
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_rate_limited() {
    for t in fresh_databases("login").await {
        let db = t.open().await;
        seeded(&db).await;
        for _ in 0..accounts::PER_ACCOUNT_AND_ADDRESS.free {
            let err = accounts::login(&db, "officer-a", "wrong password!", "10.0.0.1")
                .await
                .unwrap_err();
            assert!(
                matches!(err, StoreError::BadCredentials),
                "{}: {err:?}",
                t.label
            );
        }
        let err = accounts::login(&db, "officer-a", "correct horse battery", "10.0.0.1")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::RateLimited { .. }),
            "{}: even the right password waits: {err:?}",
            t.label
        );
        let s = accounts::login(&db, "officer-b", "correct horse battery", "10.0.0.2")
            .await
            .unwrap();
        let (p, csrf) = accounts::session(&db, &s.token).await.unwrap().unwrap();
        assert_eq!(p.username, "officer-b");
        assert_eq!(csrf, s.csrf_token);
        accounts::logout(&db, &s.token).await.unwrap();
        assert!(
            accounts::session(&db, &s.token).await.unwrap().is_none(),
            "{}",
            t.label
        );
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn an_officer_reaches_only_their_own_unit() {
    for t in fresh_databases("access").await {
        let db = t.open().await;
        seeded(&db).await;
        let a = principal(&db, "officer-a").await;
        assert!(
            matches!(
                a.write_unit(&db, "petition-bureau").await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            t.label
        );
        assert!(
            matches!(
                a.read_unit(&db, "petition-bureau").await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            t.label
        );
        assert!(a.admin().is_err() && a.auditor().is_err());
        let own = a.write_unit(&db, "general-office").await.unwrap();
        let p = Profile {
            disclosure_contact: "政务公开科".into(),
            phone: "0827-5261000".into(),
            ..Profile::default()
        };
        profile::update(&db, &own, &p).await.unwrap();

        let sup = principal(&db, "supervisor").await;
        let theirs = sup.write_unit(&db, "petition-bureau").await.unwrap();
        profile::update(
            &db,
            &theirs,
            &Profile {
                address: "江北大道".into(),
                ..Profile::default()
            },
        )
        .await
        .unwrap();
        let read = sup.read_unit(&db, "general-office").await.unwrap();
        assert_eq!(profile::get(&db, &read).await.unwrap(), p);

        let aud = principal(&db, "auditor").await;
        assert!(aud.read_unit(&db, "petition-bureau").await.is_ok());
        assert!(
            matches!(
                aud.write_unit(&db, "audit-bureau").await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            t.label
        );

        // The audit trail records who changed what, with before and after.
        let entries = audit::list(
            &db,
            &AuditQuery {
                entity: Some("unit_profile".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].unit_key.as_deref(), Some("general-office"));
        assert!(entries[1].actor.starts_with("officer-a"));
        assert!(entries[1]
            .after_json
            .as_deref()
            .unwrap()
            .contains("政务公开科"));
        assert_eq!(entries[1].before_json.as_deref(), Some("null"));
        db.close().await;
        t.remove().await;
    }
}

/// Tampering with the stored trail: each kind of change is found and the entry named.
#[tokio::test]
async fn audit_tampering_is_detected() {
    for t in fresh_databases("tamper").await {
        let db = t.open().await;
        seeded(&db).await;
        let report = audit::verify(&db).await.unwrap();
        assert!(report.is_intact(), "{}: {report:?}", t.label);
        let n = report.entries;
        assert!(n > 10);
        let pool = db.pool();

        // 1. Edit a row's content.
        sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 5")
            .execute(pool)
            .await
            .unwrap();
        let r = audit::verify(&db).await.unwrap();
        assert_eq!(
            r.first_broken.as_ref().map(|b| b.seq),
            Some(5),
            "{}: edit",
            t.label
        );
        assert!(r.first_broken.unwrap().reason_en.contains("altered"));
        sqlx::query("UPDATE audit_log SET actor = 'cli:test' WHERE seq = 5")
            .execute(pool)
            .await
            .unwrap();
        assert!(
            audit::verify(&db).await.unwrap().is_intact(),
            "{}: restored",
            t.label
        );

        // 2. Reorder: swap the contents of two rows, keeping their sequence numbers.
        let cols = "at, actor, unit_key, action, entity, entity_id, before_json, after_json, prev_hash, hash";
        sqlx::query(&format!(
            "CREATE TABLE swap AS SELECT seq, {cols} FROM audit_log WHERE seq IN (7, 8)"
        ))
        .execute(pool)
        .await
        .unwrap();
        for (to, from) in [(7, 8), (8, 7)] {
            let sets = cols
                .split(", ")
                .map(|c| format!("{c} = (SELECT {c} FROM swap WHERE seq = {from})"))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(&format!("UPDATE audit_log SET {sets} WHERE seq = {to}"))
                .execute(pool)
                .await
                .unwrap();
        }
        let r = audit::verify(&db).await.unwrap();
        assert_eq!(
            r.first_broken.map(|b| b.seq),
            Some(7),
            "{}: reorder",
            t.label
        );
        for (to, from) in [(7, 7), (8, 8)] {
            let sets = cols
                .split(", ")
                .map(|c| format!("{c} = (SELECT {c} FROM swap WHERE seq = {from})"))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(&format!("UPDATE audit_log SET {sets} WHERE seq = {to}"))
                .execute(pool)
                .await
                .unwrap();
        }
        assert!(
            audit::verify(&db).await.unwrap().is_intact(),
            "{}: restored order",
            t.label
        );

        // 3. Delete a row in the middle.
        sqlx::query("DELETE FROM audit_log WHERE seq = 3")
            .execute(pool)
            .await
            .unwrap();
        let r = audit::verify(&db).await.unwrap();
        assert_eq!(
            r.first_broken.as_ref().map(|b| b.seq),
            Some(3),
            "{}: delete",
            t.label
        );
        assert!(r.first_broken.unwrap().reason_en.contains("missing"));

        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn removing_the_newest_entries_is_detected() {
    for t in fresh_databases("truncate").await {
        let db = t.open().await;
        seeded(&db).await;
        let n = audit::verify(&db).await.unwrap().entries;
        sqlx::query("DELETE FROM audit_log WHERE seq = $1")
            .bind(n)
            .execute(db.pool())
            .await
            .unwrap();
        let r = audit::verify(&db).await.unwrap();
        assert_eq!(
            r.first_broken.map(|b| b.seq),
            Some(n),
            "{}: tail removal",
            t.label
        );
        db.close().await;
        t.remove().await;
    }
}

/// Many writers at once: every write is on the trail, in one unbroken chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_keep_one_chain() {
    for t in fresh_databases("concurrent").await {
        let db = t.open().await;
        seeded(&db).await;
        let before = audit_count(&db).await;
        let sup = principal(&db, "supervisor").await;
        let units = [
            "general-office",
            "petition-bureau",
            "finance-bureau",
            "audit-bureau",
        ];
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (db, sup) = (db.clone(), sup.clone());
            let unit = units[i % units.len()];
            tasks.push(tokio::spawn(async move {
                let h = sup.write_unit(&db, unit).await.unwrap();
                profile::update(
                    &db,
                    &h,
                    &Profile {
                        office_hours: format!("round {i}"),
                        ..Profile::default()
                    },
                )
                .await
                .unwrap()
            }));
        }
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort();
        seqs.dedup();
        assert_eq!(seqs.len(), 40, "{}: every write has its own entry", t.label);
        let r = audit::verify(&db).await.unwrap();
        assert!(r.is_intact(), "{}: {r:?}", t.label);
        assert_eq!(r.entries, before + 40);
        db.close().await;
        t.remove().await;
    }
}

//! Personal data on both backends: who sees it (the handling unit and its supervisors; not
//! auditors, and not administrators as such: an administrator manages accounts and sees the
//! 〔个人信息〕 masks unless it also holds a supervisor grant), what is masked (every field a
//! procedure marks personal, among them the party a disclosure request is consulted with), and
//! that no personal value reaches the audit trail.

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::audit::{self, AuditQuery};
use fazhi_store::cases::{self, PERSONAL_MARK};
use fazhi_store::penalties::{self, NewPenalty};
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{accounts, directory, Db, Principal, StoreError};
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An account holding several roles, signed in.
async fn person_with(db: &Db, username: &str, unit: &str, roles: &[Role]) -> Principal {
    accounts::create_user(
        db,
        &AdminHandle::command_line("test"),
        accounts::NewUser {
            username: username.into(),
            display_name: username.into(),
            password: "correct horse battery".into(),
            unit_key: unit.into(),
            grants: roles
                .iter()
                .map(|&role| RoleGrant { role, scope: None })
                .collect(),
        },
    )
    .await
    .unwrap();
    accounts::login(db, username, "correct horse battery", "127.0.0.1")
        .await
        .unwrap()
        .principal
}

const NAMES: [&str; 4] = ["张三", "13800000000", "王五", "孙六"];

#[tokio::test]
async fn personal_values_reach_only_those_who_handle_the_case() {
    for t in fresh_databases("personal_case").await {
        let db = t.open().await;
        directory::import(
            &db,
            &AdminHandle::command_line("test"),
            &fazhi_org::Directory::bundled_bazhong_2008(),
        )
        .await
        .unwrap();
        let go = person(&db, "go", "general-office", Role::Officer).await;
        let sup = person(&db, "sup", "legal-affairs-office", Role::Supervisor).await;
        let aud = person(&db, "aud", "audit-bureau", Role::Auditor).await;
        let admin = person(&db, "adm", "legal-affairs-office", Role::Administrator).await;
        let admin_sup = person_with(
            &db,
            "admsup",
            "legal-affairs-office",
            &[Role::Administrator, Role::Supervisor],
        )
        .await;

        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let id = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2020-03-02"),
            fields(&[
                ("channel", "in_person"),
                ("applicant_name", "张三"),
                ("applicant_contact", "13800000000"),
                ("information_sought", "2019年度部门预算"),
            ]),
        )
        .await
        .unwrap();
        // The agency consults a third party: a private person's name, so personal data.
        cases::act(
            &db,
            &go,
            id,
            "consult",
            d("2020-03-05"),
            fields(&[
                ("consultation_kind", "third_party_consultation"),
                ("consulted_party", "王五"),
            ]),
            None,
        )
        .await
        .unwrap();

        // The handling unit and a supervisor see the values; the read is audited.
        for who in [&go, &sup, &admin_sup] {
            let v = cases::view(&db, who, id, d("2020-03-06")).await.unwrap();
            let personal = v
                .personal
                .as_ref()
                .unwrap_or_else(|| panic!("{}: {} sees no personal data", t.label, who.username));
            assert_eq!(
                personal.get("applicant_name").map(String::as_str),
                Some("张三")
            );
            assert_eq!(
                personal.get("consulted_party").map(String::as_str),
                Some("王五"),
                "{}: {personal:?}",
                t.label
            );
        }

        // An auditor and an administrator without a supervisor grant see the masks only.
        for who in [&aud, &admin] {
            let v = cases::view(&db, who, id, d("2020-03-06")).await.unwrap();
            assert!(
                v.personal.is_none(),
                "{}: {} sees personal data",
                t.label,
                who.username
            );
            let json = serde_json::to_string(&v).unwrap();
            for name in NAMES {
                assert!(
                    !json.contains(name),
                    "{}: {} sees {name}: {json}",
                    t.label,
                    who.username
                );
            }
            assert_eq!(
                v.state.fields["consulted_party"], PERSONAL_MARK,
                "{}",
                t.label
            );
            assert_eq!(v.state.fields["applicant_name"], PERSONAL_MARK);
            assert!(
                v.actions.is_empty(),
                "{}: {} may act",
                t.label,
                who.username
            );
        }
        // An administrator manages accounts, not a unit's records.
        assert!(matches!(
            admin.write_unit(&db, "general-office").await,
            Err(StoreError::Forbidden)
        ));
        assert!(admin.admin().is_ok() && admin.read_unit(&db, "general-office").await.is_ok());
        assert!(admin_sup.write_unit(&db, "general-office").await.is_ok());

        // A penalty's party: the same rule.
        let city = person(&db, "cg", "urban-management-bureau", Role::Officer).await;
        let city_unit = city
            .write_unit(&db, "urban-management-bureau")
            .await
            .unwrap();
        let pid = penalties::record(
            &db,
            &city_unit,
            &NewPenalty {
                benchmark: "air-119-2-burning".into(),
                case_number: "巴城管罚〔2023〕1号".into(),
                party_name: "孙六".into(),
                violation_date: d("2023-10-01"),
                decision_date: d("2023-10-15"),
                facts: fields(&[
                    ("party", "individual"),
                    ("burned_kg", "5"),
                    ("harm", "none"),
                ]),
                decided_fen: 60_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
        for (who, sees) in [
            (&city, true),
            (&sup, true),
            (&admin_sup, true),
            (&aud, false),
            (&admin, false),
        ] {
            let v = penalties::view(&db, who, pid).await.unwrap();
            assert_eq!(
                v.party_name.as_deref(),
                sees.then_some("孙六"),
                "{}: {}",
                t.label,
                who.username
            );
        }

        // No personal value on the audit trail, only the fact that one was read.
        let trail = audit::list(
            &db,
            &AuditQuery {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(trail.iter().any(|a| a.action == "personal.read"));
        for a in &trail {
            let text = format!("{:?} {:?}", a.before_json, a.after_json);
            for name in NAMES {
                assert!(
                    !text.contains(name),
                    "{}: {name} on the trail: {text}",
                    t.label
                );
            }
        }
        db.close().await;
        t.remove().await;
    }
}

/// The person held accountable for a missed deadline is named for the handling unit and its
/// supervisors only, and never on the audit trail.
#[tokio::test]
async fn the_person_held_accountable_is_personal_data() {
    for t in fresh_databases("personal_accountable").await {
        let db = t.open().await;
        directory::import(
            &db,
            &AdminHandle::command_line("test"),
            &fazhi_org::Directory::bundled_bazhong_2008(),
        )
        .await
        .unwrap();
        let go = person(&db, "go", "general-office", Role::Officer).await;
        let sup = person(&db, "sup", "legal-affairs-office", Role::Supervisor).await;
        let aud = person(&db, "aud", "audit-bureau", Role::Auditor).await;
        let admin = person(&db, "adm", "legal-affairs-office", Role::Administrator).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let id = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2020-03-02"),
            fields(&[
                ("channel", "in_person"),
                ("applicant_name", "张三"),
                ("applicant_contact", "13800000000"),
            ]),
        )
        .await
        .unwrap();
        let late = d("2020-06-01");
        cases::open_accountability(&db, &sup, id, "李干事", "逾期未答复", "通报批评", late)
            .await
            .unwrap();
        for (who, named) in [(&go, true), (&sup, true), (&aud, false), (&admin, false)] {
            let v = cases::view(&db, who, id, late).await.unwrap();
            let person = &v.accountability[0].person;
            if named {
                assert_eq!(person, "李干事", "{}: {}", t.label, who.username);
            } else {
                assert_eq!(person, PERSONAL_MARK, "{}: {}", t.label, who.username);
                assert!(!serde_json::to_string(&v).unwrap().contains("李干事"));
            }
        }
        let trail = audit::list(
            &db,
            &AuditQuery {
                entity: Some("accountability".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(trail.len(), 1, "{}", t.label);
        let after = trail[0].after_json.clone().unwrap_or_default();
        assert!(!after.contains("李干事"), "{}: {after}", t.label);
        assert!(
            after.contains("逾期未答复"),
            "the failure itself is on the trail"
        );
        db.close().await;
        t.remove().await;
    }
}

//! Decided penalties on both backends: the engine's recommendation stored beside the decision,
//! a decision outside it refused without a written reason (nothing stored), bad facts and dates
//! refused in both languages, the review list and per-agency deviation rates scoped to the
//! reader, the party's name kept off the trail and its reads audited, the demo idempotent.

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::audit::{self, AuditQuery};
use fazhi_store::penalties::{self, NewPenalty, PenaltyFilter};
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{directory, Db, Principal, StoreError};
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct People {
    city: Principal,
    env: Principal,
    sup: Principal,
    aud: Principal,
}

async fn setup(db: &Db) -> People {
    directory::import(
        db,
        &AdminHandle::command_line("test"),
        &fazhi_org::Directory::bundled_bazhong_2008(),
    )
    .await
    .unwrap();
    People {
        city: person(db, "cg", "urban-management-bureau", Role::Officer).await,
        env: person(db, "hb", "environmental-protection-bureau", Role::Officer).await,
        sup: person(db, "sup", "legal-affairs-office", Role::Supervisor).await,
        aud: person(db, "aud", "audit-bureau", Role::Auditor).await,
    }
}

/// Individual burning 5 kg, no harm: the minor tier, 500–800 yuan.
fn burning(case_number: &str, party: &str, decided_yuan: i64, reason: &str) -> NewPenalty {
    NewPenalty {
        benchmark: "air-119-2-burning".into(),
        case_number: case_number.into(),
        party_name: party.into(),
        violation_date: d("2023-10-01"),
        decision_date: d("2023-10-15"),
        discovered_date: None,
        facts: facts(&[
            ("party", "individual"),
            ("burned_kg", "5"),
            ("harm", "none"),
        ]),
        decided_fen: decided_yuan * 100,
        reason: reason.into(),
    }
}

async fn penalty_audits(db: &Db) -> Vec<audit::AuditRecord> {
    audit::list(
        db,
        &AuditQuery {
            entity: Some("penalty".into()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn refused_code(r: Result<penalties::Recorded, StoreError>) -> String {
    match r {
        Err(StoreError::Refused {
            reason,
            message_zh,
            message_en,
        }) => {
            assert!(!message_zh.is_empty() && !message_en.is_empty());
            reason
        }
        Err(other) => panic!("expected a refusal, got {other:?}"),
        Ok(_) => panic!("expected a refusal, got a stored decision"),
    }
}

#[tokio::test]
async fn a_decision_outside_the_recommendation_needs_a_reason_and_bad_input_stores_nothing() {
    for t in fresh_databases("pen_reason").await {
        let db = t.open().await;
        let p = setup(&db).await;
        let unit = p
            .city
            .write_unit(&db, "urban-management-bureau")
            .await
            .unwrap();
        let all = PenaltyFilter::default();

        // 1,500 yuan for a minor-tier case (500–800): outside, and no reason given.
        let e = penalties::record(
            &db,
            &unit,
            &burning("巴城管罚〔2023〕1号", "张三", 1500, "  "),
        )
        .await
        .unwrap_err();
        match &e {
            StoreError::Invalid {
                field, reason_zh, ..
            } => {
                assert_eq!(*field, "reason", "{}", t.label);
                assert!(reason_zh.contains("500.00–800.00"), "{reason_zh}");
                assert!(e.message_en().contains("written reason"), "{e}");
            }
            other => panic!("{}: {other:?}", t.label),
        }

        // Unknown fact, wrong type, no version on the violation date: the engine's own words.
        let mut bad = burning("巴城管罚〔2023〕2号", "李四", 600, "");
        bad.facts.insert("weight".into(), "5".into());
        assert_eq!(
            refused_code(penalties::record(&db, &unit, &bad).await),
            "unknown_fact"
        );
        let mut bad = burning("巴城管罚〔2023〕2号", "李四", 600, "");
        bad.facts.insert("burned_kg".into(), "five".into());
        assert_eq!(
            refused_code(penalties::record(&db, &unit, &bad).await),
            "wrong_type"
        );
        let mut bad = burning("巴城管罚〔2023〕2号", "李四", 600, "");
        bad.violation_date = d("2015-12-31");
        bad.decision_date = d("2016-01-15");
        assert_eq!(
            refused_code(penalties::record(&db, &unit, &bad).await),
            "no_version"
        );
        let mut bad = burning("巴城管罚〔2023〕2号", "李四", 600, "");
        bad.benchmark = "no-such-benchmark".into();
        assert_eq!(
            refused_code(penalties::record(&db, &unit, &bad).await),
            "unknown_benchmark"
        );

        // Nothing was stored and nothing audited.
        assert!(penalties::list(&db, &p.sup, &all).await.unwrap().is_empty());
        assert!(penalty_audits(&db).await.is_empty(), "{}", t.label);

        // Inside the recommendation: no reason needed; the engine's recommendation is kept.
        let ok = penalties::record(&db, &unit, &burning("巴城管罚〔2023〕3号", "王五", 600, ""))
            .await
            .unwrap();
        let check = ok.report.decision.as_ref().unwrap();
        assert!(check.within_recommendation && !check.requires_reason);
        // Outside with a reason: stored and flagged.
        let out = penalties::record(
            &db,
            &unit,
            &burning(
                "巴城管罚〔2023〕4号",
                "赵六",
                1500,
                "重污染天气预警期间焚烧，集体讨论决定从重",
            ),
        )
        .await
        .unwrap();
        let rows = penalties::list(&db, &p.sup, &all).await.unwrap();
        assert_eq!(rows.len(), 2, "{}", t.label);
        let row = rows.iter().find(|r| r.id == out.id).unwrap();
        assert!(!row.within_recommendation && row.within_statutory);
        assert_eq!(row.tier, "individual-minor");
        assert_eq!(row.level, "minor");
        assert_eq!(row.adjustment, "standard");
        assert_eq!(row.version, "2016-01-01");
        assert_eq!(
            (row.recommended_min_fen, row.recommended_max_fen),
            (Some(50_000), Some(80_000))
        );
        assert_eq!(row.recommended_yuan(), "500.00–800.00");
        assert_eq!(row.decided_yuan(), "1500.00");
        assert!(row.reason.contains("集体讨论"));

        // The same case number twice in one unit is refused.
        assert!(matches!(
            penalties::record(&db, &unit, &burning("巴城管罚〔2023〕3号", "王五", 600, "")).await,
            Err(StoreError::Duplicate { .. })
        ));
        // A negative fine is refused.
        assert!(matches!(
            penalties::record(&db, &unit, &burning("巴城管罚〔2023〕9号", "王五", -1, "")).await,
            Err(StoreError::Invalid { .. })
        ));

        // Two writes, two audit entries; no party name anywhere on the trail.
        let trail = penalty_audits(&db).await;
        assert_eq!(trail.len(), 2, "{}", t.label);
        for a in &trail {
            let json = a.after_json.clone().unwrap_or_default();
            for name in ["王五", "赵六", "张三", "李四"] {
                assert!(!json.contains(name), "party name on the trail: {json}");
            }
            assert_eq!(a.unit_key.as_deref(), Some("urban-management-bureau"));
        }
        assert!(audit::verify(&db).await.unwrap().is_intact());
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn deviation_rates_per_agency_scoped_to_the_reader() {
    for t in fresh_databases("pen_rates").await {
        let db = t.open().await;
        let p = setup(&db).await;
        let city = p
            .city
            .write_unit(&db, "urban-management-bureau")
            .await
            .unwrap();
        let env = p
            .env
            .write_unit(&db, "environmental-protection-bureau")
            .await
            .unwrap();
        // An officer acts for their own unit only.
        assert!(matches!(
            p.env.write_unit(&db, "urban-management-bureau").await,
            Err(StoreError::Forbidden)
        ));
        for (n, yuan, reason) in [(1, 500, ""), (2, 800, ""), (3, 2000, "拒不改正，从重")] {
            penalties::record(
                &db,
                &city,
                &burning(&format!("巴城管罚〔2023〕{n}号"), "张三", yuan, reason),
            )
            .await
            .unwrap();
        }
        let env_id = penalties::record(
            &db,
            &env,
            &burning(
                "巴环罚〔2023〕1号",
                "李四",
                400,
                "当事人系初次违法且已主动消除影响",
            ),
        )
        .await
        .unwrap()
        .id;

        // The supervisor sees every agency: urban 1 of 3 outside, environment 1 of 1.
        let rates = penalties::rates(&db, &p.sup).await.unwrap();
        let of = |key: &str| rates.iter().find(|r| r.unit_key == key).unwrap().clone();
        let u = of("urban-management-bureau");
        assert_eq!((u.decisions, u.outside, u.rate_permille), (3, 1, 333));
        assert_eq!(u.rate, "33.3%");
        let e = of("environmental-protection-bureau");
        assert_eq!((e.decisions, e.outside, e.rate_permille), (1, 1, 1000));
        assert_eq!(e.rate, "100.0%");
        assert_eq!(rates.len(), 2, "{}", t.label);
        let dev = penalties::deviations(&db, &p.sup).await.unwrap();
        assert_eq!(dev.len(), 2, "{}", t.label);
        assert!(dev.iter().all(|r| !r.within_recommendation));
        // The public sees the same numbers (and only numbers).
        assert_eq!(penalties::public_rates(&db).await.unwrap(), rates);

        // An officer sees their own unit only.
        let mine = penalties::rates(&db, &p.city).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].unit_key, "urban-management-bureau");
        let dev = penalties::deviations(&db, &p.city).await.unwrap();
        assert_eq!(dev.len(), 1);
        assert_eq!(dev[0].case_number, "巴城管罚〔2023〕3号");
        assert_eq!(
            penalties::list(&db, &p.city, &PenaltyFilter::default())
                .await
                .unwrap()
                .len(),
            3
        );
        assert!(matches!(
            penalties::view(&db, &p.city, env_id).await,
            Err(StoreError::Forbidden)
        ));

        // The party's name: shown to the unit and the supervisor (and the read audited), not to
        // the auditor.
        let before = penalty_audits(&db).await.len();
        let v = penalties::view(&db, &p.env, env_id).await.unwrap();
        assert_eq!(v.party_name.as_deref(), Some("李四"));
        assert_eq!(v.facts.get("burned_kg").map(String::as_str), Some("5"));
        assert!(v.report["explanation_zh"].is_array());
        let v = penalties::view(&db, &p.sup, env_id).await.unwrap();
        assert_eq!(v.party_name.as_deref(), Some("李四"));
        let v = penalties::view(&db, &p.aud, env_id).await.unwrap();
        assert_eq!(v.party_name, None);
        let trail = penalty_audits(&db).await;
        assert_eq!(trail.len(), before + 2, "{}", t.label);
        assert_eq!(trail[0].action, "personal.read");
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn the_demo_decisions_load_once() {
    for t in fresh_databases("pen_demo").await {
        let db = t.open().await;
        let p = setup(&db).await;
        penalties::load_demo(&db).await.unwrap();
        penalties::load_demo(&db).await.unwrap();
        let all = penalties::list(&db, &p.sup, &PenaltyFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 4, "{}", t.label);
        let dev = penalties::deviations(&db, &p.sup).await.unwrap();
        assert_eq!(dev.len(), 1, "{}", t.label);
        assert_eq!(dev[0].unit_key, "environmental-protection-bureau");
        assert!(!dev[0].reason.is_empty());
        let units: std::collections::BTreeSet<_> =
            all.iter().map(|r| r.unit_key.as_str()).collect();
        assert_eq!(units.len(), 3);
        db.close().await;
        t.remove().await;
    }
}

/// Only the benchmark's agency decides under it: a unit that is not one of the benchmark's
/// agency units cannot record a decision, whoever records it (its officer, or a supervisor for
/// it); a supervisor records for the agency. Refused in both languages, nothing stored.
#[tokio::test]
async fn only_the_benchmarks_agency_records_a_decision() {
    for t in fresh_databases("pen_agency").await {
        let db = t.open().await;
        let p = setup(&db).await;
        let food = person(&db, "sj", "food-drug-bureau", Role::Officer).await;
        let food_unit = food.write_unit(&db, "food-drug-bureau").await.unwrap();
        let refused = |r: Result<penalties::Recorded, StoreError>| match r {
            Err(
                e @ StoreError::NotPermitted {
                    code: "not_benchmark_agency",
                    ..
                },
            ) => {
                assert!(e.message_zh().contains("air-119-2-burning"), "{e:?}");
                assert!(e.message_zh().contains("综合行政执法局"), "{e:?}");
                assert!(e.message_en().contains("not an agency"), "{e:?}");
            }
            other => panic!("{}: expected a refusal, got {other:?}", t.label),
        };
        // The food and drug bureau under the air-pollution benchmark: refused.
        refused(
            penalties::record(
                &db,
                &food_unit,
                &burning("巴食药罚〔2023〕1号", "张三", 600, ""),
            )
            .await,
        );
        // A supervisor recording for a unit that is not the benchmark's agency: refused too.
        let legal = p.sup.write_unit(&db, "legal-affairs-office").await.unwrap();
        refused(
            penalties::record(&db, &legal, &burning("巴法罚〔2023〕1号", "张三", 600, "")).await,
        );
        let for_food = p.sup.write_unit(&db, "food-drug-bureau").await.unwrap();
        refused(
            penalties::record(
                &db,
                &for_food,
                &burning("巴食药罚〔2023〕2号", "张三", 600, ""),
            )
            .await,
        );
        assert!(penalty_audits(&db).await.is_empty(), "{}", t.label);
        assert!(penalties::list(&db, &p.sup, &PenaltyFilter::default())
            .await
            .unwrap()
            .is_empty());

        // The agency's own officer, and a supervisor for the agency: recorded.
        let city = p
            .city
            .write_unit(&db, "urban-management-bureau")
            .await
            .unwrap();
        penalties::record(&db, &city, &burning("巴城管罚〔2023〕1号", "张三", 600, ""))
            .await
            .unwrap();
        let for_city = p
            .sup
            .write_unit(&db, "urban-management-bureau")
            .await
            .unwrap();
        penalties::record(
            &db,
            &for_city,
            &burning("巴城管罚〔2023〕2号", "李四", 600, ""),
        )
        .await
        .unwrap();
        let mut food_case = burning("巴食药罚〔2023〕3号", "王五", 0, "");
        food_case.benchmark = "food-safety-122-unlicensed".into();
        food_case.violation_date = d("2023-05-10");
        food_case.decision_date = d("2023-06-01");
        food_case.facts = facts(&[
            ("goods_value", "3500"),
            ("days_operating", "40"),
            ("harm", "none"),
        ]);
        food_case.decided_fen = 6_500_000;
        penalties::record(&db, &food_unit, &food_case)
            .await
            .unwrap();
        assert_eq!(penalty_audits(&db).await.len(), 3, "{}", t.label);
        db.close().await;
        t.remove().await;
    }
}

/// Every shipped benchmark names its agency units, and each is a unit of the directory.
#[test]
fn every_benchmark_names_agency_units_of_the_directory() {
    let dir = fazhi_org::Directory::bundled_bazhong_2008();
    for b in fazhi_discretion::bundled() {
        assert!(!b.agency_units.is_empty(), "{} names no agency unit", b.id);
        for key in &b.agency_units {
            assert!(dir.unit(key).is_some(), "{}: no unit {key}", b.id);
        }
    }
}

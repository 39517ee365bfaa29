//! Calendar years loaded at run time, on both backends: a deadline in a year without a notice
//! is provisional, warned of and alarmed; loading the notice makes it exact, recomputes it in
//! one audited step and records which due dates moved; a bad file changes nothing; a sweep on
//! a day that has not come writes nothing; dates after today are refused.

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::audit;
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{calendar, cases, directory, StoreError};
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const NOTICE_2027: &str = include_str!("../../fazhi-calendar/tests/data/notice-2027-test.toml");

async fn entries(db: &fazhi_store::Db) -> usize {
    audit::verify(db).await.unwrap().entries as usize
}

#[tokio::test]
async fn a_loaded_notice_makes_provisional_deadlines_exact_and_says_what_moved() {
    for t in fresh_databases("calendar_load").await {
        let db = t.open().await;
        let admin = AdminHandle::command_line("test");
        directory::import(&db, &admin, &fazhi_org::Directory::bundled_bazhong_2008())
            .await
            .unwrap();
        let go = person(&db, "go", "general-office", Role::Officer).await;
        let sup = person(&db, "sup", "legal-affairs-office", Role::Supervisor).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let id = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2026-12-01"),
            fields(&[
                ("channel", "online"),
                ("applicant_name", "申请人"),
                ("information_sought", "预算"),
            ]),
        )
        .await
        .unwrap();
        // 20 working days from 2026-12-01: 2026-12-29; the extension's 20 more run into 2027,
        // which has no notice: Dec 30, 31, then weekdays from Friday 1 January to 26 January.
        cases::act(
            &db,
            &go,
            id,
            "extend",
            d("2026-12-02"),
            fields(&[("approver", "主任"), ("reason", "需调取档案")]),
            None,
        )
        .await
        .unwrap();
        let v = cases::view(&db, &go, id, d("2026-12-02")).await.unwrap();
        let reply = &v.deadlines[0];
        assert_eq!(reply.due, Some(d("2027-01-26")), "{}", t.label);
        assert!(reply.provisional, "{}", t.label);
        assert_eq!(reply.provisional_years, vec![2027]);
        assert!(
            reply.explanation_zh.contains("待确认"),
            "{}",
            reply.explanation_zh
        );
        // Provisional deadlines alarm like any other.
        let r = cases::sweep(&db, d("2027-01-27"), "t1", "test")
            .await
            .unwrap();
        if d("2027-01-27") <= fazhi_store::clock::today() {
            assert_eq!((r.ran, r.alarms), (true, 1), "{}", t.label);
        } else {
            assert!(r.preview && !r.ran && r.alarms == 1, "{}: {r:?}", t.label);
        }

        // A bad file is refused naming its line, and changes nothing.
        let before = entries(&db).await;
        let bad = NOTICE_2027.replace("work = [\"2027-04-25\"]", "work = [\"2027-04-26\"]");
        let e = calendar::load(&db, &admin, "bad.toml", &bad)
            .await
            .unwrap_err();
        let StoreError::Invalid {
            reason_zh,
            reason_en,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert!(
            reason_zh.contains("bad.toml:") && reason_en.contains("not a weekend day"),
            "{e}"
        );
        assert_eq!(entries(&db).await, before, "{}", t.label);
        assert!(!db.calendar().await.unwrap().covered_years().contains(&2027));

        // The notice: 1 January 2027 is a holiday, so the reply is due a day later, exactly.
        let report = calendar::load(&db, &admin, "2027.toml", NOTICE_2027)
            .await
            .unwrap();
        assert_eq!(report.years, vec![2027]);
        assert_eq!(report.moved.len(), 1, "{}: {:?}", t.label, report.moved);
        let m = &report.moved[0];
        assert_eq!(
            (m.case_id, m.from.as_deref(), m.to.as_deref()),
            (id, Some("2027-01-26"), Some("2027-01-27"))
        );
        assert_eq!(entries(&db).await, before + 1, "one audited step");
        let v = cases::view(&db, &go, id, d("2026-12-02")).await.unwrap();
        assert_eq!(v.deadlines[0].due, Some(d("2027-01-27")));
        assert!(!v.deadlines[0].provisional);
        // The supervisor sees the move; the officer of another unit would not.
        let moves = calendar::recent_moves(&db, &sup, 10).await.unwrap();
        assert_eq!(moves.len(), 1);
        let years = calendar::years(&db).await.unwrap();
        let y = years.iter().find(|y| y.year == 2027).unwrap();
        assert_eq!(y.notices[0].source, "loaded");
        // The same file again is refused.
        assert!(calendar::load(&db, &admin, "again.toml", NOTICE_2027)
            .await
            .is_err());
        t.remove().await;
    }
}

#[tokio::test]
async fn dates_after_today_are_refused_and_a_future_sweep_writes_nothing() {
    for t in fresh_databases("calendar_future").await {
        let db = t.open().await;
        let admin = AdminHandle::command_line("test");
        directory::import(&db, &admin, &fazhi_org::Directory::bundled_bazhong_2008())
            .await
            .unwrap();
        let go = person(&db, "go", "general-office", Role::Officer).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let tomorrow = fazhi_store::clock::today().succ_opt().unwrap();
        let before = entries(&db).await;
        let e = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            tomorrow,
            fields(&[
                ("channel", "online"),
                ("applicant_name", "x"),
                ("information_sought", "y"),
            ]),
        )
        .await
        .unwrap_err();
        assert!(
            e.message_zh().contains("晚于今天") && e.message_en().contains("after today"),
            "{e}"
        );
        let e = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("0000-01-01"),
            fields(&[
                ("channel", "online"),
                ("applicant_name", "x"),
                ("information_sought", "y"),
            ]),
        )
        .await
        .unwrap_err();
        assert!(e.message_en().contains("calendar's first day"), "{e}");
        let r = cases::sweep(&db, tomorrow, "future", "test").await.unwrap();
        assert!(r.preview && !r.ran, "{}", t.label);
        assert_eq!(entries(&db).await, before, "{}: nothing written", t.label);
        t.remove().await;
    }
}

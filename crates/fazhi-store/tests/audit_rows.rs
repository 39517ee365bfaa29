//! Rows changed outside fazhi: each audit entry that writes a case, a penalty or an accountability
//! record records a keyed digest of the rows as written, and `audit::verify` recomputes it for the
//! latest entry of each record, so an edit of `cases`, `case_personal`, `penalties`,
//! `penalty_personal` or `accountability` made with a database client is named, as is a row added
//! or deleted there. Both backends. (Written against `verify`'s JSON so that it ran, and failed,
//! before the fix.)

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::audit;
use fazhi_store::cases;
use fazhi_store::penalties::{self, NewPenalty};
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{directory, Db};
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

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sql)
        .execute(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The report as JSON, and the (entity, id) of each row it names as changed.
async fn changed_rows(db: &Db) -> (bool, Vec<(String, String)>, serde_json::Value) {
    let report = audit::verify(db).await.unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let rows = json["rows"]["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["entity"].as_str().unwrap_or("").to_string(),
                        p["id"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (report.is_intact(), rows, json)
}

#[tokio::test]
async fn rows_edited_outside_fazhi_are_named_by_verify() {
    for t in fresh_databases("audit_rows").await {
        let db = t.open().await;
        directory::import(
            &db,
            &AdminHandle::command_line("test"),
            &fazhi_org::Directory::bundled_bazhong_2008(),
        )
        .await
        .unwrap();
        let go = person(&db, "go", "general-office", Role::Officer).await;
        let cg = person(&db, "cg", "urban-management-bureau", Role::Officer).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let open = |name: &str| {
            fields(&[
                ("channel", "in_person"),
                ("applicant_name", name),
                ("applicant_contact", "08275555555"),
                ("information_sought", "2019年度部门预算"),
            ])
        };
        let a = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2024-03-01"),
            open("张三"),
        )
        .await
        .unwrap();
        let b = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2024-03-04"),
            open("王五"),
        )
        .await
        .unwrap();
        cases::act(
            &db,
            &go,
            a,
            "extend",
            d("2024-03-20"),
            fields(&[("approver", "王主任"), ("reason", "需要会商")]),
            None,
        )
        .await
        .unwrap();
        // A personal-data read is on the trail but records no row: it changed none.
        cases::view(&db, &go, b, d("2024-03-05")).await.unwrap();
        let pen_unit = cg.write_unit(&db, "urban-management-bureau").await.unwrap();
        let pen = penalties::record(
            &db,
            &pen_unit,
            &NewPenalty {
                benchmark: "air-119-2-burning".into(),
                case_number: "巴城管罚〔2023〕1号".into(),
                party_name: "赵六".into(),
                violation_date: d("2023-10-01"),
                decision_date: d("2023-10-15"),
                discovered_date: None,
                facts: fields(&[
                    ("party", "individual"),
                    ("burned_kg", "5"),
                    ("harm", "none"),
                ]),
                decided_fen: 60_000,
                reason: String::new(),
            },
        )
        .await
        .unwrap()
        .id;
        // The official held accountable for case b's missed reply.
        let sup = person(&db, "sup", "legal-affairs-office", Role::Supervisor).await;
        let acc = cases::open_accountability(
            &db,
            &sup,
            b,
            "张科员",
            "逾期未答复",
            "通报批评",
            d("2024-06-03"),
        )
        .await
        .unwrap();
        let (intact, rows, json) = changed_rows(&db).await;
        assert!(intact && rows.is_empty(), "{}: {json}", t.label);
        assert!(
            json["rows"]["checked"].as_i64().unwrap() >= 4,
            "{}: {json}",
            t.label
        );

        // 1. The case's step, closed by hand.
        let step: String = sqlx::query_scalar(&format!("SELECT step FROM cases WHERE id = {a}"))
            .fetch_one(db.pool())
            .await
            .unwrap();
        exec(
            &db,
            &format!("UPDATE cases SET step = 'closed', closed_on = '2024-03-05' WHERE id = {a}"),
        )
        .await;
        let (intact, rows, json) = changed_rows(&db).await;
        assert!(!intact, "{}: a case row edited by hand: {json}", t.label);
        assert_eq!(rows, vec![("case".into(), a.to_string())], "{}", t.label);
        let en = json["rows"]["problems"][0]["reason_en"].as_str().unwrap();
        let zh = json["rows"]["problems"][0]["reason_zh"].as_str().unwrap();
        assert!(en.contains("changed outside fazhi"), "{en}");
        assert!(zh.contains("案件"), "{zh}");
        exec(
            &db,
            &format!("UPDATE cases SET step = '{step}', closed_on = NULL WHERE id = {a}"),
        )
        .await;
        let (intact, _, json) = changed_rows(&db).await;
        assert!(intact, "{}: restored: {json}", t.label);

        // 2. The applicant's name, the personal value kept apart.
        exec(&db, &format!("UPDATE case_personal SET value = '李四' WHERE case_id = {b} AND field = 'applicant_name'")).await;
        let (intact, rows, _) = changed_rows(&db).await;
        assert!(!intact, "{}: a personal value edited", t.label);
        assert_eq!(rows, vec![("case".into(), b.to_string())], "{}", t.label);
        exec(&db, &format!("UPDATE case_personal SET value = '王五' WHERE case_id = {b} AND field = 'applicant_name'")).await;

        // 3. The case's stored history, where every action and its dates live.
        exec(&db, &format!("UPDATE cases SET state = replace(state, '2024-03-20', '2024-03-19') WHERE id = {a}")).await;
        let (intact, rows, _) = changed_rows(&db).await;
        assert!(!intact, "{}: the history edited", t.label);
        assert_eq!(rows, vec![("case".into(), a.to_string())], "{}", t.label);

        // 4. The party's name of a penalty.
        exec(
            &db,
            &format!("UPDATE penalty_personal SET party_name = '某某' WHERE penalty_id = {pen}"),
        )
        .await;
        let (_, rows, _) = changed_rows(&db).await;
        assert!(
            rows.contains(&("penalty".into(), pen.to_string())),
            "{}: the penalty's party name: {rows:?}",
            t.label
        );

        // 5. The official named in an accountability record.
        exec(
            &db,
            &format!("UPDATE accountability SET person = '李科员' WHERE id = {acc}"),
        )
        .await;
        let (_, rows, _) = changed_rows(&db).await;
        assert!(
            rows.contains(&("accountability".into(), acc.to_string())),
            "{}: the person held accountable: {rows:?}",
            t.label
        );

        // 6. A case row added by hand, with no entry of its own; and a personal row removed.
        exec(&db, "INSERT INTO cases (id, procedure, version, unit_id, opened_on, step, major, state, created_at, updated_at) \
                   SELECT 9999, procedure, version, unit_id, opened_on, step, major, state, created_at, updated_at FROM cases ORDER BY id LIMIT 1").await;
        exec(
            &db,
            &format!(
                "DELETE FROM case_personal WHERE case_id = {b} AND field = 'applicant_contact'"
            ),
        )
        .await;
        let (intact, rows, json) = changed_rows(&db).await;
        assert!(!intact, "{}", t.label);
        for expected in [("case", "9999"), ("case", &b.to_string()[..])] {
            assert!(
                rows.contains(&(expected.0.to_string(), expected.1.to_string())),
                "{}: {expected:?} in {json}",
                t.label
            );
        }
        db.close().await;
        t.remove().await;
    }
}

/// A loaded holiday notice recomputes every open deadline it touches in one audited step, with
/// no entry per case: what it rewrites (deadlines, summary columns, `updated_at`) is derived and
/// not covered, so the cases' rows still match the trail.
#[tokio::test]
async fn a_loaded_calendar_recomputing_deadlines_leaves_the_rows_as_recorded() {
    const NOTICE_2027: &str = include_str!("../../fazhi-calendar/tests/data/notice-2027-test.toml");
    for t in fresh_databases("audit_rows_calendar").await {
        let db = t.open().await;
        let admin = AdminHandle::command_line("test");
        directory::import(&db, &admin, &fazhi_org::Directory::bundled_bazhong_2008())
            .await
            .unwrap();
        let go = person(&db, "go", "general-office", Role::Officer).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        // As in tests/calendar.rs: the extension runs into 2027, which has no notice yet.
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
        let report = fazhi_store::calendar::load(&db, &admin, "2027.toml", NOTICE_2027)
            .await
            .unwrap();
        assert_eq!(
            report.moved.len(),
            1,
            "{}: the case was recomputed",
            t.label
        );
        let (intact, rows, json) = changed_rows(&db).await;
        assert!(intact && rows.is_empty(), "{}: {json}", t.label);
        db.close().await;
        t.remove().await;
    }
}

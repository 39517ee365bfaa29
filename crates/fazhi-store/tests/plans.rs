//! Plan tracking on both backends: the seed notice imported once, unit-scoped reports, closing
//! by the lead unit only, and lateness on the working-day calendar.

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::plans::{self, NewReport, ReportStatus, Timing};
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{directory, StoreError};

const SEED: &str = include_str!("../../../data/seed/bazhong-2008-plan.txt");

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn timing_follows_the_working_day_calendar() {
    let deadline = d("2008-12-31");
    // Five working days before 2008-12-31 is 2008-12-24 (25, 26, 29, 30, 31 follow it).
    assert_eq!(
        plans::timing(deadline, None, d("2008-12-23")),
        Timing::OnTime
    );
    assert_eq!(
        plans::timing(deadline, None, d("2008-12-24")),
        Timing::DueSoon
    );
    assert_eq!(
        plans::timing(deadline, None, d("2008-12-31")),
        Timing::DueSoon
    );
    assert_eq!(
        plans::timing(deadline, None, d("2009-01-05")),
        Timing::Overdue { days: 5 }
    );
    assert_eq!(
        plans::timing(deadline, Some(d("2008-12-30")), d("2009-03-01")),
        Timing::ClosedOnTime
    );
    assert_eq!(
        plans::timing(deadline, Some(d("2009-01-02")), d("2009-03-01")),
        Timing::ClosedLate { days: 2 }
    );
    // Across National Day 2008 (rest days Sept 29–Oct 5; Sat 27 and Sun 28 Sept are make-up
    // working days), the five working days before 2008-10-08 are Oct 7, 6, Sept 28, 27, 26.
    assert_eq!(
        plans::timing(d("2008-10-08"), None, d("2008-09-25")),
        Timing::OnTime
    );
    assert_eq!(
        plans::timing(d("2008-10-08"), None, d("2008-09-26")),
        Timing::DueSoon
    );
}

#[tokio::test]
async fn the_seed_plan_is_tracked_by_its_units() {
    for t in fresh_databases("plans").await {
        let db = t.open().await;
        let admin = AdminHandle::command_line("test");
        directory::import(&db, &admin, &fazhi_org::Directory::bundled_bazhong_2008())
            .await
            .unwrap();
        let dir = directory::load_directory(&db).await.unwrap();
        let plan = fazhi_plan::parse_and_resolve(SEED, &dir).unwrap();
        let first = plans::import(&db, &admin, &plan).await.unwrap();
        assert!(first.created && first.items == 15, "{}: {first:?}", t.label);
        // "市级相关部门" is a group to be chosen per item: flagged for a person, never guessed.
        assert_eq!(
            first.unresolved,
            vec!["三(一)2 participant: 市级相关部门".to_string()],
            "{}",
            t.label
        );
        let again = plans::import(&db, &admin, &plan).await.unwrap();
        assert!(
            !again.created && again.plan_id == first.plan_id,
            "{}: idempotent",
            t.label
        );
        assert_eq!(plans::list_plans(&db).await.unwrap().len(), 1);

        let today = d("2008-08-01");
        let items = plans::items(&db, first.plan_id, today).await.unwrap();
        let last = items.last().unwrap();
        assert_eq!(last.number, "三(四)");
        assert_eq!(
            last.milestones,
            vec![("2008-07-31".to_string(), last.milestones[0].1.clone())]
        );
        let info = items.iter().find(|i| i.number == "三(一)3").unwrap();
        assert_eq!(
            info.role_of("general-office"),
            Some(plans::AssignmentRole::Lead)
        );

        // The petition bureau reports on 三(三)1 (it leads) but not on 三(一)3's lead role.
        let petition = person(&db, "xf", "petition-bureau", Role::Officer).await;
        let handle = petition.write_unit(&db, "petition-bureau").await.unwrap();
        let item_331 = items.iter().find(|i| i.number == "三(三)1").unwrap();
        let report = NewReport {
            reported_on: d("2008-06-30"),
            status: ReportStatus::InProgress,
            text: "已建立信访联席会议制度".into(),
        };
        let scan = plans::NewAttachment {
            filename: "联席会议纪要.pdf".into(),
            content_type: "application/pdf".into(),
            content: b"%PDF-1.4 minutes".to_vec(),
        };
        plans::file_report_with(
            &db,
            &handle,
            item_331.id,
            &report,
            std::slice::from_ref(&scan),
        )
        .await
        .unwrap();
        let files = plans::attachments_of_item(&db, &petition, item_331.id)
            .await
            .unwrap();
        assert_eq!(files.len(), 1, "{}", t.label);
        let (info, bytes) = plans::attachment(&db, &petition, files[0].id)
            .await
            .unwrap();
        assert_eq!(info.filename, "联席会议纪要.pdf");
        assert_eq!(
            bytes, scan.content,
            "{}: the file comes back byte for byte",
            t.label
        );
        let too_big = plans::NewAttachment {
            content: vec![0; plans::MAX_ATTACHMENT_BYTES + 1],
            ..scan.clone()
        };
        let refused = plans::file_report_with(&db, &handle, item_331.id, &report, &[too_big]).await;
        assert!(
            matches!(refused, Err(StoreError::Invalid { .. })),
            "{}",
            t.label
        );
        let legal_only = items.iter().find(|i| i.number == "三(二)3").unwrap(); // 巴州区、南江县 + 法制办
        assert!(
            matches!(
                plans::file_report(&db, &handle, legal_only.id, &report).await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            t.label
        );
        // A participant cannot close the item; the lead can, once.
        let finance = person(&db, "cz", "finance-bureau", Role::Officer).await;
        let fin = finance.write_unit(&db, "finance-bureau").await.unwrap();
        let item_311 = items.iter().find(|i| i.number == "三(一)1").unwrap();
        assert_eq!(
            item_311.role_of("finance-bureau"),
            Some(plans::AssignmentRole::Participant)
        );
        assert!(matches!(
            plans::close_item(&db, &fin, item_311.id, d("2008-11-30"), "done").await,
            Err(StoreError::Forbidden)
        ));
        let go = person(&db, "bgs", "general-office", Role::Officer).await;
        let go_handle = go.write_unit(&db, "general-office").await.unwrap();
        plans::close_item(
            &db,
            &go_handle,
            item_311.id,
            d("2008-11-30"),
            "决策机制已健全",
        )
        .await
        .unwrap();
        assert!(
            plans::close_item(&db, &go_handle, item_311.id, d("2008-12-01"), "again")
                .await
                .is_err()
        );

        let m = plans::matrix(&db, first.plan_id, d("2009-01-10"))
            .await
            .unwrap();
        assert_eq!(m.items.len(), 15);
        let closed = m.items.iter().find(|i| i.id == item_311.id).unwrap();
        assert_eq!(closed.timing, Timing::ClosedOnTime);
        let petition_col = m
            .units
            .iter()
            .position(|(k, _)| k == "petition-bureau")
            .unwrap();
        // Every item but the closed one is overdue on 2009-01-10; the petition bureau is on
        // 三(三)1 (lead) only... and on every "市级各部门" item as a participant.
        assert!(m.overdue_per_unit[petition_col] >= 1);
        let cell = m
            .items
            .iter()
            .find(|i| i.id == item_331.id)
            .unwrap()
            .assignment("petition-bureau")
            .unwrap();
        assert_eq!(cell.status, ReportStatus::InProgress);
        let mine = plans::responsibilities(&db, handle.as_read(), today)
            .await
            .unwrap();
        assert!(mine.iter().any(|i| i.id == item_331.id));
        assert_eq!(
            plans::reports(&db, &petition, item_331.id)
                .await
                .unwrap()
                .len(),
            1
        );
        db.close().await;
        t.remove().await;
    }
}

/// The directory and the seed plan on a fresh database: the plan's items.
async fn seeded(db: &fazhi_store::Db) -> Vec<plans::ItemView> {
    let admin = AdminHandle::command_line("test");
    directory::import(db, &admin, &fazhi_org::Directory::bundled_bazhong_2008())
        .await
        .unwrap();
    let dir = directory::load_directory(db).await.unwrap();
    let plan = fazhi_plan::parse_and_resolve(SEED, &dir).unwrap();
    let outcome = plans::import(db, &admin, &plan).await.unwrap();
    plans::items(db, outcome.plan_id, d("2008-08-01"))
        .await
        .unwrap()
}

fn item_numbered<'a>(items: &'a [plans::ItemView], number: &str) -> &'a plans::ItemView {
    items.iter().find(|i| i.number == number).unwrap()
}

fn report(on: &str, text: &str) -> NewReport {
    NewReport {
        reported_on: d(on),
        status: ReportStatus::InProgress,
        text: text.into(),
    }
}

fn invalid_text(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid {
            reason_zh,
            reason_en,
            ..
        } => (reason_zh, reason_en),
        other => panic!("expected an invalid-input error, got {other:?}"),
    }
}

/// Issue #11 A: an item is closed once, on a day between its last progress report and today;
/// reopening is its own audited action with a reason, and the item can be closed again.
#[tokio::test]
async fn closing_happens_once_and_reopening_is_its_own_audited_action() {
    use fazhi_store::audit::{self, AuditQuery};
    for t in fresh_databases("plan_close").await {
        let db = t.open().await;
        let items = seeded(&db).await;
        let item = item_numbered(&items, "三(一)1"); // lead 市政府办公室, 财政局 participates
        let go = person(&db, "bgs", "general-office", Role::Officer).await;
        let go_unit = go.write_unit(&db, "general-office").await.unwrap();
        let fin = person(&db, "cz", "finance-bureau", Role::Officer).await;
        let fin_unit = fin.write_unit(&db, "finance-bureau").await.unwrap();
        plans::file_report(
            &db,
            &go_unit,
            item.id,
            &report("2008-07-15", "起草决策规则"),
        )
        .await
        .unwrap();
        plans::file_report(&db, &fin_unit, item.id, &report("2008-09-01", "经费已落实"))
            .await
            .unwrap();

        // Not before the item's last progress report (any unit's), bilingual.
        let early = plans::close_item(&db, &go_unit, item.id, d("2008-08-31"), "提前办结")
            .await
            .expect_err("a closing before the last report is refused");
        let (zh, en) = invalid_text(early);
        assert!(
            zh.contains("2008-09-01") && zh.contains("进展报告"),
            "{}: {zh}",
            t.label
        );
        assert!(
            en.contains("2008-09-01") && en.contains("progress report"),
            "{}: {en}",
            t.label
        );
        // Not after today (Beijing), nor before the calendar's first day.
        let tomorrow = fazhi_store::clock::today().succ_opt().unwrap();
        let (zh, en) = invalid_text(
            plans::close_item(&db, &go_unit, item.id, tomorrow, "未来办结")
                .await
                .expect_err("a closing after today is refused"),
        );
        assert!(
            zh.contains("晚于今天") && en.contains("after today"),
            "{}: {zh} / {en}",
            t.label
        );
        assert!(
            plans::close_item(&db, &go_unit, item.id, d("2003-12-31"), "太早")
                .await
                .is_err()
        );
        // On the day of the last report is fine; a second closing is refused.
        plans::close_item(&db, &go_unit, item.id, d("2008-09-01"), "决策机制已健全")
            .await
            .unwrap();
        let (zh, en) = invalid_text(
            plans::close_item(&db, &go_unit, item.id, d("2008-09-02"), "再办结一次")
                .await
                .expect_err("closing happens once"),
        );
        assert!(
            zh.contains("已办结") && en.contains("already closed"),
            "{}",
            t.label
        );

        // Reopening: the lead unit only, with a reason, and only a closed item.
        assert!(matches!(
            plans::reopen_item(&db, &fin_unit, item.id, "财政局认为未完成").await,
            Err(StoreError::Forbidden)
        ));
        let (zh, en) = invalid_text(
            plans::reopen_item(&db, &go_unit, item.id, "   ")
                .await
                .expect_err("a reopening needs a reason"),
        );
        assert!(zh.contains("理由") && en.contains("reason"), "{}", t.label);
        plans::reopen_item(&db, &go_unit, item.id, "审计发现专家咨询机构尚未建立")
            .await
            .unwrap();
        let reopened = plans::item(&db, item.id, d("2009-01-10")).await.unwrap();
        assert_eq!(
            (reopened.closed_on.as_deref(), reopened.summary.as_deref()),
            (None, None),
            "{}: reopening clears the closing",
            t.label
        );
        assert_eq!(reopened.timing, Timing::Overdue { days: 10 });
        assert!(
            plans::reopen_item(&db, &go_unit, item.id, "再开一次")
                .await
                .is_err(),
            "{}: an open item is not reopened",
            t.label
        );
        // And it can be closed again.
        plans::close_item(
            &db,
            &go_unit,
            item.id,
            d("2009-01-05"),
            "专家咨询机构已建立",
        )
        .await
        .unwrap();
        let closed = plans::item(&db, item.id, d("2009-01-10")).await.unwrap();
        assert_eq!(closed.closed_on.as_deref(), Some("2009-01-05"));
        assert_eq!(closed.timing, Timing::ClosedLate { days: 5 });

        // The history stays on the audit trail: close, reopen (before and after), close.
        let trail = audit::list(
            &db,
            &AuditQuery {
                entity: Some("plan_item".into()),
                entity_id: Some(item.id.to_string()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let actions: Vec<&str> = trail.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["plan.close", "plan.reopen", "plan.close"],
            "{}",
            t.label
        );
        let reopen = &trail[1];
        let before = reopen.before_json.as_deref().unwrap_or("");
        let after = reopen.after_json.as_deref().unwrap_or("");
        assert!(
            before.contains("2008-09-01") && before.contains("决策机制已健全"),
            "{}: the closing that was undone: {before}",
            t.label
        );
        assert!(
            after.contains("审计发现专家咨询机构尚未建立") && after.contains("\"closed_on\":null"),
            "{}: {after}",
            t.label
        );
        assert_eq!(reopen.unit_key.as_deref(), Some("general-office"));
        assert!(audit::verify(&db).await.unwrap().is_intact());

        // Two closings at once: one wins, the other is refused.
        let other = item_numbered(&items, "三(一)5");
        let (a, b) = tokio::join!(
            plans::close_item(&db, &go_unit, other.id, d("2008-11-28"), "甲"),
            plans::close_item(&db, &go_unit, other.id, d("2008-11-29"), "乙"),
        );
        assert!(a.is_ok() != b.is_ok(), "{}: {a:?} {b:?}", t.label);
        db.close().await;
        t.remove().await;
    }
}

/// Issue #11 B: who reads a unit's progress reports and attachments. On 三(一)1 市政府办公室
/// leads and 财政局, 统计局 participate; 信访局 has no part. The lead reads every assigned
/// unit's reports, a participant its own and the lead's, an unassigned officer none; a
/// supervisor, an auditor and an administrator read all. An attachment follows its report.
#[tokio::test]
async fn reports_and_attachments_are_read_by_the_units_the_item_concerns() {
    for t in fresh_databases("plan_scope").await {
        let db = t.open().await;
        let items = seeded(&db).await;
        let item = item_numbered(&items, "三(一)1");
        let go = person(&db, "bgs", "general-office", Role::Officer).await;
        let fin = person(&db, "cz", "finance-bureau", Role::Officer).await;
        let stat = person(&db, "tj", "statistics-bureau", Role::Officer).await;
        let pb = person(&db, "xf", "petition-bureau", Role::Officer).await;
        let sup = person(&db, "fz", "legal-affairs-office", Role::Supervisor).await;
        let aud = person(&db, "sj", "audit-bureau", Role::Auditor).await;
        let admin = person(&db, "gl", "general-office", Role::Administrator).await;
        let file = |name: &str| plans::NewAttachment {
            filename: name.into(),
            content_type: "text/plain".into(),
            content: name.as_bytes().to_vec(),
        };
        for (who, unit, text) in [
            (&go, "general-office", "办公室报告"),
            (&fin, "finance-bureau", "财政局报告"),
            (&stat, "statistics-bureau", "统计局报告"),
        ] {
            let handle = who.write_unit(&db, unit).await.unwrap();
            plans::file_report_with(
                &db,
                &handle,
                item.id,
                &report("2008-07-15", text),
                &[file(&format!("{unit}.txt"))],
            )
            .await
            .unwrap();
        }
        let files = plans::attachments_of_item(&db, &sup, item.id)
            .await
            .unwrap();
        let file_of = |unit: &str| {
            files
                .iter()
                .find(|f| f.filename == format!("{unit}.txt"))
                .unwrap()
                .id
        };
        let units_seen = |rows: Vec<plans::ReportRow>| -> Vec<String> {
            rows.into_iter().map(|r| r.unit_key).collect()
        };
        let all = vec!["general-office", "finance-bureau", "statistics-bureau"];
        for (label, who, expected) in [
            ("lead", &go, all.clone()),
            (
                "participant",
                &fin,
                vec!["general-office", "finance-bureau"],
            ),
            (
                "participant",
                &stat,
                vec!["general-office", "statistics-bureau"],
            ),
            ("unassigned", &pb, vec![]),
            ("supervisor", &sup, all.clone()),
            ("auditor", &aud, all.clone()),
            ("administrator", &admin, all.clone()),
        ] {
            let seen = units_seen(plans::reports(&db, who, item.id).await.unwrap());
            assert_eq!(
                seen, expected,
                "{}: {label} {} reads",
                t.label, who.username
            );
            let files: Vec<String> = plans::attachments_of_item(&db, who, item.id)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.filename)
                .collect();
            let expected_files: Vec<String> = expected.iter().map(|u| format!("{u}.txt")).collect();
            assert_eq!(
                files, expected_files,
                "{}: {label} {}",
                t.label, who.username
            );
            for unit in &all {
                let got = plans::attachment(&db, who, file_of(unit)).await;
                if expected.contains(unit) {
                    let (info, bytes) = got.unwrap();
                    assert_eq!(bytes, info.filename.as_bytes());
                } else {
                    assert!(
                        matches!(got, Err(StoreError::Forbidden)),
                        "{}: {label} {} downloads {unit}'s file",
                        t.label,
                        who.username
                    );
                }
            }
        }
        // A supervisor whose scope is one participating unit reads what that unit reads (its
        // own unit, 信访局, has no part and is outside its scope); an unknown file is not found.
        let scoped = {
            let p = fazhi_store::accounts::create_user(
                &db,
                &AdminHandle::command_line("test"),
                fazhi_store::accounts::NewUser {
                    username: "fz2".into(),
                    display_name: "fz2".into(),
                    password: "correct horse battery".into(),
                    unit_key: "petition-bureau".into(),
                    grants: vec![fazhi_store::RoleGrant {
                        role: Role::Supervisor,
                        scope: Some("finance-bureau".into()),
                    }],
                },
            )
            .await
            .unwrap();
            fazhi_store::Principal::load(&db, p).await.unwrap()
        };
        assert_eq!(
            units_seen(plans::reports(&db, &scoped, item.id).await.unwrap()),
            vec!["general-office", "finance-bureau"],
            "{}",
            t.label
        );
        assert!(matches!(
            plans::attachment(&db, &go, 999_999).await,
            Err(StoreError::NotFound { .. })
        ));
        db.close().await;
        t.remove().await;
    }
}

//! Cases on both backends: version choice by date, extension once, gates, unit-scoped access,
//! personal data kept apart and its reads audited, linked cases, the sweep raising each alert
//! once, and fault accountability.

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::audit::{self, AuditQuery};
use fazhi_store::cases::{self, CaseFilter};
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{directory, Db, Principal, StoreError};
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

async fn setup(db: &Db) -> (Principal, Principal, Principal, Principal) {
    directory::import(
        db,
        &AdminHandle::command_line("test"),
        &fazhi_org::Directory::bundled_bazhong_2008(),
    )
    .await
    .unwrap();
    (
        person(db, "go", "general-office", Role::Officer).await,
        person(db, "pb", "petition-bureau", Role::Officer).await,
        person(db, "sup", "legal-affairs-office", Role::Supervisor).await,
        person(db, "aud", "audit-bureau", Role::Auditor).await,
    )
}

fn disclosure(name: &str) -> BTreeMap<String, String> {
    fields(&[
        ("channel", "in_person"),
        ("applicant_name", name),
        ("applicant_contact", "13800000000"),
        ("information_sought", "2019年度部门预算"),
    ])
}

#[tokio::test]
async fn a_disclosure_request_runs_by_the_law_of_its_date() {
    for t in fresh_databases("case_disclosure").await {
        let db = t.open().await;
        let (go, pb, sup, aud) = setup(&db).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        // Version by date: 15 working days under the 2007 regulation, 20 under the 2019 one.
        let old = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2018-03-01"),
            disclosure("张三"),
        )
        .await
        .unwrap();
        let new = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2020-03-02"),
            disclosure("李四"),
        )
        .await
        .unwrap();
        let due = |v: &cases::CaseView| v.deadlines[0].due.unwrap().to_string();
        assert_eq!(
            due(&cases::view(&db, &go, old, d("2018-03-01")).await.unwrap()),
            "2018-03-22",
            "{}",
            t.label
        );
        assert_eq!(
            due(&cases::view(&db, &go, new, d("2020-03-02")).await.unwrap()),
            "2020-03-30",
            "{}",
            t.label
        );

        // Another unit's officer can neither see nor act.
        assert!(matches!(
            cases::view(&db, &pb, new, d("2020-03-02")).await,
            Err(StoreError::Forbidden)
        ));
        let ext = fields(&[("approver", "王主任"), ("reason", "需调取档案")]);
        assert!(
            matches!(
                cases::act(&db, &pb, new, "extend", d("2020-03-20"), ext.clone(), None).await,
                Err(StoreError::Forbidden)
            ),
            "{}",
            t.label
        );
        // Extension: the due date moves by 20 working days, and only once.
        cases::act(&db, &go, new, "extend", d("2020-03-20"), ext.clone(), None)
            .await
            .unwrap();
        let v = cases::view(&db, &go, new, d("2020-03-20")).await.unwrap();
        // 20 more working days after 2020-03-30: Qingming (04-04..06) is skipped, and Sunday
        // 2020-04-26 counts (a make-up working day for May Day), so the 20th is 04-27.
        assert_eq!(due(&v), "2020-04-27", "{}", t.label);
        assert!(
            v.deadlines[0].explanation_en.contains("extension")
                || v.deadlines[0].explanation_en.contains("extended")
        );
        let again = cases::act(&db, &go, new, "extend", d("2020-03-21"), ext, None).await;
        assert!(
            matches!(again, Err(StoreError::Refused { .. })),
            "{}: {again:?}",
            t.label
        );
        // Gate: a refusal needs its legal ground; nothing changes when refused.
        let refuse = fields(&[("reply_type", "refuse")]);
        let r = cases::act(&db, &go, new, "reply", d("2020-04-01"), refuse, None).await;
        assert!(
            matches!(r, Err(StoreError::Refused { .. })),
            "{}: {r:?}",
            t.label
        );
        assert_eq!(
            cases::view(&db, &go, new, d("2020-04-01"))
                .await
                .unwrap()
                .summary
                .step,
            "received"
        );
        let ok = fields(&[
            ("reply_type", "refuse"),
            ("legal_ground", "条例第十四条:涉及国家秘密"),
        ]);
        cases::act(&db, &go, new, "reply", d("2020-04-01"), ok, None)
            .await
            .unwrap();
        let v = cases::view(&db, &sup, new, d("2020-05-01")).await.unwrap();
        assert!(v.summary.closed_on.is_some(), "{}", t.label);
        assert_eq!(v.deadlines[0].status, "closed_on_time");

        // Personal data: stored apart, shown to the handling unit and supervisors, never to an
        // auditor, and each read is on the audit trail.
        let raw: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(new)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(
            !raw.contains("李四") && !raw.contains("13800000000"),
            "{}: the case row holds no personal data",
            t.label
        );
        assert_eq!(v.personal.as_ref().unwrap()["applicant_name"], "李四");
        let by_auditor = cases::view(&db, &aud, new, d("2020-05-01")).await.unwrap();
        assert!(by_auditor.personal.is_none(), "{}", t.label);
        let reads = audit::list(
            &db,
            &AuditQuery {
                entity: Some("case".into()),
                entity_id: Some(new.to_string()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            reads
                .iter()
                .any(|e| e.action == "personal.read" && e.actor.starts_with("sup")),
            "{}",
            t.label
        );
        assert!(
            reads
                .iter()
                .all(|e| !e.after_json.as_deref().unwrap_or("").contains("李四")),
            "{}: the trail holds no names",
            t.label
        );
        assert!(audit::verify(&db).await.unwrap().is_intact());
        db.close().await;
        t.remove().await;
    }
}

/// Issue #11 C: a petition that belongs to reconsideration is answered by telling the
/// petitioner to apply there (信访条例 2005 Art 21, 信访工作条例 2022 Art 31): the referral
/// records the channel and the notice date and opens no case in the petition bureau, so nothing
/// runs late there. The reconsideration body opens its case when the application arrives, naming
/// the petition in `referred_from_petition`, which must be a petition referred to
/// reconsideration; both cases show the link.
#[tokio::test]
async fn a_petition_referral_tells_the_petitioner_and_the_reconsideration_body_links_back() {
    use fazhi_store::referrals;
    for t in fresh_databases("case_referral").await {
        let db = t.open().await;
        let (go, pb, sup, _) = setup(&db).await;
        let lao = person(&db, "lao", "legal-affairs-office", Role::Officer).await;
        let unit = pb.write_unit(&db, "petition-bureau").await.unwrap();
        let petition = |name: &str| {
            fields(&[
                ("channel", "letter"),
                ("petitioner_name", name),
                ("matter", "对拆迁补偿决定不服"),
            ])
        };
        let id = cases::open_case(
            &db,
            &unit,
            &pb,
            "petition",
            d("2024-03-04"),
            petition("王五"),
        )
        .await
        .unwrap();
        let out = cases::act(
            &db,
            &pb,
            id,
            "refer",
            d("2024-03-08"),
            fields(&[
                ("referred_to", "reconsideration"),
                ("notified_on", "2024-03-07"),
                ("referral_notice", "巴信告〔2024〕1号"),
            ]),
            None,
        )
        .await
        .unwrap();
        assert!(
            out.linked.is_empty(),
            "{}: the bureau opens no case",
            t.label
        );
        assert_eq!(out.step, "referred");
        let mine = cases::list(&db, &pb, &CaseFilter::default(), d("2024-06-03"))
            .await
            .unwrap();
        assert_eq!(
            mine.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![id],
            "{}: the petition bureau holds the petition only",
            t.label
        );
        let referred = cases::view(&db, &pb, id, d("2024-06-03")).await.unwrap();
        assert!(referred.summary.closed_on.is_some(), "{}", t.label);
        let acceptance = referred
            .deadlines
            .iter()
            .find(|d| d.key == "acceptance")
            .unwrap();
        assert_eq!(
            acceptance.status, "closed_on_time",
            "{}: told within 15 days",
            t.label
        );
        assert_eq!(
            referred.state.fields.get("notified_on").map(String::as_str),
            Some("2024-03-07")
        );
        let swept = cases::sweep(&db, d("2024-06-03"), "t1", "test")
            .await
            .unwrap();
        assert_eq!(
            (swept.warnings, swept.alarms),
            (0, 0),
            "{}: no false alarm",
            t.label
        );

        // The application arrives at the legal affairs office, which opens the case.
        let lao_unit = lao.write_unit(&db, "legal-affairs-office").await.unwrap();
        let application = |from: &str| {
            fields(&[
                ("received_on", "2024-03-20"),
                ("applicant_name", "王五"),
                ("respondent", "市住建局"),
                ("matter", "撤销拆迁补偿决定"),
                ("referred_from_petition", from),
            ])
        };
        let rec = referrals::open_case(
            &db,
            &lao_unit,
            &lao,
            "reconsideration",
            d("2024-03-20"),
            application(&id.to_string()),
        )
        .await
        .unwrap();
        let opened = cases::view(&db, &lao, rec, d("2024-03-20")).await.unwrap();
        assert_eq!(opened.summary.unit_key, "legal-affairs-office");
        let link = |v: &cases::CaseView| {
            v.links
                .iter()
                .map(|l| (l.case_id, l.link.clone(), l.direction))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            link(&opened),
            vec![(id, "referred_from_petition".to_string(), "from")],
            "{}",
            t.label
        );
        let back = cases::view(&db, &pb, id, d("2024-03-20")).await.unwrap();
        assert_eq!(
            link(&back),
            vec![(rec, "referred_from_petition".to_string(), "to")],
            "{}",
            t.label
        );
        let trail = audit::list(
            &db,
            &AuditQuery {
                entity: Some("case".into()),
                entity_id: Some(rec.to_string()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            trail.iter().any(|e| e.action == "case.link"
                && e.after_json
                    .as_deref()
                    .is_some_and(|a| a.contains("referred_from_petition"))),
            "{}: the link is on the trail",
            t.label
        );

        // What `referred_from_petition` may name: a petition referred to reconsideration. The
        // supervisor, who reads every unit, is told what is wrong; the officer, who cannot read
        // the petition bureau's cases, only that the number is not such a petition.
        let registered = cases::open_case(
            &db,
            &unit,
            &pb,
            "petition",
            d("2024-03-05"),
            petition("赵六"),
        )
        .await
        .unwrap();
        let to_court = cases::open_case(
            &db,
            &unit,
            &pb,
            "petition",
            d("2024-03-05"),
            petition("钱七"),
        )
        .await
        .unwrap();
        cases::act(
            &db,
            &pb,
            to_court,
            "refer",
            d("2024-03-06"),
            fields(&[("referred_to", "litigation"), ("notified_on", "2024-03-06")]),
            None,
        )
        .await
        .unwrap();
        let go_unit = go.write_unit(&db, "general-office").await.unwrap();
        let disclosure_id = cases::open_case(
            &db,
            &go_unit,
            &go,
            "disclosure_request",
            d("2024-03-05"),
            disclosure("孙八"),
        )
        .await
        .unwrap();
        let not_such = (
            "不是已告知信访人申请行政复议的信访事项",
            "is not a petition whose petitioner was told to apply for reconsideration",
        );
        for (who, value, (zh, en)) in [
            (&sup, "999999".to_string(), ("不存在", "no case")),
            (&sup, "abc".to_string(), ("案件编号", "case number")),
            (
                &sup,
                disclosure_id.to_string(),
                ("不是信访事项", "not a petition"),
            ),
            (
                &sup,
                registered.to_string(),
                ("尚未告知", "has not been referred"),
            ),
            (&sup, to_court.to_string(), ("行政诉讼", "litigation")),
            (&lao, "abc".to_string(), ("案件编号", "case number")),
            (&lao, "999999".to_string(), not_such),
            (&lao, disclosure_id.to_string(), not_such),
            (&lao, registered.to_string(), not_such),
            (&lao, to_court.to_string(), not_such),
        ] {
            let e = referrals::open_case(
                &db,
                &who.write_unit(&db, "legal-affairs-office").await.unwrap(),
                who,
                "reconsideration",
                d("2024-03-20"),
                application(&value),
            )
            .await
            .expect_err(&value);
            let who = &who.username;
            let StoreError::Invalid {
                field,
                reason_zh,
                reason_en,
            } = e
            else {
                panic!("{}: {who} {value}: {e:?}", t.label);
            };
            assert_eq!(field, "referred_from_petition");
            assert!(
                reason_zh.contains(zh) && reason_en.contains(en),
                "{}: {who} {value}: {reason_zh} / {reason_en}",
                t.label
            );
        }
        // Refused openings open nothing.
        let all = cases::list(&db, &lao, &CaseFilter::default(), d("2024-03-20"))
            .await
            .unwrap();
        assert_eq!(all.len(), 1, "{}", t.label);
        assert!(audit::verify(&db).await.unwrap().is_intact());
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn the_sweep_raises_each_alert_once_and_supervisors_hold_people_accountable() {
    for t in fresh_databases("case_sweep").await {
        let db = t.open().await;
        let (go, _, sup, _) = setup(&db).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let a = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2024-03-01"),
            disclosure("甲"),
        )
        .await
        .unwrap();
        let b = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2024-03-20"),
            disclosure("乙"),
        )
        .await
        .unwrap();
        // a is due 2024-03-29, b 2024-04-18 (Qingming 04-04..06, make-up Sunday 04-07).
        let on = d("2024-04-15");
        let r = cases::sweep(&db, on, "p1", "test").await.unwrap();
        assert_eq!(
            (r.ran, r.warnings, r.alarms),
            (true, 1, 1),
            "{}: {r:?}",
            t.label
        );
        let again = cases::sweep(&db, on, "p1", "test").await.unwrap();
        assert!(!again.ran, "{}: the same period is swept once", t.label);
        let other = cases::sweep(&db, on, "p2", "test").await.unwrap();
        assert_eq!(
            (other.warnings, other.alarms),
            (0, 0),
            "{}: nothing is raised twice",
            t.label
        );
        let warnings = cases::alerts_for(&db, &go).await.unwrap();
        assert!(
            warnings.iter().all(|x| x.kind == "warning") && warnings.len() == 1,
            "{}: {warnings:?}",
            t.label
        );
        assert_eq!(warnings[0].case_id, b);
        let alarms = cases::alerts_for(&db, &sup).await.unwrap();
        assert!(
            alarms.iter().any(|x| x.kind == "alarm" && x.case_id == a),
            "{}",
            t.label
        );
        let overdue = cases::overdue(&db, &sup, on).await.unwrap();
        assert_eq!(
            (overdue.len(), overdue[0].case_id, overdue[0].days_overdue),
            (1, a, 17),
            "{}",
            t.label
        );
        let listed = cases::list(
            &db,
            &sup,
            &CaseFilter {
                status: Some("overdue".into()),
                ..Default::default()
            },
            on,
        )
        .await
        .unwrap();
        assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), vec![a]);
        // Accountability: the officer may not open it; the supervisor may, on the overdue case only.
        assert!(matches!(
            cases::open_accountability(&db, &go, a, "李干事", "逾期未答复", "通报批评", on).await,
            Err(StoreError::Forbidden)
        ));
        assert!(
            cases::open_accountability(&db, &sup, b, "李干事", "x", "y", on)
                .await
                .is_err(),
            "{}: b is not overdue",
            t.label
        );
        cases::open_accountability(&db, &sup, a, "李干事", "逾期未答复", "通报批评", on)
            .await
            .unwrap();
        assert_eq!(
            cases::view(&db, &sup, a, on)
                .await
                .unwrap()
                .accountability
                .len(),
            1
        );
        db.close().await;
        t.remove().await;
    }
}

/// An appeal window is a right: the sweep warns before it ends, but when it passes unused no
/// alarm is raised and the case is not overdue.
#[tokio::test]
async fn a_lapsed_appeal_window_warns_but_is_never_overdue() {
    for t in fresh_databases("case_optional").await {
        let db = t.open().await;
        let (go, _, sup, _) = setup(&db).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let id = cases::open_case(
            &db,
            &unit,
            &go,
            "litigation",
            d("2024-05-06"),
            fields(&[("court", "巴州区法院")]),
        )
        .await
        .unwrap();
        for (action, on, f) in [
            (
                "complaint_served",
                "2024-05-06",
                vec![("served_on", "2024-05-06"), ("court", "巴州区法院")],
            ),
            (
                "file_defence",
                "2024-05-15",
                vec![("filed_on", "2024-05-15")],
            ),
            (
                "hearing",
                "2024-06-03",
                vec![("head_appeared", "true"), ("head_name", "副市长")],
            ),
            (
                "first_instance_decision",
                "2024-07-01",
                vec![
                    ("document_kind", "judgment"),
                    ("result", "agency_wins"),
                    ("served_on", "2024-07-01"),
                ],
            ),
        ] {
            cases::act(&db, &go, id, action, d(on), fields(&f), None)
                .await
                .unwrap_or_else(|e| panic!("{}: {action}: {e}", t.label));
        }
        let view = cases::view(&db, &go, id, d("2024-07-02")).await.unwrap();
        let appeal = view
            .deadlines
            .iter()
            .find(|x| x.key == "appeal_judgment")
            .unwrap();
        assert_eq!(appeal.due, Some(d("2024-07-16")), "{}", t.label);
        let warn_from = appeal.warn_from.unwrap();
        let r = cases::sweep(&db, warn_from, "p1", "test").await.unwrap();
        assert_eq!((r.warnings, r.alarms), (1, 0), "{}: warned", t.label);
        let on = d("2024-07-22");
        let r = cases::sweep(&db, on, "p2", "test").await.unwrap();
        assert_eq!((r.warnings, r.alarms), (0, 0), "{}: no alarm", t.label);
        assert!(cases::overdue(&db, &sup, on).await.unwrap().is_empty());
        let view = cases::view(&db, &go, id, on).await.unwrap();
        assert_eq!(view.summary.timing, "no_running_deadline", "{}", t.label);
        let appeal = view.deadlines.iter().find(|x| x.key == "appeal_judgment");
        assert_eq!(appeal.map(|x| x.status.as_str()), Some("lapsed"));
        db.close().await;
        t.remove().await;
    }
}

/// Many writes at once: on SQLite they are committed together in batches, each in its own
/// savepoint. Twenty officers extending one case at once: exactly one extension is recorded, the
/// others are refused and leave nothing behind; forty cases opened alongside all stand; the
/// audit chain has one entry per acknowledged write and verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_apply_in_turn_and_a_refused_one_leaves_nothing() {
    for t in fresh_databases("case_concurrent").await {
        let db = t.open().await;
        let (go, _, _, _) = setup(&db).await;
        let unit = go.write_unit(&db, "general-office").await.unwrap();
        let id = cases::open_case(
            &db,
            &unit,
            &go,
            "disclosure_request",
            d("2024-03-01"),
            disclosure("甲"),
        )
        .await
        .unwrap();
        let head = audit::head_seq(&db).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..60 {
            let (db, go) = (db.clone(), go.clone());
            tasks.push(tokio::spawn(async move {
                if i % 3 == 0 {
                    let ext = fields(&[("approver", "王主任"), ("reason", &format!("第{i}次"))]);
                    cases::act(&db, &go, id, "extend", d("2024-03-20"), ext, None)
                        .await
                        .map(|_| "extended")
                } else {
                    let unit = go.write_unit(&db, "general-office").await.unwrap();
                    cases::open_case(
                        &db,
                        &unit,
                        &go,
                        "disclosure_request",
                        d("2024-03-04"),
                        disclosure(&format!("申请人{i}")),
                    )
                    .await
                    .map(|_| "opened")
                }
            }));
        }
        let mut outcomes = BTreeMap::new();
        for task in tasks {
            let key = match task.await.unwrap() {
                Ok(what) => what.to_string(),
                Err(StoreError::Refused { reason, .. }) => format!("refused:{reason}"),
                Err(e) => panic!("{}: {e}", t.label),
            };
            *outcomes.entry(key).or_insert(0) += 1;
        }
        assert_eq!(
            outcomes.get("extended"),
            Some(&1),
            "{}: {outcomes:?}",
            t.label
        );
        assert_eq!(
            outcomes.get("opened"),
            Some(&40),
            "{}: {outcomes:?}",
            t.label
        );
        assert_eq!(outcomes.values().sum::<i32>(), 60, "{}", t.label);
        let v = cases::view(&db, &go, id, d("2024-03-20")).await.unwrap();
        let extensions = v.state.history.iter().filter(|a| a.action == "extend");
        assert_eq!(extensions.count(), 1, "{}", t.label);
        // One audit entry per acknowledged write (41), plus the personal-data read just now.
        assert_eq!(
            audit::head_seq(&db).await.unwrap(),
            head + 42,
            "{}",
            t.label
        );
        assert!(audit::verify(&db).await.unwrap().is_intact(), "{}", t.label);
        db.close().await;
        t.remove().await;
    }
}

//! The disclosure request end to end: version by receipt date, clarification, consultation,
//! extension, gated reply, permissions, corrections.

mod support;
use fazhi_procedure::*;
use support::*;

#[test]
fn version_by_receipt_date_2018_gets_15_working_days_2020_gets_20() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2018-02-01"),
        &officer(),
        f(&[("channel", "in_person"), ("applicant_name", "张三")]),
    )
    .unwrap();
    assert_eq!(c.version, "2008");
    let dl = deadlines(set, &c, d("2018-02-01"));
    assert_eq!(dl.len(), 1);
    assert_eq!(dl[0].due, Some(d("2018-02-27")));
    assert!(
        dl[0].explanation_en.contains("15 working days"),
        "{}",
        dl[0].explanation_en
    );
    assert_eq!(dl[0].article, "第二十四条");

    let c = open(
        set,
        "disclosure_request",
        d("2020-03-05"),
        &officer(),
        f(&[
            ("channel", "post"),
            ("received_on", "2020-03-02"),
            ("applicant_name", "李四"),
        ]),
    )
    .unwrap();
    assert_eq!(c.version, "2019");
    assert_eq!(c.opened_on, d("2020-03-02"));
    let dl = deadlines(set, &c, d("2020-03-10"));
    assert_eq!(dl[0].due, Some(d("2020-03-30")));
    assert_eq!(dl[0].status, "on_time");
    assert!(dl[0].explanation_en.contains("20 working days"));
}

#[test]
fn clarification_restarts_the_clock_under_2019_rules_consultation_is_not_counted_and_extension_once(
) {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2020-03-02"),
        &officer(),
        f(&[("channel", "online"), ("applicant_name", "王五")]),
    )
    .unwrap();
    let c = act(
        set,
        &c,
        "ask_clarification",
        "2020-03-04",
        &[("clarification_points", "请说明文件名称")],
    );
    assert_eq!(c.step, "awaiting_clarification");
    assert_eq!(deadlines(set, &c, d("2020-03-05"))[0].status, "suspended");
    let c = act(
        set,
        &c,
        "receive_clarification",
        "2020-03-16",
        &[("corrected_on", "2020-03-16")],
    );
    // 20 working days from 2020-03-16.
    assert_eq!(
        deadlines(set, &c, d("2020-03-17"))[0].due,
        Some(d("2020-04-14"))
    );
    // Asking a second time is refused: the regulation says once.
    assert_eq!(
        try_act(
            set,
            &c,
            "ask_clarification",
            "2020-03-17",
            &[("clarification_points", "x")]
        )
        .unwrap_err()
        .code,
        "gate"
    );

    let c = act(
        set,
        &c,
        "consult",
        "2020-03-18",
        &[
            ("consultation_kind", "third_party_consultation"),
            ("consulted_party", "某公司"),
        ],
    );
    let c = act(set, &c, "end_consultation", "2020-03-27", &[]);
    let before_ext = deadlines(set, &c, d("2020-03-30"))[0].due.unwrap();
    assert!(
        before_ext > d("2020-04-14"),
        "consultation days are not counted"
    );

    // The extension needs an approver and a reason, and is allowed once.
    let r = try_act(set, &c, "extend", "2020-04-01", &[("reason", "信息量大")]).unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(r.message_en.contains("approver"), "{}", r.message_en);
    let c = act(
        set,
        &c,
        "extend",
        "2020-04-01",
        &[("approver", "公开办主任"), ("reason", "信息量大")],
    );
    let r = try_act(
        set,
        &c,
        "extend",
        "2020-04-02",
        &[("approver", "公开办主任"), ("reason", "再延")],
    )
    .unwrap_err();
    assert_eq!(r.code, "gate");
    let dl = &deadlines(set, &c, d("2020-04-02"))[0];
    assert!(dl.due.unwrap() > before_ext);
    assert!(dl.explanation_zh.contains("延长"));

    // A refusal needs its legal ground.
    let r = try_act(set, &c, "reply", "2020-04-20", &[("reply_type", "refuse")]).unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(r.message_en.contains("legal_ground"));
    let c = act(
        set,
        &c,
        "reply",
        "2020-04-20",
        &[
            ("reply_type", "refuse"),
            ("legal_ground", "第十四条：危及国家安全"),
        ],
    );
    assert!(c.closed);
    assert_eq!(c.outcome.as_deref(), Some("refuse"));
    assert_eq!(
        deadlines(set, &c, d("2020-05-01"))[0].status,
        "closed_on_time"
    );
    assert_eq!(
        try_act(set, &c, "withdraw", "2020-04-21", &[])
            .unwrap_err()
            .code,
        "closed"
    );
}

#[test]
fn unauthorised_actors_are_refused_and_not_offered_actions() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2021-06-01"),
        &officer(),
        f(&[("channel", "in_person"), ("applicant_name", "赵六")]),
    )
    .unwrap();
    for who in [other_officer(), auditor()] {
        let r = apply(
            set,
            &c,
            &req("reply", "2021-06-02", &who, &[("reply_type", "disclose")]),
        )
        .unwrap_err();
        assert_eq!(r.code, "forbidden", "{who:?}");
        assert!(allowed_actions(set, &c, &who).is_empty());
    }
    assert!(open(
        set,
        "disclosure_request",
        d("2021-06-01"),
        &auditor(),
        f(&[("channel", "in_person"), ("applicant_name", "x")])
    )
    .is_err());
    // The supervising unit may act.
    apply(
        set,
        &c,
        &req(
            "reply",
            "2021-06-02",
            &supervisor(),
            &[("reply_type", "disclose")],
        ),
    )
    .unwrap();
    let ids: Vec<_> = allowed_actions(set, &c, &officer())
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(
        ids.contains(&"reply".to_string()) && ids.contains(&"extend".to_string()),
        "{ids:?}"
    );
}

#[test]
fn bad_input_is_refused_with_a_code() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2021-06-01"),
        &officer(),
        f(&[("channel", "in_person"), ("applicant_name", "赵六")]),
    )
    .unwrap();
    assert_eq!(
        try_act(set, &c, "nope", "2021-06-02", &[])
            .unwrap_err()
            .code,
        "unknown_action"
    );
    assert_eq!(
        try_act(set, &c, "reply", "2021-06-02", &[("reply_type", "maybe")])
            .unwrap_err()
            .code,
        "bad_field"
    );
    assert_eq!(
        try_act(set, &c, "reply", "2021-06-02", &[("colour", "red")])
            .unwrap_err()
            .code,
        "bad_field"
    );
    assert_eq!(
        try_act(
            set,
            &c,
            "reply",
            "2021-05-30",
            &[("reply_type", "disclose")]
        )
        .unwrap_err()
        .code,
        "out_of_order"
    );
    assert_eq!(
        try_act(set, &c, "end_consultation", "2021-06-02", &[])
            .unwrap_err()
            .code,
        "out_of_order"
    );
    assert_eq!(
        open(
            set,
            "disclosure_request",
            d("2007-01-05"),
            &officer(),
            f(&[("channel", "post"), ("applicant_name", "x")])
        )
        .unwrap_err()
        .code,
        "no_version"
    );
    assert_eq!(
        open(set, "nope", d("2021-01-05"), &officer(), f(&[]))
            .unwrap_err()
            .code,
        "unknown_procedure"
    );
    assert_eq!(
        open(
            set,
            "disclosure_request",
            d("2021-01-05"),
            &officer(),
            f(&[("channel", "post")])
        )
        .unwrap_err()
        .code,
        "gate"
    );
    // Overlapping the clock's rules is refused by the deadline engine: the 2007 regulation did
    // not exclude consultations with other agencies.
    let old = open(
        set,
        "disclosure_request",
        d("2018-03-01"),
        &officer(),
        f(&[("channel", "post"), ("applicant_name", "x")]),
    )
    .unwrap();
    let r = try_act(
        set,
        &old,
        "consult",
        "2018-03-02",
        &[
            ("consultation_kind", "agency_consultation"),
            ("consulted_party", "市财政局"),
        ],
    )
    .unwrap_err();
    assert_eq!(r.code, "deadline");
}

#[test]
fn a_correction_is_appended_and_changes_the_deadline_not_the_history() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2020-03-05"),
        &officer(),
        f(&[
            ("channel", "post"),
            ("received_on", "2020-03-05"),
            ("applicant_name", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(
        deadlines(set, &c, d("2020-03-05"))[0].due,
        Some(d("2020-04-02"))
    );
    // The post office's receipt shows it was signed for on 03-02.
    let fixed = apply(
        set,
        &c,
        &ActionRequest {
            corrects: Some(1),
            ..req(
                "receive",
                "2020-03-05",
                &officer(),
                &[("received_on", "2020-03-02")],
            )
        },
    )
    .unwrap()
    .case;
    assert_eq!(fixed.history.len(), 2);
    assert_eq!(fixed.history[0], c.history[0]);
    assert_eq!(fixed.history[1].corrects, Some(1));
    assert_eq!(fixed.fields["received_on"], "2020-03-02");
    assert_eq!(
        deadlines(set, &fixed, d("2020-03-05"))[0].due,
        Some(d("2020-03-30"))
    );
    assert_eq!(fixed.step, "received");
    // A correction must be of the same action and of an entry that exists.
    assert_eq!(
        apply(
            set,
            &c,
            &ActionRequest {
                corrects: Some(1),
                ..req("reply", "2020-03-05", &officer(), &[])
            }
        )
        .unwrap_err()
        .code,
        "bad_correction"
    );
    assert_eq!(
        apply(
            set,
            &c,
            &ActionRequest {
                corrects: Some(9),
                ..req("receive", "2020-03-05", &officer(), &[])
            }
        )
        .unwrap_err()
        .code,
        "bad_correction"
    );
}

#[test]
fn case_state_round_trips_through_json() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2020-03-05"),
        &officer(),
        f(&[("channel", "post"), ("applicant_name", "x")]),
    )
    .unwrap();
    let c = act(
        set,
        &c,
        "extend",
        "2020-03-06",
        &[("approver", "主任"), ("reason", "多")],
    );
    let j = serde_json::to_string(&c).unwrap();
    let back: CaseState = serde_json::from_str(&j).unwrap();
    assert_eq!(back, c);
    assert_eq!(
        personal_fields(set, "disclosure_request"),
        vec!["applicant_name", "applicant_contact", "consulted_party"]
    );
}

fn view(set: &ProcedureSet, c: &CaseState, key: &str, today: &str) -> Option<DeadlineView> {
    deadlines(set, c, d(today))
        .into_iter()
        .find(|x| x.key == key)
}

#[test]
fn clarification_must_be_asked_within_7_working_days_under_the_2019_regulation() {
    let set = ProcedureSet::bundled();
    // Received on Friday 2019-09-27: 7 working days cross National Day 2019 and count both
    // make-up days (Sunday 09-29, Saturday 10-12), so the last day is Saturday 10-12.
    let c = open(
        set,
        "disclosure_request",
        d("2019-09-27"),
        &officer(),
        f(&[("channel", "in_person"), ("applicant_name", "赵六")]),
    )
    .unwrap();
    assert_eq!(c.version, "2019");
    let dl = deadlines(set, &c, d("2019-10-08"));
    assert_eq!(dl[0].key, "reply", "the reply stays the first deadline");
    let v = view(set, &c, "clarification", "2019-10-08").unwrap();
    assert_eq!(v.rule_id, "disclosure.clarification");
    assert_eq!(
        (v.due, v.warn_from, v.status.as_str(), v.optional),
        (
            Some(d("2019-10-12")),
            Some(d("2019-10-10")),
            "on_time",
            true
        )
    );
    assert_eq!(v.article, "第三十条");
    assert!(
        v.explanation_en.contains("7 working days"),
        "{}",
        v.explanation_en
    );
    // Asked on the make-up Saturday, the last day: on time.
    let asked = act(
        set,
        &c,
        "ask_clarification",
        "2019-10-12",
        &[("clarification_points", "请说明所需文件的年份")],
    );
    assert_eq!(
        view(set, &asked, "clarification", "2019-10-14")
            .unwrap()
            .status,
        "closed_on_time"
    );

    // Asked a day after the 7 working days (Spring Festival 2024, make-up Sunday 02-18): the
    // request is recorded and the reply period restarts, but the clarification closed late.
    let c = open(
        set,
        "disclosure_request",
        d("2024-02-05"),
        &officer(),
        f(&[("channel", "online"), ("applicant_name", "钱七")]),
    )
    .unwrap();
    assert_eq!(
        view(set, &c, "clarification", "2024-02-05").unwrap().due,
        Some(d("2024-02-20"))
    );
    let late = act(
        set,
        &c,
        "ask_clarification",
        "2024-02-21",
        &[("clarification_points", "x")],
    );
    assert_eq!(late.step, "awaiting_clarification");
    assert_eq!(
        view(set, &late, "clarification", "2024-02-22")
            .unwrap()
            .status,
        "closed_late"
    );

    // Not asked: past its last day it has lapsed (never overdue), and replying without asking
    // leaves it lapsed while the reply itself closes on time.
    let v = view(set, &c, "clarification", "2024-02-21").unwrap();
    assert_eq!(
        (v.status.as_str(), v.due),
        ("lapsed", Some(d("2024-02-20")))
    );
    let replied = act(
        set,
        &c,
        "reply",
        "2024-02-26",
        &[("reply_type", "disclose")],
    );
    assert!(replied.closed);
    assert_eq!(
        view(set, &replied, "clarification", "2024-03-01")
            .unwrap()
            .status,
        "lapsed"
    );
    assert_eq!(
        view(set, &replied, "reply", "2024-03-01").unwrap().status,
        "closed_on_time"
    );
    // Replied within the 7 working days without asking: it lapses with the closed case.
    let quick = act(
        set,
        &c,
        "reply",
        "2024-02-07",
        &[("reply_type", "disclose")],
    );
    assert_eq!(
        view(set, &quick, "clarification", "2024-02-07")
            .unwrap()
            .status,
        "lapsed"
    );
}

#[test]
fn the_2007_regulation_has_no_clarification_deadline() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "disclosure_request",
        d("2019-05-14"),
        &officer(),
        f(&[("channel", "post"), ("applicant_name", "孙八")]),
    )
    .unwrap();
    assert_eq!(c.version, "2008");
    // Asked a month later: allowed, and no clarification deadline appears.
    let c = act(
        set,
        &c,
        "ask_clarification",
        "2019-06-14",
        &[("clarification_points", "x")],
    );
    let dl = deadlines(set, &c, d("2019-06-14"));
    assert_eq!(
        dl.iter().map(|x| x.key.as_str()).collect::<Vec<_>>(),
        vec!["reply"]
    );
    // The first day of the 2019 regulation has it: 7 working days → 2019-05-24.
    let c = open(
        set,
        "disclosure_request",
        d("2019-05-15"),
        &officer(),
        f(&[("channel", "post"), ("applicant_name", "孙八")]),
    )
    .unwrap();
    assert_eq!(
        view(set, &c, "clarification", "2019-05-15").unwrap().due,
        Some(d("2019-05-24"))
    );
}

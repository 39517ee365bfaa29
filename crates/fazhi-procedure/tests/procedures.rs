//! Petition, reconsideration, litigation response and licensing end to end, with linkage.

mod support;
use fazhi_procedure::*;
use support::*;

fn due(set: &ProcedureSet, c: &CaseState, key: &str, today: &str) -> DeadlineView {
    deadlines(set, c, d(today))
        .into_iter()
        .find(|x| x.key == key)
        .unwrap_or_else(|| panic!("no deadline {key}"))
}

#[test]
fn petition_with_extension_review_re_review_and_hearing() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "petition",
        d("2023-03-01"),
        &officer(),
        f(&[
            ("channel", "letter"),
            ("petitioner_name", "陈"),
            ("matter", "拆迁补偿"),
        ]),
    )
    .unwrap();
    assert_eq!(c.version, "2022");
    assert_eq!(
        due(set, &c, "acceptance", "2023-03-01").due,
        Some(d("2023-03-16"))
    );
    let c = act(set, &c, "accept", "2023-03-10", &[]);
    assert_eq!(c.fields["route"], "handling");
    let c = act(
        set,
        &c,
        "assign",
        "2023-03-11",
        &[("assigned_unit", "市住建局")],
    );
    // 60 days from 03-10 is 05-09.
    assert_eq!(
        due(set, &c, "handling", "2023-03-11").due,
        Some(d("2023-05-09"))
    );
    let c = act(
        set,
        &c,
        "extend",
        "2023-05-01",
        &[("approver", "局长"), ("reason", "情况复杂")],
    );
    assert_eq!(
        due(set, &c, "handling", "2023-05-02").due,
        Some(d("2023-06-08"))
    );
    let c = act(
        set,
        &c,
        "reply",
        "2023-06-01",
        &[("opinion", "partly_support")],
    );
    assert_eq!(
        due(set, &c, "handling", "2023-06-02").status,
        "closed_on_time"
    );
    let c = act(set, &c, "request_review", "2023-06-20", &[]);
    let c = act(
        set,
        &c,
        "review_reply",
        "2023-07-10",
        &[("opinion", "not_support")],
    );
    let c = act(set, &c, "request_re_review", "2023-07-20", &[]);
    let c = act(set, &c, "hold_hearing", "2023-07-25", &[]);
    assert_eq!(due(set, &c, "re_review", "2023-07-26").status, "suspended");
    let c = act(set, &c, "end_hearing", "2023-08-04", &[]);
    // 30 days from 07-20 with the 10 hearing days (07-25..08-04 inclusive: 11) not counted.
    let v = due(set, &c, "re_review", "2023-08-05");
    assert!(v.due.unwrap() > d("2023-08-19"), "{:?}", v.due);
    let c = act(
        set,
        &c,
        "re_review_reply",
        "2023-08-20",
        &[("opinion", "not_support")],
    );
    assert!(c.closed);
    assert_eq!(c.step, "closed");
    // A review cannot be asked for twice.
    assert!(allowed_actions(set, &c, &officer()).is_empty());
}

#[test]
fn petition_referred_to_reconsideration_opens_the_linked_case() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "petition",
        d("2024-05-06"),
        &officer(),
        f(&[
            ("channel", "visit"),
            ("petitioner_name", "刘"),
            ("petitioner_contact", "139"),
            ("matter", "对罚款不服"),
        ]),
    )
    .unwrap();
    let a = try_act(
        set,
        &c,
        "refer",
        "2024-05-08",
        &[("referred_to", "reconsideration")],
    )
    .unwrap();
    assert_eq!(a.case.step, "referred");
    assert_eq!(a.effects.len(), 1);
    let Effect::OpenLinked {
        procedure,
        start_date,
        fields,
        link,
    } = &a.effects[0];
    assert_eq!(
        (procedure.as_str(), *start_date, link.as_str()),
        ("reconsideration", d("2024-05-08"), "referred_from_petition")
    );
    assert_eq!(fields["applicant_name"], "刘");
    // The storage layer opens it; the linked case's opening needs the respondent.
    let mut fields = fields.clone();
    fields.insert("respondent".into(), "市市场监管局".into());
    let r = open(set, procedure, *start_date, &officer(), fields).unwrap();
    assert_eq!(r.version, "2024");
    // A referral elsewhere opens nothing.
    let a = try_act(
        set,
        &c,
        "refer",
        "2024-05-08",
        &[("referred_to", "other_statutory")],
    )
    .unwrap();
    assert!(a.effects.is_empty());
}

#[test]
fn reconsideration_gated_decision_suspension_extension_and_linked_litigation() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "reconsideration",
        d("2024-03-01"),
        &officer(),
        f(&[("applicant_name", "周"), ("respondent", "区政府")]),
    )
    .unwrap();
    let c = act(
        set,
        &c,
        "request_supplement",
        "2024-03-04",
        &[("supplement_points", "身份证明")],
    );
    let c = act(set, &c, "receive_supplement", "2024-03-11", &[]);
    let c = act(set, &c, "accept", "2024-03-12", &[]);
    assert_eq!(c.fields["track"], "ordinary");
    assert_eq!(
        due(set, &c, "acceptance", "2024-03-12").status,
        "closed_on_time"
    );
    let c = act(set, &c, "send_copy", "2024-03-13", &[]);
    // The decision needs the respondent's reply or the expiry of its period (10 WD → 03-27).
    let r = try_act(set, &c, "decide", "2024-03-20", &[("decision", "uphold")]).unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(r.message_en.contains("respondent"));
    let blocked = allowed_actions_on(set, &c, &officer(), Some(d("2024-03-20")));
    let decide = blocked.iter().find(|a| a.id == "decide").unwrap();
    assert_eq!(decide.blocked_by.as_ref().unwrap().code, "gate");
    assert!(try_act(set, &c, "proceed_without_reply", "2024-03-20", &[]).is_err());
    // After expiry, deciding without the reply is allowed.
    assert!(try_act(set, &c, "decide", "2024-03-28", &[("decision", "uphold")]).is_ok());
    let c = act(set, &c, "respondent_reply", "2024-03-22", &[]);
    let c = act(set, &c, "hold_hearing", "2024-04-02", &[]);
    let c = act(
        set,
        &c,
        "suspend",
        "2024-04-08",
        &[("suspension_kind", "appraisal"), ("reason", "鉴定")],
    );
    assert_eq!(due(set, &c, "decision", "2024-04-09").status, "suspended");
    assert_eq!(
        try_act(set, &c, "decide", "2024-04-10", &[("decision", "uphold")])
            .unwrap_err()
            .code,
        "out_of_order"
    );
    let c = act(set, &c, "resume", "2024-04-17", &[]);
    let c = act(
        set,
        &c,
        "extend",
        "2024-05-01",
        &[("approver", "复议机构负责人"), ("reason", "复杂")],
    );
    let v = due(set, &c, "decision", "2024-05-02");
    // 60 days from 03-12 is 05-11, plus 10 appraisal days not counted, plus 30.
    assert!(v.due.unwrap() > d("2024-06-15"), "{:?}", v.due);
    let c = act(
        set,
        &c,
        "decide",
        "2024-06-01",
        &[
            ("decision", "confirm_unlawful"),
            ("decision_served_on", "2024-06-03"),
        ],
    );
    assert_eq!(
        due(set, &c, "decision", "2024-06-02").status,
        "closed_on_time"
    );
    let a = try_act(set, &c, "applicant_sues", "2024-06-10", &[]).unwrap();
    assert!(a.case.closed);
    assert_eq!(a.case.outcome.as_deref(), Some("confirm_unlawful"));
    let Effect::OpenLinked {
        procedure,
        start_date,
        fields,
        link,
    } = &a.effects[0];
    assert_eq!(
        (procedure.as_str(), *start_date, link.as_str()),
        (
            "litigation",
            d("2024-06-03"),
            "litigation_after_reconsideration"
        )
    );
    // The linked case's time to sue runs from the decision's service date: 15 days → 06-18.
    let l = open(set, procedure, *start_date, &officer(), fields.clone()).unwrap();
    assert_eq!(
        due(set, &l, "time_to_sue", "2024-06-10").due,
        Some(d("2024-06-18"))
    );
}

#[test]
fn reconsideration_simplified_procedure_only_under_the_2023_law_and_not_extendable() {
    let set = ProcedureSet::bundled();
    let old = open(
        set,
        "reconsideration",
        d("2023-06-01"),
        &officer(),
        f(&[("applicant_name", "x"), ("respondent", "y")]),
    )
    .unwrap();
    assert_eq!(old.version, "1999");
    assert_eq!(
        try_act(set, &old, "accept_simplified", "2023-06-02", &[])
            .unwrap_err()
            .code,
        "out_of_order"
    );
    let c = open(
        set,
        "reconsideration",
        d("2024-09-02"),
        &officer(),
        f(&[("applicant_name", "x"), ("respondent", "y")]),
    )
    .unwrap();
    let c = act(set, &c, "accept_simplified", "2024-09-03", &[]);
    assert_eq!(
        due(set, &c, "decision_simplified", "2024-09-03").due,
        Some(d("2024-10-08"))
    );
    let r = try_act(
        set,
        &c,
        "extend",
        "2024-09-10",
        &[("approver", "a"), ("reason", "b")],
    )
    .unwrap_err();
    assert_eq!(
        (r.code.as_str(), r.message_en.as_str()),
        ("gate", "the simplified procedure cannot be extended")
    );
}

#[test]
fn litigation_head_appearance_major_case_appeal_and_outcome() {
    let set = ProcedureSet::bundled();
    // 2014 defence period: 15 days from service.
    let c = open(
        set,
        "litigation",
        d("2015-05-01"),
        &officer(),
        f(&[("court", "巴州区法院")]),
    )
    .unwrap();
    assert_eq!(c.version, "2015");
    let c = act(
        set,
        &c,
        "complaint_served",
        "2015-05-01",
        &[("served_on", "2015-05-01"), ("court", "巴州区法院")],
    );
    assert_eq!(
        due(set, &c, "defence", "2015-05-05").due,
        Some(d("2015-05-18"))
    );
    let c = act(
        set,
        &c,
        "mark_major",
        "2015-05-02",
        &[("major_case", "true")],
    );
    assert_eq!(c.fields["major_case"], "true");
    let c = act(
        set,
        &c,
        "file_defence",
        "2015-05-12",
        &[("filed_on", "2015-05-12")],
    );
    // Whether the head appeared is required; when not, the reason is.
    assert_eq!(
        try_act(set, &c, "hearing", "2015-06-01", &[])
            .unwrap_err()
            .code,
        "gate"
    );
    let r = try_act(
        set,
        &c,
        "hearing",
        "2015-06-01",
        &[("head_appeared", "false")],
    )
    .unwrap_err();
    assert!(r.message_en.contains("absence_reason"), "{}", r.message_en);
    let c = act(
        set,
        &c,
        "hearing",
        "2015-06-01",
        &[("head_appeared", "true"), ("head_name", "副市长")],
    );
    assert_eq!(c.step, "heard");
    let c = act(
        set,
        &c,
        "first_instance_decision",
        "2015-07-01",
        &[
            ("document_kind", "judgment"),
            ("result", "agency_loses"),
            ("served_on", "2015-07-01"),
        ],
    );
    assert_eq!(
        due(set, &c, "appeal_judgment", "2015-07-02").due,
        Some(d("2015-07-16"))
    );
    // A right, not a duty: unused past its end it has lapsed; it is never overdue.
    let unused = due(set, &c, "appeal_judgment", "2015-07-20");
    assert_eq!((unused.optional, unused.status.as_str()), (true, "lapsed"));
    assert!(!due(set, &c, "defence", "2015-07-20").optional);
    assert!(deadlines(set, &c, d("2015-07-02"))
        .iter()
        .all(|x| x.key != "appeal_ruling"));
    let c = act(
        set,
        &c,
        "appeal",
        "2015-07-10",
        &[("appeal_by", "agency"), ("filed_on", "2015-07-10")],
    );
    assert_eq!(
        due(set, &c, "appeal_judgment", "2015-07-11").status,
        "closed_on_time"
    );
    let c = act(
        set,
        &c,
        "hearing",
        "2015-09-01",
        &[
            ("head_appeared", "false"),
            ("absence_reason", "公务，委托法制办主任"),
        ],
    );
    assert_eq!(
        c.step, "appeal",
        "a second-instance hearing keeps the case on appeal"
    );
    let c = act(
        set,
        &c,
        "final_outcome",
        "2015-10-01",
        &[("final_outcome", "agency_wins")],
    );
    assert!(c.closed);
    assert_eq!(c.outcome.as_deref(), Some("agency_wins"));
    // 1989 law: 10 days.
    let old = open(set, "litigation", d("2014-09-25"), &officer(), f(&[])).unwrap();
    let old = act(
        set,
        &old,
        "complaint_served",
        "2014-09-25",
        &[("served_on", "2014-09-25"), ("court", "c")],
    );
    assert_eq!(
        due(set, &old, "defence", "2014-10-01").due,
        Some(d("2014-10-08"))
    );
}

#[test]
fn litigation_after_reconsideration_lapses_when_nobody_sues() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "litigation",
        d("2024-03-04"),
        &officer(),
        f(&[("decision_served_on", "2024-03-04")]),
    )
    .unwrap();
    assert_eq!(
        try_act(set, &c, "not_sued", "2024-03-10", &[])
            .unwrap_err()
            .code,
        "gate"
    );
    let c = act(set, &c, "not_sued", "2024-03-25", &[]);
    assert_eq!(c.outcome.as_deref(), Some("not_sued"));
    assert_eq!(due(set, &c, "time_to_sue", "2024-04-01").status, "lapsed");
}

#[test]
fn licensing_supplement_within_5_working_days_or_deemed_accepted_excluded_periods_extension() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "licensing",
        d("2024-09-27"),
        &officer(),
        f(&[
            ("applicant_name", "某公司"),
            ("licence_item", "食品经营许可"),
        ]),
    )
    .unwrap();
    assert_eq!(
        due(set, &c, "supplement_request", "2024-09-27").due,
        Some(d("2024-10-10"))
    );
    // Too late to ask for materials after 10-10.
    assert_eq!(
        try_act(
            set,
            &c,
            "request_supplement",
            "2024-10-11",
            &[("missing_materials", "x")]
        )
        .unwrap_err()
        .code,
        "gate"
    );
    assert_eq!(
        try_act(set, &c, "deemed_accepted", "2024-10-09", &[])
            .unwrap_err()
            .code,
        "gate"
    );
    let deemed = act(set, &c, "deemed_accepted", "2024-10-11", &[]);
    // Deemed accepted on receipt: 20 working days from 09-27 (make-up days 09-29 and 10-12
    // count, the National Day week does not).
    assert_eq!(
        due(set, &deemed, "decision", "2024-10-11").due,
        Some(d("2024-10-30"))
    );

    let c = act(
        set,
        &c,
        "request_supplement",
        "2024-10-08",
        &[("missing_materials", "营业执照")],
    );
    let c = act(set, &c, "receive_supplement", "2024-10-15", &[]);
    let c = act(set, &c, "accept", "2024-10-15", &[]);
    let r = try_act(
        set,
        &c,
        "start_excluded_period",
        "2024-10-20",
        &[("excluded_kind", "expert_review")],
    )
    .unwrap_err();
    assert!(
        r.message_en.contains("written_notice"),
        "the written notice is a gate"
    );
    let c = act(
        set,
        &c,
        "start_excluded_period",
        "2024-10-21",
        &[
            ("excluded_kind", "expert_review"),
            ("written_notice", "通知〔2024〕1号"),
        ],
    );
    let c = act(set, &c, "end_excluded_period", "2024-10-25", &[]);
    let c = act(
        set,
        &c,
        "extend",
        "2024-11-01",
        &[("approver", "局长"), ("reason", "需现场核查")],
    );
    let v = due(set, &c, "decision", "2024-11-02");
    assert!(
        v.explanation_en.contains("expert review"),
        "{}",
        v.explanation_en
    );
    let r = try_act(set, &c, "decide", "2024-11-20", &[("decision", "refuse")]).unwrap_err();
    assert_eq!(r.code, "gate");
    let c = act(set, &c, "decide", "2024-11-20", &[("decision", "grant")]);
    assert_eq!(c.step, "granted");
    let c = act(
        set,
        &c,
        "issue_certificate",
        "2024-11-22",
        &[("certificate_number", "JY1234")],
    );
    assert!(c.closed);
    assert_eq!(c.outcome.as_deref(), Some("grant"));
    assert!(deadlines(set, &c, d("2024-12-01"))
        .iter()
        .all(|x| x.status.starts_with("closed")));
}

#[test]
fn personal_fields_are_marked_in_every_procedure() {
    let set = ProcedureSet::bundled();
    assert_eq!(set.procedures().len(), 5);
    for p in set.procedures() {
        let pf = personal_fields(set, &p.id);
        assert!(pf.iter().any(|x| x.ends_with("_name")), "{}: {pf:?}", p.id);
    }
    assert!(personal_fields(set, "petition").contains(&"petitioner_id_number".to_string()));
}

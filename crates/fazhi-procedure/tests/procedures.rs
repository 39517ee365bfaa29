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

/// A matter for reconsideration is not handled as a petition: the petitioner is told to apply
/// there (2005 Art 21 / 2022 Art 31). The referral records the channel and the day they were
/// told, which answers the acceptance period, and opens nothing: the reconsideration body opens
/// its own case when the application arrives, naming the petition.
#[test]
fn a_petition_referral_tells_the_petitioner_and_opens_no_case() {
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
    let without_date = try_act(
        set,
        &c,
        "refer",
        "2024-05-08",
        &[("referred_to", "reconsideration")],
    );
    assert!(without_date.is_err(), "the notice date is required");
    for channel in ["reconsideration", "litigation", "other_statutory"] {
        let a = try_act(
            set,
            &c,
            "refer",
            "2024-05-08",
            &[("referred_to", channel), ("notified_on", "2024-05-07")],
        )
        .unwrap();
        assert_eq!(a.case.step, "referred");
        assert!(a.case.closed);
        assert!(a.effects.is_empty(), "{channel}: the bureau opens no case");
        assert_eq!(
            due(set, &a.case, "acceptance", "2024-06-30").status,
            "closed_on_time",
            "{channel}: told within the acceptance period"
        );
    }
    // The application names the petition's case number.
    let r = open(
        set,
        "reconsideration",
        d("2024-05-20"),
        &officer(),
        f(&[
            ("applicant_name", "刘"),
            ("respondent", "市市场监管局"),
            ("referred_from_petition", "12"),
        ]),
    )
    .unwrap();
    assert_eq!(r.fields["referred_from_petition"], "12");
    assert!(open(
        set,
        "reconsideration",
        d("2024-05-20"),
        &officer(),
        f(&[
            ("applicant_name", "刘"),
            ("referred_from_petition", "第12号")
        ]),
    )
    .is_err());
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

fn key_present(set: &ProcedureSet, c: &CaseState, key: &str, today: &str) -> bool {
    deadlines(set, c, d(today)).iter().any(|x| x.key == key)
}

fn petition_replied(set: &ProcedureSet, received: &str, accepted: &str) -> CaseState {
    let c = open(
        set,
        "petition",
        d(received),
        &officer(),
        f(&[
            ("channel", "letter"),
            ("petitioner_name", "吴"),
            ("matter", "物业维修资金"),
        ]),
    )
    .unwrap();
    let c = act(set, &c, "accept", accepted, &[]);
    act(
        set,
        &c,
        "assign",
        accepted,
        &[("assigned_unit", "市住建局")],
    )
}

#[test]
fn petition_review_and_re_review_requests_are_the_petitioners_rights_of_30_days() {
    let set = ProcedureSet::bundled();
    let c = petition_replied(set, "2023-07-03", "2023-07-05");
    assert!(!key_present(set, &c, "review_request", "2023-07-05"));
    // The opinion handed over on 2023-09-01: 30 days end on 10-01, in National Day 2023; the
    // next working day is the make-up Saturday 10-07.
    let c = act(
        set,
        &c,
        "reply",
        "2023-09-01",
        &[("opinion", "not_support")],
    );
    let v = due(set, &c, "review_request", "2023-10-03");
    assert_eq!(
        (v.due, v.warn_from, v.status.as_str(), v.optional),
        (
            Some(d("2023-10-07")),
            Some(d("2023-10-02")),
            "due_soon",
            true
        )
    );
    assert_eq!(v.article, "第三十五条");
    // After the last day the right has lapsed; a late request is refused.
    assert_eq!(
        due(set, &c, "review_request", "2023-10-08").status,
        "lapsed"
    );
    let r = try_act(set, &c, "request_review", "2023-10-08", &[]).unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(r.message_en.contains("30 days"), "{}", r.message_en);
    // Asked on the make-up Saturday, the last day.
    let c = act(set, &c, "request_review", "2023-10-07", &[]);
    assert_eq!(
        due(set, &c, "review_request", "2023-10-08").status,
        "closed_on_time"
    );
    assert_eq!(
        due(set, &c, "review", "2023-10-08").due,
        Some(d("2023-11-06"))
    );
    // The review opinion reached the petitioner on 11-03: 30 days end on Sunday 12-03 → 12-04.
    let c = act(
        set,
        &c,
        "review_reply",
        "2023-11-01",
        &[
            ("opinion", "not_support"),
            ("review_served_on", "2023-11-03"),
        ],
    );
    let v = due(set, &c, "re_review_request", "2023-11-02");
    assert_eq!(
        (v.due, v.article.as_str()),
        (Some(d("2023-12-04")), "第三十六条")
    );
    assert_eq!(
        try_act(set, &c, "request_re_review", "2023-12-05", &[])
            .unwrap_err()
            .code,
        "gate"
    );
    assert!(try_act(set, &c, "request_re_review", "2023-12-04", &[]).is_ok());
    // Unused: lapsed, also once the case is closed; never overdue.
    assert_eq!(
        due(set, &c, "re_review_request", "2023-12-05").status,
        "lapsed"
    );
    let closed = act(
        set,
        &c,
        "evaluate",
        "2023-12-06",
        &[("satisfaction", "unsatisfied")],
    );
    assert!(closed.closed);
    let v = due(set, &closed, "re_review_request", "2023-12-10");
    assert_eq!(v.status, "lapsed");
    assert!(deadlines(set, &closed, d("2023-12-10"))
        .iter()
        .all(|x| x.status != "overdue" && x.status != "closed_late"));
}

#[test]
fn petition_review_request_under_the_2005_regulations_runs_from_the_service_date() {
    let set = ProcedureSet::bundled();
    let c = petition_replied(set, "2019-10-30", "2019-11-01");
    assert_eq!(c.version, "2005");
    // Written on 12-27, received on 12-31: 30 days end on 2020-01-30, inside the Spring
    // Festival holiday extended to 02-02, so the last day is Monday 2020-02-03.
    let c = act(
        set,
        &c,
        "reply",
        "2019-12-27",
        &[("opinion", "explain"), ("reply_served_on", "2019-12-31")],
    );
    let v = due(set, &c, "review_request", "2020-01-02");
    assert_eq!(
        (v.due, v.article.as_str(), v.law.contains("信访条例")),
        (Some(d("2020-02-03")), "第三十四条", true)
    );
    let c = act(set, &c, "request_review", "2020-02-03", &[]);
    assert_eq!(c.step, "review");
    assert_eq!(
        due(set, &c, "review_request", "2020-02-04").status,
        "closed_on_time"
    );
}

#[test]
fn reconsideration_simplified_procedure_reply_within_5_working_days() {
    let set = ProcedureSet::bundled();
    let opened = |day: &str| {
        open(
            set,
            "reconsideration",
            d(day),
            &officer(),
            f(&[("applicant_name", "郑"), ("respondent", "区市场监管局")]),
        )
        .unwrap()
    };
    // Simplified: the copy served on Friday 2024-09-27; 5 working days count the make-up
    // Sunday 09-29 and skip National Day, ending on 10-10.
    let c = act(
        set,
        &opened("2024-09-20"),
        "accept_simplified",
        "2024-09-24",
        &[],
    );
    let c = act(
        set,
        &c,
        "send_copy",
        "2024-09-27",
        &[("served_on", "2024-09-27")],
    );
    assert!(!key_present(set, &c, "respondent_reply", "2024-09-27"));
    let v = due(set, &c, "respondent_reply_simplified", "2024-10-08");
    assert_eq!(
        (v.due, v.warn_from, v.status.as_str(), v.optional),
        (
            Some(d("2024-10-10")),
            Some(d("2024-10-08")),
            "due_soon",
            false
        )
    );
    assert_eq!(v.article, "第五十四条、第八十八条");
    // The decision waits for the reply or the end of its 5 working days.
    assert_eq!(
        try_act(set, &c, "decide", "2024-10-10", &[("decision", "uphold")])
            .unwrap_err()
            .code,
        "gate"
    );
    assert_eq!(
        try_act(set, &c, "proceed_without_reply", "2024-10-10", &[])
            .unwrap_err()
            .code,
        "gate"
    );
    assert_eq!(
        due(set, &c, "respondent_reply_simplified", "2024-10-11").status,
        "overdue"
    );
    assert!(try_act(set, &c, "proceed_without_reply", "2024-10-11", &[]).is_ok());
    // A reply a day late closes late, and stays so when the decision follows.
    let c = act(set, &c, "respondent_reply", "2024-10-11", &[]);
    assert_eq!(
        due(set, &c, "respondent_reply_simplified", "2024-10-11").status,
        "closed_late"
    );
    let c = act(set, &c, "decide", "2024-10-14", &[("decision", "uphold")]);
    assert_eq!(
        due(set, &c, "respondent_reply_simplified", "2024-10-15").status,
        "closed_late"
    );
    assert_eq!(
        due(set, &c, "decision_simplified", "2024-10-15").status,
        "closed_on_time"
    );

    // The ordinary procedure on the same dates keeps Art 48's 10 working days → 10-16.
    let o = act(set, &opened("2024-09-20"), "accept", "2024-09-24", &[]);
    let o = act(
        set,
        &o,
        "send_copy",
        "2024-09-27",
        &[("served_on", "2024-09-27")],
    );
    assert_eq!(
        due(set, &o, "respondent_reply", "2024-09-27").due,
        Some(d("2024-10-16"))
    );
    assert!(!key_present(
        set,
        &o,
        "respondent_reply_simplified",
        "2024-09-27"
    ));
    assert!(try_act(set, &o, "proceed_without_reply", "2024-10-11", &[]).is_err());
}

fn licensing_accepted(set: &ProcedureSet, on: &str) -> CaseState {
    let c = open(
        set,
        "licensing",
        d(on),
        &officer(),
        f(&[
            ("applicant_name", "某建材公司"),
            ("licence_item", "采矿许可"),
        ]),
    )
    .unwrap();
    act(set, &c, "accept", on, &[])
}

#[test]
fn licensing_hearing_requested_within_5_working_days_held_within_20() {
    let set = ProcedureSet::bundled();
    let c = licensing_accepted(set, "2024-04-08");
    assert_eq!(
        due(set, &c, "decision", "2024-04-08").due,
        Some(d("2024-05-08"))
    );
    // A request needs the right to have been told first.
    assert_eq!(
        try_act(
            set,
            &c,
            "request_hearing",
            "2024-04-25",
            &[("hearing_requested_by", "interested_party")]
        )
        .unwrap_err()
        .code,
        "gate"
    );
    // Told on Friday 04-26: 5 working days count the make-up Sunday 04-28 and skip May Day.
    let c = act(
        set,
        &c,
        "notify_hearing_right",
        "2024-04-26",
        &[("hearing_right_notice", "听证告知〔2024〕3号")],
    );
    let v = due(set, &c, "hearing_request", "2024-04-29");
    assert_eq!(
        (v.due, v.warn_from, v.status.as_str(), v.optional),
        (
            Some(d("2024-05-07")),
            Some(d("2024-05-06")),
            "on_time",
            true
        )
    );
    assert_eq!(v.article, "第四十七条第一款、第八十二条");
    // While the window is open the decision waits.
    let r = try_act(set, &c, "decide", "2024-05-06", &[("decision", "grant")]).unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(r.message_en.contains("5 working days"), "{}", r.message_en);
    // Requested on the last day; a day later it is refused.
    assert_eq!(
        try_act(
            set,
            &c,
            "request_hearing",
            "2024-05-08",
            &[("hearing_requested_by", "interested_party")]
        )
        .unwrap_err()
        .code,
        "gate"
    );
    let c = act(
        set,
        &c,
        "request_hearing",
        "2024-05-07",
        &[("hearing_requested_by", "interested_party")],
    );
    assert_eq!(c.step, "excluded_period");
    assert_eq!(
        due(set, &c, "hearing_request", "2024-05-08").status,
        "closed_on_time"
    );
    // The hearing is due 20 working days after the request (make-up Saturday 05-11 counts).
    let h = due(set, &c, "hearing", "2024-05-08");
    assert_eq!(
        (h.due, h.optional, h.status.as_str()),
        (Some(d("2024-06-03")), false, "on_time")
    );
    assert_eq!(due(set, &c, "decision", "2024-05-08").status, "suspended");
    // The time and place are notified first (Art 48).
    assert_eq!(
        try_act(set, &c, "hold_hearing", "2024-05-20", &[])
            .unwrap_err()
            .code,
        "gate"
    );
    assert!(try_act(
        set,
        &c,
        "notify_hearing",
        "2024-05-20",
        &[("hearing_on", "2024-05-28")]
    )
    .unwrap_err()
    .message_en
    .contains("hearing_place"));
    let c = act(
        set,
        &c,
        "notify_hearing",
        "2024-05-20",
        &[
            ("hearing_on", "2024-05-28"),
            ("hearing_place", "第三会议室"),
        ],
    );
    let c = act(
        set,
        &c,
        "hold_hearing",
        "2024-05-28",
        &[("hearing_officer", "法规科科长")],
    );
    assert_eq!(
        due(set, &c, "hearing", "2024-05-29").status,
        "closed_on_time"
    );
    // Hearing time is not counted for the decision: 18 of its 20 working days ran before the
    // request (04-09..05-06), the other 2 after the excluded period ends on 05-29.
    assert_eq!(
        try_act(set, &c, "decide", "2024-05-28", &[("decision", "grant")])
            .unwrap_err()
            .code,
        "out_of_order"
    );
    let c = act(set, &c, "end_excluded_period", "2024-05-29", &[]);
    let v = due(set, &c, "decision", "2024-05-29");
    assert_eq!(v.due, Some(d("2024-05-31")));
    assert!(v.explanation_en.contains("hearing"), "{}", v.explanation_en);
    let c = act(set, &c, "decide", "2024-05-31", &[("decision", "grant")]);
    assert!(deadlines(set, &c, d("2024-06-01"))
        .iter()
        .all(|x| x.status == "closed_on_time"));
}

#[test]
fn licensing_hearing_held_late_closes_late_and_an_unrequested_hearing_lapses() {
    let set = ProcedureSet::bundled();
    // Requested on 2024-09-13: 20 working days over Mid-Autumn and National Day (make-up days
    // 09-14, 09-29, 10-12) end on 10-17; held on 10-18 it closed late.
    let c = licensing_accepted(set, "2024-09-02");
    let c = act(set, &c, "notify_hearing_right", "2024-09-12", &[]);
    assert_eq!(
        due(set, &c, "hearing_request", "2024-09-12").due,
        Some(d("2024-09-20"))
    );
    let c = act(
        set,
        &c,
        "request_hearing",
        "2024-09-13",
        &[("hearing_requested_by", "applicant")],
    );
    assert_eq!(due(set, &c, "hearing", "2024-10-14").status, "due_soon");
    let c = act(
        set,
        &c,
        "notify_hearing",
        "2024-10-08",
        &[("hearing_on", "2024-10-18"), ("hearing_place", "听证室")],
    );
    assert_eq!(due(set, &c, "hearing", "2024-10-18").status, "overdue");
    let late = act(set, &c, "hold_hearing", "2024-10-18", &[]);
    let v = due(set, &late, "hearing", "2024-10-18");
    assert_eq!(
        (v.due, v.status.as_str()),
        (Some(d("2024-10-17")), "closed_late")
    );
    // Requested but never held: the decision is refused until the hearing is held.
    let ended = act(set, &c, "end_excluded_period", "2024-10-09", &[]);
    let r = try_act(
        set,
        &ended,
        "decide",
        "2024-10-10",
        &[("decision", "refuse"), ("legal_ground", "x")],
    )
    .unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(
        r.message_en.contains("hearing was requested"),
        "{}",
        r.message_en
    );

    // Told of the right, nobody asks: after 05-07 it has lapsed (never overdue), and the
    // decision may then be made without a hearing.
    let c = licensing_accepted(set, "2024-04-08");
    let c = act(
        set,
        &c,
        "notify_hearing_right",
        "2024-04-26",
        &[("hearing_right_served_on", "2024-04-26")],
    );
    assert_eq!(
        due(set, &c, "hearing_request", "2024-05-08").status,
        "lapsed"
    );
    let c = act(set, &c, "decide", "2024-05-08", &[("decision", "grant")]);
    assert_eq!(
        due(set, &c, "hearing_request", "2024-05-09").status,
        "lapsed"
    );
    assert_eq!(
        due(set, &c, "decision", "2024-05-09").status,
        "closed_on_time"
    );
    assert!(!key_present(set, &c, "hearing", "2024-05-09"));
}

/// An event's date field is the action's own (or the opening's), never the same field another
/// action recorded: an appeal recorded without its filing date is dated by the appeal entry,
/// not by the defence's `filed_on`, and a re-review request by its own entry, not by the review
/// request's `request_received_on`.
#[test]
fn an_event_never_takes_a_date_another_action_recorded() {
    let set = ProcedureSet::bundled();
    let c = open(
        set,
        "litigation",
        d("2015-05-01"),
        &officer(),
        f(&[("court", "巴州区法院")]),
    )
    .unwrap();
    let c = act(
        set,
        &c,
        "complaint_served",
        "2015-05-01",
        &[("served_on", "2015-05-01"), ("court", "巴州区法院")],
    );
    let c = act(
        set,
        &c,
        "file_defence",
        "2015-05-12",
        &[("filed_on", "2015-05-12")],
    );
    let c = act(
        set,
        &c,
        "hearing",
        "2015-06-01",
        &[("head_appeared", "true"), ("head_name", "副市长")],
    );
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
    // Due 2015-07-16; the appeal is entered on 07-20 without a filing date: late.
    let c = act(set, &c, "appeal", "2015-07-20", &[("appeal_by", "agency")]);
    assert_eq!(
        due(set, &c, "appeal_judgment", "2015-07-21").status,
        "closed_late"
    );

    let c = petition_replied(set, "2023-07-03", "2023-07-05");
    let c = act(
        set,
        &c,
        "reply",
        "2023-09-01",
        &[("opinion", "not_support")],
    );
    let c = act(
        set,
        &c,
        "request_review",
        "2023-09-05",
        &[("request_received_on", "2023-09-04")],
    );
    let c = act(
        set,
        &c,
        "review_reply",
        "2023-10-09",
        &[("opinion", "not_support")],
    );
    let c = act(set, &c, "request_re_review", "2023-10-20", &[]);
    // 30 days from 10-20 (the re-review request's own entry), not from 09-04.
    assert_eq!(
        due(set, &c, "re_review", "2023-10-21").due,
        Some(d("2023-11-20"))
    );
}

/// The application copy goes to the respondent within 7 working days of acceptance (3 under the
/// simplified procedure); sending it meets the duty, late or not.
#[test]
fn reconsideration_copy_to_the_respondent_within_7_or_3_working_days() {
    let set = ProcedureSet::bundled();
    let opened = |day: &str| {
        open(
            set,
            "reconsideration",
            d(day),
            &officer(),
            f(&[("applicant_name", "郑"), ("respondent", "区市场监管局")]),
        )
        .unwrap()
    };
    // Ordinary: accepted Friday 2024-09-27; the make-up days 09-29 and 10-12 count.
    let c = act(set, &opened("2024-09-23"), "accept", "2024-09-27", &[]);
    assert!(!key_present(
        set,
        &c,
        "copy_to_respondent_simplified",
        "2024-09-27"
    ));
    let v = due(set, &c, "copy_to_respondent", "2024-10-11");
    assert_eq!(
        (v.due, v.status.as_str(), v.article.as_str()),
        (Some(d("2024-10-12")), "due_soon", "第四十八条、第八十八条")
    );
    let late = act(
        set,
        &c,
        "send_copy",
        "2024-10-14",
        &[("served_on", "2024-10-15")],
    );
    assert_eq!(
        due(set, &late, "copy_to_respondent", "2024-10-15").status,
        "closed_late"
    );
    // The reply runs from the copy's service, not from its sending.
    assert_eq!(
        due(set, &late, "respondent_reply", "2024-10-15").due,
        Some(d("2024-10-29"))
    );
    // Simplified: accepted Tuesday 2024-04-30, May Day skipped: 3 working days end 05-08.
    let c = act(
        set,
        &opened("2024-04-26"),
        "accept_simplified",
        "2024-04-30",
        &[],
    );
    assert!(!key_present(set, &c, "copy_to_respondent", "2024-04-30"));
    assert_eq!(
        due(set, &c, "copy_to_respondent_simplified", "2024-05-06").due,
        Some(d("2024-05-08"))
    );
    let sent = act(set, &c, "send_copy", "2024-05-08", &[]);
    assert_eq!(
        due(set, &sent, "copy_to_respondent_simplified", "2024-05-09").status,
        "closed_on_time"
    );
}

/// Art 48(1)(1): the hearing's time and place go out 7 days before it; a waiver in writing lets
/// the decision go ahead without waiting out the 5 working days, and no hearing can then be
/// requested.
#[test]
fn licensing_hearing_notice_7_days_ahead_and_a_written_waiver() {
    let set = ProcedureSet::bundled();
    let c = licensing_accepted(set, "2024-09-02");
    let c = act(set, &c, "notify_hearing_right", "2024-09-12", &[]);
    let c = act(
        set,
        &c,
        "request_hearing",
        "2024-09-13",
        &[("hearing_requested_by", "applicant")],
    );
    let notice = |hearing_on: &str| {
        try_act(
            set,
            &c,
            "notify_hearing",
            "2024-09-20",
            &[("hearing_on", hearing_on), ("hearing_place", "听证室")],
        )
    };
    let r = notice("2024-09-26").unwrap_err();
    assert_eq!(r.code, "gate");
    assert!(r.message_en.contains("7 days before"), "{}", r.message_en);
    assert!(
        notice("2024-09-27").is_ok(),
        "exactly 7 days ahead is in time"
    );

    let c = licensing_accepted(set, "2024-09-02");
    let c = act(set, &c, "notify_hearing_right", "2024-09-12", &[]);
    let refused_early = try_act(set, &c, "decide", "2024-09-13", &[("decision", "grant")]);
    assert_eq!(refused_early.unwrap_err().code, "gate");
    let c = act(set, &c, "waive_hearing", "2024-09-13", &[]);
    assert_eq!(
        due(set, &c, "hearing_request", "2024-09-13").status,
        "closed_on_time"
    );
    let r = try_act(
        set,
        &c,
        "request_hearing",
        "2024-09-14",
        &[("hearing_requested_by", "applicant")],
    );
    assert!(r.unwrap_err().message_en.contains("waived"));
    assert!(try_act(set, &c, "decide", "2024-09-13", &[("decision", "grant")]).is_ok());
}

//! The golden cases stored beside each rule in `data/rules/`, plus cases that need code to state.

use chrono::NaiveDate;
use fazhi_calendar::Calendar;
use fazhi_deadline::{compute, explain, Event, RuleBook, Status};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn every_rule_has_golden_cases_and_they_all_hold() {
    let book = RuleBook::bundled();
    let cal = Calendar::bundled();
    let mut n = 0;
    for rule in book.rules() {
        assert!(!rule.cases.is_empty(), "{} has no golden case", rule.id);
        for c in &rule.cases {
            let got = explain(cal, rule, book.kinds(), &c.events, c.today)
                .unwrap_or_else(|e| panic!("{}:{} {}: {e}", rule.file, c.line, c.name));
            let at = format!("{}:{} ({})", rule.file, c.line, c.name);
            assert_eq!(got.due, c.due, "due, {at}");
            if c.warning.is_some() {
                assert_eq!(got.warning, c.warning, "warning, {at}");
            }
            assert_eq!(got.status.name(), c.status, "status, {at}");
            assert!(!got.explanation.is_empty(), "{at}");
            // The fast path agrees with the explained one.
            let fast = compute(cal, rule, &c.events, c.today).unwrap();
            assert_eq!((fast.due, fast.status), (got.due, got.status), "{at}");
            n += 1;
        }
    }
    assert!(n >= 30, "only {n} golden cases");
}

#[test]
fn the_shipped_rule_ids_exist() {
    let book = RuleBook::bundled();
    for id in [
        "disclosure.reply",
        "licensing.supplement_request",
        "licensing.decision",
        "licensing.joint_decision",
        "reconsideration.acceptance",
        "reconsideration.respondent_reply",
        "reconsideration.decision",
        "reconsideration.decision_simplified",
        "petition.acceptance",
        "petition.handling",
        "petition.review",
        "petition.re_review",
        "litigation.defence",
        "normative_document.filing",
        "penalty.decision",
    ] {
        assert!(book.get(id).is_some(), "{id}");
    }
}

#[test]
fn version_switch_2018_vs_2020_disclosure() {
    let book = RuleBook::bundled();
    let rule = book.get("disclosure.reply").unwrap();
    let cal = Calendar::bundled();
    let a = compute(
        cal,
        rule,
        &Event::parse_all("received=2018-06-04").unwrap(),
        d("2018-06-05"),
    )
    .unwrap();
    assert_eq!(a.version.period.unwrap().length, 15);
    let b = compute(
        cal,
        rule,
        &Event::parse_all("received=2020-06-01").unwrap(),
        d("2020-06-02"),
    )
    .unwrap();
    assert_eq!(b.version.period.unwrap().length, 20);
    // 2020-06-01 + 20 working days: June 2-5 (4), 8-12 (9), 15-19 (14), 22-24 (17),
    // 25-27 Dragon Boat holiday, 28 (Sunday make-up, 18), 29-30 (20).
    assert_eq!(b.due, Some(d("2020-06-30")));
}

#[test]
fn explanation_names_law_start_skipped_days_and_result() {
    let book = RuleBook::bundled();
    let rule = book.get("licensing.decision").unwrap();
    let ev: Vec<Event> = [
        "accepted=2024-03-01",
        "suspended:hearing=2024-03-11..2024-03-22",
        "extended=2024-04-10",
    ]
    .iter()
    .flat_map(|s| Event::parse_all(s).unwrap())
    .collect();
    let got = explain(
        Calendar::bundled(),
        rule,
        book.kinds(),
        &ev,
        d("2024-04-25"),
    )
    .unwrap();
    let zh: Vec<_> = got.explanation.iter().map(|l| l.zh.as_str()).collect();
    let en: Vec<_> = got.explanation.iter().map(|l| l.en.as_str()).collect();
    let all_zh = zh.join("\n");
    let all_en = en.join("\n");
    assert!(
        all_zh.contains("行政许可法") && all_zh.contains("第四十二条"),
        "{all_zh}"
    );
    assert!(all_zh.contains("自 2024-03-02 起计算"), "{all_zh}");
    assert!(all_zh.contains("清明节假期"), "{all_zh}");
    assert!(
        all_zh.contains("听证") && all_zh.contains("2024-03-11 至 2024-03-22"),
        "{all_zh}"
    );
    assert!(all_zh.contains("延长10个工作日"), "{all_zh}");
    assert!(
        all_zh.contains("2024-04-07"),
        "make-up day listed: {all_zh}"
    );
    assert!(
        all_en.contains("Administrative Licensing Law") && all_en.contains("due 2024-04-28"),
        "{all_en}"
    );
    assert_eq!(got.original_due, Some(d("2024-04-15")));
    assert_eq!(got.due, Some(d("2024-04-28")));
    assert_eq!(got.status, Status::DueSoon);
}

#[test]
fn open_suspension_stops_the_clock() {
    let book = RuleBook::bundled();
    let rule = book.get("reconsideration.decision").unwrap();
    let ev: Vec<Event> = ["accepted=2024-03-04", "suspended:appraisal=2024-03-20"]
        .iter()
        .flat_map(|s| Event::parse_all(s).unwrap())
        .collect();
    let got = compute(Calendar::bundled(), rule, &ev, d("2024-06-01")).unwrap();
    assert_eq!(got.status, Status::Suspended);
    assert_eq!(got.due, None);
}

#[test]
fn late_extension_is_not_applied() {
    let book = RuleBook::bundled();
    let rule = book.get("petition.handling").unwrap();
    let ev: Vec<Event> = ["accepted=2021-03-01", "extended=2021-05-10"]
        .iter()
        .flat_map(|s| Event::parse_all(s).unwrap())
        .collect();
    let got = explain(
        Calendar::bundled(),
        rule,
        book.kinds(),
        &ev,
        d("2021-05-20"),
    )
    .unwrap();
    assert_eq!(got.due, Some(d("2021-04-30")));
    assert_eq!(got.status, Status::Overdue);
    assert!(got.explanation.iter().any(|l| l.en.contains("not applied")));
}
